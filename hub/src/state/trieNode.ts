import {
  encodeHexPrefix,
  encodeRlpBytes,
  encodeRlpList,
  EMPTY_TRIE_ROOT,
  keccak256,
  RLP_EMPTY,
  TRIE_HASH_LENGTH,
  type BranchNode,
  type ExtensionNode,
  type LeafNode,
  type TrieNode,
  type TrieRef,
} from "@aegis/consumer-sdk";

/**
 * Building the state trie's nodes: creating, sealing (encoding and hashing) and detaching them. The node
 * types, their decoding and the proof verifier are the consumer SDK's (`trieNode.ts`, `stateProof.ts`):
 * Ethereum's hexary Merkle Patricia trie with plain keys, keccak-256 node hashes and RLP node encoding,
 * node for node the format of @ethereumjs/mpt (`useKeyHashing: false`).
 *
 * A node's encoding below 32 bytes is embedded in its parent; every other node, and the root whatever
 * its size, is stored under its hash. Nodes are immutable once built, except that `enc` and `hash` are
 * filled in when the node is sealed, and that a stored node's child objects may be replaced by their
 * hashes (`detachChildren`); both keep its meaning.
 */

export function leafNode(path: Uint8Array, value: Uint8Array): LeafNode {
  return { kind: "leaf", path, value };
}

export function extensionNode(path: Uint8Array, child: TrieRef): ExtensionNode {
  return { kind: "extension", path, child };
}

export function branchNode(children: (TrieRef | null)[], value: Uint8Array | null): BranchNode {
  return { kind: "branch", children, value };
}

/**
 * Encodes `node` and every not yet sealed node below it. Each newly sealed node of 32+ bytes gets its
 * hash and is appended to `out` (children before parents). Returns the node's encoding.
 */
export function sealNode(node: TrieNode, out: TrieNode[]): Uint8Array {
  if (node.enc !== undefined) return node.enc;
  let enc: Uint8Array;
  if (node.kind === "leaf") {
    enc = encodeLeaf(node.path, node.value);
  } else if (node.kind === "extension") {
    enc = encodeRlpList([encodeRlpBytes(encodeHexPrefix(node.path, false)), refItem(node.child, out)]);
  } else {
    enc = encodeBranch(node, out);
  }
  node.enc = enc;
  if (enc.length >= TRIE_HASH_LENGTH) {
    node.hash = keccak256(enc);
    out.push(node);
  }
  return enc;
}

/** RLP([hex-prefix(path, leaf), value]) written in one buffer. */
function encodeLeaf(path: Uint8Array, value: Uint8Array): Uint8Array {
  const odd = path.length & 1;
  const hpLen = (path.length >> 1) + 1;
  // A single byte below 0x80 is its own RLP: a leaf's 1-byte hex prefix (0x20 or 0x3n) always is.
  const hpHead = hpLen === 1 ? 0 : headerLength(hpLen);
  const vHead = value.length === 1 && value[0]! < 0x80 ? 0 : headerLength(value.length);
  const len = hpHead + hpLen + vHead + value.length;
  const head = headerLength(len);
  const buf = new Uint8Array(head + len);
  let o = writeLength(buf, 0, 0xc0, head, len);
  if (hpHead) o = writeLength(buf, o, 0x80, hpHead, hpLen);
  let i = 0;
  buf[o++] = odd ? 0x30 | path[i++]! : 0x20;
  for (; i < path.length; i += 2) buf[o++] = (path[i]! << 4) | path[i + 1]!;
  if (vHead) o = writeLength(buf, o, 0x80, vHead, value.length);
  buf.set(value, o);
  return buf;
}

/** Bytes of the RLP header for a payload of `len` bytes (up to 2^24 - 1). */
function headerLength(len: number): number {
  return len <= 55 ? 1 : len < 256 ? 2 : len < 65536 ? 3 : 4;
}

/** Writes an RLP header of `headLen` bytes for a payload of `len` at `o`; returns the offset after it. */
function writeLength(buf: Uint8Array, o: number, base: number, headLen: number, len: number): number {
  if (headLen === 1) {
    buf[o] = base + len;
    return o + 1;
  }
  buf[o] = base + 55 + headLen - 1;
  for (let i = headLen - 1, n = len; i >= 1; i--, n = Math.floor(n / 256)) buf[o + i] = n % 256;
  return o + headLen;
}

/** A branch's encoding, written in one buffer (the hot path of sealing: most new nodes are branches). */
function encodeBranch(node: BranchNode, out: TrieNode[]): Uint8Array {
  const embedded: (Uint8Array | undefined)[] = new Array(16);
  let len = 0;
  for (let i = 0; i < 16; i++) {
    const c = node.children[i]!;
    if (c === null) {
      len += 1;
    } else if (c instanceof Uint8Array) {
      len += 1 + TRIE_HASH_LENGTH;
    } else {
      const enc = sealNode(c, out);
      if (enc.length < TRIE_HASH_LENGTH) {
        embedded[i] = enc;
        len += enc.length;
      } else {
        len += 1 + TRIE_HASH_LENGTH;
      }
    }
  }
  const value = node.value === null ? RLP_EMPTY : encodeRlpBytes(node.value);
  len += value.length;
  const headLen = headerLength(len);
  const buf = new Uint8Array(headLen + len);
  let o = writeLength(buf, 0, 0xc0, headLen, len);
  for (let i = 0; i < 16; i++) {
    const c = node.children[i]!;
    if (c === null) {
      buf[o++] = 0x80;
      continue;
    }
    const e = embedded[i];
    if (e !== undefined) {
      buf.set(e, o);
      o += e.length;
      continue;
    }
    buf[o++] = 0x80 + TRIE_HASH_LENGTH;
    buf.set(c instanceof Uint8Array ? c : c.hash!, o);
    o += TRIE_HASH_LENGTH;
  }
  buf.set(value, o);
  return buf;
}

/**
 * Seals a whole new trie version and returns its root hash. The root is stored even below 32 bytes, so a
 * small root node is appended to `out` as well (a null root is the empty trie).
 */
export function sealRoot(root: TrieRef | null, out: TrieNode[]): Uint8Array {
  if (root === null) return EMPTY_TRIE_ROOT;
  if (root instanceof Uint8Array) return root;
  const enc = sealNode(root, out);
  if (enc.length < TRIE_HASH_LENGTH) {
    root.hash ??= keccak256(enc);
    out.push(root);
  }
  return root.hash!;
}

/** How a parent embeds `ref`: the child's own encoding below 32 bytes, else RLP of its hash. */
function refItem(ref: TrieRef, out: TrieNode[]): Uint8Array {
  if (ref instanceof Uint8Array) return encodeRlpBytes(ref);
  const enc = sealNode(ref, out);
  return enc.length < TRIE_HASH_LENGTH ? enc : encodeRlpBytes(ref.hash!);
}

/**
 * After `node` is stored: its children that are stored on their own (32+ bytes) become hash references,
 * so a cached node does not keep a whole subtree alive.
 */
export function detachChildren(node: TrieNode): void {
  if (node.kind === "extension") {
    node.child = detached(node.child);
  } else if (node.kind === "branch") {
    const cs = node.children;
    for (let i = 0; i < 16; i++) {
      const c = cs[i]!;
      if (c !== null) cs[i] = detached(c);
    }
  }
}

function detached(ref: TrieRef): TrieRef {
  if (ref instanceof Uint8Array || ref.enc === undefined || ref.enc.length < TRIE_HASH_LENGTH) return ref;
  return ref.hash!;
}
