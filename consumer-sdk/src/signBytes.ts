import { CanonicalWriter } from "./canonicalWriter.js";
import { HASH_LENGTH } from "./hash.js";
import { ZERO_HASH } from "./header.js";

export enum VoteType {
  Prevote = 1,
  Precommit = 2,
}

const VOTE_DOMAIN = "aegis/vote/v1";
const PROPOSAL_DOMAIN = "aegis/proposal/v1";

export interface VoteSignFields {
  chainId: string;
  height: number;
  round: number;
  type: VoteType;
  /** null = a vote for nil. */
  blockHash: Uint8Array | null;
}

/**
 * Canonical, domain-separated bytes a validator signs for a vote. They hold no validator index and no
 * timestamp, so every precommit for one block in one round signs the same bytes and the precommits
 * aggregate into one BLS signature (the commit certificate).
 */
export function computeVoteSignBytes(v: VoteSignFields): Uint8Array {
  if (v.type !== VoteType.Prevote && v.type !== VoteType.Precommit) {
    return new CanonicalWriter().u8(256, "type").finish(); // throws ENCODING_ERROR_OUT_OF_RANGE
  }
  return new CanonicalWriter()
    .string(VOTE_DOMAIN)
    .string(v.chainId)
    .u64(v.height, "height")
    .u32(v.round, "round")
    .u8(v.type, "type")
    .u8(v.blockHash ? 1 : 0, "hasBlock")
    .fixed(v.blockHash ?? ZERO_HASH, HASH_LENGTH, "blockHash")
    .finish();
}

export interface ProposalSignFields {
  chainId: string;
  height: number;
  round: number;
  /** Round of the proof-of-lock this proposal re-proposes, or -1. */
  polRound: number;
  blockHash: Uint8Array;
}

export function computeProposalSignBytes(p: ProposalSignFields): Uint8Array {
  return new CanonicalWriter()
    .string(PROPOSAL_DOMAIN)
    .string(p.chainId)
    .u64(p.height, "height")
    .u32(p.round, "round")
    .i32(p.polRound, "polRound")
    .fixed(p.blockHash, HASH_LENGTH, "blockHash")
    .finish();
}
