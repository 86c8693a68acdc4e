import type { BlockHeader, CommitCertificate, VoteType } from "@aegis/consumer-sdk";
import type { FinalityAttestation } from "../codec/codec.js";

export interface Block {
  header: BlockHeader;
  /** Transactions, executed in order by the application. */
  txs: Uint8Array[];
  /**
   * The certificate of the previous height (null at height 1), committed by header.lastCommitHash.
   * Every node reads liveness (who signed) from this one certificate, not from the one it assembled.
   */
  lastCommit: CommitCertificate | null;
  /**
   * Double-sign and double-attestation evidence, committed by header.evidenceRoot; the application
   * slashes for each. Duplicate votes come first (the wire form keeps the two kinds in two fields).
   */
  evidence: Evidence[];
}

export interface Vote {
  type: VoteType;
  height: number;
  round: number;
  /** null = nil vote. */
  blockHash: Uint8Array | null;
  validatorIndex: number;
  signature: Uint8Array;
}

export interface Proposal {
  height: number;
  round: number;
  /** Proof-of-lock round or -1. */
  polRound: number;
  blockHash: Uint8Array;
  proposerIndex: number;
  signature: Uint8Array;
}

export interface ProposalMessage {
  proposal: Proposal;
  block: Block;
}

export interface CertifiedBlock {
  block: Block;
  certificate: CommitCertificate;
}

/** Two signed votes of one validator at one (height, round, type) for different values. */
export interface DuplicateVoteEvidence {
  voteA: Vote;
  voteB: Vote;
  /** Unix ms when first seen. */
  time: number;
}

/** Two finality attestations of one validator (index) at one height for different statements. */
export interface DoubleAttestationEvidence {
  attestationA: FinalityAttestation;
  attestationB: FinalityAttestation;
  /** Unix ms when first seen. */
  time: number;
}

/** What a block may carry for the application to slash: a double sign or a double attestation. */
export type Evidence = DuplicateVoteEvidence | DoubleAttestationEvidence;

export enum Step {
  Propose = 1,
  Prevote = 2,
  Precommit = 3,
  /** Decided at this height; waiting for the engine to start the next. */
  Commit = 4,
}
