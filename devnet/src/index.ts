export * from "./devnet.js";
export * from "./consumers.js";
