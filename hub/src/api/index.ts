export * from "./apiServer.js";
export * from "./httpServerLimits.js";
