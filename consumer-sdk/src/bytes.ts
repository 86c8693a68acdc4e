import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { EncodingError } from "./errors.js";

/** Node's Buffer where there is one (faster on the hot paths), @noble/hashes' hex elsewhere (browsers): the same strings. */
const NodeBuffer = (globalThis as { Buffer?: typeof Buffer }).Buffer;

export function toHex(bytes: Uint8Array): string {
  return NodeBuffer ? NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex") : bytesToHex(bytes);
}

export function fromHex(hex: string, field = "hex", expectedLength?: number): Uint8Array {
  const clean = hex.startsWith("0x") ? hex.slice(2) : hex;
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) {
    throw new EncodingError({ code: "ENCODING_ERROR_INVALID_HEX", field });
  }
  const out = NodeBuffer ? new Uint8Array(NodeBuffer.from(clean, "hex")) : hexToBytes(clean);
  if (expectedLength !== undefined) assertLength(out, expectedLength, field);
  return out;
}

export function assertLength(bytes: Uint8Array, expected: number, field: string): void {
  if (bytes.length !== expected) {
    throw new EncodingError({ code: "ENCODING_ERROR_INVALID_LENGTH", field, expected, actual: bytes.length });
  }
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

const textEncoder = new TextEncoder();
/** UTF-8 bytes of `s`. Short ASCII strings (keys, denoms, amounts: most calls) skip TextEncoder's per-call cost. */
export function utf8(s: string): Uint8Array {
  const n = s.length;
  if (n <= 64) {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) return textEncoder.encode(s);
      out[i] = c;
    }
    return out;
  }
  return textEncoder.encode(s);
}
