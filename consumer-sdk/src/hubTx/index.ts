/**
 * `@aegis/consumer-sdk/hub-tx`: the hub's consumer messages with cosmjs-shaped codecs, for whoever
 * signs them (the hub's own handlers decode with the same code), and the amino JSON
 * (SIGN_MODE_LEGACY_AMINO_JSON) of every message the hub takes: `createAegisAminoConverters()` for
 * cosmjs's AminoTypes, the same definition the hub verifies amino signatures with. A subpath of its
 * own, not part of the main entry: it brings the generated protobuf code, which a browser verifying
 * certificates does not need.
 */
export * from "./consumerMessages.js";
export * from "./hubTypes.js";
export * from "./forkEvidenceMessage.js";
export {
  AminoJsonError,
  makeAminoSignDoc,
  serializeAminoSignDoc,
  sortedJsonStringify,
  type AminoCoin,
  type AminoFee,
  type AminoJsonErrorType,
  type AminoJsonValue,
  type AminoMsg,
  type AminoSignDoc,
  type AminoSignDocInput,
} from "./aminoSignDoc.js";
export { aegisAminoToProps, aegisPropsToAmino, getAegisMessageDef, readAegisProto, type AminoFieldDef, type AminoMessageDef, type ProtoProps, type ProtoScalar } from "./aminoProto.js";
export {
  AEGIS_AMINO_TYPES,
  aegisPropsToDomain,
  COSMOS_AMINO_TYPES,
  createAegisAminoConverters,
  domainToAegisProps,
  encodeAminoMsgFromProto,
  HUB_AMINO_TYPES,
  type AminoConverter,
} from "./aminoConverters.js";
