/**
 * Structure-aware fuzz generators for the hub's binary surfaces (fast-check):
 *
 * - `messageArbitrary` / `encodedMessageArbitrary`: valid messages of any type of @aegis/proto, built by
 *   reflection over its protobufjs descriptor (every field, repeated fields, oneofs, enums, nested
 *   messages), encoded by protobufjs;
 * - `wireMessageArbitrary`: valid encodings of a wire schema (scanProtoMessage's MessageSpec): the
 *   cosmjs-types messages (TxRaw, TxBody, AuthInfo, the SDK's Msgs), which carry no descriptor of their
 *   own, are described to the hub by those schemas (txWireSchemas.ts, msgWireSchemas.ts);
 * - `mutationArbitrary` / `mutatedArbitrary`: mutations of valid encodings, at the byte level (bit flips,
 *   truncation, extension, overwrites, insertions) and at the wire level on the parsed field tree (field
 *   duplication and removal, reordering, wrong wire types, overlong and overflowing varints, unknown
 *   fields, and length prefixes that lie at any nesting depth while every enclosing length stays true).
 *
 * Shared by the fuzz suites (*.fuzz.test.ts); `npm run fuzz` runs them with many more cases.
 */
import fc from "fast-check";
import protobuf from "protobufjs";
import { descriptor } from "@aegis/proto/descriptor";
import type { FieldSpec, MessageSpec } from "../../src/tx/scanProtoMessage.js";

// ---------------------------------------------------------------------------------------------
// Varints and wire primitives
// ---------------------------------------------------------------------------------------------

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_START_GROUP = 3;
export const WIRE_END_GROUP = 4;
export const WIRE_FIXED32 = 5;

const U64_MAX = (1n << 64n) - 1n;

/** Minimal unsigned LEB128 of `n` (any size: values above 2^64 make overflowing varints on purpose). */
export function encodeVarint(n: number | bigint): Uint8Array {
  let v = BigInt(n);
  if (v < 0n) v = BigInt.asUintN(64, v);
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return Uint8Array.from(out);
}

/** `n` as a varint padded with 0x80-continued zero groups to `length` bytes (not minimal when longer than needed). */
export function encodeOverlongVarint(n: number | bigint, length: number): Uint8Array {
  const minimal = encodeVarint(n);
  if (length <= minimal.length) return minimal;
  const out = new Uint8Array(length);
  out.set(minimal);
  out[minimal.length - 1]! |= 0x80;
  for (let i = minimal.length; i < length - 1; i++) out[i] = 0x80;
  out[length - 1] = 0x00;
  return out;
}

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const encodeTag = (fieldNumber: number, wireType: number): Uint8Array => encodeVarint((BigInt(fieldNumber) << 3n) | BigInt(wireType));

function readVarint(bytes: Uint8Array, pos: number, end: number): { value: bigint; end: number } | undefined {
  let value = 0n;
  for (let i = 0; i < 10 && pos + i < end; i++) {
    const b = bytes[pos + i]!;
    value |= BigInt(b & 0x7f) << BigInt(7 * i);
    if ((b & 0x80) === 0) return { value, end: pos + i + 1 };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Parsed wire tree (for wire-level mutations)
// ---------------------------------------------------------------------------------------------

/** One field of an encoding: its tag, and its payload (a LEN payload that parses as fields also has them as `children`). */
export interface WireField {
  fieldNumber: number;
  wireType: number;
  /** Varint: the varint's bytes; fixed: the 4 or 8 bytes; LEN: the content (without its length prefix). */
  payload: Uint8Array;
  children?: WireField[];
  /** Replaces the true length prefix when serialized (a length that lies). */
  lengthOverride?: Uint8Array;
  /** Replaces the tag when serialized (a non-minimal tag). */
  tagOverride?: Uint8Array;
}

/** The fields of `bytes`, or undefined when they do not parse (nested contents are parsed up to `depth`). */
export function parseWireFields(bytes: Uint8Array, depth = 8): WireField[] | undefined {
  const fields: WireField[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const tag = readVarint(bytes, pos, bytes.length);
    if (!tag || tag.value >> 3n === 0n || tag.value >> 3n > 0x1fffffffn) return undefined;
    const fieldNumber = Number(tag.value >> 3n);
    const wireType = Number(tag.value & 7n);
    pos = tag.end;
    let payload: Uint8Array;
    switch (wireType) {
      case WIRE_VARINT: {
        const v = readVarint(bytes, pos, bytes.length);
        if (!v) return undefined;
        payload = bytes.subarray(pos, v.end);
        pos = v.end;
        break;
      }
      case WIRE_FIXED64:
      case WIRE_FIXED32: {
        const n = wireType === WIRE_FIXED64 ? 8 : 4;
        if (pos + n > bytes.length) return undefined;
        payload = bytes.subarray(pos, pos + n);
        pos += n;
        break;
      }
      case WIRE_LEN: {
        const len = readVarint(bytes, pos, bytes.length);
        if (!len || len.value > BigInt(bytes.length - len.end)) return undefined;
        payload = bytes.subarray(len.end, len.end + Number(len.value));
        pos = len.end + Number(len.value);
        break;
      }
      default:
        return undefined;
    }
    const field: WireField = { fieldNumber, wireType, payload };
    if (wireType === WIRE_LEN && depth > 0 && payload.length > 0) {
      // Content that parses as fields and re-serializes to the same bytes is taken for a nested message.
      const children = parseWireFields(payload, depth - 1);
      if (children && sameBytes(serializeWireFields(children), payload)) field.children = children;
    }
    fields.push(field);
  }
  return fields;
}

/** The bytes of `fields`: every length prefix true (the content's size) unless a field says otherwise. */
export function serializeWireFields(fields: readonly WireField[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const f of fields) {
    parts.push(f.tagOverride ?? encodeTag(f.fieldNumber, f.wireType));
    if (f.wireType === WIRE_LEN) {
      const content = f.children ? serializeWireFields(f.children) : f.payload;
      parts.push(f.lengthOverride ?? encodeVarint(content.length), content);
    } else {
      parts.push(f.payload);
    }
  }
  return concatBytes(...parts);
}

/** A field serialized as `tag(fieldNumber, wireType)` followed by `raw` exactly (whatever the wire type says). */
function rawField(fieldNumber: number, wireType: number, raw: Uint8Array): WireField {
  return { fieldNumber, wireType: WIRE_VARINT, payload: raw, tagOverride: encodeVarint((BigInt(fieldNumber) << 3n) | BigInt(wireType)) };
}

/** Every field of the tree, depth first, with the list that holds it. */
function flatten(fields: WireField[]): { field: WireField; list: WireField[]; index: number; depth: number }[] {
  const out: { field: WireField; list: WireField[]; index: number; depth: number }[] = [];
  const walk = (list: WireField[], depth: number) =>
    list.forEach((field, index) => {
      out.push({ field, list, index, depth });
      if (field.children) walk(field.children, depth + 1);
    });
  walk(fields, 0);
  return out;
}

function cloneTree(fields: readonly WireField[]): WireField[] {
  return fields.map((f) => ({ ...f, ...(f.children ? { children: cloneTree(f.children) } : {}) }));
}

// ---------------------------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------------------------

/**
 * Length prefixes that lie: small off-by-ones (filled in from the true length), and values that a
 * decoder must refuse without allocating or that alias the true length in a 32-bit reader.
 */
export const LYING_LENGTHS: readonly bigint[] = [0n, 1n, 127n, 128n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 1n << 32n, 1n << 53n, (1n << 63n) - 1n, U64_MAX];

export const MUTATION_KINDS = [
  "bitFlip",
  "truncate",
  "extend",
  "overwrite",
  "insert",
  "duplicateField",
  "removeField",
  "swapFields",
  "wrongWireType",
  "varintOverflow",
  "overlongTag",
  "unknownField",
  "lengthLie",
  "truncateNested",
] as const;
export type MutationKind = (typeof MUTATION_KINDS)[number];

export interface MutationParams {
  kind: MutationKind;
  /** Choice indices, taken modulo the number of options. */
  a: number;
  b: number;
  c: number;
  bytes: Uint8Array;
}

export const mutationParamsArbitrary: fc.Arbitrary<MutationParams> = fc.record({
  kind: fc.constantFrom(...MUTATION_KINDS),
  a: fc.nat(),
  b: fc.nat(),
  c: fc.nat(),
  bytes: fc.uint8Array({ minLength: 1, maxLength: 24 }),
});

const pick = <T>(xs: readonly T[], i: number): T => xs[i % xs.length]!;

/**
 * `bytes` changed by one mutation. Wire-level mutations apply to the parsed field tree (bytes that do
 * not parse get a byte-level mutation instead); the result is always different from a pure copy only
 * when the mutation changes something (a bit flip always does).
 */
export function applyMutation(bytes: Uint8Array, m: MutationParams): Uint8Array {
  const n = bytes.length;
  switch (m.kind) {
    case "bitFlip": {
      if (n === 0) return m.bytes;
      const out = Uint8Array.from(bytes);
      const flips = 1 + (m.c % 3);
      for (let i = 0; i < flips; i++) {
        const bit = (m.a + i * (m.b + 1) * 7919) % (n * 8);
        out[bit >> 3]! ^= 1 << (bit & 7);
      }
      return out;
    }
    case "truncate":
      return bytes.slice(0, n === 0 ? 0 : m.a % n);
    case "extend":
      return pick([() => concatBytes(bytes, m.bytes), () => concatBytes(bytes, bytes), () => concatBytes(m.bytes, bytes)], m.a)();
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
    default:
      return applyWireMutation(bytes, m) ?? applyMutation(bytes, { ...m, kind: pick(["bitFlip", "truncate", "extend", "overwrite", "insert"] as const, m.c) });
  }
}

function applyWireMutation(bytes: Uint8Array, m: MutationParams): Uint8Array | undefined {
  const parsed = parseWireFields(bytes);
  if (!parsed || (parsed.length === 0 && m.kind !== "unknownField")) return undefined;
  const tree = cloneTree(parsed);
  const all = flatten(tree);
  const at = all.length > 0 ? all[m.a % all.length]! : undefined;
  switch (m.kind) {
    case "duplicateField": {
      if (!at) return undefined;
      const copy = cloneTree([at.field])[0]!;
      // Right after itself, or at the end of its message (proto: a later singular field wins).
      at.list.splice(m.b % 2 === 0 ? at.index + 1 : at.list.length, 0, copy);
      break;
    }
    case "removeField":
      if (!at) return undefined;
      at.list.splice(at.index, 1);
      break;
    case "swapFields": {
      if (!at || at.list.length < 2) return undefined;
      const j = (at.index + 1 + (m.b % (at.list.length - 1))) % at.list.length;
      [at.list[at.index], at.list[j]] = [at.list[j]!, at.list[at.index]!];
      break;
    }
    case "wrongWireType": {
      if (!at) return undefined;
      const f = at.field;
      const others = [0, 1, 2, 3, 4, 5, 6, 7].filter((w) => w !== f.wireType);
      // The payload's bytes stay as they were (a LEN field's with its length): the decoder reads them as the other wire type.
      const raw = f.wireType === WIRE_LEN ? serializeWireFields([f]).subarray(encodeTag(f.fieldNumber, f.wireType).length) : f.payload;
      at.list[at.index] = rawField(f.fieldNumber, pick(others, m.b), raw);
      break;
    }
    case "varintOverflow": {
      const varints = all.filter((x) => x.field.wireType === WIRE_VARINT || x.field.wireType === WIRE_LEN);
      if (varints.length === 0) return undefined;
      const t = pick(varints, m.a).field;
      const value = t.wireType === WIRE_VARINT ? (readVarint(t.payload, 0, t.payload.length)?.value ?? 0n) : BigInt(t.children ? serializeWireFields(t.children).length : t.payload.length);
      const bad = pick(
        [
          () => encodeOverlongVarint(value, 10), // non-minimal, still 64-bit
          () => encodeOverlongVarint(value, 11 + (m.c % 4)), // longer than 10 bytes
          () => encodeVarint(U64_MAX + 1n + BigInt(m.c)), // above 2^64
          () => encodeVarint(value + (1n << 32n)), // aliases `value` in a 32-bit reader
          () => Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]), // 10 bytes, above 2^64
          () => Uint8Array.from(new Array(10).fill(0xff)), // never terminated
        ],
        m.b,
      )();
      if (t.wireType === WIRE_VARINT) t.payload = bad;
      else t.lengthOverride = bad;
      break;
    }
    case "overlongTag":
      if (!at) return undefined;
      at.field.tagOverride = encodeOverlongVarint((BigInt(at.field.fieldNumber) << 3n) | BigInt(at.field.wireType), encodeTag(at.field.fieldNumber, at.field.wireType).length + 1 + (m.b % 9));
      break;
    case "unknownField": {
      const fieldNumber = pick([0, 1, 15, 16, 99, 1023, 1024, 1025, 2047, 2048, 19000, (1 << 29) - 1], m.b);
      const wireType = pick([0, 1, 2, 5, 3, 4, 6, 7], m.c);
      const payload =
        wireType === WIRE_VARINT ? encodeVarint(BigInt(m.a)) : wireType === WIRE_FIXED64 ? m.bytes.slice(0, 8) : wireType === WIRE_FIXED32 ? m.bytes.slice(0, 4) : wireType === WIRE_LEN ? m.bytes : new Uint8Array(0);
      const field = wireType === WIRE_LEN ? { fieldNumber, wireType, payload } : rawField(fieldNumber, wireType, payload);
      const lists = [tree, ...all.filter((x) => x.field.children).map((x) => x.field.children!)];
      const list = pick(lists, m.a);
      list.splice(m.a % (list.length + 1), 0, field);
      break;
    }
    case "lengthLie": {
      const lens = all.filter((x) => x.field.wireType === WIRE_LEN);
      if (lens.length === 0) return undefined;
      const t = pick(lens, m.a).field;
      const truth = BigInt(t.children ? serializeWireFields(t.children).length : t.payload.length);
      const lies = [truth + 1n, truth > 0n ? truth - 1n : 1n, truth + 2n + BigInt(m.c % 1000), ...LYING_LENGTHS].filter((x) => x !== truth);
      // Only this prefix lies: the enclosing messages' prefixes are recomputed from the bytes.
      t.lengthOverride = encodeVarint(pick(lies, m.b));
      break;
    }
    case "truncateNested": {
      const nested = all.filter((x) => x.field.wireType === WIRE_LEN && x.field.payload.length > 0);
      if (nested.length === 0) return undefined;
      const t = pick(nested, m.a).field;
      const content = t.children ? serializeWireFields(t.children) : t.payload;
      delete t.children;
      t.payload = content.slice(0, m.b % content.length);
      break;
    }
    default:
      return undefined;
  }
  return serializeWireFields(tree);
}

/** One mutation of `bytes`. */
export function mutationArbitrary(bytes: Uint8Array): fc.Arbitrary<Uint8Array> {
  return mutationParamsArbitrary.map((m) => applyMutation(bytes, m));
}

/** Valid encodings from `valid`, then 1 to `maxMutations` mutations of each. */
export function mutatedArbitrary(valid: fc.Arbitrary<Uint8Array>, maxMutations = 3): fc.Arbitrary<Uint8Array> {
  return fc.tuple(valid, fc.array(mutationParamsArbitrary, { minLength: 1, maxLength: maxMutations })).map(([bytes, ms]) => ms.reduce(applyMutation, bytes));
}

/** Random bytes biased towards the shapes decoders meet: small, tag-like, length-prefixed, huge length prefixes. */
export const hostileBytesArbitrary: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  fc.uint8Array({ maxLength: 2048 }),
  fc.tuple(fc.integer({ min: 1, max: 20 }), fc.constantFrom(...LYING_LENGTHS), fc.uint8Array({ maxLength: 32 })).map(([field, len, rest]) => concatBytes(encodeTag(field, WIRE_LEN), encodeVarint(len), rest)),
  // Nested groups (wire type 3) without an end: a decoder that recurses per group must not overflow.
  fc.integer({ min: 1, max: 20_000 }).map((n) => new Uint8Array(n).fill(0x0b)),
  // Many tiny repeated fields: what makes a decoder allocate one object per two bytes.
  fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 5000 })).map(([field, n]) => {
    const one = concatBytes(encodeTag(field, WIRE_LEN), encodeVarint(0));
    const out = new Uint8Array(one.length * n);
    for (let i = 0; i < n; i++) out.set(one, i * one.length);
    return out;
  }),
);

// ---------------------------------------------------------------------------------------------
// Valid messages of @aegis/proto, by reflection over its protobufjs descriptor
// ---------------------------------------------------------------------------------------------

/** The protobufjs reflection root of every type in proto/src (the descriptor the static codecs were generated with). */
export const aegisProtoRoot: protobuf.Root = protobuf.Root.fromJSON(descriptor as protobuf.INamespace);
aegisProtoRoot.resolveAll();

/** Full names (without the leading dot) of every message type of @aegis/proto. */
export function listAegisMessageTypes(): string[] {
  const out: string[] = [];
  const walk = (ns: protobuf.NamespaceBase): void => {
    for (const n of ns.nestedArray) {
      if (n instanceof protobuf.Type) out.push(n.fullName.slice(1));
      if (n instanceof protobuf.Namespace) walk(n);
    }
  };
  walk(aegisProtoRoot);
  return out;
}

export interface MessageArbitraryOpts {
  /** Nested message depth (default 4); deeper message fields are left unset. */
  maxDepth?: number;
  /** Items per repeated field (default 3). */
  maxRepeated?: number;
  /** Bytes per bytes field (default 300). */
  maxBytes?: number;
  /** Bytes lengths generated more often than others (the domain's lengths: hashes, keys, signatures). */
  bytesLengths?: readonly number[];
  /** Per field ("Type.field", e.g. "aegis.v1.Vote.signature"): an arbitrary of its value instead. */
  overrides?: Readonly<Record<string, fc.Arbitrary<unknown>>>;
}

/** The lengths the hub's types use (address, hash and field element, BLS key and signature, attestation signature, proof). */
export const DOMAIN_BYTE_LENGTHS: readonly number[] = [0, 1, 20, 31, 32, 33, 48, 64, 95, 96, 97, 256];

function bytesArbitrary(opts: MessageArbitraryOpts): fc.Arbitrary<Uint8Array> {
  const max = opts.maxBytes ?? 300;
  const lengths = (opts.bytesLengths ?? DOMAIN_BYTE_LENGTHS).filter((l) => l <= max);
  return fc.oneof(
    { arbitrary: fc.uint8Array({ maxLength: max }), weight: 1 },
    { arbitrary: fc.constantFrom(...lengths).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })), weight: 3 },
  );
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Well-formed Unicode (valid UTF-8 once encoded), short and mostly ASCII, sometimes not. */
export const utf8StringArbitrary: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ maxLength: 20, unit: "binary" }).filter((s) => !LONE_SURROGATE.test(s)),
  fc.stringMatching(/^[a-z0-9._-]{1,50}$/),
);

const LONG_RANGES: Record<string, [bigint, bigint]> = {
  int64: [-(1n << 63n), (1n << 63n) - 1n],
  sint64: [-(1n << 63n), (1n << 63n) - 1n],
  sfixed64: [-(1n << 63n), (1n << 63n) - 1n],
  uint64: [0n, U64_MAX],
  fixed64: [0n, U64_MAX],
};
const INT_RANGES: Record<string, [number, number]> = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  sint32: [-(2 ** 31), 2 ** 31 - 1],
  sfixed32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1],
  fixed32: [0, 2 ** 32 - 1],
};

/** Integers biased towards what a decoder checks: 0, 1, small, the 2^31 / 2^32 / 2^53 edges, the type's extremes. */
function bigIntArbitrary(min: bigint, max: bigint): fc.Arbitrary<bigint> {
  const edges = [0n, 1n, 2n, 42n, (1n << 31n) - 1n, 1n << 31n, (1n << 32n) - 1n, 1n << 32n, (1n << 53n) - 1n, 1n << 53n, min, max, -1n].filter((x) => x >= min && x <= max);
  return fc.oneof(fc.bigInt({ min, max }), fc.constantFrom(...edges), fc.bigInt({ min: min > 0n ? min : 0n, max: max < 1000n ? max : 1000n }));
}

function scalarArbitrary(type: string, opts: MessageArbitraryOpts): fc.Arbitrary<unknown> {
  if (type in LONG_RANGES) {
    const [min, max] = LONG_RANGES[type]!;
    const unsigned = min === 0n;
    const Long = protobuf.util.Long as unknown as { fromString(s: string, unsigned: boolean): unknown };
    return bigIntArbitrary(min, max).map((v) => Long.fromString(v.toString(), unsigned));
  }
  if (type in INT_RANGES) {
    const [min, max] = INT_RANGES[type]!;
    return bigIntArbitrary(BigInt(min), BigInt(max)).map(Number);
  }
  switch (type) {
    case "bool":
      return fc.boolean();
    case "string":
      return utf8StringArbitrary;
    case "bytes":
      return bytesArbitrary(opts);
    case "double":
      return fc.double({ noNaN: true });
    case "float":
      return fc.float({ noNaN: true });
    default:
      throw new Error(`protoArbitraries: no arbitrary for scalar type ${type}`);
  }
}

function fieldArbitrary(field: protobuf.Field, owner: protobuf.Type, depth: number, opts: MessageArbitraryOpts): fc.Arbitrary<unknown> | undefined {
  const override = opts.overrides?.[`${owner.fullName.slice(1)}.${field.name}`];
  if (override) return override;
  if (field.map) throw new Error(`protoArbitraries: map field ${owner.fullName}.${field.name} is not supported`);
  let item: fc.Arbitrary<unknown>;
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) {
    if (depth <= 0) return undefined;
    item = messageObjectArbitrary(resolved, depth - 1, opts);
  } else if (resolved instanceof protobuf.Enum) {
    item = fc.constantFrom(...Object.values(resolved.values));
  } else {
    item = scalarArbitrary(field.type, opts);
  }
  return field.repeated ? fc.array(item, { maxLength: opts.maxRepeated ?? 3 }) : item;
}

function messageObjectArbitrary(type: protobuf.Type, depth: number, opts: MessageArbitraryOpts): fc.Arbitrary<Record<string, unknown>> {
  const inOneof = new Set(type.oneofsArray.flatMap((o) => o.fieldsArray.map((f) => f.name)));
  const plain: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of type.fieldsArray) {
    if (inOneof.has(f.name)) continue;
    const arb = fieldArbitrary(f, type, depth, opts);
    if (arb) plain[f.name] = arb;
  }
  // Each oneof: none of its fields, or exactly one.
  const oneofs = type.oneofsArray.map((o) =>
    fc.oneof(
      fc.constant({}),
      ...o.fieldsArray.flatMap((f) => {
        const arb = fieldArbitrary(f, type, depth, opts);
        return arb ? [arb.map((v) => ({ [f.name]: v }))] : [];
      }),
    ),
  );
  return fc.tuple(fc.record(plain, { requiredKeys: [] }), ...oneofs).map(([base, ...chosen]) => Object.assign({}, base, ...chosen) as Record<string, unknown>);
}

export function lookupAegisType(typeName: string): protobuf.Type {
  return aegisProtoRoot.lookupType(typeName);
}

/** Valid messages (protobufjs message instances) of `typeName`, e.g. "aegis.v1.Vote". */
export function messageArbitrary(typeName: string, opts: MessageArbitraryOpts = {}): fc.Arbitrary<protobuf.Message> {
  const type = lookupAegisType(typeName);
  return messageObjectArbitrary(type, opts.maxDepth ?? 4, opts).map((o) => type.fromObject(o));
}

/** Valid encodings of `typeName` (protobufjs' canonical writer). */
export function encodedMessageArbitrary(typeName: string, opts: MessageArbitraryOpts = {}): fc.Arbitrary<Uint8Array> {
  const type = lookupAegisType(typeName);
  return messageArbitrary(typeName, opts).map((m) => type.encode(m).finish());
}

// ---------------------------------------------------------------------------------------------
// Valid encodings of a wire schema (cosmjs-types messages, described by MessageSpec)
// ---------------------------------------------------------------------------------------------

export interface WireArbitraryOpts {
  maxDepth?: number;
  maxRepeated?: number;
  maxBytes?: number;
  /**
   * Per field: an arbitrary of its value instead (payload bytes of a LEN field, a varint's value as a
   * bigint, or a string), or undefined for the default. Applies at every depth.
   */
  fieldArbitrary?: (spec: MessageSpec, field: FieldSpec) => fc.Arbitrary<Uint8Array | bigint | string> | undefined;
}

const utf8 = new TextEncoder();

function wireValueArbitrary(spec: MessageSpec, field: FieldSpec, depth: number, opts: WireArbitraryOpts): fc.Arbitrary<Uint8Array> | undefined {
  const override = opts.fieldArbitrary?.(spec, field);
  const len = (content: Uint8Array) => concatBytes(encodeVarint(content.length), content);
  if (override) {
    return override.map((v) => (typeof v === "bigint" ? encodeVarint(v) : typeof v === "string" ? len(utf8.encode(v)) : len(v)));
  }
  switch (field.kind) {
    case "varint":
      return bigIntArbitrary(0n, U64_MAX).map(encodeVarint);
    case "fixed32":
      return fc.uint8Array({ minLength: 4, maxLength: 4 });
    case "fixed64":
      return fc.uint8Array({ minLength: 8, maxLength: 8 });
    case "bytes":
      return bytesArbitrary({ maxBytes: opts.maxBytes ?? 200 }).map(len);
    case "string":
      return utf8StringArbitrary.map((s) => len(utf8.encode(s)));
    case "message": {
      const nested = field.message?.();
      if (!nested || depth <= 0) return undefined;
      return wireMessageArbitrary(nested, { ...opts, maxDepth: depth - 1 }).map(len);
    }
  }
}

/**
 * Valid encodings of `spec`: each field at most once unless repeated (repeated numeric fields
 * unpacked), at most one field of a oneof, fields in ascending order, minimal varints, UTF-8 strings.
 */
export function wireMessageArbitrary(spec: MessageSpec, opts: WireArbitraryOpts = {}): fc.Arbitrary<Uint8Array> {
  const depth = opts.maxDepth ?? 4;
  const entries = Object.entries(spec.fields)
    .map(([num, f]) => ({ num: Number(num), f }))
    .sort((x, y) => x.num - y.num);
  const oneofNames = [...new Set(entries.map((e) => e.f.oneof).filter((o): o is string => o !== undefined))];
  const parts = entries.flatMap(({ num, f }) => {
    const value = wireValueArbitrary(spec, f, depth, opts);
    if (!value) return [];
    const wt = f.kind === "varint" ? WIRE_VARINT : f.kind === "fixed32" ? WIRE_FIXED32 : f.kind === "fixed64" ? WIRE_FIXED64 : WIRE_LEN;
    const tag = encodeTag(num, wt);
    const one = value.map((v) => concatBytes(tag, v));
    const arb = f.repeated ? fc.array(one, { maxLength: opts.maxRepeated ?? 3 }).map((xs) => concatBytes(...xs)) : fc.option(one, { nil: undefined }).map((x) => x ?? new Uint8Array(0));
    return [{ num, oneof: f.oneof, arb }];
  });
  const chosenOneof = oneofNames.map((name) => fc.constantFrom(...parts.filter((p) => p.oneof === name).map((p) => p.num), -1));
  return fc.tuple(fc.tuple(...parts.map((p) => p.arb)), fc.tuple(...chosenOneof)).map(([values, chosen]) =>
    concatBytes(
      ...values.filter((_, i) => {
        const p = parts[i]!;
        if (p.oneof === undefined) return true;
        return chosen[oneofNames.indexOf(p.oneof)] === p.num;
      }),
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Checking outcomes
// ---------------------------------------------------------------------------------------------

/** Calls `fn` and returns how long it took (ms) with its outcome; never throws. */
export function timed<T>(fn: () => T): { ms: number; value?: T; error?: unknown } {
  const start = performance.now();
  try {
    const value = fn();
    return { ms: performance.now() - start, value };
  } catch (error) {
    return { ms: performance.now() - start, error };
  }
}

export async function timedAsync<T>(fn: () => Promise<T>): Promise<{ ms: number; value?: T; error?: unknown }> {
  const start = performance.now();
  try {
    const value = await fn();
    return { ms: performance.now() - start, value };
  } catch (error) {
    return { ms: performance.now() - start, error };
  }
}

/**
 * Hang detector, not a timing assertion: a single decode or validation of a fuzz input must end in
 * well under this (they take microseconds to a few ms; a pairing ~25 ms). Only a hang, a quadratic
 * blow-up or an allocation sized by a lying length prefix comes near it.
 */
export const HANG_MS = 2000;

/** Byte equality. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Both seeds of the suites' arbitraries together (a record of several hostile inputs for one property). */
export function anyInputArbitrary(valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc.oneof({ arbitrary: hostileBytesArbitrary, weight: 1 }, { arbitrary: valid, weight: 1 }, { arbitrary: mutatedArbitrary(valid), weight: 3 });
}
