import { bech32 } from "@scure/base";
import { MAX_ADDRESS_LENGTH, MAX_BECH32_LENGTH } from "./addressPrefixes.js";
import { TxError } from "./txError.js";

const PREFIX_RE = /^[a-z0-9]{1,83}$/;

/** Encode address bytes as lowercase bech32 (BIP-173, not bech32m), as Cosmos and cosmjs do. */
export function toBech32(prefix: string, bytes: Uint8Array): string {
  if (!PREFIX_RE.test(prefix)) {
    throw new TxError({ code: "TX_ERROR_INTERNAL", reason: `invalid bech32 prefix ${JSON.stringify(prefix)}` });
  }
  if (!(bytes instanceof Uint8Array) || bytes.length === 0 || bytes.length > MAX_ADDRESS_LENGTH) {
    throw new TxError({
      code: "TX_ERROR_INTERNAL",
      reason: `address must be 1..${MAX_ADDRESS_LENGTH} bytes`,
    });
  }
  return bech32.encode(prefix, bech32.toWords(bytes), MAX_BECH32_LENGTH);
}
