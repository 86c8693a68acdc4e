export * from "./hubNode.js";
export * from "./mempool.js";
export * from "./messageValidation.js";
export * from "./nodeConfig.js";
export * from "./nodeMetrics.js";
export * from "./initHomes.js";
export * from "./runNode.js";
export * from "./hubTrustRoot.js";
