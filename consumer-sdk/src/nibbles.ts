/**
 * Nibble paths of the state trie: a key's half-bytes, and their hex-prefix encoding in leaf and
 * extension nodes (Ethereum yellow paper, appendix C).
 */

/** Half-bytes (0..15) of a key, high half first: the path of the key in the trie. */
export function toNibbles(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(key.length * 2);
  for (let i = 0; i < key.length; i++) {
    out[2 * i] = key[i]! >> 4;
    out[2 * i + 1] = key[i]! & 15;
  }
  return out;
}

/** Hex-prefix encoding of a node path (Ethereum yellow paper, appendix C): flags 2 = leaf, 1 = odd length. */
export function encodeHexPrefix(path: Uint8Array, leaf: boolean): Uint8Array {
  const odd = path.length & 1;
  const out = new Uint8Array((path.length >> 1) + 1);
  const flag = (leaf ? 2 : 0) + odd;
  let i = 0;
  if (odd) out[0] = (flag << 4) | path[i++]!;
  else out[0] = flag << 4;
  for (let o = 1; i < path.length; i += 2, o++) out[o] = (path[i]! << 4) | path[i + 1]!;
  return out;
}

/** Inverse of encodeHexPrefix; undefined when `b` is not a hex-prefix encoding. */
export function decodeHexPrefix(b: Uint8Array): { path: Uint8Array; leaf: boolean } | undefined {
  if (b.length === 0) return undefined;
  const flag = b[0]! >> 4;
  if (flag > 3) return undefined;
  const odd = flag & 1;
  if (!odd && (b[0]! & 15) !== 0) return undefined;
  const path = new Uint8Array((b.length - 1) * 2 + odd);
  let o = 0;
  if (odd) path[o++] = b[0]! & 15;
  for (let i = 1; i < b.length; i++) {
    path[o++] = b[i]! >> 4;
    path[o++] = b[i]! & 15;
  }
  return { path, leaf: flag >= 2 };
}
