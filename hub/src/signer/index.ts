export * from "./signerError.js";
export * from "./signerGuard.js";
export * from "./privValidator.js";
