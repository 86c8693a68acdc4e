import { toHex } from "@aegis/consumer-sdk";
import type { Vote } from "./types.js";

export const NIL_KEY = "nil";

/**
 * Most distinct values one validator's votes are counted for in one (round, type): its first vote
 * and up to this many minus one conflicting ones. Bounds memory against a validator that signs
 * endless conflicting votes (each of them slashable evidence).
 */
export const MAX_VALUES_PER_VALIDATOR = 8;

export function getVoteKey(blockHash: Uint8Array | null): string {
  return blockHash ? toHex(blockHash) : NIL_KEY;
}

export type AddVoteResult =
  | { kind: "added" }
  | { kind: "duplicate" }
  /**
   * The validator already voted for another value in this (height, round, type): equivocation.
   * `counted` says whether this vote was still counted towards its own value.
   */
  | { kind: "conflict"; existing: Vote; counted: boolean };

/**
 * Votes of one type in one round, with power tallied per value as they arrive (no re-summing).
 *
 * As in the algorithm's message counting, a validator counts at most once per value: its first vote
 * counts towards its value and towards the total of "any value"; a conflicting vote (equivocation) is
 * reported and counts towards its own value only. Counting it matters for liveness: honest nodes that
 * received a double voter's two votes in different orders must still reach the same tallies once
 * every message has arrived, or one node can be locked on a polka that the others never see.
 * Safety is unaffected: with less than 1/3 of the power faulty, two values cannot both exceed 2/3.
 */
export class VoteSet {
  /** First vote of each validator. */
  private readonly first = new Map<number, Vote>();
  private readonly byKey = new Map<string, Map<number, Vote>>();
  private readonly powerByKey = new Map<string, bigint>();
  private readonly valuesOf = new Map<number, number>();
  private total = 0n;

  add(vote: Vote, power: bigint): AddVoteResult {
    const key = getVoteKey(vote.blockHash);
    let forKey = this.byKey.get(key);
    if (forKey?.has(vote.validatorIndex)) return { kind: "duplicate" };
    const existing = this.first.get(vote.validatorIndex);
    const values = this.valuesOf.get(vote.validatorIndex) ?? 0;
    if (existing && values >= MAX_VALUES_PER_VALIDATOR) return { kind: "conflict", existing, counted: false };
    if (!forKey) {
      forKey = new Map();
      this.byKey.set(key, forKey);
    }
    forKey.set(vote.validatorIndex, vote);
    this.powerByKey.set(key, (this.powerByKey.get(key) ?? 0n) + power);
    this.valuesOf.set(vote.validatorIndex, values + 1);
    if (existing) return { kind: "conflict", existing, counted: true };
    this.first.set(vote.validatorIndex, vote);
    this.total += power;
    return { kind: "added" };
  }

  /** The first vote of a validator in this set. */
  get(validatorIndex: number): Vote | undefined {
    return this.first.get(validatorIndex);
  }

  /** Power of the validators that voted for `key` (a block hash in hex, or NIL_KEY). */
  powerFor(key: string): bigint {
    return this.powerByKey.get(key) ?? 0n;
  }

  /** Power of the validators that voted at all, each counted once whatever they voted for. */
  get totalPower(): bigint {
    return this.total;
  }

  /** The value with the most power, if any vote was cast. */
  leading(): { key: string; power: bigint } | null {
    let best: { key: string; power: bigint } | null = null;
    for (const [key, power] of this.powerByKey) if (!best || power > best.power) best = { key, power };
    return best;
  }

  /** The votes for `key`, one per validator. */
  votesFor(key: string): Vote[] {
    return [...(this.byKey.get(key)?.values() ?? [])];
  }

  /** First votes, one per validator. */
  all(): Vote[] {
    return [...this.first.values()];
  }

  /** Every counted vote: each validator's first one and its counted conflicting ones. */
  counted(): Vote[] {
    const out: Vote[] = [];
    for (const forKey of this.byKey.values()) out.push(...forKey.values());
    return out;
  }
}
