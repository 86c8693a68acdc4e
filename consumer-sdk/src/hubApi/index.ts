export * from "./hubApiError.js";
export * from "./chainJson.js";
export * from "./nodeJson.js";
export * from "./hubApiRoutes.js";
export * from "./consumersJson.js";
