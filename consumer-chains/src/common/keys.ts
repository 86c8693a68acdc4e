import { ed25519 } from "@noble/curves/ed25519.js";
import { fromHex, sha256, toHex } from "@aegis/consumer-sdk";

/** Addresses are the first 20 bytes of sha256(ed25519 public key), shown as 40 lowercase hex digits. */
export const ADDRESS_LENGTH = 20;
export const PUBLIC_KEY_LENGTH = 32;
export const SIGNATURE_LENGTH = 64;
export const TX_HASH_LENGTH = 32;

/** The 20-byte address of an ed25519 public key: sha256(publicKey)[0..20]. */
export function addressOf(publicKey: Uint8Array): Uint8Array {
  return sha256(publicKey).slice(0, ADDRESS_LENGTH);
}

/** The address of an ed25519 public key as 40 lowercase hex digits. */
export function addressHexOf(publicKey: Uint8Array): string {
  return toHex(addressOf(publicKey));
}

/** An address given as 40 hex digits (either case, no 0x); undefined when it is not one. */
export function parseAddressHex(s: unknown): Uint8Array | undefined {
  if (typeof s !== "string" || !/^[0-9a-fA-F]{40}$/.test(s)) return undefined;
  return fromHex(s);
}

/** A 32-byte hash given as 64 hex digits (either case, no 0x); undefined when it is not one. */
export function parseHashHex(s: unknown): Uint8Array | undefined {
  if (typeof s !== "string" || !/^[0-9a-fA-F]{64}$/.test(s)) return undefined;
  return fromHex(s);
}

export interface ChainKey {
  /** The 32-byte ed25519 secret key (seed). Keep it secret. */
  secretKey: Uint8Array;
  publicKey: Uint8Array;
  /** 40 lowercase hex digits. */
  address: string;
}

/** An ed25519 key and its address; random unless a 32-byte `seed` (the secret key itself) is given. */
export function createKey(seed?: Uint8Array): ChainKey {
  if (seed !== undefined && (!(seed instanceof Uint8Array) || seed.length !== 32)) throw new Error("seed: expected 32 bytes");
  const { secretKey, publicKey } = ed25519.keygen(seed);
  return { secretKey, publicKey, address: addressHexOf(publicKey) };
}

/** The public key of a 32-byte ed25519 secret key. */
export function publicKeyOf(secretKey: Uint8Array): Uint8Array {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== 32) throw new Error("secretKey: expected 32 bytes");
  return ed25519.getPublicKey(secretKey);
}

/** An ed25519 signature (RFC 8032, deterministic). */
export function signEd25519(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  return ed25519.sign(message, secretKey);
}
