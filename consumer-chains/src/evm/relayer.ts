/**
 * EvmFinalityRelayer: brings hub finality onto the EVM consumer chain. It deploys the Groth16
 * verifier (rendered from the hub's verification key, GET /zk) and AegisFinality (trusting the root
 * given in its options) once, then submits the hub's ZK certificates to it as signed transactions.
 *
 * Which certificates: while the newest certificate is signed by the set AegisFinality trusts, that
 * one (heights may be skipped within an epoch). After a set change, the last certificate of each
 * epoch in order (the one whose next root differs: it moves the contract's trust to the next set),
 * found by walking GET /certificates/:height from the contract's height with `zkFinalizedBy` (the
 * next certified height) — at most `maxWalk` reads a step, resumed at the next step.
 *
 * Talks to the consumer node over exactly:
 *   POST /txs {"tx": "<base64>"}     → 202 {"hash"}; 422 {code, message} when refused
 *   GET  /query/accounts/<0xaddr>    → the environment's account JSON; 404 when absent (nonce 0)
 *   GET  /query/code/<0xaddr>        → the environment's code JSON; 404 when absent
 *   GET  /query/call/<0xto>/<0xdata> → eth_call: {returnData, reverted, gasUsed}
 * (the last two are GET /query/<path> of EvmEnvironment.query like the first), and to the hub over
 * GET /zk and GET /certificates/:height (consumer-sdk's route table and decoders).
 *
 * The state it acts on is read back from the chain each step (the contract's latestHeight and
 * validatorSetRoot, the relayer account's nonce), so a restarted relayer (given `finalityAddress`)
 * resumes where the chain is. One submission at a time: it waits until the transaction is executed
 * (the nonce moved) before the next. Any failure — the hub or the node unreachable, an answer that
 * does not decode, a refused transaction — is logged and retried with exponential backoff; the loop
 * never throws. `fetch`, the clock and `sleep` are injected for tests.
 */
import { computeHubApiPath, decodeCertificateResponseJson, decodeZkActivation, decodeZkActivationProofJson, decodeZkInfoJson, AegisError, concatBytes, type HubCertificateResponse, type ZkCertificate, type Groth16VerificationKey } from "@aegis/consumer-sdk";
import { createAddressFromPrivateKey, createContractAddress } from "@ethereumjs/util";
import { compileFinalityContracts, type FinalityContracts } from "./contracts.js";
import { decodeUint256, encodeFinalityConstructorArgs, encodeSubmitCall, computeSelector } from "./finalityAbi.js";
import { EVM_BASE_FEE_PER_GAS } from "./evmConfig.js";
import { signEvmTx } from "./evmTransaction.js";

/** The part of `fetch` the relayer uses. */
export type FetchLike = (
  url: string,
  init?: { method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal },
) => Promise<{ status: number; text(): Promise<string> }>;

export interface EvmRelayerLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export type EvmRelayerErrorType =
  /** The hub did not answer, or answered with an error status. */
  | { code: "EVM_RELAYER_ERROR_HUB_UNAVAILABLE"; url: string; status?: number; reason: string }
  /** The hub's answer is not what the route returns (bad JSON, a decoder's HubApiError, a missing certificate, a broken chain of sets). */
  | { code: "EVM_RELAYER_ERROR_HUB_BAD_ANSWER"; url: string; reason: string }
  /** The consumer node did not answer, answered with an unexpected status or JSON. */
  | { code: "EVM_RELAYER_ERROR_CONSUMER_UNAVAILABLE"; url: string; status?: number; reason: string }
  /** The consumer node refused a transaction (422). */
  | { code: "EVM_RELAYER_ERROR_TX_REJECTED"; rejection: string; reason: string }
  /** The deployment's transactions were executed but left no AegisFinality (or no verifier). */
  | { code: "EVM_RELAYER_ERROR_DEPLOYMENT_FAILED"; reason: string }
  /** `finalityAddress` has no code. */
  | { code: "EVM_RELAYER_ERROR_NOT_DEPLOYED"; address: string };

export class EvmRelayerError extends AegisError<EvmRelayerErrorType> {}

export interface EvmFinalityRelayerOptions {
  /** The hub's API base URL. */
  hubUrl: string;
  /** The hub's chain id: certificates are read as this hub's, and AegisFinality keeps computeZkChainId of it. */
  hubChainId: string;
  /** The consumer node's API base URL. */
  consumerUrl: string;
  /** The EVM chain's id (its genesis `chainId`): what the relayer's transactions are signed for. */
  chainId: bigint | number;
  /** The relayer account's secp256k1 key; the account pays the gas. */
  relayerKey: Uint8Array;
  /**
   * The trust root AegisFinality is deployed with (e.g. from the hub's genesis): the ZK root of the
   * set that signs height + 1, that height, and the hub time (Unix ms) it was signed at. Absent (a hub
   * whose key is set after genesis, decision 58): the trusted point of the hub's activation record
   * (GET /zk/activation), read with the key when the relayer deploys; until the hub is activated the
   * relayer waits.
   */
  trust?: { validatorSetRoot: bigint; height: number; time: number };
  /** AegisFinality's trusting period (shorter than the hub's unbonding period). */
  trustingPeriodMs: number;
  /** An AegisFinality already deployed (e.g. by an earlier run): used instead of deploying. */
  finalityAddress?: string;
  /** Where compiled contracts are cached (compileFinalityContracts). */
  cacheDir?: string;
  /** Default compileFinalityContracts(vkey, cacheDir). */
  compile?: (vkey: Groth16VerificationKey) => Promise<FinalityContracts>;
  /** Default globalThis.fetch. */
  fetch?: FetchLike;
  /** Unix ms; default Date.now. */
  now?: () => number;
  /** Default a timer that stop() interrupts. */
  sleep?: (ms: number) => Promise<void>;
  /** Between steps; default 2,000 ms. */
  pollIntervalMs?: number;
  /** Backoff after a failed step: from `initialMs` (500), doubling, up to `maxMs` (30,000). */
  retry?: { initialMs?: number; maxMs?: number };
  /** A transaction not executed after this long is given up and sent again; default 60,000 ms. */
  pendingTimeoutMs?: number;
  /** After a submission that reverted, the same height is tried again after this long; default 30,000 ms. */
  revertRetryMs?: number;
  /** Per HTTP request; default 10,000 ms. */
  requestTimeoutMs?: number;
  /** Certificate pages read per step when walking across set changes; default 256. */
  maxWalk?: number;
  /** Gas limits and fees of the relayer's transactions (defaults: 6M a deployment, 1M a submission, the chain's base fee, no tip). */
  gas?: { deploy?: bigint; submit?: bigint; maxFeePerGas?: bigint; maxPriorityFeePerGas?: bigint };
  /** Default console. */
  logger?: EvmRelayerLogger;
}

/** What one step did. */
export type EvmRelayerStep =
  | { kind: "deploying"; verifier: string; finality: string }
  | { kind: "deployed"; verifier?: string; finality: string }
  | { kind: "submitted"; height: number; hash: string }
  | { kind: "waiting"; reason: string }
  | { kind: "walking"; from: number }
  | { kind: "idle"; latestHeight: number };

const defaultLogger: EvmRelayerLogger = {
  info: (m) => console.log(`[evm-relayer] ${m}`),
  warn: (m) => console.warn(`[evm-relayer] ${m}`),
  error: (m) => console.error(`[evm-relayer] ${m}`),
};

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e)).split("\n")[0]!.slice(0, 300);
const hex0x = (b: Uint8Array) => `0x${Buffer.from(b).toString("hex")}`;
const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);

export class EvmFinalityRelayer {
  readonly address: string;
  readonly #o: EvmFinalityRelayerOptions;
  readonly #fetch: FetchLike;
  readonly #now: () => number;
  readonly #log: EvmRelayerLogger;
  readonly #hubUrl: string;
  readonly #consumerUrl: string;

  #finality: string | undefined;
  #verifier: string | undefined;
  #deploying: { verifier: string; finality: string; nonce: bigint; at: number } | undefined;
  #pending: { height: number; nonce: bigint; at: number } | undefined;
  #reverted: { height: number; at: number } | undefined;
  #walk: { root: bigint; from: number } | undefined;

  #running = false;
  #done: Promise<void> | undefined;
  #timer: { handle: ReturnType<typeof setTimeout>; resolve: () => void } | undefined;

  constructor(options: EvmFinalityRelayerOptions) {
    this.#o = options;
    this.#fetch = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
    this.#now = options.now ?? Date.now;
    this.#log = options.logger ?? defaultLogger;
    this.#hubUrl = options.hubUrl.replace(/\/+$/, "");
    this.#consumerUrl = options.consumerUrl.replace(/\/+$/, "");
    this.address = createAddressFromPrivateKey(options.relayerKey).toString();
    if (options.finalityAddress !== undefined) {
      if (!/^0x[0-9a-fA-F]{40}$/.test(options.finalityAddress)) throw new TypeError("finalityAddress: 0x + 40 hex digits");
    }
  }

  /** The AegisFinality the relayer submits to, once deployed (or confirmed). */
  get finalityAddress(): string | undefined {
    return this.#finality;
  }

  get verifierAddress(): string | undefined {
    return this.#verifier;
  }

  /** Runs steps until stop(): never throws (failures are logged and retried with backoff). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#done = this.#loop();
  }

  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer) {
      clearTimeout(this.#timer.handle);
      this.#timer.resolve();
    }
    await this.#done;
  }

  async #loop(): Promise<void> {
    const initial = this.#o.retry?.initialMs ?? 500;
    const max = this.#o.retry?.maxMs ?? 30_000;
    let backoff = initial;
    while (this.#running) {
      let wait: number;
      try {
        const s = await this.step();
        backoff = initial;
        // Keep going at once while there is work that needs no waiting.
        wait = s.kind === "deployed" || s.kind === "walking" ? 0 : (this.#o.pollIntervalMs ?? 2_000);
      } catch (e) {
        this.#log.warn(`step failed (retry in ${backoff} ms): ${e instanceof AegisError ? `${e.code}: ` : ""}${messageOf(e)}`);
        wait = backoff;
        backoff = Math.min(backoff * 2, max);
      }
      if (!this.#running) break;
      try {
        await this.#sleep(wait);
      } catch (e) {
        this.#log.error(`sleep failed: ${messageOf(e)}`);
      }
    }
  }

  #sleep(ms: number): Promise<void> {
    if (this.#o.sleep) return this.#o.sleep(ms);
    return new Promise((resolve) => {
      this.#timer = {
        handle: setTimeout(() => {
          this.#timer = undefined;
          resolve();
        }, ms),
        resolve,
      };
    });
  }

  /** One step of the loop (public for tests and for callers that drive it themselves). Throws on any failure. */
  async step(): Promise<EvmRelayerStep> {
    if (!this.#finality) return this.#stepDeploy();
    const now = this.#now();
    // The nonce before the contract's state: a submission executed between two reads then shows in the
    // state too, and is never taken for a revert.
    const nonceBefore = this.#pending ? await this.#nonce() : 0n;
    const state = await this.#readFinality(this.#finality);
    if (this.#pending) {
      const p = this.#pending;
      if (state.latestHeight >= p.height) {
        this.#log.info(`hub height ${p.height} is final on the EVM chain`);
        this.#pending = undefined;
      } else if (nonceBefore > p.nonce) {
        this.#log.warn(`the submission of hub height ${p.height} was executed but reverted`);
        this.#reverted = { height: p.height, at: now };
        this.#pending = undefined;
      } else if (now - p.at < (this.#o.pendingTimeoutMs ?? 60_000)) {
        return { kind: "waiting", reason: `submission of hub height ${p.height} not executed yet` };
      } else {
        this.#log.warn(`the submission of hub height ${p.height} was not executed in time: sending again`);
        this.#pending = undefined;
      }
    }
    const next = await this.#nextCertificate(state);
    if (next === undefined) return { kind: "idle", latestHeight: state.latestHeight };
    if (typeof next === "number") return { kind: "walking", from: next };
    const r = this.#reverted;
    if (r && r.height === next.height && now - r.at < (this.#o.revertRetryMs ?? 30_000)) {
      return { kind: "waiting", reason: `hub height ${next.height} reverted recently` };
    }
    const nonce = await this.#nonce();
    const raw = this.#sign(nonce, this.#finality, encodeSubmitCall(next), this.#o.gas?.submit ?? 1_000_000n);
    const hash = await this.#send(raw);
    this.#pending = { height: next.height, nonce, at: now };
    this.#log.info(`submitted the certificate of hub height ${next.height} (tx ${hash})`);
    return { kind: "submitted", height: next.height, hash };
  }

  // -------------------------------------------------------------------------------------------
  // Deployment
  // -------------------------------------------------------------------------------------------

  async #stepDeploy(): Promise<EvmRelayerStep> {
    const given = this.#o.finalityAddress;
    if (given !== undefined) {
      if ((await this.#code(given)) === "0x") throw new EvmRelayerError({ code: "EVM_RELAYER_ERROR_NOT_DEPLOYED", address: given }, `no contract at ${given}`);
      this.#finality = given.toLowerCase();
      return { kind: "deployed", finality: this.#finality };
    }
    const now = this.#now();
    if (this.#deploying) {
      const d = this.#deploying;
      if ((await this.#code(d.finality)) !== "0x") {
        this.#deploying = undefined;
        if ((await this.#code(d.verifier)) === "0x") throw new EvmRelayerError({ code: "EVM_RELAYER_ERROR_DEPLOYMENT_FAILED", reason: `AegisFinality at ${d.finality} but no verifier at ${d.verifier}` });
        this.#finality = d.finality;
        this.#verifier = d.verifier;
        this.#log.info(`deployed: verifier ${d.verifier}, AegisFinality ${d.finality}`);
        return { kind: "deployed", verifier: d.verifier, finality: d.finality };
      }
      if ((await this.#nonce()) >= d.nonce + 2n) {
        this.#deploying = undefined;
        throw new EvmRelayerError({ code: "EVM_RELAYER_ERROR_DEPLOYMENT_FAILED", reason: `the deployment transactions (nonces ${d.nonce}, ${d.nonce + 1n}) were executed without creating AegisFinality` });
      }
      if (now - d.at < (this.#o.pendingTimeoutMs ?? 60_000)) return { kind: "waiting", reason: "deployment not executed yet" };
      this.#log.warn("the deployment was not executed in time: deploying again");
      this.#deploying = undefined;
    }
    const zkPath = computeHubApiPath("zk", {});
    const zk = this.#hubDecode(zkPath, await this.#hubGet(zkPath), (j) => decodeZkInfoJson(j));
    if (!zk.verificationKey) return { kind: "waiting", reason: "the hub's succinct certificates have not started (its key is set by MsgActivateZk)" };
    const t = this.#o.trust ?? (await this.#activationTrust());
    if (!t) return { kind: "waiting", reason: "the hub has no activation record yet" };
    const contracts = await (this.#o.compile ?? ((vkey) => compileFinalityContracts(vkey, this.#o.cacheDir)))(zk.verificationKey);
    const nonce = await this.#nonce();
    const me = createAddressFromPrivateKey(this.#o.relayerKey);
    const verifier = createContractAddress(me, nonce).toString();
    const finality = createContractAddress(me, nonce + 1n).toString();
    const gas = this.#o.gas?.deploy ?? 6_000_000n;
    const args = encodeFinalityConstructorArgs({
      verifier,
      hubChainId: this.#o.hubChainId,
      validatorSetRoot: t.validatorSetRoot,
      trustedHeight: t.height,
      trustedTime: t.time,
      trustingPeriodMs: this.#o.trustingPeriodMs,
    });
    await this.#send(this.#sign(nonce, undefined, contracts.verifier, gas));
    this.#deploying = { verifier, finality, nonce, at: now };
    await this.#send(this.#sign(nonce + 1n, undefined, concatBytes(contracts.finality, args), gas));
    this.#log.info(`deploying the verifier (${zk.circuit}) at ${verifier} and AegisFinality at ${finality}`);
    return { kind: "deploying", verifier, finality };
  }

  /** The trusted point of the hub's activation record (its latest state), as AegisFinality's trust root; undefined when there is none. */
  async #activationTrust(): Promise<{ validatorSetRoot: bigint; height: number; time: number } | undefined> {
    const path = computeHubApiPath("zkActivation", {});
    const p = this.#hubDecode(path, await this.#hubGet(path), (j) => decodeZkActivationProofJson(j));
    if (!p.activation) return undefined;
    const a = this.#hubDecode(path, null, () => decodeZkActivation(p.activation!));
    return { validatorSetRoot: a.trust.nextValidatorSetRoot, height: a.trust.height, time: a.trust.time };
  }

  // -------------------------------------------------------------------------------------------
  // Which certificate
  // -------------------------------------------------------------------------------------------

  /** The certificate to submit next; a height when a walk is under way; undefined when there is none. */
  async #nextCertificate(state: { latestHeight: number; validatorSetRoot: bigint }): Promise<ZkCertificate | number | undefined> {
    const zkPath = computeHubApiPath("zk", {});
    const info = this.#hubDecode(zkPath, await this.#hubGet(zkPath), (j) => decodeZkInfoJson(j));
    const latest = info.latestCertifiedHeight;
    if (latest === null || latest <= state.latestHeight) return undefined;
    const top = await this.#certificate(latest);
    if (!top.zk) throw this.#badHub(computeHubApiPath("certificates", { height: latest }), "latestCertifiedHeight has no succinct certificate");
    if (top.zk.validatorSetRoot === state.validatorSetRoot) return top.zk;
    // The set changed since the contract's height: the epochs' last certificates, in order.
    let h = this.#walk && this.#walk.root === state.validatorSetRoot && this.#walk.from > state.latestHeight ? this.#walk.from : state.latestHeight + 1;
    const maxWalk = this.#o.maxWalk ?? 256;
    let reads = 0;
    while (reads < maxWalk && h <= latest) {
      const r = await this.#certificate(h);
      reads++;
      const f = r.zkFinalizedBy;
      if (f === null) throw this.#badHub(computeHubApiPath("certificates", { height: h }), `no succinct certificate at or above ${h}, yet ${latest} is certified`);
      let c = r.zk;
      if (f !== h) {
        c = (await this.#certificate(f)).zk;
        reads++;
      }
      if (!c) throw this.#badHub(computeHubApiPath("certificates", { height: f }), "zkFinalizedBy names a height without a succinct certificate");
      if (c.validatorSetRoot !== state.validatorSetRoot) {
        throw this.#badHub(computeHubApiPath("certificates", { height: f }), `signed by another set than the one AegisFinality trusts: the epoch's last certificate before ${f} is missing`);
      }
      if (c.nextValidatorSetRoot !== c.validatorSetRoot) {
        this.#walk = undefined;
        return c;
      }
      h = f + 1;
    }
    if (h > latest) {
      this.#walk = undefined;
      throw this.#badHub(computeHubApiPath("certificates", { height: latest }), `signed by another set, yet no certificate up to it changes the trusted set`);
    }
    this.#walk = { root: state.validatorSetRoot, from: h };
    return h;
  }

  async #certificate(height: number): Promise<HubCertificateResponse> {
    const path = computeHubApiPath("certificates", { height });
    const r = this.#hubDecode(path, await this.#hubGet(path), (j) => decodeCertificateResponseJson(j, { chainId: this.#o.hubChainId }));
    if (r.height !== height) throw this.#badHub(path, `answered height ${r.height}`);
    return r;
  }

  // -------------------------------------------------------------------------------------------
  // HTTP
  // -------------------------------------------------------------------------------------------

  async #request(url: string, init: { method?: string; body?: string } = {}): Promise<{ status: number; body: string }> {
    const timeout = this.#o.requestTimeoutMs ?? 10_000;
    const res = await this.#fetch(url, {
      ...init,
      headers: init.body === undefined ? { accept: "application/json" } : { accept: "application/json", "content-type": "application/json" },
      signal: AbortSignal.timeout(timeout),
    });
    return { status: res.status, body: await res.text() };
  }

  #badHub(path: string, reason: string): EvmRelayerError {
    const url = this.#hubUrl + path;
    return new EvmRelayerError({ code: "EVM_RELAYER_ERROR_HUB_BAD_ANSWER", url, reason }, `${url}: ${reason}`);
  }

  /** GET on the hub: the parsed JSON of a 200. */
  async #hubGet(path: string): Promise<unknown> {
    const url = this.#hubUrl + path;
    let r: { status: number; body: string };
    try {
      r = await this.#request(url);
    } catch (e) {
      throw new EvmRelayerError({ code: "EVM_RELAYER_ERROR_HUB_UNAVAILABLE", url, reason: messageOf(e) }, `${url}: ${messageOf(e)}`);
    }
    if (r.status !== 200) throw new EvmRelayerError({ code: "EVM_RELAYER_ERROR_HUB_UNAVAILABLE", url, status: r.status, reason: r.body.slice(0, 200) }, `${url}: HTTP ${r.status}`);
    try {
      return JSON.parse(r.body) as unknown;
    } catch {
      throw this.#badHub(path, "not JSON");
    }
  }

  #hubDecode<T>(path: string, json: unknown, decode: (json: unknown) => T): T {
    try {
      return decode(json);
    } catch (e) {
      throw this.#badHub(path, `${e instanceof AegisError ? `${e.code}: ` : ""}${messageOf(e)}`);
    }
  }

  #consumerError(url: string, reason: string, status?: number): EvmRelayerError {
    return new EvmRelayerError({ code: "EVM_RELAYER_ERROR_CONSUMER_UNAVAILABLE", url, status, reason }, `${url}: ${status === undefined ? "" : `HTTP ${status}: `}${reason}`);
  }

  /** GET /query/<path> on the consumer node: the JSON, or undefined on 404. */
  async #query(path: string): Promise<unknown | undefined> {
    const url = `${this.#consumerUrl}/query/${path}`;
    let r: { status: number; body: string };
    try {
      r = await this.#request(url);
    } catch (e) {
      throw this.#consumerError(url, messageOf(e));
    }
    if (r.status === 404) return undefined;
    if (r.status !== 200) throw this.#consumerError(url, r.body.slice(0, 200), r.status);
    try {
      return JSON.parse(r.body) as unknown;
    } catch {
      throw this.#consumerError(url, "not JSON", r.status);
    }
  }

  /** The relayer account's nonce at the node's head (0 when the account does not exist). */
  async #nonce(): Promise<bigint> {
    const j = await this.#query(`accounts/${this.address}`);
    if (j === undefined) return 0n;
    const n = isRecord(j) ? j.nonce : undefined;
    if (typeof n === "string" && /^(0x[0-9a-fA-F]+|[0-9]+)$/.test(n)) return BigInt(n);
    if (typeof n === "number" && Number.isSafeInteger(n) && n >= 0) return BigInt(n);
    throw this.#consumerError(`${this.#consumerUrl}/query/accounts/${this.address}`, "no nonce in the account JSON");
  }

  /** An account's code ("0x" when none, or no account). */
  async #code(address: string): Promise<string> {
    const j = await this.#query(`code/${address.toLowerCase()}`);
    if (j === undefined) return "0x";
    if (!isRecord(j) || typeof j.code !== "string") throw this.#consumerError(`${this.#consumerUrl}/query/code/${address}`, "no code in the answer");
    return j.code;
  }

  /** The contract's height and trusted root, by eth_call. */
  async #readFinality(finality: string): Promise<{ latestHeight: number; validatorSetRoot: bigint }> {
    const call = async (signature: string): Promise<bigint> => {
      const path = `call/${finality}/${hex0x(computeSelector(signature))}`;
      const j = await this.#query(path);
      if (!isRecord(j) || j.reverted !== false || typeof j.returnData !== "string") throw this.#consumerError(`${this.#consumerUrl}/query/${path}`, `${signature} did not answer`);
      return decodeUint256(j.returnData);
    };
    const latestHeight = await call("latestHeight()");
    const validatorSetRoot = await call("validatorSetRoot()");
    return { latestHeight: Number(latestHeight), validatorSetRoot };
  }

  #sign(nonce: bigint, to: string | undefined, data: Uint8Array, gasLimit: bigint): Uint8Array {
    return signEvmTx(this.#o.relayerKey, {
      chainId: this.#o.chainId,
      nonce,
      to,
      data,
      gasLimit,
      maxFeePerGas: this.#o.gas?.maxFeePerGas ?? EVM_BASE_FEE_PER_GAS,
      maxPriorityFeePerGas: this.#o.gas?.maxPriorityFeePerGas ?? 0n,
    });
  }

  /** POST /txs: the node's transaction hash. */
  async #send(raw: Uint8Array): Promise<string> {
    const url = `${this.#consumerUrl}/txs`;
    let r: { status: number; body: string };
    try {
      r = await this.#request(url, { method: "POST", body: JSON.stringify({ tx: Buffer.from(raw).toString("base64") }) });
    } catch (e) {
      throw this.#consumerError(url, messageOf(e));
    }
    let j: unknown;
    try {
      j = JSON.parse(r.body);
    } catch {
      j = undefined;
    }
    if (r.status === 422) {
      const code = isRecord(j) && typeof j.code === "string" ? j.code : "unknown";
      const message = isRecord(j) && typeof j.message === "string" ? j.message : r.body.slice(0, 200);
      throw new EvmRelayerError({ code: "EVM_RELAYER_ERROR_TX_REJECTED", rejection: code, reason: message }, `the node refused the transaction: ${code}: ${message}`);
    }
    if (r.status !== 202 && r.status !== 200) throw this.#consumerError(url, r.body.slice(0, 200), r.status);
    if (!isRecord(j) || typeof j.hash !== "string") throw this.#consumerError(url, "no hash in the answer", r.status);
    return j.hash;
  }
}
