import { checkTxTimeoutHeight, TxError } from "../../src/tx/index.js";

test("timeout height: 0 means none; the tx is valid up to and including its timeout height", () => {
  checkTxTimeoutHeight({ timeoutHeight: 0 }, 1_000_000);
  checkTxTimeoutHeight({ timeoutHeight: 10 }, 9);
  checkTxTimeoutHeight({ timeoutHeight: 10 }, 10);
  expect(() => checkTxTimeoutHeight({ timeoutHeight: 10 }, 11)).toThrow(TxError);
  try {
    checkTxTimeoutHeight({ timeoutHeight: 10 }, 11);
  } catch (err) {
    expect((err as TxError).toAbci()).toEqual({ code: 30, codespace: "sdk", log: "block height: 11, timeout height: 10: tx timeout height" });
  }
});
