import { bytesEqual, isHubDoubleAttestationEvidence, isSameFinalityStatement } from "@aegis/consumer-sdk";
import type { FinalityAttestation } from "../codec/codec.js";
import type { DoubleAttestationEvidence, DuplicateVoteEvidence, Evidence, Vote } from "./types.js";

/** The kind of a piece of evidence (the two have no field in common but `time`): the SDK's test. */
export const isDoubleAttestationEvidence: (e: Evidence) => e is DoubleAttestationEvidence = isHubDoubleAttestationEvidence;

/**
 * Whether two attestations could be a double attestation, judged from their content alone (no
 * signatures, no state): one height, one validator index, two different statements. The one
 * structural test of the gossip check, the evidence store and the slashing rule.
 */
export function isConflictingAttestationPair(a: FinalityAttestation, b: FinalityAttestation): boolean {
  return a.height === b.height && a.validatorIndex === b.validatorIndex && !isSameFinalityStatement(a, b);
}

/** Whether two votes are for the same value: the same block hash, or both nil. */
export function isSameVoteValue(a: Vote, b: Vote): boolean {
  return a.blockHash === null || b.blockHash === null ? a.blockHash === b.blockHash : bytesEqual(a.blockHash, b.blockHash);
}

/**
 * Why two votes are not a duplicate vote (equivocation), judged from their content alone (no
 * signatures, no state), or null when they are one: one height, one round, one type, one validator
 * index, two different values (nil counts as a value). The one rule of the gossip check, the engine's
 * evidence and the slashing module.
 */
export function duplicateVoteDefect(a: Vote, b: Vote): string | null {
  if (a.height !== b.height) return `votes at different heights (${a.height}, ${b.height})`;
  if (a.round !== b.round) return `votes in different rounds (${a.round}, ${b.round})`;
  if (a.type !== b.type) return "votes of different types";
  if (a.validatorIndex !== b.validatorIndex) return "votes of different validators";
  if (isSameVoteValue(a, b)) return "votes for the same block";
  return null;
}

/** Whether two votes are a duplicate vote (duplicateVoteDefect finds nothing). */
export function isConflictingVotePair(a: Vote, b: Vote): boolean {
  return duplicateVoteDefect(a, b) === null;
}

/**
 * The order evidence has in a block: duplicate votes, then double attestations, each kind in the
 * given order. The wire form carries the kinds in two fields, so this is the only order a block's
 * evidence root can be recomputed in by whoever decodes it.
 */
export function orderEvidence(evidence: readonly Evidence[]): Evidence[] {
  const votes: DuplicateVoteEvidence[] = [];
  const attestations: DoubleAttestationEvidence[] = [];
  for (const e of evidence) {
    if (isDoubleAttestationEvidence(e)) attestations.push(e);
    else votes.push(e);
  }
  return [...votes, ...attestations];
}
