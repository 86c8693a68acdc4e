/**
 * The dashboard's numbers, as pure functions: no clock (times are arguments), no I/O. The
 * aggregator measures, these compute; the browser bundle may import them too.
 */
import type { ValidatorStatus } from "./dashboardSnapshot.js";

/**
 * The Nakamoto coefficient of a stake distribution: the fewest validators whose stake together is
 * MORE than one third of the total (enough to halt a BFT chain's finality). Largest stakes first.
 * Edge cases: no validators, or a total of 0, give 0 (nobody can halt what has no stake); zero
 * stakes count for nothing; a negative stake is a RangeError.
 *
 * Equal stakes: n = 1, 2 → 1; n = 3 → 2 (1/3 is not more than 1/3); n = 4 → 2; n = 7 → 3.
 */
export function computeNakamotoCoefficient(stakes: readonly bigint[]): number {
  let total = 0n;
  for (const s of stakes) {
    if (s < 0n) throw new RangeError(`computeNakamotoCoefficient: negative stake ${s}`);
    total += s;
  }
  if (total === 0n) return 0;
  const sorted = [...stakes].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
  let sum = 0n;
  for (let i = 0; i < sorted.length; i++) {
    sum += sorted[i]!;
    if (3n * sum > total) return i + 1;
  }
  /* unreachable: the whole set is more than a third of a positive total */
  return sorted.length;
}

/**
 * A block's finality latency: when its BLS commit certificate arrived (at the dashboard) minus the
 * block header's time (set by the proposer). Both are wall clocks; on one machine they agree, across
 * machines the skew adds in (so the result is not clamped: a negative value shows a clock ahead).
 * Null when either is unknown.
 */
export function computeFinalityLatencyMs(certificateArrivalMs: number | null, headerTimeMs: number | null): number | null {
  if (certificateArrivalMs === null || headerTimeMs === null) return null;
  return certificateArrivalMs - headerTimeMs;
}

export interface ZkProvingLag {
  lagMs: number;
  /** What the lag is measured from: the BLS certificate's arrival of that height (preferred: both times on the dashboard's clock), or the header time when the dashboard missed the BLS certificate. */
  from: "bls" | "header";
}

/**
 * The ZK proving lag of a height: the succinct certificate's arrival minus the BLS certificate's
 * arrival of the same height, both at the dashboard (one clock); when the dashboard did not see
 * the BLS certificate (it started later, or its stream was down), minus the header time. Null when
 * neither is known.
 */
export function computeZkProvingLag(zkArrivalMs: number, blsArrivalMs: number | null, headerTimeMs: number | null): ZkProvingLag | null {
  if (blsArrivalMs !== null) return { lagMs: zkArrivalMs - blsArrivalMs, from: "bls" };
  if (headerTimeMs !== null) return { lagMs: zkArrivalMs - headerTimeMs, from: "header" };
  return null;
}

/** cosmos-sdk staking's bonded status. */
export const BOND_STATUS_BONDED = "BOND_STATUS_BONDED";

/** A validator's status for display: tombstoned over jailed over bonded (active); anything else (unbonding, unbonded) is inactive. */
export function getValidatorStatus(v: { jailed: boolean; tombstoned: boolean; bondStatus: string | null }): ValidatorStatus {
  if (v.tombstoned) return "tombstoned";
  if (v.jailed) return "jailed";
  return v.bondStatus === BOND_STATUS_BONDED ? "active" : "inactive";
}

// ---------------------------------------------------------------------------------------------
// Consumer hub-finality latency
// ---------------------------------------------------------------------------------------------

/**
 * Tracks, for one consumer chain, the time from when a consumer height is first seen as the chain's
 * latest until its hub-final height reaches it. The chain is sampled (the dashboard polls), so only
 * the heights seen as latest are measured.
 */
export interface ConsumerFinalityState {
  /** Heights seen as latest and not yet hub-final, ascending. */
  pending: { height: number; firstSeenMs: number }[];
  /** The highest height seen as latest so far. */
  highestSeen: number;
  /** The last `keep` measured latencies, oldest first. */
  latencies: number[];
}

export interface ConsumerFinalityOpts {
  /** Most heights waiting at once; the oldest are dropped beyond (default 256). */
  maxPending?: number;
  /** Latencies kept for the mean (default 20). */
  keep?: number;
}

export function createConsumerFinalityState(): ConsumerFinalityState {
  return { pending: [], highestSeen: 0, latencies: [] };
}

/**
 * One observation of the consumer (its latest height and hub-final height at `nowMs`): a new latest
 * height starts waiting; every waiting height at or below the hub-final height is resolved with its
 * latency (now − first seen). A height first seen already hub-final has latency 0. Returns the new
 * state (the given one is not changed) and the heights resolved by this observation.
 */
export function processConsumerFinalityObservation(
  state: ConsumerFinalityState,
  obs: { height: number; hubFinalHeight: number },
  nowMs: number,
  opts: ConsumerFinalityOpts = {},
): { state: ConsumerFinalityState; resolved: { height: number; latencyMs: number }[] } {
  const maxPending = opts.maxPending ?? 256;
  const keep = opts.keep ?? 20;
  let pending = state.pending;
  let highestSeen = state.highestSeen;
  if (obs.height > highestSeen) {
    highestSeen = obs.height;
    pending = [...pending, { height: obs.height, firstSeenMs: nowMs }];
    if (pending.length > maxPending) pending = pending.slice(pending.length - maxPending);
  }
  const resolved = pending.filter((p) => p.height <= obs.hubFinalHeight).map((p) => ({ height: p.height, latencyMs: nowMs - p.firstSeenMs }));
  if (resolved.length > 0) pending = pending.filter((p) => p.height > obs.hubFinalHeight);
  let latencies = state.latencies;
  if (resolved.length > 0) {
    latencies = [...latencies, ...resolved.map((r) => r.latencyMs)];
    if (latencies.length > keep) latencies = latencies.slice(latencies.length - keep);
  }
  return { state: { pending, highestSeen, latencies }, resolved };
}

/** The mean of `values`, null for none. */
export function computeMean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  return values.reduce((a, b) => a + b, 0) / values.length;
}
