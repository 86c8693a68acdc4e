/**
 * Slashing hooks with Cosmos semantics: the amount is the power at the infraction height × fraction;
 * unbonding and redelegation entries created at or after the infraction (and not yet mature) pay
 * their share first, the validator's tokens the rest. Jail, unjail and tombstone.
 */
import { getSupply } from "../../../src/app/modules/bank.js";
import {
  computeNextValidatorSet,
  DEC_ONE,
  getDelegation,
  getUnbondingDelegation,
  getValidator,
  isTombstoned,
  msgBeginRedelegateHandler,
  msgCreateValidatorHandler,
  msgDelegateHandler,
  msgEditValidatorHandler,
  msgUndelegateHandler,
  processEpochEnd,
  processJail,
  processSlash,
  processTombstone,
  processUnjail,
} from "../../../src/app/modules/staking/index.js";
import type { StateView } from "../../../src/state/index.js";
import { isTxError } from "../../../src/tx/index.js";
import { acc, addr, checkInvariants, createValidatorMsg, DENOM, mustRun, onBranch, setup, snapshot, T0, valoper } from "./stakingFixtures.js";

const coin = (n: bigint) => ({ denom: DENOM, amount: n.toString() });
const TENTH = DEC_ONE / 10n;

/**
 * v1: self 10 M + d5 1 M + d6 1 M = 12 M (power 12), v2 20 M, v3 30 M; all bonded from height 1.
 * Then: h3 d5 undelegates 100 k (entry A), h4 d6 redelegates 50 k v1->v2 (R1), h6 d5 undelegates
 * 200 k (B), h8 d5 redelegates 300 k v1->v3 (R2). Nothing matures before T0 + 1000.
 */
function scenario(): StateView {
  const s = setup();
  for (const i of [1, 2, 3]) mustRun(s, msgCreateValidatorHandler, createValidatorMsg(i, 10_000_000n * BigInt(i)));
  for (const d of [5, 6]) mustRun(s, msgDelegateHandler, { delegatorAddress: acc(d), validatorAddress: valoper(1), amount: coin(1_000_000n) });
  processEpochEnd(s, { height: 0, time: T0 });
  const at = (h: number) => ({ height: h, time: T0 + h });
  mustRun(s, msgUndelegateHandler, { delegatorAddress: acc(5), validatorAddress: valoper(1), amount: coin(100_000n) }, at(3));
  mustRun(s, msgBeginRedelegateHandler, { delegatorAddress: acc(6), validatorSrcAddress: valoper(1), validatorDstAddress: valoper(2), amount: coin(50_000n) }, at(4));
  mustRun(s, msgUndelegateHandler, { delegatorAddress: acc(5), validatorAddress: valoper(1), amount: coin(200_000n) }, at(6));
  mustRun(s, msgBeginRedelegateHandler, { delegatorAddress: acc(5), validatorSrcAddress: valoper(1), validatorDstAddress: valoper(3), amount: coin(300_000n) }, at(8));
  checkInvariants(s);
  return s;
}

describe("processSlash", () => {
  test("only entries created at or after the infraction height are slashed", () => {
    const s = scenario();
    const supply = getSupply(s, DENOM);
    expect(getValidator(s, addr(1))!.tokens).toBe(11_350_000n);
    const r = processSlash(s, addr(1), 5, TENTH, { height: 10, time: T0 + 10 });
    expect(r).toEqual({
      slashAmount: 1_200_000n, // power 12 at height 5
      burned: 1_200_000n,
      burnedFromUnbondings: 20_000n, // B: 10% of 200 k; A (h3) untouched
      burnedFromRedelegations: 30_000n, // R2: 10% of 300 k unbonded at v3; R1 (h4) untouched
      burnedFromValidator: 1_150_000n,
    });
    expect(getUnbondingDelegation(s, addr(5), addr(1))!.entries.map((e) => [e.creationHeight, e.initialBalance, e.balance])).toEqual([
      [3n, "100000", "100000"],
      [6n, "200000", "180000"],
    ]);
    expect(getDelegation(s, addr(5), addr(3))!.shares).toBe(270_000n * DEC_ONE);
    expect(getDelegation(s, addr(6), addr(2))!.shares).toBe(50_000n * DEC_ONE);
    expect(getValidator(s, addr(1))!.tokens).toBe(10_200_000n);
    expect(getValidator(s, addr(3))!.tokens).toBe(30_270_000n);
    expect(getSupply(s, DENOM)).toBe(supply - 1_200_000n);
    checkInvariants(s);
  });

  test("an infraction at the current height slashes only the validator", () => {
    const s = scenario();
    const r = processSlash(s, addr(1), 10, TENTH, { height: 10, time: T0 + 10 });
    expect(r).toMatchObject({ burned: 1_200_000n, burnedFromUnbondings: 0n, burnedFromRedelegations: 0n, burnedFromValidator: 1_200_000n });
    expect(getUnbondingDelegation(s, addr(5), addr(1))!.entries.map((e) => e.balance)).toEqual(["100000", "200000"]);
    checkInvariants(s);
  });

  test("an infraction before every entry slashes them all", () => {
    const s = scenario();
    const r = processSlash(s, addr(1), 1, TENTH, { height: 10, time: T0 + 10 });
    expect(r).toMatchObject({ burnedFromUnbondings: 30_000n, burnedFromRedelegations: 35_000n, burnedFromValidator: 1_200_000n - 65_000n });
    expect(getDelegation(s, addr(6), addr(2))!.shares).toBe(45_000n * DEC_ONE);
    checkInvariants(s);
  });

  test("mature entries (completion <= now) are not slashed", () => {
    const s = scenario();
    // A completes at T0 + 1003, B at T0 + 1006, R2 at T0 + 1008
    const r = processSlash(s, addr(1), 1, TENTH, { height: 10, time: T0 + 1006 });
    expect(r).toMatchObject({ burnedFromUnbondings: 0n, burnedFromRedelegations: 30_000n });
    checkInvariants(s);
  });

  test("an entry loses at most its remaining balance", () => {
    const s = scenario();
    const sixTenths = (DEC_ONE * 6n) / 10n;
    processSlash(s, addr(1), 5, sixTenths, { height: 10, time: T0 + 10 });
    expect(getUnbondingDelegation(s, addr(5), addr(1))!.entries[1]!.balance).toBe("80000");
    const r = processSlash(s, addr(1), 5, sixTenths, { height: 11, time: T0 + 11 });
    expect(r.burnedFromUnbondings).toBe(80_000n);
    expect(getUnbondingDelegation(s, addr(5), addr(1))!.entries[1]!.balance).toBe("0");
    checkInvariants(s);
  });

  test("a redelegation already undelegated at the destination counts but burns nothing there", () => {
    const s = scenario();
    mustRun(s, msgUndelegateHandler, { delegatorAddress: acc(5), validatorAddress: valoper(3), amount: coin(300_000n) }, { height: 9, time: T0 + 9 });
    const r = processSlash(s, addr(1), 5, TENTH, { height: 10, time: T0 + 10 });
    expect(r).toMatchObject({ burnedFromRedelegations: 0n, burnedFromUnbondings: 20_000n, burnedFromValidator: 1_150_000n });
    checkInvariants(s);
  });

  test("the validator's tokens are the base when it was in no stored set; opts.power overrides", () => {
    const s = scenario();
    mustRun(s, msgCreateValidatorHandler, createValidatorMsg(4, 3_000_000n)); // never bonded
    expect(processSlash(s, addr(4), 10, DEC_ONE / 2n, { height: 10, time: T0 + 10 }).burned).toBe(1_500_000n);
    expect(processSlash(s, addr(2), 10, TENTH, { height: 10, time: T0 + 10 }, { power: 5n }).burned).toBe(500_000n);
    checkInvariants(s);
  });

  test("a full slash leaves the validator without tokens", () => {
    const s = scenario();
    processSlash(s, addr(1), 10, DEC_ONE, { height: 10, time: T0 + 10 }, { power: 100n });
    expect(getValidator(s, addr(1))!.tokens).toBe(0n);
    checkInvariants(s);
  });

  test.each([
    ["an infraction in the future", (s: StateView) => processSlash(s, addr(1), 11, TENTH, { height: 10, time: T0 })],
    ["an unknown validator", (s: StateView) => processSlash(s, addr(9), 5, TENTH, { height: 10, time: T0 })],
    ["a fraction above 1", (s: StateView) => processSlash(s, addr(1), 5, DEC_ONE + 1n, { height: 10, time: T0 })],
    ["a negative fraction", (s: StateView) => processSlash(s, addr(1), 5, -1n, { height: 10, time: T0 })],
  ])("refuses %s (TX_ERROR_INTERNAL, nothing changed)", (_n, fn) => {
    const s = scenario();
    const before = snapshot(s);
    expect(() => fn(s)).toThrow(expect.objectContaining({ type: expect.objectContaining({ code: "TX_ERROR_INTERNAL" }) }));
    expect(snapshot(s)).toEqual(before);
  });
});

describe("jail, unjail, tombstone", () => {
  test("a jailed validator is left out of the next set and can be unjailed", () => {
    const s = scenario();
    expect(processJail(s, addr(3))).toBe(true);
    expect(processJail(s, addr(3))).toBe(false);
    expect(computeNextValidatorSet(s).validators.map((v) => v.operatorAddress)).toEqual([valoper(2), valoper(1)]);
    processUnjail(s, addr(3));
    expect(computeNextValidatorSet(s).validators.map((v) => v.operatorAddress)).toEqual([valoper(3), valoper(2), valoper(1)]);
    checkInvariants(s);
  });

  test("tombstoning jails for good", () => {
    const s = scenario();
    expect(processTombstone(s, addr(2))).toBe(true);
    expect(processTombstone(s, addr(2))).toBe(false);
    expect(getValidator(s, addr(2))).toMatchObject({ jailed: true, tombstoned: true });
    expect(isTombstoned(s, addr(2))).toBe(true);
    expect(computeNextValidatorSet(s).validators.map((v) => v.operatorAddress)).not.toContain(valoper(2));
  });

  const unjailCases: [string, (s: StateView) => void, RegExp][] = [
    ["an unknown validator", () => {}, /not associated with any known validator/],
    ["a validator that is not jailed", () => {}, /not jailed/],
    ["a tombstoned validator", (s) => processTombstone(s, addr(1)), /tombstoned/],
    [
      "a validator whose self-delegation is below its minimum",
      (s) => {
        mustRun(s, msgEditValidatorHandler, { validatorAddress: valoper(1), commissionRate: "", minSelfDelegation: "10000000" });
        mustRun(s, msgUndelegateHandler, { delegatorAddress: acc(1), validatorAddress: valoper(1), amount: coin(1n) }, { height: 9, time: T0 + 9 });
      },
      /self delegation less than minimum/,
    ],
    [
      "a validator without self-delegation",
      (s) => mustRun(s, msgUndelegateHandler, { delegatorAddress: acc(1), validatorAddress: valoper(1), amount: coin(10_000_000n) }, { height: 9, time: T0 + 9 }),
      /no self-delegation/,
    ],
  ];
  test.each(unjailCases)("unjail refuses %s and changes nothing", (name, prepare, reason) => {
    const s = scenario();
    prepare(s);
    if (name !== "a validator that is not jailed" && name !== "an unknown validator") processJail(s, addr(1));
    const before = snapshot(s);
    const target = name === "an unknown validator" ? addr(9) : addr(1);
    const err = onBranch(s, (b) => {
      try {
        processUnjail(b, target);
      } catch (e) {
        return e;
      }
      return undefined;
    });
    expect(isTxError(err, "TX_ERROR_INVALID_MESSAGE")).toBe(true);
    expect((err as Error).message).toMatch(reason);
    expect(snapshot(s)).toEqual(before);
  });
});
