/**
 * Distribution module: F1 fee distribution (Cosmos x/distribution), lazily accounted. Pure rules over
 * a KVStore (prefixes 0x30–0x3f). Wiring (by the app):
 * - messages: `new MsgRegistry([...DEFAULT_HANDLERS, ...STAKING_HANDLERS, ...DISTRIBUTION_HANDLERS])`
 * - every block end: `processAllocateRewards(view, { height, votes })` with the bonded set's power
 * - queries: `queryDistribution(store, path, data, height)` (null: not a distribution path)
 * - params (genesis, optional): `setDistributionParams(view, { blockReward })`
 * The staking module calls the hooks (afterValidatorCreated, beforeDelegationSharesModified,
 * afterDelegationModified, beforeValidatorSlashed) itself.
 */
export * from "./keys.js";
export * from "./decCoins.js";
export * from "./keeper.js";
export * from "./handlers.js";
export * from "./query.js";
