/**
 * The root ABCI errors of the Cosmos SDK (`types/errors/errors.go`, codespace "sdk"), and the few
 * module errors the hub reports (codespace = the module), which cosmjs clients and wallets receive as
 * `{ code, codespace, log }` when a transaction fails.
 *
 * Numbers copied from cosmos/cosmos-sdk `types/errors/errors.go` (identical at commits 00d53dd1 and
 * bcfa6a9c for the codes both define). Registered codes never change meaning, so this table is
 * append-only: never renumber an entry.
 */
export interface CosmosSdkError {
  readonly codespace: string;
  readonly code: number;
  /** The registered description: the last segment of the ABCI log ("...: incorrect account sequence"). */
  readonly description: string;
}

/** Codespace of the SDK root errors. */
export const SDK_CODESPACE = "sdk";
/** Codespace of errors without a registered ABCI code (the SDK redacts those to code 1). */
export const UNDEFINED_CODESPACE = "undefined";

export const COSMOS_SDK_ERRORS = {
  ErrInternal: { codespace: UNDEFINED_CODESPACE, code: 1, description: "internal" },
  ErrTxDecode: { codespace: SDK_CODESPACE, code: 2, description: "tx parse error" },
  ErrInvalidSequence: { codespace: SDK_CODESPACE, code: 3, description: "invalid sequence" },
  ErrUnauthorized: { codespace: SDK_CODESPACE, code: 4, description: "unauthorized" },
  ErrInsufficientFunds: { codespace: SDK_CODESPACE, code: 5, description: "insufficient funds" },
  ErrUnknownRequest: { codespace: SDK_CODESPACE, code: 6, description: "unknown request" },
  ErrInvalidAddress: { codespace: SDK_CODESPACE, code: 7, description: "invalid address" },
  ErrInvalidPubKey: { codespace: SDK_CODESPACE, code: 8, description: "invalid pubkey" },
  ErrUnknownAddress: { codespace: SDK_CODESPACE, code: 9, description: "unknown address" },
  ErrInvalidCoins: { codespace: SDK_CODESPACE, code: 10, description: "invalid coins" },
  ErrOutOfGas: { codespace: SDK_CODESPACE, code: 11, description: "out of gas" },
  ErrMemoTooLarge: { codespace: SDK_CODESPACE, code: 12, description: "memo too large" },
  ErrInsufficientFee: { codespace: SDK_CODESPACE, code: 13, description: "insufficient fee" },
  ErrTooManySignatures: { codespace: SDK_CODESPACE, code: 14, description: "maximum number of signatures exceeded" },
  ErrNoSignatures: { codespace: SDK_CODESPACE, code: 15, description: "no signatures supplied" },
  ErrJSONMarshal: { codespace: SDK_CODESPACE, code: 16, description: "failed to marshal JSON bytes" },
  ErrJSONUnmarshal: { codespace: SDK_CODESPACE, code: 17, description: "failed to unmarshal JSON bytes" },
  ErrInvalidRequest: { codespace: SDK_CODESPACE, code: 18, description: "invalid request" },
  ErrTxInMempoolCache: { codespace: SDK_CODESPACE, code: 19, description: "tx already in mempool" },
  ErrMempoolIsFull: { codespace: SDK_CODESPACE, code: 20, description: "mempool is full" },
  ErrTxTooLarge: { codespace: SDK_CODESPACE, code: 21, description: "tx too large" },
  ErrKeyNotFound: { codespace: SDK_CODESPACE, code: 22, description: "key not found" },
  ErrWrongPassword: { codespace: SDK_CODESPACE, code: 23, description: "invalid account password" },
  ErrInvalidSigner: {
    codespace: SDK_CODESPACE,
    code: 24,
    description: "tx intended signer does not match the given signer",
  },
  ErrInvalidGasAdjustment: { codespace: SDK_CODESPACE, code: 25, description: "invalid gas adjustment" },
  ErrInvalidHeight: { codespace: SDK_CODESPACE, code: 26, description: "invalid height" },
  ErrInvalidVersion: { codespace: SDK_CODESPACE, code: 27, description: "invalid version" },
  ErrInvalidChainID: { codespace: SDK_CODESPACE, code: 28, description: "invalid chain-id" },
  ErrInvalidType: { codespace: SDK_CODESPACE, code: 29, description: "invalid type" },
  ErrTxTimeoutHeight: { codespace: SDK_CODESPACE, code: 30, description: "tx timeout height" },
  ErrUnknownExtensionOptions: { codespace: SDK_CODESPACE, code: 31, description: "unknown extension options" },
  ErrWrongSequence: { codespace: SDK_CODESPACE, code: 32, description: "incorrect account sequence" },
  ErrPackAny: { codespace: SDK_CODESPACE, code: 33, description: "failed packing protobuf message to Any" },
  ErrUnpackAny: { codespace: SDK_CODESPACE, code: 34, description: "failed unpacking protobuf message from Any" },
  ErrLogic: { codespace: SDK_CODESPACE, code: 35, description: "internal logic error" },
  ErrConflict: { codespace: SDK_CODESPACE, code: 36, description: "conflict" },
  ErrNotSupported: { codespace: SDK_CODESPACE, code: 37, description: "feature not supported" },
  ErrNotFound: { codespace: SDK_CODESPACE, code: 38, description: "not found" },
  ErrIO: { codespace: SDK_CODESPACE, code: 39, description: "Internal IO error" },
  ErrAppConfig: { codespace: SDK_CODESPACE, code: 40, description: "error in app.toml" },
  ErrPanic: { codespace: UNDEFINED_CODESPACE, code: 111222, description: "panic" },
  // Module errors (codespace = the module's name), from the module's `types/errors.go` at v0.50.
  /** x/distribution `ErrSetWithdrawAddrDisabled`: MsgSetWithdrawAddress while the withdraw_addr_enabled param is false. */
  DistributionErrSetWithdrawAddrDisabled: { codespace: "distribution", code: 5, description: "set withdraw address disabled" },
} as const satisfies Record<string, CosmosSdkError>;

export type CosmosSdkErrorName = keyof typeof COSMOS_SDK_ERRORS;
