export * from "./simulation.js";
