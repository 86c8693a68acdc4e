import { VoteType } from "@aegis/consumer-sdk";
import type { DuplicateVoteEvidence } from "../../../src/consensus/types.js";
import {
  DOUBLE_SIGN_JAIL_END_MS,
  getSigningInfo,
  processBlockSignatures,
  processDuplicateVoteEvidence,
  type EvidenceContext,
} from "../../../src/app/modules/slashing/index.js";
import { computeNextValidatorSet, getValidator, isTombstoned, processEpochEnd } from "../../../src/app/modules/staking/index.js";
import type { StateView } from "../../../src/state/index.js";
import { isTxError } from "../../../src/tx/index.js";
import { addr, checkInvariants, snapshot, T0 } from "../staking/stakingFixtures.js";
import { CHAIN_ID, hash, indexOf, M, setAt, signersExcept, vote, world } from "./slashingFixtures.js";

/** World with heights 1..5 processed (block time T0 + h). */
function chain(): StateView {
  const s = world({}, { unbondingTimeMs: 1000 });
  for (let h = 1; h <= 5; h++) {
    const set = setAt(s, h);
    processBlockSignatures(s, { height: h, time: T0 + h, set, signers: signersExcept(set, []) });
  }
  return s;
}

const ctx = (over: Partial<EvidenceContext> = {}): EvidenceContext => ({ height: 6, time: T0 + 6, chainId: CHAIN_ID, ...over });

function evidence(s: StateView, i = 1, over: { a?: Parameters<typeof vote>[2]; b?: Parameters<typeof vote>[2]; ia?: number; ib?: number; signerB?: number } = {}): DuplicateVoteEvidence {
  const idx = indexOf(setAt(s, 3), i);
  return {
    voteA: vote(i, over.ia ?? idx, over.a ?? { height: 3, blockHash: hash(1) }),
    voteB: vote(over.signerB ?? i, over.ib ?? idx, over.b ?? { height: 3, blockHash: hash(2) }),
    time: T0 + 3,
  };
}

function expectRejected(s: StateView, ev: DuplicateVoteEvidence, reason: RegExp, c: EvidenceContext = ctx()) {
  const before = snapshot(s);
  let err: unknown;
  try {
    processDuplicateVoteEvidence(s, ev, c);
  } catch (e) {
    err = e;
  }
  expect(isTxError(err, "TX_ERROR_INVALID_MESSAGE")).toBe(true);
  expect((err as Error).message).toMatch(reason);
  expect(snapshot(s)).toEqual(before);
}

describe("processDuplicateVoteEvidence", () => {
  test("valid evidence: slashed 5% of the power at the infraction, tombstoned, excluded from the next set", () => {
    const s = chain();
    const before = getValidator(s, addr(2))!.tokens;
    const r = processDuplicateVoteEvidence(s, evidence(s, 2), ctx());
    expect(r.infractionHeight).toBe(3);
    expect(r.slash.slashAmount).toBe((20n * M) / 20n);
    const v = getValidator(s, addr(2))!;
    expect(before - v.tokens).toBe(1n * M);
    expect(v.jailed).toBe(true);
    expect(isTombstoned(s, addr(2))).toBe(true);
    expect(getSigningInfo(s, v.consensusAddress)).toMatchObject({ tombstoned: true, jailedUntilMs: DOUBLE_SIGN_JAIL_END_MS });
    expect(r.events[0]!.attributes).toEqual(expect.arrayContaining([{ key: "reason", value: "double_sign" }]));
    expect(computeNextValidatorSet(s).validators.map((x) => x.operatorAddress)).not.toContain(v.operatorAddress);
    const next = processEpochEnd(s, { height: 6, time: T0 + 6 });
    expect(next.validators).toHaveLength(2);
    checkInvariants(s);
  });

  test("nil vs a block is a duplicate; prevotes too", () => {
    const s = chain();
    processDuplicateVoteEvidence(s, evidence(s, 1, { a: { height: 3, blockHash: null, type: VoteType.Prevote }, b: { height: 3, blockHash: hash(9), type: VoteType.Prevote } }), ctx());
    expect(isTombstoned(s, addr(1))).toBe(true);
  });

  test("invalid evidence is rejected and changes nothing", () => {
    const s = chain();
    const idx1 = indexOf(setAt(s, 3), 1);
    const idx2 = indexOf(setAt(s, 3), 2);
    expectRejected(s, evidence(s, 1, { b: { height: 3, blockHash: hash(1) } }), /same block/);
    expectRejected(s, evidence(s, 1, { a: { height: 3, blockHash: null }, b: { height: 3, blockHash: null } }), /same block/);
    expectRejected(s, evidence(s, 1, { b: { height: 4, blockHash: hash(2) } }), /different heights/);
    expectRejected(s, evidence(s, 1, { b: { height: 3, round: 1, blockHash: hash(2) } }), /different rounds/);
    expectRejected(s, evidence(s, 1, { b: { height: 3, type: VoteType.Prevote, blockHash: hash(2) } }), /different types/);
    expectRejected(s, evidence(s, 1, { signerB: 2, ib: idx2 }), /different validators/);
    // signed by validator 2 but claimed as validator 1's vote
    expectRejected(s, evidence(s, 1, { signerB: 2, ib: idx1 }), /invalid vote signature/);
    // signed for another chain
    const other = evidence(s, 1);
    other.voteB = { ...other.voteB, signature: vote(1, idx1, { height: 3, blockHash: hash(2) }, "other-chain").signature };
    expectRejected(s, other, /invalid vote signature/);
    const garbage = evidence(s, 1);
    garbage.voteA = { ...garbage.voteA, signature: new Uint8Array(96) };
    expectRejected(s, garbage, /invalid vote signature/);
    expectRejected(s, evidence(s, 1, { ia: 7, ib: 7 }), /unknown validator index 7/);
    expectRejected(s, evidence(s, 1, { a: { height: 9, blockHash: hash(1) }, b: { height: 9, blockHash: hash(2) } }), /future/);
    // too old: block time of height 3 is T0 + 3, unbonding period 1000 ms
    expectRejected(s, evidence(s, 1), /too old/, ctx({ time: T0 + 1004 }));
    expect(() => processDuplicateVoteEvidence(s, evidence(s, 1), ctx({ time: T0 + 1003 }))).not.toThrow();
    // already tombstoned
    expectRejected(s, evidence(s, 1, { a: { height: 4, blockHash: hash(5) }, b: { height: 4, blockHash: hash(6) } }), /already tombstoned/);
  });

  test("no set for the height: rejected", () => {
    const s = chain();
    expectRejected(s, evidence(s, 1), /no validator set/, ctx({ getSet: () => undefined }));
  });
});
