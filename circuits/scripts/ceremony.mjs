#!/usr/bin/env node
// Trusted-setup ceremony for the Aegis circuits (snarkjs Groth16, bn128). docs/trusted-setup.md walks
// through a real deployment step by step.
//
//   phase1 --power K --out F.ptau [--contributions C] [--beacon HEX]
//       A complete phase 1 made on this machine: a new accumulator, C contributions (default 2) each
//       from fresh random bytes, an optional public beacon, then `prepare phase2` and a full
//       verification. One party knows every secret of such a file: fit for tests and devnets only.
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
import { mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
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

export async function phase1({ power, out, contributions = 2, beacon, logger }) {
  if (!Number.isInteger(power) || power < 8 || power > 28) throw new Error("--power must be an integer from 8 to 28");
  if (!Number.isInteger(contributions) || contributions < 1) throw new Error("--contributions must be at least 1");
  if (beacon !== undefined) assertHex(beacon, "--beacon");
  // Work next to the output: the finished file is renamed into place, which cannot cross filesystems.
  await mkdir(dirname(out), { recursive: true });
  const work = await mkdtemp(join(dirname(out), ".aegis-ptau-"));
  try {
    const curve = await snarkjs.curves.getCurveFromName("bn128");
    let file = join(work, "0.ptau");
    logger.info(`phase 1 at 2^${power}: new accumulator`);
    await snarkjs.powersOfTau.newAccumulator(curve, power, file, logger);
    for (let i = 1; i <= contributions; i++) {
      const next = join(work, `${i}.ptau`);
      logger.info(`contribution ${i} of ${contributions} (fresh random bytes)`);
      await snarkjs.powersOfTau.contribute(file, next, `aegis local contribution ${i}`, randomBytes(64).toString("hex"), logger);
      await rm(file);
      file = next;
    }
    if (beacon !== undefined) {
      const next = join(work, "beacon.ptau");
      logger.info("beacon");
      await snarkjs.powersOfTau.beacon(file, next, "aegis beacon", beacon, 10, logger);
      await rm(file);
      file = next;
    }
    const prepared = join(work, "prepared.ptau");
    logger.info("prepare phase 2");
    await snarkjs.powersOfTau.preparePhase2(file, prepared, logger);
    logger.info("verify");
    if (!(await snarkjs.powersOfTau.verify(prepared, logger))) throw new Error("the phase-1 file did not verify");
    await atomically(out, (tmp) => rename(prepared, tmp));
    const sha256 = await sha256File(out);
    logger.info(`wrote ${out}\nsha256 ${sha256}`);
    return { sha256 };
  } finally {
    await rm(work, { recursive: true, force: true });
    await terminateCurve();
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
  phase1 --power K --out F.ptau [--contributions C] [--beacon HEX]   a local phase 1 (tests and devnets only)
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
