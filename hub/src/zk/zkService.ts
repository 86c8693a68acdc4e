import {
  assertValidZkCertificate,
  bytesEqual,
  computeFinalityMessage,
  computeZkValidatorSetRoot,
  decodeZkAttestationSignature,
  initZkCertificateVerifier,
  toHex,
  verifyZkAttestationSignature,
  ZkCertificateError,
  type Groth16VerificationKey,
  type ZkCertificate,
  type ZkValidatorSlot,
} from "@aegis/consumer-sdk";
import { signFinalityMessage, type AttestationKeyPair } from "../attestation/index.js";
import type { Application } from "../app/index.js";
import {
  CodecError,
  decodeFinalityAttestation,
  decodeZkCertificate,
  decodeZkCertificatesRequest,
  decodeZkCertificatesResponse,
  encodeFinalityAttestation,
  encodeZkCertificate,
  encodeZkCertificatesRequest,
  encodeZkCertificatesResponse,
  type FinalityAttestation,
} from "../codec/index.js";
import { isConflictingAttestationPair } from "../consensus/evidence.js";
import type { DoubleAttestationEvidence } from "../consensus/types.js";
import type { HubDb } from "../db/index.js";
import type { Genesis } from "../genesis.js";
import type { Logger } from "../logger.js";
import type { ValidationResult } from "../network/index.js";
import { AttestationPool, type AttestingSet } from "./attestationPool.js";
import { DoubleAttestationDetector } from "./doubleAttestationDetector.js";
import { getEpochEndHeight, isAttestedHeight } from "./attestationSchedule.js";
import { ZkProver, ZkProverError } from "./zkProver.js";
import { computeZkValidatorSlots } from "./zkValidatorSet.js";

export type ZkGenesisConfig = NonNullable<Genesis["zk"]>;

export interface ZkServiceOpts {
  chainId: string;
  genesisTime: number;
  zk: ZkGenesisConfig;
  /** This validator's attestation key; null: the node does not attest. */
  attestationKey: AttestationKeyPair | null;
  /**
   * Proving artifacts of `zk.circuit` and the 20-byte account its certificates name as their prover
   * (the reward goes there, whoever submits them; all zeros: no account, no reward); null: the node
   * does not prove.
   */
  prover: { wasmPath: string; zkeyPath: string; address: Uint8Array } | null;
}

export interface ZkServiceModules {
  db: HubDb;
  app: Application;
  /** The last committed height. */
  committedHeight: () => number;
  publish: (kind: "attestation" | "certificate", data: Uint8Array) => void;
  logger: Logger;
  /** Asks a peer (request/response protocol `name`): certificate catch-up. Absent: no catch-up. */
  request?: (peer: string, name: string, data: Uint8Array) => Promise<Uint8Array>;
  /** Connected peers (for catch-up). */
  peers?: () => string[];
  /** Called with each certificate this node proved and stored first (to claim its reward). */
  onProved?: (cert: ZkCertificate) => void;
  /** Counts certificates and attestations by outcome (node metrics). */
  count?: (kind: "attestation" | "certificate", result: string) => void;
  /**
   * Called with each double attestation this node finds (two validly signed attestations of one
   * validator and height, different statements): the node stores it, gossips it and offers it to its
   * proposals, so the validator is slashed without anyone submitting it.
   */
  onEvidence?: (e: DoubleAttestationEvidence) => void;
}

/** One epoch's ZK view, cached by its first height. */
interface ZkEpoch {
  startHeight: number;
  slots: ZkValidatorSlot[];
  root: bigint;
  set: AttestingSet;
  /** Slot index by packed attestation key (hex). */
  indexOf: Map<string, number>;
}

/** Gossip of a height this far above the committed one waits for its block; further up it is ignored. */
const MAX_HEIGHTS_AHEAD = 2;
/** How long such a message waits for its height to commit (ms). */
const AHEAD_WAIT_MS = 5000;
/** Attestations are accepted for this many heights under the committed one. */
const KEEP_HEIGHTS = 64;
/** Request/response protocol of certificate catch-up. */
export const ZK_CERTIFICATES_PROTOCOL = "zk-certificates";
/** Certificates per catch-up request (the responder caps it too). */
const CATCH_UP_BATCH = 64;
const CATCH_UP_INTERVAL_MS = 5000;
/** Meta key of the height catch-up has asked peers through. */
const CATCH_UP_META_KEY = "zkSyncedThrough";
/** Commits remembered (height -> block time and hash) for the checks of attestations. */
const RECENT_COMMITS = 256;

/**
 * The succinct tier of a node: a validator attests the scheduled committed heights (attestationSchedule.ts)
 * and gossips its attestation; every node checks the attestations and certificates it relays
 * (cheap checks first: schedule, block hash, roots, duplicates, then the signature or the proof);
 * a prover (`--prover`) collects attestations to a quorum, proves the newest height it can in its
 * own process, and stores and gossips the certificate. A node stores the first valid certificate of
 * each height, verified with the SDK's rule against the root of the set it computes from its own
 * committed state.
 */
export class ZkService {
  readonly #pool = new AttestationPool({ keepHeights: KEEP_HEIGHTS });
  /** Made once the chain's key is known (at start, or when MsgActivateZk commits); null until then or on a node that does not prove. */
  #prover: ZkProver | null = null;
  #proverStarting: Promise<void> | null = null;
  readonly #epochs = new Map<number, ZkEpoch>();
  readonly #commits = new Map<number, { time: number; hash: Uint8Array }>();
  /** Attestations verified, by height and slot index (the signature, hex). */
  readonly #verified = new Map<number, Map<number, string>>();
  /** Every validly signed attestation seen (committed statement or not): finds double attestations. */
  readonly #doubleAttestations = new DoubleAttestationDetector();
  readonly #waiters = new Map<number, (() => void)[]>();
  #latestCertified = 0;
  #syncedThrough = 0;
  #catchUpTimer: NodeJS.Timeout | null = null;
  #catchingUp = false;
  #proving = false;
  #stopped = false;
  /** Work in flight (gossip checks, catch-up, proving, attesting): stop() waits for it, so none touches a closed database. */
  readonly #inflight = new Set<Promise<unknown>>();
  readonly #log: Logger;

  constructor(
    private readonly opts: ZkServiceOpts,
    private readonly m: ZkServiceModules,
  ) {
    this.#log = m.logger.child({ module: "zk" });
  }

  get isProver(): boolean {
    return this.opts.prover !== null;
  }

  /**
   * The chain's key and the first height a certificate may be of, from the committed state (the
   * genesis key, or MsgActivateZk's); undefined while the chain's succinct tier has not started.
   */
  get key(): { verificationKey: Groth16VerificationKey; fromHeight: number } | undefined {
    if (this.m.app.zkKey) return this.m.app.zkKey();
    // An application that does not say (tests' stand-ins): the genesis key, from height 1.
    const vk = this.opts.zk.verificationKey;
    return vk ? { verificationKey: vk, fromHeight: 1 } : undefined;
  }

  /** What a verifier needs (circuit, capacity, key); undefined before activation. */
  get verifierOptions() {
    const { chainId, zk } = this.opts;
    const key = this.key;
    return key && { chainId, verificationKeys: { [zk.circuit]: key.verificationKey }, capacities: { [zk.circuit]: zk.capacity } };
  }

  /**
   * Starts proving once the key is known: the prover's process, and the check that its proving key
   * is the chain's (ZK_PROVER_ERROR_KEY_MISMATCH otherwise). Called at start, where a mismatch stops
   * the node, and after each commit until the chain is activated, where it is logged and proving stays off.
   */
  #startProver(): Promise<void> {
    if (this.#proverStarting) return this.#proverStarting;
    const p = this.opts.prover;
    const key = this.key;
    if (!p || !key) return Promise.resolve();
    const prover = new ZkProver({
      chainId: this.opts.chainId,
      circuit: this.opts.zk.circuit,
      capacity: this.opts.zk.capacity,
      wasmPath: p.wasmPath,
      zkeyPath: p.zkeyPath,
      proverAddress: p.address,
      verificationKey: key.verificationKey,
    });
    this.#proverStarting = (async () => {
      prover.start();
      try {
        await prover.assertKeyMatches();
      } catch (e) {
        await prover.stop();
        throw e;
      }
      if (this.#stopped) return prover.stop();
      this.#prover = prover;
      this.#log.info("prover ready", { circuit: this.opts.zk.circuit, fromHeight: key.fromHeight });
    })();
    return this.#proverStarting;
  }

  async start(): Promise<void> {
    // The SDK's Groth16 verifier (WASM): for gossiped certificates here and, since a node starts this
    // before its consensus engine, for MsgSubmitZkCertificate in the application's blocks.
    await initZkCertificateVerifier();
    this.#latestCertified = (await this.m.db.zkCertificates.latest(this.opts.chainId))?.height ?? 0;
    const synced = await this.m.db.meta.getMeta(CATCH_UP_META_KEY);
    this.#syncedThrough = synced ? Number(Buffer.from(synced).readBigUInt64BE()) : 0;
    if (this.m.request && this.m.peers) {
      this.#catchUpTimer = setInterval(() => void this.catchUp(), CATCH_UP_INTERVAL_MS);
      this.#catchUpTimer.unref();
    }
    if (this.opts.prover && !this.key) this.#log.info("prover waits for the chain's verification key (MsgActivateZk)", { circuit: this.opts.zk.circuit });
    await this.#startProver();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#catchUpTimer) clearInterval(this.#catchUpTimer);
    this.#catchUpTimer = null;
    for (const ws of this.#waiters.values()) for (const w of ws) w();
    this.#waiters.clear();
    await this.#prover?.stop();
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight]);
  }

  #track<T>(p: Promise<T>): Promise<T> {
    this.#inflight.add(p);
    const done = () => void this.#inflight.delete(p);
    p.then(done, done);
    return p;
  }

  /** The ZK view of the set that signs `height` (from the committed state), or undefined when not known. */
  epochAt(height: number): ZkEpoch | undefined {
    const e = this.m.app.zkValidatorsAt?.(height);
    if (!e) return undefined;
    let hit = this.#epochs.get(e.startHeight);
    if (!hit) {
      const slots = computeZkValidatorSlots(e.validators);
      hit = {
        startHeight: e.startHeight,
        slots,
        root: computeZkValidatorSetRoot(slots, this.opts.zk.capacity),
        set: { powers: e.validators.map((v) => v.power), totalPower: e.validators.reduce((s, v) => s + v.power, 0n) },
        indexOf: new Map(e.validators.map((v, i) => [toHex(v.attestationPublicKey), i])),
      };
      if (this.#epochs.size > 16) this.#epochs.delete(this.#epochs.keys().next().value!);
      this.#epochs.set(e.startHeight, hit);
    }
    return hit;
  }

  /** The root a certificate of `height` must name (the set that signs it), or undefined when not known. */
  validatorSetRootAt(height: number): bigint | undefined {
    return this.epochAt(height)?.root;
  }

  /** Called after each commit (the block is executed and stored): attests it when it is scheduled. */
  onCommit(height: number, time: number, blockHash: Uint8Array, opts: { attest?: boolean } = {}): Promise<void> {
    return this.#track(this.#onCommit(height, time, blockHash, opts));
  }

  async #onCommit(height: number, time: number, blockHash: Uint8Array, opts: { attest?: boolean }): Promise<void> {
    this.#commits.set(height, { time, hash: blockHash });
    if (this.#commits.size > RECENT_COMMITS) this.#commits.delete(this.#commits.keys().next().value!);
    for (const [h, ws] of this.#waiters) {
      if (h > height) continue;
      this.#waiters.delete(h);
      for (const w of ws) w();
    }
    for (const h of this.#verified.keys()) if (h <= height - KEEP_HEIGHTS) this.#verified.delete(h);
    this.#doubleAttestations.pruneThrough(height - KEEP_HEIGHTS);
    const active = this.key;
    if (!active) return; // the succinct tier has not started: nothing to attest or prove
    if (this.opts.prover && !this.#proverStarting && !this.#stopped) {
      void this.#track(this.#startProver().catch((e) => this.#log.error("cannot prove", { error: (e as Error).message })));
    }
    const key = this.opts.attestationKey;
    if (!key || opts.attest === false || this.#stopped || height < active.fromHeight || !(await this.#isScheduled(height))) return;
    const epoch = this.epochAt(height);
    const next = this.epochAt(height + 1);
    const index = epoch?.indexOf.get(toHex(key.publicKey));
    if (!epoch || !next || index === undefined) return; // not in the set that signed this height
    const statement = { height, time, blockHash, validatorSetRoot: epoch.root, nextValidatorSetRoot: next.root };
    const a: FinalityAttestation = {
      ...statement,
      validatorIndex: index,
      signature: signFinalityMessage(key.secretKey, computeFinalityMessage({ chainId: this.opts.chainId, ...statement })),
    };
    this.#markVerified(a);
    this.m.publish("attestation", encodeFinalityAttestation(a));
    this.m.count?.("attestation", "signed");
    this.#addToPool(a, epoch);
  }

  async #isScheduled(height: number): Promise<boolean> {
    const cur = await this.#commitAt(height);
    const prev = height === 1 ? { time: this.opts.genesisTime } : await this.#commitAt(height - 1);
    if (!cur || !prev) return false;
    return isAttestedHeight({ height, time: cur.time, previousTime: prev.time, intervalMs: this.opts.zk.attestationIntervalMs, epochLength: this.opts.zk.epochLength });
  }

  async #commitAt(height: number): Promise<{ time: number; hash: Uint8Array } | undefined> {
    const hit = this.#commits.get(height);
    if (hit) return hit;
    const block = await this.m.db.blocks.getBlock(height);
    const hash = block && (await this.m.db.blocks.getBlockHashAt(height));
    return block && hash ? { time: block.header.time, hash } : undefined;
  }

  /** Resolves true once `height` is committed (false: too far ahead, or it did not commit in time). */
  async #awaitHeight(height: number): Promise<boolean> {
    const committed = this.m.committedHeight();
    if (height <= committed) return true;
    if (height > committed + MAX_HEIGHTS_AHEAD || this.#stopped) return false;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, AHEAD_WAIT_MS);
      const list = this.#waiters.get(height) ?? [];
      list.push(() => {
        clearTimeout(timer);
        resolve();
      });
      this.#waiters.set(height, list);
    });
    return height <= this.m.committedHeight();
  }

  #markVerified(a: FinalityAttestation): void {
    let s = this.#verified.get(a.height);
    if (!s) this.#verified.set(a.height, (s = new Map()));
    s.set(a.validatorIndex, toHex(a.signature));
    this.#observeSigned(a);
  }

  /**
   * A validly signed attestation (this node's own, a relayed one, or one of a statement gossip
   * rejects): with the same validator's attestation of another statement at that height, it is a
   * double attestation, handed to the evidence path (ZkServiceModules.onEvidence).
   */
  #observeSigned(a: FinalityAttestation): void {
    const e = this.#doubleAttestations.observe(a, Date.now());
    if (!e) return;
    this.#log.error("double attestation: evidence found", {
      height: a.height,
      validatorIndex: a.validatorIndex,
      blockHashA: toHex(e.attestationA.blockHash),
      blockHashB: toHex(e.attestationB.blockHash),
    });
    this.m.count?.("attestation", "double_attestation");
    this.m.onEvidence?.(e);
  }

  /**
   * Gossip check of double-attestation evidence (topic `attestation-evidence`): "valid" when both
   * attestations are of one validator and height with different statements, and both signatures are
   * valid under the attestation key of that index in the set this node's committed state has for the
   * height (the key the slashing rule uses); "unknown" when it has no set for that height yet;
   * "invalid" otherwise. Whether it is too old or its validator already tombstoned is the slashing
   * rule's to say, when a proposer offers it.
   */
  checkDoubleAttestationEvidence(e: DoubleAttestationEvidence): "valid" | "invalid" | "unknown" {
    const { attestationA: a, attestationB: b } = e;
    if (!isConflictingAttestationPair(a, b)) return "invalid";
    if (a.height > this.m.committedHeight()) return "unknown";
    const epoch = this.epochAt(a.height);
    if (!epoch) return "unknown";
    const slot = epoch.slots[a.validatorIndex];
    if (!slot) return "invalid";
    for (const x of [a, b]) {
      const sig = decodeZkAttestationSignature(x.signature);
      if (!sig || !verifyZkAttestationSignature(slot, computeFinalityMessage({ chainId: this.opts.chainId, ...x }), sig)) return "invalid";
    }
    return "valid";
  }

  /**
   * Gossip validation of an attestation: "accept" (relay it) only for a new, valid attestation of a
   * scheduled height's committed block with the right next root; duplicates and attestations of
   * heights out of reach are ignored; anything a correct validator never signs is rejected (and
   * penalises the peer). The signature (~3 ms) is checked last, once per distinct bytes.
   */
  validateAttestation(data: Uint8Array): Promise<ValidationResult> {
    return this.#track(this.#validateAttestation(data));
  }

  async #validateAttestation(data: Uint8Array): Promise<ValidationResult> {
    let a: FinalityAttestation;
    try {
      a = decodeFinalityAttestation(data);
    } catch (e) {
      if (e instanceof CodecError) return this.#result("attestation", "reject", "malformed");
      throw e;
    }
    if (a.height <= this.m.committedHeight() - KEEP_HEIGHTS) return this.#result("attestation", "ignore", "stale");
    if (!(await this.#awaitHeight(a.height))) return this.#result("attestation", "ignore", "not_committed");
    const active = this.key;
    if (!active || a.height < active.fromHeight) return this.#result("attestation", "ignore", "not_active");
    const commit = await this.#commitAt(a.height);
    const epoch = this.epochAt(a.height);
    const next = this.epochAt(a.height + 1);
    if (!commit || !epoch || !next) return this.#result("attestation", "ignore", "unknown_height");
    if (!(await this.#isScheduled(a.height))) return this.#result("attestation", "reject", "not_scheduled");
    const slot = epoch.slots[a.validatorIndex];
    if (!slot) return this.#result("attestation", "reject", "unknown_validator");
    const message = computeFinalityMessage({ chainId: this.opts.chainId, ...a });
    // The slot's key was checked (curve, subgroup) when its validator was created.
    const isValid = () => {
      const sig = decodeZkAttestationSignature(a.signature);
      return sig !== null && verifyZkAttestationSignature(slot, message, sig);
    };
    if (!bytesEqual(a.blockHash, commit.hash) || a.time !== commit.time || a.validatorSetRoot !== epoch.root || a.nextValidatorSetRoot !== next.root) {
      // A validator's valid signature over another block at a committed height is a safety fault.
      if (isValid()) {
        this.#log.error("validator attested a block that is not the committed one", { height: a.height, validatorIndex: a.validatorIndex, blockHash: toHex(a.blockHash) });
        this.#observeSigned(a); // kept (not relayed): with its attestation of another statement, it is evidence
      }
      return this.#result("attestation", "reject", "wrong_statement");
    }
    // EdDSA signatures are deterministic: a validator's attestation of a statement is always the
    // same bytes, so the same bytes again are a duplicate; other bytes are checked (and rejected
    // unless they are another valid signature, which adds nothing).
    const seen = this.#verified.get(a.height)?.get(a.validatorIndex);
    if (seen === toHex(a.signature)) return this.#result("attestation", "ignore", "duplicate");
    if (!isValid()) return this.#result("attestation", "reject", "invalid_signature");
    if (this.#verified.get(a.height)?.has(a.validatorIndex)) return this.#result("attestation", "ignore", "duplicate");
    this.#markVerified(a);
    this.#addToPool(a, epoch);
    return this.#result("attestation", "accept", "");
  }

  #addToPool(a: FinalityAttestation, epoch: ZkEpoch): void {
    if (!this.#prover || a.height <= this.#latestCertified) return;
    // The signature was checked (or made) by the caller, which also showed the attestation to the
    // double-attestation detector (#markVerified): a pool "conflicting" outcome is already evidence.
    const out = this.#pool.add(a, epoch.set, () => true);
    if (out.kind === "added" && out.quorum) void this.#track(this.#proveLoop());
  }

  /** Proves the newest height with a quorum, again while newer quorums wait; one proof at a time. */
  async #proveLoop(): Promise<void> {
    if (!this.#prover || this.#proving || this.#stopped) return;
    this.#proving = true;
    try {
      for (;;) {
        if (this.#stopped) return;
        this.#pool.pruneThrough(this.#latestCertified);
        const setOf = (h: number) => this.epochAt(h)?.set;
        // Before the first certificate, the chain of them starts at the activation's trusted point.
        const after = Math.max(this.#latestCertified, (this.key?.fromHeight ?? 1) - 1);
        // A consumer that follows certificates trusts the set named by the last one's next root: the
        // next certificate must be signed by that set, so it is at most the end of its epoch. Only
        // when the pool can no longer give one there (all its heights are newer) is that skipped.
        const epochEnd = getEpochEndHeight(after + 1, this.opts.zk.epochLength);
        let q = this.#pool.newestQuorum(setOf, epochEnd);
        if (!q && this.#pool.heights.every((h) => h > epochEnd)) q = this.#pool.newestQuorum(setOf);
        if (!q) return;
        const epoch = this.epochAt(q.statement.height)!;
        const started = performance.now();
        let cert: ZkCertificate;
        try {
          cert = await this.#prover.prove(q.statement, q.attestations, epoch.slots);
        } catch (e) {
          if (e instanceof ZkProverError && e.code === "ZK_PROVER_ERROR_STOPPED") return;
          this.#log.warn("proving failed", { height: q.statement.height, error: (e as Error).message });
          this.#pool.pruneThrough(q.statement.height); // a quorum that cannot be proved is not retried
          continue;
        }
        this.#log.info("proved certificate", { height: cert.height, signers: cert.signers.toString(2), ms: Math.round(performance.now() - started) });
        if (await this.#store(cert)) {
          this.m.publish("certificate", encodeZkCertificate(cert));
          this.m.onProved?.(cert);
        }
      }
    } finally {
      this.#proving = false;
    }
  }

  async #store(cert: ZkCertificate): Promise<boolean> {
    const stored = await this.m.db.zkCertificates.put(cert);
    if (cert.height > this.#latestCertified) this.#latestCertified = cert.height;
    this.#pool.pruneThrough(this.#latestCertified);
    if (stored) this.m.count?.("certificate", "stored");
    return stored;
  }

  /**
   * Gossip validation of a certificate: decoded, for a committed height with no certificate yet, of
   * the chain's circuit, naming the block this node committed and the roots of the sets it computes
   * for the height and the next, then the proof (SDK rule, ~25 ms). A valid one is stored and relayed.
   */
  validateCertificate(data: Uint8Array): Promise<ValidationResult> {
    return this.#track(this.#validateCertificate(data));
  }

  async #validateCertificate(data: Uint8Array): Promise<ValidationResult> {
    let cert: ZkCertificate;
    try {
      cert = decodeZkCertificate(data, this.opts.chainId);
    } catch (e) {
      if (e instanceof CodecError) return this.#result("certificate", "reject", "malformed");
      throw e;
    }
    if (cert.circuit !== this.opts.zk.circuit) return this.#result("certificate", "reject", "unknown_circuit");
    if (!(await this.#awaitHeight(cert.height))) return this.#result("certificate", "ignore", "not_committed");
    const verdict = await this.#check(cert);
    if (verdict.action !== "accept") return this.#result("certificate", verdict.action, verdict.reason);
    if (!(await this.#store(cert))) return this.#result("certificate", "ignore", "duplicate");
    return this.#result("certificate", "accept", "");
  }

  /**
   * Whether a decoded certificate of a committed height may be stored: no certificate of its height
   * yet, the SDK's rule against the root of the set this node computes for the height, then the block
   * hash it committed and the next root.
   */
  async #check(cert: ZkCertificate): Promise<{ action: ValidationResult; reason: string }> {
    if (cert.circuit !== this.opts.zk.circuit) return { action: "reject", reason: "unknown_circuit" };
    const verify = this.verifierOptions;
    if (!verify) return { action: "ignore", reason: "not_active" };
    if (cert.height < this.key!.fromHeight) return { action: "reject", reason: "before_activation" };
    if (await this.m.db.zkCertificates.get(cert.height, this.opts.chainId)) return { action: "ignore", reason: "duplicate" };
    const commit = await this.#commitAt(cert.height);
    const root = this.validatorSetRootAt(cert.height);
    const nextRoot = this.validatorSetRootAt(cert.height + 1);
    if (!commit || root === undefined || nextRoot === undefined) return { action: "ignore", reason: "unknown_height" };
    try {
      assertValidZkCertificate(cert, root, verify);
    } catch (e) {
      if (e instanceof ZkCertificateError) return { action: "reject", reason: e.code };
      throw e;
    }
    if (!bytesEqual(cert.blockHash, commit.hash) || cert.time !== commit.time || cert.nextValidatorSetRoot !== nextRoot) {
      // A valid proof for another block: validators with more than 1/3 of the power signed two blocks.
      this.#log.error("valid ZK certificate for a block that is not the committed one", { height: cert.height, blockHash: toHex(cert.blockHash), signers: cert.signers.toString(2) });
      return { action: "reject", reason: "conflicting" };
    }
    return { action: "accept", reason: "" };
  }

  /** Serves certificate catch-up: stored certificates from a height, lowest first. */
  serveCertificates(request: Uint8Array): Promise<Uint8Array> {
    return this.#track(this.#serveCertificates(request));
  }

  async #serveCertificates(request: Uint8Array): Promise<Uint8Array> {
    const r = decodeZkCertificatesRequest(request);
    return encodeZkCertificatesResponse(await this.m.db.zkCertificates.range(r.fromHeight, Math.min(r.count, CATCH_UP_BATCH), this.opts.chainId));
  }

  /**
   * Certificate catch-up, every few seconds: asks one peer for the certificates above the height
   * this node has asked through (persisted), checks each as gossip would and stores the valid ones.
   * A node that was down or is new gets the certificates it missed (gossip never repeats them),
   * including every epoch's last one. The cursor only moves past certificates it has seen, so a
   * peer that is behind costs a retry, not a gap; it stops at the node's committed height, and a
   * peer that sends an invalid certificate is left for this round. Resolves how many were stored.
   */
  catchUp(): Promise<number> {
    return this.#track(this.#catchUp());
  }

  async #catchUp(): Promise<number> {
    if (this.#catchingUp || this.#stopped || !this.m.request || !this.m.peers) return 0;
    const peers = this.m.peers();
    if (peers.length === 0) return 0;
    this.#catchingUp = true;
    let stored = 0;
    try {
      const peer = peers[Math.floor(Math.random() * peers.length)]!;
      for (;;) {
        const from = this.#syncedThrough + 1;
        const committed = this.m.committedHeight();
        if (from > committed || this.#stopped) break;
        let certs: ZkCertificate[];
        try {
          certs = decodeZkCertificatesResponse(await this.m.request(peer, ZK_CERTIFICATES_PROTOCOL, encodeZkCertificatesRequest({ fromHeight: from, count: CATCH_UP_BATCH })), this.opts.chainId);
        } catch (e) {
          this.#log.debug("certificate catch-up request failed", { peer, error: (e as Error).message });
          break;
        }
        let through = this.#syncedThrough;
        let bad = false;
        for (const cert of certs) {
          if (this.#stopped) break;
          if (cert.height < from || cert.height <= through) {
            bad = true; // not what was asked: out of order or below the range
            break;
          }
          if (cert.height > committed) break;
          const verdict = await this.#check(cert);
          if (verdict.action === "reject") {
            this.#log.warn("peer sent an invalid ZK certificate", { peer, height: cert.height, reason: verdict.reason });
            bad = true;
            break;
          }
          if (verdict.action === "ignore" && verdict.reason !== "duplicate") break; // not checkable yet: ask again later
          if (verdict.action === "accept" && (await this.#store(cert))) stored++;
          through = cert.height;
        }
        if (through > this.#syncedThrough) {
          this.#syncedThrough = through;
          const b = Buffer.alloc(8);
          b.writeBigUInt64BE(BigInt(through));
          await this.m.db.meta.putMeta(CATCH_UP_META_KEY, b);
        }
        // A full answer the cursor could not pass (its certificates are above the committed height, or not
        // checkable yet) would be asked for again at once, forever: the next round asks again instead.
        if (bad || certs.length < CATCH_UP_BATCH || through === from - 1) break;
      }
    } finally {
      this.#catchingUp = false;
    }
    if (stored > 0) this.#log.info("caught up ZK certificates", { stored, through: this.#syncedThrough });
    return stored;
  }

  #result(kind: "attestation" | "certificate", action: ValidationResult, reason: string): ValidationResult {
    this.m.count?.(kind, reason ? `${action}:${reason}` : action);
    if (action === "reject") this.#log.debug(`rejected ${kind}`, { reason });
    return action;
  }

  /** The newest stored certificate's height (0: none). */
  get latestCertifiedHeight(): number {
    return this.#latestCertified;
  }
}
