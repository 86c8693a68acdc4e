import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { concatBytes } from "./bytes.js";

export const HASH_LENGTH = 32;

/**
 * Node's OpenSSL SHA-256 where there is one (3-10x faster than JS on the small inputs hashed here:
 * headers, Merkle nodes, transactions); @noble/hashes elsewhere (browsers). Same function either way.
 */
const nodeCreateHash: ((alg: string) => { update(d: Uint8Array): { digest(): Uint8Array } }) | null = await (async () => {
  try {
    return typeof process !== "undefined" && process.versions?.node ? (await import("node:crypto")).createHash : null;
  } catch {
    return null;
  }
})();

export function sha256(data: Uint8Array): Uint8Array {
  if (nodeCreateHash) {
    return new Uint8Array(nodeCreateHash("sha256").update(data).digest()); // a copy: never a view into a shared pool
  }
  return nobleSha256(data);
}

/** The pure-JS SHA-256 (for cross-checks against the native one). */
export function sha256Js(data: Uint8Array): Uint8Array {
  return nobleSha256(data);
}

/** Keccak-256 (Ethereum's, not SHA3-256): the node hash of the state trie. */
export function keccak256(data: Uint8Array): Uint8Array {
  return keccak_256(data);
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
