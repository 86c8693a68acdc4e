import { secp256k1 } from "@noble/curves/secp256k1.js";
import { TxError } from "./txError.js";

/** Length of a compressed SEC1 secp256k1 public key, the only form Cosmos `secp256k1.PubKey` accepts. */
export const SECP256K1_PUBKEY_LENGTH = 33;

/**
 * Assert `pubkey` is a 33-byte compressed secp256k1 point (prefix 0x02/0x03) that lies on the curve.
 * Throws TX_ERROR_INVALID_PUBKEY otherwise.
 */
export function assertSecp256k1PubKey(pubkey: Uint8Array, signerIndex?: number): void {
  const fail = (reason: string): never => {
    throw new TxError(
      signerIndex === undefined
        ? { code: "TX_ERROR_INVALID_PUBKEY", reason }
        : { code: "TX_ERROR_INVALID_PUBKEY", reason, signerIndex },
    );
  };
  if (!(pubkey instanceof Uint8Array)) fail("public key must be bytes");
  if (pubkey.length !== SECP256K1_PUBKEY_LENGTH) {
    fail(`secp256k1 public key must be ${SECP256K1_PUBKEY_LENGTH} bytes (compressed), got ${pubkey.length}`);
  }
  if (pubkey[0] !== 0x02 && pubkey[0] !== 0x03) fail("secp256k1 public key must start with 0x02 or 0x03");
  // Point.fromBytes checks x < p and that x^3 + 7 has a square root (the point is on the curve).
  // A square root costs ~0.3 ms and every transaction carries its signer's key: remember valid keys.
  const id = Buffer.from(pubkey).toString("hex");
  if (validKeys.has(id)) return;
  if (!secp256k1.utils.isValidPublicKey(pubkey, true)) fail("secp256k1 public key is not a point on the curve");
  if (validKeys.size >= VALID_KEYS_MAX) validKeys.clear();
  validKeys.add(id);
}

const validKeys = new Set<string>();
const VALID_KEYS_MAX = 50_000;
