import { applyDashboardUpdate, upsertBlocks } from "../../src/dashboard/applyDashboardUpdate.js";
import type { BlockView, DashboardSnapshot } from "../../src/dashboard/dashboardSnapshot.js";

const block = (height: number, extra: Partial<BlockView> = {}): BlockView => ({
  height,
  blockHash: height.toString(16).padStart(64, "0"),
  headerTime: null,
  proposer: null,
  blsArrivalMs: null,
  round: 0,
  signerCount: 4,
  signedPower: "4",
  totalPower: "4",
  finalityLatencyMs: null,
  zk: null,
  conflictingBlockHash: null,
  ...extra,
});

const snapshot = (): DashboardSnapshot => ({
  version: 1,
  at: 0,
  limits: { blocks: 3, heightSamples: 2, events: 2, evidence: 10 },
  devnet: null,
  devnetError: "no devnet yet",
  nodes: [],
  blocks: [block(1), block(2)],
  heightSeries: [{ t: 1, heights: [1] }],
  validators: null,
  consumers: [],
  evidence: [],
  forkCases: [],
  events: [{ id: 1, t: 1, kind: "node-down", message: "a" }],
});

test("sections are replaced, blocks upserted and trimmed, samples and events appended and trimmed", () => {
  const s = snapshot();
  const next = applyDashboardUpdate(s, {
    at: 9,
    devnetError: null,
    blocks: [block(2, { finalityLatencyMs: 50 }), block(4), block(3)],
    heightSeries: [
      { t: 2, heights: [2] },
      { t: 3, heights: [null] },
    ],
    events: [
      { id: 2, t: 2, kind: "node-up", message: "b" },
      { id: 3, t: 3, kind: "jailed", message: "c" },
    ],
  });
  expect(next.at).toBe(9);
  expect(next.devnetError).toBeNull();
  expect(next.blocks.map((b) => b.height)).toEqual([2, 3, 4]);
  expect(next.blocks[0]!.finalityLatencyMs).toBe(50);
  expect(next.heightSeries.map((x) => x.t)).toEqual([2, 3]);
  expect(next.events.map((e) => e.id)).toEqual([2, 3]);
  // untouched sections stay, the input is not changed
  expect(next.nodes).toBe(s.nodes);
  expect(s.blocks.map((b) => b.height)).toEqual([1, 2]);
  expect(s.devnetError).toBe("no devnet yet");
});

test("an empty update changes only the time", () => {
  const s = snapshot();
  expect(applyDashboardUpdate(s, { at: 5 })).toEqual({ ...s, at: 5 });
});

test("upsertBlocks keeps the highest heights in ascending order", () => {
  expect(upsertBlocks([block(5), block(1)], [block(3), block(9)], 3).map((b) => b.height)).toEqual([3, 5, 9]);
});
