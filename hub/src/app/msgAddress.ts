import { fromBech32, TxError } from "../tx/index.js";
import { getTxErrorDetail } from "../tx/txError.js";

/**
 * The 20-byte address in a message field, or TX_ERROR_INVALID_MESSAGE_ADDRESS naming the message and
 * field when it is not a bech32 address with `prefix`: code 7 (ErrInvalidAddress), as the SDK's msg
 * servers answer ("invalid to address: …: invalid address"). Every message handler parses its
 * addresses with this.
 */
export function parseMessageAddress(bech32: string, prefix: string, field: string, typeUrl: string): Uint8Array {
  try {
    return fromBech32(bech32, prefix, { lengths: [20] });
  } catch (e) {
    if (e instanceof TxError) throw new TxError({ code: "TX_ERROR_INVALID_MESSAGE_ADDRESS", typeUrl, field, reason: getTxErrorDetail(e.type) ?? e.log });
    throw e;
  }
}
