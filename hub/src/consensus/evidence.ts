import { isHubDoubleAttestationEvidence, isSameFinalityStatement } from "@aegis/consumer-sdk";
import type { FinalityAttestation } from "../codec/codec.js";
import type { DoubleAttestationEvidence, DuplicateVoteEvidence, Evidence } from "./types.js";

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
