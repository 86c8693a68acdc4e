import { bytesEqual, concatBytes } from "./bytes.js";
import { EMPTY_MERKLE_ROOT, HASH_LENGTH, sha256 } from "./hash.js";

/**
 * Audit paths of the RFC 6962 Merkle tree that computeMerkleRoot (hash.ts) defines: leaf =
 * SHA-256(0x00 ‖ data), inner = SHA-256(0x01 ‖ left ‖ right), the left subtree holding the largest
 * power of two < n leaves. A path is the sibling hashes from the leaf up to the root (RFC 6962
 * §2.1.1, RFC 9162 §2.1.3); its verification needs only SHA-256 and integer shifts, so an EVM
 * contract checks it with the sha256 precompile in ~log2(n) calls.
 */
export interface MerkleProof {
  /** Position of the leaf, 0-based. */
  index: number;
  /** Number of leaves in the tree. */
  total: number;
  /** Sibling hashes, leaf level first. */
  siblings: Uint8Array[];
}

/** Longest audit path a tree of up to 2^53 leaves can have. */
export const MAX_MERKLE_PROOF_DEPTH = 64;

const LEAF = Uint8Array.of(0);
const INNER = Uint8Array.of(1);

export function computeMerkleLeafHash(data: Uint8Array): Uint8Array {
  return sha256(concatBytes(LEAF, data));
}

function innerHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(concatBytes(INNER, left, right));
}

function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function subtreeRoot(hashes: readonly Uint8Array[], start: number, end: number): Uint8Array {
  if (end - start === 1) return hashes[start]!;
  const k = splitPoint(end - start);
  return innerHash(subtreeRoot(hashes, start, start + k), subtreeRoot(hashes, start + k, end));
}

/**
 * The root computeMerkleRoot gives for leaves whose leaf hashes (computeMerkleLeafHash) are
 * `leafHashes`, in order: for a caller that keeps leaf hashes instead of leaf data. None:
 * EMPTY_MERKLE_ROOT.
 */
export function computeMerkleRootOfLeafHashes(leafHashes: readonly Uint8Array[]): Uint8Array {
  if (leafHashes.length === 0) return EMPTY_MERKLE_ROOT;
  return subtreeRoot(leafHashes, 0, leafHashes.length);
}

/** The audit path of leaf `index` (RFC 6962 PATH(m, D[n])). Throws RangeError for an index outside the leaves. */
export function computeMerkleProof(leaves: readonly Uint8Array[], index: number): MerkleProof {
  if (!Number.isSafeInteger(index) || index < 0 || index >= leaves.length) {
    throw new RangeError(`Merkle proof: index ${index} is not a leaf of a tree of ${leaves.length}`);
  }
  const hashes = leaves.map(computeMerkleLeafHash);
  const siblings: Uint8Array[] = [];
  // Walk down from the root, collecting the sibling subtree of each level; reversed at the end.
  let start = 0;
  let end = hashes.length;
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (index < start + k) {
      siblings.push(subtreeRoot(hashes, start + k, end));
      end = start + k;
    } else {
      siblings.push(subtreeRoot(hashes, start, start + k));
      start += k;
    }
  }
  return { index, total: leaves.length, siblings: siblings.reverse() };
}

/**
 * The root an audit path leads to from `leafData`, or undefined when the path cannot belong to a
 * tree of `total` leaves at `index` (wrong length, sibling not 32 bytes). RFC 9162 §2.1.3.2.
 */
export function computeMerkleRootFromProof(leafData: Uint8Array, proof: MerkleProof): Uint8Array | undefined {
  const { index, total, siblings } = proof;
  if (!Number.isSafeInteger(total) || !Number.isSafeInteger(index) || total < 1 || index < 0 || index >= total) return undefined;
  if (!Array.isArray(siblings) || siblings.length > MAX_MERKLE_PROOF_DEPTH) return undefined;
  // Integer arithmetic on numbers up to 2^53: halving with Math.floor is exact.
  let fn = index;
  let sn = total - 1;
  let r = computeMerkleLeafHash(leafData);
  for (const p of siblings) {
    if (!(p instanceof Uint8Array) || p.length !== HASH_LENGTH || sn === 0) return undefined;
    if (fn % 2 === 1 || fn === sn) {
      r = innerHash(p, r);
      // A right-most node without a right sibling at this level: climb until it is a right child.
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = innerHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : undefined;
}

/** Whether `proof` shows `leafData` at `proof.index` of a tree of `proof.total` leaves with root `root`. */
export function verifyMerkleProof(leafData: Uint8Array, proof: MerkleProof, root: Uint8Array): boolean {
  const r = computeMerkleRootFromProof(leafData, proof);
  return r !== undefined && root instanceof Uint8Array && bytesEqual(r, root);
}

/** The number of siblings on the path of leaf `index` in a tree of `total` leaves. */
export function computeMerklePathLength(index: number, total: number): number {
  let depth = 0;
  let start = 0;
  let end = total;
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (index < start + k) end = start + k;
    else start += k;
    depth++;
  }
  return depth;
}
