export * from "./stateError.js";
export * from "./kvStore.js";
export * from "./stateView.js";
export * from "./committedState.js";
export * from "./stateStore.js";
export * from "./verifyStateProof.js";
export { EMPTY_TRIE_ROOT } from "./trieNode.js";
