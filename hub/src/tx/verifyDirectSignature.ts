import { createHash, createPublicKey, verify as opensslVerify, type KeyObject } from "node:crypto";
import { createRequire } from "node:module";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { sha256 } from "@noble/hashes/sha2.js";

interface NativeSecp256k1 {
  ecdsaVerify(signature: Uint8Array, message32: Uint8Array, publicKey: Uint8Array): boolean;
}

/**
 * libsecp256k1 (Bitcoin Core's library) through the `secp256k1` package's prebuilt N-API addon:
 * about 0.05 ms a verification here, against ~0.9 ms for OpenSSL's generic curve code. Null when the
 * addon cannot load on this platform (the package would fall back to slow JS): OpenSSL is used then.
 */
const nativeSecp256k1: NativeSecp256k1 | null = (() => {
  try {
    return createRequire(import.meta.url)("secp256k1/bindings.js") as NativeSecp256k1;
  } catch {
    return null;
  }
})();

/** Which implementation checks the ECDSA equation: "libsecp256k1" (native) or "openssl". */
export const SECP256K1_BACKEND: "libsecp256k1" | "openssl" = nativeSecp256k1 ? "libsecp256k1" : "openssl";

/** Length of a Cosmos secp256k1 signature: r || s, 32 bytes each, big-endian. */
export const SECP256K1_SIGNATURE_LENGTH = 64;

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const HALF_N = N >> 1n;
/** DER prefix of a SubjectPublicKeyInfo for a compressed secp256k1 point (id-ecPublicKey, secp256k1). */
const SPKI_PREFIX = Buffer.from("3036301006072a8648ce3d020106052b8104000a032200", "hex");
const keyCache = new Map<string, KeyObject | null>();
const KEY_CACHE_MAX = 10_000;

/**
 * The public key as an OpenSSL key object, cached; null when the bytes are not a point on the curve.
 * OpenSSL verifies secp256k1 about 3x faster than JS and signature checks are the largest cost of a
 * block of transfers (docs/decisions.md).
 */
function opensslKey(pubkey: Uint8Array): KeyObject | null {
  const id = Buffer.from(pubkey).toString("hex");
  let key = keyCache.get(id);
  if (key === undefined) {
    try {
      secp256k1.Point.fromBytes(pubkey); // the same on-curve check the JS path applies
      key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, pubkey]), format: "der", type: "spki" });
    } catch {
      key = null;
    }
    if (keyCache.size >= KEY_CACHE_MAX) keyCache.clear();
    keyCache.set(id, key);
  }
  return key;
}

function readScalar(b: Uint8Array, offset: number): bigint {
  return BigInt("0x" + Buffer.from(b.subarray(offset, offset + 32)).toString("hex"));
}

/**
 * Verify a Cosmos secp256k1 signature over `signBytes` (a SIGN_MODE_DIRECT SignDoc, or the amino JSON
 * sign doc of SIGN_MODE_LEGACY_AMINO_JSON: the same ECDSA rule for both), with the
 * SDK's rules: ECDSA over SHA-256(signBytes), 64-byte compact r||s, 0 < r,s < n, and low-S required
 * (s <= n/2; the SDK rejects the malleable high-S twin). Never throws: malformed input is `false`.
 *
 * The range and low-S rules are checked here (OpenSSL accepts high S); the ECDSA equation by
 * libsecp256k1 when its addon loads, else by OpenSSL (`verifyDirectSignatureOpenssl`);
 * `verifyDirectSignatureJs` is the pure-JS equivalent, kept for cross-checks.
 */
export function verifyDirectSignature(pubkey: Uint8Array, signBytes: Uint8Array, signature: Uint8Array): boolean {
  if (!nativeSecp256k1) return verifyDirectSignatureOpenssl(pubkey, signBytes, signature);
  if (!hasValidShape(pubkey, signBytes, signature)) return false;
  try {
    return nativeSecp256k1.ecdsaVerify(signature, createHash("sha256").update(signBytes).digest(), pubkey);
  } catch {
    return false; // not a point on the curve
  }
}

/** Lengths, 0 < r, s < n and low S: the rules checked before any curve arithmetic. */
function hasValidShape(pubkey: Uint8Array, signBytes: Uint8Array, signature: Uint8Array): boolean {
  if (!(pubkey instanceof Uint8Array) || pubkey.length !== 33) return false;
  if (!(signBytes instanceof Uint8Array)) return false;
  if (!(signature instanceof Uint8Array) || signature.length !== SECP256K1_SIGNATURE_LENGTH) return false;
  const r = readScalar(signature, 0);
  const s = readScalar(signature, 32);
  return !(r === 0n || r >= N || s === 0n || s > HALF_N);
}

/** The same rule with OpenSSL (node:crypto) checking the ECDSA equation. */
export function verifyDirectSignatureOpenssl(pubkey: Uint8Array, signBytes: Uint8Array, signature: Uint8Array): boolean {
  if (!hasValidShape(pubkey, signBytes, signature)) return false;
  const key = opensslKey(pubkey);
  if (!key) return false;
  try {
    return opensslVerify("sha256", signBytes, { key, dsaEncoding: "ieee-p1363" }, signature);
  } catch {
    return false;
  }
}

/** The same rule in pure JS (noble/curves), with every option explicit so a change of library defaults cannot change it. */
export function verifyDirectSignatureJs(pubkey: Uint8Array, signBytes: Uint8Array, signature: Uint8Array): boolean {
  if (!(pubkey instanceof Uint8Array) || pubkey.length !== 33) return false;
  if (!(signBytes instanceof Uint8Array)) return false;
  if (!(signature instanceof Uint8Array) || signature.length !== SECP256K1_SIGNATURE_LENGTH) return false;
  try {
    return secp256k1.verify(signature, sha256(signBytes), pubkey, { prehash: false, lowS: true, format: "compact" });
  } catch {
    return false;
  }
}
