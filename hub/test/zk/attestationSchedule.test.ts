import { getEpochEndHeight, isAttestedHeight } from "../../src/zk/attestationSchedule.js";

const base = { intervalMs: 1000, epochLength: 10 };

test.each([
  ["the first block of a new window", { height: 3, previousTime: 1_999, time: 2_000 }, true],
  ["a later block of the same window", { height: 4, previousTime: 2_000, time: 2_999 }, false],
  ["a block after an empty window", { height: 5, previousTime: 2_999, time: 7_500 }, true],
  ["the last block of an epoch, mid-window", { height: 20, previousTime: 2_100, time: 2_200 }, true],
  ["the first block of an epoch, mid-window", { height: 21, previousTime: 2_200, time: 2_300 }, false],
  ["height 1 against the genesis time", { height: 1, previousTime: 999, time: 1_001 }, true],
])("%s", (_n, x, expected) => {
  expect(isAttestedHeight({ ...base, ...x })).toBe(expected);
});

test("every validator picks the same heights from the same block times, about one per interval", () => {
  const times = Array.from({ length: 200 }, (_, i) => 1_000_000 + i * 137); // blocks every 137 ms
  const attested = times.flatMap((t, i) => (i > 0 && isAttestedHeight({ ...base, epochLength: 1000, height: i + 1, time: t, previousTime: times[i - 1]! }) ? [i + 1] : []));
  expect(attested.length).toBeGreaterThanOrEqual(26);
  expect(attested.length).toBeLessThanOrEqual(28); // 199 × 137 ms ≈ 27.3 s
});

test("the end of the epoch holding a height", () => {
  expect([1, 9, 10, 11, 20].map((h) => getEpochEndHeight(h, 10))).toEqual([10, 10, 10, 20, 20]);
});
