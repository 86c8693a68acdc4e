/**
 * Byte strings as JS strings, one char (0..255) per byte. JS string comparison then orders them exactly
 * like their bytes (lexicographic, a prefix first), so they serve as ordered map keys.
 */
export function toByteString(bytes: Uint8Array): string {
  if (bytes.length <= 1024) return String.fromCharCode.apply(null, bytes as unknown as number[]);
  let s = "";
  for (let i = 0; i < bytes.length; i += 1024) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 1024) as unknown as number[]);
  return s;
}

export function fromByteString(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** Sorts after every byte string that starts with `prefix` and before every other greater one. */
export function afterPrefix(prefix: string): string {
  return prefix + "\u0100";
}

/** The smallest byte string greater than `s`. */
export function justAfter(s: string): string {
  return s + "\u0000";
}

/** A copy of `b` as a plain Uint8Array (a Buffer's `slice` would share memory). */
export function copyBytes(b: Uint8Array): Uint8Array {
  return new Uint8Array(b);
}
