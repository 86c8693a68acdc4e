export * from "./zkValidatorSet.js";
export * from "./attestationPool.js";
export * from "./zkProver.js";
export * from "./attestationSchedule.js";
export * from "./zkService.js";
export * from "./certificateSubmitter.js";
