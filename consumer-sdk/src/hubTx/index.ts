/**
 * `@aegis/consumer-sdk/hub-tx`: the hub's consumer messages with cosmjs-shaped codecs, for whoever
 * signs them (the hub's own handlers decode with the same code). A subpath of its own, not part of the
 * main entry: it brings the generated protobuf code, which a browser verifying certificates does not need.
 */
export * from "./consumerMessages.js";
export * from "./hubTypes.js";
export * from "./forkEvidenceMessage.js";
