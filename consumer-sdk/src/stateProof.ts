import { bytesToHex } from "@noble/hashes/utils.js";
import { bytesEqual } from "./bytes.js";
import { keccak256 } from "./hash.js";
import { toNibbles } from "./nibbles.js";
import { StateProofError } from "./stateProofError.js";
import { decodeNode, EMPTY_TRIE_ROOT, TRIE_HASH_LENGTH, type TrieNode, type TrieRef } from "./trieNode.js";

/** State keys are 1..MAX_STATE_KEY_LENGTH bytes (the hub's state store refuses any other). */
export const MAX_STATE_KEY_LENGTH = 256;

/**
 * Checks a Merkle proof (from the hub's `StateStore.getProof`, or @ethereumjs/mpt's createMerkleProof on a
 * plain trie) that `key` has a value, or none, in the state whose root is `root` (a header's `appHash`).
 * Resolves a copy of the proven value, or null when the proof shows the key absent. Throws
 * STATE_ERROR_INVALID_PROOF when the nodes do not lead from `root` to an answer for `key` (missing or
 * altered node, wrong root); STATE_ERROR_INVALID_KEY for a key that is not 1..256 bytes.
 * Pure (no I/O): the nodes are looked up by their keccak-256 hash among `proof`; extra nodes are ignored.
 */
export async function verifyStateProof(root: Uint8Array, key: Uint8Array, proof: readonly Uint8Array[]): Promise<Uint8Array | null> {
  assertStateKey(key);
  if (!(root instanceof Uint8Array) || root.length !== TRIE_HASH_LENGTH) throw invalid(`root is not ${TRIE_HASH_LENGTH} bytes`);
  if (bytesEqual(root, EMPTY_TRIE_ROOT)) return null;
  const byHash = new Map<string, Uint8Array>();
  for (const enc of proof) {
    if (!(enc instanceof Uint8Array)) throw invalid("a proof node is not a Uint8Array");
    byHash.set(bytesToHex(keccak256(enc)), enc);
  }
  const nib = toNibbles(key);
  let ref: TrieRef = root;
  let d = 0;
  for (;;) {
    let node: TrieNode;
    if (ref instanceof Uint8Array) {
      const h = bytesToHex(ref);
      const enc = byHash.get(h);
      if (enc === undefined) throw invalid(`node ${h} is not in the proof`);
      try {
        node = decodeNode(enc, ref);
      } catch (e) {
        throw invalid(`node ${h}: ${e instanceof Error ? e.message : String(e)}`);
      }
    } else {
      node = ref;
    }
    if (node.kind === "leaf") {
      const rest = nib.subarray(d);
      return bytesEqual(rest, node.path) ? new Uint8Array(node.value) : null;
    }
    if (node.kind === "extension") {
      const p = node.path;
      if (nib.length < d + p.length || !bytesEqual(nib.subarray(d, d + p.length), p)) return null;
      d += p.length;
      ref = node.child;
      continue;
    }
    if (d === nib.length) return node.value === null ? null : new Uint8Array(node.value);
    const c: TrieRef | null = node.children[nib[d]!]!;
    if (c === null) return null;
    d++;
    ref = c;
  }
}

/** Throws STATE_ERROR_INVALID_KEY unless `key` is a Uint8Array of 1..MAX_STATE_KEY_LENGTH bytes. */
export function assertStateKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array)) {
    throw new StateProofError({ code: "STATE_ERROR_INVALID_KEY", length: -1, reason: "not a Uint8Array" }, "state key is not a Uint8Array");
  }
  if (key.length < 1 || key.length > MAX_STATE_KEY_LENGTH) {
    throw new StateProofError(
      { code: "STATE_ERROR_INVALID_KEY", length: key.length, reason: `must be 1..${MAX_STATE_KEY_LENGTH} bytes` },
      `state key of ${key.length} bytes: must be 1..${MAX_STATE_KEY_LENGTH} bytes`,
    );
  }
}

function invalid(reason: string): StateProofError {
  return new StateProofError({ code: "STATE_ERROR_INVALID_PROOF", reason }, `invalid state proof: ${reason}`);
}
