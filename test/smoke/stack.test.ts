import bls from "@chainsafe/bls";
import { Level } from "level";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

test("bls and level load under Node 22", async () => {
  const sk = bls.SecretKey.fromKeygen();
  const msg = new Uint8Array(32).fill(7);
  const sig = sk.sign(msg);
  expect(bls.verify(sk.toPublicKey().toBytes(), msg, sig.toBytes())).toBe(true);
  const dir = await mkdtemp(join(tmpdir(), "aegis-"));
  const db = new Level<string, string>(dir);
  await db.put("a", "b");
  expect(await db.get("a")).toBe("b");
  await db.close();
  await rm(dir, { recursive: true });
  expect(process.versions.node.split(".")[0]).toBe("22");
});
