// MsgSubmitForkEvidence on the ZK tier (decision 50), with fresh quorum4 proofs (the circuit's own
// setup) over the staking fixtures' three validators and their registered attestation keys: two
// succinct certificates of one height for different statements slash and tombstone exactly the slots
// in both bitmaps; certificates of one statement (another prover, other signers), of two heights, of
// another chain or another set's root, or a bitmap the proof does not support, are refused with the
// state unchanged. The SDK's rule alone (assertZkForkGuilt) is held to the same answers.
import * as snarkjs from "snarkjs";
import {
  assertZkForkGuilt,
  blsAggregateSignatures,
  blsSign,
  computeBlockHash,
  computeValidatorSetRoot,
  computeVoteSignBytes,
  createSignerBitmap,
  VoteType,
  type BlockHeader,
  type CommitCertificate,
  computeFinalityMessage,
  computeQuorumCircuitInput,
  computeZkSignerBitmap,
  encodeZkProof,
  ForkEvidenceError,
  initZkCertificateVerifier,
  type Groth16VerificationKey,
  type ZkCertificate,
} from "@aegis/consumer-sdk";
import { aegis } from "@aegis/proto";
import {
  AegisMsgSubmitForkEvidence,
  createForkEvidenceHandler,
  createPostCommitHandler,
  getForkCase,
  OBLIGATION_MET,
  OBLIGATION_OPEN,
  processBlockSignatures,
  processForkCaseDeadlines,
  type MsgSubmitForkEvidence,
} from "../../../src/app/modules/slashing/index.js";
import { getValidator, isTombstoned, type EpochValidatorSet } from "../../../src/app/modules/staking/index.js";
import { decodeFinalitySignature, getAttestationPoint, signFinalityMessage } from "../../../src/attestation/index.js";
import type { StateView } from "../../../src/state/index.js";
import { computeZkValidatorSetRootOf } from "../../../src/zk/zkValidatorSet.js";
import { acc, addr, attestationKeyPair, blsKey, run, snapshot, T0 } from "../staking/stakingFixtures.js";
import { CHAIN_ID, hash, M, setAt, signersExcept, world } from "./slashingFixtures.js";
import { getCircuit, setupCircuit, terminateCurve } from "../../../../circuits/scripts/build.mjs";

const H = 3;
const CAPACITY = 4;
let zk: { circuit: string; capacity: number; verificationKey: Groth16VerificationKey; attestationIntervalMs: number; proverReward: string; epochLength: number; authority: null };
let handler: ReturnType<typeof createForkEvidenceHandler>;
/** Certificates by name, proved once for all tests. */
const certs: Record<string, ZkCertificate> = {};

function chain(): StateView {
  const s = world({}, { unbondingTimeMs: 1000 });
  for (let h = 1; h <= 5; h++) processBlockSignatures(s, { height: h, time: T0 + h, set: setAt(s, h), signers: signersExcept(setAt(s, h), []) });
  return s;
}

/** The fixture number of each slot of the set (slot i = validator i of the set). */
const fixtureOf = (set: EpochValidatorSet) => set.validators.map((v) => [1, 2, 3].find((i) => v.operator.every((b, j) => b === addr(i)[j]))!);

beforeAll(async () => {
  await initZkCertificateVerifier();
  const built = await setupCircuit(await getCircuit("quorum4"));
  zk = { circuit: "quorum4", capacity: CAPACITY, verificationKey: built.vkey as unknown as Groth16VerificationKey, attestationIntervalMs: 1000, proverReward: "0", epochLength: 10, authority: null };
  handler = createForkEvidenceHandler(zk);
  const set = setAt(chain(), H);
  const who = fixtureOf(set);
  const root = computeZkValidatorSetRootOf(set.validators, CAPACITY);
  const slots = set.validators.map((v) => ({ ...getAttestationPoint(v.attestationPublicKey), power: v.power }));
  /** A certificate of `statement` signed by the fixture validators `signers`, proved for `prover`. */
  const prove = async (over: { height?: number; blockHash?: Uint8Array; chainId?: string; validatorSetRoot?: bigint }, signers: number[], prover = new Uint8Array(20).fill(7)): Promise<ZkCertificate> => {
    const statement = { chainId: over.chainId ?? CHAIN_ID, height: over.height ?? H, time: T0 + H, blockHash: over.blockHash ?? hash(0xa1), validatorSetRoot: over.validatorSetRoot ?? root, nextValidatorSetRoot: root };
    const message = computeFinalityMessage(statement);
    const slotsSigning = signers.map((i) => who.indexOf(i));
    const signatures = new Map(slotsSigning.map((slot, k) => [slot, decodeFinalitySignature(signFinalityMessage(attestationKeyPair(signers[k]!).secretKey, message))!]));
    const input = computeQuorumCircuitInput(slots, signatures, statement, CAPACITY, prover);
    const { proof } = await snarkjs.groth16.fullProve(input, built.wasm, built.zkey);
    return { circuit: "quorum4", ...statement, signers: computeZkSignerBitmap(slotsSigning, CAPACITY), prover, proof: encodeZkProof(proof as never) };
  };
  // Validators 2 and 3 (50 of 60 M) attest block A; 1, 2 and 3 attest block B.
  certs.a = await prove({}, [2, 3]);
  certs.b = await prove({ blockHash: hash(0xb2) }, [1, 2, 3]);
  certs.aAgain = await prove({}, [1, 2, 3], new Uint8Array(20).fill(9)); // A's statement, other signers and prover
  certs.otherHeight = await prove({ height: H + 1, blockHash: hash(0xb2) }, [1, 2, 3]);
  certs.otherChain = await prove({ chainId: "aegis-other", blockHash: hash(0xb2) }, [1, 2, 3]);
}, 300_000);
afterAll(() => terminateCurve());

const at = { height: 6, time: T0 + 6 };
const msg = (a: ZkCertificate, b: ZkCertificate): MsgSubmitForkEvidence => ({ submitter: acc(9), zk: { a: { ...a, chainId: "?" }, b: { ...b, chainId: "?" } } });

function expectRefused(s: StateView, m: MsgSubmitForkEvidence, reason: RegExp) {
  const before = snapshot(s);
  const out = run(s, handler, m, at);
  expect(out.error?.message).toMatch(reason);
  expect(snapshot(s)).toEqual(before);
}

test("two statements of one height: exactly the slots in both bitmaps are slashed and tombstoned", () => {
  const s = chain();
  const tokens = (i: number) => getValidator(s, addr(i))!.tokens;
  const before = [1, 2, 3].map(tokens);
  const out = run(s, handler, msg(certs.a!, certs.b!), at);
  expect(out.error?.message).toBeUndefined();
  expect([1, 2, 3].map((i) => isTombstoned(s, addr(i)))).toEqual([false, true, true]);
  expect([1, 2, 3].map((i, k) => before[k]! - tokens(i))).toEqual([0n, 1n * M, (3n * M) / 2n]);
  expect(Object.fromEntries(out.events.find((e) => e.type === "hub_fork")!.attributes.map((a) => [a.key, a.value]))).toMatchObject({ tier: "zk", guilty: "2", slashed: "2" });
  expectRefused(s, msg(certs.b!, certs.a!), /already tombstoned/);
});

test("the message round-trips: the SDK's encoder, the hub's strict decoder", () => {
  const m = msg(certs.a!, certs.b!);
  expect(AegisMsgSubmitForkEvidence.decode(AegisMsgSubmitForkEvidence.encode(m).finish())).toEqual(m);
});

test("no fork, or not this chain's: refused, state unchanged", () => {
  const s = chain();
  expectRefused(s, msg(certs.a!, certs.aAgain!), /one statement.*NOT_CONFLICTING/);
  expectRefused(s, msg(certs.a!, certs.otherHeight!), /heights 3 and 4.*NOT_CONFLICTING/);
  expectRefused(s, msg(certs.a!, certs.otherChain!), /proof does not verify \(ZK_CERT_ERROR_INVALID_PROOF\) \[FORK_EVIDENCE_ERROR_INVALID_CERTIFICATE\]/); // proved for another chain id
  expectRefused(s, msg(certs.a!, { ...certs.b!, signers: computeZkSignerBitmap([0, 1, 2], CAPACITY) ^ 0b1n }), /INVALID_CERTIFICATE/); // a bitmap the proof does not support
  expectRefused(s, msg(certs.a!, { ...certs.b!, validatorSetRoot: 12345n }), /WRONG_VALIDATOR_SET.*INVALID_CERTIFICATE/);
});

test("the SDK rule alone gives the same verdicts", () => {
  const set = setAt(chain(), H);
  const verify = { chainId: CHAIN_ID, verificationKeys: { quorum4: zk.verificationKey }, capacities: { quorum4: CAPACITY } };
  const ctx = { validatorSetRoot: computeZkValidatorSetRootOf(set.validators, CAPACITY), powers: set.validators.map((v) => v.power), verify };
  const g = assertZkForkGuilt({ a: { ...certs.a!, chainId: CHAIN_ID }, b: { ...certs.b!, chainId: CHAIN_ID } }, ctx);
  expect(g.guilty.map((i) => fixtureOf(set)[i]).sort()).toEqual([2, 3]);
  expect(3n * g.guiltyPower > g.totalPower).toBe(true);
  const code = (a: ZkCertificate, b: ZkCertificate) => {
    try {
      assertZkForkGuilt({ a: { ...a, chainId: CHAIN_ID }, b: { ...b, chainId: CHAIN_ID } }, ctx);
    } catch (e) {
      if (e instanceof ForkEvidenceError) return e.code;
      throw e;
    }
    return undefined;
  };
  expect([code(certs.a!, certs.aAgain!), code(certs.a!, certs.otherHeight!), code(certs.a!, certs.otherChain!)]).toEqual([
    "FORK_EVIDENCE_ERROR_NOT_CONFLICTING",
    "FORK_EVIDENCE_ERROR_NOT_CONFLICTING",
    "FORK_EVIDENCE_ERROR_INVALID_CERTIFICATE",
  ]);
});

// ---- across tiers (decision 52): a BLS commit of block A against the ZK certificate of block B ----

describe("a BLS commit against a ZK certificate of another block", () => {
  const RESPONSE_MS = 100;
  const commitHandler = createPostCommitHandler();
  /** Heights 1..5 signed by everyone; unbonding 1000 ms; fork cases answered within 100 ms. */
  const chain2 = (): StateView => {
    const s = world({ forkCaseResponseMs: RESPONSE_MS }, { unbondingTimeMs: 1000 });
    for (let h = 1; h <= 5; h++) processBlockSignatures(s, { height: h, time: T0 + h, set: setAt(s, h), signers: signersExcept(setAt(s, h), []) });
    return s;
  };
  const headerA = (set: EpochValidatorSet): BlockHeader => {
    const root = computeValidatorSetRoot(set.set);
    return { chainId: CHAIN_ID, height: H, time: T0 + H, parentHash: hash(0xe0), txRoot: hash(1), stateRoot: hash(0x41), consumerCheckpointRoot: hash(2), validatorSetRoot: root, nextValidatorSetRoot: root, proposer: new Uint8Array(20).fill(1), lastCommitHash: hash(3), evidenceRoot: hash(4) };
  };
  /** A commit certificate of `blockHash` at H by fixture validators `who` in `round`. */
  const commit = (set: EpochValidatorSet, blockHash: Uint8Array, who: number[], round: number): CommitCertificate => {
    const m = computeVoteSignBytes({ chainId: CHAIN_ID, height: H, round, type: VoteType.Precommit, blockHash });
    return { height: H, round, blockHash, signers: createSignerBitmap(set.validators.length, who.map((i) => fixtureOf(set).indexOf(i))), signature: blsAggregateSignatures(who.map((i) => blsSign(blsKey(i).secretKey, m))) };
  };
  /** Validators 2 and 3 precommit A in round 0; 1, 2 and 3 attest B (certs.b). */
  const mixed = (s: StateView): MsgSubmitForkEvidence => {
    const set = setAt(s, H);
    const h = headerA(set);
    return { submitter: acc(9), mixed: { bls: { header: h, certificate: commit(set, computeBlockHash(h), [2, 3], 0) }, zk: { ...certs.b!, chainId: "?" } } };
  };
  const open = (s: StateView) => {
    const out = run(s, handler, mixed(s), at);
    expect(out.error?.message).toBeUndefined();
    return Number(aegis.slashing.v1.MsgSubmitForkEvidenceResponse.decode(out.result!.response.value).case_id);
  };
  const tombstoned = (s: StateView) => [1, 2, 3].map((i) => isTombstoned(s, addr(i)));

  test("opens a case that names nobody yet and asks the ZK signers for a BLS commit of B; the same pair again is refused; the wire form round-trips", () => {
    const s = chain2();
    const id = open(s);
    expect(id).toBe(1);
    expect(tombstoned(s)).toEqual([false, false, false]);
    const c = getForkCase(s, id)!;
    expect(c.kind).toBe("tiers");
    expect(c.obligations).toHaveLength(1);
    expect(c.obligations[0]).toMatchObject({ blockHash: hash(0xb2), owers: fixtureOf(setAt(s, H)).map((_, k) => k), status: OBLIGATION_OPEN, deadlineMs: at.time + RESPONSE_MS });
    const before = snapshot(s);
    expect(run(s, handler, mixed(s), at).error?.message).toMatch(/already has case 1/);
    expect(snapshot(s)).toEqual(before);
    const m = mixed(s);
    const decoded = AegisMsgSubmitForkEvidence.decode(AegisMsgSubmitForkEvidence.encode(m).finish());
    expect(decoded.mixed!.bls).toEqual(m.mixed!.bls);
    expect(decoded.bls).toBeUndefined();
    expect(decoded.zk).toBeUndefined();
  });

  test("a commit of B in the same round is posted: 2 and 3 precommitted both blocks in round 0 and are slashed at once; 1 is not", () => {
    const s = chain2();
    const id = open(s);
    const out = run(s, commitHandler, { submitter: acc(9), commit: commit(setAt(s, H), hash(0xb2), [1, 2, 3], 0) }, at);
    expect(out.error?.message).toBeUndefined();
    expect(tombstoned(s)).toEqual([false, true, true]);
    expect(out.events.filter((e) => e.type === "slash").map((e) => e.attributes.find((a) => a.key === "reason")!.value)).toEqual(["hub_fork", "hub_fork"]);
    expect(getForkCase(s, id)!.obligations[0]!.status).toBe(OBLIGATION_MET);
    processForkCaseDeadlines(s, { height: 9, time: at.time + 10 * RESPONSE_MS, chainId: CHAIN_ID });
    expect(tombstoned(s)).toEqual([false, true, true]);
  });

  test("a commit of B in a later round is posted: a case across rounds opens (it asks for the polkas); nobody is slashed yet", () => {
    const s = chain2();
    open(s);
    const out = run(s, commitHandler, { submitter: acc(9), commit: commit(setAt(s, H), hash(0xb2), [1, 2, 3], 2) }, at);
    expect(out.error?.message).toBeUndefined();
    const opened = Number(aegis.slashing.v1.MsgPostCommitResponse.decode(out.result!.response.value).opened_case_id);
    expect(opened).toBe(2);
    expect(getForkCase(s, opened)).toMatchObject({ kind: "rounds", low: { round: 0 }, high: { round: 2, blockHash: hash(0xb2) } });
    expect(tombstoned(s)).toEqual([false, false, false]);
  });

  test("nobody posts a commit of B: at the deadline every ZK signer is slashed (an honest attester holds one)", () => {
    const s = chain2();
    open(s);
    processForkCaseDeadlines(s, { height: 9, time: at.time + RESPONSE_MS, chainId: CHAIN_ID });
    expect(tombstoned(s)).toEqual([true, true, true]);
  });

  test("refused with the state unchanged: a commit nobody asks for, a forged commit, too few signers, a ZK side of the same block, another chain's ZK certificate", () => {
    const s = chain2();
    const set = setAt(s, H);
    const refused = (h: typeof commitHandler | typeof handler, m: never, reason: RegExp) => {
      const before = snapshot(s);
      expect(run(s, h, m, at).error?.message).toMatch(reason);
      expect(snapshot(s)).toEqual(before);
    };
    refused(commitHandler, { submitter: acc(9), commit: commit(set, hash(0xb2), [1, 2, 3], 0) } as never, /no open fork case/);
    open(s);
    refused(commitHandler, { submitter: acc(9), commit: commit(set, hash(0xb3), [1, 2, 3], 0) } as never, /no open fork case/);
    const forged = commit(set, hash(0xb2), [2, 3], 0);
    refused(commitHandler, { submitter: acc(9), commit: { ...forged, signers: signersExcept(set, []) } } as never, /CERT_ERROR_INVALID_SIGNATURE/);
    refused(commitHandler, { submitter: acc(9), commit: commit(set, hash(0xb2), [1, 3], 0) } as never, /CERT_ERROR_INSUFFICIENT_POWER/);
    const s2 = chain2();
    const m = mixed(s2);
    const same = { ...m, mixed: { ...m.mixed!, zk: { ...certs.a!, chainId: "?", blockHash: m.mixed!.bls.certificate.blockHash } } };
    expect(run(s2, handler, same, at).error?.message).toMatch(/NOT_CONFLICTING|INVALID_CERTIFICATE/);
    expect(run(s2, handler, { ...m, mixed: { ...m.mixed!, zk: { ...certs.otherChain!, chainId: "?" } } }, at).error?.message).toMatch(/INVALID_CERTIFICATE/);
  });
});
