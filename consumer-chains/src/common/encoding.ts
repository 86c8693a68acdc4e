import { assertLength, fromHex, isConsumerId, MAX_CONSUMER_ID_LENGTH } from "@aegis/consumer-sdk";
import { malformedTx } from "./errors.js";

/** Largest amount, balance and fee: amounts are unsigned 64-bit on the wire and in the state. */
export const U64_MAX = (1n << 64n) - 1n;

/**
 * Strict reader of the environments' binary transactions (the layout of the SDK's CanonicalWriter:
 * big-endian fixed-width integers, u32-length-prefixed strings). Every failure is
 * EXECUTION_ERROR_MALFORMED_TX naming the field: truncated input, a length or count out of its bound,
 * and (through `end`) trailing bytes. Returned byte arrays are copies, never views into the input.
 */
export class TxReader {
  private off = 0;

  constructor(private readonly bytes: Uint8Array) {
    if (!(bytes instanceof Uint8Array)) throw malformedTx("transaction: not bytes");
  }

  private take(n: number, field: string): Uint8Array {
    if (this.bytes.length - this.off < n) throw malformedTx(`${field}: truncated (needs ${n} bytes at offset ${this.off} of ${this.bytes.length})`);
    const out = this.bytes.slice(this.off, this.off + n);
    this.off += n;
    return out;
  }

  u8(field: string): number {
    return this.take(1, field)[0]!;
  }

  u32(field: string): number {
    const b = this.take(4, field);
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0);
  }

  u64(field: string): bigint {
    const b = this.take(8, field);
    return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0);
  }

  /** A u64 that must be at least `min` (amounts: 1). */
  amount(field: string, min: bigint): bigint {
    const v = this.u64(field);
    if (v < min) throw malformedTx(`${field}: ${v} is below ${min}`);
    return v;
  }

  /** A count (u32) within [min, max], checked before anything of that many is read. */
  count(field: string, min: number, max: number): number {
    const n = this.u32(field);
    if (n < min || n > max) throw malformedTx(`${field}: ${n} is not within ${min}..${max}`);
    return n;
  }

  fixed(length: number, field: string): Uint8Array {
    return this.take(length, field);
  }

  /** A chain id: u32 length and 1-64 characters of a-z 0-9 - _ . (the hub's consumer-id form). */
  chainId(field = "chainId"): string {
    const len = this.u32(`${field} length`);
    if (len < 1 || len > MAX_CONSUMER_ID_LENGTH) throw malformedTx(`${field}: length ${len} is not within 1..${MAX_CONSUMER_ID_LENGTH}`);
    const s = String.fromCharCode(...this.take(len, field));
    if (!isConsumerId(s)) throw malformedTx(`${field}: not a consumer id (a-z 0-9 - _ .)`);
    return s;
  }

  /** Refuses anything after the last field. */
  end(): void {
    if (this.off !== this.bytes.length) throw malformedTx(`transaction: ${this.bytes.length - this.off} trailing bytes`);
  }
}

/** A fixed-length byte field from bytes or hex (client helpers); throws the SDK's EncodingError naming the field. */
export function bytesArg(v: Uint8Array | string, length: number, field: string): Uint8Array {
  const b = typeof v === "string" ? fromHex(v, field) : v;
  if (!(b instanceof Uint8Array)) throw new Error(`${field}: not bytes`);
  assertLength(b, length, field);
  return b;
}

/** A u64 from a client helper's bigint or safe integer; throws a plain Error naming the field. */
export function u64Arg(v: bigint | number, field: string): bigint {
  const x = typeof v === "number" ? (Number.isSafeInteger(v) ? BigInt(v) : -1n) : v;
  if (typeof x !== "bigint" || x < 0n || x > U64_MAX) throw new Error(`${field}: not an integer in 0..2^64-1`);
  return x;
}
