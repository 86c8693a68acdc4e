import { BranchMPTNode, ExtensionMPTNode, LeafMPTNode, type MerklePatriciaTrie, type NodeReferenceOrRawMPTNode } from "@ethereumjs/mpt";
import { bytesEqual } from "@aegis/consumer-sdk";

/**
 * Every (key, value) of `trie` whose key starts with `prefix`, in ascending key order, reading only the
 * nodes on the prefix's path and the subtree below it (never the whole state).
 *
 * A plain descent over `lookupNode` (which resolves both hashed and embedded nodes): @ethereumjs/mpt's
 * `walkTrieIterable` visits the whole trie and skips embedded (< 32-byte) nodes, whose hashes are not
 * stored, and `walkTrie`'s controller visits children concurrently (no order).
 */
export async function* iteratePrefix(trie: MerklePatriciaTrie, prefix: Uint8Array): AsyncGenerator<{ key: Uint8Array; value: Uint8Array }> {
  const root = trie.root();
  if (bytesEqual(root, trie.EMPTY_TRIE_ROOT)) return;
  yield* descend(trie, root, [], toNibbles(prefix));
}

async function* descend(
  trie: MerklePatriciaTrie,
  ref: NodeReferenceOrRawMPTNode,
  path: number[],
  want: number[],
): AsyncGenerator<{ key: Uint8Array; value: Uint8Array }> {
  const node = await trie.lookupNode(ref as Uint8Array | Uint8Array[]);
  if (node instanceof BranchMPTNode) {
    if (path.length < want.length) {
      // Still on the prefix's path: follow its next nibble only.
      const nibble = want[path.length]!;
      const child = node.getBranch(nibble);
      if (child !== null) yield* descend(trie, child as NodeReferenceOrRawMPTNode, [...path, nibble], want);
      return;
    }
    const value = node.value();
    if (value !== null) yield { key: fromNibbles(path), value };
    for (const [nibble, child] of node.getChildren()) yield* descend(trie, child, [...path, nibble], want);
  } else if (node instanceof ExtensionMPTNode) {
    const next = path.concat(node.key());
    if (agrees(next, want)) yield* descend(trie, node.value() as unknown as NodeReferenceOrRawMPTNode, next, want);
  } else if (node instanceof LeafMPTNode) {
    const full = path.concat(node.key());
    if (full.length >= want.length && agrees(full, want)) yield { key: fromNibbles(full), value: node.value() };
  }
}

/** Whether `a` and `b` are equal on their common length. */
function agrees(a: readonly number[], b: readonly number[]): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

function toNibbles(key: Uint8Array): number[] {
  const out: number[] = [];
  for (const b of key) out.push(b >> 4, b & 15);
  return out;
}

/** Keys here are whole bytes: an odd nibble path cannot end at a value. */
function fromNibbles(nibbles: readonly number[]): Uint8Array {
  if (nibbles.length % 2 !== 0) throw new Error("trie key of an odd number of nibbles");
  const out = new Uint8Array(nibbles.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = (nibbles[2 * i]! << 4) | nibbles[2 * i + 1]!;
  return out;
}
