import { toHex } from "@aegis/consumer-sdk";
import { computeTxHash, MAX_TX_BYTES } from "./block.js";
import type { ConsumerChain } from "./chain.js";
import { executionError } from "./executionEnvironment.js";

export const DEFAULT_MEMPOOL_SIZE = 5000;

export type MempoolAddResult = { added: true; hash: Uint8Array } | { added: false; hash: Uint8Array; reason: "duplicate" | "full" };

/**
 * Transactions waiting for a block, in arrival order. Admission runs the environment's checkTx
 * against the head's state (throws ExecutionError: the caller answers it); a transaction leaves when a
 * canonical block includes it and comes back when a reorg drops that block.
 */
export class Mempool {
  private readonly txs = new Map<string, Uint8Array>();

  constructor(
    private readonly chain: ConsumerChain,
    readonly maxSize = DEFAULT_MEMPOOL_SIZE,
  ) {
    chain.on((e) => {
      if (e.type !== "head") return;
      for (const tx of e.addedTxs) this.txs.delete(toHex(computeTxHash(tx)));
      for (const tx of e.removedTxs) if (this.txs.size < this.maxSize) this.txs.set(toHex(computeTxHash(tx)), tx);
    });
  }

  get size(): number {
    return this.txs.size;
  }

  async add(tx: Uint8Array): Promise<MempoolAddResult> {
    if (!(tx instanceof Uint8Array) || tx.length === 0 || tx.length > MAX_TX_BYTES) {
      throw executionError({ code: "EXECUTION_ERROR_MALFORMED_TX", reason: `a transaction is 1 to ${MAX_TX_BYTES} bytes` });
    }
    const hash = computeTxHash(tx);
    const key = toHex(hash);
    if (this.txs.has(key)) return { added: false, hash, reason: "duplicate" };
    if (this.txs.size >= this.maxSize) return { added: false, hash, reason: "full" };
    await this.chain.env.checkTx(this.chain.head.header.stateRoot, tx);
    this.txs.set(key, tx);
    return { added: true, hash };
  }

  /** Up to `max` transactions in arrival order. */
  candidates(max: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (const tx of this.txs.values()) {
      if (out.length >= max) break;
      out.push(tx);
    }
    return out;
  }

  remove(txs: readonly Uint8Array[]): void {
    for (const tx of txs) this.txs.delete(toHex(computeTxHash(tx)));
  }
}
