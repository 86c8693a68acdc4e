import type { Prng } from "./random.js";

/** How the simulated network treats a message. */
export interface SimNetworkOptions {
  /** Virtual ms from which the network is synchronous: bounded delays, nothing dropped, no partition. */
  gstMs: number;
  /** Delay bounds before and after GST (ms). */
  maxDelayBeforeGstMs: number;
  maxDelayAfterGstMs: number;
  /** Before GST: the chance a message to one node is dropped, or delivered twice. */
  dropRate: number;
  duplicateRate: number;
  /** Before GST: periods when `nodes` hear nothing from the others, and the others nothing from them. */
  partitions: { nodes: ReadonlySet<number>; fromMs: number; toMs: number }[];
}

/**
 * A seeded network between `size` nodes: each send becomes deliveries at virtual times (delays drawn
 * per receiver, so messages reorder), some dropped, duplicated or cut by a partition before GST. What
 * it schedules goes through `deliver(to, at)`; it never decides what a node does with a message.
 */
export class SimNetwork {
  sent = 0;
  dropped = 0;
  duplicated = 0;

  constructor(
    private readonly size: number,
    private readonly opts: SimNetworkOptions,
    private readonly rng: Prng,
  ) {}

  /** Whether `a` and `b` can talk at `now` (no partition separates them). */
  connected(a: number, b: number, now: number): boolean {
    if (now >= this.opts.gstMs) return true;
    return this.opts.partitions.every((p) => now < p.fromMs || now >= p.toMs || p.nodes.has(a) === p.nodes.has(b));
  }

  /** The virtual times at which each other node receives what `from` sends at `now` (none: lost). */
  broadcast(from: number, now: number, deliver: (to: number, at: number) => void): void {
    for (let to = 0; to < this.size; to++) if (to !== from) this.send(from, to, now, deliver);
  }

  send(from: number, to: number, now: number, deliver: (to: number, at: number) => void): void {
    this.sent++;
    const beforeGst = now < this.opts.gstMs;
    if (!this.connected(from, to, now) || (beforeGst && this.rng.chance(this.opts.dropRate))) {
      this.dropped++;
      return;
    }
    const max = beforeGst ? this.opts.maxDelayBeforeGstMs : this.opts.maxDelayAfterGstMs;
    deliver(to, now + this.rng.int(1, Math.max(1, max)));
    if (beforeGst && this.rng.chance(this.opts.duplicateRate)) {
      this.duplicated++;
      deliver(to, now + this.rng.int(1, Math.max(1, max)));
    }
  }
}
