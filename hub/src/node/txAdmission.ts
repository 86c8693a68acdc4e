import { SerialQueue } from "../db/index.js";
import { getTxHash } from "../tx/txHash.js";
import type { Application } from "../app/index.js";
import type { Mempool } from "./mempool.js";

/** Client transactions are gossiped in batches of up to this many, or after this long (ms). */
export const TX_BATCH_MAX = 256;
export const TX_BATCH_DELAY_MS = 5;
/** Transaction admission runs at most this long (ms) before letting other events in. */
export const TX_SLICE_MS = 4;

export interface TxAdmissionModules {
  mempool: Mempool;
  /** The state machine's CheckTx (absent: every transaction passes). Read at each call: the node sets its application at start. */
  checkTx: () => Application["checkTx"];
  /** Gossips a batch of admitted client transactions (the "tx" topic's payload: encodeTxBatch). */
  publishBatch: (txs: Uint8Array[]) => void;
  /** Tells consensus that the mempool has new transactions. */
  notifyTx: () => void;
}

export interface SubmitTxResult {
  hash: string;
  added: boolean;
  reason?: string;
  code: number;
  codespace: string;
  log: string;
}

/**
 * Mempool admission of the node's transactions: a client's (submit: CheckTx, the mempool, then gossip
 * in batches) and a peer's gossiped batches (admitGossiped). Admission yields to the event loop every
 * TX_SLICE_MS of work so a flood of transactions never holds back the consensus messages behind it;
 * gossiped batches are admitted one at a time, in arrival order (a sender's sequence numbers must
 * reach CheckTx in order).
 */
export class TxAdmission {
  private sliceStart = 0;
  private readonly batches = new SerialQueue();
  /** Admitted client transactions wait here (a few ms) to be gossiped as one TxBatch. */
  private outgoing: Uint8Array[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly modules: TxAdmissionModules) {}

  /**
   * Admits a client's transaction (CheckTx, then the mempool) and gossips it. `code` is the CheckTx
   * result (0 = accepted); a duplicate of a pending transaction is accepted again without effect.
   */
  async submit(tx: Uint8Array): Promise<SubmitTxResult> {
    await this.yieldToConsensus();
    const { mempool } = this.modules;
    const hash = getTxHash(tx);
    // Ask the mempool first: CheckTx changes the check state (sequence, fee), which must only happen
    // for a transaction that is then admitted.
    const refusal = mempool.refusal(tx, hash);
    if (refusal === "duplicate") return { hash, added: false, reason: "duplicate", code: 0, codespace: "", log: "" };
    if (refusal && refusal !== "committed") {
      const code = refusal === "full" ? 20 : refusal === "too_large" ? 21 : 18;
      const log = refusal === "full" ? `mempool is full (${mempool.size} transactions pending): try again after the next block` : `transaction not admitted: ${refusal}`;
      return { hash, added: false, reason: refusal, code, codespace: "sdk", log };
    }
    const check = this.modules.checkTx()?.(tx) ?? { code: 0, codespace: "", log: "" };
    if (check.code !== 0) return { hash, added: false, reason: "check_tx", ...check };
    if (refusal === "committed") return { hash, added: false, reason: "committed", code: 19, codespace: "sdk", log: "tx already in mempool cache: tx already in mempool" };
    mempool.add(tx);
    this.queueGossip(tx);
    this.modules.notifyTx();
    return { hash, added: true, code: 0, codespace: "", log: "" };
  }

  /**
   * Admits a peer's gossiped batch; resolves to how many of its transactions were new and passed
   * CheckTx. One that fails CheckTx is not the peer's fault: it may be valid on a peer with another
   * pending set.
   */
  admitGossiped(txs: readonly Uint8Array[]): Promise<number> {
    const { mempool } = this.modules;
    return this.batches.run(async () => {
      let n = 0;
      for (const tx of txs) {
        await this.yieldToConsensus();
        if (mempool.refusal(tx)) continue;
        const checkTx = this.modules.checkTx();
        if (checkTx && checkTx(tx).code !== 0) continue;
        mempool.add(tx);
        n++;
      }
      return n;
    });
  }

  /** Re-checks every pending transaction against the new committed state (after a commit) and drops those CheckTx refuses now. */
  recheck(): void {
    const checkTx = this.modules.checkTx();
    if (!checkTx) return;
    for (const tx of this.modules.mempool.all()) if (checkTx(tx).code !== 0) this.modules.mempool.remove(tx);
  }

  /** Drops what waits to be gossiped (the node is stopping). */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.outgoing = [];
  }

  private async yieldToConsensus(): Promise<void> {
    const now = performance.now();
    if (now - this.sliceStart < TX_SLICE_MS) return;
    await new Promise<void>((r) => setImmediate(r));
    this.sliceStart = performance.now();
  }

  private queueGossip(tx: Uint8Array): void {
    this.outgoing.push(tx);
    if (this.outgoing.length >= TX_BATCH_MAX) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), TX_BATCH_DELAY_MS);
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.outgoing.length === 0) return;
    const batch = this.outgoing;
    this.outgoing = [];
    this.modules.publishBatch(batch);
  }
}
