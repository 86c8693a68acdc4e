import { bytesEqual, CanonicalReader, CanonicalReadError, CanonicalWriter, HASH_LENGTH } from "@aegis/consumer-sdk";
import { DEFAULT_MAX_MESSAGE_BYTES, P2pNetwork, type Logger, type ValidationResult } from "@aegis/p2p";
import { BlockError, computeBlockHash, decodeBlock, encodeBlock, MAX_BLOCK_BYTES, type ConsumerBlock } from "./block.js";
import type { ConsumerChain } from "./chain.js";
import { ExecutionError } from "./executionEnvironment.js";
import type { Mempool } from "./mempool.js";

export type ConsumerGossipKind = "blocks" | "txs";
export const CONSUMER_GOSSIP_KINDS: readonly ConsumerGossipKind[] = ["blocks", "txs"];
/** Blocks per sync response. */
export const SYNC_BATCH = 64;
/**
 * Bytes of a `blocks` answer at most: what one P2pNetwork response carries (the network's
 * maxMessageBytes). A responder stops before the block that would pass it, so a batch of big blocks
 * comes in several answers rather than as a handler error, which stalled every node syncing through it.
 */
export const MAX_SYNC_RESPONSE_BYTES = DEFAULT_MAX_MESSAGE_BYTES;

/** A `status` answer: the responder's head. */
export interface SyncStatus {
  height: number;
  hash: Uint8Array;
}

/** A `blocks` request: up to `count` canonical blocks from height `from` (at most SYNC_BATCH are served). */
export interface SyncBlocksRequest {
  from: number;
  count: number;
}

export function encodeSyncStatus(s: SyncStatus): Uint8Array {
  return new CanonicalWriter().u64(s.height, "height").fixed(s.hash, HASH_LENGTH, "hash").finish();
}

/** A peer's `status` answer (u64 height, 32-byte hash, nothing else); throws CanonicalReadError. */
export function decodeSyncStatus(raw: Uint8Array): SyncStatus {
  const r = new CanonicalReader(raw);
  const status = { height: r.u53("height"), hash: r.fixed(HASH_LENGTH, "hash") };
  r.end();
  return status;
}

export function encodeSyncBlocksRequest(req: SyncBlocksRequest): Uint8Array {
  return new CanonicalWriter().u64(req.from, "from").u32(req.count, "count").finish();
}

/** A peer's `blocks` request (u64 from below 2^53, u32 count, nothing else); throws CanonicalReadError. */
export function decodeSyncBlocksRequest(req: Uint8Array): SyncBlocksRequest {
  const r = new CanonicalReader(req);
  const decoded = { from: r.u53("from"), count: r.u32("count") };
  r.end();
  return decoded;
}

/** A `blocks` answer: u32 count, then each encoded block length-prefixed. */
export function encodeSyncBlocksResponse(blocks: readonly Uint8Array[]): Uint8Array {
  const w = new CanonicalWriter().u32(blocks.length, "count");
  for (const b of blocks) w.bytes(b);
  return w.finish();
}

/**
 * A peer's `blocks` answer, split into its encoded blocks (not decoded): at most MAX_SYNC_RESPONSE_BYTES,
 * at most SYNC_BATCH blocks of at most MAX_BLOCK_BYTES each, counted and measured before anything is
 * copied; throws CanonicalReadError.
 */
export function decodeSyncBlocksResponse(raw: Uint8Array): Uint8Array[] {
  if (raw.length > MAX_SYNC_RESPONSE_BYTES) throw new CanonicalReadError({ code: "CANONICAL_READ_ERROR_OUT_OF_RANGE", field: "response.length", value: String(raw.length) });
  const r = new CanonicalReader(raw);
  const n = r.u32("count");
  if (n > SYNC_BATCH) throw new CanonicalReadError({ code: "CANONICAL_READ_ERROR_OUT_OF_RANGE", field: "count", value: String(n) });
  const blocks: Uint8Array[] = [];
  for (let i = 0; i < n; i++) blocks.push(r.bytes("block", MAX_BLOCK_BYTES));
  r.end();
  return blocks;
}

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
      {
        chainId: consumerNetworkId(chain.consumerId),
        kinds: CONSUMER_GOSSIP_KINDS,
        listen: opts.listen,
        bootstrap: opts.bootstrap,
        maxMessageBytes: MAX_SYNC_RESPONSE_BYTES,
        ...(opts.privateKey ? { privateKey: opts.privateKey } : {}),
      },
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

  /**
   * The `blocks` gossip validator (P2pNetwork runs it on each message's payload, with the relaying
   * peer): the chain's rules decide; a block whose parent is unknown starts a sync with that peer.
   */
  async validateBlock(data: Uint8Array, from: string): Promise<ValidationResult> {
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

  /** The `txs` gossip validator: mempool admission (the environment's checkTx against the head). */
  async validateTx(data: Uint8Array): Promise<ValidationResult> {
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
    return encodeSyncStatus({ height: h.header.height, hash: h.hash });
  }

  private async serveBlocks(req: Uint8Array): Promise<Uint8Array> {
    const asked = decodeSyncBlocksRequest(req);
    const from = asked.from;
    const count = Math.min(asked.count, SYNC_BATCH);
    const blocks: Uint8Array[] = [];
    let size = 4; // the count
    for (let h = from; h < from + count; h++) {
      const node = this.chain.canonicalNodeAt(h);
      if (!node) break;
      const b = await this.chain.getBlock(node.hash);
      if (!b) break;
      const bytes = encodeBlock(b);
      // The rest in the next answer (a block too big for any answer is never served: block.ts allows
      // more bytes than the p2p layer carries).
      if (size + 4 + bytes.length > MAX_SYNC_RESPONSE_BYTES) break;
      size += 4 + bytes.length;
      blocks.push(bytes);
    }
    return encodeSyncBlocksResponse(blocks);
  }

  /**
   * Compares heads with peers (or one peer) and fetches missing blocks from the highest: from our head
   * forward; when the first block's parent is unknown (the peer is on another branch), from further
   * back, doubling, but never below our final height (a branch off the final chain is refused anyway).
   * Once an answer connects, each later one must continue it: a sync asks one peer at most about
   * log2(height) times while stepping back, then once per answer it climbs.
   */
  async syncOnce(onlyPeer?: string): Promise<void> {
    if (this.syncing) return;
    this.syncing = true;
    try {
      const peers = onlyPeer ? [onlyPeer] : this.p2p.connectedPeers();
      for (const peer of peers) {
        let status: { height: number; hash: Uint8Array };
        try {
          status = decodeSyncStatus(await this.p2p.request(peer, "status", new Uint8Array(0), { timeoutMs: 3000 }));
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
    // The hash the next answer's first block must name as its parent: the last block of the answer
    // before (none at the start and after a step back). A peer that answered blocks from one chain and
    // then from another made this node walk back to the floor and climb again, round after round, up to
    // the round limit (10,000 requests in one sync, every other sync waiting meanwhile).
    let expectedParent: Uint8Array | undefined;
    for (let rounds = 0; rounds < 10_000; rounds++) {
      from = Math.max(floor, Math.min(from, peerHeight));
      const req = encodeSyncBlocksRequest({ from, count: SYNC_BATCH });
      let blocks: Uint8Array[];
      try {
        blocks = decodeSyncBlocksResponse(await this.p2p.request(peer, "blocks", req, { timeoutMs: 10_000 }));
      } catch (e) {
        if (!(e instanceof CanonicalReadError)) this.log.debug("sync request failed", { peer, err: String(e) });
        return;
      }
      if (blocks.length === 0) return;
      let decoded: ConsumerBlock[];
      try {
        decoded = blocks.map(decodeBlock);
      } catch (e) {
        this.log.warn("sync: peer served a malformed block", { peer, err: e instanceof Error ? e.message : String(e) });
        return;
      }
      // A peer answers its canonical chain from `from` on: consecutive heights, each block the parent of
      // the next, the first the child of the last one it answered before. Anything else (a peer
      // replaying blocks we have, or mixing chains) ends the sync with it.
      if (decoded.some((b, i) => b.header.height !== from + i)) {
        this.log.warn("sync: peer answered blocks other than those asked for", { peer, from });
        return;
      }
      const hashes = decoded.map((b) => computeBlockHash(b.header));
      const parentOk = (b: ConsumerBlock, i: number) => {
        const parent = i === 0 ? expectedParent : hashes[i - 1];
        return parent === undefined || bytesEqual(b.header.parentHash, parent);
      };
      if (!decoded.every(parentOk)) {
        this.log.warn("sync: peer answered blocks that are not one chain", { peer, from });
        return;
      }
      let progressed = false;
      let forked = false;
      for (const block of decoded) {
        try {
          const res = await this.chain.addBlock(block, this.now());
          if (res.status !== "KNOWN") progressed = true;
        } catch (e) {
          // Only an answer that continues none (the first, or the first after a step back) can leave our chain.
          if (e instanceof BlockError && e.code === "BLOCK_ERROR_UNKNOWN_PARENT" && !progressed && expectedParent === undefined) {
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
      const last = decoded[decoded.length - 1]!.header.height;
      if (last >= peerHeight) return;
      expectedParent = hashes[hashes.length - 1];
      from = last + 1;
    }
  }
}
