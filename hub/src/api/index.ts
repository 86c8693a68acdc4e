export * from "./apiServer.js";
export * from "./jsonViews.js";
