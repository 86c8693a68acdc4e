import { decodeDoubleAttestationEvidence, decodeDuplicateVoteEvidence, encodeDoubleAttestationEvidence } from "../codec/index.js";
import type { ConsensusEngine } from "../consensus/consensusEngine.js";
import { isConflictingVotePair } from "../consensus/evidence.js";
import type { DoubleAttestationEvidence, DuplicateVoteEvidence } from "../consensus/types.js";
import type { VoteBatchVerifier } from "../consensus/voteBatchVerifier.js";
import type { HubDb } from "../db/index.js";
import type { Logger } from "../logger.js";
import type { ValidationResult } from "../network/index.js";
import type { ZkService } from "../zk/zkService.js";

export interface NodeEvidenceModules {
  db: HubDb;
  engine: ConsensusEngine;
  verifier: VoteBatchVerifier;
  /** The succinct tier, which judges double attestations (null without one). */
  zk: ZkService | null;
  /** Gossips a double attestation this node found. */
  publishDoubleAttestation: (data: Uint8Array) => void;
  logger: Logger;
}

/**
 * Evidence that reaches the node from outside consensus: duplicate votes and double attestations
 * gossiped by peers, and double attestations its own ZK service found. Each is checked (the content
 * rule of consensus/evidence.ts, then both signatures against the set of its height), stored once, and
 * offered to this node's proposals, so any proposer puts it in a block and the validator is slashed
 * without anyone submitting it. Duplicate votes the engine sees itself are the engine's
 * (ConsensusEngine.recordEvidence).
 */
export class NodeEvidence {
  constructor(private readonly modules: NodeEvidenceModules) {}

  /**
   * Whether duplicate-vote evidence holds: the two votes conflict (isConflictingVotePair), the index
   * is in the set of their height, and both signatures verify with that validator's key.
   */
  async isValidDuplicateVote(e: DuplicateVoteEvidence): Promise<boolean> {
    const { voteA: a, voteB: b } = e;
    if (!isConflictingVotePair(a, b)) return false;
    const set = this.modules.engine.getValidatorSet(a.height);
    if (a.validatorIndex >= set.validators.length) return false;
    const [okA, okB] = await Promise.all([this.modules.verifier.verify(a, set), this.modules.verifier.verify(b, set)]);
    return okA && okB;
  }

  /** Gossip validation of the "evidence" topic: stored and offered when valid (accept), else reject. */
  async onGossipedDuplicateVote(data: Uint8Array): Promise<ValidationResult> {
    try {
      const e = decodeDuplicateVoteEvidence(data);
      if (!(await this.isValidDuplicateVote(e))) return "reject";
      await this.store(e);
      return "accept";
    } catch {
      return "reject";
    }
  }

  /**
   * Gossip validation of the "attestation-evidence" topic: both signatures checked by the ZK service
   * against this node's set for the height; "unknown" (a height it cannot judge yet) is ignored.
   */
  async onGossipedDoubleAttestation(data: Uint8Array): Promise<ValidationResult> {
    const zk = this.modules.zk;
    if (!zk) return "ignore";
    let e: DoubleAttestationEvidence;
    try {
      e = decodeDoubleAttestationEvidence(data);
    } catch {
      return "reject";
    }
    const verdict = zk.checkDoubleAttestationEvidence(e);
    if (verdict !== "valid") return verdict === "unknown" ? "ignore" : "reject";
    await this.store(e);
    return "accept";
  }

  /** A double attestation this node's ZK service found: stored, offered and gossiped. A failure is logged, never thrown. */
  async addOwnDoubleAttestation(e: DoubleAttestationEvidence): Promise<void> {
    try {
      if (!(await this.store(e))) return;
      this.modules.publishDoubleAttestation(encodeDoubleAttestationEvidence(e));
    } catch (err) {
      this.modules.logger.warn("double-attestation evidence not stored", { height: e.attestationA.height, error: (err as Error).message });
    }
  }

  /** Stores the evidence and, when it is new, offers it to the engine's proposals. */
  private async store(e: DuplicateVoteEvidence | DoubleAttestationEvidence): Promise<boolean> {
    if (!(await this.modules.db.evidence.add(e))) return false;
    this.modules.engine.submitEvidence(e);
    return true;
  }
}
