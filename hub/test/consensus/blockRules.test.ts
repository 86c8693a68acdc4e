import { computeBlockHash, createBlsKeyPair, createBlsProofOfPossession, createValidatorSet, ZERO_HASH } from "@aegis/consumer-sdk";
import { assertValidBlock, BlockError, createBlock, getChainTipAfter, type ChainTip } from "../../src/consensus/blockRules.js";
import type { Block } from "../../src/consensus/types.js";

const keys = [1, 2, 3, 4].map((i) => createBlsKeyPair(new Uint8Array(32).fill(i)));
const set = createValidatorSet(keys.map((k) => ({ blsPublicKey: k.publicKey, power: 10n, proofOfPossession: createBlsProofOfPossession(k.secretKey) })));
const tip: ChainTip = { chainId: "c", height: 0, blockHash: ZERO_HASH, time: 1000, stateRoot: new Uint8Array(32).fill(5) };
const ctx = { tip, validatorSet: set, proposerIndex: 1, now: 5000 };
const ROOT = new Uint8Array(32).fill(7);
const good = createBlock({ tip, validatorSet: set, proposerIndex: 1, txs: [Uint8Array.of(1), Uint8Array.of(2)], stateRoot: ROOT, now: 2000 });

function codeOf(block: Block, over: Partial<typeof ctx> & { maxBlockBytes?: number } = {}): string | undefined {
  try {
    assertValidBlock(block, { ...ctx, ...over });
  } catch (e) {
    if (e instanceof BlockError) return e.code;
    throw e;
  }
  return undefined;
}
const withHeader = (h: Partial<Block["header"]>, txs = good.txs): Block => ({ header: { ...good.header, ...h }, txs });

test("a block built by createBlock is valid and extends the tip", () => {
  expect(codeOf(good)).toBeUndefined();
  const next = getChainTipAfter(tip, good);
  expect(next.height).toBe(1);
  expect(next.blockHash).toEqual(computeBlockHash(good.header));
  expect(createBlock({ tip, validatorSet: set, proposerIndex: 0, txs: [], stateRoot: ROOT, now: 10 }).header.time).toBe(1001);
  expect(good.header.stateRoot).toEqual(ROOT); // the application's root goes into the header as given // time > parent even with a slow clock
});

test.each([
  ["wrong chain", withHeader({ chainId: "d" }), "BLOCK_ERROR_WRONG_CHAIN"],
  ["wrong height", withHeader({ height: 2 }), "BLOCK_ERROR_WRONG_HEIGHT"],
  ["wrong parent", withHeader({ parentHash: new Uint8Array(32).fill(1) }), "BLOCK_ERROR_WRONG_PARENT"],
  ["time not after parent", withHeader({ time: 1000 }), "BLOCK_ERROR_TIME_NOT_INCREASING"],
  ["time too far ahead", withHeader({ time: 5000 + 10_001 }), "BLOCK_ERROR_TIME_IN_FUTURE"],
  ["another proposer", withHeader({ proposer: set.validators[0]!.address }), "BLOCK_ERROR_WRONG_PROPOSER"],
  ["wrong validator-set root", withHeader({ validatorSetRoot: new Uint8Array(32) }), "BLOCK_ERROR_WRONG_VALIDATOR_SET"],
  ["wrong checkpoint root", withHeader({ consumerCheckpointRoot: new Uint8Array(32) }), "BLOCK_ERROR_WRONG_CHECKPOINT_ROOT"],
  ["tx root not matching txs", withHeader({}, [Uint8Array.of(9)]), "BLOCK_ERROR_WRONG_TX_ROOT"],
])("rejects a block with %s", (_n, block, code) => {
  expect(codeOf(block as Block)).toBe(code);
});

test("rejects a block over the size limit", () => {
  expect(codeOf(good, { maxBlockBytes: 1 })).toBe("BLOCK_ERROR_TOO_LARGE");
});
