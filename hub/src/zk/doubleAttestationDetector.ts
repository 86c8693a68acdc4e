import type { FinalityAttestation } from "../codec/index.js";
import { isConflictingAttestationPair } from "../consensus/evidence.js";
import type { DoubleAttestationEvidence } from "../consensus/types.js";

/**
 * Finds double attestations among the validly signed attestations a node sees (its own, gossiped
 * ones of the committed statement, and gossiped ones of any other statement, which gossip still
 * rejects): it keeps, per (height, validator index), the first attestation of up to two statements,
 * and the second statement makes the evidence, once per validator and height. Pure bookkeeping (no
 * I/O, no clock: the caller passes the time): the caller has checked each signature against the
 * attestation key of that index in the set that signs the height, as the slashing rule will.
 * Heights at or below `pruneThrough`'s argument are forgotten, so memory is bounded by the window of
 * heights gossip accepts times the set size.
 */
export class DoubleAttestationDetector {
  /** height -> validator index -> the first attestation of each statement seen (at most two). */
  readonly #seen = new Map<number, Map<number, FinalityAttestation[]>>();

  /**
   * Records a validly signed attestation. Returns the evidence when it is the first attestation of
   * another statement by a validator already seen at this height; otherwise null (new, same
   * statement again, or the validator's double attestation at this height already reported).
   */
  observe(a: FinalityAttestation, time: number): DoubleAttestationEvidence | null {
    let byIndex = this.#seen.get(a.height);
    if (!byIndex) this.#seen.set(a.height, (byIndex = new Map()));
    const kept = byIndex.get(a.validatorIndex);
    if (!kept) {
      byIndex.set(a.validatorIndex, [a]);
      return null;
    }
    if (kept.length >= 2 || !kept.every((k) => isConflictingAttestationPair(k, a))) return null;
    kept.push(a);
    return { attestationA: kept[0]!, attestationB: a, time };
  }

  /** Forgets every height at or below `height`. */
  pruneThrough(height: number): void {
    for (const h of this.#seen.keys()) if (h <= height) this.#seen.delete(h);
  }

  get heights(): number[] {
    return [...this.#seen.keys()].sort((x, y) => x - y);
  }
}
