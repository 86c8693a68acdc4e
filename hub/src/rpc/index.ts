export * from "./cometRpc.js";
export * from "./nodeRpcBackend.js";
