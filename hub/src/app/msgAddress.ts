import { fromBech32, TxError } from "../tx/index.js";

/**
 * The 20-byte address in a message field, or TX_ERROR_INVALID_MESSAGE naming the message and field
 * (the Cosmos SDK's "invalid address" wrapped with the field) when it is not a bech32 address with
 * `prefix`. Every message handler parses its addresses with this.
 */
export function parseMessageAddress(bech32: string, prefix: string, field: string, typeUrl: string): Uint8Array {
  try {
    return fromBech32(bech32, prefix, { lengths: [20] });
  } catch (e) {
    if (e instanceof TxError) throw new TxError({ code: "TX_ERROR_INVALID_MESSAGE", typeUrl, reason: `${field}: ${e.log}` });
    throw e;
  }
}
