import { toHex } from "@aegis/consumer-sdk";
import { blockBytesOfTx, computeTxHash, MAX_TX_BYTES } from "./block.js";
import type { ConsumerChain } from "./chain.js";
import { executionError } from "./executionEnvironment.js";

export const DEFAULT_MEMPOOL_SIZE = 5000;

export type MempoolAddResult = { added: true; hash: Uint8Array } | { added: false; hash: Uint8Array; reason: "duplicate" | "full" };

/**
 * Transactions waiting for a block, in arrival order. Admission runs the environment's checkTx
 * against the head's state (throws ExecutionError: the caller answers it) unless the pool is full;
 * at most `maxSize` transactions, however many admissions run at once. A transaction leaves when a
 * canonical block includes it (also while its admission runs) and comes back when a reorg drops that
 * block, unless the new branch includes it too.
 */
export class Mempool {
  private readonly txs = new Map<string, Uint8Array>();
  /** Transactions whose admission is running (checkTx), with how many admissions of each. */
  private readonly admitting = new Map<string, number>();
  /** Of those, the ones a block took into the canonical chain meanwhile: they must not enter after it. */
  private readonly includedWhileAdmitting = new Set<string>();

  constructor(
    private readonly chain: ConsumerChain,
    readonly maxSize = DEFAULT_MEMPOOL_SIZE,
  ) {
    chain.on((e) => {
      if (e.type !== "head") return;
      const added = new Set(e.addedTxs.map((tx) => toHex(computeTxHash(tx))));
      for (const key of added) {
        this.txs.delete(key);
        if (this.admitting.has(key)) this.includedWhileAdmitting.add(key);
      }
      // Back unless the new branch has it too (the usual case: both sides of a fork carry the same
      // transactions; putting it back after the deletions left it in the pool for good).
      for (const tx of e.removedTxs) {
        const key = toHex(computeTxHash(tx));
        if (added.has(key)) continue;
        this.includedWhileAdmitting.delete(key);
        if (this.txs.size < this.maxSize) this.txs.set(key, tx);
      }
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
    // A full pool refuses before checkTx, as the hub's does: under a flood, refusing costs nothing
    // (an invalid transaction then is only left out, not rejected as such).
    if (this.txs.size >= this.maxSize) return { added: false, hash, reason: "full" };
    this.admitting.set(key, (this.admitting.get(key) ?? 0) + 1);
    let includedMeanwhile = false;
    try {
      await this.chain.env.checkTx(this.chain.head.header.stateRoot, tx);
    } finally {
      includedMeanwhile = this.includedWhileAdmitting.has(key);
      const left = this.admitting.get(key)! - 1;
      if (left > 0) this.admitting.set(key, left);
      else {
        this.admitting.delete(key);
        this.includedWhileAdmitting.delete(key);
      }
    }
    // After the check, not before: admissions run concurrently (gossipsub validates messages in
    // parallel) and with blocks, and each must see what happened meanwhile: the others' insertions (or
    // the pool outgrows maxSize and one transaction is reported added twice), and a block that took
    // this transaction (or it stays in the pool for good, gossiped again and again).
    if (includedMeanwhile || this.txs.has(key)) return { added: false, hash, reason: "duplicate" };
    if (this.txs.size >= this.maxSize) return { added: false, hash, reason: "full" };
    this.txs.set(key, tx);
    return { added: true, hash };
  }

  /**
   * Up to `max` transactions in arrival order, whose encoded size in a block (blockBytesOfTx) adds up
   * to at most `maxBytes`: the first that does not fit ends the list (a sender's later transactions
   * may depend on it).
   */
  candidates(max: number, maxBytes = Number.POSITIVE_INFINITY): Uint8Array[] {
    const out: Uint8Array[] = [];
    let bytes = 0;
    for (const tx of this.txs.values()) {
      if (out.length >= max || bytes + blockBytesOfTx(tx) > maxBytes) break;
      bytes += blockBytesOfTx(tx);
      out.push(tx);
    }
    return out;
  }

  remove(txs: readonly Uint8Array[]): void {
    for (const tx of txs) this.txs.delete(toHex(computeTxHash(tx)));
  }
}
