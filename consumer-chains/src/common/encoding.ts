import { assertLength, CanonicalReader, CanonicalReadError, fromHex, isConsumerId, MAX_CONSUMER_ID_LENGTH } from "@aegis/consumer-sdk";
import { malformedTx } from "./errors.js";

/** Largest amount, balance and fee: amounts are unsigned 64-bit on the wire and in the state. */
export const U64_MAX = (1n << 64n) - 1n;

/**
 * Strict reader of the environments' binary transactions: the SDK's CanonicalReader (the layout of its
 * CanonicalWriter) with the environments' bounds on amounts, counts and chain ids. Every failure is
 * EXECUTION_ERROR_MALFORMED_TX naming the field: truncated input, a length or count out of its bound,
 * and (through `end`) trailing bytes. Returned byte arrays are copies, never views into the input.
 */
export class TxReader {
  private readonly r: CanonicalReader;

  constructor(bytes: Uint8Array) {
    if (!(bytes instanceof Uint8Array)) throw malformedTx("transaction: not bytes");
    this.r = new CanonicalReader(bytes);
  }

  /** The SDK reader's failures as this environment's error. */
  private read<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (e instanceof CanonicalReadError) throw malformedTx(e.message);
      throw e;
    }
  }

  u8(field: string): number {
    return this.read(() => this.r.u8(field));
  }

  u32(field: string): number {
    return this.read(() => this.r.u32(field));
  }

  u64(field: string): bigint {
    return this.read(() => this.r.u64(field));
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
    return this.read(() => this.r.fixed(length, field));
  }

  /** A chain id: u32 length and 1-64 characters of a-z 0-9 - _ . (the hub's consumer-id form). */
  chainId(field = "chainId"): string {
    const len = this.u32(`${field} length`);
    if (len < 1 || len > MAX_CONSUMER_ID_LENGTH) throw malformedTx(`${field}: length ${len} is not within 1..${MAX_CONSUMER_ID_LENGTH}`);
    const s = String.fromCharCode(...this.fixed(len, field));
    if (!isConsumerId(s)) throw malformedTx(`${field}: not a consumer id (a-z 0-9 - _ .)`);
    return s;
  }

  /** Refuses anything after the last field. */
  end(): void {
    this.read(() => this.r.end());
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
