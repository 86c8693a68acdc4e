/**
 * Deterministic discrete-event simulation of Aegis consensus (the pure Tendermint state machine of
 * hub/src/consensus/roundState.ts) under a seeded network and a Byzantine adversary.
 *
 * - Time is virtual: a priority queue of events ordered by (time, sequence number); no real timers.
 * - All randomness comes from one seeded PRNG (mulberry32); a seed replays bit for bit:
 *   `runSimulation(seed, opts)`.
 * - Honest validators each own a RoundState driven only through `startHeight` / `applyConsensusEvent`.
 *   The simulator plays their engine: it carries out the effects (propose, vote, timeouts, commit,
 *   evidence, missingBlock), judges proposal validity (height and parent hash), buffers messages for
 *   future heights and replays them when the node gets there, drops those for past heights.
 * - Network: per-message delay uniform in [1, maxDelayBeforeGst] before the global stabilization time
 *   (GST) and in [1, maxDelayAfterGst] after it; before GST messages are dropped with probability p
 *   and partitions cut a set of nodes off from the rest for a period. After GST nothing is dropped.
 * - Retransmission (gossip re-sends until delivered): every message dropped before GST (by loss or a
 *   partition) is re-delivered after GST with a post-GST delay. So after GST every message ever sent
 *   arrives within a bounded delay.
 * - Catch-up: a node that receives a message for a height above its own asks that sender (at most
 *   once a second per height) for its commit of the node's height: the block, its proposal and the
 *   precommits of the commit effect. Per seed, one of two ways of using the reply:
 *   "certified" (what hub/src/sync/syncService.ts + ConsensusEngine.applyCertified do): check the
 *   certificate (> 2/3 of the power, one block, one round) and the block's link, and commit it
 *   without the state machine; "votes" (CometBFT's consensus-reactor catch-up): feed the precommits,
 *   then the proposal, to the node's state machine. A `missingBlock` effect is answered with the
 *   proposal message of that block from a node that has it, as a delayed network delivery.
 * - Byzantine validators (total power < 1/3) run no state machine; they are message generators that
 *   react to what they receive (and know the honest chain, an omniscient adversary): an equivocating
 *   proposer sends two different blocks to two random parts of the network (sometimes one of them
 *   invalid, sometimes with a made-up polRound) and votes for each in its part; a double voter
 *   prevotes and precommits, to random subsets, for every block it sees proposed and for nil (and
 *   sometimes prevotes nil early for the next round); a silent one sends nothing.
 * - Gossip: honest broadcasts reach everyone; a Byzantine message sent to a subset is relayed to all
 *   by the first honest node that receives it (gossip's "what one correct node receives, all
 *   eventually receive", which the algorithm's liveness needs), once per message.
 */
import {
  bytesEqual,
  computeBlockHash,
  computeMerkleRoot,
  hasQuorum,
  toHex,
  VoteType,
  ZERO_HASH,
  type ValidatorSet,
} from "@aegis/consumer-sdk";
import {
  applyConsensusEvent,
  DEFAULT_TIMEOUTS,
  ProposerSchedule,
  startHeight,
  Step,
  type Block,
  type ConsensusEffect,
  type ConsensusEvent,
  type Proposal,
  type RoundState,
  type TimeoutConfig,
  type Vote,
} from "../consensus/index.js";
import { EventQueue } from "./eventQueue.js";
import { Prng } from "./random.js";

export { Prng } from "./random.js";
export { EventQueue } from "./eventQueue.js";

// ------------------------------------------------------------------------------------- options

/** "full": equivocating proposer and double voter; "mixed": a random behaviour per Byzantine validator. */
export type ByzantineMode = "none" | "silent" | "equivocate" | "doubleVote" | "full" | "mixed";

export interface ByzantineBehaviour {
  silent: boolean;
  /** As proposer: two different blocks to two parts of the network. */
  equivocate: boolean;
  /** Prevotes and precommits for every proposed block it sees and for nil, to random subsets. */
  doubleVote: boolean;
  /** One of the two equivocating blocks may not extend the chain. */
  invalidBlocks: boolean;
}

export interface Partition {
  /** Validator indices cut off from the rest. */
  nodes: number[];
  fromMs: number;
  toMs: number;
}

export interface SimOptions {
  /** Number of validators (4..64 in the tests). Default: drawn from the seed in 4..16. */
  validators?: number;
  /** Heights every honest node must commit. Default 3. */
  heights?: number;
  byzantine?: ByzantineMode;
  /**
   * Exactly these validators are Byzantine, whatever their power (for negative controls: with 1/3 or
   * more of the power the simulation must be able to break safety). Default: chosen at random, < 1/3.
   */
  byzantineIndices?: number[];
  /** Validator powers; default random 1..100 (sometimes all equal). */
  powers?: number[];
  gstMs?: number;
  dropProbability?: number;
  maxDelayBeforeGstMs?: number;
  maxDelayAfterGstMs?: number;
  partitions?: Partition[];
  timeouts?: TimeoutConfig;
  /** Virtual-time limit for liveness after GST. */
  livenessBoundMs?: number;
  /** How a lagging node uses a peer's commit (see the file comment). Default: drawn from the seed. */
  catchUp?: CatchUpMode;
}

export type CatchUpMode = "certified" | "votes";

/** Every parameter of one run, derived from the seed and the options. */
export interface Scenario {
  seed: number;
  validators: number;
  heights: number;
  powers: number[];
  byzantine: Map<number, ByzantineBehaviour>;
  byzantineMode: ByzantineMode;
  gstMs: number;
  dropProbability: number;
  maxDelayBeforeGstMs: number;
  maxDelayAfterGstMs: number;
  partitions: Partition[];
  timeouts: TimeoutConfig;
  maxTimeMs: number;
  catchUp: CatchUpMode;
}

export const FAST_TIMEOUTS: TimeoutConfig = {
  proposeMs: 400,
  proposeDeltaMs: 100,
  prevoteMs: 200,
  prevoteDeltaMs: 100,
  precommitMs: 200,
  precommitDeltaMs: 100,
};

const CHAIN_ID = "aegis-sim";
const GENESIS_TIME = 1_700_000_000_000;
const DUMMY_SIGNATURE = new Uint8Array(96);
const SYNC_RETRY_MS = 1000;

export function buildScenario(seed: number, opts: SimOptions = {}): Scenario {
  const rng = new Prng(seed ^ 0x5eed5eed);
  const n = opts.validators ?? rng.int(4, 16);
  if (n < 1) throw new RangeError("need at least one validator");
  const heights = opts.heights ?? 3;
  const equal = rng.chance(0.2);
  const powers = opts.powers ?? Array.from({ length: n }, () => (equal ? 10 : rng.int(1, 100)));
  if (powers.length !== n) throw new RangeError("powers.length must equal validators");
  // Canonical order (power descending), as createValidatorSet sorts.
  powers.sort((a, b) => b - a);
  const total = powers.reduce((a, b) => a + b, 0);

  const modes: ByzantineMode[] = ["none", "silent", "equivocate", "doubleVote", "full", "mixed", "mixed"];
  const byzantineMode = opts.byzantine ?? rng.pick(modes);
  const byzantine = new Map<number, ByzantineBehaviour>();
  if (opts.byzantineIndices) {
    for (const i of opts.byzantineIndices) byzantine.set(i, behaviourFor(byzantineMode, rng));
  } else if (byzantineMode !== "none") {
    // Random members while the power stays < 1/3 of the total; most seeds take as many as fit.
    const wanted = rng.chance(0.7) ? n : rng.int(1, Math.max(1, Math.floor((n - 1) / 3)));
    let power = 0;
    for (const i of rng.shuffle(powers.map((_, i) => i))) {
      if (byzantine.size >= wanted) break;
      if (3 * (power + powers[i]!) >= total) continue;
      power += powers[i]!;
      byzantine.set(i, behaviourFor(byzantineMode, rng));
    }
  }

  const gstMs = opts.gstMs ?? (rng.chance(0.15) ? 0 : rng.int(500, n > 24 ? 4000 : 8000));
  const dropProbability = opts.dropProbability ?? (rng.chance(0.3) ? 0 : rng.next() * 0.4);
  const maxDelayBeforeGstMs = opts.maxDelayBeforeGstMs ?? rng.int(10, 1500);
  const maxDelayAfterGstMs = opts.maxDelayAfterGstMs ?? rng.int(5, 50);
  const partitions: Partition[] = opts.partitions ?? [];
  if (!opts.partitions && gstMs > 0) {
    const count = rng.int(0, 2);
    for (let k = 0; k < count; k++) {
      const size = rng.int(1, Math.max(1, Math.floor(n / 2)));
      const nodes = rng.shuffle(powers.map((_, i) => i)).slice(0, size);
      const fromMs = rng.int(0, gstMs);
      const toMs = rng.int(fromMs, gstMs);
      partitions.push({ nodes, fromMs, toMs });
    }
  }
  const timeouts = opts.timeouts ?? (rng.chance(0.5) ? DEFAULT_TIMEOUTS : FAST_TIMEOUTS);
  const maxTimeMs = gstMs + (opts.livenessBoundMs ?? 120_000);
  const catchUp = opts.catchUp ?? (rng.chance(0.5) ? "certified" : "votes");
  return {
    seed,
    validators: n,
    heights,
    powers,
    byzantine,
    byzantineMode,
    gstMs,
    dropProbability,
    maxDelayBeforeGstMs,
    maxDelayAfterGstMs,
    partitions,
    timeouts,
    maxTimeMs,
    catchUp,
  };
}

function behaviourFor(mode: ByzantineMode, rng: Prng): ByzantineBehaviour {
  const b: ByzantineBehaviour = { silent: false, equivocate: false, doubleVote: false, invalidBlocks: false };
  switch (mode) {
    case "silent":
      b.silent = true;
      break;
    case "equivocate":
      b.equivocate = true;
      b.invalidBlocks = rng.chance(0.3);
      break;
    case "doubleVote":
      b.doubleVote = true;
      break;
    case "full":
      b.equivocate = true;
      b.doubleVote = true;
      break;
    case "mixed": {
      const k = rng.int(0, 3);
      b.silent = k === 0;
      b.equivocate = k === 1 || k === 3;
      b.doubleVote = k === 2 || k === 3;
      b.invalidBlocks = b.equivocate && rng.chance(0.3);
      break;
    }
    case "none":
      break;
  }
  return b;
}

export function buildValidatorSet(powers: readonly number[]): ValidatorSet {
  let total = 0n;
  const validators = powers.map((p, i) => {
    const blsPublicKey = new Uint8Array(48);
    blsPublicKey[0] = 0xa0;
    blsPublicKey[46] = i >> 8;
    blsPublicKey[47] = i & 0xff;
    const address = new Uint8Array(20);
    address[18] = i >> 8;
    address[19] = i & 0xff;
    total += BigInt(p);
    return { address, blsPublicKey, power: BigInt(p) };
  });
  return { validators, totalPower: total };
}

// ---------------------------------------------------------------------------------- simulation

export type NetMessage =
  | { kind: "proposal"; from: number; proposal: Proposal; block: Block }
  | { kind: "vote"; from: number; vote: Vote }
  | { kind: "syncRequest"; from: number; height: number }
  | { kind: "syncResponse"; from: number; height: number; proposal: Proposal; block: Block; precommits: Vote[] };

type SimEvent =
  | { kind: "deliver"; to: number; msg: NetMessage }
  | { kind: "timeout"; node: number; height: number; round: number; step: Step.Propose | Step.Prevote | Step.Precommit }
  | { kind: "gst" };

type Work = ConsensusEffect | { kind: "replay"; height: number };

export interface CommitRecord {
  height: number;
  round: number;
  blockHash: Uint8Array;
  key: string;
  block: Block;
  proposal: Proposal;
  precommits: Vote[];
  time: number;
  /** Committed from a peer's certificate (catch-up "certified"), not decided by the state machine. */
  synced: boolean;
  /** Virtual time the node first saw (or made) the deciding round's proposal; null when synced. */
  proposalSeenAt: number | null;
}

export interface EvidenceRecord {
  voteA: Vote;
  voteB: Vote;
  time: number;
}

interface HonestNode {
  index: number;
  schedule: ProposerSchedule;
  state: RoundState;
  lastHash: Uint8Array;
  lastTime: number;
  buffered: Map<number, NetMessage[]>;
  commits: Map<number, CommitRecord>;
  evidence: EvidenceRecord[];
  /** "validator:height:round:type" of evidence effects. */
  evidenceKeys: Set<string>;
  /** Values of Byzantine votes fed to the state machine (undecided, right height), per "validator:height:round:type". */
  byzantineVotesApplied: Map<string, Set<string>>;
  stopped: boolean;
  lastSyncRequest: { height: number; time: number } | null;
  blockRequests: Map<string, number>;
  maxRound: number;
  /** First time a proposal was seen per "height:round". */
  proposalSeenAt: Map<string, number>;
}

export interface SimStats {
  messagesSent: number;
  messagesDropped: number;
  deliveries: number;
  events: number;
  maxRound: number;
  evidence: number;
  syncRequests: number;
  blockSyncs: number;
  /** Heights committed from a peer's certificate. */
  certifiedCommits: number;
  /** Byzantine messages relayed by honest nodes (gossip). */
  relayed: number;
  endTimeMs: number;
}

export interface SimResult {
  scenario: Scenario;
  /** Honest validator indices. */
  honest: number[];
  /** Per honest node: height -> commit. */
  commits: Map<number, Map<number, CommitRecord>>;
  evidence: Map<number, EvidenceRecord[]>;
  /** Validators whose conflicting votes reached (were applied by) some honest node. */
  equivocatorsSeen: Set<number>;
  /** Virtual time at which the last honest node committed the target height, or null. */
  livenessTimeMs: number | null;
  /** Every violated invariant, described; empty when the run is correct. */
  violations: string[];
  stats: SimStats;
}

export class Simulation {
  readonly sc: Scenario;
  readonly set: ValidatorSet;
  private readonly rng: Prng;
  private readonly queue = new EventQueue<SimEvent>();
  private readonly nodes: (HonestNode | null)[] = [];
  private readonly honest: number[] = [];
  private readonly adversary: Adversary;
  private readonly initialEffects = new Map<number, ConsensusEffect[]>();
  private readonly relayed = new WeakSet<object>();
  private dropped: { to: number; msg: NetMessage }[] = [];
  private partitionSets: { nodes: Set<number>; fromMs: number; toMs: number }[];
  now = 0;
  /** The first honest commit at each height (the adversary reads it; safety compares against it). */
  readonly firstCommit = new Map<number, CommitRecord>();
  readonly violations: string[] = [];
  readonly stats: SimStats = {
    messagesSent: 0,
    messagesDropped: 0,
    deliveries: 0,
    events: 0,
    maxRound: 0,
    evidence: 0,
    syncRequests: 0,
    blockSyncs: 0,
    certifiedCommits: 0,
    relayed: 0,
    endTimeMs: 0,
  };
  /** Nodes stop after this height; the one above the target lets laggards see they are behind. */
  private readonly lastHeight: number;
  private doneCount = 0;
  livenessTimeMs: number | null = null;

  constructor(sc: Scenario) {
    this.sc = sc;
    this.set = buildValidatorSet(sc.powers);
    this.rng = new Prng(sc.seed);
    this.lastHeight = sc.heights + 1;
    this.partitionSets = sc.partitions.map((p) => ({ nodes: new Set(p.nodes), fromMs: p.fromMs, toMs: p.toMs }));
    this.adversary = new Adversary(this, sc.byzantine);
    for (let i = 0; i < sc.validators; i++) {
      if (sc.byzantine.has(i)) {
        this.nodes.push(null);
        continue;
      }
      this.honest.push(i);
      const schedule = new ProposerSchedule(this.set, 1);
      const { state, effects } = startHeight({ chainId: CHAIN_ID, height: 1, validatorSet: this.set, schedule, selfIndex: i, timeouts: sc.timeouts }, 0);
      this.initialEffects.set(i, effects);
      this.nodes.push({
        index: i,
        schedule,
        state,
        lastHash: ZERO_HASH,
        lastTime: GENESIS_TIME,
        buffered: new Map(),
        commits: new Map(),
        evidence: [],
        evidenceKeys: new Set(),
        byzantineVotesApplied: new Map(),
        stopped: false,
        lastSyncRequest: null,
        blockRequests: new Map(),
        maxRound: 0,
        proposalSeenAt: new Map(),
      });
    }
  }

  isHonest(i: number): boolean {
    return this.nodes[i] !== null;
  }

  get validatorCount(): number {
    return this.sc.validators;
  }

  /** The lowest height an honest node is still working on. */
  minHonestHeight(): number {
    let min = Infinity;
    for (const i of this.honest) {
      const n = this.nodes[i]!;
      if (!n.stopped) min = Math.min(min, n.state.height);
    }
    return min;
  }

  random(): Prng {
    return this.rng;
  }

  run(): SimResult {
    if (this.sc.gstMs > 0) this.queue.push(this.sc.gstMs, { kind: "gst" });
    // Height 1 was started in the constructor; carry out its effects now.
    for (const i of this.honest) this.runNode(this.nodes[i]!, this.initialEffects.get(i)!);
    this.initialEffects.clear();
    this.checkDone();
    while (this.livenessTimeMs === null) {
      const e = this.queue.pop();
      if (!e || e.time > this.sc.maxTimeMs) break;
      this.now = e.time;
      this.stats.events++;
      this.dispatch(e.item);
    }
    this.stats.endTimeMs = this.now;
    return this.result();
  }

  private dispatch(ev: SimEvent): void {
    switch (ev.kind) {
      case "gst":
        // Retransmission: everything lost before GST is delivered after it.
        for (const d of this.dropped) this.queue.push(this.now + this.rng.int(1, this.sc.maxDelayAfterGstMs), { kind: "deliver", to: d.to, msg: d.msg });
        this.dropped = [];
        break;
      case "timeout": {
        const node = this.nodes[ev.node]!;
        if (node.stopped || node.state.height !== ev.height) return;
        this.runNode(node, applyConsensusEvent(node.state, { kind: "timeout", height: ev.height, round: ev.round, step: ev.step }, this.now));
        break;
      }
      case "deliver": {
        this.stats.deliveries++;
        const node = this.nodes[ev.to];
        if (node === null || node === undefined) this.adversary.observe(ev.to, ev.msg);
        else this.receive(node, ev.msg);
        break;
      }
    }
  }

  // ------------------------------------------------------------------------------- network

  send(from: number, to: number, msg: NetMessage): void {
    if (from === to) return;
    this.stats.messagesSent++;
    let delay: number;
    if (this.now < this.sc.gstMs) {
      if (this.isCut(from, to) || this.rng.chance(this.sc.dropProbability)) {
        this.stats.messagesDropped++;
        this.dropped.push({ to, msg });
        return;
      }
      delay = this.rng.int(1, this.sc.maxDelayBeforeGstMs);
    } else {
      delay = this.rng.int(1, this.sc.maxDelayAfterGstMs);
    }
    this.queue.push(this.now + delay, { kind: "deliver", to, msg });
  }

  broadcast(from: number, msg: NetMessage): void {
    for (let to = 0; to < this.sc.validators; to++) this.send(from, to, msg);
  }

  private isCut(a: number, b: number): boolean {
    for (const p of this.partitionSets) {
      if (this.now >= p.fromMs && this.now < p.toMs && p.nodes.has(a) !== p.nodes.has(b)) return true;
    }
    return false;
  }

  // --------------------------------------------------------------------------- honest engine

  private receive(node: HonestNode, msg: NetMessage): void {
    if ((msg.kind === "vote" || msg.kind === "proposal") && !this.isHonest(msg.from)) {
      // Gossip: the first honest node to receive a Byzantine message relays it to everyone.
      const id = msg.kind === "vote" ? msg.vote : msg.proposal;
      if (!this.relayed.has(id)) {
        this.relayed.add(id);
        this.stats.relayed++;
        this.broadcast(node.index, msg);
      }
    }
    if (msg.kind === "syncRequest") {
      const c = node.commits.get(msg.height);
      if (c) {
        this.send(node.index, msg.from, {
          kind: "syncResponse",
          from: node.index,
          height: c.height,
          proposal: c.proposal,
          block: c.block,
          precommits: c.precommits,
        });
      }
      return;
    }
    if (node.stopped) return;
    const h = messageHeight(msg);
    if (h < node.state.height) return;
    if (h > node.state.height) {
      let b = node.buffered.get(h);
      if (!b) node.buffered.set(h, (b = []));
      b.push(msg);
      this.requestCommit(node, msg.from);
      return;
    }
    this.process(node, msg);
  }

  /** A peer is ahead of us: ask it for the commit of our height (rate-limited). */
  private requestCommit(node: HonestNode, peer: number): void {
    if (!this.isHonest(peer) || peer === node.index) return;
    const last = node.lastSyncRequest;
    if (last && last.height === node.state.height && this.now - last.time < SYNC_RETRY_MS) return;
    node.lastSyncRequest = { height: node.state.height, time: this.now };
    this.stats.syncRequests++;
    this.send(node.index, peer, { kind: "syncRequest", from: node.index, height: node.state.height });
  }

  /** Feeds a message of the node's current height to its state machine and runs the effects. */
  private process(node: HonestNode, msg: NetMessage): void {
    const h = node.state.height;
    switch (msg.kind) {
      case "proposal":
        this.noteProposalSeen(node, msg.proposal);
        this.runNode(node, applyConsensusEvent(node.state, this.proposalEvent(node, msg.proposal, msg.block), this.now));
        break;
      case "vote":
        this.applyVote(node, msg.vote);
        break;
      case "syncResponse":
        if (this.sc.catchUp === "certified") {
          this.applyCertified(node, msg);
          break;
        }
        // The commit's precommits first, then its block (as a proposal message of its proposer).
        for (const v of msg.precommits) {
          if (node.stopped || node.state.height !== h) return;
          this.applyVote(node, v);
        }
        if (node.stopped || node.state.height !== h) return;
        this.runNode(node, applyConsensusEvent(node.state, this.proposalEvent(node, msg.proposal, msg.block), this.now));
        break;
      case "syncRequest":
        break;
    }
  }

  private noteProposalSeen(node: HonestNode, p: Proposal): void {
    const k = `${p.height}:${p.round}`;
    if (!node.proposalSeenAt.has(k)) node.proposalSeenAt.set(k, this.now);
  }

  private applyVote(node: HonestNode, vote: Vote): void {
    if (this.sc.byzantine.has(vote.validatorIndex) && !node.state.decided && vote.height === node.state.height) {
      const k = evidenceKey(vote);
      let s = node.byzantineVotesApplied.get(k);
      if (!s) node.byzantineVotesApplied.set(k, (s = new Set()));
      s.add(voteValue(vote));
    }
    this.runNode(node, applyConsensusEvent(node.state, { kind: "vote", vote }, this.now));
  }

  private proposalEvent(node: HonestNode, proposal: Proposal, block: Block): ConsensusEvent {
    const valid =
      block.header.chainId === CHAIN_ID &&
      block.header.height === node.state.height &&
      bytesEqual(block.header.parentHash, node.lastHash) &&
      block.header.time > node.lastTime;
    return { kind: "proposal", proposal, block, blockHash: proposal.blockHash, valid };
  }

  /** Carries out effects in order; effects of events they cause are appended (one FIFO per call). */
  private runNode(node: HonestNode, first: readonly Work[]): void {
    const work: Work[] = [...first];
    for (let w = 0; w < work.length; w++) {
      const eff = work[w]!;
      switch (eff.kind) {
        case "newRound":
          if (eff.round > node.maxRound) node.maxRound = eff.round;
          if (eff.round > this.stats.maxRound) this.stats.maxRound = eff.round;
          break;
        case "scheduleTimeout":
          this.queue.push(this.now + eff.durationMs, { kind: "timeout", node: node.index, height: eff.height, round: eff.round, step: eff.step });
          break;
        case "propose": {
          if (eff.height !== node.state.height) break;
          const block = eff.validBlock ?? this.buildBlock(node.index, eff.height, node.lastHash, node.lastTime);
          const proposal: Proposal = {
            height: eff.height,
            round: eff.round,
            polRound: eff.polRound,
            blockHash: computeBlockHash(block.header),
            proposerIndex: node.index,
            signature: DUMMY_SIGNATURE,
          };
          this.broadcast(node.index, { kind: "proposal", from: node.index, proposal, block });
          this.noteProposalSeen(node, proposal);
          work.push(...applyConsensusEvent(node.state, this.proposalEvent(node, proposal, block), this.now));
          break;
        }
        case "vote": {
          const vote: Vote = {
            type: eff.type,
            height: eff.height,
            round: eff.round,
            blockHash: eff.blockHash,
            validatorIndex: node.index,
            signature: DUMMY_SIGNATURE,
          };
          this.broadcast(node.index, { kind: "vote", from: node.index, vote });
          work.push(...applyConsensusEvent(node.state, { kind: "vote", vote }, this.now));
          break;
        }
        case "evidence": {
          this.stats.evidence++;
          const { voteA, voteB } = eff;
          node.evidence.push({ voteA, voteB, time: this.now });
          node.evidenceKeys.add(evidenceKey(voteB));
          if (
            voteA.validatorIndex !== voteB.validatorIndex ||
            voteA.height !== voteB.height ||
            voteA.round !== voteB.round ||
            voteA.type !== voteB.type ||
            voteValue(voteA) === voteValue(voteB)
          ) {
            this.violations.push(`node ${node.index}: evidence effect with votes that do not conflict (h${voteA.height} r${voteA.round})`);
          }
          if (this.isHonest(voteB.validatorIndex)) {
            this.violations.push(`node ${node.index}: evidence against honest validator ${voteB.validatorIndex} at h${voteB.height} r${voteB.round}`);
          }
          break;
        }
        case "missingBlock":
          this.syncBlock(node, eff.height, eff.blockHash);
          break;
        case "commit":
          this.onCommit(node, eff, work);
          break;
        case "replay": {
          const msgs = node.buffered.get(eff.height);
          node.buffered.delete(eff.height);
          for (const m of msgs ?? []) {
            if (node.stopped || node.state.height !== eff.height) break;
            this.process(node, m);
          }
          break;
        }
      }
    }
  }

  private buildBlock(proposer: number, height: number, parentHash: Uint8Array, parentTime: number): Block {
    const txs = Array.from({ length: this.rng.int(0, 3) }, () => this.rng.bytes(this.rng.int(8, 32)));
    return {
      header: {
        chainId: CHAIN_ID,
        height,
        time: Math.max(parentTime + 1, GENESIS_TIME + this.now),
        parentHash,
        txRoot: computeMerkleRoot(txs),
        stateRoot: this.rng.bytes(32), // stands in for execution; also makes every block unique
        consumerCheckpointRoot: ZERO_HASH,
        validatorSetRoot: ZERO_HASH,
        nextValidatorSetRoot: ZERO_HASH,
        proposer: this.set.validators[proposer]!.address,
        // The simulation models agreement only: no certificates or evidence travel inside blocks.
        lastCommitHash: ZERO_HASH,
        evidenceRoot: ZERO_HASH,
      },
      txs,
      lastCommit: null,
      evidence: [],
    };
  }

  /** `missingBlock`: fetch the proposal of that block from a node that has it (once a second). */
  private syncBlock(node: HonestNode, height: number, key: string): void {
    const id = `${height}:${key}`;
    const last = node.blockRequests.get(id);
    if (last !== undefined && this.now - last < SYNC_RETRY_MS) return;
    node.blockRequests.set(id, this.now);
    const start = this.rng.int(0, this.honest.length - 1);
    for (let k = 0; k < this.honest.length; k++) {
      const peer = this.nodes[this.honest[(start + k) % this.honest.length]!]!;
      if (peer === node) continue;
      const c = peer.commits.get(height);
      let found: { proposal: Proposal; block: Block } | null = c && c.key === key ? { proposal: c.proposal, block: c.block } : null;
      if (!found && peer.state.height === height) {
        for (const rec of peer.state.proposals.values()) {
          if (rec.key === key) {
            found = rec;
            break;
          }
        }
      }
      if (found) {
        this.stats.blockSyncs++;
        this.send(peer.index, node.index, { kind: "proposal", from: peer.index, proposal: found.proposal, block: found.block });
        return;
      }
    }
  }

  private onCommit(node: HonestNode, eff: Extract<ConsensusEffect, { kind: "commit" }>, work: Work[]): void {
    const st = node.state;
    const where = `node ${node.index} h${eff.height}`;
    if (eff.height !== st.height || !st.decided) {
      this.violations.push(`${where}: commit effect for height ${eff.height} while at ${st.height}`);
      return;
    }
    const key = toHex(eff.blockHash);
    const total = this.set.totalPower;
    // (d) the certificate: precommits of this height and round for this block, distinct signers, > 2/3.
    let power = 0n;
    const signers = new Set<number>();
    for (const v of eff.precommits) {
      if (v.type !== VoteType.Precommit || v.height !== eff.height || v.round !== eff.round || voteValue(v) !== key) {
        this.violations.push(`${where}: certificate holds a vote that is not a precommit for the block (r${v.round})`);
      }
      if (signers.has(v.validatorIndex)) this.violations.push(`${where}: certificate counts validator ${v.validatorIndex} twice`);
      signers.add(v.validatorIndex);
      power += this.set.validators[v.validatorIndex]?.power ?? 0n;
    }
    if (!hasQuorum(power, total)) this.violations.push(`${where}: certificate power ${power}/${total} is not > 2/3`);
    if (toHex(computeBlockHash(eff.block.header)) !== key) this.violations.push(`${where}: committed block does not hash to blockHash`);
    if (eff.block.header.height !== eff.height || !bytesEqual(eff.block.header.parentHash, node.lastHash)) {
      this.violations.push(`${where}: committed block does not extend the node's chain`);
    }
    const rec: CommitRecord = {
      height: eff.height,
      round: eff.round,
      blockHash: eff.blockHash,
      key,
      block: eff.block,
      proposal: st.decided.record.proposal,
      precommits: eff.precommits,
      time: this.now,
      synced: false,
      proposalSeenAt: node.proposalSeenAt.get(`${eff.height}:${eff.round}`) ?? null,
    };
    work.push(...this.advance(node, rec));
  }

  /** Catch-up "certified": commit a peer's block on the strength of its certificate, as the sync service does. */
  private applyCertified(node: HonestNode, msg: Extract<NetMessage, { kind: "syncResponse" }>): void {
    const h = node.state.height;
    const key = toHex(computeBlockHash(msg.block.header));
    let power = 0n;
    const signers = new Set<number>();
    const round = msg.precommits[0]?.round ?? -1;
    for (const v of msg.precommits) {
      if (v.type !== VoteType.Precommit || v.height !== h || v.round !== round || voteValue(v) !== key || signers.has(v.validatorIndex)) {
        this.violations.push(`node ${node.index} h${h}: peer ${msg.from} served a malformed certificate`);
        return;
      }
      signers.add(v.validatorIndex);
      power += this.set.validators[v.validatorIndex]?.power ?? 0n;
    }
    if (!hasQuorum(power, this.set.totalPower)) {
      this.violations.push(`node ${node.index} h${h}: peer ${msg.from} served a certificate with ${power}/${this.set.totalPower} of the power`);
      return;
    }
    if (msg.block.header.height !== h || !bytesEqual(msg.block.header.parentHash, node.lastHash)) {
      this.violations.push(`node ${node.index} h${h}: peer ${msg.from} served a block that does not extend our chain`);
      return;
    }
    this.stats.certifiedCommits++;
    const rec: CommitRecord = {
      height: h,
      round,
      blockHash: fromKey(key),
      key,
      block: msg.block,
      proposal: msg.proposal,
      precommits: msg.precommits,
      time: this.now,
      synced: true,
      proposalSeenAt: null,
    };
    this.runNode(node, this.advance(node, rec));
  }

  /** Records a commit (checking safety as it happens) and starts the next height; returns its effects. */
  private advance(node: HonestNode, rec: CommitRecord): Work[] {
    const first = this.firstCommit.get(rec.height);
    if (first && first.key !== rec.key) {
      this.violations.push(
        `SAFETY: node ${node.index} h${rec.height} committed ${rec.key.slice(0, 12)} (r${rec.round}) but another honest node committed ${first.key.slice(0, 12)} (r${first.round})`,
      );
    }
    if (!first) this.firstCommit.set(rec.height, rec);
    node.commits.set(rec.height, rec);
    node.lastHash = rec.blockHash;
    node.lastTime = rec.block.header.time;
    if (rec.height === this.sc.heights) {
      this.doneCount++;
      this.checkDone();
    }
    if (rec.height >= this.lastHeight) {
      node.stopped = true;
      node.buffered.clear();
      return [];
    }
    const next = startHeight(
      { chainId: CHAIN_ID, height: rec.height + 1, validatorSet: this.set, schedule: node.schedule, selfIndex: node.index, timeouts: this.sc.timeouts },
      this.now,
    );
    node.state = next.state;
    for (const h of [...node.buffered.keys()]) if (h <= rec.height) node.buffered.delete(h);
    return [...next.effects, { kind: "replay", height: rec.height + 1 }];
  }

  private checkDone(): void {
    if (this.livenessTimeMs === null && this.doneCount === this.honest.length) this.livenessTimeMs = this.now;
  }

  // ----------------------------------------------------------------------------------- result

  private result(): SimResult {
    const violations = [...this.violations];
    const commits = new Map<number, Map<number, CommitRecord>>();
    const evidence = new Map<number, EvidenceRecord[]>();
    const equivocatorsSeen = new Set<number>();
    for (const i of this.honest) {
      const node = this.nodes[i]!;
      commits.set(i, node.commits);
      evidence.set(i, node.evidence);
      // (b) liveness
      for (let h = 1; h <= this.sc.heights; h++) {
        if (!node.commits.has(h)) {
          violations.push(
            `LIVENESS: node ${i} did not commit height ${h} by ${this.sc.maxTimeMs} ms (GST ${this.sc.gstMs}); stuck at h${node.state.height} r${node.state.round} step ${node.state.step}`,
          );
          break;
        }
      }
      // (c) evidence for every equivocation an honest state machine was shown
      for (const [k, values] of node.byzantineVotesApplied) {
        if (values.size < 2) continue;
        equivocatorsSeen.add(Number(k.split(":")[0]));
        if (!node.evidenceKeys.has(k)) violations.push(`EVIDENCE: node ${i} applied conflicting votes ${k} (${[...values].map((v) => v.slice(0, 8)).join(",")}) but recorded no evidence`);
      }
    }
    // (a) safety, across all honest nodes and heights
    const byHeight = new Map<number, string>();
    for (const [i, cs] of commits) {
      for (const [h, c] of cs) {
        const prev = byHeight.get(h);
        if (prev === undefined) byHeight.set(h, c.key);
        else if (prev !== c.key) violations.push(`SAFETY: height ${h}: node ${i} committed ${c.key.slice(0, 12)}, another ${prev.slice(0, 12)}`);
      }
    }
    return {
      scenario: this.sc,
      honest: [...this.honest],
      commits,
      evidence,
      equivocatorsSeen,
      livenessTimeMs: this.livenessTimeMs,
      violations: [...new Set(violations)],
      stats: this.stats,
    };
  }
}

function messageHeight(msg: Exclude<NetMessage, { kind: "syncRequest" }>): number {
  switch (msg.kind) {
    case "proposal":
      return msg.proposal.height;
    case "vote":
      return msg.vote.height;
    case "syncResponse":
      return msg.height;
  }
}

function fromKey(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, "hex"));
}

function voteValue(v: Vote): string {
  return v.blockHash ? toHex(v.blockHash) : "nil";
}

function evidenceKey(v: Vote): string {
  return `${v.validatorIndex}:${v.height}:${v.round}:${v.type}`;
}

// -------------------------------------------------------------------------------- adversary

/**
 * The Byzantine validators: no state machine, only reactions to the messages delivered to them.
 * They read the honest chain from the simulation (an omniscient adversary) to build valid blocks.
 */
class Adversary {
  private readonly proposed = new Set<string>();
  private readonly voted = new Set<string>();
  private readonly schedule: ProposerSchedule;

  constructor(
    private readonly sim: Simulation,
    private readonly behaviours: Map<number, ByzantineBehaviour>,
  ) {
    this.schedule = new ProposerSchedule(sim.set, 1);
  }

  observe(self: number, msg: NetMessage): void {
    const b = this.behaviours.get(self);
    if (!b || b.silent) return;
    if (msg.kind !== "proposal" && msg.kind !== "vote") return; // ignores sync traffic
    const h = msg.kind === "proposal" ? msg.proposal.height : msg.vote.height;
    const r = msg.kind === "proposal" ? msg.proposal.round : msg.vote.round;
    if (h < this.sim.minHonestHeight() || h > this.sim.sc.heights + 1) return; // nobody listens
    // Rounds are paced by honest messages only, so Byzantine messages cannot feed each other into
    // an endless cascade of rounds.
    const fromHonest = this.sim.isHonest(msg.from);
    if (b.equivocate && fromHonest) {
      this.maybePropose(self, b, h, r);
      this.maybePropose(self, b, h, r + 1);
    }
    if (b.doubleVote) {
      const rng = this.sim.random();
      if (msg.kind === "proposal") this.voteFor(self, h, r, msg.proposal.blockHash, this.randomSubset(), this.randomSubset());
      if (fromHonest && !this.voted.has(`${self}:${h}:${r}:nil`)) {
        this.voted.add(`${self}:${h}:${r}:nil`);
        if (rng.chance(0.5)) this.voteFor(self, h, r, null, this.randomSubset(), this.randomSubset());
        // Early votes for the next round, to push honest nodes towards a round skip (rule 55).
        if (rng.chance(0.2)) this.voteFor(self, h, r + 1, null, this.randomSubset(), []);
      }
    }
  }

  private randomSubset(): number[] {
    const rng = this.sim.random();
    const out: number[] = [];
    for (let i = 0; i < this.sim.validatorCount; i++) if (rng.chance(0.5)) out.push(i);
    return out;
  }

  /** Prevote to one group and precommit to another for `blockHash` (once per value and round). */
  private voteFor(self: number, h: number, r: number, blockHash: Uint8Array | null, prevoteTo: number[], precommitTo: number[]): void {
    const id = `${self}:${h}:${r}:${blockHash ? toHex(blockHash) : "nil-vote"}`;
    if (this.voted.has(id)) return;
    this.voted.add(id);
    for (const [type, to] of [
      [VoteType.Prevote, prevoteTo],
      [VoteType.Precommit, precommitTo],
    ] as const) {
      const vote: Vote = { type, height: h, round: r, blockHash, validatorIndex: self, signature: DUMMY_SIGNATURE };
      for (const t of to) this.sim.send(self, t, { kind: "vote", from: self, vote });
    }
  }

  private maybePropose(self: number, b: ByzantineBehaviour, h: number, r: number): void {
    if (this.schedule.getProposerIndex(h, r) !== self) return;
    const id = `${h}:${r}`;
    if (this.proposed.has(id)) return;
    const parentCommit = this.sim.firstCommit.get(h - 1);
    if (h > 1 && !parentCommit) return; // cannot build a valid block yet
    const parentHash = parentCommit ? parentCommit.blockHash : ZERO_HASH;
    const parentTime = parentCommit ? parentCommit.block.header.time : GENESIS_TIME;
    this.proposed.add(id);
    const rng = this.sim.random();
    const others = rng.shuffle([...Array(this.sim.validatorCount).keys()].filter((i) => i !== self));
    const cut = others.length <= 1 ? others.length : rng.int(1, others.length - 1);
    const groups = [others.slice(0, cut), others.slice(cut)];
    for (let g = 0; g < 2; g++) {
      const invalid = g === 1 && b.invalidBlocks && rng.chance(0.5);
      const block = this.buildBlock(self, h, invalid ? rng.bytes(32) : parentHash, parentTime);
      // Sometimes a made-up proof-of-lock round (rule 28 must then find no polka for the block).
      const polRound = r > 0 && rng.chance(0.25) ? rng.int(0, r - 1) : -1;
      const proposal: Proposal = { height: h, round: r, polRound, blockHash: computeBlockHash(block.header), proposerIndex: self, signature: DUMMY_SIGNATURE };
      for (const t of groups[g]!) this.sim.send(self, t, { kind: "proposal", from: self, proposal, block });
      if (b.doubleVote) this.voteFor(self, h, r, proposal.blockHash, groups[g]!, groups[g]!);
    }
  }

  private buildBlock(proposer: number, height: number, parentHash: Uint8Array, parentTime: number): Block {
    const rng = this.sim.random();
    const txs = [rng.bytes(16)];
    return {
      header: {
        chainId: CHAIN_ID,
        height,
        time: Math.max(parentTime + 1, GENESIS_TIME + this.sim.now),
        parentHash,
        txRoot: computeMerkleRoot(txs),
        stateRoot: rng.bytes(32),
        consumerCheckpointRoot: ZERO_HASH,
        validatorSetRoot: ZERO_HASH,
        nextValidatorSetRoot: ZERO_HASH,
        proposer: this.sim.set.validators[proposer]!.address,
        // The simulation models agreement only: no certificates or evidence travel inside blocks.
        lastCommitHash: ZERO_HASH,
        evidenceRoot: ZERO_HASH,
      },
      txs,
      lastCommit: null,
      evidence: [],
    };
  }
}

/** Runs one seeded simulation to completion (all honest nodes at the target height, or the time limit). */
export function runSimulation(seed: number, opts: SimOptions = {}): SimResult {
  return new Simulation(buildScenario(seed, opts)).run();
}

/** One line describing a scenario, for failure messages. */
export function describeScenario(sc: Scenario): string {
  const byz = [...sc.byzantine.entries()]
    .map(([i, b]) => `${i}:${b.silent ? "S" : ""}${b.equivocate ? "E" : ""}${b.doubleVote ? "D" : ""}${b.invalidBlocks ? "I" : ""}`)
    .join(",");
  return (
    `seed=${sc.seed} N=${sc.validators} K=${sc.heights} byz=${sc.byzantineMode}[${byz}] gst=${sc.gstMs} p=${sc.dropProbability.toFixed(2)} ` +
    `delay=${sc.maxDelayBeforeGstMs}/${sc.maxDelayAfterGstMs} partitions=${sc.partitions.length} timeouts=${sc.timeouts.proposeMs} catchUp=${sc.catchUp}`
  );
}
