/**
 * F1 distribution: allocation by power with commission, lazily accounted delegation rewards (hand
 * computed), withdraw, slashes between periods, queries, and that rounding never creates tokens.
 */
import fc from "fast-check";
import { MsgWithdrawDelegatorRewardResponse } from "cosmjs-types/cosmos/distribution/v1beta1/tx";
import {
  QueryDelegationRewardsRequest,
  QueryDelegationRewardsResponse,
  QueryDelegationTotalRewardsRequest,
  QueryDelegationTotalRewardsResponse,
  QueryValidatorOutstandingRewardsRequest,
  QueryValidatorOutstandingRewardsResponse,
} from "cosmjs-types/cosmos/distribution/v1beta1/query";
import { getBalance, processMint } from "../../../src/app/modules/bank.js";
import {
  amountOf,
  DISTRIBUTION_HANDLERS,
  DISTRIBUTION_MODULE_ADDRESS,
  FEE_COLLECTOR_ADDRESS,
  getAccumulatedCommission,
  getCommunityPool,
  getOutstandingRewards,
  getPendingDelegationRewards,
  msgWithdrawDelegatorRewardHandler,
  msgWithdrawValidatorCommissionHandler,
  processAllocateRewards,
  queryDistribution,
  setDistributionParams,
} from "../../../src/app/modules/distribution/index.js";
import { DEC_ONE, msgBeginRedelegateHandler, msgCreateValidatorHandler, msgDelegateHandler, msgUndelegateHandler, processSlash } from "../../../src/app/modules/staking/index.js";
import type { StateView } from "../../../src/state/index.js";
import { acc, addr, checkInvariants, createValidatorMsg, DENOM, mustRun, run, setup, snapshot, valoper } from "../staking/stakingFixtures.js";

const coin = (n: bigint) => ({ denom: DENOM, amount: n.toString() });
const dec = (whole: bigint, frac = 0n) => whole * DEC_ONE + frac; // frac in 10^-18
const HALF = DEC_ONE / 2n;

function fees(s: StateView, amount: bigint): void {
  processMint(s, FEE_COLLECTOR_ADDRESS, [{ denom: DENOM, amount }]);
}
const pending = (s: StateView, v: number, d: number) => amountOf(getPendingDelegationRewards(s, addr(v), addr(d)), DENOM);
const voteOf = (v: number, power: bigint) => ({ operator: valoper(v), power });

function withdraw(s: StateView, d: number, v: number) {
  return run(s, msgWithdrawDelegatorRewardHandler, { delegatorAddress: acc(d), validatorAddress: valoper(v) });
}

/** Module balance == outstanding of every validator + community pool (as Dec), nothing negative. */
function checkDistributionInvariant(s: StateView, validators: number[]): void {
  const module = getBalance(s, DISTRIBUTION_MODULE_ADDRESS, DENOM) * DEC_ONE;
  let owed = amountOf(getCommunityPool(s), DENOM);
  for (const v of validators) {
    const out = amountOf(getOutstandingRewards(s, addr(v)), DENOM);
    owed += out;
    expect(amountOf(getAccumulatedCommission(s, addr(v)), DENOM)).toBeLessThanOrEqual(out);
  }
  expect(module).toBe(owed);
}

describe("processAllocateRewards", () => {
  test("splits the fee collector by power, commission first; rounding remainder to the community pool", () => {
    const s = setup();
    mustRun(s, msgCreateValidatorHandler, createValidatorMsg(1, 4_000_000n)); // commission 10 %
    mustRun(s, msgCreateValidatorHandler, createValidatorMsg(2, 12_000_000n, { commission: { rate: "0.2", maxRate: "0.2", maxChangeRate: "0.01" } }));
    fees(s, 1000n);
    const r = processAllocateRewards(s, { height: 5, votes: [voteOf(1, 4n), voteOf(2, 12n)] });
    expect(getBalance(s, FEE_COLLECTOR_ADDRESS, DENOM)).toBe(0n);
    expect(getBalance(s, DISTRIBUTION_MODULE_ADDRESS, DENOM)).toBe(1000n);
    expect(amountOf(r.collected, DENOM)).toBe(dec(1000n));
    // v1: 1000 × 0.25 = 250, commission 25; v2: 1000 × 0.75 = 750, commission 150
    expect(amountOf(getOutstandingRewards(s, addr(1)), DENOM)).toBe(dec(250n));
    expect(amountOf(getAccumulatedCommission(s, addr(1)), DENOM)).toBe(dec(25n));
    expect(amountOf(getOutstandingRewards(s, addr(2)), DENOM)).toBe(dec(750n));
    expect(amountOf(getAccumulatedCommission(s, addr(2)), DENOM)).toBe(dec(150n));
    expect(pending(s, 1, 1)).toBe(dec(225n));
    expect(pending(s, 2, 2)).toBe(dec(600n));
    expect(getCommunityPool(s)).toEqual([]);
    expect(r.events.map((e) => e.type)).toEqual(["commission", "rewards", "commission", "rewards"]);
    // 1 / 3 of 100: the truncated shares leave a remainder in the community pool
    fees(s, 100n);
    processAllocateRewards(s, { height: 6, votes: [voteOf(1, 1n), voteOf(2, 2n)] });
    const third = (100n * DEC_ONE * (DEC_ONE / 3n)) / DEC_ONE;
    const twoThirds = (100n * DEC_ONE * ((2n * DEC_ONE) / 3n)) / DEC_ONE;
    expect(amountOf(getCommunityPool(s), DENOM)).toBe(dec(100n) - third - twoThirds);
    checkDistributionInvariant(s, [1, 2]);
    checkInvariants(s);
  });

  test("block reward is minted; no voters: everything to the community pool; unknown operators skipped", () => {
    const s = setup();
    mustRun(s, msgCreateValidatorHandler, createValidatorMsg(1, 1_000_000n));
    setDistributionParams(s, { blockReward: 500n });
    processAllocateRewards(s, { height: 1, votes: [] });
    expect(amountOf(getCommunityPool(s), DENOM)).toBe(dec(500n));
    processAllocateRewards(s, { height: 2, votes: [voteOf(9, 1n), voteOf(1, 1n)] });
    expect(amountOf(getOutstandingRewards(s, addr(1)), DENOM)).toBe(dec(250n));
    expect(amountOf(getCommunityPool(s), DENOM)).toBe(dec(750n));
    checkDistributionInvariant(s, [1]);
    checkInvariants(s);
  });
});

describe("F1 delegation rewards", () => {
  /** v1: self 1 M + d5 3 M; 1000 fees; d6 delegates 4 M; 1000 fees. */
  function scenario(): StateView {
    const s = setup();
    mustRun(s, msgCreateValidatorHandler, createValidatorMsg(1, 1_000_000n));
    mustRun(s, msgDelegateHandler, { delegatorAddress: acc(5), validatorAddress: valoper(1), amount: coin(3_000_000n) });
    fees(s, 1000n);
    processAllocateRewards(s, { height: 1, votes: [voteOf(1, 4n)] });
    mustRun(s, msgDelegateHandler, { delegatorAddress: acc(6), validatorAddress: valoper(1), amount: coin(4_000_000n) });
    fees(s, 1000n);
    processAllocateRewards(s, { height: 2, votes: [voteOf(1, 8n)] });
    return s;
  }

  test("two delegators with different stakes and one added mid-way get exactly the F1 amounts", () => {
    const s = scenario();
    // block 1: 900 shared over 4 M: self 225, d5 675. block 2: 900 over 8 M: self 112.5, d5 337.5, d6 450
    expect(pending(s, 1, 1)).toBe(dec(337n, HALF));
    expect(pending(s, 1, 5)).toBe(dec(1012n, HALF));
    expect(pending(s, 1, 6)).toBe(dec(450n));
    expect(amountOf(getAccumulatedCommission(s, addr(1)), DENOM)).toBe(dec(200n));
    expect(amountOf(getOutstandingRewards(s, addr(1)), DENOM)).toBe(dec(2000n));
    checkDistributionInvariant(s, [1]);
  });

  test("withdraw moves the integer part to the delegator and resets; the remainder is not paid twice", () => {
    const s = scenario();
    const before = getBalance(s, addr(5), DENOM);
    const out = withdraw(s, 5, 1);
    expect(out.ok).toBe(true);
    expect(getBalance(s, addr(5), DENOM) - before).toBe(1012n);
    expect(MsgWithdrawDelegatorRewardResponse.decode(out.result!.response.value).amount).toEqual([coin(1012n)]);
    expect(out.result!.response.typeUrl).toBe("/cosmos.distribution.v1beta1.MsgWithdrawDelegatorRewardResponse");
    const ev = out.events.find((e) => e.type === "withdraw_rewards")!;
    expect(ev.attributes).toEqual([
      { key: "amount", value: "1012uaeg" },
      { key: "validator", value: valoper(1) },
      { key: "delegator", value: acc(5) },
    ]);
    expect(pending(s, 1, 5)).toBe(0n);
    expect(getBalance(s, DISTRIBUTION_MODULE_ADDRESS, DENOM)).toBe(2000n - 1012n);
    expect(amountOf(getOutstandingRewards(s, addr(1)), DENOM)).toBe(dec(2000n) - dec(1012n, HALF));
    expect(amountOf(getCommunityPool(s), DENOM)).toBe(HALF);
    // a second withdraw pays nothing
    const again = withdraw(s, 5, 1);
    expect(again.ok).toBe(true);
    expect(MsgWithdrawDelegatorRewardResponse.decode(again.result!.response.value).amount).toEqual([]);
    // further rewards accrue from the reset point
    fees(s, 800n);
    processAllocateRewards(s, { height: 3, votes: [voteOf(1, 8n)] });
    expect(pending(s, 1, 5)).toBe(dec(270n)); // 720 × 3/8
    checkDistributionInvariant(s, [1]);
    checkInvariants(s);
  });

  test("changing a delegation settles its rewards first (staking hooks)", () => {
    const s = scenario();
    const before = getBalance(s, addr(6), DENOM);
    mustRun(s, msgDelegateHandler, { delegatorAddress: acc(6), validatorAddress: valoper(1), amount: coin(1_000n) });
    expect(getBalance(s, addr(6), DENOM)).toBe(before - 1_000n + 450n);
    expect(pending(s, 1, 6)).toBe(0n);
    const b5 = getBalance(s, addr(5), DENOM);
    mustRun(s, msgUndelegateHandler, { delegatorAddress: acc(5), validatorAddress: valoper(1), amount: coin(3_000_000n) });
    expect(getBalance(s, addr(5), DENOM)).toBe(b5 + 1012n); // paid on full undelegation; the delegation is gone
    expect(pending(s, 1, 5)).toBe(0n);
    checkDistributionInvariant(s, [1]);
    checkInvariants(s);
  });

  test("a redelegation settles rewards at the source and starts fresh at the destination", () => {
    const s = scenario();
    mustRun(s, msgCreateValidatorHandler, createValidatorMsg(2, 1_000_000n));
    const b6 = getBalance(s, addr(6), DENOM);
    mustRun(s, msgBeginRedelegateHandler, { delegatorAddress: acc(6), validatorSrcAddress: valoper(1), validatorDstAddress: valoper(2), amount: coin(1_000_000n) });
    expect(getBalance(s, addr(6), DENOM) - b6).toBe(450n);
    expect(pending(s, 1, 6)).toBe(0n);
    expect(pending(s, 2, 6)).toBe(0n);
    fees(s, 2000n);
    processAllocateRewards(s, { height: 3, votes: [voteOf(1, 7n), voteOf(2, 2n)] });
    // v2 gets 2000 × 2/9 (truncated ratio), 10 % commission, then half of it to d6 (1 M of 2 M)
    const toV2 = (dec(2000n) * ((2n * DEC_ONE) / 9n)) / DEC_ONE;
    const shared = toV2 - (toV2 * (DEC_ONE / 10n) + DEC_ONE / 2n) / DEC_ONE;
    expect(pending(s, 2, 6)).toBeLessThanOrEqual(shared / 2n);
    expect(shared / 2n - pending(s, 2, 6)).toBeLessThan(10n ** 7n); // ratio truncation only
    checkDistributionInvariant(s, [1, 2]);
    checkInvariants(s);
  });

  test("commission withdraw pays the operator the integer part", () => {
    const s = scenario();
    const before = getBalance(s, addr(1), DENOM);
    const out = run(s, msgWithdrawValidatorCommissionHandler, { validatorAddress: valoper(1) });
    expect(out.ok).toBe(true);
    expect(getBalance(s, addr(1), DENOM) - before).toBe(200n);
    expect(getAccumulatedCommission(s, addr(1))).toEqual([]);
    const none = run(s, msgWithdrawValidatorCommissionHandler, { validatorAddress: valoper(1) });
    expect(none.ok).toBe(false);
    checkDistributionInvariant(s, [1]);
  });

  test("a slash between periods scales the stake of the periods after it", () => {
    const s = setup();
    mustRun(s, msgCreateValidatorHandler, createValidatorMsg(1, 1_000_000n));
    mustRun(s, msgDelegateHandler, { delegatorAddress: acc(5), validatorAddress: valoper(1), amount: coin(3_000_000n) });
    fees(s, 1000n);
    processAllocateRewards(s, { height: 1, votes: [voteOf(1, 4n)] });
    // half of the 4 M tokens burned: effective fraction 0.5
    const r = processSlash(s, addr(1), 2, HALF, { height: 2, time: 0 }, { power: 4n });
    expect(r.burnedFromValidator).toBe(2_000_000n);
    fees(s, 1000n);
    processAllocateRewards(s, { height: 3, votes: [voteOf(1, 2n)] });
    // d5: 3 M × 900/4 M = 675, then stake 1.5 M × 900/2 M = 675 (unscaled would be 1350)
    expect(pending(s, 1, 5)).toBe(dec(1350n));
    expect(pending(s, 1, 1)).toBe(dec(450n));
    const b5 = getBalance(s, addr(5), DENOM);
    expect(withdraw(s, 5, 1).ok).toBe(true);
    expect(getBalance(s, addr(5), DENOM) - b5).toBe(1350n);
    checkDistributionInvariant(s, [1]);
    checkInvariants(s);
  });

  test("withdraw for a non-existent delegation fails and leaves the state unchanged", () => {
    const s = scenario();
    const snap = snapshot(s);
    const out = withdraw(s, 7, 1);
    expect(out.ok).toBe(false);
    expect(out.error!.code).toBe("TX_ERROR_INVALID_MESSAGE");
    expect(withdraw(s, 5, 9).ok).toBe(false); // unknown validator
    expect(snapshot(s)).toEqual(snap);
  });

  test("queries: DelegationRewards, DelegationTotalRewards, ValidatorOutstandingRewards, not found, other paths", () => {
    const s = scenario();
    const q = (path: string, data: Uint8Array) => queryDistribution(s, `/cosmos.distribution.v1beta1.Query/${path}`, data, 7)!;
    const r = q("DelegationRewards", QueryDelegationRewardsRequest.encode({ delegatorAddress: acc(5), validatorAddress: valoper(1) }).finish());
    expect(r.code).toBe(0);
    expect(QueryDelegationRewardsResponse.decode(r.value!).rewards).toEqual([{ denom: DENOM, amount: dec(1012n, HALF).toString() }]);
    const t = q("DelegationTotalRewards", QueryDelegationTotalRewardsRequest.encode({ delegatorAddress: acc(6) }).finish());
    const tr = QueryDelegationTotalRewardsResponse.decode(t.value!);
    expect(tr.rewards).toEqual([{ validatorAddress: valoper(1), reward: [{ denom: DENOM, amount: dec(450n).toString() }] }]);
    expect(tr.total).toEqual([{ denom: DENOM, amount: dec(450n).toString() }]);
    const o = q("ValidatorOutstandingRewards", QueryValidatorOutstandingRewardsRequest.encode({ validatorAddress: valoper(1) }).finish());
    expect(QueryValidatorOutstandingRewardsResponse.decode(o.value!).rewards!.rewards).toEqual([{ denom: DENOM, amount: dec(2000n).toString() }]);
    const nf = q("DelegationRewards", QueryDelegationRewardsRequest.encode({ delegatorAddress: acc(7), validatorAddress: valoper(1) }).finish());
    expect(nf.code).toBe(22);
    expect(nf.log).toContain("key not found");
    expect(q("DelegationRewards", QueryDelegationRewardsRequest.encode({ delegatorAddress: "x", validatorAddress: valoper(1) }).finish()).code).toBe(18);
    expect(q("Params", new Uint8Array()).code).toBe(0);
    expect(queryDistribution(s, "/cosmos.bank.v1beta1.Query/Balance", new Uint8Array(), 7)).toBeNull();
  });

  test("DISTRIBUTION_HANDLERS lists the three messages", () => {
    expect(DISTRIBUTION_HANDLERS.map((h) => h.typeUrl)).toEqual([
      "/cosmos.distribution.v1beta1.MsgWithdrawDelegatorReward",
      "/cosmos.distribution.v1beta1.MsgWithdrawValidatorCommission",
      "/cosmos.distribution.v1beta1.MsgSetWithdrawAddress",
    ]);
  });
});

describe("rounding never creates tokens", () => {
  type Op =
    | { k: "fees"; amount: bigint; p1: bigint; p2: bigint }
    | { k: "delegate"; d: number; v: number; amount: bigint }
    | { k: "undelegate"; d: number; v: number; amount: bigint }
    | { k: "withdraw"; d: number; v: number }
    | { k: "slash"; v: number; pct: bigint };
  const D = [1, 2, 5, 6, 7];
  const V = [1, 2];
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ k: fc.constant("fees" as const), amount: fc.bigInt(1n, 10_000_000n), p1: fc.bigInt(0n, 50n), p2: fc.bigInt(0n, 50n) }),
    fc.record({ k: fc.constant("delegate" as const), d: fc.constantFrom(...D), v: fc.constantFrom(...V), amount: fc.bigInt(1n, 5_000_000n) }),
    fc.record({ k: fc.constant("undelegate" as const), d: fc.constantFrom(...D), v: fc.constantFrom(...V), amount: fc.bigInt(1n, 3_000_000n) }),
    fc.record({ k: fc.constant("withdraw" as const), d: fc.constantFrom(...D), v: fc.constantFrom(...V) }),
    fc.record({ k: fc.constant("slash" as const), v: fc.constantFrom(...V), pct: fc.bigInt(1n, 60n) }),
  );

  test("sum paid out <= sum allocated; module balance covers everything owed", () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 25 }), (ops) => {
        const s = setup();
        mustRun(s, msgCreateValidatorHandler, createValidatorMsg(1, 1_234_567n));
        mustRun(s, msgCreateValidatorHandler, createValidatorMsg(2, 2_345_679n, { commission: { rate: "0.133333333333333333", maxRate: "0.2", maxChangeRate: "0.01" } }));
        let allocated = 0n;
        let height = 1;
        for (const op of ops) {
          height++;
          if (op.k === "fees") {
            fees(s, op.amount);
            allocated += op.amount;
            processAllocateRewards(s, { height, votes: [voteOf(1, op.p1), voteOf(2, op.p2)] });
          } else if (op.k === "delegate") run(s, msgDelegateHandler, { delegatorAddress: acc(op.d), validatorAddress: valoper(op.v), amount: coin(op.amount) });
          else if (op.k === "undelegate") run(s, msgUndelegateHandler, { delegatorAddress: acc(op.d), validatorAddress: valoper(op.v), amount: coin(op.amount) });
          else if (op.k === "withdraw") withdraw(s, op.d, op.v);
          else processSlash(s, addr(op.v), height, (op.pct * DEC_ONE) / 100n, { height, time: 0 });
          checkDistributionInvariant(s, V);
          // what the validator's delegators and operator could claim never exceeds its outstanding rewards
          for (const v of V) {
            let claims = amountOf(getAccumulatedCommission(s, addr(v)), DENOM);
            for (const d of D) claims += pending(s, v, d);
            expect(claims).toBeLessThanOrEqual(amountOf(getOutstandingRewards(s, addr(v)), DENOM));
          }
        }
        // everyone withdraws everything
        for (const v of V) {
          for (const d of D) withdraw(s, d, v);
          run(s, msgWithdrawValidatorCommissionHandler, { validatorAddress: valoper(v) });
        }
        checkDistributionInvariant(s, V);
        expect(getBalance(s, DISTRIBUTION_MODULE_ADDRESS, DENOM)).toBeGreaterThanOrEqual(0n);
        expect(getBalance(s, DISTRIBUTION_MODULE_ADDRESS, DENOM)).toBeLessThanOrEqual(allocated);
        checkInvariants(s);
      }),
      { numRuns: 40 },
    );
  });
});
