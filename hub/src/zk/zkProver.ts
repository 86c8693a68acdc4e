import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { spawn, type ChildProcess } from "node:child_process";
import {
  AegisError,
  assertValidZkCertificate,
  computeQuorumCircuitInput,
  encodeZkProof,
  initZkCertificateVerifier,
  type Groth16VerificationKey,
  type SnarkjsGroth16Proof,
  type ZkAttestationSignature,
  type ZkCertificate,
  type ZkValidatorSlot,
} from "@aegis/consumer-sdk";
import { decodeFinalitySignature } from "../attestation/index.js";
import type { FinalityAttestation } from "../codec/index.js";
import type { AttestedStatement } from "./attestationPool.js";

export interface ZkProverOptions {
  chainId: string;
  /** The circuit's name (circuits/circuits.json), its capacity and artifacts. */
  circuit: string;
  capacity: number;
  wasmPath: string;
  zkeyPath: string;
  /** The 20-byte account every certificate names as its prover (bound by the proof: its reward goes there). */
  proverAddress: Uint8Array;
  verificationKey: Groth16VerificationKey;
}

export type ZkProverErrorType =
  | { code: "ZK_PROVER_ERROR_BAD_SIGNATURE"; validatorIndex: number }
  | { code: "ZK_PROVER_ERROR_PROVING_FAILED"; reason: string }
  | { code: "ZK_PROVER_ERROR_KEY_MISMATCH"; zkeyPath: string }
  | { code: "ZK_PROVER_ERROR_STOPPED" };

export class ZkProverError extends AegisError<ZkProverErrorType> {}

type ProverReply = { proof?: SnarkjsGroth16Proof; publicSignals?: string[]; verificationKey?: Groth16VerificationKey };

// The prover process: snarkjs' witness calculation (WASM, ~0.3-0.5 s for small circuits, blocking)
// and proving (all cores, up to ~1.3 GB at N = 64) run there, never on the thread that runs
// consensus. A process, not a worker thread: snarkjs starts its own threads (web-worker), which it
// cannot do from inside a worker thread ("Worker is not a constructor"); and its memory is its own.
const PROVER_SOURCE = `
const loading = import(process.env.AEGIS_SNARKJS_URL);
console.error = () => {}; // circom's witness calculator prints a failed assertion; the error says the same
process.on("message", async ({ id, input, wasm, zkey, exportKey }) => {
  try {
    const snarkjs = await loading;
    if (exportKey) return process.send({ id, verificationKey: await snarkjs.zKey.exportVerificationKey(zkey) });
    const { proof, publicSignals } = await snarkjs.groth16.fullProve(input, wasm, zkey);
    process.send({ id, proof, publicSignals });
  } catch (e) {
    process.send({ id, error: String((e && e.message) || e) });
  }
});
process.on("disconnect", () => process.exit(0));
`;

/**
 * Proves quorums of attestations in a child process, one at a time, and checks every certificate
 * with the SDK's rule before handing it out (a prover never gossips a certificate it would refuse).
 * `start()` / `stop()`; `stop()` ends the process.
 */
export class ZkProver {
  #child: ChildProcess | null = null;
  #nextId = 0;
  readonly #pending = new Map<number, { resolve: (v: ProverReply) => void; reject: (e: Error) => void }>();
  #queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: ZkProverOptions) {}

  start(): void {
    if (this.#child) return;
    // snarkjs' package exports no path of its own: its ES entry sits next to build/main.cjs' folder.
    const snarkjs = pathToFileURL(join(dirname(dirname(createRequire(import.meta.url).resolve("snarkjs"))), "main.js")).href;
    const w = spawn(process.execPath, ["-e", PROVER_SOURCE], { stdio: ["ignore", "ignore", "inherit", "ipc"], env: { ...process.env, AEGIS_SNARKJS_URL: snarkjs } });
    // An idle prover does not keep this process alive; a proof in flight does (ref below).
    const unref = () => {
      w.unref();
      w.channel?.unref();
    };
    unref();
    w.on("message", (m: ProverReply & { id: number; error?: string }) => {
      const p = this.#pending.get(m.id);
      if (!p) return;
      this.#pending.delete(m.id);
      if (this.#pending.size === 0) unref();
      if (m.error !== undefined) p.reject(new ZkProverError({ code: "ZK_PROVER_ERROR_PROVING_FAILED", reason: m.error }, `proving failed: ${m.error}`));
      else p.resolve(m);
    });
    w.on("error", (e) => this.#failAll(new ZkProverError({ code: "ZK_PROVER_ERROR_PROVING_FAILED", reason: e.message })));
    w.on("exit", () => {
      if (this.#child === w) this.#child = null;
      this.#failAll(new ZkProverError({ code: "ZK_PROVER_ERROR_STOPPED" }));
    });
    this.#child = w;
  }

  async stop(): Promise<void> {
    const w = this.#child;
    this.#child = null;
    if (w && w.exitCode === null && w.signalCode === null) {
      const exited = new Promise<void>((r) => w.once("exit", () => r()));
      w.kill("SIGKILL");
      await exited;
    }
    this.#failAll(new ZkProverError({ code: "ZK_PROVER_ERROR_STOPPED" }));
  }

  #failAll(e: Error): void {
    for (const p of this.#pending.values()) p.reject(e);
    this.#pending.clear();
  }

  /**
   * The certificate for `statement` from attestations by slot index of the set `slots` (the set that
   * signed the height, in consensus order). Throws ZkProverError for a signature that does not
   * decode, or when the witness cannot be made (the attestations do not carry a quorum, a signature
   * is not the slot key's): the circuit is the judge.
   */
  prove(statement: AttestedStatement, attestations: ReadonlyMap<number, FinalityAttestation>, slots: readonly ZkValidatorSlot[]): Promise<ZkCertificate> {
    const run = this.#queue.then(() => this.#prove(statement, attestations, slots));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Throws ZK_PROVER_ERROR_KEY_MISMATCH unless the proving key's verification key is
   * `opts.verificationKey` (the chain's, from its genesis or MsgActivateZk): a prover with another setup's key would
   * only make proofs that every node refuses. Reads the zkey once (about a second for small circuits).
   */
  async assertKeyMatches(): Promise<void> {
    const { verificationKey } = (await this.#request({ exportKey: true, zkey: this.opts.zkeyPath })) as { verificationKey: Groth16VerificationKey };
    const pick = (k: Groth16VerificationKey) => JSON.stringify([k.protocol, k.curve, k.nPublic, k.vk_alpha_1, k.vk_beta_2, k.vk_gamma_2, k.vk_delta_2, k.IC]);
    if (pick(verificationKey) !== pick(this.opts.verificationKey)) {
      throw new ZkProverError(
        { code: "ZK_PROVER_ERROR_KEY_MISMATCH", zkeyPath: this.opts.zkeyPath },
        `${this.opts.zkeyPath} is not the proving key of the chain's verification key (its genesis zk.verificationKey, or the one MsgActivateZk set)`,
      );
    }
  }

  #request(msg: Record<string, unknown>): Promise<ProverReply> {
    if (!this.#child) this.start();
    const id = this.#nextId++;
    return new Promise<ProverReply>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      const w = this.#child!;
      w.ref();
      w.channel?.ref();
      w.send({ id, ...msg });
    });
  }

  async #prove(statement: AttestedStatement, attestations: ReadonlyMap<number, FinalityAttestation>, slots: readonly ZkValidatorSlot[]): Promise<ZkCertificate> {
    const { chainId, circuit, capacity } = this.opts;
    const signatures = new Map<number, ZkAttestationSignature>();
    for (const [i, a] of attestations) {
      const sig = decodeFinalitySignature(a.signature);
      if (!sig) throw new ZkProverError({ code: "ZK_PROVER_ERROR_BAD_SIGNATURE", validatorIndex: i });
      signatures.set(i, sig);
    }
    const input = computeQuorumCircuitInput(slots, signatures, { chainId, ...statement }, capacity, this.opts.proverAddress);
    const out = (await this.#request({ input, wasm: this.opts.wasmPath, zkey: this.opts.zkeyPath })) as { proof: SnarkjsGroth16Proof; publicSignals: string[] };
    await initZkCertificateVerifier();
    const cert: ZkCertificate = {
      circuit,
      chainId,
      height: statement.height,
      time: statement.time,
      blockHash: statement.blockHash,
      validatorSetRoot: BigInt(input.validatorSetRoot as string),
      nextValidatorSetRoot: statement.nextValidatorSetRoot,
      signers: BigInt(input.signers as string),
      prover: Uint8Array.from(this.opts.proverAddress),
      proof: encodeZkProof(out.proof),
    };
    assertValidZkCertificate(cert, cert.validatorSetRoot, { chainId, verificationKeys: { [circuit]: this.opts.verificationKey }, capacities: { [circuit]: capacity } });
    return cert;
  }
}
