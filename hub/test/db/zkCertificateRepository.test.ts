import type { ZkCertificate } from "@aegis/consumer-sdk";
import { encodeZkCertificate } from "../../src/codec/codec.js";
import { makeZkCertificate, useTempHubDb } from "./fixtures.js";

const CHAIN = "aegis-test-1";

const t = useTempHubDb();

const cert = (height: number, signers = 7n): ZkCertificate => makeZkCertificate(height, { chainId: CHAIN, signers });

test("the first certificate of a height stays; reads by height, covering height and newest; survives a reopen", async () => {
  expect(await t.db.zkCertificates.put(cert(5))).toBe(true);
  expect(await t.db.zkCertificates.put(cert(5, 15n))).toBe(false);
  expect(await t.db.zkCertificates.put(cert(9))).toBe(true);
  expect(await t.db.zkCertificates.get(5, CHAIN)).toEqual(cert(5));
  expect(await t.db.zkCertificates.get(6, CHAIN)).toBeUndefined();
  expect((await t.db.zkCertificates.firstAtOrAbove(1, CHAIN))?.height).toBe(5);
  expect((await t.db.zkCertificates.firstAtOrAbove(6, CHAIN))?.height).toBe(9);
  expect(await t.db.zkCertificates.firstAtOrAbove(10, CHAIN)).toBeUndefined();
  expect((await t.db.zkCertificates.latest(CHAIN))?.height).toBe(9);
  await t.reopen();
  expect(await t.db.zkCertificates.get(9, CHAIN)).toEqual(cert(9));
  expect((await t.db.zkCertificates.get(9, "another-chain"))?.chainId).toBe("another-chain");
});

test("the block time and the prover are stored with the certificate", async () => {
  const c = { ...cert(8), time: 1_767_225_600_123, prover: Uint8Array.from({ length: 20 }, (_, i) => 255 - i) };
  expect(await t.db.zkCertificates.put(c)).toBe(true);
  await t.reopen();
  const back = await t.db.zkCertificates.get(8, CHAIN);
  expect(back?.time).toBe(1_767_225_600_123);
  expect(back?.prover).toEqual(c.prover);
  expect(back).toEqual(c);
});

test("a certificate that cannot be encoded is refused and nothing is stored", async () => {
  await expect(t.db.zkCertificates.put({ ...cert(3), height: -1 })).rejects.toMatchObject({ type: { code: "DB_ERROR_INVALID_ARGUMENT", field: "height" } });
  await expect(t.db.zkCertificates.put({ ...cert(3), signers: -1n })).rejects.toMatchObject({ type: { code: "DB_ERROR_INVALID_ARGUMENT", field: "certificate" } });
  expect(await t.db.zkCertificates.latest(CHAIN)).toBeUndefined();
});

test("a corrupt record, or one filed under another height, is DB_ERROR_CORRUPT with its key", async () => {
  await t.db.zkCertificates.put(cert(4));
  const raw = t.db.stateModules.root.sublevel<string, Uint8Array>("zkcerts", { keyEncoding: "utf8", valueEncoding: "view" });
  await raw.put("0000000000000004", Uint8Array.of(0xff, 0xff));
  await expect(t.db.zkCertificates.get(4, CHAIN)).rejects.toMatchObject({ type: { code: "DB_ERROR_CORRUPT", key: "0000000000000004" } });
  await raw.put("0000000000000006", encodeZkCertificate(cert(7)));
  await expect(t.db.zkCertificates.firstAtOrAbove(5, CHAIN)).rejects.toMatchObject({ type: { code: "DB_ERROR_CORRUPT", key: "0000000000000006" } });
});

test("listeners hear each stored certificate until they stop; a failing one fails nothing", async () => {
  const heard: number[] = [];
  t.db.zkCertificates.onStored(() => {
    throw new Error("a stream client went away");
  });
  const stop = t.db.zkCertificates.onStored((c) => heard.push(c.height));
  expect(await t.db.zkCertificates.put(cert(1))).toBe(true);
  expect(await t.db.zkCertificates.put(cert(1, 3n))).toBe(false); // not stored: not announced
  stop();
  expect(await t.db.zkCertificates.put(cert(2))).toBe(true);
  expect(heard).toEqual([1]);
  expect((await t.db.zkCertificates.latest(CHAIN))?.height).toBe(2);
});
