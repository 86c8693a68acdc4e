import { toHex } from "@aegis/consumer-sdk";
import type { Vote } from "./types.js";

export const NIL_KEY = "nil";

export function getVoteKey(blockHash: Uint8Array | null): string {
  return blockHash ? toHex(blockHash) : NIL_KEY;
}

export type AddVoteResult =
  | { kind: "added" }
  | { kind: "duplicate" }
  /** The validator already voted for another value in this (height, round, type): equivocation. */
  | { kind: "conflict"; existing: Vote };

/**
 * Votes of one type in one round, with power tallied per value as they arrive (no re-summing).
 * The first vote of a validator counts; a conflicting second one is reported, never counted.
 */
export class VoteSet {
  private readonly byValidator = new Map<number, Vote>();
  private readonly powerByKey = new Map<string, bigint>();
  private total = 0n;

  add(vote: Vote, power: bigint): AddVoteResult {
    const existing = this.byValidator.get(vote.validatorIndex);
    if (existing) {
      return getVoteKey(existing.blockHash) === getVoteKey(vote.blockHash) ? { kind: "duplicate" } : { kind: "conflict", existing };
    }
    this.byValidator.set(vote.validatorIndex, vote);
    const key = getVoteKey(vote.blockHash);
    this.powerByKey.set(key, (this.powerByKey.get(key) ?? 0n) + power);
    this.total += power;
    return { kind: "added" };
  }

  get(validatorIndex: number): Vote | undefined {
    return this.byValidator.get(validatorIndex);
  }

  /** Power of the votes for `key` (a block hash in hex, or NIL_KEY). */
  powerFor(key: string): bigint {
    return this.powerByKey.get(key) ?? 0n;
  }

  /** Power of all votes, whatever their value. */
  get totalPower(): bigint {
    return this.total;
  }

  /** The value with the most power, if any vote was cast. */
  leading(): { key: string; power: bigint } | null {
    let best: { key: string; power: bigint } | null = null;
    for (const [key, power] of this.powerByKey) if (!best || power > best.power) best = { key, power };
    return best;
  }

  votesFor(key: string): Vote[] {
    const out: Vote[] = [];
    for (const v of this.byValidator.values()) if (getVoteKey(v.blockHash) === key) out.push(v);
    return out;
  }

  all(): Vote[] {
    return [...this.byValidator.values()];
  }
}
