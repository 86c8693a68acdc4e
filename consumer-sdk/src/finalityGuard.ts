import { bytesEqual, toHex } from "./bytes.js";
import { CanonicalWriter } from "./canonicalWriter.js";
import { assertValidCheckpointFields, computeCheckpointHash, isConsumerId, ZERO_CHECKPOINT_HASH, type ConsumerCheckpoint } from "./checkpoint.js";
import { AegisError } from "./errors.js";
import { HASH_LENGTH } from "./hash.js";

/**
 * The FinalityGuard: the rule a consumer chain's fork choice consults. It remembers the consumer's
 * hub-final checkpoints (the highest one and a bounded window below it), answers whether a consumer
 * block is hub-final, and refuses any reorg that would drop a hub-final block — as Filecoin's EC never
 * selects a chain that does not contain the F3-finalized tipset, and Cumulus follows relay-chain
 * finality. Conflicts it sees are returned as typed misbehaviour events (not thrown) and leave the
 * state unchanged; the runtime halts and reports them.
 *
 * Pure: no I/O, no clock. The state is plain, immutable data (every `process*` returns a new state or
 * the same one); `encodeFinalityGuardState` gives the bytes the runtime writes (synced) so that a
 * restart forgets nothing. The guard cannot walk the consumer's block tree itself: the caller passes an
 * `AncestorHashAt` accessor over its own block store.
 */

/** Which finality certificate made a hub block final: the fast BLS one or the succinct ZK one. */
export type FinalityTier = "bls" | "zk";
export const FINALITY_TIERS: readonly FinalityTier[] = ["bls", "zk"];

/**
 * The hash of the ancestor at `height` of the consumer block `blockHash` (the block itself when
 * `height` is its own height), or undefined when the consumer's block store does not know the block
 * or that ancestor. The guard asks only for heights at or below the block's own.
 */
export type AncestorHashAt = (blockHash: Uint8Array, height: number) => Uint8Array | undefined;

/** A consumer block, named by height and hash. */
export interface ConsumerBlockRef {
  height: number;
  hash: Uint8Array;
}

/** One hub-final checkpoint as the guard remembers it. */
export interface FinalCheckpointRecord {
  /** The consumer block's height. */
  height: number;
  /** The consumer block's hash. */
  blockHash: Uint8Array;
  /** computeCheckpointHash of the checkpoint. */
  checkpointHash: Uint8Array;
  /** The hub height whose header's consumer-checkpoint root included the checkpoint (the first the guard saw). */
  hubHeight: number;
  /** That hub block's hash. */
  hubBlockHash: Uint8Array;
  /** The certificate tier that made that hub block final. */
  tier: FinalityTier;
}

/**
 * What the guard knows. `finalized` ascends strictly by consumer height and by hub height; its last
 * entry is the highest hub-final checkpoint; at most FINALITY_GUARD_MAX_CHECKPOINTS entries (the
 * oldest are dropped, except that the highest one whose block the consumer has stored is kept: see
 * processFinalCheckpoint). Empty: nothing is final yet.
 */
export interface FinalityGuardState {
  readonly consumerId: string;
  readonly finalized: readonly FinalCheckpointRecord[];
}

/**
 * A checkpoint the caller has verified as hub-final: the hub header at `hubHeight` (hash
 * `hubBlockHash`) carries a `tier` certificate that the light client accepted, and
 * verifyCheckpointInclusion showed the checkpoint in that header's consumer-checkpoint root.
 */
export interface FinalCheckpointInput {
  checkpoint: ConsumerCheckpoint;
  hubHeight: number;
  hubBlockHash: Uint8Array;
  tier: FinalityTier;
}

/** One side of a certificate conflict: a hub block hash at the conflicting height and the tier that certified it. */
export interface CertifiedHubBlock {
  hubBlockHash: Uint8Array;
  tier: FinalityTier;
}

/** Why a hub-final checkpoint contradicts what the guard knows. */
export type ConflictingCheckpointReason =
  /** Another checkpoint of the same consumer height is already final. */
  | "SAME_HEIGHT"
  /** Its parent is a final checkpoint, but not the final checkpoint just below it (or it claims to be first while earlier ones are final): the hub finalized two checkpoint chains. */
  | "CHECKPOINT_CHAIN_FORK"
  /** Hub and consumer heights disagree in order: a root at a later hub height holds an earlier checkpoint (the hub's latest checkpoint of a consumer never goes back, and ids are never reused). */
  | "HUB_HEIGHT_ORDER"
  /** The consumer's own block store says its block is not on one chain with the final block. */
  | "NOT_ON_FINAL_CHAIN";

/**
 * Misbehaviour the guard saw. Returned, never thrown: the runtime halts, reports it, and (next
 * issue) turns it into evidence. Both kinds mean that hub-final data contradicts itself: either
 * validators signed conflicting messages or the consumer's producers equivocated.
 */
export type FinalityMisbehaviour =
  | {
      kind: "CONFLICTING_FINAL_CHECKPOINT";
      consumerId: string;
      reason: ConflictingCheckpointReason;
      /** The record the new checkpoint contradicts. */
      known: FinalCheckpointRecord;
      /** The new checkpoint, as given. */
      conflicting: FinalCheckpointInput;
      /** NOT_ON_FINAL_CHAIN: the hash the consumer's own chain has at the compared height. */
      consumerHash?: Uint8Array;
    }
  | {
      kind: "CONFLICTING_CERTIFICATES";
      consumerId: string;
      hubHeight: number;
      first: CertifiedHubBlock;
      second: CertifiedHubBlock;
    };

export type ProcessFinalCheckpointResult =
  /** The checkpoint is the new highest final one. */
  | { status: "ACCEPTED"; state: FinalityGuardState }
  /** Nothing new: the checkpoint is known ("KNOWN") or below the final height and consistent ("STALE"). State unchanged. */
  | { status: "IGNORED"; state: FinalityGuardState; reason: "KNOWN" | "STALE" }
  /** A conflict; the state is unchanged (the same object). */
  | { status: "MISBEHAVIOUR"; state: FinalityGuardState; event: FinalityMisbehaviour };

export type FinalityGuardErrorType =
  /** A reorg whose fork point is below the hub-final height would drop a hub-final block. */
  | { code: "FINALITY_GUARD_ERROR_REORG_BELOW_FINAL"; forkHeight: number; finalHeight: number }
  /** The fork point is at or above the final height, but its chain has another block (hex) at the final height. */
  | { code: "FINALITY_GUARD_ERROR_REORG_OFF_FINAL_CHAIN"; forkHeight: number; finalHeight: number; hashAtFinalHeight: string }
  /** The fork point is above the final height and the block store cannot say what its chain has at the final height. */
  | { code: "FINALITY_GUARD_ERROR_UNKNOWN_ANCESTRY"; forkHeight: number; finalHeight: number }
  /** An argument has the wrong form (a height, a hash's length, a tier). */
  | { code: "FINALITY_GUARD_ERROR_INVALID_INPUT"; field: string; reason: string }
  /** A checkpoint of another consumer than the guard's. */
  | { code: "FINALITY_GUARD_ERROR_WRONG_CONSUMER"; expected: string; actual: string }
  /** Stored guard bytes that do not decode to a valid state. */
  | { code: "FINALITY_GUARD_ERROR_CORRUPT_STATE"; reason: string };

export class FinalityGuardError extends AegisError<FinalityGuardErrorType> {}

export type CanReorgResult = { ok: true } | { ok: false; error: FinalityGuardErrorType };

/** How many final checkpoints the guard keeps (the highest and those just below it, or the highest whose block is stored in place of the lowest). */
export const FINALITY_GUARD_MAX_CHECKPOINTS = 64;
/** The version byte of encodeFinalityGuardState. */
export const FINALITY_GUARD_STATE_VERSION = 1;

const STATE_DOMAIN = "aegis/finality-guard-state";

const invalidInput = (field: string, reason: string) =>
  new FinalityGuardError({ code: "FINALITY_GUARD_ERROR_INVALID_INPUT", field, reason }, `finality guard: ${field}: ${reason}`);

const isHash = (b: unknown): b is Uint8Array => b instanceof Uint8Array && b.length === HASH_LENGTH;
const isHeight = (h: unknown, min: number): h is number => Number.isSafeInteger(h) && (h as number) >= min;
const isTier = (t: unknown): t is FinalityTier => t === "bls" || t === "zk";

/** A guard that knows nothing final yet. Throws FINALITY_GUARD_ERROR_INVALID_INPUT on a malformed id. */
export function createFinalityGuardState(consumerId: string): FinalityGuardState {
  if (!isConsumerId(consumerId)) throw invalidInput("consumerId", "1-64 characters of a-z 0-9 - _ .");
  return { consumerId, finalized: [] };
}

/** The highest hub-final checkpoint, or undefined when none is known. */
export function getFinalCheckpoint(state: FinalityGuardState): FinalCheckpointRecord | undefined {
  return state.finalized[state.finalized.length - 1];
}

/** The highest hub-final consumer height; 0 when nothing is final. */
export function getFinalHeight(state: FinalityGuardState): number {
  return getFinalCheckpoint(state)?.height ?? 0;
}

function assertValidInput(state: FinalityGuardState, input: FinalCheckpointInput): void {
  if (!input || typeof input !== "object") throw invalidInput("input", "not an object");
  try {
    assertValidCheckpointFields(input.checkpoint);
  } catch (e) {
    throw invalidInput("checkpoint", e instanceof Error ? e.message : String(e));
  }
  if (input.checkpoint.consumerId !== state.consumerId) {
    throw new FinalityGuardError(
      { code: "FINALITY_GUARD_ERROR_WRONG_CONSUMER", expected: state.consumerId, actual: input.checkpoint.consumerId },
      `finality guard of ${state.consumerId} given a checkpoint of ${input.checkpoint.consumerId}`,
    );
  }
  if (!isHeight(input.hubHeight, 1)) throw invalidInput("hubHeight", "a safe integer >= 1");
  if (!isHash(input.hubBlockHash)) throw invalidInput("hubBlockHash", `${HASH_LENGTH} bytes`);
  if (!isTier(input.tier)) throw invalidInput("tier", `one of ${FINALITY_TIERS.join(", ")}`);
}

/** A well-formed ancestor hash from the accessor, or undefined (unknown, or an answer of the wrong form). */
function ancestorOf(ancestorHashAt: AncestorHashAt | undefined, blockHash: Uint8Array, height: number): Uint8Array | undefined {
  if (!ancestorHashAt) return undefined;
  const h = ancestorHashAt(blockHash, height);
  return isHash(h) ? h : undefined;
}

/**
 * Applies a checkpoint the caller has verified as hub-final (light client + inclusion; see
 * FinalCheckpointInput). Checks, cheapest first, against every final checkpoint the guard knows:
 *
 * - the same hub height with another hub block hash → CONFLICTING_CERTIFICATES;
 * - the same checkpoint again → IGNORED "KNOWN" (whatever the hub height or tier: the first is kept);
 * - another checkpoint at a known height → CONFLICTING_FINAL_CHECKPOINT "SAME_HEIGHT";
 * - hub order against consumer order (a root holds a consumer's latest checkpoint, which never goes
 *   back) → "HUB_HEIGHT_ORDER";
 * - the parent is a known final checkpoint that is not the known one just below, or zeros (a first
 *   checkpoint) above a known one → "CHECKPOINT_CHAIN_FORK";
 * - with `ancestorHashAt`, the consumer's own block store: the new block must descend from the final
 *   block (above it) or be its ancestor (below it) → "NOT_ON_FINAL_CHAIN". An unknown block is not a
 *   conflict (the consumer may not have it yet).
 *
 * Then a checkpoint above the final height is ACCEPTED (gaps are fine: finality may jump over
 * checkpoints the guard never saw, and then the parent link cannot be checked), and one below it is
 * IGNORED "STALE" — certificates arrive out of order (ZK lags BLS), so an older one is normal, not an
 * error; it is checked for conflicts but not remembered. The window keeps the highest
 * FINALITY_GUARD_MAX_CHECKPOINTS; with `ancestorHashAt`, when none of those has a block the store
 * knows, the highest one that has takes the lowest place (isFinal answers from it). A misbehaviour
 * returns the state unchanged.
 * Throws FinalityGuardError (INVALID_INPUT, WRONG_CONSUMER) on malformed input, changing nothing.
 */
export function processFinalCheckpoint(state: FinalityGuardState, input: FinalCheckpointInput, ancestorHashAt?: AncestorHashAt): ProcessFinalCheckpointResult {
  assertValidInput(state, input);
  const cp = input.checkpoint;
  const consumerId = state.consumerId;
  const conflict = (reason: ConflictingCheckpointReason, known: FinalCheckpointRecord, consumerHash?: Uint8Array): ProcessFinalCheckpointResult => ({
    status: "MISBEHAVIOUR",
    state,
    event: { kind: "CONFLICTING_FINAL_CHECKPOINT", consumerId, reason, known, conflicting: input, ...(consumerHash ? { consumerHash } : {}) },
  });

  for (const k of state.finalized) {
    if (k.hubHeight === input.hubHeight && !bytesEqual(k.hubBlockHash, input.hubBlockHash)) {
      return {
        status: "MISBEHAVIOUR",
        state,
        event: {
          kind: "CONFLICTING_CERTIFICATES",
          consumerId,
          hubHeight: input.hubHeight,
          first: { hubBlockHash: k.hubBlockHash, tier: k.tier },
          second: { hubBlockHash: input.hubBlockHash, tier: input.tier },
        },
      };
    }
  }

  const checkpointHash = computeCheckpointHash(cp);
  const same = state.finalized.find((k) => k.height === cp.height);
  if (same) {
    if (!bytesEqual(same.checkpointHash, checkpointHash)) return conflict("SAME_HEIGHT", same);
    // The same checkpoint: its hub height must still be in order with every other known one.
  }
  for (const k of state.finalized) {
    if (k === same) continue;
    // Distinct checkpoints: one root holds one per consumer, and a later root never an older one.
    if (k.hubHeight === input.hubHeight || k.height < cp.height !== k.hubHeight < input.hubHeight) return conflict("HUB_HEIGHT_ORDER", k);
  }
  if (same) return { status: "IGNORED", state, reason: "KNOWN" };

  // Its parent, when the parent is a known final checkpoint, must be the known one just below it; a
  // first checkpoint (zero parent) cannot come after a known one. An unknown parent is a gap.
  let below: FinalCheckpointRecord | undefined;
  for (const k of state.finalized) if (k.height < cp.height) below = k;
  const parent = state.finalized.find((k) => bytesEqual(k.checkpointHash, cp.parentCheckpointHash));
  if (parent && parent !== below) return conflict("CHECKPOINT_CHAIN_FORK", below ?? parent);
  if (below && bytesEqual(cp.parentCheckpointHash, ZERO_CHECKPOINT_HASH)) return conflict("CHECKPOINT_CHAIN_FORK", below);

  const final = getFinalCheckpoint(state);
  if (final && ancestorHashAt) {
    if (cp.height > final.height) {
      const h = ancestorOf(ancestorHashAt, cp.blockHash, final.height);
      if (h && !bytesEqual(h, final.blockHash)) return conflict("NOT_ON_FINAL_CHAIN", final, h);
    } else {
      const h = ancestorOf(ancestorHashAt, final.blockHash, cp.height);
      if (h && !bytesEqual(h, cp.blockHash)) return conflict("NOT_ON_FINAL_CHAIN", final, h);
    }
  }

  if (final && cp.height < final.height) return { status: "IGNORED", state, reason: "STALE" };

  const record: FinalCheckpointRecord = {
    height: cp.height,
    blockHash: Uint8Array.from(cp.blockHash),
    checkpointHash,
    hubHeight: input.hubHeight,
    hubBlockHash: Uint8Array.from(input.hubBlockHash),
    tier: input.tier,
  };
  return { status: "ACCEPTED", state: { consumerId, finalized: trimFinalized([...state.finalized, record], ancestorHashAt) } };
}

/**
 * The window kept: the FINALITY_GUARD_MAX_CHECKPOINTS highest checkpoints — except that, with a block
 * store, when none of them has a block the store knows (a node that learns finality from the hub
 * faster than it receives blocks), the highest one that does is kept as the lowest entry in place of
 * the lowest of the window. isFinal walks from it, so a block reported final stays final however far
 * finality runs ahead of the node's blocks. The order invariants hold: the kept one is below all others.
 */
function trimFinalized(finalized: FinalCheckpointRecord[], ancestorHashAt: AncestorHashAt | undefined): FinalCheckpointRecord[] {
  const excess = finalized.length - FINALITY_GUARD_MAX_CHECKPOINTS;
  if (excess <= 0) return finalized;
  const kept = finalized.slice(excess);
  const isStored = (k: FinalCheckpointRecord) => isBlockStored(ancestorHashAt, k);
  if (!ancestorHashAt || kept.some(isStored)) return kept;
  for (let i = excess - 1; i >= 0; i--) if (isStored(finalized[i]!)) return [finalized[i]!, ...kept.slice(1)];
  return kept;
}

/**
 * The event for two certificates of one hub height (the light client or the runtime saw two hub block
 * hashes certified at `hubHeight`), or null when the hashes are the same block. Pure; the state only
 * names the consumer, so the runtime reports every conflict through one event type.
 */
export function getConflictingCertificatesEvent(
  state: FinalityGuardState,
  hubHeight: number,
  first: CertifiedHubBlock,
  second: CertifiedHubBlock,
): FinalityMisbehaviour | null {
  if (!isHeight(hubHeight, 1)) throw invalidInput("hubHeight", "a safe integer >= 1");
  for (const [name, c] of [["first", first], ["second", second]] as const) {
    if (!c || !isHash(c.hubBlockHash)) throw invalidInput(`${name}.hubBlockHash`, `${HASH_LENGTH} bytes`);
    if (!isTier(c.tier)) throw invalidInput(`${name}.tier`, `one of ${FINALITY_TIERS.join(", ")}`);
  }
  if (bytesEqual(first.hubBlockHash, second.hubBlockHash)) return null;
  return { kind: "CONFLICTING_CERTIFICATES", consumerId: state.consumerId, hubHeight, first, second };
}

/**
 * Whether the consumer block (height, hash) is hub-final: at or below the final height and an
 * ancestor-or-self of the final block. At a height of a remembered final checkpoint the guard answers
 * alone. Between them it asks the block store for the ancestor at `height` of a remembered final
 * checkpoint's block, trying them from the lowest one at or above `height` upward: every final
 * checkpoint is on one chain, so the first the store can walk from answers for all of them. A node
 * that learned a checkpoint from the hub before it received that checkpoint's block (it is catching
 * up, or finality runs ahead of its peers) thus keeps answering from an older final block it has: a
 * block reported final stays reported final, and does not flip to false until the new block arrives.
 *
 * The guard remembers the FINALITY_GUARD_MAX_CHECKPOINTS highest checkpoints (the runtime adds one
 * each time a newer checkpoint is final on the hub: about one a hub block while the consumer produces,
 * so the window spans only some 64 hub blocks). A node further behind than that would keep none whose
 * block it stores; so when none of the window has one, processFinalCheckpoint (given the block store)
 * keeps the highest one that has in place of the lowest, and the node still answers for what it
 * reported final before. Heights below every remembered checkpoint are answered through the lowest
 * one the store walks from.
 *
 * Without any answer it says false (not known to be final — the safe answer): no final checkpoint at
 * or above `height` whose block the store knows. Never throws: malformed input is false.
 */
export function isFinal(state: FinalityGuardState, block: ConsumerBlockRef, ancestorHashAt?: AncestorHashAt): boolean {
  if (!block || !isHeight(block.height, 0) || !isHash(block.hash)) return false;
  const final = getFinalCheckpoint(state);
  if (!final || block.height > final.height) return false;
  const known = state.finalized.find((k) => k.height === block.height);
  if (known) return bytesEqual(known.blockHash, block.hash);
  for (const k of state.finalized) {
    if (k.height < block.height) continue;
    const h = ancestorOf(ancestorHashAt, k.blockHash, block.height);
    if (h !== undefined) return bytesEqual(h, block.hash);
  }
  return false;
}

/**
 * Whether a reorg to `forkPoint` (the deepest block the new chain keeps — or the new head itself)
 * keeps every hub-final block: the final block must be an ancestor-or-self of it. At the final height
 * that is hash equality; above it the guard asks `ancestorHashAt(forkPoint.hash, finalHeight)`.
 * Nothing final: every reorg is allowed. Passing the new head instead of the fork point also lets a
 * node that sits on a non-final branch move onto the final chain (its fork point is below the final
 * height, yet the new chain keeps every final block). It knows only the newest final block: a caller
 * with a block store that may lack that block (a node catching up) uses canFollowChain.
 */
export function canReorgTo(state: FinalityGuardState, forkPoint: ConsumerBlockRef, ancestorHashAt?: AncestorHashAt): CanReorgResult {
  if (!forkPoint || !isHeight(forkPoint.height, 0)) return { ok: false, error: { code: "FINALITY_GUARD_ERROR_INVALID_INPUT", field: "forkPoint.height", reason: "a safe integer >= 0" } };
  if (!isHash(forkPoint.hash)) return { ok: false, error: { code: "FINALITY_GUARD_ERROR_INVALID_INPUT", field: "forkPoint.hash", reason: `${HASH_LENGTH} bytes` } };
  const final = getFinalCheckpoint(state);
  if (!final) return { ok: true };
  const forkHeight = forkPoint.height;
  const finalHeight = final.height;
  if (forkHeight < finalHeight) return { ok: false, error: { code: "FINALITY_GUARD_ERROR_REORG_BELOW_FINAL", forkHeight, finalHeight } };
  const atFinal = forkHeight === finalHeight ? forkPoint.hash : ancestorOf(ancestorHashAt, forkPoint.hash, finalHeight);
  if (!atFinal) return { ok: false, error: { code: "FINALITY_GUARD_ERROR_UNKNOWN_ANCESTRY", forkHeight, finalHeight } };
  if (!bytesEqual(atFinal, final.blockHash)) {
    return { ok: false, error: { code: "FINALITY_GUARD_ERROR_REORG_OFF_FINAL_CHAIN", forkHeight, finalHeight, hashAtFinalHeight: toHex(atFinal) } };
  }
  return { ok: true };
}

/** A chain's tip for canFollowChain: a block the store holds, or a new one whose parent it holds. */
export interface ChainTipRef extends ConsumerBlockRef {
  /** Set for a block the store does not hold yet (one being added): its ancestry is asked of this parent. */
  parentHash?: Uint8Array;
}

/** Whether the block store holds the final checkpoint's block (asked at its own height, so it answers in one step). */
function isBlockStored(ancestorHashAt: AncestorHashAt | undefined, k: FinalCheckpointRecord): boolean {
  const h = ancestorOf(ancestorHashAt, k.blockHash, k.height);
  return h !== undefined && bytesEqual(h, k.blockHash);
}

/**
 * The anchor: the highest remembered final checkpoint whose block the store holds, or undefined (no
 * final checkpoint, or the store holds none of their blocks). Normally the newest final checkpoint;
 * an older one while the node has learned finality from the hub faster than it received the blocks.
 * The store holds the anchor's ancestors too, so every final block at or below it is known to the
 * node; above it, the final chain is known only at the remembered checkpoints' heights.
 */
export function getAnchorCheckpoint(state: FinalityGuardState, ancestorHashAt: AncestorHashAt | undefined): FinalCheckpointRecord | undefined {
  for (let i = state.finalized.length - 1; i >= 0; i--) if (isBlockStored(ancestorHashAt, state.finalized[i]!)) return state.finalized[i];
  return undefined;
}

/**
 * Whether the consumer may follow the chain that ends at `tip` — store it as a block (a new block:
 * `parentHash` set, the parent stored) or make it its head (a stored block) — without dropping or
 * contradicting a hub-final block. canReorgTo judges against the newest final block alone; this is
 * the rule for a caller with a block store, which may not hold the newest final block yet (it learned
 * the checkpoint from the hub before it received the block). Judged against the anchor
 * (getAnchorCheckpoint) and every remembered checkpoint up to the tip's height:
 *
 * - the chain's deepest stored block (the parent of a new block, else the tip) below the anchor's
 *   height → FINALITY_GUARD_ERROR_REORG_BELOW_FINAL: a new block at or below the anchor is not the
 *   final chain's (the store holds all of those), and a chain ending below the anchor drops it;
 * - at each remembered checkpoint height from the tip's down to the anchor's (every one up to the tip's
 *   when there is no anchor), the chain must have that checkpoint's block: another block →
 *   REORG_OFF_FINAL_CHAIN, one the store cannot name → UNKNOWN_ANCESTRY. So the chain passes through
 *   the anchor, and a block at a final height whose block is unknown must be that block (the missing
 *   final block arriving), while a block above such a height is refused (its stored ancestry there is
 *   not the unknown final block);
 * - the checkpoints above the tip cannot be judged yet: a block above the anchor and below the next
 *   remembered final height is accepted if it passes through the anchor. That is safe: such a branch
 *   keeps every final block the node has (nothing above the anchor is reported final while its block
 *   is unknown, see isFinal), it can never reach the next final height (only the final block is taken
 *   there), so the final chain outgrows it as soon as its final block arrives, and then it is below the
 *   new anchor and refused.
 *
 * With the newest final block stored this is canReorgTo (of the parent, for a new block). Nothing
 * final: everything is allowed. Malformed input: INVALID_INPUT. Pure; never throws.
 */
export function canFollowChain(state: FinalityGuardState, tip: ChainTipRef, ancestorHashAt: AncestorHashAt): CanReorgResult {
  const invalid = (field: string, reason: string): CanReorgResult => ({ ok: false, error: { code: "FINALITY_GUARD_ERROR_INVALID_INPUT", field, reason } });
  if (!tip || typeof tip !== "object") return invalid("tip", "not an object");
  const isNew = tip.parentHash !== undefined;
  if (!isHeight(tip.height, isNew ? 1 : 0)) return invalid("tip.height", `a safe integer >= ${isNew ? 1 : 0}`);
  if (!isHash(tip.hash)) return invalid("tip.hash", `${HASH_LENGTH} bytes`);
  if (isNew && !isHash(tip.parentHash)) return invalid("tip.parentHash", `${HASH_LENGTH} bytes`);
  if (state.finalized.length === 0) return { ok: true };
  const tipHeight = tip.height;
  // The deepest block of the chain the store holds: the walk for ancestry starts there.
  const forkHeight = isNew ? tipHeight - 1 : tipHeight;
  const from = isNew ? tip.parentHash! : tip.hash;
  const anchor = getAnchorCheckpoint(state, ancestorHashAt);
  if (anchor && forkHeight < anchor.height) return { ok: false, error: { code: "FINALITY_GUARD_ERROR_REORG_BELOW_FINAL", forkHeight, finalHeight: anchor.height } };
  for (let i = state.finalized.length - 1; i >= 0; i--) {
    const k = state.finalized[i]!;
    if (k.height > tipHeight) continue;
    const h = k.height === tipHeight ? tip.hash : k.height === forkHeight ? from : ancestorOf(ancestorHashAt, from, k.height);
    if (!h) return { ok: false, error: { code: "FINALITY_GUARD_ERROR_UNKNOWN_ANCESTRY", forkHeight, finalHeight: k.height } };
    if (!bytesEqual(h, k.blockHash)) {
      return { ok: false, error: { code: "FINALITY_GUARD_ERROR_REORG_OFF_FINAL_CHAIN", forkHeight, finalHeight: k.height, hashAtFinalHeight: toHex(h) } };
    }
    // Below the anchor the store holds one chain through it: the anchor answers for the older ones.
    if (k === anchor) break;
  }
  return { ok: true };
}

/** canReorgTo that throws its FinalityGuardError (REORG_BELOW_FINAL, REORG_OFF_FINAL_CHAIN, UNKNOWN_ANCESTRY, INVALID_INPUT). */
export function assertCanReorgTo(state: FinalityGuardState, forkPoint: ConsumerBlockRef, ancestorHashAt?: AncestorHashAt): void {
  const r = canReorgTo(state, forkPoint, ancestorHashAt);
  if (!r.ok) {
    const e = r.error;
    const message =
      e.code === "FINALITY_GUARD_ERROR_REORG_BELOW_FINAL"
        ? `reorg to height ${e.forkHeight} would drop hub-final blocks up to height ${e.finalHeight}`
        : e.code === "FINALITY_GUARD_ERROR_REORG_OFF_FINAL_CHAIN"
          ? `reorg to height ${e.forkHeight}: its chain has ${e.hashAtFinalHeight} at the hub-final height ${e.finalHeight}, not the final block`
          : e.code === "FINALITY_GUARD_ERROR_UNKNOWN_ANCESTRY"
            ? `reorg to height ${e.forkHeight}: its block at the hub-final height ${e.finalHeight} is unknown`
            : undefined;
    throw new FinalityGuardError(e, message);
  }
}

/**
 * The guard's canonical bytes, what the runtime stores (synced):
 * string("aegis/finality-guard-state") ‖ u8 version (1) ‖ string(consumerId) ‖ u32 count ‖ count ×
 * (u64 height ‖ blockHash ‖ checkpointHash ‖ u64 hubHeight ‖ hubBlockHash ‖ u8 tier (0 bls, 1 zk)),
 * CanonicalWriter conventions (big-endian, u32-length-prefixed strings). One state, one encoding.
 * Throws FINALITY_GUARD_ERROR_INVALID_INPUT for a state decodeFinalityGuardState would refuse.
 */
export function encodeFinalityGuardState(state: FinalityGuardState): Uint8Array {
  const reason = getStateProblem(state);
  if (reason) throw invalidInput("state", reason);
  const w = new CanonicalWriter().string(STATE_DOMAIN).u8(FINALITY_GUARD_STATE_VERSION, "version").string(state.consumerId).u32(state.finalized.length, "count");
  for (const k of state.finalized) {
    w.u64(k.height, "height")
      .fixed(k.blockHash, HASH_LENGTH, "blockHash")
      .fixed(k.checkpointHash, HASH_LENGTH, "checkpointHash")
      .u64(k.hubHeight, "hubHeight")
      .fixed(k.hubBlockHash, HASH_LENGTH, "hubBlockHash")
      .u8(k.tier === "bls" ? 0 : 1, "tier");
  }
  return w.finish();
}

/** What makes a state invalid, or undefined. The invariants processFinalCheckpoint keeps. */
function getStateProblem(state: FinalityGuardState): string | undefined {
  if (!state || typeof state !== "object") return "not an object";
  if (!isConsumerId(state.consumerId)) return "consumerId is not a consumer id";
  if (!Array.isArray(state.finalized)) return "finalized is not a list";
  if (state.finalized.length > FINALITY_GUARD_MAX_CHECKPOINTS) return `more than ${FINALITY_GUARD_MAX_CHECKPOINTS} checkpoints`;
  let prev: FinalCheckpointRecord | undefined;
  for (const [i, k] of state.finalized.entries()) {
    if (!k || typeof k !== "object") return `checkpoint ${i} is not an object`;
    if (!isHeight(k.height, 1)) return `checkpoint ${i}: height is not a safe integer >= 1`;
    if (!isHeight(k.hubHeight, 1)) return `checkpoint ${i}: hubHeight is not a safe integer >= 1`;
    if (!isHash(k.blockHash) || !isHash(k.checkpointHash) || !isHash(k.hubBlockHash)) return `checkpoint ${i}: a hash is not ${HASH_LENGTH} bytes`;
    if (!isTier(k.tier)) return `checkpoint ${i}: tier is not bls or zk`;
    if (prev && !(k.height > prev.height)) return `checkpoint ${i}: heights do not ascend`;
    if (prev && !(k.hubHeight > prev.hubHeight)) return `checkpoint ${i}: hub heights do not ascend`;
    prev = k;
  }
  return undefined;
}

class StateReader {
  private off = 0;
  private readonly view: DataView;
  constructor(private readonly b: Uint8Array) {
    this.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  private need(n: number, what: string): void {
    if (this.b.length - this.off < n) throw corrupt(`truncated at ${what}`);
  }
  u8(what: string): number {
    this.need(1, what);
    return this.b[this.off++]!;
  }
  u32(what: string): number {
    this.need(4, what);
    const v = this.view.getUint32(this.off);
    this.off += 4;
    return v;
  }
  u64(what: string): number {
    this.need(8, what);
    const v = this.view.getBigUint64(this.off);
    this.off += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(`${what} is above 2^53 - 1`);
    return Number(v);
  }
  fixed(n: number, what: string): Uint8Array {
    this.need(n, what);
    const out = this.b.slice(this.off, this.off + n);
    this.off += n;
    return out;
  }
  string(what: string, maxLength: number): string {
    const n = this.u32(`${what} length`);
    if (n > maxLength) throw corrupt(`${what} length ${n} is above ${maxLength}`);
    const bytes = this.fixed(n, what);
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      throw corrupt(`${what} is not UTF-8`);
    }
  }
  get remaining(): number {
    return this.b.length - this.off;
  }
}

function corrupt(reason: string): FinalityGuardError {
  return new FinalityGuardError({ code: "FINALITY_GUARD_ERROR_CORRUPT_STATE", reason }, `finality guard state: ${reason}`);
}

const RECORD_LENGTH = 8 + HASH_LENGTH + HASH_LENGTH + 8 + HASH_LENGTH + 1;

/**
 * The state encodeFinalityGuardState wrote. Checks every length before reading, the domain and the
 * version, the id, the count against FINALITY_GUARD_MAX_CHECKPOINTS and the bytes left, each record,
 * the ordering invariants, and that no byte is left over; throws FINALITY_GUARD_ERROR_CORRUPT_STATE
 * otherwise. Whatever it accepts re-encodes to the same bytes.
 */
export function decodeFinalityGuardState(bytes: Uint8Array): FinalityGuardState {
  if (!(bytes instanceof Uint8Array)) throw corrupt("not bytes");
  const r = new StateReader(bytes);
  const domain = r.string("domain", STATE_DOMAIN.length);
  if (domain !== STATE_DOMAIN) throw corrupt("not a finality guard state (domain)");
  const version = r.u8("version");
  if (version !== FINALITY_GUARD_STATE_VERSION) throw corrupt(`unknown version ${version}`);
  const consumerId = r.string("consumerId", 64);
  if (!isConsumerId(consumerId)) throw corrupt("consumerId is not a consumer id");
  const count = r.u32("count");
  if (count > FINALITY_GUARD_MAX_CHECKPOINTS) throw corrupt(`count ${count} is above ${FINALITY_GUARD_MAX_CHECKPOINTS}`);
  if (r.remaining !== count * RECORD_LENGTH) throw corrupt(`${r.remaining} bytes for ${count} checkpoints of ${RECORD_LENGTH} bytes`);
  const finalized: FinalCheckpointRecord[] = [];
  for (let i = 0; i < count; i++) {
    const height = r.u64("height");
    const blockHash = r.fixed(HASH_LENGTH, "blockHash");
    const checkpointHash = r.fixed(HASH_LENGTH, "checkpointHash");
    const hubHeight = r.u64("hubHeight");
    const hubBlockHash = r.fixed(HASH_LENGTH, "hubBlockHash");
    const t = r.u8("tier");
    if (t > 1) throw corrupt(`checkpoint ${i}: unknown tier ${t}`);
    finalized.push({ height, blockHash, checkpointHash, hubHeight, hubBlockHash, tier: t === 0 ? "bls" : "zk" });
  }
  const state: FinalityGuardState = { consumerId, finalized };
  const problem = getStateProblem(state);
  if (problem) throw corrupt(problem);
  return state;
}
