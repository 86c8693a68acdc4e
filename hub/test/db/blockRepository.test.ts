import { computeBlockHash } from "@aegis/consumer-sdk";
import { DbError } from "../../src/db/dbError.js";
import { HubDb } from "../../src/db/hubDb.js";
import { certify, makeChain, useTempHubDb } from "./fixtures.js";

const t = useTempHubDb();

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(DbError);
    return (e as DbError).code;
  }
  throw new Error("expected a rejection");
}

test("an empty database has latest height 0 and no blocks", async () => {
  expect(await t.db.blocks.latestHeight()).toBe(0);
  expect(await t.db.blocks.getBlock(1)).toBeUndefined();
  expect(await t.db.blocks.getCertified(1)).toBeUndefined();
  expect(await t.db.blocks.getBlockHashAt(1)).toBeUndefined();
  expect(await t.db.blocks.getRange(1, 10)).toEqual([]);
});

test("certified blocks round-trip", async () => {
  const chain = makeChain(3);
  for (const cb of chain) expect(await t.db.blocks.putCertified(cb)).toBe(true);
  expect(await t.db.blocks.latestHeight()).toBe(3);
  expect(await t.db.blocks.getBlock(2)).toEqual(chain[1]!.block);
  expect(await t.db.blocks.getCertificate(2)).toEqual(chain[1]!.certificate);
  expect(await t.db.blocks.getCertified(3)).toEqual(chain[2]);
  expect(await t.db.blocks.getBlockHashAt(1)).toEqual(computeBlockHash(chain[0]!.block.header));
});

test("getRange is contiguous and stops at the first missing height", async () => {
  const chain = makeChain(4);
  for (const cb of chain) await t.db.blocks.putCertified(cb);
  expect(await t.db.blocks.getRange(2, 2)).toEqual(chain.slice(1, 3));
  expect(await t.db.blocks.getRange(3, 100)).toEqual(chain.slice(2));
  expect(await t.db.blocks.getRange(5, 3)).toEqual([]);
  expect(await t.db.blocks.getRange(1, 0)).toEqual([]);
});

test("a conflicting block is refused with DB_ERROR_CONFLICTING_BLOCK and the stored one stays", async () => {
  const chain = makeChain(2);
  const other = makeChain(2, 1);
  for (const cb of chain) await t.db.blocks.putCertified(cb);
  expect(await codeOf(t.db.blocks.putCertified(other[1]!))).toBe("DB_ERROR_CONFLICTING_BLOCK");
  // Same header, other transactions: still a different block.
  const sameHeader = certify({ ...chain[1]!.block, txs: [Uint8Array.of(42)] });
  expect(await codeOf(t.db.blocks.putCertified(sameHeader))).toBe("DB_ERROR_CONFLICTING_BLOCK");
  expect(await t.db.blocks.getCertified(2)).toEqual(chain[1]);
  expect(await t.db.blocks.latestHeight()).toBe(2);
});

test("writing the identical block again is a no-op", async () => {
  const chain = makeChain(2);
  for (const cb of chain) await t.db.blocks.putCertified(cb);
  const again = certify(chain[0]!.block, 5); // other certificate for the same block: the first one is kept
  expect(await t.db.blocks.putCertified(again)).toBe(false);
  expect(await t.db.blocks.getCertificate(1)).toEqual(chain[0]!.certificate);
  expect(await t.db.blocks.latestHeight()).toBe(2);
});

test("a gap is refused with DB_ERROR_NON_CONTIGUOUS", async () => {
  const chain = makeChain(3);
  expect(await codeOf(t.db.blocks.putCertified(chain[1]!))).toBe("DB_ERROR_NON_CONTIGUOUS");
  await t.db.blocks.putCertified(chain[0]!);
  expect(await codeOf(t.db.blocks.putCertified(chain[2]!))).toBe("DB_ERROR_NON_CONTIGUOUS");
  expect(await t.db.blocks.latestHeight()).toBe(1);
  expect(await t.db.blocks.getBlock(3)).toBeUndefined();
});

test("a certificate for another block or height is refused", async () => {
  const [a, b] = makeChain(2);
  const wrongHash = { block: a!.block, certificate: { ...a!.certificate, blockHash: b!.certificate.blockHash } };
  expect(await codeOf(t.db.blocks.putCertified(wrongHash))).toBe("DB_ERROR_INVALID_ARGUMENT");
  const wrongHeight = { block: a!.block, certificate: { ...a!.certificate, height: 2 } };
  expect(await codeOf(t.db.blocks.putCertified(wrongHeight))).toBe("DB_ERROR_INVALID_ARGUMENT");
  expect(await t.db.blocks.latestHeight()).toBe(0);
});

test("concurrent puts of two different blocks at one height store exactly one", async () => {
  const [a] = makeChain(1);
  const [b] = makeChain(1, 1);
  const results = await Promise.allSettled([t.db.blocks.putCertified(a!), t.db.blocks.putCertified(b!)]);
  expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
  const winner = results[0]!.status === "fulfilled" ? a! : b!;
  expect(await t.db.blocks.getCertified(1)).toEqual(winner);
});

test("blocks and latest height survive close and reopen", async () => {
  const chain = makeChain(3);
  for (const cb of chain) await t.db.blocks.putCertified(cb);
  await t.reopen();
  expect(await t.db.blocks.latestHeight()).toBe(3);
  expect(await t.db.blocks.getRange(1, 3)).toEqual(chain);
  expect(await codeOf(t.db.blocks.putCertified(makeChain(2, 1)[1]!))).toBe("DB_ERROR_CONFLICTING_BLOCK");
});

test("meta records round-trip and reserved keys are refused", async () => {
  const hash = Uint8Array.from({ length: 32 }, (_, i) => i);
  await t.db.meta.putMeta("genesisHash", hash);
  expect(await t.db.meta.getMeta("genesisHash")).toEqual(hash);
  expect(await t.db.meta.getMeta("missing")).toBeUndefined();
  expect(await codeOf(t.db.meta.putMeta("latestHeight", new Uint8Array(8)))).toBe("DB_ERROR_RESERVED_META_KEY");
  await t.reopen();
  expect(await t.db.meta.getMeta("genesisHash")).toEqual(hash);
});

test("a second handle on an open database fails with DB_ERROR_OPEN_FAILED", async () => {
  expect(await codeOf(HubDb.open(t.path))).toBe("DB_ERROR_OPEN_FAILED");
});
