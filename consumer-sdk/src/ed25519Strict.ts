import { ed25519 } from "@noble/curves/ed25519.js";
import { bytesToNumberLE } from "@noble/curves/utils.js";
import { sha512 } from "@noble/hashes/sha2.js";
import { bytesEqual, concatBytes, toHex } from "./bytes.js";

/**
 * Strict, cofactorless ed25519 verification (RFC 8032 §5.1.7 with the equation [S]B = R + [k]A checked
 * exactly, not multiplied by the cofactor): 32-byte canonical key of a point that is not of small
 * order, a canonical R that is not of small order either, S below the group order L. This is what
 * libsodium's crypto_sign_verify_detached computes, and what OpenSSL computes once the small-order R
 * is refused first (OpenSSL recomputes R and compares the encodings; it takes R = identity when the
 * equation holds, libsodium does not). So Node verifies through libsodium (`sodium-native`, ~50 µs
 * here), or through `node:crypto` where the addon cannot load (~110 µs), and a browser through noble
 * with the same equation (~2 ms): all three give the same answer on every input, adversarial ones
 * included (a test holds them to it). @noble/curves' own `verify` is cofactored: it accepts an R
 * with a small-order component that the others refuse, so it is not used.
 */
const L = ed25519.Point.Fn.ORDER;
const SIGNATURE_LENGTH = 64;
const KEY_LENGTH = 32;
/** DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): what node:crypto takes a raw key in. */
const SPKI_PREFIX = Uint8Array.of(0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00);

type NodeCrypto = {
  createPublicKey(o: { key: Uint8Array; format: "der"; type: "spki" }): unknown;
  verify(alg: null, data: Uint8Array, key: unknown, signature: Uint8Array): boolean;
};
const isNode = typeof process !== "undefined" && !!process.versions?.node;
const nodeCrypto: NodeCrypto | null = await (async () => {
  try {
    return isNode ? ((await import("node:crypto")) as unknown as NodeCrypto) : null;
  } catch {
    return null;
  }
})();

type Sodium = { crypto_sign_verify_detached(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean };
/** libsodium through the `sodium-native` addon (prebuilt for the common platforms); null where it cannot load. */
const sodium: Sodium | null = await (async () => {
  if (!isNode) return null;
  try {
    const name = "sodium-native"; // not a literal import: bundlers for the browser must not follow it
    const m = (await import(/* @vite-ignore */ /* webpackIgnore: true */ name)) as { default?: Sodium } & Sodium;
    const s = m.default ?? m;
    return typeof s.crypto_sign_verify_detached === "function" ? s : null;
  } catch {
    return null;
  }
})();

/** The implementation "auto" verifies with here: "sodium" (libsodium), "node" (OpenSSL) or "noble" (JavaScript). */
export const ED25519_BACKEND: "sodium" | "node" | "noble" = sodium ? "sodium" : nodeCrypto ? "node" : "noble";

/** Key checks (and node:crypto key objects) cached per key: a producer signs many checkpoints. */
const MAX_CACHED_KEYS = 4096;
const keyCache = new Map<string, { valid: boolean; nodeKey?: unknown }>();

function keyEntry(publicKey: Uint8Array): { valid: boolean; nodeKey?: unknown } {
  const hex = toHex(publicKey);
  let e = keyCache.get(hex);
  if (e) return e;
  let valid = false;
  try {
    valid = !ed25519.Point.fromBytes(publicKey, false).isSmallOrder();
  } catch {
    valid = false;
  }
  e = { valid };
  if (keyCache.size >= MAX_CACHED_KEYS) keyCache.delete(keyCache.keys().next().value!);
  keyCache.set(hex, e);
  return e;
}

/** 32 bytes, the canonical encoding of a curve point that is not of small order. Never throws. */
export function isStrictEd25519PublicKey(publicKey: Uint8Array): boolean {
  return publicKey instanceof Uint8Array && publicKey.length === KEY_LENGTH && keyEntry(publicKey).valid;
}

export type Ed25519Backend = "auto" | "sodium" | "node" | "noble";

/**
 * The canonical encodings of the eight points of small order ([i]T for a point T of order 8): an R
 * among them is refused before any backend sees it (libsodium's rule; its other encodings of these
 * points are not canonical, which every backend refuses anyway).
 */
const SMALL_ORDER_ENCODINGS: ReadonlySet<string> = (() => {
  const t8 = ed25519.Point.fromBytes(Uint8Array.from([0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a]));
  const out = new Set<string>();
  let p = ed25519.Point.ZERO;
  for (let i = 0; i < 8; i++, p = p.add(t8)) out.add(toHex(p.toBytes()));
  if (out.size !== 8) throw new Error("ed25519Strict: the small-order points did not come out as eight");
  return out;
})();

/**
 * Whether `signature` is `publicKey`'s strict, cofactorless ed25519 signature of `message`. Never
 * throws. `backend`: "auto" (ED25519_BACKEND: libsodium, else node:crypto, else noble), or one of
 * them explicitly (tests; an explicit backend that is not available here throws).
 */
export function verifyEd25519Strict(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, backend: Ed25519Backend = "auto"): boolean {
  if (!isStrictEd25519PublicKey(publicKey)) return false;
  if (!(signature instanceof Uint8Array) || signature.length !== SIGNATURE_LENGTH || !(message instanceof Uint8Array)) return false;
  if (bytesToNumberLE(signature.subarray(32)) >= L) return false; // S < L (no malleated S)
  if (SMALL_ORDER_ENCODINGS.has(toHex(signature.subarray(0, 32)))) return false; // R not of small order
  const chosen = backend === "auto" ? ED25519_BACKEND : backend;
  if (chosen === "sodium") {
    if (!sodium) throw new Error("sodium-native is not available here");
    try {
      return sodium.crypto_sign_verify_detached(signature, message, publicKey);
    } catch {
      return false;
    }
  }
  if (chosen === "node") {
    if (!nodeCrypto) throw new Error("node:crypto is not available here");
    const e = keyEntry(publicKey);
    e.nodeKey ??= nodeCrypto.createPublicKey({ key: concatBytes(SPKI_PREFIX, publicKey), format: "der", type: "spki" });
    try {
      return nodeCrypto.verify(null, message, e.nodeKey, signature);
    } catch {
      return false;
    }
  }
  try {
    const A = ed25519.Point.fromBytes(publicKey, false);
    const rBytes = signature.subarray(0, 32);
    const R = ed25519.Point.fromBytes(rBytes, false); // canonical encodings only
    const S = bytesToNumberLE(signature.subarray(32));
    const k = bytesToNumberLE(sha512(concatBytes(rBytes, publicKey, message))) % L;
    // Cofactorless: [S]B - [k]A must be R itself (compared as encodings, as OpenSSL does).
    const SB = S === 0n ? ed25519.Point.ZERO : ed25519.Point.BASE.multiply(S);
    const RPrime = SB.subtract(k === 0n ? ed25519.Point.ZERO : A.multiplyUnsafe(k));
    return bytesEqual(RPrime.toBytes(), rBytes) && RPrime.equals(R);
  } catch {
    return false;
  }
}
