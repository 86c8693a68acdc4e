import { CanonicalReader, CanonicalReadError, CanonicalWriter, HASH_LENGTH } from "@aegis/consumer-sdk";
import { P2pNetwork, type Logger, type ValidationResult } from "@aegis/p2p";
import { BlockError, decodeBlock, encodeBlock, MAX_BLOCK_BYTES } from "./block.js";
import type { ConsumerChain } from "./chain.js";
import { ExecutionError } from "./executionEnvironment.js";
import type { Mempool } from "./mempool.js";

export type ConsumerGossipKind = "blocks" | "txs";
export const CONSUMER_GOSSIP_KINDS: readonly ConsumerGossipKind[] = ["blocks", "txs"];
/** Blocks per sync response. */
export const SYNC_BATCH = 64;
const MAX_SYNC_RESPONSE = 64 * MAX_BLOCK_BYTES;

export interface ConsumerNetworkOptions {
  listen: string[];
  bootstrap: string[];
  /** Protobuf-encoded libp2p private key (a fresh one when absent). */
  privateKey?: Uint8Array;
  /** How often to compare heads with peers and fetch what is missing (default 1000 ms). */
  syncIntervalMs?: number;
  /**
   * How often the transactions still in the mempool are gossiped again (default 2000 ms): a
   * transaction that arrived before any peer was subscribed (gossipsub then sends it to nobody), or
   * that a restarted producer lost, still reaches a block.
   */
  txRebroadcastMs?: number;
}

/** Most transactions gossiped again per rebroadcast (the oldest first). */
export const TX_REBROADCAST_BATCH = 64;

/** The p2p chain id of a consumer: topics `/aegis/consumer.<id>/blocks/1`, protocols `/aegis/consumer.<id>/sync/1`. */
export const consumerNetworkId = (consumerId: string): string => `consumer.${consumerId}`;

/**
 * A consumer node on libp2p: blocks and transactions over gossipsub, and a request protocol to catch
 * up (`status` → head height and hash; `blocks` (from, count) → canonical blocks from a height). Every
 * block goes through the chain's rules before it is relayed: a block that fails them is rejected
 * (gossipsub lowers the sender's score), one with an unknown parent is ignored and starts a sync.
 */
export class ConsumerNetwork {
  readonly p2p: P2pNetwork<ConsumerGossipKind>;
  private timer: NodeJS.Timeout | undefined;
  private rebroadcastTimer: NodeJS.Timeout | undefined;
  private syncing = false;
  private readonly syncIntervalMs: number;
  private readonly txRebroadcastMs: number;

  constructor(
    private readonly chain: ConsumerChain,
    private readonly mempool: Mempool,
    opts: ConsumerNetworkOptions,
    private readonly now: () => number,
    private readonly log: Logger,
  ) {
    this.syncIntervalMs = opts.syncIntervalMs ?? 1000;
    this.txRebroadcastMs = opts.txRebroadcastMs ?? 2000;
    this.p2p = new P2pNetwork<ConsumerGossipKind>(
      { chainId: consumerNetworkId(chain.consumerId), kinds: CONSUMER_GOSSIP_KINDS, listen: opts.listen, bootstrap: opts.bootstrap, ...(opts.privateKey ? { privateKey: opts.privateKey } : {}) },
      { logger: log },
    );
    this.p2p.subscribe("blocks", (data, from) => this.validateBlock(data, from), () => {});
    this.p2p.subscribe("txs", (data) => this.validateTx(data), () => {});
    this.p2p.handle("status", async () => this.encodeStatus());
    this.p2p.handle("blocks", async (req) => this.serveBlocks(req));
  }

  async start(): Promise<void> {
    await this.p2p.start();
    this.timer = setInterval(() => void this.syncOnce(), this.syncIntervalMs);
    this.rebroadcastTimer = setInterval(() => {
      for (const tx of this.mempool.candidates(TX_REBROADCAST_BATCH)) this.publishTx(tx);
    }, this.txRebroadcastMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.rebroadcastTimer) clearInterval(this.rebroadcastTimer);
    await this.p2p.stop();
  }

  publishBlock(bytes: Uint8Array): void {
    this.p2p.publish("blocks", bytes).catch((e) => this.log.warn("publish failed", { err: String(e) }));
  }

  publishTx(tx: Uint8Array): void {
    this.p2p.publish("txs", tx).catch((e) => this.log.warn("publish failed", { err: String(e) }));
  }

  private async validateBlock(data: Uint8Array, from: string): Promise<ValidationResult> {
    try {
      const r = await this.chain.addEncodedBlock(data, this.now());
      return r.status === "KNOWN" ? "ignore" : "accept";
    } catch (e) {
      if (e instanceof BlockError) {
        if (e.code === "BLOCK_ERROR_UNKNOWN_PARENT") {
          void this.syncOnce(from);
          return "ignore";
        }
        // Refused for finality or a future time: not the sender's fault necessarily; do not relay.
        if (e.code === "BLOCK_ERROR_BELOW_FINAL" || e.code === "BLOCK_ERROR_FROM_THE_FUTURE" || e.code === "BLOCK_ERROR_HALTED") return "ignore";
        this.log.warn("invalid block from peer", { peer: from, code: e.code, err: e.message });
        return "reject";
      }
      this.log.error("block validation failed", { err: e instanceof Error ? e.message : String(e) });
      return "ignore";
    }
  }

  private async validateTx(data: Uint8Array): Promise<ValidationResult> {
    try {
      const r = await this.mempool.add(data);
      return r.added ? "accept" : "ignore";
    } catch (e) {
      if (e instanceof ExecutionError) return e.code === "EXECUTION_ERROR_MISSING_STATE" ? "ignore" : "reject";
      return "ignore";
    }
  }

  private encodeStatus(): Uint8Array {
    const h = this.chain.head;
    return new CanonicalWriter().u64(h.header.height, "height").fixed(h.hash, HASH_LENGTH, "hash").finish();
  }

  private async serveBlocks(req: Uint8Array): Promise<Uint8Array> {
    const r = new CanonicalReader(req);
    const from = r.u53("from");
    const count = Math.min(r.u32("count"), SYNC_BATCH);
    r.end();
    const w = new CanonicalWriter();
    const blocks: Uint8Array[] = [];
    for (let h = from; h < from + count; h++) {
      const node = this.chain.canonicalNodeAt(h);
      if (!node) break;
      const b = await this.chain.getBlock(node.hash);
      if (!b) break;
      blocks.push(encodeBlock(b));
    }
    w.u32(blocks.length, "count");
    for (const b of blocks) w.bytes(b);
    return w.finish();
  }

  /**
   * Compares heads with peers (or one peer) and fetches missing blocks from the highest: from our head
   * forward; when the first block's parent is unknown (the peer is on another branch), from further
   * back, doubling, but never below our final height (a branch off the final chain is refused anyway).
   */
  async syncOnce(onlyPeer?: string): Promise<void> {
    if (this.syncing) return;
    this.syncing = true;
    try {
      const peers = onlyPeer ? [onlyPeer] : this.p2p.connectedPeers();
      for (const peer of peers) {
        let status: { height: number; hash: Uint8Array };
        try {
          const raw = await this.p2p.request(peer, "status", new Uint8Array(0), { timeoutMs: 3000 });
          const r = new CanonicalReader(raw);
          status = { height: r.u53("height"), hash: r.fixed(HASH_LENGTH, "hash") };
          r.end();
        } catch {
          continue;
        }
        if (status.height <= this.chain.head.header.height && this.chain.header(status.hash)) continue;
        await this.fetchFrom(peer, status.height);
      }
    } finally {
      this.syncing = false;
    }
  }

  private async fetchFrom(peer: string, peerHeight: number): Promise<void> {
    let back = 1;
    let from = this.chain.head.header.height + 1;
    // Never look below the final block once it is stored: a branch from there is refused anyway.
    const final = this.chain.finalCheckpoint;
    const floor = final && this.chain.header(final.blockHash) ? final.height : 1;
    for (let rounds = 0; rounds < 10_000; rounds++) {
      from = Math.max(floor, Math.min(from, peerHeight));
      const req = new CanonicalWriter().u64(from, "from").u32(SYNC_BATCH, "count").finish();
      let blocks: Uint8Array[];
      try {
        const raw = await this.p2p.request(peer, "blocks", req, { timeoutMs: 10_000 });
        if (raw.length > MAX_SYNC_RESPONSE) return;
        const r = new CanonicalReader(raw);
        const n = r.u32("count");
        if (n > SYNC_BATCH) return;
        blocks = [];
        for (let i = 0; i < n; i++) blocks.push(r.bytes("block", MAX_BLOCK_BYTES));
        r.end();
      } catch (e) {
        if (!(e instanceof CanonicalReadError)) this.log.debug("sync request failed", { peer, err: String(e) });
        return;
      }
      if (blocks.length === 0) return;
      // A peer answers the canonical blocks from `from` on, consecutive: anything else (a peer replaying
      // blocks we have) ends the sync with it.
      let heights: number[];
      try {
        heights = blocks.map((b) => decodeBlock(b).header.height);
      } catch (e) {
        this.log.warn("sync: peer served a malformed block", { peer, err: e instanceof Error ? e.message : String(e) });
        return;
      }
      if (heights.some((h, i) => h !== from + i)) {
        this.log.warn("sync: peer answered blocks other than those asked for", { peer, from });
        return;
      }
      let progressed = false;
      let forked = false;
      for (const bytes of blocks) {
        try {
          const res = await this.chain.addEncodedBlock(bytes, this.now());
          if (res.status !== "KNOWN") progressed = true;
        } catch (e) {
          if (e instanceof BlockError && e.code === "BLOCK_ERROR_UNKNOWN_PARENT" && !progressed) {
            forked = true;
            break;
          }
          if (e instanceof BlockError) this.log.warn("sync: peer served an invalid block", { peer, code: e.code, err: e.message });
          return;
        }
      }
      if (forked) {
        // The peer's chain leaves ours below `from`: look further back (never below the final height).
        if (from <= floor) return;
        back *= 2;
        from = this.chain.head.header.height + 1 - back;
        continue;
      }
      const last = heights[heights.length - 1]!;
      if (last >= peerHeight) return;
      from = last + 1;
    }
  }
}
