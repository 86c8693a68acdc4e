import "./cosmjsTypesAlloc.js";
export {
  ACCOUNT_ADDRESS_PREFIX,
  ADDRESS_PREFIXES,
  DEFAULT_ADDRESS_LENGTHS,
  MAX_ADDRESS_LENGTH,
  MAX_BECH32_LENGTH,
  VALIDATOR_OPERATOR_ADDRESS_PREFIX,
} from "./addressPrefixes.js";
export { assertSecp256k1PubKey, SECP256K1_PUBKEY_LENGTH } from "./assertSecp256k1PubKey.js";
export { checkTxTimeoutHeight } from "./checkTxTimeoutHeight.js";
export { ACCOUNT_ADDRESS_LENGTH, computeAccountAddress } from "./computeAccountAddress.js";
export { computeAminoSignBytes, type AminoSignBytesInput } from "./computeAminoSignBytes.js";
export { computeDirectSignBytes, type DirectSignDocInput } from "./computeDirectSignBytes.js";
export { consumeAnteGas, DEFAULT_ANTE_GAS_PARAMS, type AnteGasParams } from "./consumeAnteGas.js";
export {
  consumeKvDeleteGas,
  consumeKvHasGas,
  consumeKvIterNextGas,
  consumeKvReadGas,
  consumeKvWriteGas,
} from "./consumeKvGas.js";
export {
  COSMOS_SDK_ERRORS,
  SDK_CODESPACE,
  UNDEFINED_CODESPACE,
  type CosmosSdkError,
  type CosmosSdkErrorName,
} from "./cosmosSdkErrors.js";
export {
  decodeTx,
  DEFAULT_DECODE_TX_LIMITS,
  SECP256K1_PUBKEY_TYPE_URL,
  type DecodedTx,
  type DecodeTxLimits,
  type DecodeTxOptions,
  type TxFee,
  type TxMessage,
  type TxSignerInfo,
  type TxSignMode,
} from "./decodeTx.js";
export { createMessageSpecFromDescriptor } from "./createMessageSpecFromDescriptor.js";
export { fromBech32, type FromBech32Options } from "./fromBech32.js";
export {
  GAS_DESCRIPTORS,
  KV_GAS_CONFIG,
  SIG_VERIFY_COST_ED25519,
  SIG_VERIFY_COST_SECP256K1,
  TX_SIZE_COST_PER_BYTE,
  type KvGasConfig,
} from "./gasCosts.js";
export { GasMeter } from "./gasMeter.js";
export { DENOM_REGEX, isValidDenom, MAX_COIN_AMOUNT_BITS, parseCoins, type Coin } from "./parseCoins.js";
export { scanProtoMessage, type FieldKind, type FieldSpec, type MessageSpec, type ScanProtoMessageOptions, type ScanResult } from "./scanProtoMessage.js";
export { toBech32 } from "./toBech32.js";
export {
  INTERNAL_ABCI_ERROR,
  isTxError,
  toAbciError,
  TX_ERROR_SDK_ERRORS,
  TxError,
  type AbciError,
  type TxErrorCode,
  type TxErrorType,
} from "./txError.js";
export { MAX_CHAIN_ID_LENGTH, MAX_GAS_WANTED, validateBasicTx, type ValidateBasicTxOptions } from "./validateBasicTx.js";
export { SECP256K1_BACKEND, SECP256K1_SIGNATURE_LENGTH, verifyDirectSignature, verifyDirectSignatureJs, verifyDirectSignatureOpenssl } from "./verifyDirectSignature.js";
export { COIN_SCHEMA } from "./txWireSchemas.js";
export { verifyTxSignatures, type SignerAccount, type VerifyTxSignaturesOptions } from "./verifyTxSignatures.js";
export { getTxHash } from "./txHash.js";
