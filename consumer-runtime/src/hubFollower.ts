import {
  assertBlsForkGuilt,
  assertValidCommitCertificate,
  bytesEqual,
  computeBlockHash,
  createHubLightClient,
  decodeCertificateResponseJson,
  decodeConsumerJson,
  decodeHeaderResponseJson,
  decodeInclusionProofJson,
  decodeStatusJson,
  decodeValidatorSetJson,
  decodeZkActivationProofJson,
  decodeZkInfoJson,
  addZkTrustRoot,
  verifyZkActivationProof,
  initZkCertificateVerifier,
  getConflictingCertificatesEvent,
  LightClientError,
  processBlsUpdate,
  processZkUpdate,
  resumeHubLightClientAfterFork,
  getPostSlashTally,
  getSignerIndices,
  getZkSigners,
  verifyCheckpointInclusion,
  type HubForkFreeze,
  type BlockHeader,
  type CommitCertificate,
  type FinalityTier,
  type HubTrustRoot,
  type HubConsumer,
  type HubInclusionProof,
  type HubLightClientState,
  type HubForkEvidence,
  type ValidatorSet,
  type ZkCertificate,
} from "@aegis/consumer-sdk";
import type { Logger } from "@aegis/p2p";
import type { ConsumerChain } from "./chain.js";
import type { HubClient } from "./hubClient.js";
import type { HubResumeRoot } from "./chainStore.js";

/** The most verified heights kept per hub node for a later comparison (the detector). */
const CROSS_CHECK_PENDING_MAX = 64;

/** While a hub's ZK key is not set (decision 58), how often a follower asks whether it is (ms). */
const ZK_ACTIVATION_CHECK_MS = 5_000;

/** The hub trust root (the SDK's HubTrustRoot, from the hub's genesis). */
export type HubTrust = HubTrustRoot;

/** A hub block the follower verified, and what certified it (one side of a fork's evidence). */
interface VerifiedHubBlock {
  hash: Uint8Array;
  tier: FinalityTier;
  header: BlockHeader;
  /** The BLS certificate and the set that signed the height (absent for the trusted root itself). */
  bls?: { certificate: CommitCertificate; signingSet: ValidatorSet };
  zk?: ZkCertificate;
}

/** How a frozen follower may resume (decision 51). */
export interface HubFollowerRecovery {
  /**
   * A hub block the operator trusts (from a source of their own): when the node is halted at a lower
   * hub height, the light client restarts from this header (its hash checked) and the set it names.
   */
  resumeFrom?: { height: number; hash: Uint8Array };
}

export interface HubFollowerStatus {
  /** The hub's latest height as a hub node reported it (unverified; for display). */
  hubHeight: number;
  /** The highest hub height the light client verified. */
  verifiedHubHeight: number;
  /** The tier of the latest final checkpoint. */
  tier: FinalityTier | null;
  /** The highest consumer height proved final by a succinct (ZK) certificate; null when not following that tier. */
  zkFinalHeight: number | null;
  /** The hub's latest checkpoint height of this consumer (unverified). */
  hubCheckpointHeight: number;
  consumer: HubConsumer | undefined;
  lastError: string | undefined;
}

/**
 * Follows hub finality for one consumer chain: asks hub nodes for the consumer's latest checkpoint and
 * its inclusion proof, verifies the hub header with the light client (BLS tier: the certificate with
 * the epoch's set, crossing epochs through each epoch's last header and the next set; ZK tier when the
 * header's height carries a succinct certificate), checks the checkpoint's path to the header's
 * consumer-checkpoint root, and hands it to the chain's FinalityGuard. Every answer is checked: a lying
 * hub node can only delay it. Two certified hashes for one hub height halt the chain (misbehaviour).
 */
export class HubFollower {
  private lc: HubLightClientState;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private again = false;
  private stopped = false;
  /** Unix ms (the process clock) when the last round started: the timer skips a round that soon after one. */
  private lastRoundAt = 0;
  /** Hub blocks this follower verified, by height (bounded), with what certified them: a conflict's evidence. */
  private readonly verified = new Map<number, VerifiedHubBlock>();
  private readonly evidenceListeners = new Set<(e: HubForkEvidence) => void>();
  /** By hub node: the highest verified height it answered for (compared). */
  private readonly crossChecked = new Map<string, number>();
  /** By hub node: verified heights it could not answer yet (asked again each round, oldest first). */
  private readonly crossPending = new Map<string, number[]>();
  /** Unix ms before which adoptZk does not ask the hub again. */
  private nextZkActivationCheck = 0;
  /** adoptZk found the activation unusable (below a resume root, or older than the trusting period): it stops asking. */
  private zkAdoptionGivenUp = false;
  /** The height of the root a resume started the light client from (undefined: from the trust root). */
  private resumedFrom: number | undefined;
  readonly status: HubFollowerStatus = { hubHeight: 0, verifiedHubHeight: 0, tier: null, zkFinalHeight: null, hubCheckpointHeight: 0, consumer: undefined, lastError: undefined };

  constructor(
    private readonly chain: ConsumerChain,
    private readonly client: HubClient,
    private readonly trust: HubTrust,
    private readonly now: () => number,
    private readonly log: Logger,
    private readonly intervalMs = 500,
    private readonly recovery: HubFollowerRecovery = {},
  ) {
    this.lc = createHubLightClient(
      {
        bls: { genesisTime: trust.genesisTime, validatorSet: trust.validatorSet },
        ...(trust.zk ? { zk: { height: 0, time: trust.genesisTime, nextValidatorSetRoot: trust.zk.genesisValidatorSetRoot } } : {}),
      },
      {
        chainId: trust.chainId,
        trustingPeriodMs: trust.trustingPeriodMs,
        unbondingPeriodMs: trust.unbondingPeriodMs,
        ...(trust.zk ? { zk: { verificationKeys: trust.zk.verificationKeys, capacities: trust.zk.capacities } } : {}),
      },
      now(),
    );
    const final = chain.finalCheckpoint;
    if (final) this.status.tier = final.tier;
    if (trust.zk) this.status.zkFinalHeight = 0;
  }

  /**
   * Calls `listener` with the evidence of each hub fork this follower proves (two verified
   * certificates of one height: BLS of one round or two ZK statements, which name who signed both; BLS
   * of two rounds, which open a case on the hub, decision 52), right after the chain halted on it.
   * Returns the function that stops it.
   */
  onForkEvidence(listener: (e: HubForkEvidence) => void): () => void {
    this.evidenceListeners.add(listener);
    return () => this.evidenceListeners.delete(listener);
  }

  get lightClient(): HubLightClientState {
    return this.lc;
  }

  async start(): Promise<void> {
    if (this.timer) return;
    // After a resume, the light client starts from the root it resumed from (the genesis is on the other side of the fork).
    const root = await this.chain.store.getResumeRoot();
    if (root && !this.chain.misbehaviour) {
      this.lc = this.lightClientFrom(root);
      this.resumedFrom = root.header.height;
    }
    if (this.trust.zk || this.trust.zkActivation) await initZkCertificateVerifier();
    // The timer is the fallback for when no hub commit wakes the follower (the stream down, a hub
    // that stopped committing): it skips while a round ran within the last interval.
    this.timer = setInterval(() => {
      if (Date.now() - this.lastRoundAt >= this.intervalMs) void this.tick();
    }, this.intervalMs);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One round: status, the consumer's latest checkpoint, and (when newer than what is final) its proof. */
  /** One round (the timer calls it; so do hub-commit wake-ups while started, and tests directly). */
  async tick(): Promise<void> {
    if (this.stopped) return;
    if (this.running) {
      this.again = true; // a wake-up during a round: one more round right after it
      return;
    }
    this.running = true;
    this.again = false;
    this.lastRoundAt = Date.now();
    try {
      if (this.chain.misbehaviour) {
        await this.tryResume();
        this.status.lastError = undefined;
        return;
      }
      const status = await this.client.get("status", {}, {}, (j) => decodeStatusJson(j));
      if (status) this.status.hubHeight = status.height;
      // Every node's claim of the consumer's latest checkpoint: a node that withholds (claims less) cannot
      // hold finality back, one that claims what nobody proves is skipped for the next lower claim.
      const claims = await this.client.getEach("consumer", { id: this.chain.consumerId }, {}, (j) => decodeConsumerJson(j));
      const consumer = claims.sort((a, b) => b.latestHeight - a.latestHeight)[0];
      this.status.consumer = consumer;
      if (!consumer) return;
      this.status.hubCheckpointHeight = consumer.latestHeight;
      const heights = [...new Set(claims.map((c) => c.latestHeight))].filter((h) => h > this.chain.finalHeight);
      let proved = heights.length === 0;
      for (const height of heights) {
        const proof = await this.client.get("inclusion", { id: this.chain.consumerId, height }, {}, (j) => decodeInclusionProofJson(j, { chainId: this.trust.chainId }));
        if (!proof) continue;
        await this.applyInclusion(proof);
        proved = true;
        break;
      }
      // A checkpoint the hub reported and no node proves: a failed round (the reporting node may be lying).
      if (!proved) throw new Error(`hub nodes reported checkpoint ${heights.join(", ")} of ${this.chain.consumerId}, which no hub node proves`);
      // A failed adoption (a node claiming an activation it cannot prove) fails the round's report, not
      // its other work: the cross-check still runs.
      let zkError: string | undefined;
      if (this.trust.zkActivation && !this.lc.zk) {
        try {
          await this.adoptZk();
        } catch (e) {
          zkError = e instanceof Error ? e.message : String(e);
          this.client.skipPreferred();
        }
      }
      if (this.lc.zk) await this.followZk();
      await this.crossCheck();
      this.status.lastError = zkError;
    } catch (e) {
      this.status.lastError = e instanceof Error ? e.message : String(e);
      this.log.debug("hub follow round failed", { err: this.status.lastError });
      // The node that answered last may be lying: the next round asks another one first.
      this.client.skipPreferred();
    } finally {
      this.running = false;
      if (this.again && this.timer) void this.tick();
    }
  }

  /** Verifies an inclusion proof (header certified, checkpoint in its root) and applies it to the guard. Throws on anything unverified. */
  async applyInclusion(p: HubInclusionProof): Promise<void> {
    if (p.checkpoint.consumerId !== this.chain.consumerId) throw new Error(`the hub answered a checkpoint of ${p.checkpoint.consumerId}`);
    const header = p.header.header;
    const tier = await this.verifyHeader(header, p.certificates.bls.certificate, p.certificates.zk);
    verifyCheckpointInclusion(p.checkpoint, p.proof, header);
    const hubBlockHash = p.header.blockHash;
    const r = await this.chain.applyFinalCheckpoint({ checkpoint: p.checkpoint, hubHeight: header.height, hubBlockHash, tier });
    if (r.status === "ACCEPTED") {
      this.status.tier = tier;
      this.log.info("hub-final checkpoint", { height: p.checkpoint.height, hubHeight: header.height, tier });
    } else if (r.status === "MISBEHAVIOUR") {
      this.log.error("hub misbehaviour", { kind: r.event.kind });
    }
  }

  /**
   * A hub whose ZK key is set after genesis (trust root `zkActivation`, decision 58): once the hub
   * says its succinct tier started at or below the newest header this light client verified (BLS), the
   * activation record is read with its state proof at that header and checked against the header's
   * `stateRoot` (verifyZkActivationProof): the key, and the point the ZK tier starts from, are then as
   * certain as the header. Asks at most every few seconds while the hub is not activated.
   */
  private async adoptZk(): Promise<void> {
    const expected = this.trust.zkActivation!;
    const header = this.lc.bls?.header;
    if (!header || this.zkAdoptionGivenUp || this.now() < this.nextZkActivationCheck) return;
    this.nextZkActivationCheck = this.now() + ZK_ACTIVATION_CHECK_MS;
    // Every node's word: one that withholds (says "not activated") cannot hold the tier back; one that
    // claims an activation it cannot prove only fails this round.
    const claims = await this.client.getEach("zk", {}, {}, (j) => decodeZkInfoJson(j));
    const from = Math.min(...claims.map((c) => c.fromHeight ?? Infinity).filter((h) => h <= header.height));
    if (!Number.isFinite(from)) return; // not activated, or not yet in a state this client verified
    const p = await this.client.get("zkActivation", {}, { height: header.height }, (j) => decodeZkActivationProofJson(j));
    if (!p) return;
    const a = await verifyZkActivationProof(header.stateRoot, p.proof);
    if (!a) throw new Error(`a hub node reports the succinct tier from height ${from}, but the state proof at verified header ${header.height} shows no activation`);
    if (a.circuit !== expected.circuit || a.capacity !== expected.capacity) {
      throw new Error(`the hub activated circuit ${a.circuit} (${a.capacity} slots); the trust root names ${expected.circuit} (${expected.capacity})`);
    }
    // A point below the root a resume started from may be on the other side of the fork: as a follower
    // with the key in its trust root, a resumed one goes on with the BLS tier only.
    const resumedAt = this.resumedFrom;
    if (resumedAt !== undefined && a.trust.height < resumedAt) {
      this.zkAdoptionGivenUp = true;
      this.log.warn("the hub's succinct tier starts below the root this node resumed from: following the BLS tier only", { zkFrom: a.trust.height + 1, resumedFrom: resumedAt });
      return;
    }
    if (this.now() - a.trust.time >= this.trust.trustingPeriodMs) {
      this.zkAdoptionGivenUp = true;
      this.log.warn("the hub's succinct tier started longer ago than the trusting period: following the BLS tier only", { zkFrom: a.trust.height + 1, trustingPeriodMs: this.trust.trustingPeriodMs });
      return;
    }
    const t = a.trust;
    this.lc = addZkTrustRoot(
      this.lc,
      { height: t.height, time: t.time, ...(t.height > 0 ? { blockHash: t.blockHash } : {}), nextValidatorSetRoot: t.nextValidatorSetRoot },
      { verificationKeys: { [a.circuit]: a.verificationKey }, capacities: { [a.circuit]: a.capacity } },
      this.now(),
    );
    this.status.zkFinalHeight ??= 0;
    this.log.info("succinct tier adopted from the hub's certified state", { circuit: a.circuit, fromHeight: t.height + 1, provedAt: header.height });
  }

  /**
   * The succinct tier: the hub's latest ZK-certified height Z, the consumer's checkpoint that was its
   * latest at Z proved against header Z, the certificate through the light client (crossing epochs
   * through each epoch's last certificate), the header being the certified block, and the checkpoint
   * into the guard as "zk" (a checkpoint already final by BLS stays as it is; `zkFinalHeight` rises).
   */
  private async followZk(): Promise<void> {
    const zkState = this.lc.zk;
    if (!zkState) return;
    const info = await this.client.get("zk", {}, {}, (j) => decodeZkInfoJson(j));
    const Z = info?.latestCertifiedHeight;
    if (!Z || Z <= zkState.height) return;
    const p = await this.client.get("inclusion", { id: this.chain.consumerId, height: "latest" }, { hubHeight: Z }, (j) => decodeInclusionProofJson(j, { chainId: this.trust.chainId }));
    if (!p) return;
    const cert = p.certificates.zk;
    if (!cert || cert.height !== Z) throw new Error(`the hub's inclusion proof at ${Z} carries no succinct certificate of that height`);
    const header = p.header.header;
    const hash = computeBlockHash(header);
    if (!bytesEqual(hash, cert.blockHash)) throw new Error(`hub header ${Z} is not the block its succinct certificate certifies`);
    await this.crossZkEpochsTo(cert.validatorSetRoot, Z);
    this.lc = processZkUpdate(this.lc, cert, this.now());
    verifyCheckpointInclusion(p.checkpoint, p.proof, header);
    const known = this.verified.get(Z);
    // The light client verified the certificate (processZkUpdate): a conflict is a proved fork.
    if (known && !bytesEqual(known.hash, hash)) this.conflict(known, { header, hash, zk: cert });
    this.remember(Z, { hash, tier: "zk", header, zk: cert, ...(known?.bls ? { bls: known.bls } : {}) });
    const r = await this.chain.applyFinalCheckpoint({ checkpoint: p.checkpoint, hubHeight: Z, hubBlockHash: hash, tier: "zk" });
    if (r.status === "MISBEHAVIOUR") return;
    this.status.zkFinalHeight = Math.max(this.status.zkFinalHeight ?? 0, p.checkpoint.height);
    if (r.status === "ACCEPTED") this.status.tier = "zk";
  }

  /** Moves the ZK trusted root through each epoch's last certificate until `root` (the one signing `target`) is trusted. */
  private async crossZkEpochsTo(root: bigint, target: number): Promise<void> {
    const L = this.trust.epochLength;
    for (let guard = 0; guard < 1_000_000; guard++) {
      const trusted = this.lc.zk!;
      if (trusted.nextValidatorSetRoot === root) return;
      const end = (Math.floor(trusted.height / L) + 1) * L;
      if (end >= target) throw new Error(`succinct certificate ${target} is proved against a set the client cannot reach from height ${trusted.height}`);
      const c = await this.client.get("certificates", { height: end }, {}, (j) => decodeCertificateResponseJson(j, { chainId: this.trust.chainId }));
      if (!c?.zk || c.zk.height !== end) throw new Error(`the hub has no succinct certificate for the epoch's last height ${end}`);
      this.lc = processZkUpdate(this.lc, c.zk, this.now());
    }
  }

  /**
   * The light client's verdict on `header` with its certificates: "zk" when a succinct certificate of
   * this height verifies too, else "bls". Throws LightClientError / CertificateError when neither does.
   */
  private async verifyHeader(header: BlockHeader, bls: CommitCertificate, zk: HubInclusionProof["certificates"]["zk"]): Promise<FinalityTier> {
    const hash = computeBlockHash(header);
    const known = this.verified.get(header.height);
    if (known && !bytesEqual(known.hash, hash)) this.conflict(known, { header, hash, bls });
    const trusted = this.lc.bls!;
    let signingSet: ValidatorSet | undefined;
    if (header.height <= trusted.height) {
      // Older than the trusted point: the certificate must still verify against the set that signs it,
      // which the client knows only when it is the trusted set (same epoch).
      if (!bytesEqual(header.validatorSetRoot, trusted.validatorSetRoot) && !(header.height === trusted.height && bytesEqual(hash, trusted.blockHash))) {
        throw new Error(`hub header ${header.height} is below the trusted height ${trusted.height} in another epoch`);
      }
      if (!(header.height === trusted.height && bytesEqual(hash, trusted.blockHash))) {
        assertValidCommitCertificate(bls, { chainId: this.trust.chainId, validatorSet: trusted.validatorSet, expectedHeight: header.height, expectedBlockHash: hash });
        signingSet = trusted.validatorSet;
      }
    } else {
      await this.crossEpochsTo(header);
      signingSet = this.lc.bls!.validatorSet; // the trusted set signs the header (processBlsUpdate checks it)
      this.lc = processBlsUpdate(this.lc, { header, certificate: bls }, this.now());
    }
    let tier: FinalityTier = "bls";
    if (zk && this.lc.zk && zk.height > this.lc.zk.height) {
      try {
        this.lc = processZkUpdate(this.lc, zk, this.now());
        tier = "zk";
      } catch (e) {
        if (!(e instanceof LightClientError)) throw e;
        this.log.debug("succinct certificate not accepted", { height: zk.height, code: e.code });
      }
    }
    this.remember(header.height, { hash, tier, header, ...(signingSet ? { bls: { certificate: bls, signingSet } } : {}), ...(tier === "zk" && zk ? { zk } : {}) });
    this.status.verifiedHubHeight = Math.max(this.status.verifiedHubHeight, header.height);
    return tier;
  }

  private remember(height: number, v: VerifiedHubBlock): void {
    this.verified.set(height, v);
    if (this.verified.size > 4096) this.verified.delete(this.verified.keys().next().value!);
  }

  /**
   * A second certified block at a verified height. Its certificate is verified first (against the set
   * that signed the first one; a succinct one already by the light client): a node that serves an
   * uncertified header is lying, which throws and changes nothing. A proved fork halts the chain
   * (CONFLICTING_CERTIFICATES) and, when both certificates are of one tier (BLS of one round or two,
   * two ZK statements; consumer-sdk forkEvidence.ts), is handed to the evidence listeners. Always throws:
   * the round that met it stops there.
   */
  private conflict(known: VerifiedHubBlock, other: { header: BlockHeader; hash: Uint8Array; bls?: CommitCertificate; zk?: ZkCertificate }): never {
    const h = other.header.height;
    let evidence: HubForkEvidence | undefined;
    let guilty: number[] = [];
    if (other.bls) {
      if (!known.bls) throw new Error(`hub header ${h} conflicts with the trusted one, whose signing set this follower does not keep`);
      assertValidCommitCertificate(other.bls, { chainId: this.trust.chainId, validatorSet: known.bls.signingSet, expectedHeight: h, expectedBlockHash: other.hash });
      // One round: the signers of both are guilty. Different rounds: the hub opens a case that asks for the polkas (decision 52).
      evidence = { bls: { a: { header: known.header, certificate: known.bls.certificate }, b: { header: other.header, certificate: other.bls } } };
      if (known.bls.certificate.round === other.bls.round) guilty = assertBlsForkGuilt(evidence.bls, { chainId: this.trust.chainId, validatorSet: known.bls.signingSet }).guilty;
      // Across rounds nobody is proved guilty by the pair, but who signed both is the most a case can
      // convict: the freeze counts them out for a resume, which then also needs them all gone from the
      // set (honest ones among them stay: no resume, only the operator's root; never a wrong one).
      else guilty = getSignerIndices(known.bls.certificate.signers).filter((i) => getSignerIndices(other.bls!.signers).includes(i));
    } else if (other.zk && known.bls && !known.zk) {
      // Across tiers: a BLS commit of one block, a ZK certificate of another (both verified); the hub opens a case (decision 52).
      evidence = { mixed: { bls: { header: known.header, certificate: known.bls.certificate }, zk: other.zk } };
    } else if (other.zk && known.zk) {
      evidence = { zk: { a: known.zk, b: other.zk } };
      // Both verified by the light client against one trusted root; its slots are the epoch's set in order.
      const capacity = this.lc.zk?.capacities[known.zk.circuit] ?? this.trust.zk?.capacities[known.zk.circuit];
      if (capacity && known.zk.circuit === other.zk.circuit) guilty = getZkSigners(known.zk.signers & other.zk.signers, capacity);
    }
    const event = getConflictingCertificatesEvent(this.chain.guard, h, { hubBlockHash: known.hash, tier: known.tier }, { hubBlockHash: other.hash, tier: other.bls ? "bls" : "zk" });
    // What an automatic resume needs: the set that signed h and who signed both sides (none proved: the operator's path only).
    const fork: HubForkFreeze | undefined = known.bls ? { height: h, time: known.header.time, signingSet: known.bls.signingSet, guilty } : undefined;
    if (event) {
      this.chain.halt(event, fork).catch((e: unknown) => this.log.error("the halt was not written to disk", { err: e instanceof Error ? e.message : String(e) }));
    }
    this.log.error("hub fork: two certified blocks at one height", {
      hubHeight: h,
      evidence: !evidence ? "none" : evidence.bls && evidence.bls.a.certificate.round !== evidence.bls.b.certificate.round ? "bls across rounds (a case)" : evidence.mixed ? "across tiers (a case)" : Object.keys(evidence)[0],
    });
    if (evidence) {
      for (const l of this.evidenceListeners) {
        try {
          l(evidence);
        } catch (e) {
          this.log.error("fork evidence listener failed", { err: e instanceof Error ? e.message : String(e) });
        }
      }
    }
    throw new Error(`two certified hub blocks at height ${h}`);
  }

  /**
   * The detector (CometBFT's light client compares its primary with witnesses the same way): the
   * latest verified height, asked of every hub node. A node that serves another block there with a
   * certificate of the set that signed it proves a fork (conflict: halt and evidence); one that serves
   * an uncertified block is lying and only logged. Each node is asked once per newly verified height;
   * one it could not answer yet (down, behind, or a header above the hub's own height: a lunatic one
   * ahead of the chain) is asked again each round until it does, up to CROSS_CHECK_PENDING_MAX heights.
   */
  private async crossCheck(): Promise<void> {
    const latest = this.status.verifiedHubHeight;
    if (!this.verified.has(latest) || this.client.nodeUrls.length < 2) return;
    const chainId = this.trust.chainId;
    await Promise.all(
      this.client.nodeUrls.map(async (url) => {
        // The newest verified height, and the older ones this node could not answer yet (a node behind, or a
        // header above the hub's height: it is compared once the hub gets there), oldest first, bounded.
        const pending = this.crossPending.get(url) ?? [];
        if ((this.crossChecked.get(url) ?? 0) < latest && !pending.includes(latest)) pending.push(latest);
        this.crossPending.set(url, pending);
        for (const height of [...pending]) {
          const known = this.verified.get(height);
          const h = known && (await this.client.getFrom(url, "header", { height }, {}, (j) => decodeHeaderResponseJson(j)));
          if (known && !h) continue; // not there yet: asked again next round
          pending.splice(pending.indexOf(height), 1);
          if (!known || !h) continue;
          this.crossChecked.set(url, Math.max(this.crossChecked.get(url) ?? 0, height));
          if (bytesEqual(h.blockHash, known.hash) || this.chain.misbehaviour) continue;
          const c = await this.client.getFrom(url, "certificates", { height }, {}, (j) => decodeCertificateResponseJson(j, { chainId }));
          try {
            if (!c || !bytesEqual(c.blockHash, h.blockHash)) throw new Error("no certificate for it");
            this.conflict(known, { header: h.header, hash: h.blockHash, bls: c.bls.certificate });
          } catch (e) {
            if (this.chain.misbehaviour) return; // the fork is proved: conflict halted and handed the evidence on
            this.log.warn("a hub node serves an uncertified block at a verified height", { url, hubHeight: height, err: e instanceof Error ? e.message : String(e) });
          }
        }
        if (pending.length > CROSS_CHECK_PENDING_MAX) pending.splice(0, pending.length - CROSS_CHECK_PENDING_MAX);
      }),
    );
  }

  /** The light client state that starts from a resume root (BLS tier only: see consumer-sdk forkRecovery.ts). */
  private lightClientFrom(root: HubResumeRoot): HubLightClientState {
    return createHubLightClient(
      { bls: { header: root.header, nextValidatorSet: root.nextValidatorSet } },
      { chainId: this.trust.chainId, trustingPeriodMs: this.trust.trustingPeriodMs, unbondingPeriodMs: this.trust.unbondingPeriodMs },
      this.now(),
    );
  }

  /**
   * While halted, each round tries the two ways out (decision 51): the operator's trust root when it is
   * above the halt, else (for a fork whose evidence named the guilty) the hub's latest block when more
   * than 2/3 of the post-slash stake certifies it. Anything unverified throws (the round fails; the next
   * asks another node first) and leaves the node halted.
   */
  private async tryResume(): Promise<void> {
    const freeze = this.chain.freeze;
    const event = this.chain.misbehaviour!;
    const haltHeight = freeze?.fork?.height ?? (event.kind === "CONFLICTING_CERTIFICATES" ? event.hubHeight : event.conflicting.hubHeight);
    const op = this.recovery.resumeFrom;
    if (op && op.height > haltHeight) {
      const h = await this.client.get("header", { height: op.height }, {}, (j) => decodeHeaderResponseJson(j));
      if (!h) throw new Error(`no hub node serves header ${op.height}, the operator's trust root`);
      if (!bytesEqual(h.blockHash, op.hash)) throw new Error(`hub header ${op.height} is not the operator's trusted block`);
      const root = { header: h.header, nextValidatorSet: await this.setAt(op.height + 1) };
      return this.resumeWith(this.lightClientFrom(root), root, "the operator's trust root");
    }
    const fork = freeze?.fork;
    // Nobody proved guilty, or nobody left outside the guilty: only the operator's root resumes.
    if (!fork || fork.guilty.length === 0 || getPostSlashTally(fork, fork.signingSet, []).total === 0n) return;
    const status = await this.client.get("status", {}, {}, (j) => decodeStatusJson(j));
    if (!status || status.height <= fork.height) return;
    const H = status.height;
    const h = await this.client.get("header", { height: H }, {}, (j) => decodeHeaderResponseJson(j));
    const c = await this.client.get("certificates", { height: H }, {}, (j) => decodeCertificateResponseJson(j, { chainId: this.trust.chainId }));
    if (!h || !c) return;
    const signingSet = await this.setAt(H);
    const nextValidatorSet = bytesEqual(h.header.nextValidatorSetRoot, h.header.validatorSetRoot) ? signingSet : await this.setAt(H + 1);
    const lc = resumeHubLightClientAfterFork(this.lc, fork, { header: h.header, certificate: c.bls.certificate, signingSet, nextValidatorSet }, this.now());
    return this.resumeWith(lc, { header: h.header, nextValidatorSet }, "more than 2/3 of the post-slash stake");
  }

  private async setAt(height: number): Promise<ValidatorSet> {
    const v = await this.client.get("validators", {}, { height }, (j) => decodeValidatorSetJson(j));
    if (!v) throw new Error(`the hub has no validator set for height ${height}`);
    return v.validatorSet;
  }

  private async resumeWith(lc: HubLightClientState, root: HubResumeRoot, how: string): Promise<void> {
    this.lc = lc;
    this.resumedFrom = root.header.height;
    this.verified.clear();
    this.crossChecked.clear();
    this.crossPending.clear();
    this.status.verifiedHubHeight = root.header.height;
    await this.chain.resume(root);
    this.log.warn("resumed after a hub fork", { hubHeight: root.header.height, by: how });
  }

  /** Moves the BLS trusted point through each epoch's last header until `target`'s signing set is trusted. */
  private async crossEpochsTo(target: BlockHeader): Promise<void> {
    const L = this.trust.epochLength;
    for (let guard = 0; guard < 1_000_000; guard++) {
      const trusted = this.lc.bls!;
      if (bytesEqual(target.validatorSetRoot, trusted.validatorSetRoot)) return;
      const end = (Math.floor(trusted.height / L) + 1) * L;
      if (end >= target.height) throw new Error(`hub header ${target.height} names a signing set the client cannot reach from height ${trusted.height}`);
      const h = await this.client.get("header", { height: end }, {}, (j) => decodeHeaderResponseJson(j));
      const c = await this.client.get("certificates", { height: end }, {}, (j) => decodeCertificateResponseJson(j, { chainId: this.trust.chainId }));
      if (!h || !c) throw new Error(`the hub has no header or certificate for height ${end}`);
      const changes = !bytesEqual(h.header.nextValidatorSetRoot, h.header.validatorSetRoot);
      const next = changes ? await this.client.get("validators", {}, { height: end + 1 }, (j) => decodeValidatorSetJson(j)) : undefined;
      if (changes && !next) throw new Error(`the hub has no validator set for height ${end + 1}`);
      this.lc = processBlsUpdate(this.lc, { header: h.header, certificate: c.bls.certificate, ...(next ? { nextValidatorSet: next.validatorSet } : {}) }, this.now());
    }
  }
}
