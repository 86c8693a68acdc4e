import { EncodingError } from "./errors.js";
import { utf8 } from "./bytes.js";

const U64_MAX = (1n << 64n) - 1n;

/**
 * Canonical, fixed-order binary encoding for everything that is hashed or signed.
 * Integers are big-endian fixed width; byte strings and strings are u32-length-prefixed.
 * The encoding is defined here once and used by hub and SDK alike (golden vectors in test/vectors).
 */
export class CanonicalWriter {
  private chunks: Uint8Array[] = [];
  private size = 0;

  private push(b: Uint8Array): this {
    this.chunks.push(b);
    this.size += b.length;
    return this;
  }

  u8(v: number, field = "u8"): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xff) throw outOfRange(field, v);
    return this.push(Uint8Array.of(v));
  }

  u32(v: number, field = "u32"): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw outOfRange(field, v);
    return this.push(Uint8Array.of(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff));
  }

  /** Signed 32-bit, used for "no round" = -1 (proof-of-lock round). */
  i32(v: number, field = "i32"): this {
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) throw outOfRange(field, v);
    return this.push(Uint8Array.of((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff));
  }

  u64(v: bigint | number, field = "u64"): this {
    if (typeof v === "number") {
      // Safe integers (below 2^53) without a BigInt: high and low 32-bit halves.
      if (!Number.isSafeInteger(v) || v < 0) throw outOfRange(field, v);
      const hi = Math.floor(v / 0x100000000);
      const lo = v >>> 0;
      return this.push(Uint8Array.of(hi >>> 24, (hi >>> 16) & 0xff, (hi >>> 8) & 0xff, hi & 0xff, lo >>> 24, (lo >>> 16) & 0xff, (lo >>> 8) & 0xff, lo & 0xff));
    }
    if (v < 0n || v > U64_MAX) throw outOfRange(field, v);
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, v);
    return this.push(b);
  }

  /** Raw bytes of a length fixed by the schema (hashes, keys). */
  fixed(bytes: Uint8Array, length: number, field: string): this {
    if (bytes.length !== length) {
      throw new EncodingError({ code: "ENCODING_ERROR_INVALID_LENGTH", field, expected: length, actual: bytes.length });
    }
    return this.push(bytes);
  }

  bytes(bytes: Uint8Array): this {
    this.u32(bytes.length, "length");
    return this.push(bytes);
  }

  string(s: string): this {
    return this.bytes(utf8(s));
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let off = 0;
    for (const c of this.chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }
}

function outOfRange(field: string, v: unknown): EncodingError {
  return new EncodingError({ code: "ENCODING_ERROR_OUT_OF_RANGE", field, value: String(v) });
}
