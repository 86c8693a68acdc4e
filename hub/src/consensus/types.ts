import type { CommitCertificate, HubBlock, HubDoubleAttestationEvidence, HubDuplicateVoteEvidence, HubEvidence, HubVote } from "@aegis/consumer-sdk";

/**
 * A block (the SDK's type, shared with the hub API and consumers): transactions executed in order; the
 * previous height's certificate (null at height 1, committed by header.lastCommitHash — every node
 * reads liveness from this one certificate, not from the one it assembled); double-sign and
 * double-attestation evidence, committed by header.evidenceRoot, duplicate votes first.
 */
export type Block = HubBlock;

/** A signed prevote or precommit (the SDK's type: the hub API and consumers share it). */
export type Vote = HubVote;

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
export type DuplicateVoteEvidence = HubDuplicateVoteEvidence;

/** Two finality attestations of one validator (index) at one height for different statements. */
export type DoubleAttestationEvidence = HubDoubleAttestationEvidence;

/** What a block may carry for the application to slash: a double sign or a double attestation. */
export type Evidence = HubEvidence;

export enum Step {
  Propose = 1,
  Prevote = 2,
  Precommit = 3,
  /** Decided at this height; waiting for the engine to start the next. */
  Commit = 4,
}
