export * from "./application.js";
export * from "./placeholderApplication.js";
export * from "./hubApplication.js";
export * from "./executeTx.js";
export * from "./msgRegistry.js";
export * from "./txEvents.js";
export * from "./gasKVStore.js";
export * from "./storeKeys.js";
export * from "./modules/auth.js";
export * from "./modules/bank.js";
export * from "./modules/staking/index.js";
export * from "./modules/distribution/index.js";
export * from "./modules/slashing/index.js";
export * from "./modules/zk/index.js";
export * from "./msgAddress.js";
export * from "./pagination.js";
export * from "./modules/consumers/index.js";
// The hub's strict codec of the fork-evidence message (the SDK's hub-tx, re-exported with the
// consumers module, has the encoder only).
export { AegisMsgPostCommit, AegisMsgPostPolka, AegisMsgSubmitForkEvidence } from "./modules/slashing/index.js";
