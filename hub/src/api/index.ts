export * from "./apiServer.js";
export * from "./httpServerLimits.js";
export * from "./rest/index.js";
