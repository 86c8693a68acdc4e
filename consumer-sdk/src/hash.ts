import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";
import { concatBytes } from "./bytes.js";

export const HASH_LENGTH = 32;

export function sha256(data: Uint8Array): Uint8Array {
  return nobleSha256(data);
}

const LEAF_PREFIX = Uint8Array.of(0);
const INNER_PREFIX = Uint8Array.of(1);
export const EMPTY_MERKLE_ROOT = sha256(new Uint8Array(0));

/**
 * RFC 6962 Merkle tree hash (the one CometBFT uses for tx and evidence roots):
 * leaf = H(0x00 || data), inner = H(0x01 || left || right), split at the largest power of two < n.
 */
export function computeMerkleRoot(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return EMPTY_MERKLE_ROOT;
  return merkleOf(leaves, 0, leaves.length);
}

function merkleOf(leaves: readonly Uint8Array[], start: number, end: number): Uint8Array {
  const n = end - start;
  if (n === 1) return sha256(concatBytes(LEAF_PREFIX, leaves[start]!));
  const k = splitPoint(n);
  return sha256(concatBytes(INNER_PREFIX, merkleOf(leaves, start, start + k), merkleOf(leaves, start + k, end)));
}

function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}
