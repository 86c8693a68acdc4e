import { EventEmitter } from "node:events";
import {
  blsAggregateSignatures,
  bytesEqual,
  computeBlockHash,
  EMPTY_MERKLE_ROOT,
  computeValidatorSetRoot,
  createSignerBitmap,
  getSignerIndices,
  isSignerSet,
  toHex,
  VoteType,
  ZERO_HASH,
  type CommitCertificate,
  type PolkaCertificate,
  type ValidatorSet,
} from "@aegis/consumer-sdk";
import { getEvidenceId, type WalEntry } from "../db/index.js";
import type { Logger } from "../logger.js";
import type { Genesis } from "../genesis.js";
import { realTicker, type EngineMempool, type EngineSigner, type EngineStore, type TickerHandle, type TimeoutTicker } from "./engineModules.js";
import { ApplicationError, type Application, type BlockExecutionContext, type ExecutionResult } from "../app/application.js";
import { assertValidBlock, BlockError, createBlock, getChainTipAfter, type ChainTip } from "./blockRules.js";
import { duplicateVoteDefect } from "./evidence.js";
import { MAX_EVIDENCE_PER_BLOCK } from "../codec/codec.js";
import { ProposerSchedule } from "./proposerSchedule.js";
import {
  applyConsensusEvent,
  getProposerIndex,
  getTimeoutMs,
  getVotesToRebroadcast,
  isProposalWanted,
  startHeight,
  type ConsensusEffect,
  type ConsensusEvent,
  type RoundState,
} from "./roundState.js";
import { Step, type Block, type CertifiedBlock, type DuplicateVoteEvidence, type Evidence, type ProposalMessage, type Vote } from "./types.js";

export interface ConsensusEngineOpts {
  genesis: Genesis;
  /** With an empty mempool, wait up to this long for a transaction before proposing an empty block (0: never wait). */
  createEmptyBlocksIntervalMs?: number;
  maxBlockBytes?: number;
  maxBlockTxs?: number;
  /** Re-send our own votes (and proposal) of the current round this often while the height does not move. */
  rebroadcastIntervalMs?: number;
  /**
   * A proposer whose certificate of the previous height lacks some validators waits up to this long
   * (from entering the height) for their late precommits before proposing, so the liveness rule does
   * not count a slow but live validator as absent (default 50 ms; 0: never wait).
   */
  lastCommitWaitMs?: number;
  /**
   * Keep the polkas of this many heights up to the last committed one, pruning older ones at each
   * commit (0, the default: keep every polka). See NodeConfig's `consensus.polkaRetentionHeights`.
   */
  polkaRetentionHeights?: number;
}

/** Where the engine's outgoing messages go (the node wires this to gossip). */
export interface ConsensusOutbox {
  proposal(msg: ProposalMessage): void;
  /** Our own votes, and at a rebroadcast others' votes we relay (getVotesToRebroadcast). */
  vote(vote: Vote): void;
  evidence(e: DuplicateVoteEvidence): void;
  /** The engine saw it is behind (messages from a later height, a decided block it lacks). */
  requestSync(reason: string): void;
}

export interface Clock {
  now(): number;
}

export interface ConsensusEngineModules {
  /** The block store, WAL, evidence pool and polka store (a HubDb in a node). */
  db: EngineStore;
  mempool: EngineMempool;
  outbox: ConsensusOutbox;
  /** null on a node that follows without voting. */
  privValidator: EngineSigner | null;
  /** The state machine that executes blocks. */
  app: Application;
  logger: Logger;
  /** Default Date.now. */
  clock?: Clock;
  /** Default realTicker (setTimeout). */
  ticker?: TimeoutTicker;
}

export interface CommitEvent {
  height: number;
  round: number;
  block: Block;
  blockHash: Uint8Array;
  certificate: CommitCertificate;
  /** Proposal seen (or made) → commit certificate formed, in ms; null when the block came from sync. */
  finalityMs: number | null;
  txCount: number;
}

type Input =
  | { kind: "proposal"; msg: ProposalMessage; blockHash: Uint8Array }
  | { kind: "vote"; vote: Vote }
  | { kind: "timeout"; height: number; round: number; step: Step.Propose | Step.Prevote | Step.Precommit }
  | { kind: "certified"; cb: CertifiedBlock; done: (err?: Error) => void }
  | { kind: "task"; run: () => Promise<void> };

/** Evidence older than this many heights is not loaded back into the pool at start (the app would refuse it as too old anyway). */
const MAX_EVIDENCE_AGE_HEIGHTS = 100_000;

/** One pending entry per offence (getEvidenceId: a validator's votes at one (height, round, type), or its attestations at one height). */
function evidenceKeyString(e: Evidence): string {
  return getEvidenceId(e);
}

/** Messages buffered for the next heights (they arrive while we finish the current one). */
const FUTURE_HEIGHTS = 2;
const MAX_FUTURE_MESSAGES = 20_000;

/** How many rounds of its own votes a node re-sends at each rebroadcast (the current one and those before it). */
const REBROADCAST_ROUNDS = 8;

/**
 * The one loop that owns the consensus state. Inputs (verified proposals and votes, timeouts, synced
 * blocks) queue up; each batch is written to the WAL, applied to the pure round state machine, and the
 * resulting effects are carried out in order: store a polka (ahead of the votes it allows), sign
 * (through the double-sign guard), send, schedule, persist the commit, start the next height at once.
 */
export class ConsensusEngine extends EventEmitter<{ commit: [CommitEvent]; fatal: [Error] }> {
  private readonly genesis: Genesis;
  private readonly log: Logger;
  private readonly clock: Clock;
  /** One proposer schedule per validator set (an epoch's schedule starts at its first height). */
  private readonly schedules = new WeakMap<ValidatorSet, ProposerSchedule>();
  /** Our index in each set (null: not a member). */
  private readonly selfIndexes = new WeakMap<ValidatorSet, number | null>();
  private readonly emptyBlockWaitMs: number;
  private readonly maxBlockBytes: number;
  private readonly maxBlockTxs: number;
  private readonly rebroadcastMs: number;
  private readonly lastCommitWaitMs: number;
  private readonly polkaRetentionHeights: number;

  private tip!: ChainTip;
  /** The certificate of the tip, grown by precommits that arrive after the commit (null at genesis). */
  private lastCommit: CommitCertificate | null = null;
  /** Double-sign and double-attestation evidence not yet in a block, by offence (getEvidenceId). */
  private readonly pendingEvidence = new Map<string, Evidence>();
  private heightStartedAt = 0;
  private state!: RoundState;
  private inbox: Input[] = [];
  private draining = false;
  private running = false;
  private replaying = false;
  private readonly ticker: TimeoutTicker;
  /** The height's round timeouts and deferred proposal (cancelled when the height changes or the engine stops). */
  private readonly timers = new Set<TickerHandle>();
  private rebroadcastTimer: TickerHandle | null = null;
  private readonly future = new Map<number, Input[]>();
  private futureCount = 0;
  /** Proposal first seen at (round → Unix ms), for the finality metric. */
  private proposalSeenAt = new Map<number, number>();
  private ownProposals = new Map<number, ProposalMessage>();
  /** Our turn to propose, deferred: for a transaction ("empty") or for late precommits ("lastCommit"). */
  private pendingPropose: { height: number; round: number; polRound: number; since: number; reason: "empty" | "lastCommit" } | null = null;
  private idle: Promise<void> = Promise.resolve();
  private idleResolve: (() => void) | null = null;

  constructor(
    opts: ConsensusEngineOpts,
    private readonly modules: ConsensusEngineModules,
  ) {
    super();
    this.genesis = opts.genesis;
    this.log = modules.logger.child({ module: "consensus" });
    this.clock = modules.clock ?? { now: () => Date.now() };
    this.ticker = modules.ticker ?? realTicker;
    this.emptyBlockWaitMs = opts.createEmptyBlocksIntervalMs ?? 1000;
    this.maxBlockBytes = opts.maxBlockBytes ?? 4 * 1024 * 1024;
    this.maxBlockTxs = opts.maxBlockTxs ?? 10_000;
    this.rebroadcastMs = opts.rebroadcastIntervalMs ?? 1000;
    this.lastCommitWaitMs = opts.lastCommitWaitMs ?? 50;
    this.polkaRetentionHeights = opts.polkaRetentionHeights ?? 0;
  }

  get chainId(): string {
    return this.genesis.chainId;
  }
  /** Our index in the set that signs the height in progress (null: not a validator there). */
  get validatorIndex(): number | null {
    return this.tip ? this.selfIndex : null;
  }

  private get selfIndex(): number | null {
    return this.selfIndexAt(this.tip.height + 1);
  }

  private selfIndexAt(height: number): number | null {
    const set = this.getValidatorSet(height);
    let idx = this.selfIndexes.get(set);
    if (idx === undefined) {
      const pv = this.modules.privValidator;
      const found = pv ? set.validators.findIndex((v) => toHex(v.blsPublicKey) === toHex(pv.publicKey)) : -1;
      idx = found >= 0 ? found : null;
      this.selfIndexes.set(set, idx);
    }
    return idx;
  }

  /** The set signing `height` and the height its schedule starts at: from the application, else the genesis set. */
  private setInfo(height: number): { set: ValidatorSet; startHeight: number } {
    return this.modules.app.validatorSetAt?.(height) ?? { set: this.genesis.validatorSet, startHeight: 1 };
  }

  private scheduleFor(height: number): ProposerSchedule {
    const { set, startHeight } = this.setInfo(height);
    let schedule = this.schedules.get(set);
    if (!schedule) {
      schedule = new ProposerSchedule(set, startHeight);
      this.schedules.set(set, schedule);
    }
    return schedule;
  }

  /** The proposer of (height, round) by weighted round robin over the set signing that height. */
  getProposerIndex(height: number, round: number): number {
    return this.scheduleFor(height).getProposerIndex(height, round);
  }
  get height(): number {
    return this.tip.height;
  }
  get chainTip(): ChainTip {
    return this.tip;
  }
  get round(): number {
    return this.state.round;
  }
  get step(): Step {
    return this.state.step;
  }

  /** The validator set that signs `height` (the application's epoch sets; the genesis set without them). */
  getValidatorSet(height: number): ValidatorSet {
    return this.setInfo(height).set;
  }

  /** Resumes from disk: the last committed block, then the WAL of the height in progress. */
  async start(): Promise<void> {
    const { db } = this.modules;
    const { app } = this.modules;
    const latest = await db.blocks.latestHeight();
    if (app.height > latest) throw new Error(`application state is at height ${app.height} but the chain only at ${latest}`);
    if (app.height === 0) {
      this.tip = { chainId: this.genesis.chainId, height: 0, blockHash: ZERO_HASH, time: this.genesis.genesisTime, stateRoot: app.stateRoot };
    } else {
      const block = await db.blocks.getBlock(app.height);
      if (!block) throw new Error(`application state is at height ${app.height} but the database holds no block there`);
      this.tip = getChainTipAfter({ chainId: this.genesis.chainId, height: 0, blockHash: ZERO_HASH, time: 0, stateRoot: ZERO_HASH }, block);
    }
    // Blocks committed before a crash whose execution was not yet persisted: execute them again.
    for (let h = app.height + 1; h <= latest; h++) {
      const block = await db.blocks.getBlock(h);
      if (!block) throw new Error(`database says latest height ${latest} but holds no block at ${h}`);
      await this.commitExecution(block);
      this.tip = getChainTipAfter(this.tip, block);
    }
    this.lastCommit = this.tip.height > 0 ? ((await db.blocks.getCertificate(this.tip.height)) ?? null) : null;
    if (this.tip.height > 0 && !this.lastCommit) throw new Error(`database holds no certificate for height ${this.tip.height}`);
    for (const e of await db.evidence.list({ fromHeight: Math.max(0, this.tip.height - MAX_EVIDENCE_AGE_HEIGHTS) })) {
      this.pendingEvidence.set(evidenceKeyString(e), e);
    }
    this.running = true;
    const wal = await db.wal.read(this.tip.height + 1);
    this.replaying = wal.length > 0;
    const now = this.clock.now();
    this.heightStartedAt = now;
    const started = startHeight(this.heightParams(this.tip.height + 1), wal[0]?.time ?? now);
    this.state = started.state;
    await this.execute(started.effects);
    if (wal.length > 0) {
      this.log.info("replaying WAL", { height: this.tip.height + 1, entries: wal.length });
      for (const e of wal) {
        const ev = await this.walToEvent(e);
        if (ev) await this.execute(applyConsensusEvent(this.state, ev, e.time));
        if (this.state.height !== this.tip.height + 1) break;
      }
      this.replaying = false;
      await this.resumeAfterReplay();
    }
    this.scheduleRebroadcast();
    this.log.info("consensus started", { height: this.tip.height + 1, validatorIndex: this.selfIndex });
  }

  async stop(): Promise<void> {
    this.running = false;
    this.cancelTimers();
    if (this.rebroadcastTimer !== null) this.ticker.cancel(this.rebroadcastTimer);
    this.rebroadcastTimer = null;
    await this.whenIdle();
  }

  /** Every rebroadcastMs, while running: our votes and proposal of the height again (a lost message does not stall it). */
  private scheduleRebroadcast(): void {
    this.rebroadcastTimer = this.ticker.schedule(this.rebroadcastMs, () => {
      if (!this.running) return;
      this.push({ kind: "task", run: async () => this.rebroadcast() });
      this.scheduleRebroadcast();
    });
  }

  /** Runs `fn` after `ms` unless the height changes or the engine stops first. */
  private after(ms: number, fn: () => void): void {
    const t = this.ticker.schedule(ms, () => {
      this.timers.delete(t);
      fn();
    });
    this.timers.add(t);
  }

  private cancelTimers(): void {
    for (const t of this.timers) this.ticker.cancel(t);
    this.timers.clear();
  }

  /** Resolves when the inbox is empty and nothing is being processed. */
  whenIdle(): Promise<void> {
    return this.draining ? this.idle : Promise.resolve();
  }

  // ------------------------------------------------------------------ inputs (already verified)

  /** A proposal whose signature, proposer and block hash were checked by gossip validation. */
  submitProposal(msg: ProposalMessage, blockHash: Uint8Array): void {
    this.push({ kind: "proposal", msg, blockHash });
  }

  /** A vote whose signature was checked by gossip validation. */
  submitVote(vote: Vote): void {
    this.push({ kind: "vote", vote });
  }

  /** A block with a commit certificate checked by the sync service; applied if it is the next one. */
  submitCertifiedBlock(cb: CertifiedBlock): Promise<void> {
    return new Promise((resolve, reject) => this.push({ kind: "certified", cb, done: (err) => (err ? reject(err) : resolve()) }));
  }

  /**
   * Evidence checked by gossip validation or found by the node (and stored): duplicate votes, double
   * attestations. A later proposer offers it to the application, which keeps it if the slashing rule
   * accepts it, and puts it in a block.
   */
  submitEvidence(e: Evidence): void {
    this.push({ kind: "task", run: async () => void this.pendingEvidence.set(evidenceKeyString(e), e) });
  }

  /** Evidence waiting for a block (for the API and tests). */
  get pendingEvidenceCount(): number {
    return this.pendingEvidence.size;
  }

  /** A transaction entered the mempool: a proposer waiting for one proposes now. */
  notifyTx(): void {
    if (this.pendingPropose) this.push({ kind: "task", run: async () => this.tryPendingPropose(true) });
  }

  // ------------------------------------------------------------------ loop

  private push(input: Input): void {
    if (!this.running) {
      if (input.kind === "certified") input.done(new Error("consensus engine is stopped"));
      return;
    }
    this.inbox.push(input);
    if (!this.draining) {
      this.draining = true;
      this.idle = new Promise((r) => (this.idleResolve = r));
      setImmediate(() => void this.drain());
    }
  }

  private async drain(): Promise<void> {
    try {
      while (this.inbox.length > 0 && this.running) {
        const batch = this.inbox;
        this.inbox = [];
        await this.processBatch(batch);
      }
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      this.log.error("consensus loop failed", { error: err.message });
      this.running = false;
      this.emit("fatal", err);
    } finally {
      this.inbox = [];
      this.draining = false;
      this.idleResolve?.();
    }
  }

  private async processBatch(batch: Input[]): Promise<void> {
    // Log this height's messages and timeouts in one write before any of them is applied.
    const h = this.tip.height + 1;
    const now = this.clock.now();
    const entries: WalEntry[] = [];
    for (const input of batch) {
      const e = this.inputToWal(input, h, now);
      if (e) entries.push(e);
    }
    // Not fsynced: the guard's synced write before our next signature flushes these too (WalWriteOptions).
    if (entries.length > 0) await this.modules.db.wal.appendMany(h, entries, { sync: false });
    for (const input of batch) {
      if (!this.running) return;
      await this.processInput(input);
    }
  }

  private inputToWal(input: Input, height: number, now: number): WalEntry | null {
    switch (input.kind) {
      case "proposal":
        return input.msg.proposal.height === height ? { time: now, kind: "proposal", message: input.msg } : null;
      case "vote":
        return input.vote.height === height ? { time: now, kind: "vote", vote: input.vote } : null;
      case "timeout":
        return input.height === height ? { time: now, kind: "timeout", height: input.height, round: input.round, step: input.step } : null;
      default:
        return null;
    }
  }

  private async walToEvent(e: WalEntry): Promise<ConsensusEvent | null> {
    switch (e.kind) {
      case "proposal":
        return this.proposalEvent(e.message, computeBlockHash(e.message.block.header), e.time);
      case "vote":
        return { kind: "vote", vote: e.vote };
      case "timeout":
        return { kind: "timeout", height: e.height, round: e.round, step: e.step as Step.Propose | Step.Prevote | Step.Precommit };
    }
  }

  private async processInput(input: Input): Promise<void> {
    const h = this.tip.height + 1;
    switch (input.kind) {
      case "proposal": {
        const ph = input.msg.proposal.height;
        if (ph > h) return this.bufferFuture(ph, input);
        if (ph < h) return;
        const now = this.clock.now();
        if (!this.proposalSeenAt.has(input.msg.proposal.round)) this.proposalSeenAt.set(input.msg.proposal.round, now);
        // A copy the round state would ignore (the proposer re-sends its proposal every rebroadcast) is
        // not validated and executed again.
        if (!isProposalWanted(this.state, input.msg.proposal, input.blockHash)) return;
        const ev = await this.proposalEvent(input.msg, input.blockHash, now);
        return this.execute(applyConsensusEvent(this.state, ev, now));
      }
      case "vote": {
        const vh = input.vote.height;
        if (vh > h) return this.bufferFuture(vh, input);
        if (vh === h - 1) return this.addLatePrecommit(input.vote);
        if (vh < h) return;
        return this.execute(applyConsensusEvent(this.state, { kind: "vote", vote: input.vote }, this.clock.now()));
      }
      case "timeout": {
        if (input.height !== h) return;
        if (input.round === this.state.round) this.rebroadcast();
        return this.execute(applyConsensusEvent(this.state, input, this.clock.now()));
      }
      case "certified":
        try {
          await this.applyCertified(input.cb);
          input.done();
        } catch (e) {
          input.done(e instanceof Error ? e : new Error(String(e)));
          if (!(e instanceof BlockError)) throw e;
        }
        return;
      case "task":
        return input.run();
    }
  }

  /** valid(v): the pure block rules, then execution of the block, whose state root must match the header's. */
  private async proposalEvent(msg: ProposalMessage, blockHash: Uint8Array, now: number): Promise<ConsensusEvent> {
    let valid = true;
    try {
      assertValidBlock(msg.block, {
        tip: this.tip,
        validatorSet: this.getValidatorSet(msg.proposal.height),
        lastValidatorSet: this.lastValidatorSet(),
        now,
        maxBlockBytes: this.maxBlockBytes,
      });
      await this.assertExecutes(msg.block);
    } catch (e) {
      if (!(e instanceof BlockError)) throw e;
      valid = false;
      this.log.warn("invalid proposed block", { height: msg.proposal.height, round: msg.proposal.round, code: e.code });
    }
    return { kind: "proposal", proposal: msg.proposal, block: msg.block, blockHash, valid };
  }

  private executionContext(block: Block): BlockExecutionContext {
    const h = block.header;
    return {
      chainId: h.chainId,
      height: h.height,
      time: h.time,
      proposer: h.proposer,
      parentHash: h.parentHash,
      lastCommit: block.lastCommit ? { height: block.lastCommit.height, signers: block.lastCommit.signers } : null,
      evidence: block.evidence,
    };
  }

  /** The set that signed the tip (null at genesis): a block's last commit is checked against it. */
  private lastValidatorSet(): ValidatorSet | null {
    return this.tip.height > 0 ? this.getValidatorSet(this.tip.height) : null;
  }

  /**
   * A precommit for the tip's block in the certificate's round that arrived after the commit: its
   * signature (checked by gossip validation) joins the aggregate and its bit the bitmap, so the next
   * proposal's last commit names every validator that signed in time for it.
   */
  private async addLatePrecommit(vote: Vote): Promise<void> {
    const lc = this.lastCommit;
    if (!lc || vote.type !== VoteType.Precommit || vote.height !== lc.height || vote.round !== lc.round) return;
    if (!vote.blockHash || !bytesEqual(vote.blockHash, lc.blockHash)) return;
    const set = this.getValidatorSet(lc.height);
    if (vote.validatorIndex >= set.validators.length || isSignerSet(lc.signers, vote.validatorIndex)) return;
    const signers = createSignerBitmap(set.validators.length, [...getSignerIndices(lc.signers), vote.validatorIndex]);
    this.lastCommit = { ...lc, signers, signature: blsAggregateSignatures([lc.signature, vote.signature]) };
    if (this.pendingPropose?.reason === "lastCommit" && this.lastCommitComplete()) await this.tryPendingPropose(false);
  }

  private lastCommitComplete(): boolean {
    const lc = this.lastCommit;
    if (!lc) return true;
    const n = this.getValidatorSet(lc.height).validators.length;
    for (let i = 0; i < n; i++) if (!isSignerSet(lc.signers, i)) return false;
    return true;
  }

  /** Executes `block` on the committed state; throws BlockError when the application refuses it or the root differs. */
  private async assertExecutes(block: Block): Promise<void> {
    let result: ExecutionResult;
    try {
      result = await this.modules.app.executeBlock(this.executionContext(block), block.txs);
    } catch (e) {
      if (e instanceof ApplicationError) throw new BlockError({ code: "BLOCK_ERROR_REJECTED_BY_APP", reason: e.message });
      throw e;
    }
    if (toHex(result.stateRoot) !== toHex(block.header.stateRoot)) throw new BlockError({ code: "BLOCK_ERROR_WRONG_STATE_ROOT" });
    const nextRoot = result.nextValidatorSetRoot ?? computeValidatorSetRoot(this.getValidatorSet(block.header.height));
    if (toHex(nextRoot) !== toHex(block.header.nextValidatorSetRoot)) throw new BlockError({ code: "BLOCK_ERROR_WRONG_NEXT_VALIDATOR_SET" });
    if (!bytesEqual(result.consumerCheckpointRoot ?? EMPTY_MERKLE_ROOT, block.header.consumerCheckpointRoot)) throw new BlockError({ code: "BLOCK_ERROR_WRONG_CHECKPOINT_ROOT" });
  }

  private async commitExecution(block: Block): Promise<void> {
    const { stateRoot } = await this.modules.app.commitBlock(this.executionContext(block), block.txs);
    if (toHex(stateRoot) !== toHex(block.header.stateRoot)) {
      // 2/3 of the stake signed a root this node does not reproduce: a bug or corruption here. Stop.
      throw new Error(`executing committed block ${block.header.height} gave state root ${toHex(stateRoot)}, the header says ${toHex(block.header.stateRoot)}`);
    }
  }

  private bufferFuture(height: number, input: Input): void {
    if (height > this.tip.height + 1 + FUTURE_HEIGHTS) {
      this.modules.outbox.requestSync(`message for height ${height} while at ${this.tip.height + 1}`);
      return;
    }
    if (this.futureCount >= MAX_FUTURE_MESSAGES) return;
    let list = this.future.get(height);
    if (!list) {
      list = [];
      this.future.set(height, list);
    }
    list.push(input);
    this.futureCount++;
    if (height > this.tip.height + 2) this.modules.outbox.requestSync(`messages for height ${height}`);
  }

  // ------------------------------------------------------------------ effects

  private async execute(effects: ConsensusEffect[]): Promise<void> {
    for (const eff of effects) {
      if (!this.running) return;
      switch (eff.kind) {
        case "propose":
          if (this.replaying) break;
          await this.propose(eff.height, eff.round, eff.polRound, eff.validBlock);
          break;
        case "vote":
          await this.castVote(eff);
          break;
        case "scheduleTimeout":
          if (!this.replaying) this.scheduleTimeout(eff.height, eff.round, eff.step, eff.durationMs);
          break;
        case "commit":
          await this.commit(eff);
          break;
        case "polka":
          await this.recordPolka(eff);
          break;
        case "evidence":
          await this.recordEvidence(eff.voteA, eff.voteB);
          break;
        case "missingBlock":
          this.modules.outbox.requestSync(`2/3 precommitted unknown block ${eff.blockHash.slice(0, 12)} at ${eff.height}/${eff.round}`);
          break;
        case "newRound":
          if (eff.round > 0) this.log.info("new round", { height: eff.height, round: eff.round });
          break;
      }
    }
  }

  private scheduleTimeout(height: number, round: number, step: Step.Propose | Step.Prevote | Step.Precommit, ms: number): void {
    this.after(ms, () => this.push({ kind: "timeout", height, round, step }));
  }

  private async castVote(eff: Extract<ConsensusEffect, { kind: "vote" }>): Promise<void> {
    const pv = this.modules.privValidator;
    if (!pv || this.selfIndex === null) return;
    let signature: Uint8Array;
    try {
      signature = await pv.signVote(this.genesis.chainId, { type: eff.type, height: eff.height, round: eff.round, blockHash: eff.blockHash });
    } catch (e) {
      // The guard refused: we already signed at or after this step (only during WAL replay or after a
      // crash between signing and logging). Refusing is the safe outcome.
      const log = this.replaying ? this.log.debug : this.log.warn;
      log.call(this.log, "signer refused vote", { height: eff.height, round: eff.round, type: eff.type, error: (e as Error).message });
      return;
    }
    const vote: Vote = { type: eff.type, height: eff.height, round: eff.round, blockHash: eff.blockHash, validatorIndex: this.selfIndex, signature };
    await this.modules.db.wal.append(eff.height, { time: this.clock.now(), kind: "vote", vote }, { sync: false });
    this.modules.outbox.vote(vote);
    await this.execute(applyConsensusEvent(this.state, { kind: "vote", vote }, this.clock.now()));
  }

  private async propose(height: number, round: number, polRound: number, validBlock: Block | null): Promise<void> {
    if (!validBlock && this.emptyBlockWaitMs > 0 && this.modules.mempool.size === 0) {
      // Nothing to order: wait for a transaction or for the empty-block interval.
      this.deferPropose({ height, round, polRound, since: this.clock.now(), reason: "empty" }, this.emptyBlockWaitMs);
      return;
    }
    if (!validBlock && this.deferForLastCommit(height, round, polRound)) return;
    await this.signAndSendProposal(height, round, polRound, validBlock);
  }

  private deferPropose(p: NonNullable<ConsensusEngine["pendingPropose"]>, ms: number): void {
    this.pendingPropose = p;
    this.after(ms, () => this.push({ kind: "task", run: async () => this.tryPendingPropose(false) }));
  }

  /** Defers a new block while the tip's certificate lacks validators and the wait has time left. */
  private deferForLastCommit(height: number, round: number, polRound: number): boolean {
    if (this.lastCommitComplete()) return false;
    const left = this.lastCommitWaitMs - (this.clock.now() - this.heightStartedAt);
    if (left <= 0) return false;
    this.deferPropose({ height, round, polRound, since: this.clock.now(), reason: "lastCommit" }, left);
    return true;
  }

  private async tryPendingPropose(fromTx: boolean): Promise<void> {
    const p = this.pendingPropose;
    if (!p) return;
    if (p.height !== this.state.height || p.round !== this.state.round || this.state.step !== Step.Propose) {
      this.pendingPropose = null;
      return;
    }
    if (fromTx && (p.reason !== "empty" || this.modules.mempool.size === 0)) return;
    this.pendingPropose = null;
    if (p.reason === "empty" && this.deferForLastCommit(p.height, p.round, p.polRound)) return;
    await this.signAndSendProposal(p.height, p.round, p.polRound, null);
  }

  private async signAndSendProposal(height: number, round: number, polRound: number, validBlock: Block | null): Promise<void> {
    const pv = this.modules.privValidator;
    if (!pv || this.selfIndex === null) return;
    const now = this.clock.now();
    let block = validBlock;
    if (!block) {
      const set = this.getValidatorSet(height);
      const time = Math.max(now, this.tip.time + 1);
      const lastCommit = this.lastCommit;
      const candidates = [...this.pendingEvidence.values()].slice(0, MAX_EVIDENCE_PER_BLOCK);
      const ctx: BlockExecutionContext = {
        chainId: this.genesis.chainId,
        height,
        time,
        proposer: set.validators[this.selfIndex]!.address,
        parentHash: this.tip.blockHash,
        lastCommit: lastCommit ? { height: lastCommit.height, signers: lastCommit.signers } : null,
        evidence: candidates,
      };
      const prepared = await this.modules.app.prepareBlock(ctx, this.modules.mempool.reap(this.maxBlockBytes, this.maxBlockTxs));
      // Evidence the application refused (already punished, too old, invalid) will never be valid again.
      const kept = new Set(prepared.evidence.map(evidenceKeyString));
      for (const e of candidates) if (!kept.has(evidenceKeyString(e))) this.pendingEvidence.delete(evidenceKeyString(e));
      block = createBlock({
        tip: this.tip,
        validatorSet: set,
        proposerIndex: this.selfIndex,
        txs: prepared.txs,
        stateRoot: prepared.stateRoot,
        nextValidatorSetRoot: prepared.nextValidatorSetRoot,
        consumerCheckpointRoot: prepared.consumerCheckpointRoot,
        lastCommit,
        evidence: prepared.evidence,
        now: time,
      });
    }
    const blockHash = computeBlockHash(block.header);
    let signature: Uint8Array;
    try {
      signature = await pv.signProposal(this.genesis.chainId, { height, round, polRound, blockHash });
    } catch (e) {
      this.log.warn("signer refused proposal", { height, round, error: (e as Error).message });
      return;
    }
    const msg: ProposalMessage = { proposal: { height, round, polRound, blockHash, proposerIndex: this.selfIndex, signature }, block };
    await this.modules.db.wal.append(height, { time: now, kind: "proposal", message: msg }, { sync: false });
    this.ownProposals.set(round, msg);
    this.proposalSeenAt.set(round, now);
    this.modules.outbox.proposal(msg);
    await this.execute(applyConsensusEvent(this.state, { kind: "proposal", proposal: msg.proposal, block, blockHash, valid: true }, now));
  }

  /**
   * Stores a polka before the effects that follow it run: the round state reports it ahead of the
   * lock, precommit or proposal it allows, so it is written before this node signs anything that
   * relies on it. The write is not fsynced: it reaches the OS at once (surviving a process crash),
   * and the guard's synced record of our next signature flushes it before that signature leaves
   * (as for the WAL). Prevote signatures were verified on arrival; they are only aggregated here.
   */
  private async recordPolka(eff: Extract<ConsensusEffect, { kind: "polka" }>): Promise<void> {
    const set = this.getValidatorSet(eff.height);
    const polka: PolkaCertificate = {
      height: eff.height,
      round: eff.round,
      blockHash: eff.blockHash,
      signers: createSignerBitmap(set.validators.length, eff.prevotes.map((v) => v.validatorIndex)),
      signature: blsAggregateSignatures(eff.prevotes.map((v) => v.signature)),
    };
    if (await this.modules.db.polkas.putPolka(polka, { sync: false })) {
      this.log.debug("polka stored", { height: eff.height, round: eff.round, signers: eff.prevotes.length });
    }
  }

  private async recordEvidence(voteA: Vote, voteB: Vote): Promise<void> {
    // The vote set found the conflict; the one content rule of gossip and slashing confirms it (a pair
    // it refuses would make evidence that no block could carry).
    const defect = duplicateVoteDefect(voteA, voteB);
    if (defect !== null) {
      this.log.error("vote conflict that is not a duplicate vote", { height: voteA.height, round: voteA.round, validatorIndex: voteA.validatorIndex, defect });
      return;
    }
    const e: DuplicateVoteEvidence = { voteA, voteB, time: this.clock.now() };
    const added = await this.modules.db.evidence.add(e);
    if (added) {
      this.log.warn("duplicate vote evidence", { height: voteA.height, round: voteA.round, validatorIndex: voteA.validatorIndex });
      this.pendingEvidence.set(evidenceKeyString(e), e);
      this.modules.outbox.evidence(e);
    }
  }

  private async commit(eff: Extract<ConsensusEffect, { kind: "commit" }>): Promise<void> {
    const set = this.getValidatorSet(eff.height);
    const certificate: CommitCertificate = {
      height: eff.height,
      round: eff.round,
      blockHash: eff.blockHash,
      signers: createSignerBitmap(set.validators.length, eff.precommits.map((v) => v.validatorIndex)),
      signature: blsAggregateSignatures(eff.precommits.map((v) => v.signature)),
    };
    const seen = this.proposalSeenAt.get(eff.round) ?? this.proposalSeenAt.get(this.state.decided?.record.proposal.round ?? -1);
    const finalityMs = seen !== undefined ? this.clock.now() - seen : null;
    await this.finalize({ block: eff.block, certificate }, finalityMs);
  }

  private async applyCertified(cb: CertifiedBlock): Promise<void> {
    const h = cb.block.header.height;
    if (h !== this.tip.height + 1) return; // already have it, or not next: the sync service retries in order
    // A committed block is checked for linkage and content; its time was judged by the 2/3 that signed it.
    assertValidBlock(cb.block, {
      tip: this.tip,
      validatorSet: this.getValidatorSet(h),
      lastValidatorSet: this.lastValidatorSet(),
      now: Number.MAX_SAFE_INTEGER,
    });
    await this.assertExecutes(cb.block);
    this.log.info("applying synced block", { height: h });
    await this.finalize(cb, null);
  }

  private async finalize(cb: CertifiedBlock, finalityMs: number | null): Promise<void> {
    const { db, mempool } = this.modules;
    // Block first, then its execution: after a crash between the two, start() executes it again.
    await db.blocks.putCertified(cb);
    await this.commitExecution(cb.block);
    mempool.removeCommitted(cb.block.txs);
    for (const e of cb.block.evidence) this.pendingEvidence.delete(evidenceKeyString(e));
    const height = cb.block.header.height;
    this.tip = getChainTipAfter(this.tip, cb.block);
    this.lastCommit = cb.certificate;
    this.emit("commit", {
      height,
      round: cb.certificate.round,
      block: cb.block,
      blockHash: cb.certificate.blockHash,
      certificate: cb.certificate,
      finalityMs,
      txCount: cb.block.txs.length,
    });
    await db.wal.prune(height + 1);
    if (this.polkaRetentionHeights > 0 && height > this.polkaRetentionHeights) await db.polkas.prunePolkasBelow(height - this.polkaRetentionHeights + 1);
    await this.enterHeight(height + 1);
  }

  private async enterHeight(height: number): Promise<void> {
    this.cancelTimers();
    this.pendingPropose = null;
    this.proposalSeenAt = new Map();
    this.ownProposals = new Map();
    const now = this.clock.now();
    this.heightStartedAt = now;
    const started = startHeight(this.heightParams(height), now);
    this.state = started.state;
    await this.execute(started.effects);
    // Replay what arrived early for this height, drop what is now in the past.
    for (const k of [...this.future.keys()]) {
      if (k < height) {
        this.futureCount -= this.future.get(k)!.length;
        this.future.delete(k);
      }
    }
    const early = this.future.get(height);
    if (early) {
      this.future.delete(height);
      this.futureCount -= early.length;
      const entries = early.map((i) => this.inputToWal(i, height, now)).filter((e): e is WalEntry => e !== null);
      if (entries.length > 0) await this.modules.db.wal.appendMany(height, entries, { sync: false });
      for (const input of early) {
        if (this.state.height !== height) break;
        await this.processInput(input);
      }
    }
  }

  private heightParams(height: number) {
    return {
      chainId: this.genesis.chainId,
      height,
      validatorSet: this.getValidatorSet(height),
      schedule: this.scheduleFor(height),
      selfIndex: this.selfIndexAt(height),
      timeouts: this.genesis.timeouts,
    };
  }

  /** After WAL replay: restart the timers of the current step and propose if it is our turn. */
  private async resumeAfterReplay(): Promise<void> {
    const s = this.state;
    if (s.decided) return;
    const step = s.step === Step.Propose ? Step.Propose : s.step === Step.Prevote ? Step.Prevote : Step.Precommit;
    this.scheduleTimeout(s.height, s.round, step, getTimeoutMs(s.timeouts, step, s.round));
    if (s.step === Step.Propose && this.selfIndex !== null && getProposerIndex(s, s.round) === this.selfIndex && !s.proposals.has(s.round)) {
      await this.propose(s.height, s.round, s.validRound, s.validBlock ? s.validBlock.block : null);
    }
    this.rebroadcast();
  }

  /**
   * Gossip is best effort: re-sends this node's proposal of the current round, its own votes of every
   * round of the height so far (the last REBROADCAST_ROUNDS), everyone's votes of the current and the
   * previous round, and the prevotes of the polka behind its valid block and of the one the current
   * proposal names (getVotesToRebroadcast). A peer that missed an earlier round's votes (it restarted,
   * or was cut off) still gets the polka a re-proposal names as its POL, and the precommits of a round
   * it is stuck in. Re-sending only the current round's votes once stalled a height after four nodes
   * restarted mid-height: two were locked on a round-0 block the third had no polka for. Re-sending
   * only our own votes stalled heights with double voters, whose votes nobody re-sent: a polka, or the
   * 2/3 of precommits that ends a round, holding a double voter's vote that only some nodes received
   * (the engine simulation's seeds 3, 28, 190 and 35 with `--byzantine drawn`).
   */
  private rebroadcast(): void {
    if (!this.running || this.selfIndex === null || !this.state || this.state.decided) return;
    const own = this.ownProposals.get(this.state.round);
    if (own) this.modules.outbox.proposal(own);
    for (const v of getVotesToRebroadcast(this.state, REBROADCAST_ROUNDS)) this.modules.outbox.vote(v);
  }
}
