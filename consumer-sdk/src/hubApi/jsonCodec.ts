/**
 * The primitives of the hub API's JSON: lowercase hex, base64, decimal strings for bigints,
 * ISO-8601 times with milliseconds, and readers that check one value each and name its path in the
 * HubApiError they throw. Browser-safe (no Buffer, no node:*). Internal to hubApi/.
 */
import { HubApiError } from "./hubApiError.js";

export function malformed(path: string, reason: string): HubApiError {
  return new HubApiError({ code: "HUB_API_ERROR_MALFORMED", path, reason }, `hub API JSON ${path}: ${reason}`);
}

export function inconsistent(path: string, reason: string): HubApiError {
  return new HubApiError({ code: "HUB_API_ERROR_INCONSISTENT", path, reason }, `hub API JSON ${path}: ${reason}`);
}

// --- hex ---

const HEX_BYTE = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** Lowercase hex, no prefix: how the API writes bytes. */
export function encodeHex(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += HEX_BYTE[bytes[i]!];
  return s;
}

function nibble(c: number): number {
  return c <= 57 ? c - 48 : c - 87; // '0'-'9', 'a'-'f' (the caller has checked the alphabet)
}

const LOWER_HEX = /^[0-9a-f]*$/;

/** Lowercase hex of exactly `length` bytes (or `min`..`max` bytes). Length first, then alphabet. */
export function readHex(v: unknown, path: string, length: number | { min: number; max: number }): Uint8Array {
  if (typeof v !== "string") throw malformed(path, "not a hex string");
  const [min, max] = typeof length === "number" ? [length, length] : [length.min, length.max];
  if (v.length % 2 !== 0 || v.length < 2 * min || v.length > 2 * max) {
    throw malformed(path, min === max ? `not ${min} bytes of hex (${v.length} characters)` : `not ${min} to ${max} bytes of hex (${v.length} characters)`);
  }
  if (!LOWER_HEX.test(v)) throw malformed(path, "not lowercase hex");
  const out = new Uint8Array(v.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = (nibble(v.charCodeAt(2 * i)) << 4) | nibble(v.charCodeAt(2 * i + 1));
  return out;
}

// --- base64 (RFC 4648 §4, standard alphabet, padded) ---

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_INDEX[B64.charCodeAt(i)] = i;

export function encodeBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  let s = "";
  const n = bytes.length;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const x = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    s += B64[x >> 18]! + B64[(x >> 12) & 63]! + B64[(x >> 6) & 63]! + B64[x & 63]!;
    if (s.length >= 8192) (parts.push(s), (s = ""));
  }
  if (n - i === 1) {
    const x = bytes[i]! << 16;
    s += B64[x >> 18]! + B64[(x >> 12) & 63]! + "==";
  } else if (n - i === 2) {
    const x = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    s += B64[x >> 18]! + B64[(x >> 12) & 63]! + B64[(x >> 6) & 63]! + "=";
  }
  parts.push(s);
  return parts.join("");
}

/**
 * Standard base64 of `min`..`max` bytes. Padding may be left out (RFC 4648 §3.2); anything else that
 * is not the canonical encoding (other characters, whitespace, non-zero bits after the last byte) is
 * refused. The length is checked before anything is decoded.
 */
export function readBase64(v: unknown, path: string, min: number, max: number): Uint8Array {
  if (typeof v !== "string") throw malformed(path, "not a base64 string");
  if (v.length > Math.ceil(max / 3) * 4) throw malformed(path, `longer than ${max} bytes`);
  let end = v.length;
  while (end > 0 && v.charCodeAt(end - 1) === 61 /* = */ && v.length - end < 2) end--;
  const pad = v.length - end;
  const rem = end % 4;
  if (rem === 1 || (pad > 0 && (v.length % 4 !== 0 || pad !== 4 - rem))) throw malformed(path, "not base64 (length or padding)");
  const bytes = Math.floor((end * 3) / 4);
  if (bytes < min || bytes > max) throw malformed(path, `not ${min} to ${max} bytes (${bytes})`);
  const out = new Uint8Array(bytes);
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < end; i++) {
    const c = v.charCodeAt(i);
    const d = c < 128 ? B64_INDEX[c]! : -1;
    if (d < 0) throw malformed(path, "not base64 (character outside the standard alphabet)");
    acc = ((acc << 6) | d) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  if ((acc & ((1 << bits) - 1)) !== 0) throw malformed(path, "not canonical base64 (bits after the last byte)");
  return out;
}

// --- times ---

const ISO_MS = /^(?:\d{4}|\+\d{6})-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Unix ms as the API writes times: ISO-8601, UTC, with milliseconds (`Date.prototype.toISOString`). */
export function encodeIsoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** An ISO-8601 time with milliseconds in UTC, exactly as `toISOString` writes it, not before 1970 → Unix ms. */
export function readIsoTime(v: unknown, path: string): number {
  if (typeof v !== "string") throw malformed(path, "not an ISO-8601 time string");
  if (v.length > 27 || !ISO_MS.test(v)) throw malformed(path, "not an ISO-8601 UTC time with milliseconds (YYYY-MM-DDTHH:mm:ss.sssZ)");
  const ms = Date.parse(v);
  if (!Number.isFinite(ms) || new Date(ms).toISOString() !== v) throw malformed(path, "not a valid date and time");
  if (ms < 0) throw malformed(path, "before 1970");
  return ms;
}

// --- scalars ---

export function readInt(v: unknown, path: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== "number") throw malformed(path, "not a number");
  if (!Number.isSafeInteger(v)) throw malformed(path, "not a safe integer");
  if (v < min || v > max) throw malformed(path, `out of range (${min} to ${max})`);
  return v + 0; // -0 → 0
}

const DECIMAL = /^(0|[1-9][0-9]*)$/;

/** A non-negative integer as a decimal string (how the API writes bigints), at most `max`. */
export function readDecimal(v: unknown, path: string, max: bigint, min = 0n): bigint {
  if (typeof v !== "string") throw malformed(path, "not a decimal string");
  if (v.length > max.toString().length || !DECIMAL.test(v)) throw malformed(path, v.length > 0 && DECIMAL.test(v) ? `above ${max}` : "not a decimal integer string");
  const x = BigInt(v);
  if (x > max) throw malformed(path, `above ${max}`);
  if (x < min) throw malformed(path, `below ${min}`);
  return x;
}

export function readString(v: unknown, path: string, maxLength: number, minLength = 0): string {
  if (typeof v !== "string") throw malformed(path, "not a string");
  if (v.length < minLength || v.length > maxLength) throw malformed(path, `not ${minLength} to ${maxLength} characters`);
  return v;
}

export function readBoolean(v: unknown, path: string): boolean {
  if (typeof v !== "boolean") throw malformed(path, "not a boolean");
  return v;
}

export function readLiteral<T extends string | number>(v: unknown, path: string, allowed: readonly T[]): T {
  if (!allowed.includes(v as T)) throw malformed(path, `not one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}`);
  return v as T;
}

/** A hub chain id: 1 to 50 of [a-zA-Z0-9._-] (the genesis rule). */
export const HUB_CHAIN_ID_PATTERN = /^[a-zA-Z0-9._-]{1,50}$/;

export function readChainId(v: unknown, path: string): string {
  const s = readString(v, path, 50, 1);
  if (!HUB_CHAIN_ID_PATTERN.test(s)) throw malformed(path, "not a chain id (1-50 of a-z A-Z 0-9 . _ -)");
  return s;
}

// --- structure ---

/** An object with exactly `keys` (each present, none other) plus any of `optional` (absent: undefined). */
export function readObject(v: unknown, path: string, keys: readonly string[], optional: readonly string[] = []): Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw malformed(path, "not an object");
  for (const k of keys) if (!Object.hasOwn(v, k)) throw malformed(`${path}.${k}`, "missing");
  const own = Object.keys(v);
  if (own.length !== keys.length) for (const k of own) if (!keys.includes(k) && !optional.includes(k)) throw malformed(`${path}.${k}`, "unknown field");
  return v as Record<string, unknown>;
}

/** The discriminating field of a union (`kind`, `type`), read after checking `v` is an object. */
export function readTag<T extends string>(v: unknown, path: string, key: string, allowed: readonly T[]): T {
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw malformed(path, "not an object");
  if (!Object.hasOwn(v, key)) throw malformed(`${path}.${key}`, "missing");
  return readLiteral((v as Record<string, unknown>)[key], `${path}.${key}`, allowed);
}

export function readArray<T>(v: unknown, path: string, maxLength: number, item: (x: unknown, path: string, index: number) => T, minLength = 0): T[] {
  if (!Array.isArray(v)) throw malformed(path, "not an array");
  if (v.length < minLength || v.length > maxLength) throw malformed(path, `not ${minLength} to ${maxLength} items (${v.length})`);
  return v.map((x, i) => item(x, `${path}[${i}]`, i));
}

export function readNullable<T>(v: unknown, path: string, read: (x: unknown, path: string) => T): T | null {
  return v === null ? null : read(v, path);
}
