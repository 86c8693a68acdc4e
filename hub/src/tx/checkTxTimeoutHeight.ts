import type { DecodedTx } from "./decodeTx.js";
import { TxError } from "./txError.js";

/**
 * The SDK's TxTimeoutHeightDecorator: a non-zero timeout height below the height of the block being
 * built makes the tx invalid (TX_ERROR_TIMEOUT_HEIGHT / ErrTxTimeoutHeight). Pure.
 */
export function checkTxTimeoutHeight(tx: Pick<DecodedTx, "timeoutHeight">, blockHeight: number): void {
  if (tx.timeoutHeight > 0 && blockHeight > tx.timeoutHeight) {
    throw new TxError({ code: "TX_ERROR_TIMEOUT_HEIGHT", blockHeight, timeoutHeight: tx.timeoutHeight });
  }
}
