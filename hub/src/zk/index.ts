export * from "./zkValidatorSet.js";
export * from "./attestationPool.js";
