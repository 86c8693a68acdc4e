export * from "./zkValidatorSet.js";
