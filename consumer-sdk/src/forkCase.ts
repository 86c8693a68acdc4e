import { bytesEqual } from "./bytes.js";
import type { ForkCommitRef } from "./forkEvidence.js";

/*
 * A fork case across rounds as the hub keeps and serves it (decision 52; the hub's rules:
 * hub/src/app/modules/slashing/forkCaseRules.ts). The one rule every party needs, which polka a case
 * still wants, lives here: the hub judges MsgPostPolka by it, and a relayer (a consumer node, a
 * validator's node) posts only what it wants.
 */

export const FORK_OBLIGATION_OPEN = 0;
export const FORK_OBLIGATION_MET = 1;
export const FORK_OBLIGATION_EXPIRED = 2;
export type ForkObligationStatus = typeof FORK_OBLIGATION_OPEN | typeof FORK_OBLIGATION_MET | typeof FORK_OBLIGATION_EXPIRED;

/** What a case asks for: a polka for `blockHash` in a round of [minRound, maxRound], owed by `owers` (set indices) before `deadlineMs`. */
export interface ForkObligation {
  blockHash: Uint8Array;
  minRound: number;
  maxRound: number;
  owers: number[];
  deadlineMs: number;
  status: ForkObligationStatus;
}

export interface ForkCase {
  id: number;
  height: number;
  /** "rounds": two BLS commits of different rounds; "tiers": a BLS commit and a ZK certificate. */
  kind: "rounds" | "tiers";
  /** Across rounds: the lower round's commit and the higher round's. Across tiers: the BLS commit, and the ZK certificate's block and signers (round 0). */
  low: ForkCommitRef;
  high: ForkCommitRef;
  openedMs: number;
  /** The polkas posted to it (round, block, prevoters). */
  polkas: ForkCommitRef[];
  obligations: ForkObligation[];
  /** Set indices convicted by the case, ascending. */
  convicted: number[];
}

/** A case is open while one of its obligations is. */
export function isForkCaseOpen(c: ForkCase): boolean {
  return c.obligations.some((o) => o.status === FORK_OBLIGATION_OPEN);
}

/** Whether an open case still wants a polka for (round, block): for the higher block in [low round, high round], for the lower block in the low round, not posted yet. */
export function isPolkaWantedByForkCase(c: ForkCase, p: { round: number; blockHash: Uint8Array }): boolean {
  if (c.kind !== "rounds" || !isForkCaseOpen(c)) return false;
  if (c.polkas.some((q) => q.round === p.round && bytesEqual(q.blockHash, p.blockHash))) return false;
  if (bytesEqual(p.blockHash, c.high.blockHash)) return p.round >= c.low.round && p.round <= c.high.round;
  return bytesEqual(p.blockHash, c.low.blockHash) && p.round === c.low.round;
}

/** Whether an open case across tiers still asks for a BLS commit of `blockHash` (the ZK certificate's block). */
export function isCommitWantedByForkCase(c: ForkCase, blockHash: Uint8Array): boolean {
  return c.kind === "tiers" && isForkCaseOpen(c) && bytesEqual(blockHash, c.high.blockHash);
}
