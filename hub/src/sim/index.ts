export * from "./simulation.js";
export * from "./engineSim.js";
export * from "./simChecker.js";
export * from "./simDisk.js";
export * from "./simNetwork.js";
export * from "./simAdversary.js";
