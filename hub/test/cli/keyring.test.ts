import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Keyring, KeyringError } from "../../src/cli/keyring.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "aegis-cli-keyring-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const MNEMONIC = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";

async function rejection(p: Promise<unknown>): Promise<KeyringError> {
  return p.then(
    () => {
      throw new Error("resolved");
    },
    (e: unknown) => e as KeyringError,
  );
}

test("a file key without a password is refused and nothing is written", async () => {
  const kr = new Keyring(dir, async () => "");
  const e = await rejection(kr.add("alice", { backend: "file" }));
  expect(e.code).toBe("KEYRING_ERROR_NO_PASSWORD");
  expect(await readdir(dir).catch(() => [])).toEqual([]);
});

// The file backend's encryption (cosmjs' argon2 KDF) takes minutes under jest's module transform: a
// wrong password and the password prompts are covered by test/e2e/cli.test.ts, which runs the CLI.

test("the password source is not asked to read an address", async () => {
  const kr = new Keyring(dir, async () => {
    throw new Error("asked");
  });
  const { address } = await kr.add("carol", { backend: "test", mnemonic: MNEMONIC });
  expect(await kr.address("carol")).toBe(address);
});

test("the test backend never asks", async () => {
  const kr = new Keyring(dir, async () => {
    throw new Error("asked");
  });
  const { address } = await kr.add("bob", { backend: "test", mnemonic: MNEMONIC });
  expect((await kr.wallet("bob")).address).toBe(address);
});

test("an unknown key: KEYRING_ERROR_NOT_FOUND, before any password", async () => {
  const kr = new Keyring(dir, async () => {
    throw new Error("asked");
  });
  expect((await rejection(kr.address("nobody"))).code).toBe("KEYRING_ERROR_NOT_FOUND");
  expect((await rejection(kr.wallet("nobody"))).code).toBe("KEYRING_ERROR_NOT_FOUND");
});
