export * from "./types.js";
export * from "./evidence.js";
export * from "./voteSet.js";
export * from "./proposerSchedule.js";
export * from "./roundState.js";
export * from "./blockRules.js";
export * from "./voteBatchVerifier.js";
export * from "./consensusEngine.js";
