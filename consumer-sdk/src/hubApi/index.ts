export * from "./hubApiError.js";
export * from "./chainJson.js";
export * from "./nodeJson.js";
export * from "./hubApiRoutes.js";
export * from "./consumersJson.js";
export * from "./trustRootJson.js";
export * from "./forkCaseJson.js";
export { encodeHex, readHex, encodeBase64, readBase64, encodeIsoTime, readIsoTime, readInt, readDecimal, readString, readBoolean, readLiteral, readChainId, readObject, readTag, readArray, readNullable } from "./jsonCodec.js";
