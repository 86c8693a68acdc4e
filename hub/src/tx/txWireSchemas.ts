import type { MessageSpec } from "./scanProtoMessage.js";

/**
 * Wire schemas (field numbers and kinds) of the Cosmos SDK transaction messages, as in
 * cosmos/tx/v1beta1/tx.proto and the cosmjs-types 0.11 encoders. Used by scanProtoMessage to reject
 * bytes the SDK's unknown-field check would reject.
 */
export const ANY_SCHEMA: MessageSpec = {
  name: "Any",
  fields: { 1: { name: "type_url", kind: "string" }, 2: { name: "value", kind: "bytes" } },
};

export const TIMESTAMP_SCHEMA: MessageSpec = {
  name: "Timestamp",
  fields: { 1: { name: "seconds", kind: "varint" }, 2: { name: "nanos", kind: "varint" } },
};

export const COIN_SCHEMA: MessageSpec = {
  name: "Coin",
  fields: { 1: { name: "denom", kind: "string" }, 2: { name: "amount", kind: "string" } },
};

/** ADR-027: TxRaw fields in ascending order (1, 2, then any number of 3s). */
export const TX_RAW_SCHEMA: MessageSpec = {
  name: "TxRaw",
  ascendingFields: true,
  fields: {
    1: { name: "body_bytes", kind: "bytes" },
    2: { name: "auth_info_bytes", kind: "bytes" },
    3: { name: "signatures", kind: "bytes", repeated: true },
  },
};

/** TxBody is the only message where unknown non-critical fields (number & 1024) are tolerated. */
export const TX_BODY_SCHEMA: MessageSpec = {
  name: "TxBody",
  allowUnknownNonCritical: true,
  fields: {
    1: { name: "messages", kind: "message", repeated: true, message: () => ANY_SCHEMA },
    2: { name: "memo", kind: "string" },
    3: { name: "timeout_height", kind: "varint" },
    4: { name: "unordered", kind: "varint" },
    5: { name: "timeout_timestamp", kind: "message", message: () => TIMESTAMP_SCHEMA },
    1023: { name: "extension_options", kind: "message", repeated: true, message: () => ANY_SCHEMA },
    2047: { name: "non_critical_extension_options", kind: "message", repeated: true, message: () => ANY_SCHEMA },
  },
};

export const COMPACT_BIT_ARRAY_SCHEMA: MessageSpec = {
  name: "CompactBitArray",
  fields: { 1: { name: "extra_bits_stored", kind: "varint" }, 2: { name: "elems", kind: "bytes" } },
};

export const MODE_INFO_SINGLE_SCHEMA: MessageSpec = {
  name: "ModeInfo.Single",
  fields: { 1: { name: "mode", kind: "varint" } },
};

export const MODE_INFO_MULTI_SCHEMA: MessageSpec = {
  name: "ModeInfo.Multi",
  fields: {
    1: { name: "bitarray", kind: "message", message: () => COMPACT_BIT_ARRAY_SCHEMA },
    2: { name: "mode_infos", kind: "message", repeated: true, message: () => MODE_INFO_SCHEMA },
  },
};

export const MODE_INFO_SCHEMA: MessageSpec = {
  name: "ModeInfo",
  fields: {
    1: { name: "single", kind: "message", message: () => MODE_INFO_SINGLE_SCHEMA },
    2: { name: "multi", kind: "message", message: () => MODE_INFO_MULTI_SCHEMA },
  },
};

export const SIGNER_INFO_SCHEMA: MessageSpec = {
  name: "SignerInfo",
  fields: {
    1: { name: "public_key", kind: "message", message: () => ANY_SCHEMA },
    2: { name: "mode_info", kind: "message", message: () => MODE_INFO_SCHEMA },
    3: { name: "sequence", kind: "varint" },
  },
};

export const FEE_SCHEMA: MessageSpec = {
  name: "Fee",
  fields: {
    1: { name: "amount", kind: "message", repeated: true, message: () => COIN_SCHEMA },
    2: { name: "gas_limit", kind: "varint" },
    3: { name: "payer", kind: "string" },
    4: { name: "granter", kind: "string" },
  },
};

export const TIP_SCHEMA: MessageSpec = {
  name: "Tip",
  fields: {
    1: { name: "amount", kind: "message", repeated: true, message: () => COIN_SCHEMA },
    2: { name: "tipper", kind: "string" },
  },
};

export const AUTH_INFO_SCHEMA: MessageSpec = {
  name: "AuthInfo",
  fields: {
    1: { name: "signer_infos", kind: "message", repeated: true, message: () => SIGNER_INFO_SCHEMA },
    2: { name: "fee", kind: "message", message: () => FEE_SCHEMA },
    3: { name: "tip", kind: "message", message: () => TIP_SCHEMA },
  },
};

/** cosmos.crypto.secp256k1.PubKey. */
export const SECP256K1_PUBKEY_SCHEMA: MessageSpec = {
  name: "secp256k1.PubKey",
  fields: { 1: { name: "key", kind: "bytes" } },
};
