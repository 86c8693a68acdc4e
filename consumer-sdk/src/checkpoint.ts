import { ed25519 } from "@noble/curves/ed25519.js";
import { bytesEqual, utf8 } from "./bytes.js";
import { CanonicalWriter } from "./canonicalWriter.js";
import { isStrictEd25519PublicKey, verifyEd25519Strict } from "./ed25519Strict.js";
import { AegisError } from "./errors.js";
import { computeMerkleRoot, EMPTY_MERKLE_ROOT, HASH_LENGTH, sha256 } from "./hash.js";
import { computeMerkleLeafHash, computeMerklePathLength, computeMerkleProof, MAX_MERKLE_PROOF_DEPTH, verifyMerkleProof, type MerkleProof } from "./merkleProof.js";

/**
 * Consumer checkpoints: what a consumer chain's block producer signs and the hub records, the
 * chain of checkpoints (each names its predecessor's hash), and the consumer-checkpoint root a hub
 * header carries (an RFC 6962 Merkle tree over the latest checkpoint of every consumer, sorted by
 * consumer id), with its inclusion proofs. Pure; runs in a browser.
 */
export interface ConsumerCheckpoint {
  /** isConsumerId: 1–64 of a-z 0-9 - _ . */
  consumerId: string;
  /** The consumer block's height (≥ 1); strictly increasing along a consumer's checkpoints. */
  height: number;
  /** The consumer block's hash (32 bytes). */
  blockHash: Uint8Array;
  /** computeCheckpointHash of the consumer's previous checkpoint; all zeros for its first. */
  parentCheckpointHash: Uint8Array;
  /** The consumer's state root after the block (32 bytes). */
  stateRoot: Uint8Array;
}

/** A checkpoint with the producer signature that vouches for it (`producerIndex` into the consumer's producer keys). */
export interface SignedConsumerCheckpoint {
  checkpoint: ConsumerCheckpoint;
  producerIndex: number;
  signature: Uint8Array;
}

export const MAX_CONSUMER_ID_LENGTH = 64;
export const CHECKPOINT_PRODUCER_KEY_LENGTH = 32;
export const CHECKPOINT_SIGNATURE_LENGTH = 64;
/** parentCheckpointHash of a consumer's first checkpoint. */
export const ZERO_CHECKPOINT_HASH: Uint8Array = new Uint8Array(HASH_LENGTH);

const CHECKPOINT_DOMAIN = "aegis/consumer-checkpoint/v1";
const CHECKPOINT_SIGN_DOMAIN = "aegis/checkpoint/v1";
const CONSUMER_ID_RE = /^[a-z0-9._-]+$/;

export type CheckpointErrorType =
  /** A field has the wrong form (id, height, a hash's length). */
  | { code: "CHECKPOINT_ERROR_MALFORMED"; field: string; reason: string }
  /** An inclusion proof's shape cannot fit any tree (index ≥ total, path too long or too short, sibling length). */
  | { code: "CHECKPOINT_ERROR_INVALID_PROOF"; reason: string }
  /** A well-formed proof leads to another root than the header's consumerCheckpointRoot. */
  | { code: "CHECKPOINT_ERROR_NOT_INCLUDED"; consumerId: string; height: number }
  /** Two checkpoints of one consumer given for one root (the root holds one per consumer). */
  | { code: "CHECKPOINT_ERROR_DUPLICATE_CONSUMER"; consumerId: string }
  /** The consumer has no checkpoint among those the root is computed from. */
  | { code: "CHECKPOINT_ERROR_UNKNOWN_CONSUMER"; consumerId: string };

export class CheckpointError extends AegisError<CheckpointErrorType> {}

/** A consumer id: 1 to 64 of a-z, 0-9, `-`, `_` and `.` (like a chain id, lower case). */
export function isConsumerId(id: unknown): id is string {
  return typeof id === "string" && id.length >= 1 && id.length <= MAX_CONSUMER_ID_LENGTH && CONSUMER_ID_RE.test(id);
}

const malformed = (field: string, reason: string) => new CheckpointError({ code: "CHECKPOINT_ERROR_MALFORMED", field, reason }, `checkpoint.${field}: ${reason}`);

/** Throws CHECKPOINT_ERROR_MALFORMED unless every field has its form. */
export function assertValidCheckpointFields(cp: ConsumerCheckpoint): void {
  if (!cp || typeof cp !== "object") throw malformed("", "not an object");
  if (!isConsumerId(cp.consumerId)) throw malformed("consumerId", `1-${MAX_CONSUMER_ID_LENGTH} characters of a-z 0-9 - _ .`);
  if (!Number.isSafeInteger(cp.height) || cp.height < 1) throw malformed("height", "a safe integer >= 1");
  for (const f of ["blockHash", "parentCheckpointHash", "stateRoot"] as const) {
    const b = cp[f];
    if (!(b instanceof Uint8Array) || b.length !== HASH_LENGTH) throw malformed(f, `${HASH_LENGTH} bytes`);
  }
}

/**
 * The canonical encoding: string("aegis/consumer-checkpoint/v1") ‖ string(consumerId) ‖ u64 height ‖
 * blockHash ‖ parentCheckpointHash ‖ stateRoot (CanonicalWriter: strings u32-length-prefixed,
 * integers big-endian). It is the leaf data of the consumer-checkpoint tree and what
 * computeCheckpointHash hashes. Throws CHECKPOINT_ERROR_MALFORMED.
 */
export function encodeCheckpointCanonical(cp: ConsumerCheckpoint): Uint8Array {
  assertValidCheckpointFields(cp);
  return new CanonicalWriter()
    .string(CHECKPOINT_DOMAIN)
    .string(cp.consumerId)
    .u64(cp.height, "height")
    .fixed(cp.blockHash, HASH_LENGTH, "blockHash")
    .fixed(cp.parentCheckpointHash, HASH_LENGTH, "parentCheckpointHash")
    .fixed(cp.stateRoot, HASH_LENGTH, "stateRoot")
    .finish();
}

/** SHA-256 of the canonical encoding: what the consumer's next checkpoint names as its parent. */
export function computeCheckpointHash(cp: ConsumerCheckpoint): Uint8Array {
  return sha256(encodeCheckpointCanonical(cp));
}

/** The checkpoint's leaf hash in the consumer-checkpoint tree (computeMerkleLeafHash of the canonical encoding). */
export function computeCheckpointLeafHash(cp: ConsumerCheckpoint): Uint8Array {
  return computeMerkleLeafHash(encodeCheckpointCanonical(cp));
}

/** Whether two checkpoints are the same (same canonical encoding). */
export function isSameCheckpoint(a: ConsumerCheckpoint, b: ConsumerCheckpoint): boolean {
  return bytesEqual(encodeCheckpointCanonical(a), encodeCheckpointCanonical(b));
}

/**
 * What a producer signs: string("aegis/checkpoint/v1") ‖ string(hubChainId) ‖ the canonical
 * encoding. Bound to the hub chain, so a signature cannot be replayed on another hub.
 */
export function computeCheckpointSignBytes(hubChainId: string, cp: ConsumerCheckpoint): Uint8Array {
  if (typeof hubChainId !== "string" || hubChainId.length === 0) throw malformed("hubChainId", "a non-empty string");
  return new CanonicalWriter().string(CHECKPOINT_SIGN_DOMAIN).string(hubChainId).bytes(encodeCheckpointCanonical(cp)).finish();
}

/** An ed25519 (RFC 8032) signature of the checkpoint's sign bytes with a 32-byte producer secret key. */
export function signCheckpoint(secretKey: Uint8Array, hubChainId: string, cp: ConsumerCheckpoint): Uint8Array {
  return ed25519.sign(computeCheckpointSignBytes(hubChainId, cp), secretKey);
}

/** The 32-byte ed25519 public key of a producer secret key. */
export function getCheckpointProducerPublicKey(secretKey: Uint8Array): Uint8Array {
  return ed25519.getPublicKey(secretKey);
}

/**
 * Whether `publicKey` is usable as a producer key: 32 bytes, a canonical encoding of a curve point
 * that is not of small order (a small-order key makes signatures that verify for many messages).
 */
export function isValidCheckpointProducerKey(publicKey: Uint8Array): boolean {
  return isStrictEd25519PublicKey(publicKey);
}

/**
 * Whether `signature` (64 bytes) is `publicKey`'s ed25519 signature of the checkpoint's sign bytes
 * for `hubChainId`. Strict, cofactorless RFC 8032 verification (canonical encodings, S < L, the
 * equation checked exactly; ed25519Strict.ts): what OpenSSL computes, so Node verifies through it and a
 * browser through noble with the same answers, and any other verifier can reproduce it. Never throws:
 * malformed input is false.
 */
export function isValidCheckpointSignature(publicKey: Uint8Array, hubChainId: string, cp: ConsumerCheckpoint, signature: Uint8Array): boolean {
  if (!isValidCheckpointProducerKey(publicKey)) return false;
  if (!(signature instanceof Uint8Array) || signature.length !== CHECKPOINT_SIGNATURE_LENGTH) return false;
  let msg: Uint8Array;
  try {
    msg = computeCheckpointSignBytes(hubChainId, cp);
  } catch {
    return false;
  }
  return verifyEd25519Strict(publicKey, msg, signature);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/**
 * The checkpoints in tree order (consumer id ascending, by the bytes of the UTF-8 id) with their
 * leaf data. Throws CHECKPOINT_ERROR_MALFORMED or CHECKPOINT_ERROR_DUPLICATE_CONSUMER.
 */
function sortedLeaves(checkpoints: readonly ConsumerCheckpoint[]): { checkpoint: ConsumerCheckpoint; leaf: Uint8Array }[] {
  const items = checkpoints.map((checkpoint) => ({ checkpoint, id: utf8(checkpoint.consumerId), leaf: encodeCheckpointCanonical(checkpoint) }));
  items.sort((x, y) => compareBytes(x.id, y.id));
  for (let i = 1; i < items.length; i++) {
    if (compareBytes(items[i - 1]!.id, items[i]!.id) === 0) {
      const consumerId = items[i]!.checkpoint.consumerId;
      throw new CheckpointError({ code: "CHECKPOINT_ERROR_DUPLICATE_CONSUMER", consumerId }, `two checkpoints of consumer ${consumerId}`);
    }
  }
  return items.map(({ checkpoint, leaf }) => ({ checkpoint, leaf }));
}

/**
 * The consumer-checkpoint root of a hub header: the RFC 6962 Merkle root (computeMerkleRoot) over
 * the canonical encodings of the latest checkpoint of every consumer, sorted by consumer id
 * (ascending bytes). No checkpoints: EMPTY_MERKLE_ROOT. The order of `checkpoints` does not matter.
 */
export function computeConsumerCheckpointRoot(checkpoints: readonly ConsumerCheckpoint[]): Uint8Array {
  if (checkpoints.length === 0) return EMPTY_MERKLE_ROOT;
  return computeMerkleRoot(sortedLeaves(checkpoints).map((x) => x.leaf));
}

/**
 * The inclusion proof of `consumerId`'s checkpoint in the root computeConsumerCheckpointRoot gives
 * for `checkpoints` (what a hub API serves). Throws CHECKPOINT_ERROR_UNKNOWN_CONSUMER when the
 * consumer has none there.
 */
export function computeCheckpointInclusionProof(
  checkpoints: readonly ConsumerCheckpoint[],
  consumerId: string,
): { checkpoint: ConsumerCheckpoint; proof: MerkleProof } {
  const items = sortedLeaves(checkpoints);
  const index = items.findIndex((x) => x.checkpoint.consumerId === consumerId);
  if (index < 0) throw new CheckpointError({ code: "CHECKPOINT_ERROR_UNKNOWN_CONSUMER", consumerId }, `no checkpoint of consumer ${consumerId}`);
  return { checkpoint: items[index]!.checkpoint, proof: computeMerkleProof(items.map((x) => x.leaf), index) };
}

/**
 * Throws unless `proof` shows `cp` in `header.consumerCheckpointRoot` (a header the caller has
 * already verified, e.g. with a finality certificate): CHECKPOINT_ERROR_MALFORMED (the checkpoint),
 * CHECKPOINT_ERROR_INVALID_PROOF (a proof no tree has), CHECKPOINT_ERROR_NOT_INCLUDED (another root).
 * Cheapest checks first; the hashing is last.
 */
export function verifyCheckpointInclusion(cp: ConsumerCheckpoint, proof: MerkleProof, header: { consumerCheckpointRoot: Uint8Array }): void {
  const leaf = encodeCheckpointCanonical(cp);
  const invalid = (reason: string) => new CheckpointError({ code: "CHECKPOINT_ERROR_INVALID_PROOF", reason }, `checkpoint inclusion proof: ${reason}`);
  if (!proof || typeof proof !== "object") throw invalid("not an object");
  const { index, total, siblings } = proof;
  if (!Number.isSafeInteger(total) || total < 1) throw invalid("total must be a positive integer");
  if (!Number.isSafeInteger(index) || index < 0 || index >= total) throw invalid(`index ${index} is not below total ${total}`);
  if (!Array.isArray(siblings) || siblings.length > MAX_MERKLE_PROOF_DEPTH) throw invalid("siblings must be a list of at most 64 hashes");
  if (!siblings.every((s) => s instanceof Uint8Array && s.length === HASH_LENGTH)) throw invalid(`every sibling must be ${HASH_LENGTH} bytes`);
  // The path length of leaf `index` in a tree of `total` is fixed; any other is not a proof.
  if (siblings.length !== computeMerklePathLength(index, total)) throw invalid(`${siblings.length} siblings, a tree of ${total} has ${computeMerklePathLength(index, total)} above leaf ${index}`);
  const root = header?.consumerCheckpointRoot;
  if (!(root instanceof Uint8Array) || root.length !== HASH_LENGTH) throw malformed("header.consumerCheckpointRoot", `${HASH_LENGTH} bytes`);
  if (!verifyMerkleProof(leaf, proof, root)) {
    throw new CheckpointError(
      { code: "CHECKPOINT_ERROR_NOT_INCLUDED", consumerId: cp.consumerId, height: cp.height },
      `checkpoint ${cp.consumerId}@${cp.height} is not in the header's consumer-checkpoint root`,
    );
  }
}
