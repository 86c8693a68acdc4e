export * from "./types.js";
export * from "./voteSet.js";
export * from "./proposerSchedule.js";
export * from "./roundState.js";
