// The ceremony script's phase 1 on a tiny accumulator (2^8): real random contributions, prepared and
// verified, written atomically; a published-file check compares hashes before verifying; bad
// arguments are refused before any work. An interrupted phase 1 resumes where it stopped, inside
// `prepare phase 2` from its last complete level, and gives snarkjs' file byte for byte.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { copyFile, mkdtemp, open, readFile, readdir, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as snarkjs from "snarkjs";
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import { promisify } from "node:util";
import { assertUsableVerificationKey, main, phase1, phase1Check, phase1WorkDir, preparePhase2Resumable, sha256File, terminateCurve } from "../scripts/ceremony.mjs";

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

describe("the exported verification key must not prove anything (assertUsableVerificationKey)", () => {
  // The committed vector's key: a real local phase 2 (one contribution) of quorum4.
  const vkey = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), "..", "..", "test", "vectors", "zkCertificates.json"), "utf8")).verificationKey;

  test("the real key is accepted", async () => {
    await expect(assertUsableVerificationKey(vkey)).resolves.toBeUndefined();
  });

  test.each([
    ["delta replaced by gamma (what phase 2 without a contribution exports)", { vk_delta_2: vkey.vk_gamma_2 }, /delta equals gamma/],
    ["delta the G2 generator, gamma moved elsewhere", { vk_gamma_2: vkey.vk_beta_2, vk_delta_2: vkey.vk_gamma_2 }, /G2 generator/],
  ])("refused: %s, with CEREMONY_ERROR_DEGENERATE_KEY and what to do", async (_name, change, reason) => {
    let err: (Error & { code?: string }) | undefined;
    try {
      await assertUsableVerificationKey({ ...vkey, ...change });
    } catch (e) {
      err = e as Error & { code?: string };
    }
    expect(err).toBeInstanceOf(Error);
    expect(err!.code).toBe("CEREMONY_ERROR_DEGENERATE_KEY");
    expect(err!.message).toMatch(reason);
    expect(err!.message).toMatch(/phase2-contribute/);
  });

  test("the attack: phase2-export of a zkey nobody contributed to (delta = gamma) is refused and writes nothing; after one contribution it exports", async () => {
    // A one-constraint circuit (circom2, as build.mjs compiles), on a 2^8 phase-1 file.
    const work = await mkdtemp(join(tmpdir(), "aegis-ceremony-export-"));
    try {
      await writeFile(join(work, "tiny.circom"), "pragma circom 2.1.0;\ntemplate T() { signal input a; signal input b; signal output c; c <== a * b; }\ncomponent main {public [a]} = T();\n");
      const circom = createRequire(import.meta.url).resolve("circom2/cli.js");
      await promisify(execFile)(process.execPath, [circom, "tiny.circom", "--r1cs", "-o", "."], { cwd: work }); // WASI: paths relative to cwd
      const { curves } = snarkjs as unknown as { curves: { getCurveFromName(name: string): Promise<unknown> } }; // not in @types/snarkjs
      await snarkjs.powersOfTau.newAccumulator(await curves.getCurveFromName("bn128"), 8, join(work, "0.ptau"), undefined);
      await snarkjs.powersOfTau.preparePhase2(join(work, "0.ptau"), join(work, "final.ptau"), undefined);
      await snarkjs.zKey.newZKey(join(work, "tiny.r1cs"), join(work, "final.ptau"), join(work, "0.zkey"), undefined);

      const before = (await readdir(work)).sort();
      let err: (Error & { code?: string }) | undefined;
      try {
        await main(["phase2-export", "--zkey", join(work, "0.zkey"), "--out", join(work, "vkey.json")]);
      } catch (e) {
        err = e as Error & { code?: string };
      }
      expect(err?.code).toBe("CEREMONY_ERROR_DEGENERATE_KEY");
      expect(err!.message).toMatch(/delta equals gamma/);
      expect((await readdir(work)).sort()).toEqual(before); // no key, no temporary file

      await snarkjs.zKey.contribute(join(work, "0.zkey"), join(work, "1.zkey"), "test", randomBytes(32).toString("hex"), undefined);
      await main(["phase2-export", "--zkey", join(work, "1.zkey"), "--out", join(work, "vkey.json")]);
      const exported = JSON.parse(await readFile(join(work, "vkey.json"), "utf8"));
      expect(exported.vk_delta_2).not.toEqual(exported.vk_gamma_2);
      await expect(assertUsableVerificationKey(exported)).resolves.toBeUndefined();
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }, 120_000);
});

/** A logger that stops the run (as a kill would) when a line matching `at` is logged. */
const stopAt = (at: RegExp) => ({
  ...quiet,
  info(line: string) {
    if (at.test(line)) throw new Error(`stopped at ${line}`);
  },
});

describe("resuming", () => {
  let sub: string;
  let contributed: string;
  let reference: Buffer;

  beforeAll(async () => {
    sub = await mkdtemp(join(tmpdir(), "aegis-ceremony-resume-"));
    const curve = await snarkjs.curves.getCurveFromName("bn128");
    await snarkjs.powersOfTau.newAccumulator(curve, 8, join(sub, "0.ptau"), undefined);
    contributed = join(sub, "1.ptau");
    await snarkjs.powersOfTau.contribute(join(sub, "0.ptau"), contributed, "test", randomBytes(32).toString("hex"), undefined);
    await snarkjs.powersOfTau.preparePhase2(contributed, join(sub, "reference.ptau"), undefined);
    reference = await readFile(join(sub, "reference.ptau"));
  }, 120_000);
  afterAll(async () => {
    await rm(sub, { recursive: true, force: true });
  });

  test("the resumable prepare writes snarkjs' prepared file byte for byte", async () => {
    const out = join(sub, "fresh.ptau");
    await preparePhase2Resumable(contributed, out, quiet);
    expect((await readFile(out)).equals(reference)).toBe(true);
  }, 60_000);

  // Places in the 2^8 prepared file: the copied part, section 12's header, mid-level in tauG2 (13),
  // a level boundary in betaTauG1 (15: levels 0 to 4 are (2^5 - 1) × 64 bytes), one byte short of the end.
  const cuts: [string, (h: Map<number, number>) => number][] = [
    ["inside the copied part", () => 100],
    ["inside section 12's header", (h) => h.get(12)! + 6],
    ["mid-level in tauG2", (h) => h.get(13)! + 12 + 5_000],
    ["at a level boundary in betaTauG1", (h) => h.get(15)! + 12 + 31 * 64],
    ["one byte short of the end", () => reference.length - 1],
  ];
  test.each(cuts)("a file cut %s is completed to the same bytes", async (_where, at) => {
    const out = join(sub, "cut.ptau");
    await copyFile(join(sub, "reference.ptau"), out);
    await truncate(out, at(sectionHeaders(reference)));
    await preparePhase2Resumable(contributed, out, quiet);
    expect((await readFile(out)).equals(reference)).toBe(true);
  }, 60_000);

  test("a run killed while writing a section (its size still 0) goes on from the last complete level", async () => {
    const out = join(sub, "killed.ptau");
    await copyFile(join(sub, "reference.ptau"), out);
    // Cut tauG2 (section 13) mid-level, its size 0 as snarkjs leaves a section it is writing.
    const tauG2Header = sectionHeaders(reference).get(13)!;
    await truncate(out, tauG2Header + 12 + 5_000);
    const fh = await open(out, "r+");
    await fh.write(Buffer.alloc(8), 0, 8, tauG2Header + 4);
    await fh.close();
    const lines: string[] = [];
    await preparePhase2Resumable(contributed, out, { ...quiet, info: (l: string) => lines.push(l) });
    expect(lines).toContain("tauG2: levels 0 to 4 are already there"); // (2^5 - 1) × 128 = 3,968 ≤ 5,000 bytes
    expect(lines).not.toContain("tauG2: level 4 of 8");
    expect((await readFile(out)).equals(reference)).toBe(true);
  }, 60_000);

  test("a partial output of another phase-1 file is no start: it is written over", async () => {
    const other = join(sub, "other-1.ptau");
    await snarkjs.powersOfTau.contribute(join(sub, "0.ptau"), other, "other", randomBytes(32).toString("hex"), undefined);
    const out = join(sub, "stale.ptau");
    await preparePhase2Resumable(other, out, quiet);
    await truncate(out, reference.length - 40_000);
    await preparePhase2Resumable(contributed, out, quiet);
    expect((await readFile(out)).equals(reference)).toBe(true);
  }, 60_000);

  test.each([
    ["a file that is not a phase-1 file", async (p: string) => writeFile(p, "not a ptau file"), /not a complete phase-1 file/],
    ["a prepared file", async (p: string) => copyFile(join(sub, "reference.ptau"), p), /already prepared/],
  ])("the resumable prepare refuses %s and writes nothing", async (_name, make, message) => {
    const input = join(sub, "input.ptau");
    const out = join(sub, "never-written.ptau");
    await make(input);
    await expect(preparePhase2Resumable(input, out, quiet)).rejects.toThrow(message);
    expect(await readdir(sub)).not.toContain("never-written.ptau");
  });

  test("phase 1 stopped after its contribution, then inside prepare phase 2, resumes each time and verifies", async () => {
    const out = join(sub, "resumed.ptau");
    const work = phase1WorkDir(out);
    await expect(phase1({ power: 8, out, contributions: 1, logger: stopAt(/^prepare phase 2$/) })).rejects.toThrow(/kept in .*resumed\.ptau\.work: the same command resumes/);
    expect(JSON.parse(await readFile(join(work, "state.json"), "utf8"))).toMatchObject({ done: "contribution 1", file: "1.ptau" });
    const firstContribution = await sha256File(join(work, "1.ptau"));

    await expect(phase1({ power: 8, out, contributions: 1, logger: stopAt(/^tauG2: level 3 of 8$/) })).rejects.toThrow(/stopped at tauG2/);
    expect(await sha256File(join(work, "1.ptau"))).toBe(firstContribution); // not contributed again

    const lines: string[] = [];
    const { sha256 } = await phase1({ power: 8, out, contributions: 1, logger: { ...quiet, info: (l: string) => lines.push(l) } });
    expect(lines[0]).toBe('phase 1 at 2^8: resuming after "contribution 1"');
    expect(lines).toContain("tauG2: levels 0 to 2 are already there");
    expect(lines).not.toContain("tauG1: level 0 of 9");
    expect(await sha256File(out)).toBe(sha256);
    expect((await readdir(sub)).filter((f) => f.startsWith(".resumed"))).toEqual([]); // the work folder is gone
    expect((await phase1Check({ ptau: out, sha256, logger: quiet })).sha256).toBe(sha256);
  }, 180_000);

  test("phase 1 refuses to resume with other options and keeps the interrupted work", async () => {
    const out = join(sub, "other-options.ptau");
    const work = phase1WorkDir(out);
    await expect(phase1({ power: 8, out, contributions: 1, logger: stopAt(/^prepare phase 2$/) })).rejects.toThrow(/stopped/);
    const before = await readdir(work);
    await expect(phase1({ power: 8, out, contributions: 2, logger: quiet })).rejects.toThrow(/other options \(power 8, 1 contributions, no beacon\)/);
    await expect(phase1({ power: 9, out, contributions: 1, logger: quiet })).rejects.toThrow(/other options/);
    expect(await readdir(work)).toEqual(before);
    expect(await readdir(sub)).not.toContain("other-options.ptau");
  }, 120_000);
});

/** Where each section of a prepared file starts (its 12-byte header): id → offset. */
function sectionHeaders(file: Buffer): Map<number, number> {
  const at = new Map<number, number>();
  let pos = 12;
  while (pos + 12 <= file.length) {
    at.set(file.readUInt32LE(pos), pos);
    pos += 12 + Number(file.readBigUInt64LE(pos + 4));
  }
  return at;
}
