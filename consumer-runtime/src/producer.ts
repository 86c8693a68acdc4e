import { BLOCK_ENVELOPE_BYTES, computeTxRoot, encodeBlock, MAX_BLOCK_BYTES, MAX_BLOCK_TXS, signBlockHeader, type ConsumerBlock, type ConsumerBlockHeader } from "./block.js";
import type { ConsumerChain } from "./chain.js";
import type { Mempool } from "./mempool.js";
import type { Logger } from "@aegis/p2p";

export interface ProducerOptions {
  /** Index of this producer's key among the consumer's producer keys. */
  producerIndex: number;
  /** The ed25519 secret key (32 bytes) of that producer key. */
  secretKey: Uint8Array;
  /** A block at most this often when transactions wait (default 250 ms). */
  blockIntervalMs?: number;
  /** An empty block after this long without transactions (default 1000 ms; 0: never). */
  emptyBlockIntervalMs?: number;
  /** At most this many transactions per block (default 2000). */
  maxTxsPerBlock?: number;
}

/**
 * The block producer: on a timer, builds a block on the head from the mempool (the environment
 * leaves invalid transactions out), signs it, adds it to its own chain through the same rules as any
 * received block, and hands the bytes to `publish`.
 */
export class BlockProducer {
  private timer: NodeJS.Timeout | undefined;
  private lastBlockAt = 0;
  private producing = false;
  readonly blockIntervalMs: number;
  readonly emptyBlockIntervalMs: number;
  readonly maxTxsPerBlock: number;

  constructor(
    private readonly chain: ConsumerChain,
    private readonly mempool: Mempool,
    private readonly opts: ProducerOptions,
    private readonly publish: (block: Uint8Array) => void,
    private readonly now: () => number,
    private readonly log: Logger,
  ) {
    this.blockIntervalMs = opts.blockIntervalMs ?? 250;
    this.emptyBlockIntervalMs = opts.emptyBlockIntervalMs ?? 1000;
    this.maxTxsPerBlock = Math.min(opts.maxTxsPerBlock ?? 2000, MAX_BLOCK_TXS);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.blockIntervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async tick(): Promise<void> {
    if (this.producing) return;
    const now = this.now();
    const idle = this.mempool.size === 0;
    if (idle && (this.emptyBlockIntervalMs === 0 || now - this.lastBlockAt < this.emptyBlockIntervalMs)) return;
    this.producing = true;
    try {
      await this.produce();
    } catch (e) {
      this.log.error("block production failed", { err: e instanceof Error ? e.message : String(e) });
    } finally {
      this.producing = false;
    }
  }

  /** Builds, signs and adds one block on the head; returns it (undefined when the node is halted). */
  async produce(): Promise<ConsumerBlock | undefined> {
    if (this.chain.misbehaviour) return undefined;
    const { block, hash } = await this.chain.exclusive(async () => {
      const head = this.chain.head;
      const now = this.now();
      const time = Math.max(now, head.header.time + 1);
      const ctx = { consumerId: this.chain.consumerId, height: head.header.height + 1, time, parentHash: head.hash };
      // At most MAX_BLOCK_BYTES encoded: a larger block could not be gossiped or synced.
      const built = await this.chain.env.buildBlock(head.header.stateRoot, this.mempool.candidates(this.maxTxsPerBlock, MAX_BLOCK_BYTES - BLOCK_ENVELOPE_BYTES), ctx);
      this.mempool.remove(built.rejected.map((r) => r.tx));
      const header: ConsumerBlockHeader = { ...ctx, txRoot: computeTxRoot(built.txs), stateRoot: built.stateRoot, producerIndex: this.opts.producerIndex };
      const b: ConsumerBlock = { header, txs: built.txs, signature: signBlockHeader(this.opts.secretKey, header) };
      const added = await this.chain.addBlockExclusive(b, time);
      return { block: b, hash: added.hash };
    });
    this.lastBlockAt = this.now();
    this.log.debug("produced", { height: block.header.height, txs: block.txs.length, hash });
    this.publish(encodeBlock(block));
    return block;
  }
}
