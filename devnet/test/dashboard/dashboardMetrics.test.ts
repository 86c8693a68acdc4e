import fc from "fast-check";
import {
  computeFinalityLatencyMs,
  computeMean,
  computeNakamotoCoefficient,
  computeZkProvingLag,
  createConsumerFinalityState,
  getValidatorStatus,
  processConsumerFinalityObservation,
} from "../../src/dashboard/dashboardMetrics.js";

describe("computeNakamotoCoefficient: the fewest validators holding MORE than 1/3 of the stake", () => {
  test.each([
    ["no validators", [], 0],
    ["all zero stake", [0n, 0n, 0n], 0],
    ["one validator", [5n], 1],
    ["two equal", [1n, 1n], 1],
    ["three equal (exactly 1/3 is not more)", [1n, 1n, 1n], 2],
    ["four equal (the devnet)", [100n, 100n, 100n, 100n], 2],
    ["seven equal", Array(7).fill(10n), 3],
    ["ten equal", Array(10).fill(10n), 4],
    ["one whale above a third", [34n, 33n, 33n], 1],
    ["a whale at exactly a third", [100n, 100n, 50n, 50n], 2],
    ["order does not matter", [1n, 1n, 10n, 1n, 1n], 1],
    ["zero stakes count for nothing", [0n, 0n, 5n, 5n, 5n], 2],
    ["large stakes beyond 2^53", [10n ** 30n, 10n ** 30n, 10n ** 30n, 10n ** 30n], 2],
  ])("%s", (_name, stakes, expected) => {
    expect(computeNakamotoCoefficient(stakes as bigint[])).toBe(expected);
  });

  test("a negative stake is refused", () => {
    expect(() => computeNakamotoCoefficient([1n, -1n])).toThrow(RangeError);
  });

  test("property: the k largest exceed a third, the k-1 largest do not", () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: 0n, max: 10n ** 20n }), { maxLength: 40 }), (stakes) => {
        const k = computeNakamotoCoefficient(stakes);
        const total = stakes.reduce((a, b) => a + b, 0n);
        const sorted = [...stakes].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
        const top = (n: number) => sorted.slice(0, n).reduce((a, b) => a + b, 0n);
        if (total === 0n) return k === 0;
        return k >= 1 && 3n * top(k) > total && 3n * top(k - 1) <= total;
      }),
    );
  });
});

describe("computeFinalityLatencyMs: certificate arrival − header time", () => {
  test.each([
    [1_000_500, 1_000_000, 500],
    [1_000_000, 1_000_000, 0],
    [999_990, 1_000_000, -10], // a proposer clock ahead shows, it is not hidden
    [null, 1_000_000, null],
    [1_000_000, null, null],
  ])("arrival %p, header %p → %p", (arrival, header, expected) => {
    expect(computeFinalityLatencyMs(arrival, header)).toBe(expected);
  });
});

describe("computeZkProvingLag: zk arrival − bls arrival of that height, else − header time", () => {
  test.each([
    ["from the BLS certificate's arrival", 5000, 1200, 1000, { lagMs: 3800, from: "bls" }],
    ["BLS arrival preferred over the header time", 5000, 1000, 0, { lagMs: 4000, from: "bls" }],
    ["from the header time when the BLS certificate was missed", 5000, null, 1000, { lagMs: 4000, from: "header" }],
    ["neither known", 5000, null, null, null],
  ])("%s", (_name, zk, bls, header, expected) => {
    expect(computeZkProvingLag(zk as number, bls as number | null, header as number | null)).toEqual(expected);
  });
});

describe("getValidatorStatus", () => {
  test.each([
    [{ jailed: false, tombstoned: false, bondStatus: "BOND_STATUS_BONDED" }, "active"],
    [{ jailed: true, tombstoned: false, bondStatus: "BOND_STATUS_BONDED" }, "jailed"],
    [{ jailed: true, tombstoned: false, bondStatus: "BOND_STATUS_UNBONDING" }, "jailed"],
    [{ jailed: true, tombstoned: true, bondStatus: "BOND_STATUS_UNBONDED" }, "tombstoned"],
    [{ jailed: false, tombstoned: true, bondStatus: "BOND_STATUS_BONDED" }, "tombstoned"],
    [{ jailed: false, tombstoned: false, bondStatus: "BOND_STATUS_UNBONDING" }, "inactive"],
    [{ jailed: false, tombstoned: false, bondStatus: "BOND_STATUS_UNBONDED" }, "inactive"],
    [{ jailed: false, tombstoned: false, bondStatus: null }, "inactive"],
  ])("%j → %s", (v, expected) => {
    expect(getValidatorStatus(v)).toBe(expected);
  });
});

describe("processConsumerFinalityObservation: first seen as latest → hub-final", () => {
  test("a sequence of polls", () => {
    let s = createConsumerFinalityState();
    const step = (t: number, height: number, hubFinalHeight: number) => {
      const r = processConsumerFinalityObservation(s, { height, hubFinalHeight }, t);
      s = r.state;
      return r.resolved;
    };
    expect(step(1000, 10, 5)).toEqual([]); // 10 starts waiting
    expect(step(2000, 10, 8)).toEqual([]); // same latest: nothing new, 10 not final yet
    expect(step(3000, 14, 9)).toEqual([]); // 14 starts waiting
    expect(s.pending).toEqual([
      { height: 10, firstSeenMs: 1000 },
      { height: 14, firstSeenMs: 3000 },
    ]);
    expect(step(4500, 17, 12)).toEqual([{ height: 10, latencyMs: 3500 }]); // 10 final; 17 waits
    expect(step(6000, 18, 20)).toEqual([
      { height: 14, latencyMs: 3000 },
      { height: 17, latencyMs: 1500 },
      { height: 18, latencyMs: 0 }, // first seen already final
    ]);
    expect(s.pending).toEqual([]);
    expect(s.latencies).toEqual([3500, 3000, 1500, 0]);
    expect(s.highestSeen).toBe(18);
  });

  test("the given state is not changed", () => {
    const s0 = createConsumerFinalityState();
    const { state: s1 } = processConsumerFinalityObservation(s0, { height: 3, hubFinalHeight: 0 }, 10);
    processConsumerFinalityObservation(s1, { height: 4, hubFinalHeight: 4 }, 20);
    expect(s0).toEqual({ pending: [], highestSeen: 0, latencies: [] });
    expect(s1).toEqual({ pending: [{ height: 3, firstSeenMs: 10 }], highestSeen: 3, latencies: [] });
  });

  test("a height going back (a node restarted behind) starts nothing new", () => {
    let { state } = processConsumerFinalityObservation(createConsumerFinalityState(), { height: 9, hubFinalHeight: 0 }, 0);
    ({ state } = processConsumerFinalityObservation(state, { height: 7, hubFinalHeight: 0 }, 100));
    expect(state.pending.map((p) => p.height)).toEqual([9]);
  });

  test("bounded: at most maxPending waiting, the last `keep` latencies", () => {
    let s = createConsumerFinalityState();
    for (let h = 1; h <= 10; h++) s = processConsumerFinalityObservation(s, { height: h, hubFinalHeight: 0 }, h, { maxPending: 4 }).state;
    expect(s.pending.map((p) => p.height)).toEqual([7, 8, 9, 10]);
    const r = processConsumerFinalityObservation(s, { height: 10, hubFinalHeight: 10 }, 100, { maxPending: 4, keep: 3 });
    expect(r.resolved.map((x) => x.height)).toEqual([7, 8, 9, 10]);
    expect(r.state.latencies).toEqual([92, 91, 90]);
  });
});

test("computeMean", () => {
  expect(computeMean([])).toBeNull();
  expect(computeMean([1, 2, 3, 6])).toBe(3);
});
