// GET /fork-cases (decision 52): a fork case round-trips through its JSON; the strict decoder refuses
// bad hex, wrong lengths, unordered indices, unknown fields and statuses, and rounds out of order; and
// the one rule of what a case still wants (isPolkaWantedByForkCase).
import {
  decodeForkCasesJson,
  encodeForkCasesJson,
  FORK_OBLIGATION_EXPIRED,
  FORK_OBLIGATION_MET,
  FORK_OBLIGATION_OPEN,
  HubApiError,
  isForkCaseOpen,
  isPolkaWantedByForkCase,
  type ForkCase,
} from "../src/index.js";

const h = (b: number) => new Uint8Array(32).fill(b);
const V = h(0x0a);
const W = h(0x0b);
const theCase: ForkCase = {
  id: 3,
  height: 42,
  kind: "rounds",
  low: { round: 1, blockHash: V, signers: [0, 1, 2] },
  high: { round: 3, blockHash: W, signers: [1, 2, 3] },
  openedMs: 1_767_225_600_000,
  polkas: [{ round: 3, blockHash: W, signers: [1, 2, 3] }],
  obligations: [
    { blockHash: W, minRound: 3, maxRound: 3, owers: [1, 2, 3], deadlineMs: 1_767_225_700_000, status: FORK_OBLIGATION_MET },
    { blockHash: V, minRound: 1, maxRound: 1, owers: [0, 1, 2], deadlineMs: 1_767_225_700_000, status: FORK_OBLIGATION_OPEN },
    { blockHash: W, minRound: 1, maxRound: 2, owers: [1, 2], deadlineMs: 1_767_225_700_000, status: FORK_OBLIGATION_EXPIRED },
  ],
  convicted: [1, 2],
};

test("a case round-trips through its JSON", () => {
  const json = JSON.parse(JSON.stringify(encodeForkCasesJson([theCase])));
  expect(json.cases[0].obligations.map((o: { status: string }) => o.status)).toEqual(["met", "open", "expired"]);
  expect(decodeForkCasesJson(json)).toEqual([theCase]);
  expect(decodeForkCasesJson({ cases: [] })).toEqual([]);
});

test.each([
  ["an unknown field", (j: any) => (j.cases[0].extra = 1)],
  ["a block hash of 31 bytes", (j: any) => (j.cases[0].low.blockHash = "aa".repeat(31))],
  ["signers out of order", (j: any) => (j.cases[0].high.signers = [2, 1])],
  ["a repeated ower", (j: any) => (j.cases[0].obligations[0].owers = [1, 1])],
  ["an unknown status", (j: any) => (j.cases[0].obligations[0].status = "pending")],
  ["maxRound below minRound", (j: any) => (j.cases[0].obligations[0].maxRound = 2)],
  ["the higher commit's round not above the lower's", (j: any) => (j.cases[0].high.round = 1)],
  ["case id 0", (j: any) => (j.cases[0].id = 0)],
  ["a negative deadline", (j: any) => (j.cases[0].obligations[0].deadlineMs = -1)],
  ["not an object", (j: any) => (j.cases[0] = "x")],
])("refused: %s", (_name, edit) => {
  const json = JSON.parse(JSON.stringify(encodeForkCasesJson([theCase])));
  edit(json);
  expect(() => decodeForkCasesJson(json)).toThrow(HubApiError);
});

test("what an open case still wants: the higher block in the commits' span, the lower block in its round, nothing posted twice, nothing once closed", () => {
  expect(isForkCaseOpen(theCase)).toBe(true);
  expect(isPolkaWantedByForkCase(theCase, { round: 2, blockHash: W })).toBe(true);
  expect(isPolkaWantedByForkCase(theCase, { round: 1, blockHash: W })).toBe(true);
  expect(isPolkaWantedByForkCase(theCase, { round: 3, blockHash: W })).toBe(false); // posted
  expect(isPolkaWantedByForkCase(theCase, { round: 4, blockHash: W })).toBe(false);
  expect(isPolkaWantedByForkCase(theCase, { round: 0, blockHash: W })).toBe(false);
  expect(isPolkaWantedByForkCase(theCase, { round: 1, blockHash: V })).toBe(true);
  expect(isPolkaWantedByForkCase(theCase, { round: 2, blockHash: V })).toBe(false);
  expect(isPolkaWantedByForkCase(theCase, { round: 2, blockHash: h(0x0c) })).toBe(false);
  const closed = { ...theCase, obligations: theCase.obligations.map((o) => ({ ...o, status: FORK_OBLIGATION_MET as typeof FORK_OBLIGATION_MET })) };
  expect(isForkCaseOpen(closed)).toBe(false);
  expect(isPolkaWantedByForkCase(closed, { round: 2, blockHash: W })).toBe(false);
});
