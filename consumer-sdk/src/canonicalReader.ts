import { AegisError } from "./errors.js";
import { utf8 } from "./bytes.js";

export type CanonicalReadErrorType =
  /** The input ended before the field did. */
  | { code: "CANONICAL_READ_ERROR_TRUNCATED"; field: string; offset: number }
  /** A length or value outside what the schema allows. */
  | { code: "CANONICAL_READ_ERROR_OUT_OF_RANGE"; field: string; value: string }
  /** Bytes left after the last field. */
  | { code: "CANONICAL_READ_ERROR_TRAILING_BYTES"; count: number }
  /** A string that is not valid UTF-8 (or not in its shortest form). */
  | { code: "CANONICAL_READ_ERROR_INVALID_UTF8"; field: string };

export class CanonicalReadError extends AegisError<CanonicalReadErrorType> {}

const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * The reading twin of CanonicalWriter: big-endian integers, u32-length-prefixed bytes and strings,
 * fixed-length fields. Every read checks the bounds and throws CanonicalReadError; `end()` refuses
 * trailing bytes, so one value has exactly one encoding.
 */
export class CanonicalReader {
  private offset = 0;
  private readonly view: DataView;

  constructor(private readonly input: Uint8Array) {
    this.view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  }

  private need(n: number, field: string): void {
    if (this.offset + n > this.input.length) throw new CanonicalReadError({ code: "CANONICAL_READ_ERROR_TRUNCATED", field, offset: this.offset }, `${field}: truncated (needs ${n} bytes at offset ${this.offset} of ${this.input.length})`);
  }

  get remaining(): number {
    return this.input.length - this.offset;
  }

  u8(field = "u8"): number {
    this.need(1, field);
    return this.input[this.offset++]!;
  }

  u32(field = "u32"): number {
    this.need(4, field);
    const v = this.view.getUint32(this.offset);
    this.offset += 4;
    return v;
  }

  /** A u64 that must fit a JS safe integer (heights, times). */
  u53(field = "u64"): number {
    const v = this.u64(field);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new CanonicalReadError({ code: "CANONICAL_READ_ERROR_OUT_OF_RANGE", field, value: v.toString() }, `${field}: ${v} is above 2^53 - 1`);
    return Number(v);
  }

  u64(field = "u64"): bigint {
    this.need(8, field);
    const v = this.view.getBigUint64(this.offset);
    this.offset += 8;
    return v;
  }

  fixed(length: number, field: string): Uint8Array {
    this.need(length, field);
    const out = this.input.slice(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }

  /** u32 length then the bytes; a length above `maxLength` is refused before anything is copied. */
  bytes(field: string, maxLength: number): Uint8Array {
    const n = this.u32(`${field}.length`);
    if (n > maxLength) throw new CanonicalReadError({ code: "CANONICAL_READ_ERROR_OUT_OF_RANGE", field: `${field}.length`, value: String(n) }, `${field}: ${n} bytes, at most ${maxLength}`);
    return this.fixed(n, field);
  }

  string(field: string, maxLength: number): string {
    const b = this.bytes(field, maxLength);
    let s: string;
    try {
      s = decoder.decode(b);
    } catch {
      throw new CanonicalReadError({ code: "CANONICAL_READ_ERROR_INVALID_UTF8", field }, `${field}: not UTF-8`);
    }
    // Canonical: the string re-encodes to the same bytes (no BOM stripped, no replacement).
    if (utf8(s).length !== b.length) throw new CanonicalReadError({ code: "CANONICAL_READ_ERROR_INVALID_UTF8", field }, `${field}: not canonical UTF-8`);
    return s;
  }

  /** Throws CANONICAL_READ_ERROR_TRAILING_BYTES unless every byte was read. */
  end(): void {
    if (this.remaining !== 0) throw new CanonicalReadError({ code: "CANONICAL_READ_ERROR_TRAILING_BYTES", count: this.remaining }, `${this.remaining} trailing bytes after the last field`);
  }
}
