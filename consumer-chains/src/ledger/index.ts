export * from "./tx.js";
export * from "./genesis.js";
export * from "./state.js";
export * from "./environment.js";
export { GenesisError, type GenesisErrorType } from "../common/errors.js";
export type { ChainKey } from "../common/keys.js";
export type { AmountInput } from "../common/genesis.js";
