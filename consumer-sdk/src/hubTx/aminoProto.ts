import { descriptor, type ProtoFieldDescriptor, type ProtoNamespaceDescriptor } from "@aegis/proto/descriptor";
import { aminoMalformed, type AminoJsonValue } from "./aminoSignDoc.js";
import { encodeBase64, readBase64 } from "../hubApi/jsonCodec.js";
import { HubApiError } from "../hubApi/hubApiError.js";

/**
 * The amino JSON of the hub's own messages (proto/src/aegis), defined by their protobuf definitions
 * with the rules the Cosmos SDK's amino JSON encoder (x/tx/signing/aminojson, json_marshal.go) applies
 * to a message without amino options:
 *
 * - keys are the proto field names (snake_case);
 * - a field with its zero value ("" / 0 / false / empty bytes / empty list / unset message) is left
 *   out; a set message field is written even when all its own fields are zero (`{}`);
 * - uint64 / int64 as decimal strings, 32-bit integers and enums as JSON numbers, bools as booleans,
 *   bytes as standard padded base64, nested messages as objects, repeated fields as arrays.
 *
 * Three representations meet here: wire bytes (what a transaction carries, read by `readAegisProto`),
 * "props" (a protobufjs-shaped object: snake_case keys, 64-bit integers as bigint, bytes as
 * Uint8Array) and amino JSON. The hub renders amino JSON from the bytes it received; a cosmjs client
 * renders it from the value it encodes (aminoConverters.ts): both through `aegisPropsToAmino`.
 */

export type ProtoScalar = string | Uint8Array | bigint | number | boolean;
/** A protobufjs-shaped message: proto field names, bigint for 64-bit integers, Uint8Array for bytes. */
export interface ProtoProps {
  [field: string]: ProtoScalar | ProtoProps | (ProtoScalar | ProtoProps)[] | undefined;
}

type ScalarKind =
  | "string"
  | "bytes"
  | "bool"
  | "enum"
  | "uint64"
  | "int64"
  | "sint64"
  | "fixed64"
  | "sfixed64"
  | "uint32"
  | "int32"
  | "sint32"
  | "fixed32"
  | "sfixed32";

export interface AminoFieldDef {
  /** The proto field name: the amino JSON key. */
  readonly name: string;
  /** camelCase of `name`: the key of the field in the domain objects the cosmjs codecs take. */
  readonly camel: string;
  readonly id: number;
  readonly repeated: boolean;
  readonly kind: ScalarKind | "message";
  /** Full name of the message type, for kind "message". */
  readonly message?: string;
}

export interface AminoMessageDef {
  readonly fullName: string;
  readonly fields: readonly AminoFieldDef[];
  readonly byId: ReadonlyMap<number, AminoFieldDef>;
}

const SCALARS: ReadonlySet<string> = new Set(["string", "bytes", "bool", "uint64", "int64", "sint64", "fixed64", "sfixed64", "uint32", "int32", "sint32", "fixed32", "sfixed32"]);
const SIXTY_FOUR: ReadonlySet<string> = new Set(["uint64", "int64", "sint64", "fixed64", "sfixed64"]);
const UNSIGNED: ReadonlySet<string> = new Set(["uint64", "fixed64", "uint32", "fixed32"]);

function lookup(root: ProtoNamespaceDescriptor, parts: readonly string[]): ProtoNamespaceDescriptor | undefined {
  let node: ProtoNamespaceDescriptor | undefined = root;
  for (const p of parts) {
    node = node?.nested?.[p];
    if (node === undefined) return undefined;
  }
  return node;
}

/** protobuf scoping: a relative name is looked up in the message's scope, then in each enclosing one. */
function resolveType(scope: readonly string[], ref: string): { kind: "message"; fullName: string } | { kind: "enum" } | undefined {
  const refParts = ref.replace(/^\./, "").split(".");
  const bases = ref.startsWith(".") ? [[]] : Array.from({ length: scope.length + 1 }, (_, i) => scope.slice(0, scope.length - i));
  for (const base of bases) {
    const parts = [...base, ...refParts];
    const node = lookup(descriptor, parts);
    if (node?.fields !== undefined) return { kind: "message", fullName: parts.join(".") };
    if (node?.values !== undefined) return { kind: "enum" };
  }
  return undefined;
}

const toCamelCase = (name: string): string => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

const defs = new Map<string, AminoMessageDef>();

/**
 * The definition of message `fullName` (e.g. "aegis.staking.v1.MsgCreateValidator") from
 * @aegis/proto's descriptor. Throws Error for a message that does not exist or has a field amino JSON
 * cannot carry here (maps, floats, Any): a programming error, found by the tests of every message.
 */
export function getAegisMessageDef(fullName: string): AminoMessageDef {
  const cached = defs.get(fullName);
  if (cached) return cached;
  const node = lookup(descriptor, fullName.split("."));
  if (node?.fields === undefined) throw new Error(`amino JSON: no message ${fullName} in @aegis/proto`);
  const scope = fullName.split(".");
  const fields = Object.entries(node.fields).map(([name, f]: [string, ProtoFieldDescriptor]): AminoFieldDef => {
    const where = `${fullName}.${name}`;
    if (f.keyType !== undefined) throw new Error(`amino JSON: ${where}: map fields are not supported`);
    const base = { name, camel: toCamelCase(name), id: f.id, repeated: f.rule === "repeated" };
    if (SCALARS.has(f.type)) return { ...base, kind: f.type as ScalarKind };
    const resolved = resolveType(scope, f.type);
    if (resolved === undefined) throw new Error(`amino JSON: ${where}: type ${f.type} is not supported`);
    if (resolved.kind === "enum") return { ...base, kind: "enum" };
    if (resolved.fullName.startsWith("google.protobuf.")) throw new Error(`amino JSON: ${where}: ${resolved.fullName} is not supported`);
    return { ...base, kind: "message", message: resolved.fullName };
  });
  const def: AminoMessageDef = { fullName, fields, byId: new Map(fields.map((f) => [f.id, f])) };
  defs.set(fullName, def);
  for (const f of fields) if (f.message !== undefined && f.message !== fullName) getAegisMessageDef(f.message);
  return def;
}

// ---------------------------------------------------------------------------------------------
// Wire bytes -> props (the hub's side: exact, 64-bit integers as bigint)
// ---------------------------------------------------------------------------------------------

const utf8Decoder = new TextDecoder("utf-8", { fatal: true });

class WireReader {
  pos = 0;
  constructor(
    readonly buf: Uint8Array,
    readonly path: string,
  ) {}
  get done(): boolean {
    return this.pos >= this.buf.length;
  }
  varint(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.pos >= this.buf.length) throw aminoMalformed(this.path, "truncated varint");
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) {
        if (result >= 1n << 64n) throw aminoMalformed(this.path, "varint over 64 bits");
        return result;
      }
    }
    throw aminoMalformed(this.path, "varint longer than 10 bytes");
  }
  fixed(n: 4 | 8): bigint {
    if (this.pos + n > this.buf.length) throw aminoMalformed(this.path, "truncated fixed-width field");
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(this.buf[this.pos + i]!);
    this.pos += n;
    return v;
  }
  bytes(): Uint8Array {
    const len = this.varint();
    if (len > BigInt(this.buf.length - this.pos)) throw aminoMalformed(this.path, "truncated length-delimited field");
    const out = this.buf.slice(this.pos, this.pos + Number(len));
    this.pos += Number(len);
    return out;
  }
  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.fixed(8);
    else if (wireType === 2) this.bytes();
    else if (wireType === 5) this.fixed(4);
    else throw aminoMalformed(this.path, `wire type ${wireType} is not supported`);
  }
}

const zigzag = (v: bigint): bigint => (v >> 1n) ^ -(v & 1n);

function numericFromWire(kind: ScalarKind, raw: bigint): bigint | number | boolean {
  switch (kind) {
    case "uint64":
    case "fixed64":
      return raw;
    case "int64":
    case "sfixed64":
      return BigInt.asIntN(64, raw);
    case "sint64":
      return zigzag(raw);
    case "uint32":
    case "fixed32":
      return Number(BigInt.asUintN(32, raw));
    case "int32":
    case "sfixed32":
    case "enum":
      return Number(BigInt.asIntN(32, raw));
    case "sint32":
      return Number(BigInt.asIntN(32, zigzag(BigInt.asUintN(32, raw))));
    case "bool":
      return raw !== 0n;
    default:
      throw new Error(`numericFromWire: ${kind}`);
  }
}

function wireTypeOf(kind: AminoFieldDef["kind"]): number {
  if (kind === "string" || kind === "bytes" || kind === "message") return 2;
  if (kind === "fixed64" || kind === "sfixed64") return 1;
  if (kind === "fixed32" || kind === "sfixed32") return 5;
  return 0;
}

/**
 * Message `fullName` from its wire bytes, as props. Unknown fields are skipped (their bytes are not in
 * the amino JSON: the SDK refuses amino signatures on transactions that carry any, and so does the hub);
 * a singular field that occurs twice is refused (the hub's wire check refuses it before). Throws
 * AminoJsonError.
 */
export function readAegisProto(fullName: string, bytes: Uint8Array, path = "$"): ProtoProps {
  const def = getAegisMessageDef(fullName);
  const r = new WireReader(bytes, path);
  const out: ProtoProps = {};
  while (!r.done) {
    const tag = r.varint();
    const id = Number(tag >> 3n);
    const wireType = Number(tag & 7n);
    const f = id > 0 ? def.byId.get(id) : undefined;
    if (f === undefined) {
      r.skip(wireType);
      continue;
    }
    const fieldPath = `${path}.${f.name}`;
    const values: (ProtoScalar | ProtoProps)[] = [];
    const expected = wireTypeOf(f.kind);
    if (wireType === expected) {
      if (f.kind === "message") values.push(readAegisProto(f.message!, r.bytes(), fieldPath));
      else if (f.kind === "bytes") values.push(r.bytes());
      else if (f.kind === "string") {
        try {
          values.push(utf8Decoder.decode(r.bytes()));
        } catch {
          throw aminoMalformed(fieldPath, "not UTF-8");
        }
      } else values.push(numericFromWire(f.kind, expected === 0 ? r.varint() : r.fixed(expected === 1 ? 8 : 4)));
    } else if (wireType === 2 && f.repeated && expected !== 2) {
      // packed repeated numbers
      const packed = new WireReader(r.bytes(), fieldPath);
      while (!packed.done) values.push(numericFromWire(f.kind as ScalarKind, expected === 0 ? packed.varint() : packed.fixed(expected === 1 ? 8 : 4)));
    } else {
      throw aminoMalformed(fieldPath, `wire type ${wireType}, expected ${expected}`);
    }
    if (f.repeated) {
      const list = (out[f.name] ??= []) as (ProtoScalar | ProtoProps)[];
      list.push(...values);
    } else {
      if (out[f.name] !== undefined) throw aminoMalformed(fieldPath, "a singular field occurs twice");
      out[f.name] = values[0];
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Props -> amino JSON (both sides)
// ---------------------------------------------------------------------------------------------

/** Standard padded base64 (RFC 4648 §4), what Go's encoding/json writes for []byte (the hub API's encoder). */
export const encodeAminoBase64: (bytes: Uint8Array) => string = encodeBase64;

/** The canonical padded base64 `encodeAminoBase64` writes, and nothing else (the hub API's strict reader, padding required). */
export function decodeAminoBase64(v: string, path: string): Uint8Array {
  if (v.length % 4 !== 0) throw aminoMalformed(path, "not padded base64");
  try {
    return readBase64(v, path, 0, Number.MAX_SAFE_INTEGER);
  } catch (e) {
    if (e instanceof HubApiError) throw aminoMalformed(path, "not canonical base64");
    throw e;
  }
}

const INT64_MIN = -(1n << 63n);
const UINT64_MAX = (1n << 64n) - 1n;

function to64(kind: ScalarKind, v: unknown, path: string): bigint {
  let b: bigint;
  if (typeof v === "bigint") b = v;
  else if (typeof v === "number" && Number.isSafeInteger(v)) b = BigInt(v);
  else if (typeof v === "string" && /^-?(0|[1-9][0-9]*)$/.test(v)) b = BigInt(v);
  else throw aminoMalformed(path, `not a ${kind} (a safe integer, a bigint or a decimal string)`);
  const ok = UNSIGNED.has(kind) ? b >= 0n && b <= UINT64_MAX : b >= INT64_MIN && b < -INT64_MIN;
  if (!ok) throw aminoMalformed(path, `${b} is out of range for ${kind}`);
  return b;
}

function to32(kind: ScalarKind, v: unknown, path: string): number {
  if (typeof v !== "number" || !Number.isInteger(v)) throw aminoMalformed(path, `not a ${kind} (an integer number)`);
  const ok = UNSIGNED.has(kind) ? v >= 0 && v <= 0xffffffff : v >= -0x80000000 && v <= 0x7fffffff;
  if (!ok) throw aminoMalformed(path, `${v} is out of range for ${kind}`);
  return v;
}

/** One value's amino JSON, or undefined when it is the zero value (left out of a singular field). */
function scalarToAmino(kind: ScalarKind, v: unknown, path: string): AminoJsonValue | undefined {
  switch (kind) {
    case "string":
      if (typeof v !== "string") throw aminoMalformed(path, "not a string");
      return v === "" ? undefined : v;
    case "bytes":
      if (!(v instanceof Uint8Array)) throw aminoMalformed(path, "not bytes (Uint8Array)");
      return v.length === 0 ? undefined : encodeAminoBase64(v);
    case "bool":
      if (typeof v !== "boolean") throw aminoMalformed(path, "not a boolean");
      return v ? true : undefined;
    default: {
      if (SIXTY_FOUR.has(kind)) {
        const b = to64(kind, v, path);
        return b === 0n ? undefined : b.toString();
      }
      const n = to32(kind, v, path);
      return n === 0 ? undefined : n;
    }
  }
}

/**
 * Message `fullName`'s amino JSON value from its props (the x/tx aminojson rules above). Throws
 * AminoJsonError for a value of the wrong type.
 */
export function aegisPropsToAmino(fullName: string, props: ProtoProps, path = "$"): { [key: string]: AminoJsonValue } {
  if (typeof props !== "object" || props === null || props instanceof Uint8Array || Array.isArray(props)) throw aminoMalformed(path, "not a message");
  const def = getAegisMessageDef(fullName);
  const out: { [key: string]: AminoJsonValue } = {};
  for (const f of def.fields) {
    const v = props[f.name];
    const fieldPath = `${path}.${f.name}`;
    if (f.repeated) {
      if (v === undefined || v === null) continue;
      if (!Array.isArray(v)) throw aminoMalformed(fieldPath, "not a list");
      if (v.length === 0) continue;
      out[f.name] = v.map((e, i) => {
        const ep = `${fieldPath}[${i}]`;
        if (f.kind === "message") return aegisPropsToAmino(f.message!, e as ProtoProps, ep);
        // Elements of a list are written even when zero (x/tx marshalList).
        const a = scalarToAmino(f.kind, e, ep);
        return a !== undefined ? a : f.kind === "string" || f.kind === "bytes" ? "" : f.kind === "bool" ? false : SIXTY_FOUR.has(f.kind) ? "0" : 0;
      });
      continue;
    }
    if (v === undefined || v === null) continue;
    if (f.kind === "message") {
      out[f.name] = aegisPropsToAmino(f.message!, v as ProtoProps, fieldPath);
      continue;
    }
    const a = scalarToAmino(f.kind, v, fieldPath);
    if (a !== undefined) out[f.name] = a;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Amino JSON -> props (a cosmjs client's fromAmino): canonical amino JSON only
// ---------------------------------------------------------------------------------------------

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function scalarFromAmino(kind: ScalarKind, v: unknown, path: string): ProtoScalar {
  switch (kind) {
    case "string":
      if (typeof v !== "string") throw aminoMalformed(path, "not a string");
      return v;
    case "bytes":
      if (typeof v !== "string") throw aminoMalformed(path, "not a base64 string");
      return decodeAminoBase64(v, path);
    case "bool":
      if (typeof v !== "boolean") throw aminoMalformed(path, "not a boolean");
      return v;
    default:
      if (SIXTY_FOUR.has(kind)) {
        if (typeof v !== "string") throw aminoMalformed(path, `not a ${kind} (a decimal string)`);
        return to64(kind, v, path);
      }
      return to32(kind, v, path);
  }
}

const zeroOf = (kind: ScalarKind): ProtoScalar => (kind === "string" ? "" : kind === "bytes" ? new Uint8Array(0) : kind === "bool" ? false : SIXTY_FOUR.has(kind) ? 0n : 0);

/**
 * Props of message `fullName` from its amino JSON value. Only the canonical form `aegisPropsToAmino`
 * writes is accepted (no unknown keys, no zero values written out, the exact number and bytes
 * encodings), so that a value read here renders back to the same JSON, the JSON that was signed.
 * Throws AminoJsonError.
 */
export function aegisAminoToProps(fullName: string, json: unknown, path = "$"): ProtoProps {
  if (!isPlainObject(json)) throw aminoMalformed(path, "not an object");
  const def = getAegisMessageDef(fullName);
  for (const key of Object.keys(json)) {
    if (!def.fields.some((f) => f.name === key)) throw aminoMalformed(`${path}.${key}`, `not a field of ${fullName}`);
  }
  const out: ProtoProps = {};
  for (const f of def.fields) {
    const v = json[f.name];
    const fieldPath = `${path}.${f.name}`;
    if (v === undefined) {
      out[f.name] = f.repeated ? [] : f.kind === "message" ? undefined : zeroOf(f.kind);
      continue;
    }
    if (f.repeated) {
      if (!Array.isArray(v) || v.length === 0) throw aminoMalformed(fieldPath, "not a non-empty list (an empty list is left out)");
      out[f.name] = v.map((e, i) => (f.kind === "message" ? aegisAminoToProps(f.message!, e, `${fieldPath}[${i}]`) : scalarFromAmino(f.kind as ScalarKind, e, `${fieldPath}[${i}]`)));
      continue;
    }
    if (f.kind === "message") {
      out[f.name] = aegisAminoToProps(f.message!, v, fieldPath);
      continue;
    }
    const s = scalarFromAmino(f.kind, v, fieldPath);
    if (scalarToAmino(f.kind, s, fieldPath) === undefined) throw aminoMalformed(fieldPath, "a zero value is left out of amino JSON");
    out[f.name] = s;
  }
  return out;
}
