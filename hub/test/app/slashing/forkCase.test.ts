// Fork cases across rounds (decision 52) through the messages, over the slashing fixtures' three
// validators (10, 20, 30 M) with real BLS keys. The story: 2 and 3 (50 of 60 M) precommit block A in
// round 0; in round 1, 1, 2 and 3 prevote and precommit block B. 1 was never locked on A: it is honest.
// 2 and 3 left their lock on A without a polka for B in round 0 (or double prevoted in round 0): they
// are the guilty. Whatever is posted, exactly they are slashed, never 1; the case refuses what it does
// not need, forged polkas and the same fork twice, with the state unchanged.
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
import {
  AegisMsgPostPolka,
  createForkEvidenceHandler,
  createPostPolkaHandler,
  getForkCase,
  OBLIGATION_EXPIRED,
  OBLIGATION_MET,
  OBLIGATION_OPEN,
  processBlockSignatures,
  processForkCaseDeadlines,
  type MsgSubmitForkEvidence,
} from "../../../src/app/modules/slashing/index.js";
import { getValidator, isTombstoned, type EpochValidatorSet } from "../../../src/app/modules/staking/index.js";
import type { StateView } from "../../../src/state/index.js";
import { acc, addr, blsKey, run, snapshot, T0 } from "../staking/stakingFixtures.js";
import { CHAIN_ID, hash, indexOf, M, setAt, signersExcept, world } from "./slashingFixtures.js";

const evidenceHandler = createForkEvidenceHandler(undefined);
const polkaHandler = createPostPolkaHandler();
const H = 3;
const RESPONSE_MS = 100;
const at = { height: 6, time: T0 + 6 };

/** Heights 1..5 signed by everyone; unbonding 1000 ms, fork case response period 100 ms. */
function chain(responseMs = RESPONSE_MS): StateView {
  const s = world({ forkCaseResponseMs: responseMs }, { unbondingTimeMs: 1000 });
  for (let h = 1; h <= 5; h++) processBlockSignatures(s, { height: h, time: T0 + h, set: setAt(s, h), signers: signersExcept(setAt(s, h), []) });
  return s;
}

function header(set: EpochValidatorSet, variant: number): BlockHeader {
  const root = computeValidatorSetRoot(set.set);
  return { chainId: CHAIN_ID, height: H, time: T0 + H, parentHash: hash(0xe0), txRoot: hash(1), stateRoot: hash(0x40 + variant), consumerCheckpointRoot: hash(2), validatorSetRoot: root, nextValidatorSetRoot: root, proposer: new Uint8Array(20).fill(1), lastCommitHash: hash(3), evidenceRoot: hash(4) };
}

/** An aggregate of `type` votes by fixture validators `who` for `blockHash` at H in `round`. */
function aggregate(set: EpochValidatorSet, type: VoteType, blockHash: Uint8Array, who: number[], round: number, chainId = CHAIN_ID): CommitCertificate {
  const msg = computeVoteSignBytes({ chainId, height: H, round, type, blockHash });
  return { height: H, round, blockHash, signers: createSignerBitmap(set.validators.length, who.map((i) => indexOf(set, i))), signature: blsAggregateSignatures(who.map((i) => blsSign(blsKey(i).secretKey, msg))) };
}

function setting(s: StateView) {
  const set = setAt(s, H);
  const ha = header(set, 1);
  const hb = header(set, 2);
  const A = computeBlockHash(ha);
  const B = computeBlockHash(hb);
  const evidence: MsgSubmitForkEvidence = {
    submitter: acc(9),
    bls: { a: { header: ha, certificate: aggregate(set, VoteType.Precommit, A, [2, 3], 0) }, b: { header: hb, certificate: aggregate(set, VoteType.Precommit, B, [1, 2, 3], 1) } },
  };
  const polka = (hashOf: "A" | "B", who: number[], round: number) => ({ submitter: acc(9), polka: aggregate(set, VoteType.Prevote, hashOf === "A" ? A : B, who, round) });
  const ix = (...who: number[]) => who.map((i) => indexOf(set, i)).sort((a, b) => a - b);
  return { set, evidence, polka, ix, A, B };
}

function expectRefused<M>(s: StateView, handler: Parameters<typeof run<M>>[1], m: M, reason: RegExp, ctx = at) {
  const before = snapshot(s);
  const out = run(s, handler, m, ctx);
  expect(out.ok).toBe(false);
  expect(out.error!.code).toBe("TX_ERROR_INVALID_MESSAGE");
  expect(out.error!.message).toMatch(reason);
  expect(snapshot(s)).toEqual(before);
}

const tombstoned = (s: StateView) => [1, 2, 3].map((i) => isTombstoned(s, addr(i)));
const slashReasons = (events: { type: string; attributes: { key: string; value: string }[] }[]) => events.filter((e) => e.type === "slash").map((e) => e.attributes.find((a) => a.key === "reason")!.value);

test("two commits of different rounds open a case that names nobody yet: both commits' signers owe their polka; the same fork again is refused", () => {
  const s = chain();
  const { evidence, ix, A, B } = setting(s);
  const out = run(s, evidenceHandler, evidence, at);
  expect(out.ok).toBe(true);
  const res = aegis.slashing.v1.MsgSubmitForkEvidenceResponse.decode(out.result!.response.value);
  expect(res.slashed).toEqual([]);
  expect(Number(res.case_id)).toBe(1);
  expect(tombstoned(s)).toEqual([false, false, false]);
  const c = getForkCase(s, 1)!;
  expect(c).toMatchObject({ id: 1, height: H, low: { round: 0, blockHash: A }, high: { round: 1, blockHash: B }, convicted: [] });
  expect(c.obligations.map((o) => ({ round: [o.minRound, o.maxRound], owers: o.owers, status: o.status, deadlineMs: o.deadlineMs }))).toEqual([
    { round: [1, 1], owers: ix(1, 2, 3), status: OBLIGATION_OPEN, deadlineMs: at.time + RESPONSE_MS },
    { round: [0, 0], owers: ix(2, 3), status: OBLIGATION_OPEN, deadlineMs: at.time + RESPONSE_MS },
  ]);
  expect(out.events.find((e) => e.type === "hub_fork_case")).toBeDefined();
  expectRefused(s, evidenceHandler, evidence, /already has case 1/);
  // The sides swapped are the same fork.
  expectRefused(s, evidenceHandler, { ...evidence, bls: { a: evidence.bls!.b, b: evidence.bls!.a } }, /already has case 1/);
});

test("the honest validator posts the polka it precommitted on; nobody shows a polka for B before round 1: at the deadline exactly 2 and 3 are slashed and tombstoned, 1 is untouched", () => {
  const s = chain();
  const { evidence, polka, ix } = setting(s);
  expect(run(s, evidenceHandler, evidence, at).ok).toBe(true);
  const tokens = (i: number) => getValidator(s, addr(i))!.tokens;
  const before = [1, 2, 3].map(tokens);
  const posted = run(s, polkaHandler, polka("B", [1, 2, 3], 1), at);
  expect(posted.ok).toBe(true);
  expect(aegis.slashing.v1.MsgPostPolkaResponse.decode(posted.result!.response.value).case_ids.map(Number)).toEqual([1]);
  let c = getForkCase(s, 1)!;
  // O_high met; L_1 opened: 2 and 3 precommitted A in round 0 and prevoted B in round 1, so they owe a polka for B in round 0.
  expect(c.obligations.map((o) => [o.minRound, o.maxRound, o.owers, o.status])).toEqual([
    [1, 1, ix(1, 2, 3), OBLIGATION_MET],
    [0, 0, ix(2, 3), OBLIGATION_OPEN],
    [0, 0, ix(2, 3), OBLIGATION_OPEN],
  ]);
  // The same polka again, and polkas the case does not need, are refused.
  expectRefused(s, polkaHandler, polka("B", [1, 2, 3], 1), /no open fork case at height 3 wants/);
  expectRefused(s, polkaHandler, polka("B", [1, 2, 3], 2), /no open fork case/); // above the higher commit's round
  expectRefused(s, polkaHandler, polka("A", [1, 2, 3], 1), /no open fork case/); // A after round 0
  // Before the deadline nothing happens; at it, the unanswered obligations convict 2 and 3 (once each).
  const early = processForkCaseDeadlines(s, { height: 7, time: at.time + RESPONSE_MS - 1, chainId: CHAIN_ID });
  expect(early).toEqual([]);
  expect(tombstoned(s)).toEqual([false, false, false]);
  const events = processForkCaseDeadlines(s, { height: 8, time: at.time + RESPONSE_MS, chainId: CHAIN_ID });
  expect(tombstoned(s)).toEqual([false, true, true]);
  expect(slashReasons(events)).toEqual(["hub_fork_unanswered", "hub_fork_unanswered"]);
  expect(before[0]! - tokens(1)).toBe(0n);
  expect(before[1]! - tokens(2)).toBe(1n * M);
  expect(before[2]! - tokens(3)).toBe((3n * M) / 2n);
  c = getForkCase(s, 1)!;
  expect(c.convicted).toEqual(ix(2, 3));
  expect(c.obligations.map((o) => o.status)).toEqual([OBLIGATION_MET, OBLIGATION_EXPIRED, OBLIGATION_EXPIRED]);
  // Closed: later blocks change nothing, and no polka is wanted any more.
  const after = snapshot(s);
  expect(processForkCaseDeadlines(s, { height: 9, time: at.time + 10 * RESPONSE_MS, chainId: CHAIN_ID })).toEqual([]);
  expect(snapshot(s)).toEqual(after);
  expectRefused(s, polkaHandler, polka("A", [2, 3], 0), /no open fork case/, { height: 9, time: at.time + 10 * RESPONSE_MS });
});

test("2 and 3 answer with the polka for B they made in round 0 too: the polka for A of round 0 shows they prevoted twice, and they are slashed at once, before any deadline", () => {
  const s = chain();
  const { evidence, polka, ix } = setting(s);
  expect(run(s, evidenceHandler, evidence, at).ok).toBe(true);
  expect(run(s, polkaHandler, polka("B", [1, 2, 3], 1), at).ok).toBe(true);
  const answered = run(s, polkaHandler, polka("B", [2, 3], 0), at);
  expect(answered.ok).toBe(true);
  expect(tombstoned(s)).toEqual([false, false, false]); // a polka for B in round 0 meets L_1; alone it proves nothing
  const out = run(s, polkaHandler, polka("A", [2, 3], 0), at);
  expect(out.ok).toBe(true);
  expect(tombstoned(s)).toEqual([false, true, true]);
  expect(slashReasons(out.events)).toEqual(["hub_fork_double_prevote", "hub_fork_double_prevote"]);
  expect(aegis.slashing.v1.MsgPostPolkaResponse.decode(out.result!.response.value).slashed).toHaveLength(2);
  const c = getForkCase(s, 1)!;
  expect(c.convicted).toEqual(ix(2, 3));
  expect(c.obligations.every((o) => o.status === OBLIGATION_MET)).toBe(true);
  expect(processForkCaseDeadlines(s, { height: 9, time: at.time + 10 * RESPONSE_MS, chainId: CHAIN_ID })).toEqual([]);
});

test("nobody posts anything: every signer of the higher commit owed its polka; the honest validator's defence is to post it (here it did not)", () => {
  const s = chain();
  const { evidence } = setting(s);
  expect(run(s, evidenceHandler, evidence, at).ok).toBe(true);
  processForkCaseDeadlines(s, { height: 8, time: at.time + RESPONSE_MS, chainId: CHAIN_ID });
  expect(tombstoned(s)).toEqual([true, true, true]);
});

test("forged, foreign, partial and unwanted polkas, and a case that could outlive the unbonding period, are refused with the state unchanged", () => {
  const s = chain();
  const { set, evidence, polka, B } = setting(s);
  expectRefused(s, polkaHandler, polka("B", [1, 2, 3], 1), /no open fork case at height 3/); // no case yet
  expect(run(s, evidenceHandler, evidence, at).ok).toBe(true);
  expectRefused(s, polkaHandler, { submitter: acc(9), polka: aggregate(set, VoteType.Precommit, B, [1, 2, 3], 1) }, /CERT_ERROR_INVALID_SIGNATURE/); // precommits, not prevotes
  expectRefused(s, polkaHandler, { submitter: acc(9), polka: aggregate(set, VoteType.Prevote, B, [1, 2, 3], 1, "aegis-other") }, /CERT_ERROR_INVALID_SIGNATURE/);
  expectRefused(s, polkaHandler, polka("B", [1, 3], 1), /CERT_ERROR_INSUFFICIENT_POWER/); // 40 of 60 M
  const p = polka("B", [2, 3], 1);
  expectRefused(s, polkaHandler, { ...p, polka: { ...p.polka, signers: signersExcept(set, []) } }, /CERT_ERROR_INVALID_SIGNATURE/); // the bitmap names 1, who did not sign
  expectRefused(s, polkaHandler, { ...p, polka: { ...p.polka, height: 4 } }, /no open fork case at height 4/);
  expect(() => run(s, polkaHandler, { submitter: "cosmos1bad", polka: p.polka }, at)).not.toThrow();
  expect(run(s, polkaHandler, { submitter: "cosmos1bad", polka: p.polka }, at).ok).toBe(false);
  // A response period so long that the case could outlive the unbonding period (1000 ms): refused.
  const slow = chain(400);
  expectRefused(slow, evidenceHandler, setting(slow).evidence, /outlive the unbonding period/);
});

test("MsgPostPolka round-trips through the SDK's encoder and the hub's strict decoder; a message without a polka is refused", () => {
  const s = chain();
  const { polka } = setting(s);
  const m = polka("B", [1, 2, 3], 1);
  const bytes = AegisMsgPostPolka.encode(m).finish();
  expect(AegisMsgPostPolka.decode(bytes)).toEqual(m);
  expect(() => AegisMsgPostPolka.decode(aegis.slashing.v1.MsgPostPolka.encode({ submitter: acc(9) }).finish())).toThrow(/polka: missing/);
  const short = aegis.slashing.v1.MsgPostPolka.encode({ submitter: acc(9), polka: { ...aegis.v1.CommitCertificate.decode(aegis.v1.CommitCertificate.encode({ height: 3, round: 1, block_hash: new Uint8Array(31), signers: new Uint8Array(1), signature: new Uint8Array(96) }).finish()) } }).finish();
  expect(() => AegisMsgPostPolka.decode(short)).toThrow();
});
