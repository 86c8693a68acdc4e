// The node's consumer-checkpoint history (decision 49): every accepted checkpoint by consumer and
// height, the latest as of an older hub height, ids that are prefixes of one another kept apart,
// bad entries refused with nothing written, and a reopen keeps everything.
import { DbError } from "../../src/db/dbError.js";
import type { CheckpointHistoryEntry } from "../../src/db/checkpointHistoryRepository.js";
import { useTempHubDb } from "./fixtures.js";

const t = useTempHubDb();

const entry = (consumerId: string, height: number, hubHeight: number): CheckpointHistoryEntry => ({ consumerId, height, hubHeight, record: Uint8Array.of(height & 0xff, hubHeight & 0xff, 7) });
const code = async (p: Promise<unknown>) => p.then(() => undefined, (e) => (e instanceof DbError ? e.code : String(e)));

test("by consumer height, and the latest as of a hub height (several in one hub block: the highest); ids that prefix others stay apart; a reopen keeps it", async () => {
  // Hub height 3: a@1, a@2 (two in one block); 5: a@3, a-1@1, ab@1; 9: a@7, a.b@4.
  await t.db.checkpoints.putBlock([entry("a", 1, 3), entry("a", 2, 3)]);
  await t.db.checkpoints.putBlock([entry("a", 3, 5), entry("a-1", 1, 5), entry("ab", 1, 5)]);
  await t.db.checkpoints.putBlock([entry("a", 7, 9), entry("a.b", 4, 9)]);
  expect(await t.db.checkpoints.get("a", 2)).toEqual(entry("a", 2, 3));
  expect(await t.db.checkpoints.get("a", 4)).toBeUndefined();
  expect(await t.db.checkpoints.get("a-1", 1)).toEqual(entry("a-1", 1, 5));
  const at = async (id: string, h: number) => (await t.db.checkpoints.latestAtHubHeight(id, h))?.height;
  expect([await at("a", 2), await at("a", 3), await at("a", 4), await at("a", 5), await at("a", 8), await at("a", 9), await at("a", 100)]).toEqual([undefined, 2, 2, 3, 3, 7, 7]);
  expect([await at("a-1", 9), await at("ab", 4), await at("ab", 5), await at("a.b", 8), await at("a.b", 9), await at("b", 9)]).toEqual([1, undefined, 1, undefined, 4, undefined]);
  // The same block again (a crash between the history and the state): the same entries.
  await t.db.checkpoints.putBlock([entry("a", 7, 9), entry("a.b", 4, 9)]);
  await t.reopen();
  expect(await t.db.checkpoints.latestAtHubHeight("a", 9)).toEqual(entry("a", 7, 9));
  expect(await t.db.checkpoints.get("a.b", 4)).toEqual(entry("a.b", 4, 9));
});

test("malformed entries are refused with DB_ERROR_INVALID_ARGUMENT and nothing of their block is written; malformed reads find nothing", async () => {
  const good = entry("evm-1", 1, 2);
  for (const bad of [entry("EVM", 2, 2), entry("", 2, 2), entry("a/b", 2, 2), entry("x".repeat(65), 2, 2), entry("evm-1", -1, 2), entry("evm-1", 1.5, 2), entry("evm-1", 2, 0), { ...entry("evm-1", 2, 2), record: new Uint8Array(0) }]) {
    expect(await code(t.db.checkpoints.putBlock([good, bad]))).toBe("DB_ERROR_INVALID_ARGUMENT");
  }
  expect(await t.db.checkpoints.get("evm-1", 1)).toBeUndefined();
  expect(await t.db.checkpoints.latestAtHubHeight("evm-1", 100)).toBeUndefined();
  await t.db.checkpoints.putBlock([good]);
  expect(await t.db.checkpoints.get("evm-1", 1)).toEqual(good);
  expect(await t.db.checkpoints.get("EVM-1", 1)).toBeUndefined();
  expect(await t.db.checkpoints.latestAtHubHeight("evm-1/", 100)).toBeUndefined();
});

test("a corrupt entry is DB_ERROR_CORRUPT with its key", async () => {
  await t.db.checkpoints.putBlock([entry("evm-1", 1, 2)]);
  const raw = t.db.stateModules.root.sublevel<string, Uint8Array>("checkpoints", { keyEncoding: "utf8", valueEncoding: "view" });
  await raw.put("evm-1/0000000000000002", Uint8Array.of(1, 2));
  expect(await code(t.db.checkpoints.get("evm-1", 2))).toBe("DB_ERROR_CORRUPT");
  expect(await code(t.db.checkpoints.latestAtHubHeight("evm-1", 9))).toBe("DB_ERROR_CORRUPT");
  expect(await t.db.checkpoints.get("evm-1", 1)).toEqual(entry("evm-1", 1, 2));
});
