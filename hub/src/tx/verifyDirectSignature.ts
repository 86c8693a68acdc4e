import { createPublicKey, verify as opensslVerify, type KeyObject } from "node:crypto";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { sha256 } from "@noble/hashes/sha2.js";

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
 * Verify a Cosmos secp256k1 signature over `signBytes` (SIGN_MODE_DIRECT SignDoc bytes), with the
 * SDK's rules: ECDSA over SHA-256(signBytes), 64-byte compact r||s, 0 < r,s < n, and low-S required
 * (s <= n/2; the SDK rejects the malleable high-S twin). Never throws: malformed input is `false`.
 *
 * The range and low-S rules are checked here (OpenSSL accepts high S); the ECDSA equation by OpenSSL
 * through node:crypto (`verifyDirectSignatureJs` is the pure-JS equivalent, kept for cross-checks).
 */
export function verifyDirectSignature(pubkey: Uint8Array, signBytes: Uint8Array, signature: Uint8Array): boolean {
  if (!(pubkey instanceof Uint8Array) || pubkey.length !== 33) return false;
  if (!(signBytes instanceof Uint8Array)) return false;
  if (!(signature instanceof Uint8Array) || signature.length !== SECP256K1_SIGNATURE_LENGTH) return false;
  const r = readScalar(signature, 0);
  const s = readScalar(signature, 32);
  if (r === 0n || r >= N || s === 0n || s > HALF_N) return false;
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
