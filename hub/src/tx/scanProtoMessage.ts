import { TxError } from "./txError.js";

/**
 * A strict protobuf wire-format checker, run over the exact received bytes before cosmjs-types decodes
 * them. cosmjs-types (like protobuf.js) silently skips unknown fields, ignores wire-type mismatches,
 * lets a repeated singular field overwrite the earlier one and replaces invalid UTF-8 with U+FFFD;
 * the Cosmos SDK instead rejects unknown fields (`codec/unknownproto`). This scan reproduces the SDK's
 * rejection without re-encoding anything (re-encoding is not a canonical-form check), and is stricter
 * in a few places where accepting would let two nodes or two decoders disagree:
 *
 * - every field's wire type must match the schema; groups (wire types 3/4) and 6/7 are rejected;
 * - varints must be minimal (no trailing 0x80-continued zero bytes) and fit in 64 bits;
 * - a singular field may appear at most once (Go would merge/overwrite, cosmjs-types overwrites);
 * - at most one field of a oneof may appear (Go keeps the last one, protobuf.js may set both);
 * - string fields must be valid UTF-8;
 * - unknown fields are rejected, except "non-critical" ones (field number with bit 11 = 1024 set)
 *   anywhere below a message that allows them (TxBody, and so every message it carries), as in ADR-020
 *   and the SDK's RejectUnknownFields, whose allowUnknownNonCriticals flag holds for the whole traversal;
 * - optionally (TxRaw, ADR-027) fields must appear in ascending field-number order.
 */
export type FieldKind = "varint" | "fixed32" | "fixed64" | "bytes" | "string" | "message";

export interface FieldSpec {
  readonly name: string;
  readonly kind: FieldKind;
  readonly repeated?: boolean;
  /** Name of the oneof the field belongs to: at most one field of a oneof may appear. */
  readonly oneof?: string;
  /** Schema of a "message" field. */
  readonly message?: () => MessageSpec;
}

export interface MessageSpec {
  readonly name: string;
  readonly fields: Readonly<Record<number, FieldSpec>>;
  /**
   * Skip unknown fields whose number has the ADR-020 non-critical bit (1024) set, here and in every
   * message below this one (the SDK passes its allowUnknownNonCriticals flag down the whole tree).
   */
  readonly allowUnknownNonCritical?: boolean;
  /** ADR-027: fields must appear in ascending order of field number. */
  readonly ascendingFields?: boolean;
}

export interface ScanResult {
  /** Whether unknown non-critical fields were skipped anywhere in the message tree. */
  readonly hasUnknownNonCritical: boolean;
}

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_BYTES = 2;
const WIRE_FIXED32 = 5;
const NON_CRITICAL_BIT = 1024;
const MAX_FIELD_NUMBER = (1 << 29) - 1;
const DEFAULT_MAX_DEPTH = 16;

const utf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function fail(path: string, reason: string): never {
  throw new TxError({ code: "TX_ERROR_DECODE", reason: `${path}: ${reason}` });
}

interface Varint {
  readonly value: bigint;
  readonly end: number;
}

function readVarint(bytes: Uint8Array, pos: number, end: number, path: string): Varint {
  let value = 0n;
  let shift = 0n;
  for (let i = 0; i < 10; i++) {
    if (pos + i >= end) fail(path, "truncated varint");
    const b = bytes[pos + i]!;
    if (i === 9 && b > 1) fail(path, "varint overflows 64 bits");
    value |= BigInt(b & 0x7f) << shift;
    shift += 7n;
    if ((b & 0x80) === 0) {
      if (i > 0 && b === 0) fail(path, "varint is not minimally encoded");
      return { value, end: pos + i + 1 };
    }
  }
  return fail(path, "varint longer than 10 bytes");
}

function expectedWireType(kind: FieldKind): number {
  switch (kind) {
    case "varint":
      return WIRE_VARINT;
    case "fixed32":
      return WIRE_FIXED32;
    case "fixed64":
      return WIRE_FIXED64;
    default:
      return WIRE_BYTES;
  }
}

const isNumeric = (kind: FieldKind): boolean => kind === "varint" || kind === "fixed32" || kind === "fixed64";

export interface ScanProtoMessageOptions {
  readonly maxDepth?: number;
  /**
   * The bytes are carried inside a message that allows unknown non-critical fields (a message of
   * TxBody.messages): they are allowed here too, as in the SDK's traversal.
   */
  readonly allowUnknownNonCritical?: boolean;
}

/** Validate `bytes` as an encoding of `spec`; throws TX_ERROR_DECODE naming the offending field path. */
export function scanProtoMessage(bytes: Uint8Array, spec: MessageSpec, options: ScanProtoMessageOptions = {}): ScanResult {
  const state = { hasUnknownNonCritical: false };
  const allowNonCritical = options.allowUnknownNonCritical === true;
  scan(bytes, 0, bytes.length, spec, spec.name, options.maxDepth ?? DEFAULT_MAX_DEPTH, allowNonCritical, state);
  return { hasUnknownNonCritical: state.hasUnknownNonCritical };
}

/** A packed repeated numeric field: a whole number of minimal varints or fixed-size values. */
function scanPacked(bytes: Uint8Array, start: number, end: number, kind: FieldKind, path: string): void {
  if (kind === "fixed32" || kind === "fixed64") {
    if ((end - start) % (kind === "fixed32" ? 4 : 8) !== 0) fail(path, "packed field length is not a multiple of its element size");
    return;
  }
  let pos = start;
  while (pos < end) pos = readVarint(bytes, pos, end, path).end;
}

function scan(
  bytes: Uint8Array,
  start: number,
  end: number,
  spec: MessageSpec,
  path: string,
  depthLeft: number,
  inheritedAllowNonCritical: boolean,
  state: { hasUnknownNonCritical: boolean },
): void {
  if (depthLeft <= 0) fail(path, "message nesting too deep");
  const allowNonCritical = inheritedAllowNonCritical || spec.allowUnknownNonCritical === true;
  const seen = new Set<number>();
  const oneofs = new Map<string, string>();
  let previousField = 0;
  let pos = start;
  while (pos < end) {
    const tag = readVarint(bytes, pos, end, path);
    pos = tag.end;
    if (tag.value >> 3n > BigInt(MAX_FIELD_NUMBER)) fail(path, "field number out of range");
    const fieldNumber = Number(tag.value >> 3n);
    const wireType = Number(tag.value & 7n);
    if (fieldNumber === 0) fail(path, "field number 0");
    if (spec.ascendingFields === true && fieldNumber < previousField) {
      fail(path, `field ${fieldNumber} after field ${previousField} (fields must be in ascending order)`);
    }
    previousField = fieldNumber;

    const field = spec.fields[fieldNumber];
    const fieldPath = `${path}.${field?.name ?? fieldNumber}`;

    // Extent of the value, by wire type.
    let valueStart = pos;
    let valueEnd: number;
    switch (wireType) {
      case WIRE_VARINT:
        valueEnd = readVarint(bytes, pos, end, fieldPath).end;
        break;
      case WIRE_FIXED64:
        valueEnd = pos + 8;
        break;
      case WIRE_FIXED32:
        valueEnd = pos + 4;
        break;
      case WIRE_BYTES: {
        const len = readVarint(bytes, pos, end, fieldPath);
        if (len.value > BigInt(end - len.end)) fail(fieldPath, "length prefix runs past the end of the message");
        valueStart = len.end;
        valueEnd = len.end + Number(len.value);
        break;
      }
      default:
        return fail(fieldPath, `unsupported wire type ${wireType}`);
    }
    if (valueEnd > end) fail(fieldPath, "truncated field");

    if (field === undefined) {
      if (allowNonCritical && (fieldNumber & NON_CRITICAL_BIT) !== 0) {
        state.hasUnknownNonCritical = true;
        pos = valueEnd;
        continue;
      }
      fail(path, `unknown field ${fieldNumber} (wire type ${wireType})`);
    }
    const packed = field.repeated === true && isNumeric(field.kind) && wireType === WIRE_BYTES;
    if (wireType !== expectedWireType(field.kind) && !packed) {
      fail(fieldPath, `wire type ${wireType}, expected ${expectedWireType(field.kind)}`);
    }
    if (field.repeated !== true) {
      if (seen.has(fieldNumber)) fail(fieldPath, "singular field appears more than once");
      seen.add(fieldNumber);
    }
    if (field.oneof !== undefined) {
      const other = oneofs.get(field.oneof);
      if (other !== undefined && other !== field.name) fail(fieldPath, `oneof ${field.oneof} already set by ${other}`);
      oneofs.set(field.oneof, field.name);
    }
    if (packed) {
      scanPacked(bytes, valueStart, valueEnd, field.kind, fieldPath);
    } else if (field.kind === "string") {
      try {
        utf8Decoder.decode(bytes.subarray(valueStart, valueEnd));
      } catch {
        fail(fieldPath, "string is not valid UTF-8");
      }
    } else if (field.kind === "message") {
      const nested = field.message?.();
      if (nested === undefined) return fail(fieldPath, "schema has no message type");
      scan(bytes, valueStart, valueEnd, nested, fieldPath, depthLeft - 1, allowNonCritical, state);
    }
    pos = valueEnd;
  }
}
