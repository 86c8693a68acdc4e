import { createHash } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { fromBech32 } from "@cosmjs/encoding";
import { QueryClient, setupSlashingExtension, setupStakingExtension } from "@cosmjs/stargate";
import { connectComet, type CometClient } from "@cosmjs/tendermint-rpc";
import {
  decodeCertificateStreamMessageJson,
  decodeConsumersJson,
  decodeEvidenceListJson,
  decodeForkCasesJson,
  decodeHeaderResponseJson,
  decodeStatusJson,
  decodeValidatorSetJson,
  encodeHex,
  type HubCertificateStreamMessage,
} from "@aegis/consumer-sdk";
import { decodeFinalityJson, type ConsumerStatusJson } from "@aegis/consumer-runtime";
import type { DevnetConsumer } from "../consumers.js";
import type { DevnetFile } from "../devnet.js";
import {
  computeFinalityLatencyMs,
  computeMean,
  computeNakamotoCoefficient,
  computeZkProvingLag,
  createConsumerFinalityState,
  getValidatorStatus,
  processConsumerFinalityObservation,
  type ConsumerFinalityState,
} from "./dashboardMetrics.js";
import type {
  BlockView,
  ConsumerView,
  DashboardEvent,
  DashboardEventKind,
  DashboardLimits,
  DashboardSnapshot,
  DashboardUpdate,
  DevnetView,
  EvidenceView,
  ForkCaseView,
  HeightSample,
  NodeView,
  ValidatorView,
  ValidatorsView,
} from "./dashboardSnapshot.js";

export const DEFAULT_DASHBOARD_LIMITS: DashboardLimits = { blocks: 300, heightSamples: 300, events: 200, evidence: 100 };

export interface NetworkAggregatorOpts {
  devnetJsonPath: string;
  limits?: Partial<DashboardLimits>;
  /** Each hub node's GET /status and each consumer's /finality and /status (default 1000 ms). */
  pollIntervalMs?: number;
  /** Validators (hub set, staking, slashing), evidence, fork cases, the hub's consumer registry (default 3000 ms). */
  slowPollIntervalMs?: number;
  /** How often changes are sent to listeners, at most (default 250 ms). */
  flushIntervalMs?: number;
  requestTimeoutMs?: number;
}

export interface NetworkAggregatorModules {
  log: (line: string) => void;
  now?: () => number;
}

/** The fields of devnet.json the dashboard reads: never the faucet, the hub accounts or any key. */
interface WatchedNetwork {
  view: DevnetView;
  nodes: { moniker: string; api: string; rpc: string }[];
  consumers: { id: string; vm: string; api: string; nodes: { role: string; api: string }[] }[];
}

interface NodeState {
  view: NodeView;
  rpc: string;
  ws: WebSocket | null;
  reconnectTimer: NodeJS.Timeout | null;
  handshakeTimer: NodeJS.Timeout | null;
  /** Consecutive failed reconnects (the backoff's exponent). */
  attempts: number;
  /** Consecutive failed polls that were not a refused connection. */
  softFailures: number;
  polling: boolean;
  closed: boolean;
}

interface ConsumerState {
  view: ConsumerView;
  fullNodeApi: string | null;
  tracker: ConsumerFinalityState;
  polling: boolean;
}

const RECONNECT_BASE_MS = 250;
const RECONNECT_MAX_MS = 8000;
const STREAM_HANDSHAKE_TIMEOUT_MS = 5000;
const BOND_STATUS_NAMES: Record<number, string> = { 1: "BOND_STATUS_UNBONDED", 2: "BOND_STATUS_UNBONDING", 3: "BOND_STATUS_BONDED" };

class HttpStatusError extends Error {
  constructor(readonly status: number, url: string) {
    super(`${url} answered ${status}`);
  }
}

/** A refused connection: the process is not there (as opposed to slow). */
function isConnectionRefused(e: unknown): boolean {
  const cause = (e as { cause?: { code?: string } })?.cause;
  return cause?.code === "ECONNREFUSED" || cause?.code === "ECONNRESET";
}

function describeError(e: unknown): string {
  const cause = (e as { cause?: { code?: string } })?.cause;
  if (cause?.code) return cause.code;
  if (e instanceof Error) return e.name === "TimeoutError" ? "timeout" : e.message.slice(0, 200);
  return String(e).slice(0, 200);
}

/** The BLS key inside the staking validator's consensus key Any (aegis.staking.v1.BlsPublicKey { bytes key = 1 }). */
function readBlsKeyAny(value: Uint8Array | undefined): Uint8Array | null {
  if (!value || value[0] !== 0x0a) return null;
  let len = 0;
  let shift = 0;
  let i = 1;
  for (; i < value.length && i < 6; i++) {
    const b = value[i]!;
    len |= (b & 0x7f) << shift;
    shift += 7;
    if ((b & 0x80) === 0) break;
  }
  const start = i + 1;
  if (start + len > value.length) return null;
  return value.slice(start, start + len);
}

const validatorAddress = (blsKey: Uint8Array) => encodeHex(createHash("sha256").update(blsKey).digest().subarray(0, 20));

/**
 * Watches a running devnet for the dashboard: each hub node's certificate stream (WebSocket,
 * reconnected with backoff) and /status, the validators (the hub's set for power; cosmjs staking and
 * slashing queries over the node's CometBFT RPC for stake, jailed and tombstoned), evidence and fork
 * cases, and each consumer chain's producer /finality and /status. Memory is bounded by `limits`.
 * devnet.json is re-read when it changes (the devnet adds its consumers after the hub is up).
 */
export class NetworkAggregator {
  private readonly limits: DashboardLimits;
  private readonly now: () => number;
  private network: WatchedNetwork | null = null;
  private devnetError: string | null = null;
  private devnetMtimeMs = -1;
  private nodes: NodeState[] = [];
  private readonly blocks = new Map<number, BlockView>();
  private readonly headerWanted = new Map<number, number>();
  private headerFetching = new Set<number>();
  private heightSeries: HeightSample[] = [];
  private validators: ValidatorsView | null = null;
  private readonly validatorMemory = new Map<string, { status: string; tokens: string | null }>();
  private consumers: ConsumerState[] = [];
  private hubConsumers = new Map<string, { status: string; latestHeight: number }>();
  private evidence: EvidenceView[] = [];
  private readonly evidenceSeen = new Set<string>();
  private forkCases: ForkCaseView[] = [];
  private readonly forkCasesSeen = new Map<number, string>();
  private events: DashboardEvent[] = [];
  private eventId = 0;
  private comet: { url: string; client: CometClient } | null = null;
  private timers: NodeJS.Timeout[] = [];
  private running = false;
  private slowPolling = false;
  // What changed since the last flush.
  private dirty = new Set<keyof DashboardUpdate>();
  private dirtyBlocks = new Set<number>();
  private newSamples: HeightSample[] = [];
  private newEvents: DashboardEvent[] = [];
  private readonly listeners = new Set<(u: DashboardUpdate) => void>();

  constructor(
    private readonly opts: NetworkAggregatorOpts,
    private readonly modules: NetworkAggregatorModules,
  ) {
    this.limits = { ...DEFAULT_DASHBOARD_LIMITS, ...opts.limits };
    this.now = modules.now ?? Date.now;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.reloadDevnetFile();
    const poll = this.opts.pollIntervalMs ?? 1000;
    const slow = this.opts.slowPollIntervalMs ?? 3000;
    this.timers.push(
      setInterval(() => void this.pollTick(), poll),
      setInterval(() => void this.slowTick(), slow),
      setInterval(() => void this.reloadDevnetFile(), 2000),
      setInterval(() => this.flush(), this.opts.flushIntervalMs ?? 250),
    );
    void this.pollTick();
    void this.slowTick();
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    for (const n of this.nodes) this.closeNode(n);
    this.comet?.client.disconnect();
    this.comet = null;
    this.listeners.clear();
  }

  /** Called with every batch of changes (at most every flushIntervalMs). Returns the unsubscribe. */
  onUpdate(listener: (u: DashboardUpdate) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  getSnapshot(): DashboardSnapshot {
    return {
      version: 1,
      at: this.now(),
      limits: this.limits,
      devnet: this.network?.view ?? null,
      devnetError: this.devnetError,
      nodes: this.nodes.map((n) => ({ ...n.view })),
      blocks: [...this.blocks.values()].sort((a, b) => a.height - b.height),
      heightSeries: [...this.heightSeries],
      validators: this.validators,
      consumers: this.consumers.map((c) => ({ ...c.view })),
      evidence: [...this.evidence],
      forkCases: [...this.forkCases],
      events: [...this.events],
    };
  }

  // -------------------------------------------------------------------------------------------
  // devnet.json

  private async reloadDevnetFile(): Promise<void> {
    const path = this.opts.devnetJsonPath;
    let file: DevnetFile;
    try {
      const st = await stat(path);
      if (st.mtimeMs === this.devnetMtimeMs) return;
      file = JSON.parse(await readFile(path, "utf8")) as DevnetFile;
      if (!Array.isArray(file.nodes) || typeof file.chainId !== "string") throw new Error("not a devnet.json (no chainId or nodes)");
      this.devnetMtimeMs = st.mtimeMs;
    } catch (e) {
      const msg = `cannot read ${path}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file (is the devnet started?)" : describeError(e)}`;
      if (msg !== this.devnetError) {
        this.devnetError = msg;
        this.markDirty("devnetError");
        this.modules.log(`dashboard: ${msg}; retrying`);
      }
      return;
    }
    if (!this.running) return;
    const net: WatchedNetwork = {
      view: { chainId: file.chainId, home: file.home, denom: file.denom ?? null, zk: file.zk ? { circuit: file.zk.circuit, capacity: file.zk.capacity, provers: [...file.zk.provers] } : null },
      nodes: file.nodes.map((n) => ({ moniker: n.moniker, api: n.api, rpc: n.rpc })),
      consumers: (file.consumers ?? []).map((c: DevnetConsumer) => ({ id: c.id, vm: c.vm, api: c.api, nodes: c.nodes.map((n) => ({ role: n.role, api: n.api })) })),
    };
    const prev = this.network;
    this.network = net;
    this.devnetError = null;
    this.markDirty("devnet");
    this.markDirty("devnetError");
    const sameNodes = prev && prev.view.chainId === net.view.chainId && JSON.stringify(prev.nodes) === JSON.stringify(net.nodes);
    if (!sameNodes) {
      for (const n of this.nodes) this.closeNode(n);
      if (prev && prev.view.chainId !== net.view.chainId) {
        this.blocks.clear();
        this.heightSeries = [];
      }
      this.nodes = net.nodes.map((n) => ({
        view: { moniker: n.moniker, api: n.api, up: null, height: null, round: null, peers: null, latestBlockTime: null, lastSeenAt: null, downSince: null, streamConnected: false, lastError: null },
        rpc: n.rpc,
        ws: null,
        reconnectTimer: null,
        handshakeTimer: null,
        attempts: 0,
        softFailures: 0,
        polling: false,
        closed: false,
      }));
      for (const n of this.nodes) this.connectStream(n);
      this.markDirty("nodes");
    }
    const known = new Map(this.consumers.map((c) => [c.view.id, c]));
    this.consumers = net.consumers.map((c) => {
      const old = known.get(c.id);
      if (old && old.view.api === c.api) return old;
      return {
        view: { id: c.id, vm: c.vm, api: c.api, producerUp: null, fullNodeUp: null, height: null, hubFinalHeight: null, hubHeight: null, tier: null, zkFinalHeight: null, checkpointsSent: null, hubStatus: null, hubCheckpointHeight: null, lastFinalityLatencyMs: null, meanFinalityLatencyMs: null, misbehaviour: null },
        fullNodeApi: c.nodes.find((n) => n.role === "full")?.api ?? null,
        tracker: createConsumerFinalityState(),
        polling: false,
      };
    });
    this.markDirty("consumers");
    this.modules.log(`dashboard: watching ${net.view.chainId}: ${net.nodes.length} hub nodes, ${net.consumers.length} consumer chains`);
  }

  // -------------------------------------------------------------------------------------------
  // Certificate streams

  private connectStream(n: NodeState): void {
    if (!this.running || n.closed) return;
    const url = `${n.view.api.replace(/^http/, "ws")}/stream/certificates`;
    let ws: WebSocket;
    try {
      ws = new WebSocket(url);
    } catch (e) {
      n.view.lastError = describeError(e);
      this.scheduleReconnect(n);
      return;
    }
    n.ws = ws;
    const closed = () => {
      clearTimeout(handshake);
      n.handshakeTimer = null;
      if (n.ws !== ws) return;
      n.ws = null;
      if (n.view.streamConnected) {
        n.view.streamConnected = false;
        this.markDirty("nodes");
        // The stream dropping is the quickest sign of a dead node: ask its /status now.
        void this.pollNode(n);
      }
      this.scheduleReconnect(n);
    };
    // A handshake that never ends (seen with a node killed mid-handshake: no close event follows) is
    // given up, or the stream would never be retried.
    const handshake = setTimeout(() => {
      if (ws.readyState !== WebSocket.CONNECTING) return;
      this.modules.log(`dashboard: ${n.view.moniker}'s certificate stream did not open within ${STREAM_HANDSHAKE_TIMEOUT_MS} ms; retrying`);
      detach(ws);
      closed();
    }, STREAM_HANDSHAKE_TIMEOUT_MS);
    n.handshakeTimer = handshake;
    ws.onopen = () => {
      clearTimeout(handshake);
      n.handshakeTimer = null;
      n.attempts = 0;
      n.view.streamConnected = true;
      this.markDirty("nodes");
    };
    ws.onmessage = (ev) => {
      try {
        const chainId = this.network?.view.chainId;
        if (!chainId || typeof ev.data !== "string") return;
        this.onCertificate(n, decodeCertificateStreamMessageJson(JSON.parse(ev.data), { chainId }));
      } catch (e) {
        this.modules.log(`dashboard: a bad message on ${n.view.moniker}'s certificate stream: ${describeError(e)}`);
      }
    };
    ws.onerror = () => {
      /* onclose follows */
    };
    ws.onclose = closed;
  }

  private scheduleReconnect(n: NodeState): void {
    if (!this.running || n.closed || n.reconnectTimer) return;
    const delay = Math.min(RECONNECT_MAX_MS, RECONNECT_BASE_MS * 2 ** Math.min(n.attempts, 6));
    n.attempts++;
    n.reconnectTimer = setTimeout(() => {
      n.reconnectTimer = null;
      this.connectStream(n);
    }, delay);
  }

  private closeNode(n: NodeState): void {
    n.closed = true;
    if (n.reconnectTimer) clearTimeout(n.reconnectTimer);
    if (n.handshakeTimer) clearTimeout(n.handshakeTimer);
    n.reconnectTimer = null;
    n.handshakeTimer = null;
    const ws = n.ws;
    n.ws = null;
    if (ws) detach(ws);
  }

  private onCertificate(from: NodeState, m: HubCertificateStreamMessage): void {
    const now = this.now();
    const lowest = this.lowestKeptHeight();
    if (m.height < lowest) return;
    if (m.type === "bls") {
      const hash = encodeHex(m.blockHash);
      const b = this.blocks.get(m.height);
      if (b && b.blsArrivalMs !== null) {
        if (b.blockHash !== hash && b.conflictingBlockHash === null) {
          b.conflictingBlockHash = hash;
          this.touchBlock(b.height);
          this.addEvent("conflict", `height ${m.height}: ${from.view.moniker} certified block ${hash.slice(0, 12)}…, another node ${b.blockHash.slice(0, 12)}…`);
        }
        return;
      }
      const c = m.bls.certificate;
      const block: BlockView = b ?? this.emptyBlock(m.height, hash);
      block.blockHash = hash;
      block.blsArrivalMs = now;
      block.round = c.round;
      block.signerCount = countBits(c.signers);
      block.signedPower = m.bls.signedPower.toString();
      block.totalPower = m.bls.totalPower.toString();
      block.finalityLatencyMs = computeFinalityLatencyMs(now, block.headerTime);
      if (block.zk) this.setZkLag(block);
      this.putBlock(block);
      if (block.headerTime === null) this.wantHeader(block.height, from);
      // The node is evidently up (the stream is faster than the poll).
      if ((from.view.height ?? 0) < m.height) {
        from.view.height = m.height;
        this.markDirty("nodes");
      }
    } else {
      const existing = this.blocks.get(m.height);
      if (existing?.zk) return;
      const block = existing ?? this.emptyBlock(m.height, encodeHex(m.zk.blockHash));
      block.zk = { arrivalMs: now, signerCount: countBigBits(m.zk.signers), circuit: m.zk.circuit, prover: encodeHex(m.zk.prover), provingLagMs: null, lagFrom: null };
      this.setZkLag(block);
      this.putBlock(block);
      if (block.headerTime === null) this.wantHeader(block.height, from);
    }
  }

  private setZkLag(b: BlockView): void {
    if (!b.zk) return;
    const lag = computeZkProvingLag(b.zk.arrivalMs, b.blsArrivalMs, b.headerTime);
    b.zk.provingLagMs = lag?.lagMs ?? null;
    b.zk.lagFrom = lag?.from ?? null;
  }

  private emptyBlock(height: number, blockHash: string): BlockView {
    return { height, blockHash, headerTime: null, proposer: null, blsArrivalMs: null, round: 0, signerCount: 0, signedPower: "0", totalPower: "0", finalityLatencyMs: null, zk: null, conflictingBlockHash: null };
  }

  private lowestKeptHeight(): number {
    if (this.blocks.size < this.limits.blocks) return 0;
    let min = Infinity;
    for (const h of this.blocks.keys()) min = Math.min(min, h);
    return min;
  }

  private putBlock(b: BlockView): void {
    this.blocks.set(b.height, b);
    while (this.blocks.size > this.limits.blocks) {
      let min = Infinity;
      for (const h of this.blocks.keys()) min = Math.min(min, h);
      this.blocks.delete(min);
      this.dirtyBlocks.delete(min);
      this.headerWanted.delete(min);
    }
    this.touchBlock(b.height);
  }

  private touchBlock(height: number): void {
    this.dirtyBlocks.add(height);
  }

  private wantHeader(height: number, from: NodeState): void {
    if (!this.headerWanted.has(height)) this.headerWanted.set(height, 0);
    void this.fetchHeader(height, from);
  }

  private async fetchHeader(height: number, from: NodeState | undefined): Promise<void> {
    if (this.headerFetching.has(height)) return;
    const node = from && from.view.up !== false ? from : this.nodes.find((n) => n.view.up);
    if (!node) return;
    this.headerFetching.add(height);
    try {
      const json = await this.getJson(`${node.view.api}/headers/${height}`);
      const { header } = decodeHeaderResponseJson(json);
      const b = this.blocks.get(height);
      this.headerWanted.delete(height);
      if (!b) return;
      b.headerTime = header.time;
      b.proposer = encodeHex(header.proposer);
      b.finalityLatencyMs = computeFinalityLatencyMs(b.blsArrivalMs, b.headerTime);
      if (b.zk) this.setZkLag(b);
      this.touchBlock(height);
    } catch {
      const tries = (this.headerWanted.get(height) ?? 0) + 1;
      if (tries >= 5) this.headerWanted.delete(height);
      else this.headerWanted.set(height, tries);
    } finally {
      this.headerFetching.delete(height);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Polling

  private async pollTick(): Promise<void> {
    if (!this.running) return;
    await Promise.all([...this.nodes.map((n) => this.pollNode(n)), ...this.consumers.map((c) => this.pollConsumer(c))]);
    if (!this.running) return;
    const sample: HeightSample = { t: this.now(), heights: this.nodes.map((n) => (n.view.up ? n.view.height : null)) };
    this.heightSeries.push(sample);
    if (this.heightSeries.length > this.limits.heightSamples) this.heightSeries.splice(0, this.heightSeries.length - this.limits.heightSamples);
    this.newSamples.push(sample);
    // Headers a node could not give before (it died meanwhile): ask another.
    for (const h of [...this.headerWanted.keys()].slice(0, 5)) void this.fetchHeader(h, undefined);
  }

  private async pollNode(n: NodeState): Promise<void> {
    if (n.polling || n.closed) return;
    n.polling = true;
    const v = n.view;
    try {
      const s = decodeStatusJson(await this.getJson(`${v.api}/status`));
      const wasDown = v.up === false;
      n.softFailures = 0;
      v.up = true;
      v.height = Math.max(s.height, v.height ?? 0);
      v.round = s.round;
      v.peers = s.peers;
      v.latestBlockTime = s.latestBlockTime;
      v.lastSeenAt = this.now();
      v.lastError = null;
      if (wasDown) this.addEvent("node-up", `${v.moniker} is back (height ${s.height}) after ${Math.round((this.now() - (v.downSince ?? this.now())) / 1000)} s down`);
      v.downSince = null;
      // A node that restarted: reconnect its stream at once rather than after the backoff.
      if (!n.ws && n.reconnectTimer) {
        clearTimeout(n.reconnectTimer);
        n.reconnectTimer = null;
        n.attempts = 0;
        this.connectStream(n);
      }
    } catch (e) {
      if (n.closed) return;
      n.softFailures++;
      v.lastError = describeError(e);
      // Refused: the process is gone. Slow: down only after two polls in a row (two cores, many processes).
      if (v.up !== false && (isConnectionRefused(e) || n.softFailures >= 2)) {
        v.up = false;
        v.downSince = this.now();
        this.addEvent("node-down", `${v.moniker} is down (${v.lastError})`);
      }
    } finally {
      n.polling = false;
      this.markDirty("nodes");
    }
  }

  private async pollConsumer(c: ConsumerState): Promise<void> {
    if (c.polling) return;
    c.polling = true;
    const v = c.view;
    try {
      const [fin, status, full] = await Promise.allSettled([
        this.getJson(`${v.api}/finality`),
        this.getJson(`${v.api}/status`),
        c.fullNodeApi ? this.getJson(`${c.fullNodeApi}/status`) : Promise.reject(new Error("no full node")),
      ]);
      v.producerUp = fin.status === "fulfilled" || status.status === "fulfilled";
      v.fullNodeUp = c.fullNodeApi ? full.status === "fulfilled" : null;
      if (fin.status === "fulfilled") {
        const f = decodeFinalityJson(fin.value);
        v.height = f.height;
        v.hubFinalHeight = f.hubFinalHeight;
        v.hubHeight = f.hubHeight;
        v.tier = f.tier;
        v.zkFinalHeight = f.zkFinalHeight;
        if (f.misbehaviour && f.misbehaviour !== v.misbehaviour) this.addEvent("consumer-misbehaviour", `${v.id}: ${f.misbehaviour}`);
        v.misbehaviour = f.misbehaviour;
        const r = processConsumerFinalityObservation(c.tracker, { height: f.height, hubFinalHeight: f.hubFinalHeight }, this.now());
        c.tracker = r.state;
        if (r.resolved.length > 0) {
          v.lastFinalityLatencyMs = r.resolved[r.resolved.length - 1]!.latencyMs;
          v.meanFinalityLatencyMs = computeMean(c.tracker.latencies);
        }
      }
      if (status.status === "fulfilled") {
        const s = status.value as Partial<ConsumerStatusJson>;
        v.checkpointsSent = typeof s.checkpointsSent === "number" ? s.checkpointsSent : null;
      }
      const hub = this.hubConsumers.get(v.id);
      v.hubStatus = hub?.status ?? null;
      v.hubCheckpointHeight = hub?.latestHeight ?? null;
    } catch (e) {
      this.modules.log(`dashboard: consumer ${v.id}: ${describeError(e)}`);
    } finally {
      c.polling = false;
      this.markDirty("consumers");
    }
  }

  private async slowTick(): Promise<void> {
    if (!this.running || this.slowPolling) return;
    const node = this.nodes.find((n) => n.view.up) ?? this.nodes[0];
    if (!node) return;
    this.slowPolling = true;
    try {
      await Promise.allSettled([this.pollValidators(node), this.pollEvidence(node), this.pollForkCases(node), this.pollHubConsumers(node)]);
    } finally {
      this.slowPolling = false;
    }
  }

  private async pollValidators(node: NodeState): Promise<void> {
    const { validatorSet, monikers } = decodeValidatorSetJson(await this.getJson(`${node.view.api}/validators`));
    const byAddress = new Map<string, ValidatorView>();
    validatorSet.validators.forEach((v, i) => {
      const address = encodeHex(v.address);
      byAddress.set(address, { moniker: monikers[i] ?? null, address, operatorAddress: null, tokens: null, power: v.power.toString(), status: "active", bondStatus: null, missedBlocks: null });
    });
    let fromStaking = false;
    try {
      const q = QueryClient.withExtensions(await this.cometClient(node.rpc), setupStakingExtension, setupSlashingExtension);
      const staking = [];
      let key: Uint8Array | undefined;
      for (let page = 0; page < 20; page++) {
        const r = await q.staking.validators("", key);
        staking.push(...r.validators);
        key = r.pagination?.nextKey;
        if (!key || key.length === 0) break;
      }
      const infos = new Map<string, { tombstoned: boolean; missed: number }>();
      key = undefined;
      for (let page = 0; page < 20; page++) {
        const r = await q.slashing.signingInfos(key);
        for (const si of r.info) infos.set(encodeHex(fromBech32(si.address, 90).data), { tombstoned: si.tombstoned, missed: Number(si.missedBlocksCounter) });
        key = r.pagination?.nextKey;
        if (!key || key.length === 0) break;
      }
      for (const sv of staking) {
        const bls = readBlsKeyAny(sv.consensusPubkey?.value);
        if (!bls) continue;
        const address = validatorAddress(bls);
        const info = infos.get(address);
        const bondStatus = BOND_STATUS_NAMES[sv.status] ?? null;
        const inSet = byAddress.get(address);
        byAddress.set(address, {
          moniker: inSet?.moniker ?? (sv.description?.moniker || null),
          address,
          operatorAddress: sv.operatorAddress,
          tokens: sv.tokens,
          power: inSet?.power ?? null,
          status: getValidatorStatus({ jailed: sv.jailed, tombstoned: info?.tombstoned ?? false, bondStatus }),
          bondStatus,
          missedBlocks: info?.missed ?? null,
        });
      }
      fromStaking = true;
    } catch (e) {
      this.comet?.client.disconnect();
      this.comet = null;
      this.modules.log(`dashboard: staking/slashing queries on ${node.view.moniker} failed (${describeError(e)}); showing the consensus set only`);
    }
    const list = [...byAddress.values()].sort((a, b) => cmpDecimalDesc(a.tokens ?? a.power ?? "0", b.tokens ?? b.power ?? "0") || a.address.localeCompare(b.address));
    if (fromStaking) this.noteValidatorChanges(list);
    this.validators = {
      list,
      totalPower: validatorSet.totalPower.toString(),
      nakamotoCoefficient: computeNakamotoCoefficient(validatorSet.validators.map((v) => v.power)),
      fromStaking,
      updatedAt: this.now(),
    };
    this.markDirty("validators");
  }

  /** Slashing as it shows in the state: a validator newly jailed, tombstoned, unjailed, or with fewer tokens. */
  private noteValidatorChanges(list: ValidatorView[]): void {
    for (const v of list) {
      const prev = this.validatorMemory.get(v.address);
      const name = v.moniker ?? v.operatorAddress ?? v.address.slice(0, 12);
      if (prev) {
        if (prev.status !== v.status) {
          if (v.status === "tombstoned") this.addEvent("tombstoned", `${name} was tombstoned`);
          else if (v.status === "jailed") this.addEvent("jailed", `${name} was jailed`);
          else if (prev.status === "jailed" && v.status === "active") this.addEvent("unjailed", `${name} is active again`);
        }
        if (prev.tokens !== null && v.tokens !== null && BigInt(v.tokens) < BigInt(prev.tokens)) this.addEvent("slashed", `${name} lost ${BigInt(prev.tokens) - BigInt(v.tokens)} tokens (now ${v.tokens})`);
      } else if (v.status === "jailed" || v.status === "tombstoned") {
        this.addEvent(v.status, `${name} is ${v.status}`);
      }
      this.validatorMemory.set(v.address, { status: v.status, tokens: v.tokens });
    }
  }

  private async pollEvidence(node: NodeState): Promise<void> {
    const list = decodeEvidenceListJson(await this.getJson(`${node.view.api}/evidence`));
    const views: EvidenceView[] = list.map((e) => ({
      kind: e.kind,
      height: e.height,
      validatorIndex: e.validatorIndex,
      round: e.kind === "duplicate_vote" ? e.round : null,
      blockHashA: e.blockHashA ? encodeHex(e.blockHashA) : null,
      blockHashB: e.blockHashB ? encodeHex(e.blockHashB) : null,
      time: e.time,
    }));
    for (const e of views) {
      const key = `${e.kind}/${e.height}/${e.round}/${e.validatorIndex}/${e.blockHashA}/${e.blockHashB}`;
      if (this.evidenceSeen.has(key)) continue;
      this.evidenceSeen.add(key);
      this.addEvent("evidence", `${e.kind.replace("_", " ")} by validator #${e.validatorIndex} at height ${e.height}`);
    }
    const next = views.sort((a, b) => a.time - b.time).slice(-this.limits.evidence);
    if (JSON.stringify(next) !== JSON.stringify(this.evidence)) {
      this.evidence = next;
      this.markDirty("evidence");
    }
  }

  private async pollForkCases(node: NodeState): Promise<void> {
    const cases = decodeForkCasesJson(await this.getJson(`${node.view.api}/fork-cases`));
    const statusNames = ["open", "met", "expired"];
    const views: ForkCaseView[] = cases.map((c) => ({
      id: c.id,
      height: c.height,
      kind: c.kind,
      openedMs: c.openedMs,
      obligations: c.obligations.map((o) => ({ status: statusNames[o.status] ?? String(o.status), owers: [...o.owers] })),
      convicted: [...c.convicted],
    }));
    for (const c of views) {
      const sig = c.convicted.join(",");
      const prev = this.forkCasesSeen.get(c.id);
      if (prev === undefined) this.addEvent("fork-case", `fork case #${c.id} (${c.kind}) opened at height ${c.height}`);
      if (prev !== sig && c.convicted.length > 0) this.addEvent("fork-case", `fork case #${c.id} convicted validators ${c.convicted.map((i) => `#${i}`).join(", ")}`);
      this.forkCasesSeen.set(c.id, sig);
    }
    const next = views.slice(-this.limits.evidence);
    if (JSON.stringify(next) !== JSON.stringify(this.forkCases)) {
      this.forkCases = next;
      this.markDirty("forkCases");
    }
  }

  private async pollHubConsumers(node: NodeState): Promise<void> {
    if (this.consumers.length === 0) return;
    const list = decodeConsumersJson(await this.getJson(`${node.view.api}/consumers`));
    this.hubConsumers = new Map(list.map((c) => [c.consumerId, { status: String(c.status), latestHeight: c.latestHeight }]));
  }

  private async cometClient(rpc: string): Promise<CometClient> {
    if (this.comet?.url === rpc) return this.comet.client;
    this.comet?.client.disconnect();
    this.comet = null;
    const client = await connectComet(rpc);
    this.comet = { url: rpc, client };
    return client;
  }

  // -------------------------------------------------------------------------------------------
  // Helpers

  private async getJson(url: string): Promise<unknown> {
    const r = await fetch(url, { signal: AbortSignal.timeout(this.opts.requestTimeoutMs ?? 3000) });
    if (!r.ok) {
      await r.body?.cancel();
      throw new HttpStatusError(r.status, url);
    }
    return r.json();
  }

  private addEvent(kind: DashboardEventKind, message: string): void {
    const e: DashboardEvent = { id: ++this.eventId, t: this.now(), kind, message };
    this.events.push(e);
    if (this.events.length > this.limits.events) this.events.splice(0, this.events.length - this.limits.events);
    this.newEvents.push(e);
    this.modules.log(`dashboard: ${message}`);
  }

  private markDirty(section: keyof DashboardUpdate): void {
    this.dirty.add(section);
  }

  private flush(): void {
    if (this.dirty.size === 0 && this.dirtyBlocks.size === 0 && this.newSamples.length === 0 && this.newEvents.length === 0) return;
    const u: DashboardUpdate = { at: this.now() };
    if (this.dirty.has("devnet")) u.devnet = this.network?.view ?? null;
    if (this.dirty.has("devnetError")) u.devnetError = this.devnetError;
    if (this.dirty.has("nodes")) u.nodes = this.nodes.map((n) => ({ ...n.view }));
    if (this.dirty.has("validators")) u.validators = this.validators;
    if (this.dirty.has("consumers")) u.consumers = this.consumers.map((c) => ({ ...c.view }));
    if (this.dirty.has("evidence")) u.evidence = [...this.evidence];
    if (this.dirty.has("forkCases")) u.forkCases = [...this.forkCases];
    if (this.dirtyBlocks.size > 0) u.blocks = [...this.dirtyBlocks].flatMap((h) => (this.blocks.has(h) ? [structuredClone(this.blocks.get(h)!)] : []));
    if (this.newSamples.length > 0) u.heightSeries = this.newSamples;
    if (this.newEvents.length > 0) u.events = this.newEvents;
    this.dirty = new Set();
    this.dirtyBlocks = new Set();
    this.newSamples = [];
    this.newEvents = [];
    for (const l of this.listeners) {
      try {
        l(u);
      } catch (e) {
        this.modules.log(`dashboard: an update listener threw: ${describeError(e)}`);
      }
    }
  }
}

/** Stops listening to a socket and closes it (whatever its state). */
function detach(ws: WebSocket): void {
  ws.onopen = null;
  ws.onmessage = null;
  ws.onclose = null;
  ws.onerror = null;
  try {
    ws.close();
  } catch {
    /* already closing */
  }
}

function countBits(bytes: Uint8Array): number {
  let n = 0;
  for (const b of bytes) for (let x = b; x; x &= x - 1) n++;
  return n;
}

function countBigBits(x: bigint): number {
  let n = 0;
  for (; x > 0n; x >>= 1n) if (x & 1n) n++;
  return n;
}

function cmpDecimalDesc(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x > y ? -1 : x < y ? 1 : 0;
}
