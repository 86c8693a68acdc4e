export * from "./syncService.js";
