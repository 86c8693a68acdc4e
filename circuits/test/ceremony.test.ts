// The ceremony script's phase 1 on a tiny accumulator (2^8): real random contributions, prepared and
// verified, written atomically; a published-file check compares hashes before verifying; bad
// arguments are refused before any work.
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { phase1, phase1Check, sha256File, terminateCurve } from "../scripts/ceremony.mjs";

const quiet = { debug() {}, info() {}, log() {}, warn() {}, error() {} };
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "aegis-ceremony-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await terminateCurve();
});

test("phase 1 makes a prepared file that verifies and matches its reported hash, leaving nothing else behind", async () => {
  const out = join(dir, "pot8.ptau");
  const { sha256 } = await phase1({ power: 8, out, contributions: 2, beacon: "0102030405", logger: quiet });
  expect(await sha256File(out)).toBe(sha256);
  expect(await readdir(dir)).toEqual(["pot8.ptau"]);
  expect((await phase1Check({ ptau: out, sha256, logger: quiet })).sha256).toBe(sha256);
  // Two runs never give the same file: the contributions are random.
  const again = await phase1({ power: 8, out: join(dir, "again.ptau"), contributions: 1, logger: quiet });
  expect(again.sha256).not.toBe(sha256);
}, 120_000);

test("a file whose hash is not the published one is refused", async () => {
  const out = join(dir, "pot8.ptau");
  await expect(phase1Check({ ptau: out, sha256: "00".repeat(32), logger: quiet })).rejects.toThrow(/sha256 .* expected/);
  await expect(phase1Check({ ptau: out, blake2b: "00".repeat(64), logger: quiet })).rejects.toThrow(/blake2b .* expected/);
  await expect(phase1Check({ ptau: out, logger: quiet })).rejects.toThrow(/published hash/);
});

test.each([
  ["a power below 8", { power: 7 }, /--power/],
  ["a power that is no integer", { power: 8.5 }, /--power/],
  ["no contribution", { contributions: 0 }, /--contributions/],
  ["a beacon that is not hex", { beacon: "xyz" }, /--beacon/],
])("phase 1 refuses %s before any work", async (_name, over, message) => {
  const out = join(dir, "never.ptau");
  await expect(phase1({ power: 8, out, contributions: 1, logger: quiet, ...over })).rejects.toThrow(message);
  expect(await readdir(dir)).not.toContain("never.ptau");
});
