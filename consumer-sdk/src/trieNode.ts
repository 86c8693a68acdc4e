import { keccak256 } from "./hash.js";
import { decodeHexPrefix } from "./nibbles.js";
import { decodeRlp, RLP_EMPTY, type RlpItem } from "./rlp.js";
import { StateProofError } from "./stateProofError.js";

/**
 * Nodes of the state trie: Ethereum's hexary Merkle Patricia trie (yellow paper, appendix D) with plain
 * keys (no key hashing), keccak-256 node hashes and RLP node encoding, node for node the format of
 * @ethereumjs/mpt (`useKeyHashing: false`): the same content gives the same root, and proofs of either
 * implementation verify with the other.
 *
 * A node's encoding below 32 bytes is embedded in its parent; every other node, and the root whatever
 * its size, is referenced by its hash. This module holds the node types and their decoding, which is
 * all a proof verifier needs; building and sealing nodes (the trie itself) is the hub's.
 */

export const TRIE_HASH_LENGTH = 32;

/** A child: a node object, or the hash of a stored node (whose encoding is at least 32 bytes). */
export type TrieRef = TrieNode | Uint8Array;

interface Sealable {
  /** RLP encoding; set once the node is sealed (always set on decoded nodes). */
  enc?: Uint8Array;
  /** keccak-256 of `enc`; set on sealed nodes of 32+ bytes and on a root. */
  hash?: Uint8Array;
}

export interface LeafNode extends Sealable {
  readonly kind: "leaf";
  /** The rest of the key, in nibbles (may be empty). */
  readonly path: Uint8Array;
  readonly value: Uint8Array;
}

export interface ExtensionNode extends Sealable {
  readonly kind: "extension";
  /** Shared nibbles (at least one). */
  readonly path: Uint8Array;
  /** A branch. */
  child: TrieRef;
}

export interface BranchNode extends Sealable {
  readonly kind: "branch";
  /** 16 children by nibble. */
  readonly children: (TrieRef | null)[];
  /** Value of the key that ends here. */
  readonly value: Uint8Array | null;
}

export type TrieNode = LeafNode | ExtensionNode | BranchNode;

/** Root of the empty trie: keccak256(RLP("")). */
export const EMPTY_TRIE_ROOT: Uint8Array = keccak256(RLP_EMPTY);

/**
 * Decodes a node from its RLP encoding (`hash` = keccak256(enc) when the caller looked it up by hash; it is
 * not checked here). Throws STATE_ERROR_CORRUPT when `enc` is not a trie node. Byte strings in the result
 * are views into `enc`.
 */
export function decodeNode(enc: Uint8Array, hash: Uint8Array | undefined): TrieNode {
  const node = nodeOf(decodeRlp(enc), enc);
  if (hash !== undefined) node.hash = hash;
  return node;
}

function nodeOf(item: RlpItem, enc: Uint8Array): TrieNode {
  if (item instanceof Uint8Array) throw corrupt("a node is a list");
  const it = item.items;
  if (it.length === 17) {
    const children: (TrieRef | null)[] = new Array(16);
    for (let i = 0; i < 16; i++) children[i] = refOf(it[i]!);
    const v = it[16]!;
    if (!(v instanceof Uint8Array)) throw corrupt("a branch value is a byte string");
    return { kind: "branch", children, value: v.length === 0 ? null : v, enc };
  }
  if (it.length !== 2) throw corrupt(`a node has 2 or 17 items, not ${it.length}`);
  const [first, second] = it as [RlpItem, RlpItem];
  const hp = first instanceof Uint8Array ? decodeHexPrefix(first) : undefined;
  if (hp === undefined) throw corrupt("bad hex-prefix path");
  if (hp.leaf) {
    if (!(second instanceof Uint8Array) || second.length === 0) throw corrupt("a leaf value is a non-empty byte string");
    return { kind: "leaf", path: hp.path, value: second, enc };
  }
  if (hp.path.length === 0) throw corrupt("an extension has a non-empty path");
  const child = refOf(second);
  if (child === null) throw corrupt("an extension has a child");
  return { kind: "extension", path: hp.path, child, enc };
}

function refOf(item: RlpItem): TrieRef | null {
  if (item instanceof Uint8Array) {
    if (item.length === 0) return null;
    if (item.length === TRIE_HASH_LENGTH) return item;
    throw corrupt(`a child reference of ${item.length} bytes`);
  }
  if (item.raw.length >= TRIE_HASH_LENGTH) throw corrupt("an embedded node of 32+ bytes");
  return nodeOf(item, item.raw);
}

function corrupt(reason: string): StateProofError {
  return new StateProofError({ code: "STATE_ERROR_CORRUPT", key: "", reason: `not a trie node: ${reason}` }, `not a trie node: ${reason}`);
}
