export * from "./evmConfig.js";
export * from "./evmTransaction.js";
export * from "./evmEnvironment.js";
export * from "./finalityAbi.js";
export * from "./contracts.js";
export * from "./relayer.js";
