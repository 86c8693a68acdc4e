import { bytesEqual, sha256, toHex } from "@aegis/consumer-sdk";
import { PubKey as Secp256k1PubKeyProto } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import { SignMode, signModeToJSON } from "cosmjs-types/cosmos/tx/signing/v1beta1/signing";
import { AuthInfo, TxBody, TxRaw, type SignerInfo as SignerInfoProto } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { assertSecp256k1PubKey } from "./assertSecp256k1PubKey.js";
import { parseCoins, type Coin } from "./parseCoins.js";
import { scanProtoMessage } from "./scanProtoMessage.js";
import { TxError, isTxError } from "./txError.js";
import { AUTH_INFO_SCHEMA, SECP256K1_PUBKEY_SCHEMA, TX_BODY_SCHEMA, TX_RAW_SCHEMA } from "./txWireSchemas.js";
import { SECP256K1_SIGNATURE_LENGTH } from "./verifyDirectSignature.js";

/** Any type URL of the only public key type the hub accepts. */
export const SECP256K1_PUBKEY_TYPE_URL = "/cosmos.crypto.secp256k1.PubKey";

/** A message as carried in TxBody.messages: the module that owns `typeUrl` decodes `value`. */
export interface TxMessage {
  readonly typeUrl: string;
  readonly value: Uint8Array;
}

/**
 * Sign modes in decoded transactions. SIGN_MODE_DIRECT and SIGN_MODE_LEGACY_AMINO_JSON (Ledger, amino
 * wallets) are accepted for execution, each signer its own (the SDK allows a mix);
 * SIGN_MODE_UNSPECIFIED appears only when decoding with `simulate: true` (cosmjs `simulate()`).
 * Any other mode (TEXTUAL, DIRECT_AUX, EIP-191, multisig) is TX_ERROR_UNSUPPORTED_SIGN_MODE.
 */
export type TxSignMode = "SIGN_MODE_DIRECT" | "SIGN_MODE_LEGACY_AMINO_JSON" | "SIGN_MODE_UNSPECIFIED";

export interface TxSignerInfo {
  /** 33-byte compressed secp256k1 key, or null when omitted (the account's stored key is used). */
  readonly publicKey: Uint8Array | null;
  readonly sequence: bigint;
  readonly signMode: TxSignMode;
}

export interface TxFee {
  readonly amount: readonly Coin[];
  readonly gasLimit: bigint;
  /** Bech32 fee payer, "" when the first signer pays. Format checked by validateBasicTx. */
  readonly payer: string;
  /** Bech32 fee granter, "" when none. Format checked by validateBasicTx. */
  readonly granter: string;
}

export interface DecodedTx {
  /** SHA-256 of the tx bytes: the CometBFT transaction hash. */
  readonly hash: Uint8Array;
  /** `hash` as uppercase hex, as CometBFT RPC and cosmjs `toHex(...).toUpperCase()` show it. */
  readonly hashHex: string;
  /** Size of the raw tx bytes (what TxSizeCostPerByte is charged on). */
  readonly size: number;
  /** TxRaw.body_bytes exactly as signed. */
  readonly bodyBytes: Uint8Array;
  /** TxRaw.auth_info_bytes exactly as signed. */
  readonly authInfoBytes: Uint8Array;
  readonly messages: readonly TxMessage[];
  readonly memo: string;
  /** Block height after which the tx is invalid; 0 = no timeout. */
  readonly timeoutHeight: number;
  readonly signerInfos: readonly TxSignerInfo[];
  readonly fee: TxFee;
  /** One 64-byte r||s signature per signer info (empty placeholders only when simulating). */
  readonly signatures: readonly Uint8Array[];
  /**
   * TxBody (or, after prepareTx, a message it carries) had unknown non-critical fields, or TxBody had
   * non_critical_extension_options: ignored, as in the SDK.
   */
  readonly hasNonCriticalExtensions: boolean;
}

export interface DecodeTxLimits {
  /** Max raw tx size in bytes. */
  readonly maxTxBytes: number;
  /** Max number of messages. */
  readonly maxMessages: number;
  /** Max memo length in UTF-8 bytes (the SDK's MaxMemoCharacters counts `len(memo)`, i.e. bytes). */
  readonly maxMemoBytes: number;
  /** Max number of signatures (the SDK's TxSigLimit). */
  readonly maxSignatures: number;
}

export const DEFAULT_DECODE_TX_LIMITS: DecodeTxLimits = Object.freeze({
  maxTxBytes: 64 * 1024,
  maxMessages: 32,
  maxMemoBytes: 256,
  maxSignatures: 7,
});

export interface DecodeTxOptions extends Partial<DecodeTxLimits> {
  /**
   * Decode a simulation request (cosmjs `simulate()`): signatures may be empty placeholders and the
   * sign mode may be SIGN_MODE_UNSPECIFIED. Never use for transactions that will execute.
   */
  readonly simulate?: boolean;
}

const textEncoder = new TextEncoder();

function decodeError(reason: string): TxError {
  return new TxError({ code: "TX_ERROR_DECODE", reason });
}

/** Run a cosmjs-types decoder; the strict scan has already run, so a throw here is still a parse error. */
function protoDecode<T>(what: string, decode: () => T): T {
  try {
    return decode();
  } catch (err) {
    throw decodeError(`${what}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function signModeName(mode: number): string {
  const name = signModeToJSON(mode);
  return name === "UNRECOGNIZED" ? `SIGN_MODE(${mode})` : name;
}

function decodeSignerInfo(info: SignerInfoProto, index: number, simulate: boolean): TxSignerInfo {
  const modeInfo = info.modeInfo;
  if (modeInfo === undefined || (modeInfo.single === undefined && modeInfo.multi === undefined)) {
    throw decodeError(`signer ${index}: missing mode_info`);
  }
  if (modeInfo.single !== undefined && modeInfo.multi !== undefined) {
    throw decodeError(`signer ${index}: mode_info sets both single and multi`);
  }
  if (modeInfo.multi !== undefined) {
    throw new TxError({ code: "TX_ERROR_UNSUPPORTED_SIGN_MODE", signerIndex: index, signMode: "multisig" });
  }
  const mode = modeInfo.single!.mode;
  let signMode: TxSignMode;
  if (mode === SignMode.SIGN_MODE_DIRECT) signMode = "SIGN_MODE_DIRECT";
  else if (mode === SignMode.SIGN_MODE_LEGACY_AMINO_JSON) signMode = "SIGN_MODE_LEGACY_AMINO_JSON";
  else if (simulate && mode === SignMode.SIGN_MODE_UNSPECIFIED) signMode = "SIGN_MODE_UNSPECIFIED";
  else throw new TxError({ code: "TX_ERROR_UNSUPPORTED_SIGN_MODE", signerIndex: index, signMode: signModeName(mode) });

  let publicKey: Uint8Array | null = null;
  if (info.publicKey !== undefined) {
    const { typeUrl, value } = info.publicKey;
    if (typeUrl !== SECP256K1_PUBKEY_TYPE_URL) {
      throw new TxError({
        code: "TX_ERROR_INVALID_PUBKEY",
        signerIndex: index,
        reason: `unsupported public key type ${JSON.stringify(typeUrl)}, only ${SECP256K1_PUBKEY_TYPE_URL}`,
      });
    }
    try {
      scanProtoMessage(value, SECP256K1_PUBKEY_SCHEMA);
    } catch (err) {
      if (!isTxError(err)) throw err;
      const reason = err.type.code === "TX_ERROR_DECODE" ? err.type.reason : err.message;
      throw new TxError({ code: "TX_ERROR_INVALID_PUBKEY", signerIndex: index, reason });
    }
    const key = protoDecode(`signer ${index} public key`, () => Secp256k1PubKeyProto.decode(value)).key;
    assertSecp256k1PubKey(key, index);
    publicKey = key;
  }
  return { publicKey, sequence: info.sequence, signMode };
}

/**
 * Decode and structurally validate a Cosmos SDK transaction (TxRaw bytes as cosmjs broadcasts them).
 * Pure: no state, no clock. Checks everything that needs neither state nor chain parameters beyond
 * `limits`; see validateBasicTx for the remaining stateless checks and verifyTxSignatures for
 * signatures. Throws TxError (ErrTxDecode for malformed bytes, specific codes otherwise).
 */
export function decodeTx(bytes: Uint8Array, options: DecodeTxOptions = {}): DecodedTx {
  const limits: DecodeTxLimits = {
    maxTxBytes: options.maxTxBytes ?? DEFAULT_DECODE_TX_LIMITS.maxTxBytes,
    maxMessages: options.maxMessages ?? DEFAULT_DECODE_TX_LIMITS.maxMessages,
    maxMemoBytes: options.maxMemoBytes ?? DEFAULT_DECODE_TX_LIMITS.maxMemoBytes,
    maxSignatures: options.maxSignatures ?? DEFAULT_DECODE_TX_LIMITS.maxSignatures,
  };
  const simulate = options.simulate === true;

  if (!(bytes instanceof Uint8Array)) throw decodeError("tx must be bytes");
  if (bytes.length === 0) throw decodeError("empty tx");
  if (bytes.length > limits.maxTxBytes) {
    throw new TxError({ code: "TX_ERROR_TOO_LARGE", size: bytes.length, limit: limits.maxTxBytes });
  }

  // 1. Strict wire checks over the exact bytes, then cosmjs-types decoding.
  scanProtoMessage(bytes, TX_RAW_SCHEMA);
  const raw = protoDecode("TxRaw", () => TxRaw.decode(bytes));
  const bodyScan = scanProtoMessage(raw.bodyBytes, TX_BODY_SCHEMA);
  const body = protoDecode("TxBody", () => TxBody.decode(raw.bodyBytes));
  scanProtoMessage(raw.authInfoBytes, AUTH_INFO_SCHEMA);
  const authInfo = protoDecode("AuthInfo", () => AuthInfo.decode(raw.authInfoBytes));

  // 2. Body.
  if (body.messages.length === 0) throw new TxError({ code: "TX_ERROR_NO_MESSAGES" });
  if (body.messages.length > limits.maxMessages) {
    throw new TxError({ code: "TX_ERROR_TOO_MANY_MESSAGES", count: body.messages.length, limit: limits.maxMessages });
  }
  const messages: TxMessage[] = body.messages.map((m, i) => {
    if (!m.typeUrl.startsWith("/") || m.typeUrl.length < 2) {
      throw decodeError(`message ${i}: invalid type URL ${JSON.stringify(m.typeUrl)}`);
    }
    return { typeUrl: m.typeUrl, value: m.value };
  });
  const memoLength = textEncoder.encode(body.memo).length;
  if (memoLength > limits.maxMemoBytes) {
    throw new TxError({ code: "TX_ERROR_MEMO_TOO_LARGE", length: memoLength, limit: limits.maxMemoBytes });
  }
  if (body.timeoutHeight > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw decodeError(`timeout_height ${body.timeoutHeight} exceeds ${Number.MAX_SAFE_INTEGER}`);
  }
  if (body.unordered) throw new TxError({ code: "TX_ERROR_UNSUPPORTED_FEATURE", feature: "unordered transactions" });
  if (body.timeoutTimestamp !== undefined) {
    throw new TxError({ code: "TX_ERROR_UNSUPPORTED_FEATURE", feature: "timeout timestamps" });
  }
  if (body.extensionOptions.length > 0) {
    throw new TxError({
      code: "TX_ERROR_UNKNOWN_EXTENSION_OPTIONS",
      typeUrls: body.extensionOptions.map((o) => o.typeUrl),
    });
  }

  // 3. Auth info: fee.
  if (authInfo.tip !== undefined) throw new TxError({ code: "TX_ERROR_UNSUPPORTED_FEATURE", feature: "tips" });
  const feeProto = authInfo.fee;
  if (feeProto === undefined) throw decodeError("missing fee");
  let feeAmount: Coin[];
  try {
    feeAmount = parseCoins(feeProto.amount, "fee.amount");
  } catch (err) {
    if (isTxError(err, "TX_ERROR_INVALID_COINS") && err.type.code === "TX_ERROR_INVALID_COINS") {
      throw new TxError({ code: "TX_ERROR_INVALID_FEE", reason: err.type.reason });
    }
    throw err;
  }
  const fee: TxFee = { amount: feeAmount, gasLimit: feeProto.gasLimit, payer: feeProto.payer, granter: feeProto.granter };

  // 4. Signers and signatures: exactly one signer info per signature, distinct keys.
  const signatures = raw.signatures;
  if (signatures.length === 0) throw new TxError({ code: "TX_ERROR_NO_SIGNATURES" });
  if (authInfo.signerInfos.length !== signatures.length) {
    throw new TxError({
      code: "TX_ERROR_SIGNER_COUNT_MISMATCH",
      what: "signatures",
      expected: authInfo.signerInfos.length,
      actual: signatures.length,
    });
  }
  if (signatures.length > limits.maxSignatures) {
    throw new TxError({ code: "TX_ERROR_TOO_MANY_SIGNATURES", count: signatures.length, limit: limits.maxSignatures });
  }
  const signerInfos = authInfo.signerInfos.map((info, i) => decodeSignerInfo(info, i, simulate));
  signerInfos.forEach((info, i) => {
    if (info.publicKey === null) return;
    const first = signerInfos.findIndex((o) => o.publicKey !== null && bytesEqual(o.publicKey, info.publicKey!));
    if (first !== i) throw new TxError({ code: "TX_ERROR_DUPLICATE_SIGNER", index: i, firstIndex: first });
  });
  signatures.forEach((sig, i) => {
    if (sig.length === SECP256K1_SIGNATURE_LENGTH) return;
    if (simulate && sig.length === 0) return;
    throw new TxError({ code: "TX_ERROR_MALFORMED_SIGNATURE", signerIndex: i, length: sig.length });
  });

  const hash = sha256(bytes);
  return {
    hash,
    hashHex: toHex(hash).toUpperCase(),
    size: bytes.length,
    bodyBytes: raw.bodyBytes,
    authInfoBytes: raw.authInfoBytes,
    messages,
    memo: body.memo,
    timeoutHeight: Number(body.timeoutHeight),
    signerInfos,
    fee,
    signatures,
    hasNonCriticalExtensions: bodyScan.hasUnknownNonCritical || body.nonCriticalExtensionOptions.length > 0,
  };
}
