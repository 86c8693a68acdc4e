#!/usr/bin/env node
// Trusted-setup ceremony for the Aegis circuits (snarkjs Groth16, bn128). docs/trusted-setup.md walks
// through a real deployment step by step.
//
//   phase1 --power K --out F.ptau [--contributions C] [--beacon HEX]
//       A complete phase 1 made on this machine: a new accumulator, C contributions (default 2) each
//       from fresh random bytes, an optional public beacon, then `prepare phase2` and a full
//       verification. One party knows every secret of such a file: fit for tests and devnets only.
//       Interrupted (it takes hours from 2^18 on), the same command resumes from the last finished
//       step, inside prepare phase2 from the last complete level.
//   phase1-check --ptau F.ptau --blake2b HEX | --sha256 HEX
//       Checks a phase-1 file (a published one, such as the Hermez ceremony's) against its published
//       hash, then verifies it.
//   phase2-new --circuit NAME --ptau F.ptau --out Z0.zkey
//   phase2-contribute --in Zi.zkey --out Zj.zkey --name WHO
//   phase2-beacon --in Zi.zkey --out Zj.zkey --beacon HEX [--iterations 10]
//   phase2-verify --circuit NAME --ptau F.ptau --zkey Z.zkey
//   phase2-export --zkey Z.zkey --out vkey.json
//
// Never `powersoftau new` followed directly by `prepare phase2`: that leaves tau = 1, and proofs made
// with it verify and can be forged.
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import * as snarkjs from "snarkjs";
import { createProgressLogger } from "./progress.mjs";

export async function sha256File(path, algorithm = "sha256") {
  const h = createHash(algorithm);
  for await (const chunk of createReadStream(path)) h.update(chunk);
  return h.digest("hex");
}

function arg(args, name, fallback) {
  const i = args.indexOf(`--${name}`);
  if (i < 0 || i + 1 >= args.length) {
    if (fallback !== undefined) return fallback;
    throw new Error(`--${name} is required (ceremony.mjs --help)`);
  }
  return args[i + 1];
}

/** snarkjs keeps worker threads alive after it proves or verifies: end them so the process can exit. */
export async function terminateCurve() {
  const curve = globalThis.curve_bn128;
  if (curve?.terminate) await curve.terminate();
}

/**
 * Refuses a verification key that proves anything (the SDK's assertNonDegenerateZkVerificationKey:
 * delta equal to gamma or to the G2 generator, what a phase 2 without any contribution leaves), so
 * no export ever writes one. Throws CEREMONY_ERROR_DEGENERATE_KEY.
 */
export async function assertUsableVerificationKey(vkey) {
  const { assertNonDegenerateZkVerificationKey } = await import("@aegis/consumer-sdk");
  try {
    assertNonDegenerateZkVerificationKey(vkey);
  } catch (e) {
    const err = new Error(`refusing to export this verification key: ${e.message} (contribute to phase 2 first: phase2-contribute)`);
    err.code = "CEREMONY_ERROR_DEGENERATE_KEY";
    throw err;
  }
}

/** Writes `path` through a temporary file in the same folder, renamed into place when complete. */
export async function atomically(path, write) {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  try {
    await write(tmp);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

function assertHex(s, what) {
  if (!/^([0-9a-fA-F]{2}){1,255}$/.test(s)) throw new Error(`${what} must be hex bytes`);
}

/** Where `phase1` keeps its intermediate files for `out`: next to it, named after it. */
export const phase1WorkDir = (out) => join(dirname(out), `.${basename(out)}.work`);

/**
 * A complete phase 1 made on this machine. It takes hours from 2^18 on (docs/trusted-setup.md), so it
 * is resumable: its steps keep their files in `phase1WorkDir(out)` with `state.json` naming the last
 * finished one, and running it again with the same options after a crash or a kill goes on from there
 * (inside `prepare phase2` from the last finished level). Other options than the interrupted run's are
 * refused. The folder is removed once the file is in place, or when the result did not verify.
 */
export async function phase1({ power, out, contributions = 2, beacon, logger }) {
  if (!Number.isInteger(power) || power < 8 || power > 28) throw new Error("--power must be an integer from 8 to 28");
  if (!Number.isInteger(contributions) || contributions < 1) throw new Error("--contributions must be at least 1");
  if (beacon !== undefined) assertHex(beacon, "--beacon");
  // Work next to the output: the finished file is renamed into place, which cannot cross filesystems.
  const work = phase1WorkDir(out);
  const stateFile = join(work, "state.json");
  const plan = { power, contributions, beacon: beacon ?? null };
  let state = await readFile(stateFile, "utf8").then(JSON.parse, (e) => {
    if (e.code === "ENOENT") return undefined;
    throw new Error(`${stateFile}: ${e.message}; remove ${work} to start over`);
  });
  if (state !== undefined) {
    const same = state.power === plan.power && state.contributions === plan.contributions && state.beacon === plan.beacon;
    if (!same) {
      throw new Error(
        `${work} holds an interrupted phase 1 with other options (power ${state.power}, ${state.contributions} contributions, ` +
          `${state.beacon === null ? "no beacon" : "a beacon"}): run it again with those to resume, or remove the folder to start over`,
      );
    }
    logger.info(`phase 1 at 2^${power}: resuming after "${state.done}"`);
  } else {
    await rm(work, { recursive: true, force: true });
    await mkdir(work, { recursive: true });
  }
  const record = async (done, file) => {
    state = { ...plan, done, file };
    await atomically(stateFile, (tmp) => writeFile(tmp, JSON.stringify(state) + "\n"));
  };
  const steps = ["new", ...Array.from({ length: contributions }, (_, i) => `contribution ${i + 1}`), ...(beacon === undefined ? [] : ["beacon"])];
  let verified = false;
  try {
    const curve = await snarkjs.curves.getCurveFromName("bn128");
    let next = state === undefined ? 0 : steps.indexOf(state.done) + 1;
    if (state !== undefined && next === 0 && state.done !== "prepare phase 2") throw new Error(`${stateFile}: unknown step "${state.done}"; remove ${work} to start over`);
    if (state?.done === "prepare phase 2") next = steps.length;
    for (; next < steps.length; next++) {
      const step = steps[next];
      const file = join(work, `${next}.ptau`);
      const prev = state === undefined ? undefined : join(work, state.file);
      logger.info(`phase 1 at 2^${power}: ${step}${step.startsWith("contribution") ? " (fresh random bytes)" : ""}`);
      if (step === "new") await snarkjs.powersOfTau.newAccumulator(curve, power, file, logger);
      else if (step === "beacon") await snarkjs.powersOfTau.beacon(prev, file, "aegis beacon", beacon, 10, logger);
      else await snarkjs.powersOfTau.contribute(prev, file, `aegis local ${step}`, randomBytes(64).toString("hex"), logger);
      await record(step, `${next}.ptau`);
      if (prev !== undefined) await rm(prev, { force: true });
    }
    const prepared = join(work, "prepared.ptau");
    if (state.done !== "prepare phase 2") {
      logger.info("prepare phase 2");
      const source = join(work, state.file);
      await preparePhase2Resumable(source, prepared, logger);
      await record("prepare phase 2", "prepared.ptau");
      await rm(source, { force: true });
    }
    logger.info("verify");
    if (!(await snarkjs.powersOfTau.verify(prepared, logger))) {
      await rm(work, { recursive: true, force: true });
      throw new Error("the phase-1 file did not verify");
    }
    verified = true;
    await atomically(out, (tmp) => rename(prepared, tmp));
    const sha256 = await sha256File(out);
    logger.info(`wrote ${out}\nsha256 ${sha256}`);
    return { sha256 };
  } catch (e) {
    if (!verified && (await stat(work).catch(() => undefined)) !== undefined) {
      e.message += ` (the finished steps are kept in ${work}: the same command resumes; remove the folder to start over)`;
    }
    throw e;
  } finally {
    if (verified) await rm(work, { recursive: true, force: true });
    await terminateCurve();
  }
}

// The four sections `prepare phase 2` adds (snarkjs 0.7, powersoftau_preparephase2.js): the Lagrange
// evaluations of the powers in section `from`, level by level (2^0, 2^1, … 2^power points; tauG1 also
// 2^(power+1)), into section `to`.
const LAGRANGE_SECTIONS = [
  { from: 2, to: 12, group: "G1", name: "tauG1" },
  { from: 3, to: 13, group: "G2", name: "tauG2" },
  { from: 4, to: 14, group: "G1", name: "alphaTauG1" },
  { from: 5, to: 15, group: "G1", name: "betaTauG1" },
];
const BIN_HEADER = 12; // "ptau", version, number of sections
const SECTION_HEADER = 12; // id (u32), size (u64)
const COPY_CHUNK = 1 << 26;

async function readAt(fh, length, position) {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, position);
  return buf.subarray(0, bytesRead);
}

/** The sections of a binary snarkjs file; an unfinished last one is `open`, with the bytes it has. */
async function scanSections(fh) {
  const size = (await fh.stat()).size;
  const head = await readAt(fh, BIN_HEADER, 0);
  if (head.length < BIN_HEADER || head.subarray(0, 4).toString("latin1") !== "ptau") return { size, sections: [], valid: false };
  const count = head.readUInt32LE(8);
  const sections = [];
  let pos = BIN_HEADER;
  while (sections.length < count && pos + SECTION_HEADER <= size) {
    const h = await readAt(fh, SECTION_HEADER, pos);
    const id = h.readUInt32LE(0);
    const length = Number(h.readBigUInt64LE(4));
    // Size 0: a section still being written; a size past the end: a file cut short.
    const open = length === 0 || pos + SECTION_HEADER + length > size;
    sections.push({ id, header: pos, data: pos + SECTION_HEADER, length: open ? size - pos - SECTION_HEADER : length, open });
    if (open) break;
    pos += SECTION_HEADER + length;
  }
  return { size, sections, valid: true };
}

async function writeAllAt(fh, buff, position) {
  for (const part of buff.buffers ?? [buff]) {
    let done = 0;
    while (done < part.byteLength) {
      const { bytesWritten } = await fh.write(part, done, part.byteLength - done, position + done);
      done += bytesWritten;
    }
    position += part.byteLength;
  }
}

/**
 * snarkjs' `prepare phase 2`, byte for byte (the same header, sections and ffjavascript Lagrange
 * evaluations), made resumable: each level is written and synced before the next, and when `newFile`
 * is a partial output of this same `oldFile` (a run that was killed) it goes on after its last complete
 * level instead of starting over. At 2^19 the whole step takes ~3 h on two cores. The result is only
 * trusted after `powersOfTau.verify`, which checks every level against the powers.
 */
export async function preparePhase2Resumable(oldFile, newFile, logger) {
  const curve = await snarkjs.curves.getCurveFromName("bn128");
  const src = await open(oldFile, "r");
  let dst;
  try {
    const old = await scanSections(src);
    const byId = new Map(old.sections.filter((s) => !s.open).map((s) => [s.id, s]));
    if (!old.valid || [1, 2, 3, 4, 5, 6, 7].some((id) => !byId.has(id))) throw new Error(`${oldFile}: not a complete phase-1 file`);
    if (old.sections.some((s) => s.id >= 12)) throw new Error(`${oldFile} is already prepared for phase 2`);
    const h1 = await readAt(src, byId.get(1).length, byId.get(1).data);
    const n8 = h1.readUInt32LE(0);
    const power = h1.readUInt32LE(4 + n8);
    const q = BigInt("0x" + Buffer.from(h1.subarray(4, 4 + n8)).reverse().toString("hex"));
    if (n8 !== 32 || q !== BigInt(curve.q.toString())) throw new Error(`${oldFile}: not a bn128 phase-1 file`);
    // The part copied from the old file: a fresh header (snarkjs' writePTauHeader), sections 2 to 7.
    const header = Buffer.alloc(BIN_HEADER + SECTION_HEADER + 4 + n8 + 8);
    header.write("ptau", 0, "latin1");
    header.writeUInt32LE(1, 4);
    header.writeUInt32LE(11, 8);
    header.writeUInt32LE(1, 12);
    header.writeBigUInt64LE(BigInt(4 + n8 + 8), 16);
    header.writeUInt32LE(n8, 24);
    h1.copy(header, 28, 4, 4 + n8);
    header.writeUInt32LE(power, 28 + n8);
    header.writeUInt32LE(power, 32 + n8);
    let copiedEnd = header.length;
    for (const id of [2, 3, 4, 5, 6, 7]) copiedEnd += SECTION_HEADER + byId.get(id).length;

    let fresh = true;
    try {
      dst = await open(newFile, "r+");
      fresh = false;
    } catch (e) {
      if (e.code !== "ENOENT") throw e;
      dst = await open(newFile, "w+");
    }
    const existing = fresh ? { size: 0, sections: [], valid: false } : await scanSections(dst);
    // The copied part must be this old file's, byte for byte: a partial output of another is no start.
    // Sections 2 to 7 of the old file, their headers included, in chunks, with where each goes.
    async function* copied() {
      let at = header.length;
      for (const id of [2, 3, 4, 5, 6, 7]) {
        const s = byId.get(id);
        for (let off = -SECTION_HEADER; off < s.length; off += COPY_CHUNK) {
          const bytes = await readAt(src, Math.min(COPY_CHUNK, s.length - off), s.data + off);
          yield { bytes, at };
          at += bytes.length;
        }
      }
    }
    const sameCopy = async () => {
      if (!existing.valid || existing.size < copiedEnd) return false;
      if (!header.equals(await readAt(dst, header.length, 0))) return false;
      for await (const { bytes, at } of copied()) if (!bytes.equals(await readAt(dst, bytes.length, at))) return false;
      return true;
    };
    if (!(await sameCopy())) {
      if (!fresh) logger.info(`${newFile}: not a partial output of this step; starting over`);
      await dst.truncate(0);
      await writeAllAt(dst, header, 0);
      for await (const { bytes, at } of copied()) await writeAllAt(dst, bytes, at);
      await dst.sync();
    }

    let pos = copiedEnd;
    for (const { from, to, group, name } of LAGRANGE_SECTIONS) {
      const G = curve[group];
      const sG = G.F.n8 * 2;
      const levels = Array.from({ length: from === 2 ? power + 2 : power + 1 }, (_, p) => p);
      const upTo = (k) => (2 ** k - 1) * sG; // bytes of levels 0 … k-1
      const expected = upTo(levels.length);
      const current = (await scanSections(dst)).sections.find((s) => s.header === pos);
      let done = 0;
      if (current?.id === to && !current.open && current.length === expected) {
        pos += SECTION_HEADER + expected;
        continue;
      }
      if (current?.id === to && current.open) {
        while (done < levels.length && upTo(done + 1) <= current.length) done++;
        if (done > 0) logger.info(`${name}: levels 0 to ${done - 1} are already there`);
      }
      await dst.truncate(pos + SECTION_HEADER + upTo(done));
      const sh = Buffer.alloc(SECTION_HEADER);
      sh.writeUInt32LE(to, 0); // size 0 until the section is complete, as snarkjs writes it
      await writeAllAt(dst, sh, pos);
      for (const p of levels.slice(done)) {
        const nPoints = 2 ** p;
        const s = byId.get(from);
        let buff;
        if (from === 2 && p === power + 1) {
          // tauG1 has 2^(power+1) - 1 powers; the level above power is completed with the point at infinity.
          buff = new Uint8Array(nPoints * sG);
          buff.set(await readAt(src, (nPoints - 1) * sG, s.data), 0);
          buff.set(curve.G1.zeroAffine, (nPoints - 1) * sG);
        } else {
          buff = new Uint8Array(await readAt(src, nPoints * sG, s.data));
        }
        if (buff.byteLength !== nPoints * sG) throw new Error(`${oldFile}: section ${from} is shorter than 2^${p} points`);
        logger.info(`${name}: level ${p} of ${levels.length - 1}`);
        const out = await G.lagrangeEvaluations(buff, "affine", "affine", logger, name);
        await writeAllAt(dst, out, pos + SECTION_HEADER + upTo(p));
        await dst.sync();
      }
      sh.writeBigUInt64LE(BigInt(expected), 4);
      await writeAllAt(dst, sh, pos);
      await dst.sync();
      pos += SECTION_HEADER + expected;
    }
    await dst.truncate(pos);
  } finally {
    await src.close();
    await dst?.close();
  }
}

/**
 * Checks a phase-1 file against the hash its ceremony published (snarkjs' list of the Hermez files
 * gives BLAKE2b-512, `b2sum`), then verifies every contribution in it. Hashes are compared first: a
 * file that is not the published one is refused without the long verification.
 */
export async function phase1Check({ ptau, sha256, blake2b, logger }) {
  if (sha256 === undefined && blake2b === undefined) throw new Error("give the published hash: --blake2b HEX (b2sum) or --sha256 HEX");
  try {
    const got = { sha256: await sha256File(ptau), blake2b: await sha256File(ptau, "blake2b512") };
    if (sha256 !== undefined && got.sha256 !== sha256.toLowerCase()) throw new Error(`${ptau}: sha256 ${got.sha256}, expected ${sha256}`);
    if (blake2b !== undefined && got.blake2b !== blake2b.toLowerCase()) throw new Error(`${ptau}: blake2b ${got.blake2b}, expected ${blake2b}`);
    if (!(await snarkjs.powersOfTau.verify(ptau, logger))) throw new Error(`${ptau} did not verify`);
    logger.info(`${ptau} verified\nsha256 ${got.sha256}\nblake2b ${got.blake2b}`);
    return got;
  } finally {
    await terminateCurve();
  }
}

async function circuitR1cs(name, logger) {
  const { compileCircuit, loadCircuits } = await import("./build.mjs");
  const circuit = (await loadCircuits()).find((c) => c.name === name);
  if (!circuit) throw new Error(`unknown circuit ${name} (circuits/circuits.json)`);
  return (await compileCircuit(circuit, { logger })).r1cs;
}

const HELP = `usage: node circuits/scripts/ceremony.mjs <command> [options]
  phase1 --power K --out F.ptau [--contributions C] [--beacon HEX]   a local phase 1 (tests and devnets only;
                                                                     run again after an interruption, it resumes)
  phase1-check --ptau F.ptau --blake2b HEX|--sha256 HEX              check a published phase-1 file, verify it
  phase2-new --circuit NAME --ptau F.ptau --out Z0.zkey              the circuit's initial zkey
  phase2-contribute --in Zi.zkey --out Zj.zkey --name WHO            one participant's contribution
  phase2-beacon --in Zi.zkey --out Zj.zkey --beacon HEX [--iterations N]   the closing public beacon
  phase2-verify --circuit NAME --ptau F.ptau --zkey Z.zkey           check every contribution
  phase2-export --zkey Z.zkey --out vkey.json                        the verification key
See docs/trusted-setup.md.`;

export async function main(argv) {
  const [cmd, ...args] = argv;
  const logger = createProgressLogger();
  try {
    switch (cmd) {
      case "phase1":
        return await phase1({
          power: Number(arg(args, "power")),
          out: arg(args, "out"),
          contributions: Number(arg(args, "contributions", "2")),
          beacon: arg(args, "beacon", "") || undefined,
          logger,
        });
      case "phase1-check":
        return await phase1Check({ ptau: arg(args, "ptau"), sha256: arg(args, "sha256", "") || undefined, blake2b: arg(args, "blake2b", "") || undefined, logger });
      case "phase2-new": {
        const out = arg(args, "out");
        const r1cs = await circuitR1cs(arg(args, "circuit"), logger);
        await atomically(out, (tmp) => snarkjs.zKey.newZKey(r1cs, arg(args, "ptau"), tmp, logger));
        logger.info(`wrote ${out}`);
        return;
      }
      case "phase2-contribute": {
        const out = arg(args, "out");
        await atomically(out, (tmp) => snarkjs.zKey.contribute(arg(args, "in"), tmp, arg(args, "name"), randomBytes(64).toString("hex"), logger));
        logger.info(`wrote ${out}`);
        return;
      }
      case "phase2-beacon": {
        const out = arg(args, "out");
        const beacon = arg(args, "beacon");
        assertHex(beacon, "--beacon");
        await atomically(out, (tmp) => snarkjs.zKey.beacon(arg(args, "in"), tmp, "final beacon", beacon, Number(arg(args, "iterations", "10")), logger));
        logger.info(`wrote ${out}`);
        return;
      }
      case "phase2-verify": {
        const r1cs = await circuitR1cs(arg(args, "circuit"), logger);
        if (!(await snarkjs.zKey.verifyFromR1cs(r1cs, arg(args, "ptau"), arg(args, "zkey"), logger))) throw new Error("the zkey did not verify");
        logger.info("zkey verified: every contribution checks out");
        return;
      }
      case "phase2-export": {
        const out = arg(args, "out");
        const vkey = await snarkjs.zKey.exportVerificationKey(arg(args, "zkey"), logger);
        await assertUsableVerificationKey(vkey);
        await atomically(out, (tmp) => writeFile(tmp, JSON.stringify(vkey, null, 2) + "\n"));
        logger.info(`wrote ${out}`);
        return;
      }
      default:
        console.log(HELP);
        if (cmd !== undefined && cmd !== "--help") process.exitCode = 2;
    }
  } finally {
    logger.done();
    await terminateCurve();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(`error: ${e.message}`);
    process.exit(1);
  });
}
