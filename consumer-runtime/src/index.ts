export * from "./executionEnvironment.js";
export * from "./stateDb.js";
