import { DbError } from "./dbError.js";

/** Digits of Number.MAX_SAFE_INTEGER: every safe non-negative integer fits, so keys sort numerically. */
export const HEIGHT_KEY_DIGITS = 16;

/** Zero-padded decimal key for a non-negative safe integer (heights, rounds, sequence numbers). */
export function heightKey(n: number, field = "height"): string {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new DbError({ code: "DB_ERROR_INVALID_ARGUMENT", field, reason: "not a safe integer >= 0" });
  }
  return n.toString().padStart(HEIGHT_KEY_DIGITS, "0");
}

export function parseHeightKey(key: string): number {
  const n = Number(key);
  if (key.length !== HEIGHT_KEY_DIGITS || !Number.isSafeInteger(n) || n < 0) {
    throw new DbError({ code: "DB_ERROR_CORRUPT", key, reason: "not a height key" });
  }
  return n;
}

/** 8-byte big-endian encoding of a non-negative safe integer, for stored counters. */
export function encodeUint64(n: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n));
  return out;
}

export function decodeUint64(bytes: Uint8Array, key: string): number {
  if (bytes.length !== 8) throw new DbError({ code: "DB_ERROR_CORRUPT", key, reason: `expected 8 bytes, got ${bytes.length}` });
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0));
  if (!Number.isSafeInteger(n)) throw new DbError({ code: "DB_ERROR_CORRUPT", key, reason: "not a safe integer" });
  return n;
}
