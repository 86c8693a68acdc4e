/**
 * Deterministic simulation of the real consensus engine (FoundationDB / TigerBeetle style): n
 * ConsensusEngine instances — the code a node runs, with its WAL replay, signer guard, block store and
 * sync path — each over its own simulated disk (SimDisk: an in-memory LevelDB whose crash keeps the
 * synced writes and a prefix of the unsynced ones), on one virtual clock (an event queue; the engines'
 * timers go through an injected TimeoutTicker) and a seeded network (delays, drops, duplicates,
 * reordering, partitions until GST). Nodes crash at random moments — between events, or in the middle
 * of a write (the disk fails on its k-th write from then, so a crash can fall between the signer
 * guard's write and the signature, or between the block store and the state commit) — and restart from
 * what their disk kept. The checker (simChecker.ts) judges agreement, no double sign, durability; the
 * run ends when every node has committed `targetHeight` after GST, or fails liveness at `maxTimeMs`.
 *
 * One seed replays the same run (all randomness from one Prng; no real timers; the engines' own
 * asynchrony is drained between events). Byzantine double voters on request (simAdversary.ts); the
 * state-machine simulation (simulation.ts) keeps its wider adversary (equivocating proposers, silent
 * validators).
 */
import { blsPublicKeyFromSecret, blsSign, computeBlockHash, computeProposalSignBytes, computeVoteSignBytes, createBlsKeyPair, createBlsProofOfPossession, toHex } from "@aegis/consumer-sdk";
import { toBech32 } from "../tx/toBech32.js";
import { PlaceholderApplication } from "../app/placeholderApplication.js";
import { ConsensusEngine } from "../consensus/consensusEngine.js";
import type { EngineSigner, TimeoutTicker } from "../consensus/engineModules.js";
import { DoubleVoterAdversary } from "./simAdversary.js";
import type { CertifiedBlock, Vote } from "../consensus/types.js";
import { HubDb } from "../db/hubDb.js";
import { parseGenesis, type Genesis } from "../genesis.js";
import { nullLogger, type Logger } from "../logger.js";
import { Mempool } from "../node/mempool.js";
import { PrivValidator } from "../signer/index.js";
import { EventQueue } from "./eventQueue.js";
import { Prng } from "./random.js";
import { SimChecker } from "./simChecker.js";
import { SimDisk } from "./simDisk.js";
import { SimNetwork, type SimNetworkOptions } from "./simNetwork.js";

export interface EngineSimOptions {
  /** Validators (default 4..7, drawn from the seed). */
  validators?: number;
  /** Every node commits this height for the run to pass (default 6). */
  targetHeight?: number;
  /** Crashes to inject before GST (default 0..3, drawn from the seed). */
  crashes?: number;
  /** GST is drawn from 0 to this many virtual ms (default 20,000): the longer, the more rounds under loss and partitions. */
  maxGstMs?: number;
  /** Liveness bound: virtual ms by which every node must reach the target (default 120,000). */
  maxTimeMs?: number;
  /**
   * A fault planted to show the checker finds what it should (the harness's own test): "unguardedSigner"
   * signs whatever the engine asks, with no double-sign guard, so a restart that lost its WAL can sign
   * again differently.
   */
  fault?: "unguardedSigner";
  /**
   * Byzantine double voters (default none; the state-machine simulation covers them too): they run no
   * engine; for each proposal they see they sign a prevote and a precommit for its block to a random
   * part of the network and for nil to the rest; gossip floods their votes to everyone. As many as fit
   * while their power stays below a third of the total; "drawn": a number drawn from the seed (none in a
   * third of the seeds).
   */
  byzantine?: number | "drawn";
  /** The engines' logger (default none): a replayed seed can say what each engine did. */
  logger?: Logger;
}

export interface EngineSimResult {
  seed: number;
  validators: number;
  violations: string[];
  /** Per node, the highest height it committed. */
  heights: number[];
  crashes: number;
  /** Crashes that hit in the middle of a write. */
  crashesInWrite: number;
  restarts: number;
  messages: { sent: number; dropped: number; duplicated: number };
  /** The Byzantine double voters (node indexes), and the evidence honest engines made against them. */
  byzantine: number[];
  evidence: number;
  votesSigned: number;
  syncs: number;
  /** Virtual ms at the end of the run. */
  timeMs: number;
}

const GENESIS_TIME = 1_700_000_000_000;
const CHAIN_ID = "aegis-sim-1";

type Message = { kind: "proposal"; msg: Parameters<ConsensusEngine["submitProposal"]>[0] } | { kind: "vote"; vote: Vote };

interface SimNode {
  index: number;
  secretKey: Uint8Array;
  disk: SimDisk;
  /** Bumped at each crash: events of an earlier incarnation are void. */
  incarnation: number;
  up: boolean;
  engine: ConsensusEngine | null;
  db: HubDb | null;
  syncing: boolean;
  /** A double voter: no engine, no disk of its own that matters. */
  byzantine: boolean;
  /** Its index in the validator set (what its votes carry). */
  validatorIndex: number;
}

type SimEvent =
  | { kind: "timer"; node: number; incarnation: number; fn: () => void; cancelled: boolean }
  | { kind: "deliver"; node: number; message: Message }
  | { kind: "crash"; node: number }
  | { kind: "restart"; node: number }
  | { kind: "sync"; node: number; from: number }
  | { kind: "syncTick"; node: number; incarnation: number };

/** The sync service's poll of its peers' heights (SyncService intervalMs). */
const SYNC_INTERVAL_MS = 2000;

/** Runs one seed. Never throws for a bug it finds: the result's `violations` say what broke. */
export async function runEngineSimulation(seed: number, opts: EngineSimOptions = {}): Promise<EngineSimResult> {
  const sim = new EngineSimulation(seed, opts);
  return sim.run();
}

class EngineSimulation {
  private readonly rng: Prng;
  private readonly queue = new EventQueue<SimEvent>();
  private readonly nodes: SimNode[] = [];
  private readonly network: SimNetwork;
  private readonly checker: SimChecker;
  private readonly genesis: Genesis;
  private readonly target: number;
  private readonly maxTimeMs: number;
  private readonly gstMs: number;
  /** Virtual ms since the genesis (the first block's time must be after it). */
  private now = 1000;
  private crashes = 0;
  private crashesInWrite = 0;
  private restarts = 0;
  private syncs = 0;
  private evidence = 0;
  private readonly adversary: DoubleVoterAdversary;

  private get honest(): SimNode[] {
    return this.nodes.filter((n) => !n.byzantine);
  }

  constructor(
    private readonly seed: number,
    private readonly opts: EngineSimOptions,
  ) {
    this.rng = new Prng(seed ^ 0x0e9e5eed);
    this.adversary = new DoubleVoterAdversary(CHAIN_ID, this.rng);
    const n = opts.validators ?? this.rng.int(4, 7);
    this.target = opts.targetHeight ?? 6;
    this.maxTimeMs = opts.maxTimeMs ?? 120_000;
    this.gstMs = this.rng.int(0, opts.maxGstMs ?? 20_000);
    const validators: { moniker: string; operator: string; blsPublicKey: string; proofOfPossession: string; power: string }[] = [];
    for (let i = 0; i < n; i++) {
      const { secretKey, publicKey } = createBlsKeyPair(this.rng.bytes(32));
      const operator = this.rng.bytes(20);
      validators.push({
        moniker: `node${i}`,
        operator: toBech32("aegis", operator),
        blsPublicKey: toHex(publicKey),
        proofOfPossession: toHex(createBlsProofOfPossession(secretKey, operator)),
        power: String(this.rng.int(1, 10)),
      });
      this.nodes.push({ index: i, secretKey, disk: new SimDisk(), incarnation: 0, up: false, engine: null, db: null, syncing: false, byzantine: false, validatorIndex: -1 });
    }
    // Short timeouts: more rounds, more interleavings per virtual second.
    const timeouts = { proposeMs: 1000, proposeDeltaMs: 200, prevoteMs: 500, prevoteDeltaMs: 200, precommitMs: 500, precommitDeltaMs: 200 };
    this.genesis = parseGenesis({ chainId: CHAIN_ID, genesisTime: GENESIS_TIME, validators, consensus: { timeouts } });
    const byKey = new Map(this.genesis.validatorSet.validators.map((v, i) => [toHex(v.blsPublicKey), i]));
    this.nodes.forEach((node, i) => (node.validatorIndex = byKey.get(validators[i]!.blsPublicKey)!));
    // Double voters while their power stays below a third of the total.
    const total = this.genesis.validatorSet.totalPower;
    let byzPower = 0n;
    // Drawn on every seed (so a seed is the same scenario with or without them), used when asked for.
    const drawn = this.rng.chance(1 / 3) ? 0 : this.rng.int(1, Math.floor((n - 1) / 3));
    const wanted = opts.byzantine === "drawn" ? drawn : (opts.byzantine ?? 0);
    for (const node of this.rng.shuffle(this.nodes)) {
      if (this.nodes.filter((x) => x.byzantine).length >= wanted) break;
      const power = this.genesis.validatorSet.validators[node.validatorIndex]!.power;
      if (3n * (byzPower + power) >= total) continue;
      node.byzantine = true;
      byzPower += power;
    }
    const partitions: SimNetworkOptions["partitions"] = [];
    for (let k = this.rng.int(0, 2); k > 0; k--) {
      const from = this.rng.int(0, this.gstMs);
      const side = new Set(this.rng.shuffle([...Array(n).keys()]).slice(0, this.rng.int(1, n - 1)));
      partitions.push({ nodes: side, fromMs: from, toMs: from + this.rng.int(1000, 10_000) });
    }
    this.network = new SimNetwork(n, { gstMs: this.gstMs, maxDelayBeforeGstMs: this.rng.int(5, 2000), maxDelayAfterGstMs: this.rng.int(5, 300), dropRate: this.rng.next() * 0.3, duplicateRate: this.rng.next() * 0.1, partitions }, this.rng);
    this.checker = new SimChecker(n);
    const crashes = opts.crashes ?? this.rng.int(0, 3);
    const honest = this.honest;
    for (let k = 0; k < crashes; k++) this.queue.push(this.rng.int(0, Math.max(1, this.gstMs)), { kind: "crash", node: this.rng.pick(honest).index });
  }

  async run(): Promise<EngineSimResult> {
    for (const node of this.honest) await this.startNode(node);
    await this.settle();
    while (this.now <= this.maxTimeMs) {
      if (this.honest.every((n) => n.up && this.checker.committedHeight[n.index]! >= this.target)) break;
      const e = this.queue.pop();
      if (!e) break;
      this.now = Math.max(this.now, e.time);
      await this.handle(e.item);
      await this.settle();
    }
    const heights = [...this.checker.committedHeight];
    const behind = this.honest.filter((n) => heights[n.index]! < this.target || !n.up);
    if (behind.length > 0) {
      this.checker.violations.push(`liveness: by ${this.maxTimeMs} ms (GST ${this.gstMs} ms) node(s) ${behind.map((n) => `${n.index} at ${heights[n.index]}${n.up ? "" : " (down)"}`).join(", ")} had not committed height ${this.target}`);
    }
    for (const node of this.nodes) await this.stopNode(node);
    return {
      seed: this.seed,
      validators: this.nodes.length,
      violations: this.checker.violations,
      heights,
      crashes: this.crashes,
      crashesInWrite: this.crashesInWrite,
      restarts: this.restarts,
      messages: { sent: this.network.sent, dropped: this.network.dropped, duplicated: this.network.duplicated },
      votesSigned: this.checker.votesSigned,
      byzantine: this.nodes.filter((n) => n.byzantine).map((n) => n.index),
      evidence: this.evidence,
      syncs: this.syncs,
      timeMs: this.now,
    };
  }

  /** Lets every engine finish what the last event started (their loops run on setImmediate). */
  private async settle(): Promise<void> {
    for (let i = 0; i < 4; i++) {
      await new Promise<void>((r) => setImmediate(r));
      await Promise.all(this.nodes.map((n) => n.engine?.whenIdle()));
    }
  }

  private async handle(e: SimEvent): Promise<void> {
    const node = this.nodes[e.node]!;
    switch (e.kind) {
      case "timer":
        if (!e.cancelled && node.up && e.incarnation === node.incarnation) e.fn();
        return;
      case "deliver": {
        if (node.byzantine) return this.doubleVote(node, e.message);
        if (!node.up || !node.engine) return;
        // No seen-cache as gossip has: the engine must take duplicates and rebroadcasts as they come.
        // But gossip floods: a double voter's vote sent to a few reaches everyone through the first
        // honest node that takes it in (what the algorithm's liveness needs, and gossipsub does).
        if (e.message.kind === "vote" && this.adversary.shouldRelay(e.message.vote)) this.broadcast(node, e.message);
        if (e.message.kind === "vote") node.engine.submitVote(e.message.vote);
        else node.engine.submitProposal(e.message.msg, computeBlockHash(e.message.msg.block.header));
        return;
      }
      case "crash":
        if (!node.up) return;
        if (this.rng.chance(0.5)) {
          // In the middle of whatever it writes next (the guard's record, a block, the WAL …).
          node.disk.failAtWrite(this.rng.int(1, 6), () => void this.crashNode(node, true));
        } else {
          await this.crashNode(node, false);
        }
        return;
      case "restart":
        if (!node.up) await this.startNode(node);
        return;
      case "sync":
        await this.syncFrom(node, this.nodes[e.from]!);
        return;
      case "syncTick":
        if (!node.up || e.incarnation !== node.incarnation) return;
        this.requestSync(node);
        this.queue.push(this.now + SYNC_INTERVAL_MS, { kind: "syncTick", node: node.index, incarnation: node.incarnation });
        return;
    }
  }

  private ticker(node: SimNode): TimeoutTicker {
    return {
      schedule: (ms, fn) => {
        const ev: SimEvent = { kind: "timer", node: node.index, incarnation: node.incarnation, fn, cancelled: false };
        this.queue.push(this.now + Math.max(0, ms), ev);
        return ev;
      },
      cancel: (h) => {
        (h as { cancelled: boolean }).cancelled = true;
      },
    };
  }

  private async startNode(node: SimNode): Promise<void> {
    const incarnation = node.incarnation;
    try {
      const db = HubDb.fromLevel(await node.disk.open(), `sim:node${node.index}`);
      node.db = db;
      const latest = await db.blocks.latestHeight();
      const block = latest > 0 ? await db.blocks.getBlock(latest) : undefined;
      if (this.restarts > 0 || this.crashes > 0) {
        const hashes = new Map<number, string>();
        for (let h = 1; h <= latest; h++) {
          const hash = await db.blocks.getBlockHashAt(h);
          if (hash) hashes.set(h, toHex(hash));
        }
        this.checker.onRestored(node.index, (h) => hashes.get(h));
      }
      const app = new PlaceholderApplication({ genesisHash: this.genesis.hash, latest: block && { height: latest, stateRoot: block.header.stateRoot } });
      const pv = this.opts.fault === "unguardedSigner" ? unguardedSigner(node.secretKey) : await PrivValidator.load({ blsSecretKey: node.secretKey }, { db });
      const engine = new ConsensusEngine(
        { genesis: this.genesis, createEmptyBlocksIntervalMs: 0, rebroadcastIntervalMs: 1000, lastCommitWaitMs: 50 },
        {
          db,
          mempool: new Mempool({ maxTxs: 100 }),
          privValidator: pv,
          app,
          logger: (this.opts.logger ?? nullLogger).child({ node: node.index, incarnation }),
          clock: { now: () => GENESIS_TIME + this.now },
          ticker: this.ticker(node),
          outbox: {
            proposal: (msg) => this.broadcast(node, { kind: "proposal", msg }),
            vote: (vote) => {
              // The engine also relays others' votes (getVotesToRebroadcast): only its own are signatures.
              if (vote.validatorIndex === node.validatorIndex) this.checker.onVoteSigned(node.index, vote);
              this.broadcast(node, { kind: "vote", vote });
            },
            evidence: (ev) => {
              this.evidence++;
              const accused = this.nodes.find((x) => x.validatorIndex === ev.voteA.validatorIndex);
              if (!accused?.byzantine) this.checker.violations.push(`evidence against honest validator ${ev.voteA.validatorIndex} by node ${node.index} at ${ev.voteA.height}/${ev.voteA.round}`);
            },
            requestSync: () => this.requestSync(node),
          },
        },
      );
      engine.on("commit", (ev) => {
        if (node.incarnation === incarnation) this.checker.onCommit(node.index, ev.height, ev.blockHash);
      });
      engine.on("fatal", () => void this.crashNode(node, true));
      node.engine = engine;
      node.up = true;
      this.queue.push(this.now + SYNC_INTERVAL_MS, { kind: "syncTick", node: node.index, incarnation });
      await engine.start();
      if (node.incarnation !== incarnation) return; // it crashed while starting
      if (this.crashes > 0) this.restarts++;
    } catch (e) {
      if (node.incarnation !== incarnation || !node.up) return; // the disk failed under it: a crash, already handled
      throw e;
    }
  }

  /** The process dies: its engine is abandoned mid-flight, its disk keeps what a power loss keeps. */
  private async crashNode(node: SimNode, inWrite: boolean): Promise<void> {
    if (!node.up) return;
    node.up = false;
    node.incarnation++;
    this.crashes++;
    if (inWrite) this.crashesInWrite++;
    const engine = node.engine;
    node.engine = null;
    node.db = null;
    node.syncing = false;
    await node.disk.crash((n) => this.rng.int(0, n));
    engine?.removeAllListeners();
    void engine?.stop().catch(() => undefined);
    this.queue.push(this.now + this.rng.int(100, 5000), { kind: "restart", node: node.index });
  }

  private async stopNode(node: SimNode): Promise<void> {
    if (!node.up) return;
    node.up = false;
    node.incarnation++;
    await node.engine?.stop();
    await node.db?.close();
  }

  /** A double voter answers a proposal (the adversary's votes, sent as it says). */
  private doubleVote(node: SimNode, message: Message): void {
    if (message.kind !== "proposal") return;
    const others = this.nodes.filter((x) => x !== node).map((x) => x.index);
    for (const { vote, to } of this.adversary.answer(node, message.msg, others)) {
      for (const t of to) this.network.send(node.index, t, this.now, (r, at) => this.queue.push(at, { kind: "deliver", node: r, message: { kind: "vote", vote } }));
    }
  }

  private broadcast(from: SimNode, message: Message): void {
    this.network.broadcast(from.index, this.now, (to, at) => this.queue.push(at, { kind: "deliver", node: to, message }));
  }

  /**
   * What the sync service does when the engine says it is behind, and every SYNC_INTERVAL_MS: asks the
   * peers it can reach for their height, and fetches the blocks above its own from the highest (after a
   * network round trip).
   */
  private requestSync(node: SimNode): void {
    if (node.syncing || !node.engine) return;
    const own = node.engine.chainTip.height;
    let best: SimNode | undefined;
    for (const p of this.nodes) {
      if (p === node || !p.up || !p.engine || !this.network.connected(node.index, p.index, this.now)) continue;
      if (p.engine.chainTip.height > own && (!best || p.engine.chainTip.height > best.engine!.chainTip.height)) best = p;
    }
    if (!best) return;
    node.syncing = true;
    this.queue.push(this.now + this.rng.int(10, 500), { kind: "sync", node: node.index, from: best.index });
  }

  /** Certified blocks above `node`'s tip from `peer`'s store, applied in order as the sync service does. */
  private async syncFrom(node: SimNode, peer: SimNode): Promise<void> {
    node.syncing = false;
    if (!node.up || !node.engine || !peer.up || !peer.db) return;
    const engine = node.engine;
    const incarnation = node.incarnation;
    const latest = await peer.db.blocks.latestHeight().catch(() => 0);
    for (let h = engine.chainTip.height + 1; h <= latest && h <= engine.chainTip.height + 20; h++) {
      const block = await peer.db?.blocks.getBlock(h).catch(() => undefined);
      const certificate = await peer.db?.blocks.getCertificate(h).catch(() => undefined);
      if (!block || !certificate || node.incarnation !== incarnation) return;
      const cb: CertifiedBlock = { block, certificate };
      try {
        await engine.submitCertifiedBlock(cb);
        this.syncs++;
      } catch {
        return; // stopped or crashed under it, or not next: the engine asks again
      }
    }
  }
}

/** The planted fault: a signer without the guard (what PrivValidator would be without SignerGuard). */
function unguardedSigner(secretKey: Uint8Array): EngineSigner {
  return {
    publicKey: blsPublicKeyFromSecret(secretKey),
    signVote: async (chainId, v) => blsSign(secretKey, computeVoteSignBytes({ chainId, height: v.height, round: v.round, type: v.type, blockHash: v.blockHash })),
    signProposal: async (chainId, p) => blsSign(secretKey, computeProposalSignBytes({ chainId, height: p.height, round: p.round, polRound: p.polRound, blockHash: p.blockHash })),
  };
}
