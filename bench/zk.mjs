// ZK benchmark: the quorum circuit per validator-set capacity N. Per N: constraints, witness time,
// prove time (median of 3), peak memory of the proving process, verify time with the SDK (mcl-wasm,
// median of 10 warm; cold = the first verify in a fresh process, the verifier's WASM init included)
// and with snarkjs (warm), proof bytes,
// and the gas of a whole AegisFinality.submit transaction (Groth16 verify and record) in @ethereumjs/vm.
// Proving keys come from a local phase 2 on a real phase-1 file (never tau = 1): the committed test
// file serves N <= 8; larger N use the smallest cached 2^K file (K or above) made once on this machine
// (`--make-ptau K` runs the ceremony script's phase 1 into the cache; ~12 min at 2^15, ~1 h 40 at
// 2^18, ~3 h 30 at 2^19 on 2 cores; run again after an interruption, it resumes), and are skipped,
// with the reason, until one exists.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as snarkjs from "snarkjs";
import * as sdk from "@aegis/consumer-sdk";
import { createAttestationKeyPair, decodeFinalitySignature, getAttestationPoint, signFinalityMessage } from "@aegis/hub";
import { cacheDir, compileCircuit, getCircuit, setupCircuit, terminateCurve } from "../circuits/scripts/build.mjs";
import { phase1 } from "../circuits/scripts/ceremony.mjs";
import { createProgressLogger } from "../circuits/scripts/progress.mjs";
import { deployFinality, encodeSubmit } from "../test/evm/finalityEvm.mjs";
import { printTable, writeResults } from "./lib.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const COLUMNS = ["N", "constraints", "ptau", "witness_ms", "prove_s_median", "prove_peak_rss_gb", "verify_ms_warm", "verify_ms_cold", "snarkjs_verify_ms_warm", "proof_bytes", "evm_gas"];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const benchPtau = (k) => join(dirname(cacheDir()), "ptau", `aegis-bench-pot${k}.ptau`);
/** The smallest cached phase-1 power that fits a 2^k circuit (a larger file serves smaller circuits). */
const fittingPtau = (k) => [k, k + 1, k + 2, k + 3].find((p) => existsSync(benchPtau(p)));

function execChild(cmd, args) {
  return new Promise((resolve, reject) => execFile(cmd, args, { maxBuffer: 16 * 1024 * 1024 }, (e, stdout, stderr) => (e ? reject(Object.assign(e, { stderr })) : resolve(stdout))));
}

/** Honest inputs for capacity N: N fixed hub attestation keys of power 1..N, every slot signs. */
async function honestInput(N) {
  const keys = Array.from({ length: N }, (_, i) => createAttestationKeyPair(new Uint8Array(32).fill(i + 1)));
  const slots = keys.map((k, i) => ({ ...getAttestationPoint(k.publicKey), power: BigInt(i + 1) }));
  const root = sdk.computeZkValidatorSetRoot(slots, N);
  const statement = { chainId: "aegis-bench-1", height: 1000, time: 1_767_225_600_000, blockHash: new Uint8Array(32).fill(7), validatorSetRoot: root, nextValidatorSetRoot: root };
  const message = sdk.computeFinalityMessage(statement);
  const signatures = new Map(keys.map((k, i) => [i, decodeFinalitySignature(signFinalityMessage(k.secretKey, message))]));
  const prover = new Uint8Array(20).fill(0x42);
  const input = sdk.computeQuorumCircuitInput(slots, signatures, statement, N, prover);
  const signers = sdk.computeZkSignerBitmap(signatures.keys(), N);
  return { input, root, cert: { circuit: `quorum${N}`, ...statement, signers, prover } };
}

export async function run(args) {
  const quick = args.includes("--quick");
  const mk = args.indexOf("--make-ptau");
  if (mk >= 0) {
    const k = Number(args[mk + 1]);
    await phase1({ power: k, out: benchPtau(k), contributions: 1, logger: createProgressLogger() });
    return;
  }
  const si = args.indexOf("--sizes");
  const sizes = si >= 0 ? args[si + 1].split(",").map(Number) : quick ? [4] : [4, 8, 16, 32, 64];
  const proveRuns = quick ? 1 : 3;
  const verifyRuns = quick ? 3 : 10;
  await sdk.initZkCertificateVerifier();
  const rows = [];
  const work = await mkdtemp(join(tmpdir(), "aegis-bench-zk-"));
  try {
    for (const N of sizes) {
      const circuit = await getCircuit(`quorum${N}`);
      const compiled = await compileCircuit(circuit);
      const k = Math.ceil(Math.log2(compiled.constraints + 8));
      const row = { N, constraints: compiled.constraints, proof_bytes: sdk.ZK_PROOF_LENGTH };
      let built;
      const p = circuit.ptau ? undefined : fittingPtau(k);
      if (circuit.ptau) {
        built = await setupCircuit(circuit);
        row.ptau = `2^16 (test file)`;
      } else if (p !== undefined) {
        built = await setupCircuit(circuit, { ptau: { path: benchPtau(p) }, logger: createProgressLogger() });
        row.ptau = `2^${p} (local)`;
      } else {
        rows.push({ ...row, ptau: `needs 2^${k}: --make-ptau ${k}` });
        continue;
      }
      console.error(`N=${N}: ${compiled.constraints} constraints, proving…`);
      const { input, root, cert } = await honestInput(N);
      const wtnsTimes = [];
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        await snarkjs.wtns.calculate(input, built.wasm, { type: "mem" });
        wtnsTimes.push(performance.now() - t0);
      }
      row.witness_ms = Math.round(median(wtnsTimes));
      // Proving in a child process: its peak RSS is the prover's alone.
      const inputFile = join(work, `input${N}.json`);
      await writeFile(inputFile, JSON.stringify(input));
      const out = JSON.parse(await execChild(process.execPath, [join(here, "zkProve.mjs"), built.wasm, built.zkey, inputFile, String(proveRuns)]));
      row.prove_s_median = +(median(out.seconds)).toFixed(2);
      row.prove_peak_rss_gb = +(out.maxRssKiB / 2 ** 20).toFixed(2);
      const full = { ...cert, proof: sdk.encodeZkProof(out.proof) };
      const opts = { chainId: full.chainId, verificationKeys: { [circuit.name]: built.vkey }, capacities: { [circuit.name]: N } };
      sdk.assertValidZkCertificate(full, root, opts); // warm-up (and a check that it is valid)
      const warm = [];
      for (let i = 0; i < verifyRuns; i++) {
        const t0 = performance.now();
        sdk.assertValidZkCertificate(full, root, opts);
        warm.push(performance.now() - t0);
      }
      row.verify_ms_warm = +median(warm).toFixed(1);
      const certFile = join(work, `cert${N}.json`);
      await writeFile(
        certFile,
        JSON.stringify({
          cert: { ...full, blockHash: sdk.toHex(full.blockHash), proof: sdk.toHex(full.proof), prover: sdk.toHex(full.prover), validatorSetRoot: String(root), nextValidatorSetRoot: String(full.nextValidatorSetRoot), signers: String(full.signers) },
          vkey: built.vkey,
          N,
        }),
      );
      const cold = JSON.parse(await execChild(process.execPath, [join(here, "zkVerifyCold.mjs"), certFile]));
      row.verify_ms_cold = cold.ms;
      console.error(`N=${N}: cold verify ${cold.ms} ms, of which the verifier's WASM init ${cold.initMs} ms`);
      const sj = [];
      await snarkjs.groth16.verify(built.vkey, out.publicSignals, out.proof);
      for (let i = 0; i < verifyRuns; i++) {
        const t0 = performance.now();
        if (!(await snarkjs.groth16.verify(built.vkey, out.publicSignals, out.proof))) throw new Error("snarkjs refused the proof");
        sj.push(performance.now() - t0);
      }
      row.snarkjs_verify_ms_warm = +median(sj).toFixed(1);
      // Gas of AegisFinality.submit (verify and record) in @ethereumjs/vm: the whole transaction.
      const evm = await deployFinality(built.vkey, { hubChainId: sdk.computeZkChainId(full.chainId), root, trustedHeight: full.height - 1, trustedTime: full.time, trustingPeriodMs: 14 * 86_400_000 });
      const sent = await evm.chain.send(evm.address, encodeSubmit(full));
      if (sent.reverted) throw new Error("AegisFinality refused the certificate");
      row.evm_gas = Number(sent.gas);
      rows.push(row);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
    await terminateCurve();
  }
  console.log(`\nzk benchmark (QuorumCertificate(N), Groth16 bn254, every slot signing; prove: median of ${proveRuns}, verify: median of ${verifyRuns})\n`);
  const table = printTable(rows, COLUMNS);
  await writeResults("zk", { rows, table });
}

