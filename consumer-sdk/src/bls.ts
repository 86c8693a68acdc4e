import bls from "@chainsafe/bls";
import type { PublicKey, Signature } from "@chainsafe/bls/types";
import { CanonicalWriter } from "./canonicalWriter.js";
import { toHex } from "./bytes.js";

/**
 * The one place that touches the BLS library (BLS12-381, Ethereum's ciphersuite, minimal-pubkey-size:
 * 48-byte public keys in G1, 96-byte signatures in G2). Everything else calls these functions, so the
 * backend (herumi WASM today, blst native later) can change in one file.
 */
export const BLS_PUBLIC_KEY_LENGTH = 48;
export const BLS_SIGNATURE_LENGTH = 96;
export const BLS_SECRET_KEY_LENGTH = 32;

const POP_DOMAIN = "aegis/bls-pop/v1";

const publicKeyCache = new Map<string, PublicKey>();
const PUBLIC_KEY_CACHE_MAX = 4096;

/** Deserializes and validates (on curve, in subgroup, not infinity) a public key; cached by bytes. */
export function getBlsPublicKey(bytes: Uint8Array): PublicKey | null {
  if (bytes.length !== BLS_PUBLIC_KEY_LENGTH) return null;
  const key = toHex(bytes);
  const hit = publicKeyCache.get(key);
  if (hit) return hit;
  let pk: PublicKey;
  try {
    pk = bls.PublicKey.fromBytes(bytes, undefined, true);
  } catch {
    return null;
  }
  if (publicKeyCache.size >= PUBLIC_KEY_CACHE_MAX) publicKeyCache.clear();
  publicKeyCache.set(key, pk);
  return pk;
}

export function isValidBlsPublicKey(bytes: Uint8Array): boolean {
  return getBlsPublicKey(bytes) !== null;
}

function getSignature(bytes: Uint8Array): Signature | null {
  if (bytes.length !== BLS_SIGNATURE_LENGTH) return null;
  try {
    return bls.Signature.fromBytes(bytes, undefined, true);
  } catch {
    return null;
  }
}

export function blsVerify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const pk = getBlsPublicKey(publicKey);
  const sig = getSignature(signature);
  if (!pk || !sig) return false;
  try {
    return sig.verify(pk, message);
  } catch {
    return false;
  }
}

/**
 * Verifies one signature by many keys over one message (keys aggregated, one pairing check).
 * Safe against rogue keys only because every key in a validator set carries a proof of possession.
 */
export function blsVerifyAggregate(publicKeys: readonly Uint8Array[], message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKeys.length === 0) return false;
  const pks: PublicKey[] = [];
  for (const b of publicKeys) {
    const pk = getBlsPublicKey(b);
    if (!pk) return false;
    pks.push(pk);
  }
  const sig = getSignature(signature);
  if (!sig) return false;
  try {
    return sig.verifyAggregate(pks, message);
  } catch {
    return false;
  }
}

export function blsAggregateSignatures(signatures: readonly Uint8Array[]): Uint8Array {
  return bls.aggregateSignatures([...signatures]);
}

export interface BlsKeyPair {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}

export function createBlsKeyPair(entropy?: Uint8Array): BlsKeyPair {
  const sk = bls.SecretKey.fromKeygen(entropy);
  return { secretKey: sk.toBytes(), publicKey: sk.toPublicKey().toBytes() };
}

export function blsPublicKeyFromSecret(secretKey: Uint8Array): Uint8Array {
  return bls.secretKeyToPublicKey(secretKey);
}

export function blsSign(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
  return bls.sign(secretKey, message);
}

/** Message a validator signs to prove it holds the secret key of `publicKey` (blocks rogue-key attacks). */
export function computeBlsPopMessage(publicKey: Uint8Array): Uint8Array {
  return new CanonicalWriter().string(POP_DOMAIN).fixed(publicKey, BLS_PUBLIC_KEY_LENGTH, "publicKey").finish();
}

export function createBlsProofOfPossession(secretKey: Uint8Array): Uint8Array {
  return blsSign(secretKey, computeBlsPopMessage(blsPublicKeyFromSecret(secretKey)));
}

export function isValidBlsProofOfPossession(publicKey: Uint8Array, proof: Uint8Array): boolean {
  if (publicKey.length !== BLS_PUBLIC_KEY_LENGTH) return false;
  return blsVerify(publicKey, computeBlsPopMessage(publicKey), proof);
}
