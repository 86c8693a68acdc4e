export * from "./devnet.js";
