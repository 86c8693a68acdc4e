/**
 * Unbonding and redelegation queues: maturity at exactly the completion time, payouts, entry limits,
 * and block-end work proportional to the matured entries only.
 */
import { getBalance } from "../../../src/app/modules/bank.js";
import {
  getRedelegation,
  getUnbondingDelegation,
  getValidator,
  msgBeginRedelegateHandler,
  msgCreateValidatorHandler,
  msgDelegateHandler,
  msgUndelegateHandler,
  NOT_BONDED_POOL_ADDRESS,
  processEpochEnd,
  processJail,
  processUnjail,
  processMatureUnbondings,
  StakingKeyPrefix,
} from "../../../src/app/modules/staking/index.js";
import type { IterateOptions, KVStore, StateView } from "../../../src/state/index.js";
import { acc, addr, BondStatus, checkInvariants, createValidatorMsg, DENOM, mustRun, run, setup, T0, valoper } from "./stakingFixtures.js";

const UNBONDING = 1000; // TEST_PARAMS.unbondingTimeMs
const coin = (n: bigint) => ({ denom: DENOM, amount: n.toString() });
const undelegate = (s: StateView, d: number, v: number, n: bigint, height: number, time: number) =>
  run(s, msgUndelegateHandler, { delegatorAddress: acc(d), validatorAddress: valoper(v), amount: coin(n) }, { height, time });
const redelegate = (s: StateView, d: number, src: number, dst: number, n: bigint, height: number, time: number) =>
  run(s, msgBeginRedelegateHandler, { delegatorAddress: acc(d), validatorSrcAddress: valoper(src), validatorDstAddress: valoper(dst), amount: coin(n) }, { height, time });

/** Validators 1..3 bonded; accounts 5..8 delegate 1 M to validator 1. */
function world(): StateView {
  const s = setup();
  for (const i of [1, 2, 3]) mustRun(s, msgCreateValidatorHandler, createValidatorMsg(i, 10_000_000n * BigInt(i)));
  for (const d of [5, 6, 7, 8]) mustRun(s, msgDelegateHandler, { delegatorAddress: acc(d), validatorAddress: valoper(1), amount: coin(1_000_000n) });
  processEpochEnd(s, { height: 1, time: T0 });
  return s;
}

/** Counts the entries each iteration over a one-byte prefix reads. */
class CountingStore implements KVStore {
  readonly reads = new Map<number, number>();
  constructor(private readonly inner: KVStore) {}
  get(k: Uint8Array) {
    return this.inner.get(k);
  }
  has(k: Uint8Array) {
    return this.inner.has(k);
  }
  set(k: Uint8Array, v: Uint8Array) {
    this.inner.set(k, v);
  }
  delete(k: Uint8Array) {
    this.inner.delete(k);
  }
  *iterate(prefix: Uint8Array, opts?: IterateOptions): IterableIterator<[Uint8Array, Uint8Array]> {
    for (const e of this.inner.iterate(prefix, opts)) {
      this.reads.set(prefix[0]!, (this.reads.get(prefix[0]!) ?? 0) + 1);
      yield e;
    }
  }
}

describe("unbonding maturity", () => {
  test("an entry pays out at exactly its completion time, not a millisecond before", () => {
    const s = world();
    const before = getBalance(s, addr(5), DENOM);
    expect(undelegate(s, 5, 1, 400_000n, 2, T0 + 10).ok).toBe(true);
    const done = T0 + 10 + UNBONDING;
    expect(processMatureUnbondings(s, done - 1).events).toEqual([]);
    expect(getBalance(s, addr(5), DENOM)).toBe(before);
    expect(getUnbondingDelegation(s, addr(5), addr(1))).toBeDefined();
    const out = processMatureUnbondings(s, done);
    expect(out.events).toEqual([
      { type: "complete_unbonding", attributes: [{ key: "amount", value: "400000uaeg" }, { key: "validator", value: valoper(1) }, { key: "delegator", value: acc(5) }] },
    ]);
    expect(getBalance(s, addr(5), DENOM)).toBe(before + 400_000n);
    expect(getUnbondingDelegation(s, addr(5), addr(1))).toBeUndefined();
    expect(getBalance(s, NOT_BONDED_POOL_ADDRESS, DENOM)).toBe(0n);
    expect(processMatureUnbondings(s, done + 1).events).toEqual([]); // paid once
    checkInvariants(s);
  });

  test("only the matured entries of a pair are paid; the others stay queued", () => {
    const s = world();
    undelegate(s, 5, 1, 100n, 2, T0 + 10);
    undelegate(s, 5, 1, 200n, 3, T0 + 20);
    undelegate(s, 5, 1, 300n, 4, T0 + 30);
    const before = getBalance(s, addr(5), DENOM);
    processMatureUnbondings(s, T0 + 20 + UNBONDING);
    expect(getBalance(s, addr(5), DENOM)).toBe(before + 300n);
    expect(getUnbondingDelegation(s, addr(5), addr(1))!.entries.map((e) => e.balance)).toEqual(["300"]);
    checkInvariants(s);
    processMatureUnbondings(s, T0 + 30 + UNBONDING);
    expect(getBalance(s, addr(5), DENOM)).toBe(before + 600n);
    checkInvariants(s);
  });

  test("max entries: the eighth entry is refused until one matures", () => {
    const s = world();
    for (let h = 2; h <= 8; h++) expect(undelegate(s, 5, 1, 10n, h, T0 + h).ok).toBe(true);
    expect(getUnbondingDelegation(s, addr(5), addr(1))!.entries).toHaveLength(7);
    expect(undelegate(s, 5, 1, 10n, 9, T0 + 9).error!.log).toMatch(/too many unbonding delegation entries/);
    expect(undelegate(s, 6, 1, 10n, 9, T0 + 9).ok).toBe(true); // another pair is not affected
    processMatureUnbondings(s, T0 + 2 + UNBONDING);
    expect(undelegate(s, 5, 1, 10n, 10, T0 + 2 + UNBONDING).ok).toBe(true);
    checkInvariants(s);
  });

  test("block-end work reads only the matured queue entries (plus one)", () => {
    const s = world();
    // 4 delegators × 7 entries = 28 entries, of which 2 mature first
    for (let h = 2; h <= 8; h++) for (const d of [5, 6, 7, 8]) undelegate(s, d, 1, 1n, h, T0 + h * 100 + d);
    const counting = new CountingStore(s);
    processMatureUnbondings(counting, T0 + 200 + 6 + UNBONDING); // (h=2, d=5) and (h=2, d=6)
    expect(counting.reads.get(StakingKeyPrefix.UnbondingQueue)).toBe(3);
    expect(counting.reads.get(StakingKeyPrefix.Delegation) ?? 0).toBe(0);
    expect(counting.reads.get(StakingKeyPrefix.UnbondingDelegation) ?? 0).toBe(0);
    checkInvariants(s);
  });

  test("empty queues read nothing", () => {
    const s = world();
    const counting = new CountingStore(s);
    expect(processMatureUnbondings(counting, T0 + 10 ** 9).events).toEqual([]);
    expect([...counting.reads.values()].reduce((a, b) => a + b, 0)).toBe(0);
  });
});

describe("redelegation maturity", () => {
  test("a matured redelegation frees the destination for a further redelegation", () => {
    const s = world();
    expect(redelegate(s, 5, 1, 2, 500_000n, 2, T0 + 10).ok).toBe(true);
    expect(redelegate(s, 5, 2, 3, 100_000n, 3, T0 + 11).error!.log).toMatch(/already in progress/);
    processMatureUnbondings(s, T0 + 10 + UNBONDING - 1);
    expect(getRedelegation(s, addr(5), addr(1), addr(2))).toBeDefined();
    const out = processMatureUnbondings(s, T0 + 10 + UNBONDING);
    expect(out.events.map((e) => e.type)).toEqual(["complete_redelegation"]);
    expect(getRedelegation(s, addr(5), addr(1), addr(2))).toBeUndefined();
    expect(redelegate(s, 5, 2, 3, 100_000n, 4, T0 + 10 + UNBONDING).ok).toBe(true);
    checkInvariants(s);
  });

  test("max entries per (delegator, src, dst) triple", () => {
    const s = world();
    for (let h = 2; h <= 8; h++) expect(redelegate(s, 5, 1, 2, 10n, h, T0 + h).ok).toBe(true);
    expect(redelegate(s, 5, 1, 2, 10n, 9, T0 + 9).error!.log).toMatch(/too many redelegation entries/);
    expect(redelegate(s, 5, 1, 3, 10n, 9, T0 + 9).ok).toBe(true);
    checkInvariants(s);
  });
});

describe("validator unbonding", () => {
  test("a validator leaving the set unbonds for the unbonding period, then is UNBONDED", () => {
    const s = world();
    processJail(s, addr(1));
    const r = processEpochEnd(s, { height: 10, time: T0 + 100 });
    expect(r.left).toEqual([addr(1)]);
    const v = getValidator(s, addr(1))!;
    expect(v.status).toBe(BondStatus.BOND_STATUS_UNBONDING);
    expect(v.unbondingTimeMs).toBe(T0 + 100 + UNBONDING);
    expect(v.unbondingHeight).toBe(10n);
    checkInvariants(s);
    // a redelegation out of an unbonding validator completes when the validator's unbonding does
    expect(redelegate(s, 5, 1, 2, 10n, 11, T0 + 200).ok).toBe(true);
    expect(getRedelegation(s, addr(5), addr(1), addr(2))!.entries[0]).toMatchObject({ creationHeight: 10n });
    processMatureUnbondings(s, T0 + 100 + UNBONDING - 1);
    expect(getValidator(s, addr(1))!.status).toBe(BondStatus.BOND_STATUS_UNBONDING);
    const out = processMatureUnbondings(s, T0 + 100 + UNBONDING);
    expect(out.unbondedValidators).toEqual([addr(1)]);
    expect(getValidator(s, addr(1))!.status).toBe(BondStatus.BOND_STATUS_UNBONDED);
    expect(getRedelegation(s, addr(5), addr(1), addr(2))).toBeUndefined();
    checkInvariants(s);
  });

  test("a validator re-entering the set while unbonding is bonded again and leaves the queue", () => {
    const s = world();
    processJail(s, addr(1));
    processEpochEnd(s, { height: 10, time: T0 + 100 });
    expect(getValidator(s, addr(1))!.status).toBe(BondStatus.BOND_STATUS_UNBONDING);
    processUnjail(s, addr(1));
    const r = processEpochEnd(s, { height: 20, time: T0 + 200 });
    expect(r.joined).toEqual([addr(1)]);
    expect(getValidator(s, addr(1))).toMatchObject({ status: BondStatus.BOND_STATUS_BONDED, unbondingTimeMs: 0, unbondingHeight: 0n });
    checkInvariants(s);
    expect(processMatureUnbondings(s, T0 + 100 + UNBONDING).unbondedValidators).toEqual([]);
    expect(getValidator(s, addr(1))!.status).toBe(BondStatus.BOND_STATUS_BONDED);
  });
});
