import { AegisError } from "@aegis/consumer-sdk";
import { COSMOS_SDK_ERRORS, type CosmosSdkError, type CosmosSdkErrorName } from "./cosmosSdkErrors.js";

/**
 * Typed transaction errors with stable codes. Callers switch on `err.type.code`; the ABCI result a
 * cosmjs client sees is `err.toAbci()` (`{ code, codespace, log }`, Cosmos SDK root codes).
 * Never reuse a retired code, and never change the SDK error a code maps to.
 */
export type TxErrorType =
  /** The bytes are not a well-formed Cosmos transaction (protobuf, unknown fields, missing parts). */
  | { code: "TX_ERROR_DECODE"; reason: string }
  | { code: "TX_ERROR_TOO_LARGE"; size: number; limit: number }
  | { code: "TX_ERROR_NO_MESSAGES" }
  | { code: "TX_ERROR_TOO_MANY_MESSAGES"; count: number; limit: number }
  /** Memo length in UTF-8 bytes (the SDK's `len(memo)`) is over the limit. */
  | { code: "TX_ERROR_MEMO_TOO_LARGE"; length: number; limit: number }
  | { code: "TX_ERROR_NO_SIGNATURES" }
  | { code: "TX_ERROR_TOO_MANY_SIGNATURES"; count: number; limit: number }
  /** Signatures, signer infos and message signers are not one-to-one. */
  | { code: "TX_ERROR_SIGNER_COUNT_MISMATCH"; expected: number; actual: number; what: string }
  /** Two signer infos (or two expected signers) name the same key/account. */
  | { code: "TX_ERROR_DUPLICATE_SIGNER"; index: number; firstIndex: number }
  /** A signer's sign mode is not one the hub verifies (the SDK: its signature cannot be verified, ErrUnauthorized). */
  | { code: "TX_ERROR_UNSUPPORTED_SIGN_MODE"; signerIndex: number; signMode: string }
  /**
   * A SIGN_MODE_LEGACY_AMINO_JSON signer's sign doc cannot be built: a message without an amino JSON
   * encoding, or a transaction with unknown non-critical fields (which that mode does not sign).
   */
  | { code: "TX_ERROR_AMINO_SIGN_DOC"; signerIndex: number; reason: string }
  /** A transaction feature the hub does not implement (unordered txs, timeout timestamps, tips). */
  | { code: "TX_ERROR_UNSUPPORTED_FEATURE"; feature: string }
  | { code: "TX_ERROR_UNKNOWN_EXTENSION_OPTIONS"; typeUrls: readonly string[] }
  | { code: "TX_ERROR_INVALID_PUBKEY"; reason: string; signerIndex?: number }
  /** A signer's public key does not derive the address of the signer at that index. */
  | { code: "TX_ERROR_PUBKEY_SIGNER_MISMATCH"; signerIndex: number; signer: string }
  /** Neither the signer info nor the account carries a public key. */
  | { code: "TX_ERROR_MISSING_PUBKEY"; signerIndex: number }
  /** A signature is not 64 bytes (r || s). */
  | { code: "TX_ERROR_MALFORMED_SIGNATURE"; signerIndex: number; length: number }
  | { code: "TX_ERROR_SIGNATURE_VERIFICATION_FAILED"; signerIndex: number; accountNumber: bigint; chainId: string }
  | { code: "TX_ERROR_WRONG_SEQUENCE"; expected: bigint; got: bigint }
  /** Fee coins that are negative, malformed, duplicated or carry an invalid denom. */
  | { code: "TX_ERROR_INVALID_FEE"; reason: string }
  | { code: "TX_ERROR_INVALID_COINS"; field: string; reason: string }
  | { code: "TX_ERROR_INVALID_GAS"; gasLimit: bigint; max: bigint }
  | { code: "TX_ERROR_OUT_OF_GAS"; descriptor: string; gasWanted: bigint; gasUsed: bigint }
  | { code: "TX_ERROR_TIMEOUT_HEIGHT"; blockHeight: number; timeoutHeight: number }
  | { code: "TX_ERROR_INVALID_CHAIN_ID"; chainId: string; reason: string }
  | { code: "TX_ERROR_ADDRESS_MALFORMED"; address: string; reason: string }
  | { code: "TX_ERROR_ADDRESS_BAD_CHECKSUM"; address: string }
  | { code: "TX_ERROR_ADDRESS_WRONG_PREFIX"; address: string; expected: string; actual: string }
  | { code: "TX_ERROR_ADDRESS_WRONG_LENGTH"; address: string; expected: readonly number[]; actual: number }
  /** Stateful: an account cannot pay (fee or message amount). */
  | { code: "TX_ERROR_INSUFFICIENT_FUNDS"; address: string; have: string; need: string }
  /** Stateful: the fee is below the node's minimum gas price times the gas limit. */
  | { code: "TX_ERROR_INSUFFICIENT_FEE"; got: string; required: string }
  /** Stateful: a signer's account does not exist yet. */
  | { code: "TX_ERROR_UNKNOWN_ADDRESS"; address: string }
  /** A message type this hub does not handle. */
  | { code: "TX_ERROR_UNKNOWN_MESSAGE"; typeUrl: string }
  /** A message whose content breaks a module rule (bad amount, wrong signer, unknown validator ...). */
  | { code: "TX_ERROR_INVALID_MESSAGE"; typeUrl: string; reason: string }
  /**
   * An address field of a message is not a bech32 address of the expected prefix and length (the
   * SDK's msg servers: ErrInvalidAddress "invalid <field> address: …"). `reason`: the address error.
   */
  | { code: "TX_ERROR_INVALID_MESSAGE_ADDRESS"; typeUrl: string; field: string; reason: string }
  /** Stateful: coins may not be sent to this address (a module account: the SDK's blocked addresses). */
  | { code: "TX_ERROR_BLOCKED_RECIPIENT"; address: string; external: boolean }
  /** Stateful: MsgSetWithdrawAddress while the distribution param withdraw_addr_enabled is false. */
  | { code: "TX_ERROR_WITHDRAW_ADDRESS_DISABLED" }
  /**
   * Stateful: the message would bring more tokens into staking than the total-power cap allows
   * (`power` = staked tokens / powerReduction > `max`, consumer-sdk MAX_TOTAL_POWER).
   */
  | { code: "TX_ERROR_TOTAL_POWER_TOO_LARGE"; typeUrl: string; power: bigint; max: bigint }
  /** A programming error in the caller (bad argument); reported to clients as the SDK's redacted internal error. */
  | { code: "TX_ERROR_INTERNAL"; reason: string };

export type TxErrorCode = TxErrorType["code"];

/** Which Cosmos SDK root error each stable code is reported as. */
export const TX_ERROR_SDK_ERRORS: Readonly<Record<TxErrorCode, CosmosSdkErrorName>> = {
  TX_ERROR_DECODE: "ErrTxDecode",
  TX_ERROR_TOO_LARGE: "ErrTxTooLarge",
  TX_ERROR_NO_MESSAGES: "ErrInvalidRequest",
  TX_ERROR_TOO_MANY_MESSAGES: "ErrInvalidRequest",
  TX_ERROR_MEMO_TOO_LARGE: "ErrMemoTooLarge",
  TX_ERROR_NO_SIGNATURES: "ErrNoSignatures",
  TX_ERROR_TOO_MANY_SIGNATURES: "ErrTooManySignatures",
  TX_ERROR_SIGNER_COUNT_MISMATCH: "ErrUnauthorized",
  TX_ERROR_DUPLICATE_SIGNER: "ErrUnauthorized",
  TX_ERROR_UNSUPPORTED_SIGN_MODE: "ErrUnauthorized",
  TX_ERROR_AMINO_SIGN_DOC: "ErrUnauthorized",
  TX_ERROR_UNSUPPORTED_FEATURE: "ErrNotSupported",
  TX_ERROR_UNKNOWN_EXTENSION_OPTIONS: "ErrUnknownExtensionOptions",
  TX_ERROR_INVALID_PUBKEY: "ErrInvalidPubKey",
  TX_ERROR_PUBKEY_SIGNER_MISMATCH: "ErrInvalidPubKey",
  TX_ERROR_MISSING_PUBKEY: "ErrInvalidPubKey",
  TX_ERROR_MALFORMED_SIGNATURE: "ErrUnauthorized",
  TX_ERROR_SIGNATURE_VERIFICATION_FAILED: "ErrUnauthorized",
  TX_ERROR_WRONG_SEQUENCE: "ErrWrongSequence",
  TX_ERROR_INVALID_FEE: "ErrInsufficientFee",
  TX_ERROR_INVALID_COINS: "ErrInvalidCoins",
  TX_ERROR_INVALID_GAS: "ErrInvalidRequest",
  TX_ERROR_OUT_OF_GAS: "ErrOutOfGas",
  TX_ERROR_TIMEOUT_HEIGHT: "ErrTxTimeoutHeight",
  TX_ERROR_INVALID_CHAIN_ID: "ErrInvalidChainID",
  TX_ERROR_ADDRESS_MALFORMED: "ErrInvalidAddress",
  TX_ERROR_ADDRESS_BAD_CHECKSUM: "ErrInvalidAddress",
  TX_ERROR_ADDRESS_WRONG_PREFIX: "ErrInvalidAddress",
  TX_ERROR_ADDRESS_WRONG_LENGTH: "ErrInvalidAddress",
  TX_ERROR_INSUFFICIENT_FUNDS: "ErrInsufficientFunds",
  TX_ERROR_INSUFFICIENT_FEE: "ErrInsufficientFee",
  TX_ERROR_UNKNOWN_ADDRESS: "ErrUnknownAddress",
  TX_ERROR_UNKNOWN_MESSAGE: "ErrUnknownRequest",
  TX_ERROR_INVALID_MESSAGE: "ErrInvalidRequest",
  TX_ERROR_INVALID_MESSAGE_ADDRESS: "ErrInvalidAddress",
  TX_ERROR_BLOCKED_RECIPIENT: "ErrUnauthorized",
  TX_ERROR_WITHDRAW_ADDRESS_DISABLED: "DistributionErrSetWithdrawAddrDisabled",
  TX_ERROR_TOTAL_POWER_TOO_LARGE: "ErrInvalidRequest",
  TX_ERROR_INTERNAL: "ErrInternal",
};

/** What a failed CheckTx/DeliverTx reports; cosmjs reads exactly these three fields. */
export interface AbciError {
  readonly code: number;
  readonly codespace: string;
  readonly log: string;
}

/**
 * The SDK's `errorsmod.Wrap(sdkErr, detail)` text: "<detail>: <description>", or the bare
 * description when there is no detail (e.g. ErrNoSignatures).
 */
function detailOf(t: TxErrorType): string | undefined {
  switch (t.code) {
    case "TX_ERROR_DECODE":
      return t.reason;
    case "TX_ERROR_TOO_LARGE":
      return `tx size ${t.size} bytes exceeds the limit of ${t.limit} bytes`;
    case "TX_ERROR_NO_MESSAGES":
      return "must contain at least one message";
    case "TX_ERROR_TOO_MANY_MESSAGES":
      return `too many messages: ${t.count}, limit: ${t.limit}`;
    case "TX_ERROR_MEMO_TOO_LARGE":
      return `maximum number of characters is ${t.limit} but received ${t.length} characters`;
    case "TX_ERROR_NO_SIGNATURES":
      return undefined;
    case "TX_ERROR_TOO_MANY_SIGNATURES":
      return `signatures: ${t.count}, limit: ${t.limit}`;
    case "TX_ERROR_SIGNER_COUNT_MISMATCH":
      return `wrong number of ${t.what}; expected ${t.expected}, got ${t.actual}`;
    case "TX_ERROR_DUPLICATE_SIGNER":
      return `signer ${t.index} duplicates signer ${t.firstIndex}`;
    case "TX_ERROR_UNSUPPORTED_SIGN_MODE":
      return `signer ${t.signerIndex}: unsupported sign mode ${t.signMode}`;
    case "TX_ERROR_AMINO_SIGN_DOC":
      return `signer ${t.signerIndex}: cannot build the SIGN_MODE_LEGACY_AMINO_JSON sign doc: ${t.reason}`;
    case "TX_ERROR_UNSUPPORTED_FEATURE":
      return `${t.feature} are not supported`;
    case "TX_ERROR_UNKNOWN_EXTENSION_OPTIONS":
      return `unknown extension options: ${t.typeUrls.join(", ")}`;
    case "TX_ERROR_INVALID_PUBKEY":
      return t.signerIndex === undefined ? t.reason : `signer ${t.signerIndex}: ${t.reason}`;
    case "TX_ERROR_PUBKEY_SIGNER_MISMATCH":
      return `pubKey does not match signer address ${t.signer} with signer index: ${t.signerIndex}`;
    case "TX_ERROR_MISSING_PUBKEY":
      return `signer ${t.signerIndex}: pubkey on account is not set`;
    case "TX_ERROR_MALFORMED_SIGNATURE":
      return `signer ${t.signerIndex}: signature must be 64 bytes, got ${t.length}`;
    case "TX_ERROR_SIGNATURE_VERIFICATION_FAILED":
      return `signature verification failed; please verify account number (${t.accountNumber}) and chain-id (${t.chainId})`;
    case "TX_ERROR_WRONG_SEQUENCE":
      return `account sequence mismatch, expected ${t.expected}, got ${t.got}`;
    case "TX_ERROR_INVALID_FEE":
      return `invalid fee provided: ${t.reason}`;
    case "TX_ERROR_INVALID_COINS":
      return `${t.field}: ${t.reason}`;
    case "TX_ERROR_INVALID_GAS":
      return `invalid gas supplied; ${t.gasLimit} > ${t.max}`;
    case "TX_ERROR_OUT_OF_GAS":
      return `out of gas in location: ${t.descriptor}; gasWanted: ${t.gasWanted}, gasUsed: ${t.gasUsed}`;
    case "TX_ERROR_TIMEOUT_HEIGHT":
      return `block height: ${t.blockHeight}, timeout height: ${t.timeoutHeight}`;
    case "TX_ERROR_INVALID_CHAIN_ID":
      return `chain-id ${JSON.stringify(t.chainId)}: ${t.reason}`;
    case "TX_ERROR_ADDRESS_MALFORMED":
      return `invalid bech32 address ${JSON.stringify(t.address)}: ${t.reason}`;
    case "TX_ERROR_ADDRESS_BAD_CHECKSUM":
      return `invalid checksum in bech32 address ${JSON.stringify(t.address)}`;
    case "TX_ERROR_ADDRESS_WRONG_PREFIX":
      return `invalid Bech32 prefix; expected ${t.expected}, got ${t.actual}`;
    case "TX_ERROR_ADDRESS_WRONG_LENGTH":
      return `address ${JSON.stringify(t.address)} decodes to ${t.actual} bytes, expected ${t.expected.join(" or ")}`;
    case "TX_ERROR_INSUFFICIENT_FUNDS":
      return `spendable balance ${t.have} is smaller than ${t.need}`;
    case "TX_ERROR_INSUFFICIENT_FEE":
      return `got: ${t.got} required: ${t.required}`;
    case "TX_ERROR_UNKNOWN_ADDRESS":
      return `account ${t.address} does not exist`;
    case "TX_ERROR_UNKNOWN_MESSAGE":
      return `unrecognized message type: ${t.typeUrl}`;
    case "TX_ERROR_INVALID_MESSAGE":
      return `${t.typeUrl}: ${t.reason}`;
    case "TX_ERROR_INVALID_MESSAGE_ADDRESS":
      return `${t.typeUrl}: invalid ${t.field}: ${t.reason}`;
    case "TX_ERROR_BLOCKED_RECIPIENT":
      return `${t.address} is not allowed to receive ${t.external ? "external " : ""}funds`;
    case "TX_ERROR_WITHDRAW_ADDRESS_DISABLED":
      return undefined;
    case "TX_ERROR_TOTAL_POWER_TOO_LARGE":
      return `${t.typeUrl}: the staked tokens would give a total power of ${t.power}, above the maximum ${t.max}`;
    case "TX_ERROR_INTERNAL":
      return t.reason;
  }
}

/** The detail of an error's log without its SDK description ("invalid Bech32 prefix; expected aegis, got cosmos"). */
export function getTxErrorDetail(t: TxErrorType): string | undefined {
  return detailOf(t);
}

export class TxError extends AegisError<TxErrorType> {
  /** The Cosmos SDK root error this is reported as. */
  readonly sdkError: CosmosSdkError;

  /** `message` defaults to the ABCI log text, so `err.message === err.log` unless overridden. */
  constructor(type: TxErrorType, message?: string) {
    const sdkError = COSMOS_SDK_ERRORS[TX_ERROR_SDK_ERRORS[type.code]];
    const detail = detailOf(type);
    super(type, message ?? (detail === undefined ? sdkError.description : `${detail}: ${sdkError.description}`));
    this.sdkError = sdkError;
  }

  /** Numeric ABCI code (Cosmos SDK root error code). */
  get abciCode(): number {
    return this.sdkError.code;
  }

  get codespace(): string {
    return this.sdkError.codespace;
  }

  /** The log a cosmjs client sees, e.g. "account sequence mismatch, expected 1, got 0: incorrect account sequence". */
  get log(): string {
    const detail = detailOf(this.type);
    return detail === undefined ? this.sdkError.description : `${detail}: ${this.sdkError.description}`;
  }

  /** The ABCI result; TX_ERROR_INTERNAL is redacted to the SDK's generic internal error. */
  toAbci(): AbciError {
    if (this.type.code === "TX_ERROR_INTERNAL") return INTERNAL_ABCI_ERROR;
    return { code: this.abciCode, codespace: this.codespace, log: this.log };
  }
}

export function isTxError(err: unknown, code?: TxErrorCode): err is TxError {
  return err instanceof TxError && (code === undefined || err.type.code === code);
}

/** Internal-error result for anything that is not a TxError, redacted as the SDK does (no details leak). */
export const INTERNAL_ABCI_ERROR: AbciError = Object.freeze({
  code: COSMOS_SDK_ERRORS.ErrInternal.code,
  codespace: COSMOS_SDK_ERRORS.ErrInternal.codespace,
  log: "internal error",
});

/** The ABCI result for any thrown value: a TxError's own code/log, otherwise the redacted internal error. */
export function toAbciError(err: unknown): AbciError {
  return err instanceof TxError ? err.toAbci() : INTERNAL_ABCI_ERROR;
}
