import { getTxHash } from "../tx/txHash.js";

export interface MempoolOpts {
  maxTxs?: number;
  maxTxBytes?: number;
  maxTotalBytes?: number;
}

export type AddTxResult = { added: true; hash: string } | { added: false; hash: string; reason: "duplicate" | "committed" | "too_large" | "full" | "empty" };

/** FIFO pool of opaque transactions, deduplicated by hash; committed ones are removed. */
export class Mempool {
  private readonly txs = new Map<string, Uint8Array>();
  private totalBytes = 0;
  private readonly maxTxs: number;
  private readonly maxTxBytes: number;
  private readonly maxTotalBytes: number;
  /** Hashes committed recently, so a late gossip copy is not re-added. */
  private readonly recentlyCommitted = new Set<string>();

  constructor(opts: MempoolOpts = {}) {
    this.maxTxs = opts.maxTxs ?? 50_000;
    this.maxTxBytes = opts.maxTxBytes ?? 64 * 1024;
    this.maxTotalBytes = opts.maxTotalBytes ?? 256 * 1024 * 1024;
  }

  get size(): number {
    return this.txs.size;
  }

  /**
   * Why `tx` would not be admitted, or null when `add` would take it. "duplicate": it is pending;
   * "committed": it was committed lately (a replay, which CheckTx also refuses by its sequence).
   */
  refusal(tx: Uint8Array, hash = getTxHash(tx)): "duplicate" | "committed" | "too_large" | "full" | "empty" | null {
    if (tx.length === 0) return "empty";
    if (tx.length > this.maxTxBytes) return "too_large";
    if (this.txs.has(hash)) return "duplicate";
    if (this.recentlyCommitted.has(hash)) return "committed";
    if (this.txs.size >= this.maxTxs || this.totalBytes + tx.length > this.maxTotalBytes) return "full";
    return null;
  }

  add(tx: Uint8Array): AddTxResult {
    const hash = getTxHash(tx);
    const reason = this.refusal(tx, hash);
    if (reason) return { added: false, hash, reason };
    this.txs.set(hash, tx);
    this.totalBytes += tx.length;
    return { added: true, hash };
  }

  /** Oldest transactions first, up to the limits. */
  reap(maxBytes: number, maxCount: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    let bytes = 0;
    for (const tx of this.txs.values()) {
      if (out.length >= maxCount || bytes + tx.length > maxBytes) break;
      out.push(tx);
      bytes += tx.length;
    }
    return out;
  }

  has(tx: Uint8Array): boolean {
    return this.txs.has(getTxHash(tx));
  }

  /** Every pending transaction, oldest first. */
  all(): Uint8Array[] {
    return [...this.txs.values()];
  }

  /** Drops a pending transaction (it no longer passes CheckTx). */
  remove(tx: Uint8Array): void {
    const hash = getTxHash(tx);
    const t = this.txs.get(hash);
    if (t) {
      this.txs.delete(hash);
      this.totalBytes -= t.length;
    }
  }

  removeCommitted(txs: readonly Uint8Array[]): void {
    if (this.recentlyCommitted.size > 200_000) this.recentlyCommitted.clear();
    for (const tx of txs) {
      const hash = getTxHash(tx);
      const t = this.txs.get(hash);
      if (t) {
        this.txs.delete(hash);
        this.totalBytes -= t.length;
      }
      this.recentlyCommitted.add(hash);
    }
  }
}
