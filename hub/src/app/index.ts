export * from "./application.js";
export * from "./placeholderApplication.js";
