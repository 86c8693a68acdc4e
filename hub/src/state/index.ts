export * from "./stateError.js";
export * from "./kvStore.js";
export * from "./stateView.js";
export * from "./committedState.js";
export * from "./stateStore.js";
// Proof verification is the consumer SDK's; re-exported for the hub's existing importers.
export { EMPTY_TRIE_ROOT, verifyStateProof } from "@aegis/consumer-sdk";
