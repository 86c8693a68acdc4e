// The simulator's disk: a crash keeps every synced write and a prefix of the unsynced ones after the
// last synced write (LevelDB's log after a power loss), through sublevels, batches and clears; a HubDb
// over it behaves as over LevelDB, and its repositories' sync choices decide what survives.
import { VoteType } from "@aegis/consumer-sdk";
import { HubDb } from "../../src/db/hubDb.js";
import { SimDisk } from "../../src/sim/simDisk.js";
import { makeChain, makeVote } from "../db/fixtures.js";

const bytes = (...b: number[]) => Uint8Array.of(...b);

async function level(disk: SimDisk) {
  const root = await disk.open();
  return { root, wal: root.sublevel<string, Uint8Array>("wal", { keyEncoding: "utf8", valueEncoding: "view" }) };
}

test("a crash keeps every synced write and what came before it, and drops the unsynced after it unless kept", async () => {
  const disk = new SimDisk();
  const a = await level(disk);
  await a.wal.put("u1", bytes(1), { sync: false }); // before a synced write: flushed with it
  await a.root.put("s1", bytes(2), { sync: true });
  await a.wal.put("u2", bytes(3), { sync: false });
  await a.root.batch([{ type: "put", key: "u3", value: bytes(4) }, { type: "del", key: "s1" }], { sync: false });
  expect(disk.unsyncedWrites).toBe(2);
  await disk.crash(() => 0);
  const b = await level(disk);
  expect(await b.wal.get("u1")).toEqual(bytes(1));
  expect(await b.root.get("s1")).toEqual(bytes(2));
  expect(await b.wal.get("u2")).toBeUndefined();
  expect(await b.root.get("u3")).toBeUndefined();
  expect(disk.unsyncedWrites).toBe(0);
});

test("a kept prefix of unsynced writes survives whole (a batch all or nothing), never a later write without an earlier one", async () => {
  const disk = new SimDisk();
  const a = await level(disk);
  await a.root.put("s", bytes(0), { sync: true });
  await a.wal.put("u1", bytes(1));
  await a.root.batch([{ type: "put", key: "u2", value: bytes(2) }, { type: "put", key: "u3", value: bytes(3) }], { sync: false });
  await a.wal.put("u4", bytes(4));
  let asked = -1;
  await disk.crash((n) => {
    asked = n;
    return 2;
  });
  expect(asked).toBe(3);
  const b = await level(disk);
  expect(await b.wal.get("u1")).toEqual(bytes(1));
  expect(await b.root.get("u2")).toEqual(bytes(2));
  expect(await b.root.get("u3")).toEqual(bytes(3));
  expect(await b.wal.get("u4")).toBeUndefined();
  // Kept writes stay unsynced: a second crash may still lose them.
  expect(disk.unsyncedWrites).toBe(2);
  await disk.crash(() => 0);
  const c = await level(disk);
  expect(await c.wal.get("u1")).toBeUndefined();
  expect(await c.root.get("s")).toEqual(bytes(0));
});

test("clears are logged and replayed; a crashed level takes no more writes; one level at a time", async () => {
  const disk = new SimDisk();
  const a = await level(disk);
  for (const k of ["a", "b", "c"]) await a.wal.put(k, bytes(1), { sync: true });
  await a.wal.clear({ gte: "b" });
  await a.root.put("x", bytes(9), { sync: true });
  await expect(disk.open()).rejects.toThrow(/open already/);
  await disk.crash();
  await expect(a.root.put("late", bytes(1), { sync: true })).rejects.toThrow();
  const b = await level(disk);
  expect(await b.wal.get("a")).toEqual(bytes(1));
  expect(await b.wal.get("b")).toBeUndefined();
  expect(await b.wal.get("c")).toBeUndefined();
  expect(await b.root.get("x")).toEqual(bytes(9));
  expect(await b.root.get("late")).toBeUndefined();
});

test("a HubDb over the disk: synced blocks survive a crash, unsynced WAL appends may not", async () => {
  const disk = new SimDisk();
  const db = HubDb.fromLevel(await disk.open(), "sim:node0");
  const [cb1] = makeChain(1);
  await db.blocks.putCertified(cb1!);
  const vote = makeVote({ height: 2, validatorIndex: 0, type: VoteType.Precommit });
  await db.wal.append(2, { time: 5, kind: "vote", vote }, { sync: false });
  expect(await db.wal.read(2)).toHaveLength(1);
  await disk.crash(() => 0);
  const again = HubDb.fromLevel(await disk.open(), "sim:node0");
  expect(await again.blocks.latestHeight()).toBe(1);
  expect((await again.blocks.getBlock(1))?.header.height).toBe(1);
  expect(await again.wal.read(2)).toEqual([]);
  await disk.crash((n) => n);
  const kept = HubDb.fromLevel(await disk.open(), "sim:node0");
  expect(await kept.wal.read(2)).toEqual([]); // lost at the first crash: nothing left to keep
  await kept.wal.append(2, { time: 6, kind: "vote", vote }, { sync: false });
  await disk.crash((n) => n);
  const third = HubDb.fromLevel(await disk.open(), "sim:node0");
  expect(await third.wal.read(2)).toHaveLength(1);
});

test("HubDb.fromLevel refuses a level that is not open", async () => {
  const disk = new SimDisk();
  const root = await disk.open();
  await root.close();
  expect(() => HubDb.fromLevel(root, "sim:closed")).toThrow(expect.objectContaining({ code: "DB_ERROR_OPEN_FAILED" }));
});
