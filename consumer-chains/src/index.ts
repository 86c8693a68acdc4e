export * from "./ledger/index.js";
export * from "./utxo/index.js";
export * from "./evm/index.js";
export * from "./environments.js";
