/**
 * Structure-aware fuzz generators for the consumer runtime's canonical encodings (CanonicalWriter:
 * big-endian integers, u32-length-prefixed bytes): consumer blocks (block.ts encodeBlock), and the
 * sync protocol's `status` answer, `blocks` request and `blocks` answer (consumerNetwork.ts).
 *
 * - `Wire` trees: an encoding as its fields (integers, fixed bytes, length-prefixed contents that may
 *   hold fields of their own, counts), serialized with every length prefix true unless a mutation
 *   says otherwise;
 * - `applyWireMutation`: mutations of a tree (a length or count that lies at any depth while every
 *   enclosing length stays true, an integer replaced by an edge value, a nested content truncated,
 *   fields removed, duplicated or swapped), and byte-level ones on the serialized bytes (bit flips,
 *   truncation, extension, overwrites, insertions);
 * - `hostileBytesArbitrary`: random bytes biased to the shapes these decoders meet.
 *
 * Valid blocks are not generated here (they need the chain's state for their root and the producer's
 * key): the suite materializes recipes against the node under test and mutates them with these.
 */
import fc from "fast-check";
import { CanonicalWriter } from "@aegis/consumer-sdk";
import { MAX_BLOCK_BYTES, MAX_BLOCK_TXS, MAX_TX_BYTES, type ConsumerBlock } from "../../src/index.js";

// ---------------------------------------------------------------------------------------------
// Wire trees
// ---------------------------------------------------------------------------------------------

export type Wire =
  /** A u32 or u64 integer (the bytes of its fixed width). */
  | { t: "int"; width: 4 | 8; value: bigint }
  /** A u32 that counts the items after it (a count that lies is a `lie`). */
  | { t: "count"; value: number; lie?: bigint }
  /** Raw bytes of a length fixed by the schema (hashes, keys). */
  | { t: "fixed"; bytes: Uint8Array }
  /** A u32 length, then the content: fields of its own (`children`) or raw bytes (`bytes`). */
  | { t: "lp"; children?: Wire[]; bytes?: Uint8Array; lie?: bigint };

const u32 = (v: number | bigint): Uint8Array => new CanonicalWriter().u32(Number(BigInt.asUintN(32, BigInt(v)))).finish();
const u64 = (v: bigint): Uint8Array => new CanonicalWriter().u64(BigInt.asUintN(64, v)).finish();

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function serializeWire(fields: readonly Wire[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const f of fields) {
    switch (f.t) {
      case "int":
        parts.push(f.width === 4 ? u32(f.value) : u64(f.value));
        break;
      case "count":
        parts.push(u32(f.lie ?? BigInt(f.value)));
        break;
      case "fixed":
        parts.push(f.bytes);
        break;
      case "lp": {
        const content = f.children ? serializeWire(f.children) : f.bytes!;
        parts.push(u32(f.lie ?? BigInt(content.length)), content);
        break;
      }
    }
  }
  return concatBytes(...parts);
}

const enc = new TextEncoder();

/** encodeBlock's layout as a tree (serializeWire(blockWire(b)) equals encodeBlock(b)). */
export function blockWire(b: ConsumerBlock): Wire[] {
  const h = b.header;
  const header: Wire[] = [
    { t: "lp", bytes: enc.encode(h.consumerId) },
    { t: "int", width: 8, value: BigInt(h.height) },
    { t: "int", width: 8, value: BigInt(h.time) },
    { t: "fixed", bytes: h.parentHash },
    { t: "fixed", bytes: h.txRoot },
    { t: "fixed", bytes: h.stateRoot },
    { t: "int", width: 4, value: BigInt(h.producerIndex) },
  ];
  return [{ t: "lp", children: header }, { t: "lp", bytes: b.signature }, { t: "count", value: b.txs.length }, ...b.txs.map((tx): Wire => ({ t: "lp", bytes: tx }))];
}

/** A `blocks` answer as a tree: the count, then each block (a tree too, so lies can sit inside a block). */
export function blocksResponseWire(blocks: readonly ConsumerBlock[]): Wire[] {
  return [{ t: "count", value: blocks.length }, ...blocks.map((b): Wire => ({ t: "lp", children: blockWire(b) }))];
}

/** A `blocks` answer of encoded blocks whose structure is not known (raw contents). */
export function rawBlocksResponseWire(blocks: readonly Uint8Array[]): Wire[] {
  return [{ t: "count", value: blocks.length }, ...blocks.map((bytes): Wire => ({ t: "lp", bytes }))];
}

export const statusWire = (height: bigint, hash: Uint8Array): Wire[] => [
  { t: "int", width: 8, value: height },
  { t: "fixed", bytes: hash },
];

export const blocksRequestWire = (from: bigint, count: bigint): Wire[] => [
  { t: "int", width: 8, value: from },
  { t: "int", width: 4, value: count },
];

// ---------------------------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------------------------

const U64_MAX = (1n << 64n) - 1n;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Lengths and counts that lie: off by one (filled in from the truth), the decoders' own caps and one
 * past them (64-byte consumer id and signature, 1024-byte header, MAX_TX_BYTES, MAX_BLOCK_BYTES,
 * MAX_BLOCK_TXS, SYNC_BATCH), and values that only a reader that allocates first would choke on.
 */
export const LYING_U32: readonly bigint[] = [
  0n,
  1n,
  63n,
  64n,
  65n,
  1024n,
  1025n,
  BigInt(MAX_TX_BYTES),
  BigInt(MAX_TX_BYTES + 1),
  BigInt(MAX_BLOCK_TXS),
  BigInt(MAX_BLOCK_TXS + 1),
  BigInt(MAX_BLOCK_BYTES),
  BigInt(MAX_BLOCK_BYTES + 1),
  0x7fffffffn,
  0x80000000n,
  0xffffffffn,
];

/** u64 values at the edges: 0, 1, around 2^32 and 2^53 (the u53 reader's limit), and 2^64 - 1. */
export const EDGE_U64: readonly bigint[] = [0n, 1n, 2n, 0xffffffffn, 1n << 32n, MAX_SAFE - 1n, MAX_SAFE, MAX_SAFE + 1n, 1n << 63n, U64_MAX];

export const WIRE_MUTATION_KINDS = [
  "bitFlip",
  "truncate",
  "extend",
  "overwrite",
  "insert",
  "lengthLie",
  "countLie",
  "intEdge",
  "truncateNested",
  "removeField",
  "duplicateField",
  "swapFields",
] as const;
export type WireMutationKind = (typeof WIRE_MUTATION_KINDS)[number];

export interface WireMutation {
  kind: WireMutationKind;
  /** Choice indices, taken modulo the number of options. */
  a: number;
  b: number;
  c: number;
  bytes: Uint8Array;
}

export const wireMutationArbitrary: fc.Arbitrary<WireMutation> = fc.record({
  kind: fc.constantFrom(...WIRE_MUTATION_KINDS),
  a: fc.nat(),
  b: fc.nat(),
  c: fc.nat(),
  bytes: fc.uint8Array({ minLength: 1, maxLength: 24 }),
});

const pick = <T>(xs: readonly T[], i: number): T => xs[i % xs.length]!;

function cloneWire(fields: readonly Wire[]): Wire[] {
  return fields.map((f) => (f.t === "lp" && f.children ? { ...f, children: cloneWire(f.children) } : { ...f }));
}

/** Every field of the tree, depth first, with the list that holds it. */
function flatten(fields: Wire[]): { field: Wire; list: Wire[]; index: number }[] {
  const out: { field: Wire; list: Wire[]; index: number }[] = [];
  const walk = (list: Wire[]) =>
    list.forEach((field, index) => {
      out.push({ field, list, index });
      if (field.t === "lp" && field.children) walk(field.children);
    });
  walk(fields);
  return out;
}

/** `bytes` changed by one byte-level mutation (a bit flip always changes something). */
export function applyByteMutation(bytes: Uint8Array, m: WireMutation): Uint8Array {
  const n = bytes.length;
  switch (m.kind) {
    case "truncate":
      return bytes.slice(0, n === 0 ? 0 : m.a % n);
    case "extend":
      return pick([() => concatBytes(bytes, m.bytes), () => concatBytes(bytes, bytes.subarray(0, 1 + (m.b % Math.max(1, n)))), () => concatBytes(m.bytes, bytes)], m.a)();
    case "overwrite": {
      if (n === 0) return m.bytes;
      const out = Uint8Array.from(bytes);
      const at = m.a % n;
      out.set(m.bytes.subarray(0, Math.min(m.bytes.length, n - at, 1 + (m.b % 4))), at);
      return out;
    }
    case "insert": {
      const at = n === 0 ? 0 : m.a % (n + 1);
      return concatBytes(bytes.subarray(0, at), m.bytes.subarray(0, 1 + (m.b % m.bytes.length)), bytes.subarray(at));
    }
    default: {
      if (n === 0) return m.bytes;
      const out = Uint8Array.from(bytes);
      const flips = 1 + (m.c % 3);
      for (let i = 0; i < flips; i++) {
        const bit = (m.a + i * (m.b + 1) * 7919) % (n * 8);
        out[bit >> 3]! ^= 1 << (bit & 7);
      }
      return out;
    }
  }
}

/** The tree changed by one structural mutation; undefined when the tree has nothing it applies to. */
function applyTreeMutation(fields: readonly Wire[], m: WireMutation): Wire[] | undefined {
  const tree = cloneWire(fields);
  const all = flatten(tree);
  if (all.length === 0) return undefined;
  const at = all[m.a % all.length]!;
  switch (m.kind) {
    case "lengthLie": {
      const lps = all.filter((x) => x.field.t === "lp");
      if (lps.length === 0) return undefined;
      const f = pick(lps, m.a).field as Extract<Wire, { t: "lp" }>;
      const truth = BigInt((f.children ? serializeWire(f.children) : f.bytes!).length);
      const lies = [truth + 1n, truth > 0n ? truth - 1n : 1n, truth + 2n + BigInt(m.c % 1000), ...LYING_U32].filter((x) => x !== truth);
      f.lie = pick(lies, m.b);
      break;
    }
    case "countLie": {
      const counts = all.filter((x) => x.field.t === "count");
      if (counts.length === 0) return undefined;
      const f = pick(counts, m.a).field as Extract<Wire, { t: "count" }>;
      const truth = BigInt(f.value);
      f.lie = pick([truth + 1n, truth > 0n ? truth - 1n : 1n, truth + 2n + BigInt(m.c % 100), ...LYING_U32].filter((x) => x !== truth), m.b);
      break;
    }
    case "intEdge": {
      const ints = all.filter((x) => x.field.t === "int");
      if (ints.length === 0) return undefined;
      const f = pick(ints, m.a).field as Extract<Wire, { t: "int" }>;
      const near = [f.value + 1n, f.value > 0n ? f.value - 1n : 1n];
      f.value = pick(f.width === 4 ? [...near, ...LYING_U32] : [...near, ...EDGE_U64], m.b);
      break;
    }
    case "truncateNested": {
      const nested = all.filter((x) => x.field.t === "lp" && (x.field.children ? serializeWire(x.field.children) : x.field.bytes!).length > 0);
      if (nested.length === 0) return undefined;
      const f = pick(nested, m.a).field as Extract<Wire, { t: "lp" }>;
      const content = f.children ? serializeWire(f.children) : f.bytes!;
      delete f.children;
      f.bytes = content.slice(0, m.b % content.length);
      break;
    }
    case "removeField":
      at.list.splice(at.index, 1);
      break;
    case "duplicateField":
      at.list.splice(m.b % 2 === 0 ? at.index + 1 : at.list.length, 0, cloneWire([at.field])[0]!);
      break;
    case "swapFields": {
      if (at.list.length < 2) return undefined;
      const j = (at.index + 1 + (m.b % (at.list.length - 1))) % at.list.length;
      [at.list[at.index], at.list[j]] = [at.list[j]!, at.list[at.index]!];
      break;
    }
    default:
      return undefined;
  }
  return tree;
}

/** The bytes of `fields` after one mutation (structural when it applies, else byte-level). */
export function applyWireMutation(fields: readonly Wire[], m: WireMutation): Uint8Array {
  const tree = applyTreeMutation(fields, m);
  if (tree) return serializeWire(tree);
  return applyByteMutation(serializeWire(fields), m);
}

/** 1 to `max` mutations: the first on the tree, the others on the bytes. */
export function mutateWire(fields: readonly Wire[], ms: readonly WireMutation[]): Uint8Array {
  const [first, ...rest] = ms;
  const once = first ? applyWireMutation(fields, first) : serializeWire(fields);
  return rest.reduce(applyByteMutation, once);
}

export const wireMutationsArbitrary = (max = 3): fc.Arbitrary<WireMutation[]> => fc.array(wireMutationArbitrary, { minLength: 1, maxLength: max });

/** Random bytes biased to the canonical decoders' shapes: small, u32 prefixes that lie, long runs. */
export const hostileBytesArbitrary: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 16 }),
  fc.uint8Array({ maxLength: 300 }),
  // A length prefix (or a count) that lies, then a little of anything.
  fc.tuple(fc.constantFrom(...LYING_U32), fc.uint8Array({ maxLength: 40 })).map(([n, rest]) => concatBytes(u32(n), rest)),
  // A count, then lengths that announce more than there is.
  fc.tuple(fc.integer({ min: 0, max: 70 }), fc.array(fc.constantFrom(...LYING_U32), { maxLength: 4 })).map(([n, lens]) => concatBytes(u32(n), ...lens.map(u32))),
  // Long runs of one byte (0x00: empty contents and zero counts; 0xff: maximal lengths).
  fc.tuple(fc.constantFrom(0x00, 0xff, 0x7f), fc.integer({ min: 1, max: 4096 })).map(([b, n]) => new Uint8Array(n).fill(b)),
);

export const HANG_MS = 2000;

export async function timedAsync<T>(fn: () => Promise<T>): Promise<{ ms: number; value?: T; error?: unknown }> {
  const start = performance.now();
  try {
    const value = await fn();
    return { ms: performance.now() - start, value };
  } catch (error) {
    return { ms: performance.now() - start, error };
  }
}

export function timed<T>(fn: () => T): { ms: number; value?: T; error?: unknown } {
  const start = performance.now();
  try {
    const value = fn();
    return { ms: performance.now() - start, value };
  } catch (error) {
    return { ms: performance.now() - start, error };
  }
}
