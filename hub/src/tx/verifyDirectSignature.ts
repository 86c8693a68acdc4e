import { secp256k1 } from "@noble/curves/secp256k1.js";
import { sha256 } from "@noble/hashes/sha2.js";

/** Length of a Cosmos secp256k1 signature: r || s, 32 bytes each, big-endian. */
export const SECP256K1_SIGNATURE_LENGTH = 64;

/**
 * Verify a Cosmos secp256k1 signature over `signBytes` (SIGN_MODE_DIRECT SignDoc bytes), with the
 * SDK's rules: ECDSA over SHA-256(signBytes), 64-byte compact r||s, 0 < r,s < n, and low-S required
 * (s <= n/2; the SDK rejects the malleable high-S twin). Never throws: malformed input is `false`.
 *
 * noble/curves v2 `verify` defaults are `prehash: true, lowS: true, format: "compact"`; all three are
 * passed explicitly (with our own SHA-256 and `prehash: false`) so a change of defaults cannot change
 * consensus behaviour.
 */
export function verifyDirectSignature(pubkey: Uint8Array, signBytes: Uint8Array, signature: Uint8Array): boolean {
  if (!(pubkey instanceof Uint8Array) || pubkey.length !== 33) return false;
  if (!(signBytes instanceof Uint8Array)) return false;
  if (!(signature instanceof Uint8Array) || signature.length !== SECP256K1_SIGNATURE_LENGTH) return false;
  try {
    return secp256k1.verify(signature, sha256(signBytes), pubkey, { prehash: false, lowS: true, format: "compact" });
  } catch {
    return false;
  }
}
