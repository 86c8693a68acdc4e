import {
  AegisError,
  blsVerify,
  bytesEqual,
  computeBlockHash,
  computeProposalSignBytes,
  sha256,
  toHex,
  VoteType,
  type ValidatorSet,
} from "@aegis/consumer-sdk";
import { CodecError, decodeProposalMessage, decodeVote } from "../codec/index.js";
import type { ProposalMessage, Vote } from "../consensus/types.js";
import type { VoteBatchVerifier } from "../consensus/voteBatchVerifier.js";

/**
 * Gossip validation: decides whether a message from the network is accepted (delivered and forwarded),
 * ignored (dropped, no penalty: stale or early) or rejected (dropped, sender penalised). Cheapest
 * checks first; signatures last.
 */
export type GossipErrorType =
  | { code: "GOSSIP_ERROR_MALFORMED"; reason: string }
  | { code: "GOSSIP_ERROR_TOO_LARGE"; bytes: number; max: number }
  | { code: "GOSSIP_ERROR_WRONG_CHAIN"; chainId: string }
  | { code: "GOSSIP_ERROR_UNKNOWN_VALIDATOR"; index: number }
  | { code: "GOSSIP_ERROR_WRONG_PROPOSER"; expected: number; actual: number }
  | { code: "GOSSIP_ERROR_BLOCK_HASH_MISMATCH" }
  | { code: "GOSSIP_ERROR_INVALID_SIGNATURE" }
  | { code: "GOSSIP_ERROR_STALE"; height: number; current: number }
  | { code: "GOSSIP_ERROR_TOO_FAR_AHEAD"; height: number; current: number }
  /**
   * A message for a later height that does not check out against the set this node knows for it: at an
   * epoch boundary that set may still change when the current height commits, so it is dropped without
   * a penalty (the sender re-sends its messages every second).
   */
  | { code: "GOSSIP_ERROR_NOT_YET_VERIFIABLE"; height: number; current: number; reason: string };

export class GossipError extends AegisError<GossipErrorType> {}

export type GossipAction = "accept" | "ignore" | "reject";

export function getGossipAction(code: GossipErrorType["code"]): GossipAction {
  return code === "GOSSIP_ERROR_STALE" || code === "GOSSIP_ERROR_TOO_FAR_AHEAD" || code === "GOSSIP_ERROR_NOT_YET_VERIFIABLE" ? "ignore" : "reject";
}

const SET_DEPENDENT: ReadonlySet<string> = new Set(["GOSSIP_ERROR_UNKNOWN_VALIDATOR", "GOSSIP_ERROR_WRONG_PROPOSER", "GOSSIP_ERROR_INVALID_SIGNATURE"]);

/**
 * For a later height, a set-dependent failure becomes GOSSIP_ERROR_NOT_YET_VERIFIABLE (ignored, not
 * penalised); anything else is returned as it is.
 */
function forLaterHeight(e: unknown, height: number, ctx: MessageValidationContext): unknown {
  if (height > ctx.currentHeight && e instanceof GossipError && SET_DEPENDENT.has(e.code)) {
    return new GossipError({ code: "GOSSIP_ERROR_NOT_YET_VERIFIABLE", height, current: ctx.currentHeight, reason: e.code });
  }
  return e;
}

export interface MessageValidationContext {
  chainId: string;
  /** Height being decided now (last committed + 1). */
  currentHeight: number;
  /** Messages up to currentHeight + this are buffered; later ones are ignored (and trigger sync). */
  maxHeightAhead: number;
  getValidatorSet(height: number): ValidatorSet;
  /** Weighted round-robin proposer of (height, round) over the set signing that height. */
  getProposerIndex(height: number, round: number): number;
  verifier: VoteBatchVerifier;
  maxMessageBytes: number;
}

function decodeOrThrow<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof CodecError) throw new GossipError({ code: "GOSSIP_ERROR_MALFORMED", reason: e.message });
    throw e;
  }
}

function checkHeight(height: number, ctx: MessageValidationContext, minHeight = ctx.currentHeight): void {
  if (height < minHeight) throw new GossipError({ code: "GOSSIP_ERROR_STALE", height, current: ctx.currentHeight });
  if (height > ctx.currentHeight + ctx.maxHeightAhead) {
    throw new GossipError({ code: "GOSSIP_ERROR_TOO_FAR_AHEAD", height, current: ctx.currentHeight });
  }
}

function checkSize(bytes: Uint8Array, ctx: MessageValidationContext): void {
  if (bytes.length > ctx.maxMessageBytes) throw new GossipError({ code: "GOSSIP_ERROR_TOO_LARGE", bytes: bytes.length, max: ctx.maxMessageBytes });
}

/** Recently verified vote messages (by hash): a re-broadcast copy is accepted without a second pairing check. */
export class VerifiedCache {
  private readonly seen = new Set<string>();
  constructor(private readonly max = 50_000) {}
  /** The cache key of a message (hash it once, then `has` / `add`). */
  keyOf(bytes: Uint8Array): string {
    return toHex(sha256(bytes));
  }
  has(key: string): boolean {
    return this.seen.has(key);
  }
  add(key: string): void {
    if (this.seen.size >= this.max) this.seen.clear();
    this.seen.add(key);
  }
}

export async function validateVoteMessage(bytes: Uint8Array, ctx: MessageValidationContext, cache?: VerifiedCache): Promise<Vote> {
  checkSize(bytes, ctx);
  const vote = decodeOrThrow(() => decodeVote(bytes));
  // Precommits for the last committed height still count: they join the next block's last commit.
  checkHeight(vote.height, ctx, vote.type === VoteType.Precommit ? Math.max(1, ctx.currentHeight - 1) : ctx.currentHeight);
  try {
    const set = ctx.getValidatorSet(vote.height);
    if (vote.validatorIndex >= set.validators.length) throw new GossipError({ code: "GOSSIP_ERROR_UNKNOWN_VALIDATOR", index: vote.validatorIndex });
    const key = cache?.keyOf(bytes);
    if (key !== undefined && cache!.has(key)) return vote;
    if (!(await ctx.verifier.verify(vote, set))) throw new GossipError({ code: "GOSSIP_ERROR_INVALID_SIGNATURE" });
    if (key !== undefined) cache!.add(key);
    return vote;
  } catch (e) {
    throw forLaterHeight(e, vote.height, ctx);
  }
}

export function validateProposalMessage(bytes: Uint8Array, ctx: MessageValidationContext): { msg: ProposalMessage; blockHash: Uint8Array } {
  checkSize(bytes, ctx);
  const msg = decodeOrThrow(() => decodeProposalMessage(bytes));
  const p = msg.proposal;
  if (msg.block.header.chainId !== ctx.chainId) throw new GossipError({ code: "GOSSIP_ERROR_WRONG_CHAIN", chainId: msg.block.header.chainId });
  checkHeight(p.height, ctx);
  if (msg.block.header.height !== p.height) throw new GossipError({ code: "GOSSIP_ERROR_MALFORMED", reason: "block height differs from proposal height" });
  const blockHash = computeBlockHash(msg.block.header);
  if (!bytesEqual(blockHash, p.blockHash)) throw new GossipError({ code: "GOSSIP_ERROR_BLOCK_HASH_MISMATCH" });
  try {
    const set = ctx.getValidatorSet(p.height);
    if (p.proposerIndex >= set.validators.length) throw new GossipError({ code: "GOSSIP_ERROR_UNKNOWN_VALIDATOR", index: p.proposerIndex });
    const expected = ctx.getProposerIndex(p.height, p.round);
    if (p.proposerIndex !== expected) throw new GossipError({ code: "GOSSIP_ERROR_WRONG_PROPOSER", expected, actual: p.proposerIndex });
    const signBytes = computeProposalSignBytes({ chainId: ctx.chainId, height: p.height, round: p.round, polRound: p.polRound, blockHash });
    if (!blsVerify(set.validators[p.proposerIndex]!.blsPublicKey, signBytes, p.signature)) {
      throw new GossipError({ code: "GOSSIP_ERROR_INVALID_SIGNATURE" });
    }
    return { msg, blockHash };
  } catch (e) {
    throw forLaterHeight(e, p.height, ctx);
  }
}
