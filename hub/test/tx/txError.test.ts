import { BroadcastTxError } from "@cosmjs/stargate";
import {
  COSMOS_SDK_ERRORS,
  toAbciError,
  TX_ERROR_SDK_ERRORS,
  TxError,
  type TxErrorCode,
} from "../../src/tx/index.js";

test("Cosmos SDK root error codes (types/errors/errors.go)", () => {
  const codes = Object.fromEntries(Object.entries(COSMOS_SDK_ERRORS).map(([k, v]) => [k, v.code]));
  expect(codes).toMatchObject({
    ErrTxDecode: 2,
    ErrInvalidSequence: 3,
    ErrUnauthorized: 4,
    ErrInsufficientFunds: 5,
    ErrUnknownRequest: 6,
    ErrInvalidAddress: 7,
    ErrInvalidPubKey: 8,
    ErrUnknownAddress: 9,
    ErrInvalidCoins: 10,
    ErrOutOfGas: 11,
    ErrMemoTooLarge: 12,
    ErrInsufficientFee: 13,
    ErrTooManySignatures: 14,
    ErrNoSignatures: 15,
    ErrInvalidRequest: 18,
    ErrTxInMempoolCache: 19,
    ErrMempoolIsFull: 20,
    ErrTxTooLarge: 21,
    ErrWrongPassword: 23,
    ErrInvalidChainID: 28,
    ErrInvalidType: 29,
    ErrTxTimeoutHeight: 30,
    ErrUnknownExtensionOptions: 31,
    ErrWrongSequence: 32,
    ErrNotSupported: 37,
  });
  // (codespace, code) pairs are unique, as Register enforces.
  const keys = Object.values(COSMOS_SDK_ERRORS).map((e) => `${e.codespace}:${e.code}`);
  expect(new Set(keys).size).toBe(keys.length);
  // Every stable code maps to a registered error.
  for (const name of Object.values(TX_ERROR_SDK_ERRORS)) expect(COSMOS_SDK_ERRORS[name]).toBeDefined();
});

test("logs read like the SDK's wrapped errors", () => {
  const seq = new TxError({ code: "TX_ERROR_WRONG_SEQUENCE", expected: 1n, got: 0n });
  expect(seq.toAbci()).toEqual({ code: 32, codespace: "sdk", log: "account sequence mismatch, expected 1, got 0: incorrect account sequence" });
  expect(seq.message).toBe(seq.log);
  expect(seq.name).toBe("TxError");
  expect(seq.code).toBe("TX_ERROR_WRONG_SEQUENCE");
  expect(new TxError({ code: "TX_ERROR_TIMEOUT_HEIGHT", blockHeight: 11, timeoutHeight: 10 }).toAbci()).toEqual({
    code: 30,
    codespace: "sdk",
    log: "block height: 11, timeout height: 10: tx timeout height",
  });
  expect(new TxError({ code: "TX_ERROR_NO_SIGNATURES" }).log).toBe("no signatures supplied");
  // A custom message does not change the log clients see.
  expect(new TxError({ code: "TX_ERROR_NO_MESSAGES" }, "custom").log).toBe("must contain at least one message: invalid request");
});

test("non-TxErrors and internal errors are redacted", () => {
  expect(toAbciError(new Error("secret path /home/x"))).toEqual({ code: 1, codespace: "undefined", log: "internal error" });
  expect(toAbciError("thrown string")).toEqual({ code: 1, codespace: "undefined", log: "internal error" });
  expect(toAbciError(new TxError({ code: "TX_ERROR_INTERNAL", reason: "bug" }))).toEqual({ code: 1, codespace: "undefined", log: "internal error" });
  expect(toAbciError(new TxError({ code: "TX_ERROR_NO_MESSAGES" })).code).toBe(18);
});

test("cosmjs reports our ABCI error as it would a Cosmos SDK chain's", () => {
  const { code, codespace, log } = new TxError({ code: "TX_ERROR_WRONG_SEQUENCE", expected: 4n, got: 2n }).toAbci();
  const err = new BroadcastTxError(code, codespace, log);
  expect(err.message).toBe(
    "Broadcasting transaction failed with code 32 (codespace: sdk). Log: account sequence mismatch, expected 4, got 2: incorrect account sequence",
  );
});

test("codes are stable strings", () => {
  const all = Object.keys(TX_ERROR_SDK_ERRORS) as TxErrorCode[];
  for (const c of all) expect(c).toMatch(/^TX_ERROR_[A-Z0-9_]+$/);
});
