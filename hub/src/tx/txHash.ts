import { sha256, toHex } from "@aegis/consumer-sdk";

const hashes = new WeakMap<Uint8Array, string>();

/**
 * SHA-256 of a transaction's bytes, lowercase hex (the mempool's key; the tx index uses it in
 * upper case, as CometBFT). Remembered per byte array: one transaction passes the mempool, CheckTx,
 * the re-checks, the block's execution and the tx index as the same array, so it is hashed once.
 * The array must not change afterwards (transactions are never mutated).
 */
export function getTxHash(tx: Uint8Array): string {
  let h = hashes.get(tx);
  if (h === undefined) {
    h = toHex(sha256(tx));
    hashes.set(tx, h);
  }
  return h;
}
