import {
  blsAggregateSignatures,
  blsSign,
  computeBlockHash,
  computeVoteSignBytes,
  createBlsKeyPair,
  createBlsProofOfPossession,
  createSignerBitmap,
  createValidatorSet,
  EMPTY_MERKLE_ROOT,
  toHex,
  VoteType,
  ZERO_HASH,
  type CommitCertificate,
} from "@aegis/consumer-sdk";
import { assertValidBlock, BlockError, computeEvidenceRoot, createBlock, getChainTipAfter, type ChainTip } from "../../src/consensus/blockRules.js";
import type { Block, DuplicateVoteEvidence } from "../../src/consensus/types.js";

const keys = [1, 2, 3, 4].map((i) => createBlsKeyPair(new Uint8Array(32).fill(i)));
const operatorOf = (i: number) => new Uint8Array(20).fill(i + 1);
const set = createValidatorSet(keys.map((k, i) => ({ blsPublicKey: k.publicKey, power: 10n, operator: operatorOf(i), proofOfPossession: createBlsProofOfPossession(k.secretKey, operatorOf(i)) })));
const skOf = (i: number) => keys.find((k) => toHex(k.publicKey) === toHex(set.validators[i]!.blsPublicKey))!.secretKey;
const tip: ChainTip = { chainId: "c", height: 0, blockHash: ZERO_HASH, time: 1000, stateRoot: new Uint8Array(32).fill(5) };
const ctx = { tip, validatorSet: set, lastValidatorSet: null, proposerIndex: 1, now: 5000 };
const ROOT = new Uint8Array(32).fill(7);
const good = createBlock({ tip, validatorSet: set, proposerIndex: 1, txs: [Uint8Array.of(1), Uint8Array.of(2)], stateRoot: ROOT, lastCommit: null, evidence: [], now: 2000 });

/** A certificate of `height` / `blockHash` signed by the validators at `signers`. */
function certify(height: number, blockHash: Uint8Array, signers: number[], round = 0): CommitCertificate {
  const msg = computeVoteSignBytes({ chainId: "c", height, round, type: VoteType.Precommit, blockHash });
  return {
    height,
    round,
    blockHash,
    signers: createSignerBitmap(set.validators.length, signers),
    signature: blsAggregateSignatures(signers.map((i) => blsSign(skOf(i), msg))),
  };
}

// Height 2, on top of `good`, carrying good's certificate.
const tip1 = getChainTipAfter(tip, good);
const cert1 = certify(1, tip1.blockHash, [0, 1, 2]);
const ctx2 = { tip: tip1, validatorSet: set, lastValidatorSet: set, proposerIndex: 2, now: 5000 };
const evidence: DuplicateVoteEvidence = {
  voteA: { type: VoteType.Prevote, height: 1, round: 0, blockHash: tip1.blockHash, validatorIndex: 3, signature: new Uint8Array(96).fill(1) },
  voteB: { type: VoteType.Prevote, height: 1, round: 0, blockHash: null, validatorIndex: 3, signature: new Uint8Array(96).fill(2) },
  time: 1500,
};
const good2 = createBlock({ tip: tip1, validatorSet: set, proposerIndex: 2, txs: [], stateRoot: ROOT, lastCommit: cert1, evidence: [evidence], now: 2500 });

function codeOf(block: Block, c: Parameters<typeof assertValidBlock>[1] = ctx, over: { maxBlockBytes?: number } = {}): string | undefined {
  try {
    assertValidBlock(block, { ...c, ...over });
  } catch (e) {
    if (e instanceof BlockError) return e.code;
    throw e;
  }
  return undefined;
}
const withHeader = (h: Partial<Block["header"]>, txs = good.txs): Block => ({ ...good, header: { ...good.header, ...h }, txs });

test("a block built by createBlock is valid and extends the tip", () => {
  expect(codeOf(good)).toBeUndefined();
  expect(good.header.lastCommitHash).toEqual(ZERO_HASH);
  expect(good.header.evidenceRoot).toEqual(computeEvidenceRoot([]));
  const next = getChainTipAfter(tip, good);
  expect(next.height).toBe(1);
  expect(next.blockHash).toEqual(computeBlockHash(good.header));
  expect(createBlock({ tip, validatorSet: set, proposerIndex: 0, txs: [], stateRoot: ROOT, lastCommit: null, evidence: [], now: 10 }).header.time).toBe(1001); // time > parent even with a slow clock
  expect(good.header.stateRoot).toEqual(ROOT); // the application's root goes into the header as given
});

test.each([
  ["wrong chain", withHeader({ chainId: "d" }), "BLOCK_ERROR_WRONG_CHAIN"],
  ["wrong height", withHeader({ height: 2 }), "BLOCK_ERROR_WRONG_HEIGHT"],
  ["wrong parent", withHeader({ parentHash: new Uint8Array(32).fill(1) }), "BLOCK_ERROR_WRONG_PARENT"],
  ["time not after parent", withHeader({ time: 1000 }), "BLOCK_ERROR_TIME_NOT_INCREASING"],
  ["time too far ahead", withHeader({ time: 5000 + 10_001 }), "BLOCK_ERROR_TIME_IN_FUTURE"],
  ["a builder outside the set", withHeader({ proposer: new Uint8Array(20).fill(0xee) }), "BLOCK_ERROR_WRONG_PROPOSER"],
  ["wrong validator-set root", withHeader({ validatorSetRoot: new Uint8Array(32) }), "BLOCK_ERROR_WRONG_VALIDATOR_SET"],
  ["tx root not matching txs", withHeader({}, [Uint8Array.of(9)]), "BLOCK_ERROR_WRONG_TX_ROOT"],
  ["evidence root not matching its evidence", { ...good, evidence: [evidence] }, "BLOCK_ERROR_WRONG_EVIDENCE_ROOT"],
  ["a last commit at height 1", { ...good, lastCommit: cert1 }, "BLOCK_ERROR_WRONG_LAST_COMMIT"],
  ["a last-commit hash at height 1", withHeader({ lastCommitHash: new Uint8Array(32).fill(1) }), "BLOCK_ERROR_WRONG_LAST_COMMIT"],
])("rejects a block with %s", (_n, block, code) => {
  expect(codeOf(block as Block)).toBe(code);
});

test("a block built by another member of the set is valid: a later round's proposer re-proposes the block a polka formed on, with its builder's header", () => {
  for (const i of [0, 2, 3]) expect(codeOf(createBlock({ tip, validatorSet: set, proposerIndex: i, txs: [], stateRoot: ROOT, lastCommit: null, evidence: [], now: 2000 }))).toBeUndefined();
});

test("the consumer-checkpoint root is the application's, as given; execution (not these rules) judges it", () => {
  const root = new Uint8Array(32).fill(7);
  const withRoot = createBlock({ tip, validatorSet: set, proposerIndex: 1, txs: [], stateRoot: ROOT, consumerCheckpointRoot: root, lastCommit: null, evidence: [], now: 5000 });
  expect(withRoot.header.consumerCheckpointRoot).toEqual(root);
  expect(good.header.consumerCheckpointRoot).toEqual(EMPTY_MERKLE_ROOT); // no consumers
  expect(codeOf(withRoot)).toBeUndefined();
});

test("rejects a block over the size limit", () => {
  expect(codeOf(good, ctx, { maxBlockBytes: 1 })).toBe("BLOCK_ERROR_TOO_LARGE");
});

describe("the last commit (the previous height's certificate)", () => {
  test("a block carrying a valid certificate of the tip, signed by more than 2/3, is valid", () => {
    expect(codeOf(good2, ctx2)).toBeUndefined();
    // A certificate naming more signers than needed is also fine.
    const all = certify(1, tip1.blockHash, [0, 1, 2, 3]);
    expect(codeOf(createBlock({ tip: tip1, validatorSet: set, proposerIndex: 2, txs: [], stateRoot: ROOT, lastCommit: all, evidence: [], now: 2500 }), ctx2)).toBeUndefined();
  });

  const rebuilt = (lastCommit: CommitCertificate | null) => createBlock({ tip: tip1, validatorSet: set, proposerIndex: 2, txs: [], stateRoot: ROOT, lastCommit, evidence: [], now: 2500 });
  test.each([
    ["missing", rebuilt(null)],
    ["for another block", rebuilt(certify(1, new Uint8Array(32).fill(9), [0, 1, 2]))],
    ["for another height", rebuilt(certify(2, tip1.blockHash, [0, 1, 2]))],
    ["signed by 2/3 only", rebuilt(certify(1, tip1.blockHash, [0, 1]))],
    ["with a bitmap naming a signer whose signature is not in the aggregate", rebuilt({ ...cert1, signers: createSignerBitmap(4, [0, 1, 2, 3]) })],
    ["with a bitmap of the wrong length", rebuilt({ ...cert1, signers: Uint8Array.of(7, 0) })],
    ["that the header's hash does not commit to", { ...good2, lastCommit: certify(1, tip1.blockHash, [0, 1, 2, 3]) }],
  ])("a last commit %s is refused with BLOCK_ERROR_WRONG_LAST_COMMIT", (_n, block) => {
    expect(codeOf(block, ctx2)).toBe("BLOCK_ERROR_WRONG_LAST_COMMIT");
  });

  test("without the set that signed the tip the last commit cannot be checked", () => {
    expect(codeOf(good2, { ...ctx2, lastValidatorSet: null })).toBe("BLOCK_ERROR_WRONG_LAST_COMMIT");
  });

  test("evidence the header does not commit to is refused", () => {
    expect(codeOf({ ...good2, evidence: [] }, ctx2)).toBe("BLOCK_ERROR_WRONG_EVIDENCE_ROOT");
    expect(codeOf({ ...good2, evidence: [{ ...evidence, time: 1501 }] }, ctx2)).toBe("BLOCK_ERROR_WRONG_EVIDENCE_ROOT");
  });
});
