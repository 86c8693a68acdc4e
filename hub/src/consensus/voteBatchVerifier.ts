import { blsAggregateSignatures, blsVerify, blsVerifyAggregate, computeVoteSignBytes, toHex, type ValidatorSet } from "@aegis/consumer-sdk";
import type { Vote } from "./types.js";

export interface VoteBatchVerifierOpts {
  chainId: string;
  /** Verify when this many votes are waiting, or `maxDelayMs` after the first, whichever comes first. */
  maxBatch?: number;
  /**
   * How long the first waiting vote waits for others (default 2 ms; 0: the next macrotask). Votes of
   * one step arrive from each validator within a few ms of each other (each sends its vote when the
   * same proposal or polka reaches it): waiting for them turns one pairing check per vote into one per
   * step. A check blocks the event loop for ~1-3 ms on a busy 2-core machine, so the wait costs less
   * than the checks it saves.
   */
  maxDelayMs?: number;
}

interface Pending {
  vote: Vote;
  publicKey: Uint8Array;
  signBytes: Uint8Array;
  resolve: (ok: boolean) => void;
}

/**
 * Verifies vote signatures in batches. Votes that sign the same bytes (same height, round, type and
 * block) are checked together: their signatures and keys are aggregated and one pairing check covers
 * the group. Only when a group fails is each vote checked on its own, so one bad vote costs its
 * sender a rejection and costs nobody else theirs.
 */
export class VoteBatchVerifier {
  private queue: Pending[] = [];
  /** Cancels the scheduled flush; null when none is scheduled. */
  private cancelFlush: (() => void) | null = null;
  private readonly maxBatch: number;
  private readonly maxDelayMs: number;
  /** Counters for metrics and benchmarks. */
  readonly stats = { batches: 0, aggregateChecks: 0, fallbackChecks: 0, verified: 0, rejected: 0 };

  constructor(private readonly opts: VoteBatchVerifierOpts) {
    this.maxBatch = opts.maxBatch ?? 128;
    this.maxDelayMs = opts.maxDelayMs ?? 2;
  }

  /** Resolves true when the vote is signed by validator `vote.validatorIndex` of `set`. */
  verify(vote: Vote, set: ValidatorSet): Promise<boolean> {
    const validator = set.validators[vote.validatorIndex];
    if (!validator) return Promise.resolve(false);
    const signBytes = computeVoteSignBytes({ chainId: this.opts.chainId, ...vote });
    return new Promise((resolve) => {
      this.queue.push({ vote, publicKey: validator.blsPublicKey, signBytes, resolve });
      if (this.queue.length >= this.maxBatch) this.flush();
      else this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    if (this.cancelFlush) return;
    if (this.maxDelayMs > 0) {
      const t = setTimeout(() => this.flush(), this.maxDelayMs);
      this.cancelFlush = () => clearTimeout(t);
    } else {
      const t = setImmediate(() => this.flush());
      this.cancelFlush = () => clearImmediate(t);
    }
  }

  flush(): void {
    this.cancelFlush?.();
    this.cancelFlush = null;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    this.stats.batches++;
    const groups = new Map<string, Pending[]>();
    for (const p of batch) {
      const key = toHex(p.signBytes);
      const g = groups.get(key);
      if (g) g.push(p);
      else groups.set(key, [p]);
    }
    for (const group of groups.values()) this.verifyGroup(group);
  }

  private verifyGroup(group: Pending[]): void {
    if (group.length > 1) {
      this.stats.aggregateChecks++;
      let ok = false;
      try {
        const sig = blsAggregateSignatures(group.map((p) => p.vote.signature));
        ok = blsVerifyAggregate(group.map((p) => p.publicKey), group[0]!.signBytes, sig);
      } catch {
        ok = false; // a malformed signature makes aggregation throw: fall back to one by one
      }
      if (ok) {
        this.stats.verified += group.length;
        for (const p of group) p.resolve(true);
        return;
      }
    }
    for (const p of group) {
      this.stats.fallbackChecks++;
      const ok = blsVerify(p.publicKey, p.signBytes, p.vote.signature);
      if (ok) this.stats.verified++;
      else this.stats.rejected++;
      p.resolve(ok);
    }
  }
}
