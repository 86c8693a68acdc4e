import { ripemd160 } from "@noble/hashes/legacy.js";
import { sha256 } from "@aegis/consumer-sdk";
import { assertSecp256k1PubKey } from "./assertSecp256k1PubKey.js";

/** Length of an account address derived from a secp256k1 key. */
export const ACCOUNT_ADDRESS_LENGTH = 20;

/**
 * Cosmos secp256k1 account address: RIPEMD-160(SHA-256(compressed pubkey)), 20 bytes — the same
 * bytes cosmjs `rawSecp256k1PubkeyToRawAddress` and the SDK's `secp256k1.PubKey.Address()` produce.
 * Throws TX_ERROR_INVALID_PUBKEY when `pubkey` is not a valid compressed secp256k1 key.
 */
export function computeAccountAddress(pubkey: Uint8Array): Uint8Array {
  assertSecp256k1PubKey(pubkey);
  return ripemd160(sha256(pubkey));
}
