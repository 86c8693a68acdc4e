// MsgSubmitForkEvidence on the BLS tier (decision 50), over the staking fixtures' three validators
// (10, 20, 30 M) with real BLS keys: two certificates of one height and round for different blocks
// slash and tombstone exactly the validators in both bitmaps; the same guilt is slashed once; every
// kind of forged or partial evidence is refused with the state unchanged; the wire codec round-trips.
import {
  blsAggregateSignatures,
  blsSign,
  computeBlockHash,
  computeValidatorSetRoot,
  computeVoteSignBytes,
  createSignerBitmap,
  VoteType,
  type BlockHeader,
  type CommitCertificate,
} from "@aegis/consumer-sdk";
import { aegis } from "@aegis/proto";
import { AegisMsgSubmitForkEvidence, consensusBech32, createForkEvidenceHandler, getSigningInfo, processBlockSignatures, type MsgSubmitForkEvidence } from "../../../src/app/modules/slashing/index.js";
import { getValidator, isTombstoned, type EpochValidatorSet } from "../../../src/app/modules/staking/index.js";
import type { StateView } from "../../../src/state/index.js";
import { acc, addr, blsKey, run, snapshot, T0 } from "../staking/stakingFixtures.js";
import { CHAIN_ID, hash, indexOf, M, setAt, signersExcept, world } from "./slashingFixtures.js";

const handler = createForkEvidenceHandler(undefined);
const H = 3;

/** Heights 1..5 signed by everyone (block times T0 + h); unbonding 1000 ms. */
function chain(): StateView {
  const s = world({}, { unbondingTimeMs: 1000 });
  for (let h = 1; h <= 5; h++) processBlockSignatures(s, { height: h, time: T0 + h, set: setAt(s, h), signers: signersExcept(setAt(s, h), []) });
  return s;
}

function header(set: EpochValidatorSet, variant: number, over: Partial<BlockHeader> = {}): BlockHeader {
  return {
    chainId: CHAIN_ID,
    height: H,
    time: T0 + H,
    parentHash: hash(0xe0),
    txRoot: hash(1),
    stateRoot: hash(0x40 + variant),
    consumerCheckpointRoot: hash(2),
    validatorSetRoot: computeValidatorSetRoot(set.set),
    nextValidatorSetRoot: computeValidatorSetRoot(set.set),
    proposer: new Uint8Array(20).fill(1),
    lastCommitHash: hash(3),
    evidenceRoot: hash(4),
    ...over,
  };
}

/** A certificate of `h` by the fixture validators `who` (fixture numbers) in `round`, on `chainId`. */
function certify(set: EpochValidatorSet, h: BlockHeader, who: number[], round = 0, chainId = CHAIN_ID): CommitCertificate {
  const blockHash = computeBlockHash(h);
  const msg = computeVoteSignBytes({ chainId, height: h.height, round, type: VoteType.Precommit, blockHash });
  const idx = who.map((i) => indexOf(set, i));
  return { height: h.height, round, blockHash, signers: createSignerBitmap(set.validators.length, idx), signature: blsAggregateSignatures(who.map((i) => blsSign(blsKey(i).secretKey, msg))) };
}

/** The fork of the tests: validators 2 and 3 (50 of 60 M) sign block A, 1, 2 and 3 sign block B, round 0. */
function fork(s: StateView, over: { whoA?: number[]; whoB?: number[]; roundB?: number } = {}): MsgSubmitForkEvidence {
  const set = setAt(s, H);
  const ha = header(set, 1);
  const hb = header(set, 2);
  return { submitter: acc(9), bls: { a: { header: ha, certificate: certify(set, ha, over.whoA ?? [2, 3]) }, b: { header: hb, certificate: certify(set, hb, over.whoB ?? [1, 2, 3], over.roundB ?? 0) } } };
}

const at = { height: 6, time: T0 + 6 };

function expectRefused(s: StateView, m: MsgSubmitForkEvidence, reason: RegExp, ctx = at) {
  const before = snapshot(s);
  const out = run(s, handler, m, ctx);
  expect(out.ok).toBe(false);
  expect(out.error!.code).toBe("TX_ERROR_INVALID_MESSAGE");
  expect(out.error!.message).toMatch(reason);
  expect(snapshot(s)).toEqual(before);
}

test("a fork of one round: exactly the validators in both bitmaps are slashed and tombstoned; an honest signer of one side is untouched", () => {
  const s = chain();
  const tokens = (i: number) => getValidator(s, addr(i))!.tokens;
  const before = [1, 2, 3].map(tokens);
  const out = run(s, handler, fork(s), at);
  expect(out.ok).toBe(true);
  expect([1, 2, 3].map((i) => isTombstoned(s, addr(i)))).toEqual([false, true, true]);
  expect(before[0]! - tokens(1)).toBe(0n);
  expect(before[1]! - tokens(2)).toBe(1n * M); // 5 % of 20 M
  expect(before[2]! - tokens(3)).toBe((3n * M) / 2n); // 5 % of 30 M
  const slashed = aegis.slashing.v1.MsgSubmitForkEvidenceResponse.decode(out.result!.response.value).slashed;
  expect(slashed.sort()).toEqual([2, 3].map((i) => consensusBech32(getValidator(s, addr(i))!.consensusAddress)).sort());
  expect([2, 3].map((i) => getSigningInfo(s, getValidator(s, addr(i))!.consensusAddress)!.tombstoned)).toEqual([true, true]);
  const ev = out.events.find((e) => e.type === "hub_fork")!;
  expect(Object.fromEntries(ev.attributes.map((a) => [a.key, a.value]))).toEqual({ height: "3", tier: "bls", guilty: "2", guilty_power_fraction: "0.833333333333333333", slashed: "2" });
  expect(out.events.filter((e) => e.type === "slash").map((e) => e.attributes.find((a) => a.key === "reason")!.value)).toEqual(["hub_fork", "hub_fork"]);
  // The same guilt again (the same evidence, or the sides swapped): slashed once.
  expectRefused(s, fork(s), /already tombstoned/);
  const f = fork(s);
  expectRefused(s, { ...f, bls: { a: f.bls!.b, b: f.bls!.a } }, /already tombstoned/);
});

test("a validator already tombstoned for another offence is skipped, the rest slashed", () => {
  const s = chain();
  expect(run(s, handler, fork(s, { whoA: [2, 3], whoB: [2, 3] }), at).ok).toBe(true);
  // Another fork at the same height naming 1 too (1 now signs both: 1, 2, 3 on A' and B): only 1 is new.
  const set = setAt(s, H);
  const ha = header(set, 5);
  const m = fork(s);
  const out = run(s, handler, { ...m, bls: { a: { header: ha, certificate: certify(set, ha, [1, 2, 3]) }, b: m.bls!.b } }, at);
  expect(out.ok).toBe(true);
  expect(out.events.filter((e) => e.type === "slash")).toHaveLength(1);
  expect(isTombstoned(s, addr(1))).toBe(true);
});

test("forged, partial, stale and foreign evidence is refused with the state unchanged", () => {
  const s = chain();
  const set = setAt(s, H);
  const m = fork(s);
  const a = m.bls!.a;
  const b = m.bls!.b;
  const hb = b.header;
  expectRefused(s, { ...m, bls: { a, b: a } }, /NOT_CONFLICTING/);
  expectRefused(s, fork(s, { whoB: [1, 3] }), /CERT_ERROR_INSUFFICIENT_POWER \[FORK_EVIDENCE_ERROR_INVALID_CERTIFICATE\]/); // 40 of 60 M
  expectRefused(s, { ...m, bls: { a, b: { ...b, certificate: { ...b.certificate, signers: signersExcept(set, []), signature: certify(set, hb, [2, 3]).signature } } } }, /CERT_ERROR_INVALID_SIGNATURE \[FORK_EVIDENCE_ERROR_INVALID_CERTIFICATE\]/); // bitmap names 1, who did not sign
  expectRefused(s, { ...m, bls: { a, b: { header: hb, certificate: certify(set, hb, [1, 2, 3], 0, "aegis-other") } } }, /INVALID_SIGNATURE/); // signed for another chain
  const foreign = header(set, 2, { chainId: "aegis-other" });
  expectRefused(s, { ...m, bls: { a, b: { header: foreign, certificate: certify(set, foreign, [1, 2, 3], 0, "aegis-other") } } }, /of chain "aegis-other".*FORK_EVIDENCE_ERROR_MALFORMED/);
  const later = header(set, 2, { height: 4 });
  expectRefused(s, { ...m, bls: { a, b: { header: later, certificate: certify(setAt(s, 4), later, [1, 2, 3]) } } }, /heights 3 and 4 \[FORK_EVIDENCE_ERROR_NOT_CONFLICTING\]/);
  expectRefused(s, { ...m, bls: { a, b: { ...b, header: header(set, 7) } } }, /does not hash/);
  // Beyond the unbonding period (1000 ms after the block at height 3), and from the future.
  expectRefused(s, m, /too old/, { height: 6, time: T0 + H + 1001 });
  const future = header(set, 2, { height: 9 });
  const futureA = header(set, 1, { height: 9 });
  expectRefused(s, { ...m, bls: { a: { header: futureA, certificate: certify(set, futureA, [2, 3]) }, b: { header: future, certificate: certify(set, future, [1, 2, 3]) } } }, /from the future/);
  // Malformed messages: no evidence, both tiers, ZK on a chain without ZK.
  expect(() => handler.validateBasic({ submitter: acc(9) })).toThrow(/missing/);
  expect(() => handler.validateBasic({ ...m, zk: { a: {} as never, b: {} as never } })).toThrow(/one of them/);
  expect(() => handler.validateBasic({ ...m, mixed: { bls: m.bls!.a, zk: {} as never } })).toThrow(/one of them/);
  expect(() => handler.validateBasic({ submitter: acc(9), zk: { a: {} as never, b: {} as never } })).toThrow(/no ZK certificates/);
  expect(() => handler.validateBasic({ submitter: acc(9), mixed: { bls: m.bls!.a, zk: {} as never } })).toThrow(/no ZK certificates/);
});

test("the wire codec round-trips; half of a side is refused at decoding", () => {
  const s = chain();
  const m = fork(s);
  const bytes = AegisMsgSubmitForkEvidence.encode(m).finish();
  expect(AegisMsgSubmitForkEvidence.decode(bytes)).toEqual(m);
  const half = aegis.slashing.v1.MsgSubmitForkEvidence.encode({ submitter: m.submitter, header_a: aegis.slashing.v1.MsgSubmitForkEvidence.decode(bytes).header_a }).finish();
  expect(() => AegisMsgSubmitForkEvidence.decode(half)).toThrow(/all four or none/);
});
