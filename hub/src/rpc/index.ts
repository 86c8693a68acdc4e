export * from "./cometRpc.js";
