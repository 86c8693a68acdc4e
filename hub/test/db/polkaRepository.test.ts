// The node's polkas (decision 52) on a real LevelDB: one per (height, round, block), listed by round
// then block hash, the first stored kept, heights below a bound pruned, malformed certificates
// refused with nothing written, a corrupt entry reported as DB_ERROR_CORRUPT, and a reopen (or a
// write that was not fsynced, then a synced one) keeps everything.
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { BLS_SIGNATURE_LENGTH, HUB_MAX_SIGNER_BITMAP_BYTES, type PolkaCertificate } from "@aegis/consumer-sdk";
import { DbError } from "../../src/db/dbError.js";
import { HubDb } from "../../src/db/hubDb.js";
import { filled, makeTempDir, useTempHubDb } from "./fixtures.js";

const t = useTempHubDb();

const polka = (height: number, round: number, hashByte: number, over: Partial<PolkaCertificate> = {}): PolkaCertificate => ({
  height,
  round,
  blockHash: filled(32, hashByte),
  signers: Uint8Array.of(0b1011),
  signature: filled(BLS_SIGNATURE_LENGTH, (height + round + hashByte) & 0xff),
  ...over,
});
const code = async (p: Promise<unknown>) => p.then(() => undefined, (e) => (e instanceof DbError ? e.code : String(e)));
const raw = () => t.db.stateModules.root.sublevel<string, Uint8Array>("polkas", { keyEncoding: "utf8", valueEncoding: "view" });

test("round trip: a height's polkas by round then block hash, other heights apart (heights that are hex prefixes included), a reopen keeps them", async () => {
  const stored = [polka(7, 3, 0x01), polka(7, 0, 0xff), polka(7, 0, 0x10), polka(7, 2, 0x00), polka(6, 0, 0x01), polka(0x70, 1, 0x02), polka(8, 0, 0x03)];
  for (const p of stored) expect(await t.db.polkas.putPolka(p)).toBe(true);
  // A round above 255 and above 65535 sorts numerically too (u32 BE).
  await t.db.polkas.putPolka(polka(7, 0x1_0000, 0x05));
  await t.db.polkas.putPolka(polka(7, 0x100, 0x05));
  const at7 = [polka(7, 0, 0x10), polka(7, 0, 0xff), polka(7, 2, 0x00), polka(7, 3, 0x01), polka(7, 0x100, 0x05), polka(7, 0x1_0000, 0x05)];
  expect(await t.db.polkas.getPolkas(7)).toEqual(at7);
  expect(await t.db.polkas.getPolkas(6)).toEqual([polka(6, 0, 0x01)]);
  expect(await t.db.polkas.getPolkas(0x70)).toEqual([polka(0x70, 1, 0x02)]);
  expect(await t.db.polkas.getPolkas(9)).toEqual([]);
  // A large height (the key holds a u64; heights are safe integers).
  const far = polka(Number.MAX_SAFE_INTEGER, 0xffffffff, 0xee, { signers: filled(HUB_MAX_SIGNER_BITMAP_BYTES, 0xff) });
  expect(await t.db.polkas.putPolka(far)).toBe(true);
  expect(await t.db.polkas.getPolkas(Number.MAX_SAFE_INTEGER)).toEqual([far]);
  const db = await t.reopen();
  expect(await db.polkas.getPolkas(7)).toEqual(at7);
  expect(await db.polkas.getPolkas(Number.MAX_SAFE_INTEGER)).toEqual([far]);
});

test("idempotent: the same key again is not stored and the first polka stays (even with other signers)", async () => {
  expect(await t.db.polkas.putPolka(polka(5, 1, 0xaa))).toBe(true);
  expect(await t.db.polkas.putPolka(polka(5, 1, 0xaa))).toBe(false);
  expect(await t.db.polkas.putPolka(polka(5, 1, 0xaa, { signers: Uint8Array.of(0b1111), signature: filled(96, 1) }))).toBe(false);
  // Concurrent puts of one key: one of them stores it.
  const results = await Promise.all([1, 2, 3].map((b) => t.db.polkas.putPolka(polka(5, 2, 0xaa, { signature: filled(96, b) }))));
  expect(results).toEqual([true, false, false]);
  expect(await t.db.polkas.getPolkas(5)).toEqual([polka(5, 1, 0xaa), polka(5, 2, 0xaa, { signature: filled(96, 1) })]);
});

test("prunePolkasBelow deletes exactly the heights below, repeatedly, and a put below the pruned bound is still pruned later", async () => {
  for (let h = 1; h <= 12; h++) await t.db.polkas.putPolka(polka(h, 0, h));
  await t.db.polkas.prunePolkasBelow(5);
  const heights = async () => {
    const out: number[] = [];
    for (let h = 1; h <= 12; h++) if ((await t.db.polkas.getPolkas(h)).length > 0) out.push(h);
    return out;
  };
  expect(await heights()).toEqual([5, 6, 7, 8, 9, 10, 11, 12]);
  await t.db.polkas.prunePolkasBelow(3); // below what is already pruned: nothing
  await t.db.polkas.prunePolkasBelow(5);
  expect(await heights()).toEqual([5, 6, 7, 8, 9, 10, 11, 12]);
  await t.db.polkas.putPolka(polka(2, 0, 2)); // a late one below the bound
  await t.db.polkas.prunePolkasBelow(9);
  expect(await heights()).toEqual([9, 10, 11, 12]);
  // After a reopen (the in-memory bound starts again at 0) pruning still works.
  const db = await t.reopen();
  await db.polkas.prunePolkasBelow(11);
  expect((await db.polkas.getPolkas(10)).length + (await db.polkas.getPolkas(11)).length).toBe(1);
  await db.polkas.prunePolkasBelow(0);
  expect(await db.polkas.getPolkas(12)).toEqual([polka(12, 0, 12)]);
  expect(await code(db.polkas.prunePolkasBelow(-1))).toBe("DB_ERROR_INVALID_ARGUMENT");
  expect(await code(db.polkas.prunePolkasBelow(1.5))).toBe("DB_ERROR_INVALID_ARGUMENT");
});

test("a write that is not fsynced is read back at once and survives a reopen", async () => {
  expect(await t.db.polkas.putPolka(polka(3, 1, 0x33), { sync: false })).toBe(true);
  expect(await t.db.polkas.getPolkas(3)).toEqual([polka(3, 1, 0x33)]);
  await t.db.guard.put({ height: 3, round: 1, step: 3, signBytes: Uint8Array.of(1), signature: filled(96, 2) }); // the synced write that follows
  expect(await (await t.reopen()).polkas.getPolkas(3)).toEqual([polka(3, 1, 0x33)]);
});

test("a process killed (SIGKILL) right after a put that was not fsynced loses nothing (built dist)", async () => {
  const dist = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), "..", "..", "dist", "db", "index.js")).href;
  const dir = await makeTempDir();
  try {
    // The child stores a polka without fsync, says so, and waits to be killed.
    const script = `
      const { HubDb } = await import(${JSON.stringify(dist)});
      const db = await HubDb.open(${JSON.stringify(dir.path)});
      const p = { height: 9, round: 2, blockHash: new Uint8Array(32).fill(0x99), signers: Uint8Array.of(7), signature: new Uint8Array(96).fill(0x42) };
      if (!(await db.polkas.putPolka(p, { sync: false }))) process.exit(3);
      process.stdout.write("stored\\n");
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    child.stderr.on("data", (d) => (err += String(d)));
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on("exit", (code, signal) => resolve(signal ?? code)));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (d) => String(d).includes("stored") && resolve());
      child.on("exit", (code) => reject(new Error(`child exited (${code}) before storing: ${err}`)));
    });
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
    const db = await HubDb.open(dir.path);
    try {
      expect(await db.polkas.getPolkas(9)).toEqual([{ height: 9, round: 2, blockHash: filled(32, 0x99), signers: Uint8Array.of(7), signature: filled(96, 0x42) }]);
    } finally {
      await db.close();
    }
  } finally {
    await dir.remove();
  }
});

test.each([
  ["height 0", polka(0, 0, 1), "height"],
  ["a fractional height", polka(1.5, 0, 1), "height"],
  ["a height above 2^53", polka(2 ** 53, 0, 1), "height"],
  ["a negative round", polka(1, -1, 1), "round"],
  ["a round above u32", polka(1, 2 ** 32, 1), "round"],
  ["a 31-byte block hash", polka(1, 0, 1, { blockHash: filled(31, 1) }), "blockHash"],
  ["a block hash that is not bytes", polka(1, 0, 1, { blockHash: "ab".repeat(32) as unknown as Uint8Array }), "blockHash"],
  ["an empty signer bitmap", polka(1, 0, 1, { signers: new Uint8Array(0) }), "signers"],
  ["a bitmap naming no signer", polka(1, 0, 1, { signers: new Uint8Array(2) }), "signers"],
  ["a bitmap above the limit", polka(1, 0, 1, { signers: filled(HUB_MAX_SIGNER_BITMAP_BYTES + 1, 1) }), "signers"],
  ["a 95-byte signature", polka(1, 0, 1, { signature: filled(95, 1) }), "signature"],
])("putPolka refuses %s with DB_ERROR_INVALID_ARGUMENT naming the field, writing nothing", async (_name, bad, field) => {
  const err = await t.db.polkas.putPolka(bad).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DbError);
  expect((err as DbError).type).toMatchObject({ code: "DB_ERROR_INVALID_ARGUMENT", field });
  let n = 0;
  for await (const _ of raw().keys()) n++;
  expect(n).toBe(0);
});

test("getPolkas refuses a bad height with DB_ERROR_INVALID_ARGUMENT", async () => {
  for (const h of [0, -1, 1.5, Number.NaN, 2 ** 53]) expect(await code(t.db.polkas.getPolkas(h))).toBe("DB_ERROR_INVALID_ARGUMENT");
});

test("a corrupt entry is DB_ERROR_CORRUPT with its key; the other heights still read", async () => {
  await t.db.polkas.putPolka(polka(4, 0, 0x44));
  await t.db.polkas.putPolka(polka(5, 0, 0x55));
  const key = (h: number, r: number, b: number) => h.toString(16).padStart(16, "0") + r.toString(16).padStart(8, "0") + "".padStart(64, b.toString(16).padStart(2, "0"));
  const corruptions: [string, Uint8Array, string][] = [
    [key(5, 1, 0x01), filled(96, 1), "signer bitmap"], // a signature and no bitmap
    [key(5, 1, 0x02), Uint8Array.of(1, 2, 3), "signer bitmap"], // too short
    [key(5, 1, 0x03), new Uint8Array(98), "names no signer"],
    [key(5, 1, 0x04), filled(96 + HUB_MAX_SIGNER_BITMAP_BYTES + 1, 1), "signer bitmap"],
    [`${key(5, 1, 0x05)}00`, filled(97, 1), "not a polka key"], // a key of the wrong length
    [key(5, 1, 0xab).toUpperCase(), filled(97, 1), "not a polka key"], // not lowercase hex
  ];
  for (const [k, v, reason] of corruptions) {
    const r = raw();
    await r.put(k, v);
    const err = await t.db.polkas.getPolkas(5).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DbError);
    expect((err as DbError).type).toMatchObject({ code: "DB_ERROR_CORRUPT", key: k });
    expect((err as DbError).message).toContain(reason);
    await r.del(k);
  }
  expect(await t.db.polkas.getPolkas(4)).toEqual([polka(4, 0, 0x44)]);
  expect(await t.db.polkas.getPolkas(5)).toEqual([polka(5, 0, 0x55)]);
});
