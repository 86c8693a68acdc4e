import { bytesEqual, EMPTY_TRIE_ROOT, encodeHexPrefix, encodeRlpBytes, encodeRlpList, keccak256, RLP_EMPTY, toNibbles } from "../../src/index.js";

// A naive reference Merkle Patricia trie builder, written from the yellow paper's appendix D: what the
// SDK's proof verifier is checked against (the hub's own trie is checked against @ethereumjs/mpt).

type Entry = [nibbles: Uint8Array, value: Uint8Array];

/** How a parent holds a child: embedded below 32 bytes, else by hash. */
function refOf(enc: Uint8Array): Uint8Array {
  return enc.length < 32 ? enc : encodeRlpBytes(keccak256(enc));
}

/**
 * RLP of the node holding `entries` (distinct, sharing their first `d` nibbles). When the node is on the
 * way to `path`, pushes its encoding onto `proof` if it is referenced by hash (32+ bytes).
 */
function nodeOf(entries: Entry[], d: number, path: Uint8Array | undefined, proof: Uint8Array[]): Uint8Array {
  let enc: Uint8Array;
  if (entries.length === 1) {
    const [nib, value] = entries[0]!;
    enc = encodeRlpList([encodeRlpBytes(encodeHexPrefix(nib.subarray(d), true)), encodeRlpBytes(value)]);
  } else {
    let shared = 0;
    const first = entries[0]![0];
    while (entries.every(([n]) => n.length > d + shared && n[d + shared] === first[d + shared])) shared++;
    if (shared > 0) {
      const ext = first.subarray(d, d + shared);
      const onPath = path !== undefined && path.length >= d + shared && bytesEqual(path.subarray(d, d + shared), ext);
      const child = nodeOf(entries, d + shared, onPath ? path : undefined, proof);
      enc = encodeRlpList([encodeRlpBytes(encodeHexPrefix(ext, false)), refOf(child)]);
    } else {
      const items: Uint8Array[] = [];
      for (let i = 0; i < 16; i++) {
        const under = entries.filter(([n]) => n.length > d && n[d] === i);
        const onPath = path !== undefined && path.length > d && path[d] === i;
        items.push(under.length === 0 ? RLP_EMPTY : refOf(nodeOf(under, d + 1, onPath ? path : undefined, proof)));
      }
      const here = entries.find(([n]) => n.length === d);
      items.push(here === undefined ? RLP_EMPTY : encodeRlpBytes(here[1]));
      enc = encodeRlpList(items);
    }
  }
  if (path !== undefined && enc.length >= 32) proof.push(enc);
  return enc;
}

/** Root of a trie of `pairs` (distinct keys), and the proof for `key` (root first). */
export function referenceTrie(pairs: [Uint8Array, Uint8Array][], key: Uint8Array = Uint8Array.of(0)): { root: Uint8Array; proof: Uint8Array[] } {
  if (pairs.length === 0) return { root: EMPTY_TRIE_ROOT, proof: [] };
  const proof: Uint8Array[] = [];
  const enc = nodeOf(
    pairs.map(([k, v]) => [toNibbles(k), v]),
    0,
    toNibbles(key),
    proof,
  );
  if (enc.length < 32) proof.push(enc); // the root is referenced by hash whatever its size
  return { root: keccak256(enc), proof: proof.reverse() };
}
