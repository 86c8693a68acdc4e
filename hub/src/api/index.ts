export * from "./apiServer.js";
