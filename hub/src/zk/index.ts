export * from "./zkValidatorSet.js";
export * from "./attestationPool.js";
export * from "./zkProver.js";
