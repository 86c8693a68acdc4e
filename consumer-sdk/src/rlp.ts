import { StateProofError } from "./stateProofError.js";

/**
 * Recursive Length Prefix encoding (Ethereum yellow paper, appendix B), the node format of the state trie.
 * Decoding is strict: only the canonical encoding of an item is accepted; anything else is
 * STATE_ERROR_CORRUPT.
 */

/** RLP of the empty byte string. */
export const RLP_EMPTY = Uint8Array.of(0x80);

export function encodeRlpBytes(b: Uint8Array): Uint8Array {
  if (b.length === 1 && b[0]! < 0x80) return b;
  const head = header(0x80, b.length);
  const out = new Uint8Array(head.length + b.length);
  out.set(head, 0);
  out.set(b, head.length);
  return out;
}

/** A list of already encoded items. */
export function encodeRlpList(items: readonly Uint8Array[]): Uint8Array {
  let len = 0;
  for (const it of items) len += it.length;
  const head = header(0xc0, len);
  const out = new Uint8Array(head.length + len);
  out.set(head, 0);
  let o = head.length;
  for (const it of items) {
    out.set(it, o);
    o += it.length;
  }
  return out;
}

function header(base: number, len: number): Uint8Array {
  if (len <= 55) return Uint8Array.of(base + len);
  const lenBytes: number[] = [];
  for (let n = len; n > 0; n = Math.floor(n / 256)) lenBytes.unshift(n % 256);
  return Uint8Array.of(base + 55 + lenBytes.length, ...lenBytes);
}

export interface RlpList {
  items: RlpItem[];
  /** The list's own encoding (a view into the decoded bytes). */
  raw: Uint8Array;
}
export type RlpItem = Uint8Array | RlpList;

/** Decodes exactly one item spanning all of `bytes`. Byte strings are views into `bytes`. */
export function decodeRlp(bytes: Uint8Array): RlpItem {
  const [item, end] = decodeAt(bytes, 0, 0);
  if (end !== bytes.length) throw malformed(`${bytes.length - end} trailing bytes`);
  return item;
}

const MAX_DEPTH = 1024;

function decodeAt(b: Uint8Array, pos: number, depth: number): [RlpItem, number] {
  if (depth > MAX_DEPTH) throw malformed("nested too deeply");
  if (pos >= b.length) throw malformed("truncated");
  const p = b[pos]!;
  if (p < 0x80) return [b.subarray(pos, pos + 1), pos + 1];
  if (p < 0xc0) {
    const [start, len] = lengthOf(b, pos, 0x80);
    if (len === 1 && b[start]! < 0x80) throw malformed("single byte below 0x80 with a length prefix");
    return [b.subarray(start, start + len), start + len];
  }
  const [start, len] = lengthOf(b, pos, 0xc0);
  const end = start + len;
  const items: RlpItem[] = [];
  let q = start;
  while (q < end) {
    const [item, next] = decodeAt(b.subarray(0, end), q, depth + 1);
    items.push(item);
    q = next;
  }
  return [{ items, raw: b.subarray(pos, end) }, end];
}

/** [payload start, payload length] of the item at `pos` whose prefix byte is at least `base`. */
function lengthOf(b: Uint8Array, pos: number, base: number): [number, number] {
  const p = b[pos]! - base;
  let start: number;
  let len: number;
  if (p <= 55) {
    start = pos + 1;
    len = p;
  } else {
    const n = p - 55;
    if (pos + 1 + n > b.length) throw malformed("truncated length");
    if (b[pos + 1] === 0) throw malformed("length with a leading zero");
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[pos + 1 + i]!;
    if (len <= 55) throw malformed("long form for a short length");
    start = pos + 1 + n;
  }
  if (start + len > b.length) throw malformed("truncated payload");
  return [start, len];
}

function malformed(reason: string): StateProofError {
  return new StateProofError({ code: "STATE_ERROR_CORRUPT", key: "", reason: `malformed RLP: ${reason}` }, `malformed RLP: ${reason}`);
}
