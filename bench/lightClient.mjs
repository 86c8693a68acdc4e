// Light-client catch-up benchmark (issue 15): how fast a HubLightClient (consumer-sdk) catches up
// from genesis over many epochs, each ending with a validator-set change.
//
// BLS tier: a synthetic hub chain built in memory with real BLS keys (blst or herumi, the SDK's own
// signing): N validators, one swapped for a new key at every epoch's last header, powers differing;
// per epoch one update, the epoch's last header with its commit certificate (an aggregate signature
// of a quorum of the epoch's set over the canonical precommit bytes) and the next full set, which is
// exactly what a client crossing epochs must process (processBlsUpdate). Building the chain is not
// timed; the SDK's public-key cache is emptied before each timed run (a fresh client has no key
// decoded yet).
//
// ZK tier: one Groth16 certificate (quorum4, real proofs by snarkjs on the circuit cached under
// ~/.cache/aegis/circuits) per epoch, each proved against the Poseidon root the previous one named
// as next (4 attestation keys, one swapped per epoch), verified with processZkUpdate. The proofs are
// made once and cached on disk (~/.cache/aegis/bench/lightclient-quorum4-<vk hash>/NNNN.json, one
// file per epoch, written atomically): a stopped run keeps what it made and the next one resumes.
// Only the verification is timed, over the certificates read into memory first.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { loadavg } from "node:os";
import * as snarkjs from "snarkjs";
import * as sdk from "@aegis/consumer-sdk";
import { createAttestationKeyPair, decodeFinalitySignature, getAttestationPoint, signFinalityMessage } from "@aegis/hub";
import { cacheDir, getCircuit, setupCircuit, terminateCurve } from "../circuits/scripts/build.mjs";
import { percentile, printTable, writeResults } from "./lib.mjs";

const COLUMNS = ["tier", "backend", "validators", "epochs", "runs", "total_s", "epochs_per_s", "ms_per_epoch_p50", "ms_per_epoch_p99", "first_update_ms", "target", "meets_target"];
const CHAIN_ID = "aegis-bench-lc";
/** Hub heights per epoch (the hub's default epoch length) and one second per hub block. */
const EPOCH_LENGTH = 100;
const BLOCK_MS = 1000;
/** Genesis time of the synthetic hub (fixed, so cached proofs stay valid): 2026-01-01T00:00:00Z. */
const T0 = 1_767_225_600_000;
const ZK_CIRCUIT = "quorum4";
const ZK_CAPACITY = 4;
const ZK_TARGET_EPOCHS_PER_S = 40;
const PROVER = new Uint8Array(20).fill(0x42);
const DAY = 86_400_000;
const sha = (s) => new Uint8Array(createHash("sha256").update(s).digest());
const heightOf = (e) => e * EPOCH_LENGTH;
const timeOf = (h) => T0 + h * BLOCK_MS;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** A trusting period that covers the whole synthetic chain (14 days, or longer for very long chains); unbonding 1.5×. */
const periodsFor = (epochs) => {
  const trustingPeriodMs = Math.max(14 * DAY, timeOf(heightOf(epochs)) - T0 + DAY);
  return { trustingPeriodMs, unbondingPeriodMs: Math.ceil(trustingPeriodMs * 1.5) };
};

function opt(args, name) {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

export async function run(args) {
  const quick = args.includes("--quick");
  const epochs = Number(opt(args, "--epochs") ?? (quick ? 100 : 1000));
  const zkEpochs = Number(opt(args, "--zk-epochs") ?? epochs);
  for (const [n, v] of [["--epochs", epochs], ["--zk-epochs", zkEpochs]]) if (!Number.isInteger(v) || v < 1 || v > 100_000) throw new Error(`${n} must be an integer from 1 to 100000`);
  const sizes = (opt(args, "--validators") ?? (quick ? "4" : "4,8")).split(",").map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n < 4 || n > 128)) throw new Error("--validators: integers from 4 to 128");
  const runs = Number(opt(args, "--runs") ?? (quick ? 1 : 3));
  const proveOnly = args.includes("--prove-only");
  const noZk = args.includes("--no-zk");
  const noProve = args.includes("--no-prove");
  const rows = [];
  const notes = [];
  const loadStart = loadavg();
  let zkInfo = null;
  try {
    if (!proveOnly) {
      for (const n of sizes) rows.push(...(await blsTier(n, epochs, runs)));
    }
    if (!noZk) {
      const zk = await zkTier(zkEpochs, runs, { proveOnly, noProve, notes });
      zkInfo = zk.info;
      if (zk.row) rows.push(zk.row);
    }
  } finally {
    await terminateCurve();
  }
  if (proveOnly) return;
  console.log(`\nlight-client catch-up benchmark (HubLightClient from genesis; one update per epoch, the validator set changes at every epoch's last block; epoch = ${EPOCH_LENGTH} hub blocks; median run of ${runs}, per-epoch percentiles over all runs)\n`);
  const table = printTable(rows, COLUMNS);
  notes.push(`machine load average (1 min) at start / end: ${loadStart[0].toFixed(1)} / ${loadavg()[0].toFixed(1)}; one thread verifies (the SDK's calls are synchronous)`);
  if (zkInfo?.proveSecondsMedianCached) notes.push(`ZK proofs: ${zkInfo.cached + zkInfo.madeNow} cached in ${zkInfo.cacheDir}; one proof (witness + Groth16, snarkjs) took ${zkInfo.proveSecondsMedianCached} s median when made`);
  for (const n of notes) console.log(`  ${n}`);
  await writeResults("light-client", { epochLength: EPOCH_LENGTH, epochs, zkEpochs, runs, rows, zk: zkInfo, notes, loadavg: { start: loadStart, end: loadavg() }, table });
}

// ---------------------------------------------------------------- BLS tier

/** The synthetic BLS chain: per epoch e (1..E) its last header, certificate, and the next set. */
function buildBlsChain(n, epochs) {
  const keyOf = new Map();
  const key = (i) => {
    let k = keyOf.get(i);
    if (!k) keyOf.set(i, (k = sdk.createBlsKeyPair(sha(`aegis-bench-lc/bls/${i}`))));
    return k;
  };
  const power = (i) => 10n + BigInt((i * 7) % 13);
  const setOf = (members) => sdk.createValidatorSet(members.map((i) => ({ blsPublicKey: key(i).publicKey, power: power(i) })), { skipProofOfPossession: true });
  const secretOf = new Map();
  // Members of epoch 1: keys 0..n-1; epoch e+1 swaps member (e - 1) mod n for key n + e - 1.
  let members = Array.from({ length: n }, (_, i) => i);
  let set = setOf(members);
  const genesisSet = set;
  const updates = [];
  for (let e = 1; e <= epochs; e++) {
    const nextMembers = [...members];
    nextMembers[(e - 1) % n] = n + e - 1;
    const nextSet = setOf(nextMembers);
    for (const i of [...members, ...nextMembers]) secretOf.set(sdk.toHex(key(i).publicKey), key(i).secretKey);
    const h = heightOf(e);
    const header = {
      chainId: CHAIN_ID,
      height: h,
      time: timeOf(h),
      parentHash: sha(`aegis-bench-lc/parent/${h}`),
      txRoot: sha(`tx/${h}`),
      stateRoot: sha(`state/${h}`),
      consumerCheckpointRoot: sha(`cp/${h}`),
      validatorSetRoot: sdk.computeValidatorSetRoot(set),
      nextValidatorSetRoot: sdk.computeValidatorSetRoot(nextSet),
      proposer: sha(`proposer/${h}`).slice(0, 20),
      lastCommitHash: sha(`commit/${h - 1}`),
      evidenceRoot: sha("evidence"),
    };
    const blockHash = sdk.computeBlockHash(header);
    // Every validator signs but one (in turn), when the rest still has a quorum.
    const all = set.validators.map((_, i) => i);
    const absent = e % n;
    const rest = all.filter((i) => i !== absent);
    const restPower = rest.reduce((s, i) => s + set.validators[i].power, 0n);
    const signers = sdk.hasQuorum(restPower, set.totalPower) ? rest : all;
    const msg = sdk.computeVoteSignBytes({ chainId: CHAIN_ID, height: h, round: 0, type: sdk.VoteType.Precommit, blockHash });
    const signature = sdk.blsAggregateSignatures(signers.map((i) => sdk.blsSign(secretOf.get(sdk.toHex(set.validators[i].blsPublicKey)), msg)));
    const certificate = { height: h, round: 0, blockHash, signers: sdk.createSignerBitmap(set.validators.length, signers), signature };
    // The update carries the next set as a client gets it from the network (GET /validators): plain values, no cached root.
    updates.push({ header, certificate, nextValidatorSet: { validators: nextSet.validators.map((v) => ({ address: v.address.slice(), blsPublicKey: v.blsPublicKey.slice(), power: v.power })), totalPower: nextSet.totalPower } });
    members = nextMembers;
    set = nextSet;
  }
  return { genesisSet: { validators: genesisSet.validators.map((v) => ({ ...v })), totalPower: genesisSet.totalPower }, updates };
}

/** Empties the SDK's decoded public-key cache (switching the backend does), then selects `backend`. */
function freshKeyCache(backend) {
  for (const b of sdk.getAvailableBlsBackends()) if (b !== backend) sdk.useBlsBackend(b);
  sdk.useBlsBackend(backend);
}

function catchUpBls(chain, epochs, backend) {
  const { trustingPeriodMs, unbondingPeriodMs } = periodsFor(epochs);
  const now = timeOf(heightOf(epochs)) + BLOCK_MS;
  freshKeyCache(backend);
  const times = [];
  const t0 = performance.now();
  let s = sdk.createHubLightClient({ bls: { genesisTime: T0, validatorSet: chain.genesisSet } }, { chainId: CHAIN_ID, trustingPeriodMs, unbondingPeriodMs }, now);
  for (const u of chain.updates) {
    const a = performance.now();
    s = sdk.processBlsUpdate(s, u, now);
    times.push(performance.now() - a);
  }
  const total = performance.now() - t0;
  if (s.bls.height !== heightOf(epochs)) throw new Error(`BLS catch-up ended at ${s.bls.height}, not ${heightOf(epochs)}`);
  return { total, times };
}

async function blsTier(n, epochs, runs) {
  const t0 = performance.now();
  const chain = buildBlsChain(n, epochs);
  console.error(`BLS, ${n} validators: built ${epochs} epochs in ${((performance.now() - t0) / 1000).toFixed(1)} s (not timed)`);
  const rows = [];
  const original = sdk.getBlsBackendName();
  try {
    for (const backend of sdk.getAvailableBlsBackends()) {
      // JIT warm-up on a short prefix (then the key cache is emptied again for the timed runs).
      catchUpBls({ ...chain, updates: chain.updates.slice(0, Math.min(20, epochs)) }, Math.min(20, epochs), backend);
      const results = [];
      for (let r = 0; r < runs; r++) results.push(catchUpBls(chain, epochs, backend));
      const med = [...results].sort((a, b) => a.total - b.total)[Math.floor(results.length / 2)];
      const all = results.flatMap((x) => x.times).sort((a, b) => a - b);
      rows.push({
        tier: "bls",
        backend,
        validators: `${n} (1 swapped/epoch)`,
        epochs,
        runs,
        total_s: +(med.total / 1000).toFixed(2),
        epochs_per_s: +(epochs / (med.total / 1000)).toFixed(1),
        ms_per_epoch_p50: +percentile(all, 50).toFixed(2),
        ms_per_epoch_p99: +percentile(all, 99).toFixed(2),
        first_update_ms: +median(results.map((x) => x.times[0])).toFixed(2),
        target: "reported",
        meets_target: "-",
      });
      console.error(`BLS, ${n} validators, ${backend}: ${rows.at(-1).epochs_per_s} epochs/s`);
    }
  } finally {
    sdk.useBlsBackend(original);
  }
  return rows;
}

// ---------------------------------------------------------------- ZK tier

/** The ZK chain's statements: per epoch e, the epoch's last block, its set (4 slots) and the next set's root. */
function zkChain(epochs) {
  const keys = new Map();
  const keyOf = (i) => {
    let k = keys.get(i);
    if (!k) keys.set(i, (k = createAttestationKeyPair(sha(`aegis-bench-lc/attestation/${i}`))));
    return k;
  };
  const power = (i) => 10n + BigInt((i * 5) % 11);
  const slotsOf = (members) => members.map((i) => ({ ...getAttestationPoint(keyOf(i).publicKey), power: power(i) }));
  let members = Array.from({ length: ZK_CAPACITY }, (_, i) => i);
  const genesisRoot = sdk.computeZkValidatorSetRoot(slotsOf(members), ZK_CAPACITY);
  /** Statement of epoch e (1-based), computed on demand along the chain. */
  const statements = [];
  let root = genesisRoot;
  for (let e = 1; e <= epochs; e++) {
    const next = [...members];
    next[(e - 1) % ZK_CAPACITY] = ZK_CAPACITY + e - 1;
    const nextRoot = sdk.computeZkValidatorSetRoot(slotsOf(next), ZK_CAPACITY);
    const h = heightOf(e);
    const cur = members;
    statements.push({ epoch: e, members: cur, slots: () => slotsOf(cur), keys: () => cur.map(keyOf), statement: { chainId: CHAIN_ID, height: h, time: timeOf(h), blockHash: sha(`aegis-bench-lc/block/${h}`), validatorSetRoot: root, nextValidatorSetRoot: nextRoot } });
    members = next;
    root = nextRoot;
  }
  return { genesisRoot, statements };
}

/** The circuit inputs of one epoch's certificate: every slot signs but one (in turn) when the rest still has a quorum. */
function zkInput(st) {
  const slots = st.slots();
  const keys = st.keys();
  const total = slots.reduce((s, x) => s + x.power, 0n);
  const absent = st.epoch % ZK_CAPACITY;
  const rest = slots.map((_, i) => i).filter((i) => i !== absent);
  const signing = sdk.hasQuorum(rest.reduce((s, i) => s + slots[i].power, 0n), total) ? rest : slots.map((_, i) => i);
  const message = sdk.computeFinalityMessage(st.statement);
  const signatures = new Map(signing.map((i) => [i, decodeFinalitySignature(signFinalityMessage(keys[i].secretKey, message))]));
  return { input: sdk.computeQuorumCircuitInput(slots, signatures, st.statement, ZK_CAPACITY, PROVER), signers: sdk.computeZkSignerBitmap(signatures.keys(), ZK_CAPACITY) };
}

const encodeCert = (c) => ({
  circuit: c.circuit,
  chainId: c.chainId,
  height: c.height,
  time: c.time,
  blockHash: sdk.toHex(c.blockHash),
  validatorSetRoot: c.validatorSetRoot.toString(),
  nextValidatorSetRoot: c.nextValidatorSetRoot.toString(),
  signers: c.signers.toString(),
  prover: sdk.toHex(c.prover),
  proof: sdk.toHex(c.proof),
});
const decodeCert = (j) => ({
  circuit: j.circuit,
  chainId: j.chainId,
  height: j.height,
  time: j.time,
  blockHash: sdk.fromHex(j.blockHash),
  validatorSetRoot: BigInt(j.validatorSetRoot),
  nextValidatorSetRoot: BigInt(j.nextValidatorSetRoot),
  signers: BigInt(j.signers),
  prover: sdk.fromHex(j.prover),
  proof: sdk.fromHex(j.proof),
});
const certFile = (dir, e) => join(dir, `${String(e).padStart(4, "0")}.json`);

async function zkTier(epochs, runs, { proveOnly, noProve, notes }) {
  const built = await setupCircuit(await getCircuit(ZK_CIRCUIT));
  const vkHash = createHash("sha256").update(JSON.stringify(built.vkey)).digest("hex").slice(0, 16);
  const dir = join(dirname(cacheDir()), "bench", `lightclient-${ZK_CIRCUIT}-${vkHash}`);
  await mkdir(dir, { recursive: true });
  const manifest = { version: 1, circuit: ZK_CIRCUIT, vkHash, chainId: CHAIN_ID, epochLength: EPOCH_LENGTH, blockMs: BLOCK_MS, genesisTime: T0, keys: "createAttestationKeyPair(sha256('aegis-bench-lc/attestation/<i>'))", prover: sdk.toHex(PROVER) };
  const manifestPath = join(dir, "manifest.json");
  if (existsSync(manifestPath)) {
    const have = JSON.parse(await readFile(manifestPath, "utf8"));
    if (JSON.stringify(have) !== JSON.stringify(manifest)) throw new Error(`${dir} holds proofs of another synthetic chain (manifest.json differs): delete the folder`);
  } else {
    await writeFile(manifestPath, JSON.stringify(manifest, null, 2) + "\n");
  }
  await sdk.initZkCertificateVerifier();
  const verifyOpts = { chainId: CHAIN_ID, verificationKeys: { [ZK_CIRCUIT]: built.vkey }, capacities: { [ZK_CIRCUIT]: ZK_CAPACITY } };
  const chain = zkChain(epochs);
  const missing = chain.statements.filter((s) => !existsSync(certFile(dir, s.epoch)));
  const info = { circuit: ZK_CIRCUIT, cacheDir: dir, cached: epochs - missing.length, madeNow: 0, proveSecondsMedian: null };
  if (missing.length > 0 && noProve) {
    notes.push(`ZK: ${missing.length} of ${epochs} proofs not cached (--no-prove): the ZK row covers the first ${epochs - missing.length} epochs only where contiguous`);
  }
  if (missing.length > 0 && !noProve) {
    console.error(`ZK: ${epochs - missing.length} of ${epochs} proofs cached in ${dir}; making ${missing.length} (resumable: a stopped run keeps what it made)`);
    const proveTimes = [];
    const started = Date.now();
    for (const [k, st] of missing.entries()) {
      const t0 = performance.now();
      const { input, signers } = zkInput(st);
      const { proof } = await snarkjs.groth16.fullProve(input, built.wasm, built.zkey);
      const ms = performance.now() - t0;
      const cert = { circuit: ZK_CIRCUIT, ...st.statement, signers, prover: PROVER, proof: sdk.encodeZkProof(proof) };
      // Checked before it is kept: a cached certificate is always a valid one of its own statement.
      sdk.assertValidZkCertificate(cert, st.statement.validatorSetRoot, verifyOpts);
      const file = certFile(dir, st.epoch);
      await writeFile(`${file}.tmp`, JSON.stringify({ epoch: st.epoch, proveMs: Math.round(ms), certificate: encodeCert(cert) }) + "\n");
      await rename(`${file}.tmp`, file);
      proveTimes.push(ms);
      info.madeNow++;
      const avg = (Date.now() - started) / (k + 1);
      const left = missing.length - k - 1;
      if (k === 0) console.error(`ZK: one proof (witness + prove) took ${(ms / 1000).toFixed(2)} s; projected total for ${missing.length}: ${fmtDuration(ms * missing.length)}`);
      process.stderr.write(`\rZK proofs: epoch ${st.epoch} done, ${k + 1}/${missing.length} made now, ${epochs - left} of ${epochs} cached, ${(avg / 1000).toFixed(2)} s/proof, ETA ${fmtDuration(avg * left)}   `);
    }
    process.stderr.write("\n");
    info.proveSecondsMedian = +(median(proveTimes) / 1000).toFixed(2);
  }
  if (proveOnly) return { info, row: null };

  // Read the contiguous cached prefix into memory (decoding is not timed).
  const certs = [];
  for (const st of chain.statements) {
    const file = certFile(dir, st.epoch);
    if (!existsSync(file)) break;
    const j = JSON.parse(await readFile(file, "utf8"));
    const c = decodeCert(j.certificate);
    if (c.height !== st.statement.height || c.validatorSetRoot !== st.statement.validatorSetRoot || c.nextValidatorSetRoot !== st.statement.nextValidatorSetRoot) {
      throw new Error(`${file} is not the certificate of epoch ${st.epoch} of this chain: delete it`);
    }
    certs.push(c);
  }
  const n = certs.length;
  if (n === 0) return { info, row: { tier: "zk", backend: "mcl-wasm", validators: "4 (quorum4)", epochs: 0, target: `≥ ${ZK_TARGET_EPOCHS_PER_S} epochs/s`, meets_target: "no proofs cached" } };
  if (n < epochs) notes.push(`ZK: only ${n} of ${epochs} epochs' proofs are cached (run again without --no-prove to make the rest)`);
  const proveMs = [];
  for (let e = 1; e <= n; e++) proveMs.push(JSON.parse(await readFile(certFile(dir, e), "utf8")).proveMs);
  info.proveSecondsMedianCached = +(median(proveMs) / 1000).toFixed(2);
  const { trustingPeriodMs, unbondingPeriodMs } = periodsFor(n);
  const now = timeOf(heightOf(n)) + BLOCK_MS;
  const clientOpts = { chainId: CHAIN_ID, trustingPeriodMs, unbondingPeriodMs, zk: { verificationKeys: { [ZK_CIRCUIT]: built.vkey }, capacities: { [ZK_CIRCUIT]: ZK_CAPACITY } } };
  const results = [];
  for (let r = 0; r < runs; r++) {
    // A fresh verification-key object per run: the SDK prepares a key (e(alpha, beta)) once per object, as a fresh client would.
    const opts = { ...clientOpts, zk: { ...clientOpts.zk, verificationKeys: { [ZK_CIRCUIT]: structuredClone(built.vkey) } } };
    const times = [];
    const t0 = performance.now();
    let s = sdk.createHubLightClient({ zk: { height: 0, time: T0, nextValidatorSetRoot: chain.genesisRoot } }, opts, now);
    for (const c of certs) {
      const a = performance.now();
      s = sdk.processZkUpdate(s, c, now);
      times.push(performance.now() - a);
    }
    const total = performance.now() - t0;
    if (s.zk.height !== heightOf(n)) throw new Error(`ZK catch-up ended at ${s.zk.height}`);
    results.push({ total, times });
    console.error(`ZK run ${r + 1}: ${n} epochs in ${(total / 1000).toFixed(2)} s`);
  }
  const med = [...results].sort((a, b) => a.total - b.total)[Math.floor(results.length / 2)];
  const all = results.flatMap((x) => x.times).sort((a, b) => a - b);
  const rate = n / (med.total / 1000);
  return {
    info,
    row: {
      tier: "zk",
      backend: "mcl-wasm (Groth16 bn254)",
      validators: `4 (${ZK_CIRCUIT}, 1 swapped/epoch)`,
      epochs: n < epochs ? `${n} (of ${epochs})` : n,
      runs,
      total_s: +(med.total / 1000).toFixed(2),
      epochs_per_s: +rate.toFixed(1),
      ms_per_epoch_p50: +percentile(all, 50).toFixed(2),
      ms_per_epoch_p99: +percentile(all, 99).toFixed(2),
      first_update_ms: +median(results.map((x) => x.times[0])).toFixed(2),
      target: `≥ ${ZK_TARGET_EPOCHS_PER_S} epochs/s`,
      meets_target: rate >= ZK_TARGET_EPOCHS_PER_S ? "yes" : "no",
    },
  };
}

function fmtDuration(ms) {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  const m = Math.round(s / 60);
  return m < 120 ? `${m} min` : `${Math.floor(m / 60)} h ${m % 60} min`;
}
