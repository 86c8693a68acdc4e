export * from "./devnet.js";
export * from "./consumers.js";
export * from "./supervisor.js";
