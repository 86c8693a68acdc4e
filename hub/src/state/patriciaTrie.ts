import { bytesEqual, EMPTY_TRIE_ROOT, toNibbles, type BranchNode, type ExtensionNode, type TrieNode, type TrieRef } from "@aegis/consumer-sdk";
import { branchNode, extensionNode, leafNode, sealRoot } from "./trieNode.js";

/** Where the trie reads stored nodes from. */
export interface TrieNodeLoader {
  /** The stored node with this hash if it is at hand in memory. */
  peek(hash: Uint8Array): TrieNode | undefined;
  /** The stored node with this hash; throws STATE_ERROR_CORRUPT when it is missing. */
  load(hash: Uint8Array): Promise<TrieNode>;
}

/**
 * Optional knowledge of the trie's content from elsewhere (the state store keeps every key-value in
 * memory): the only entry whose key starts with the first `depth` nibbles of `nibbles`, or undefined when
 * there are none, several, or it cannot tell. A subtree with exactly one entry is a single leaf, so such a
 * leaf need not be read from disk. A wrong answer gives a wrong root: only give answers about the version
 * being updated.
 */
export type TrieLeafHint = (nibbles: Uint8Array, depth: number) => readonly [Uint8Array, Uint8Array] | undefined;

/** One change for `update`: the key in nibbles, the new value or null to delete. */
export interface TrieChange {
  nibbles: Uint8Array;
  value: Uint8Array | null;
}

/** A new trie version, not yet stored. */
export interface TrieUpdate {
  root: Uint8Array;
  /** The nodes to store (hash and enc set): each new node of 32+ bytes, and the root node. */
  nodes: TrieNode[];
}

/**
 * Batched updates of the Merkle Patricia trie (format: see trieNode.ts). A whole set of changes is applied
 * in one pass over the affected subtrees, copy-on-write (stored versions are never modified), and every
 * new node is encoded and hashed exactly once at the end. @ethereumjs/mpt re-hashes the path to the root
 * for every single key, which made 5,000 changes cost 1-2 s; here it is one hash per new node.
 */
export class PatriciaTrie {
  readonly #nodes: TrieNodeLoader;

  constructor(_opts: object, modules: { nodes: TrieNodeLoader }) {
    this.#nodes = modules.nodes;
  }

  /**
   * The trie `root` with `changes` applied. `changes` must be sorted by key with distinct keys (the order
   * of StateView.changes()); deleting an absent key is a no-op. Nothing is stored.
   */
  async update(root: Uint8Array, changes: readonly TrieChange[], hint?: TrieLeafHint): Promise<TrieUpdate> {
    const rootRef: TrieRef | null = bytesEqual(root, EMPTY_TRIE_ROOT) ? null : root;
    const run = new UpdateRun(this.#nodes, changes, hint);
    const next = changes.length === 0 ? rootRef : await run.update(rootRef, 0, 0, changes.length);
    const nodes: TrieNode[] = [];
    return { root: sealRoot(next, nodes), nodes };
  }

  /**
   * The value at `key` in the version `root` and its proof: the stored nodes on the key's path, root first
   * (nodes embedded in a parent are not listed). A null value with its proof proves absence.
   */
  async prove(root: Uint8Array, key: Uint8Array): Promise<{ value: Uint8Array | null; proof: Uint8Array[] }> {
    const proof: Uint8Array[] = [];
    if (bytesEqual(root, EMPTY_TRIE_ROOT)) return { value: null, proof };
    const nib = toNibbles(key);
    let ref: TrieRef = root;
    let d = 0;
    for (;;) {
      let node: TrieNode;
      if (ref instanceof Uint8Array) {
        node = await this.#nodes.load(ref);
        proof.push(node.enc!);
      } else {
        node = ref;
      }
      if (node.kind === "leaf") {
        return { value: nibblesEqualAt(nib, d, node.path) && nib.length === d + node.path.length ? node.value : null, proof };
      }
      if (node.kind === "extension") {
        if (!nibblesEqualAt(nib, d, node.path)) return { value: null, proof };
        d += node.path.length;
        ref = node.child;
        continue;
      }
      if (d === nib.length) return { value: node.value, proof };
      const c: TrieRef | null = node.children[nib[d]!]!;
      if (c === null) return { value: null, proof };
      d++;
      ref = c;
    }
  }
}

/** One `update` call: the changes, and how to find nodes. */
class UpdateRun {
  readonly #nodes: TrieNodeLoader;
  readonly #ch: readonly TrieChange[];
  readonly #hint: TrieLeafHint | undefined;

  constructor(nodes: TrieNodeLoader, ch: readonly TrieChange[], hint: TrieLeafHint | undefined) {
    this.#nodes = nodes;
    this.#ch = ch;
    this.#hint = hint;
  }

  /** The node `ref` at depth d, whose path starts with the first d nibbles of `nibbles`. */
  #resolve(ref: TrieRef, nibbles: Uint8Array, d: number): TrieNode | Promise<TrieNode> {
    if (!(ref instanceof Uint8Array)) return ref;
    const cached = this.#nodes.peek(ref);
    if (cached !== undefined) return cached;
    const e = this.#hint?.(nibbles, d);
    if (e !== undefined) return leafNode(toNibbles(e[0]).subarray(d), e[1]);
    return this.#nodes.load(ref);
  }

  /** `ref` (the subtree at nibble depth d) with changes[lo, hi) applied; `ref` itself when nothing changed. */
  async update(ref: TrieRef | null, d: number, lo: number, hi: number): Promise<TrieRef | null> {
    const ch = this.#ch;
    if (ref === null) return buildPuts(d, ch, lo, hi);
    const node = await this.#resolve(ref, ch[lo]!.nibbles, d);
    let r: TrieRef | null;
    if (node.kind === "leaf") r = updateLeaf(node.path, node.value, node, d, ch, lo, hi);
    else if (node.kind === "extension") r = await this.#updateExtension(node, d, lo, hi);
    else r = await this.#updateBranch(node, d, lo, hi);
    return r === node ? ref : r;
  }

  async #updateExtension(node: ExtensionNode, d: number, lo: number, hi: number): Promise<TrieRef | null> {
    const ch = this.#ch;
    const { path, child } = node;
    // Keys under one prefix are contiguous in sorted order: checking the first and the last suffices.
    if (nibblesEqualAt(ch[lo]!.nibbles, d, path) && nibblesEqualAt(ch[hi - 1]!.nibbles, d, path)) {
      const next = await this.update(child, d + path.length, lo, hi);
      if (next === child) return node;
      if (next === null) return null;
      return prefixed(path, await this.#resolve(next, ch[lo]!.nibbles, d + path.length), next);
    }
    // Some key leaves the shared path: split the extension into a branch here and update that.
    const children: (TrieRef | null)[] = new Array(16).fill(null);
    children[path[0]!] = path.length === 1 ? child : extensionNode(path.subarray(1), child);
    const branch = branchNode(children, null);
    const r = await this.#updateBranch(branch, d, lo, hi);
    return r === branch ? node : r;
  }

  async #updateBranch(node: BranchNode, d: number, lo: number, hi: number): Promise<TrieRef | null> {
    const ch = this.#ch;
    let i = lo;
    let value = node.value;
    let changed = false;
    if (ch[i]!.nibbles.length === d) {
      const v = ch[i]!.value;
      if (!sameValue(v, value)) {
        value = v;
        changed = true;
      }
      i++;
    }
    const slots: number[] = [];
    const pending: Promise<TrieRef | null>[] = [];
    while (i < hi) {
      const n = ch[i]!.nibbles[d]!;
      let j = i + 1;
      while (j < hi && ch[j]!.nibbles[d] === n) j++;
      slots.push(n);
      pending.push(this.update(node.children[n]!, d + 1, i, j));
      i = j;
    }
    const results = pending.length === 1 ? [await pending[0]!] : await Promise.all(pending);
    let children = node.children;
    for (let k = 0; k < slots.length; k++) {
      const n = slots[k]!;
      if (results[k] !== children[n]) {
        if (children === node.children) children = children.slice();
        children[n] = results[k]!;
        changed = true;
      }
    }
    if (!changed) return node;
    // Keep the trie canonical: a branch holds at least two of (value, children).
    let count = 0;
    let only = -1;
    for (let n = 0; n < 16; n++) {
      if (children[n] !== null) {
        count++;
        only = n;
      }
    }
    if (count === 0) return value === null ? null : leafNode(new Uint8Array(0), value);
    if (count === 1 && value === null) {
      const ref = children[only]!;
      const at = new Uint8Array(d + 1);
      at.set(ch[lo]!.nibbles.subarray(0, d));
      at[d] = only;
      return prefixed(Uint8Array.of(only), await this.#resolve(ref, at, d + 1), ref);
    }
    return branchNode(children, value);
  }
}

/** The node `child` (whose reference is `ref`) under the nibbles `path`: paths merge, a branch gets an extension. */
function prefixed(path: Uint8Array, child: TrieNode, ref: TrieRef): TrieNode {
  if (child.kind === "leaf") return leafNode(concatNibbles(path, child.path), child.value);
  if (child.kind === "extension") return extensionNode(concatNibbles(path, child.path), child.child);
  return extensionNode(path, ref);
}

/** A leaf (key: the changes' first d nibbles + `path`) with changes[lo, hi) applied; `node` when unchanged. */
function updateLeaf(
  path: Uint8Array,
  value: Uint8Array,
  node: TrieNode,
  d: number,
  ch: readonly TrieChange[],
  lo: number,
  hi: number,
): TrieNode | null {
  const full = concatNibbles(ch[lo]!.nibbles.subarray(0, d), path);
  const leaf: TrieChange = { nibbles: full, value };
  const entries: TrieChange[] = [];
  let placed = false;
  let changed = false;
  for (let i = lo; i < hi; i++) {
    const c = ch[i]!;
    const cmp = compareNibbles(c.nibbles, full);
    if (!placed && cmp > 0) {
      entries.push(leaf);
      placed = true;
    }
    if (cmp === 0) {
      placed = true;
      if (c.value === null) {
        changed = true;
      } else if (bytesEqual(c.value, value)) {
        entries.push(leaf);
      } else {
        entries.push(c);
        changed = true;
      }
    } else if (c.value !== null) {
      entries.push(c);
      changed = true;
    }
  }
  if (!changed) return node;
  if (!placed) entries.push(leaf);
  return build(d, entries, 0, entries.length);
}

/** A new subtree at depth d holding the puts among changes[lo, hi). */
function buildPuts(d: number, ch: readonly TrieChange[], lo: number, hi: number): TrieNode | null {
  let allPuts = true;
  for (let i = lo; i < hi && allPuts; i++) if (ch[i]!.value === null) allPuts = false;
  if (allPuts) return build(d, ch, lo, hi);
  const puts = ch.slice(lo, hi).filter((c) => c.value !== null);
  return build(d, puts, 0, puts.length);
}

/** A new subtree at depth d for the entries [lo, hi) (sorted, distinct keys, non-null values). */
function build(d: number, es: readonly TrieChange[], lo: number, hi: number): TrieNode | null {
  if (hi === lo) return null;
  const first = es[lo]!.nibbles;
  if (hi - lo === 1) return leafNode(first.subarray(d), es[lo]!.value!);
  const last = es[hi - 1]!.nibbles;
  const max = Math.min(first.length, last.length) - d;
  let cp = 0;
  while (cp < max && first[d + cp] === last[d + cp]) cp++;
  if (cp > 0) return extensionNode(first.subarray(d, d + cp), buildBranch(d + cp, es, lo, hi));
  return buildBranch(d, es, lo, hi);
}

function buildBranch(d: number, es: readonly TrieChange[], lo: number, hi: number): BranchNode {
  let i = lo;
  let value: Uint8Array | null = null;
  if (es[i]!.nibbles.length === d) value = es[i++]!.value;
  const children: (TrieRef | null)[] = new Array(16).fill(null);
  while (i < hi) {
    const n = es[i]!.nibbles[d]!;
    let j = i + 1;
    while (j < hi && es[j]!.nibbles[d] === n) j++;
    children[n] = build(d + 1, es, i, j);
    i = j;
  }
  return branchNode(children, value);
}

/** Root of a trie holding exactly `entries` (sorted by key, distinct), with the nodes to store. Pure. */
export function buildTrie(entries: readonly (readonly [Uint8Array, Uint8Array])[]): { root: Uint8Array; nodes: TrieNode[] } {
  const es: TrieChange[] = entries.map(([k, v]) => ({ nibbles: toNibbles(k), value: v }));
  const nodes: TrieNode[] = [];
  return { root: sealRoot(build(0, es, 0, es.length), nodes), nodes };
}

function sameValue(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b;
  return bytesEqual(a, b);
}

/** Whether `a` has the nibbles `path` at offset d. */
function nibblesEqualAt(a: Uint8Array, d: number, path: Uint8Array): boolean {
  if (a.length < d + path.length) return false;
  for (let i = 0; i < path.length; i++) if (a[d + i] !== path[i]) return false;
  return true;
}

function compareNibbles(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function concatNibbles(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
