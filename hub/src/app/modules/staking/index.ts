/**
 * Staking module: validators (BLS + attestation keys), delegations, unbonding and redelegation with
 * time-ordered queues, the active set per epoch, slashing hooks and the cosmjs staking queries.
 * Pure rules over a KVStore; time and height come from the caller. Wiring (by the app):
 * - messages: `new MsgRegistry([...DEFAULT_HANDLERS, ...STAKING_HANDLERS])`
 * - genesis: `processStakingGenesis(view, genesis, { chainId, time })` after the bank genesis
 * - every block end: `processMatureUnbondings(view, blockTime)`
 * - last block of an epoch: `processEpochEnd(view, { height, time })` -> the next set and its root
 * - consensus: `getValidatorSetForHeight(store, h)` / `getValidatorSetForEpoch(store, e)`
 * - queries: `queryStaking(store, path, data, height)` (null: not a staking path)
 * - evidence/slashing: `processSlash`, `processJail`, `processUnjail`, `processTombstone`
 */
export * from "./dec.js";
export * from "./keys.js";
export * from "./params.js";
export * from "./state.js";
export * from "./keeper.js";
export * from "./messages.js";
export * from "./handlers.js";
export * from "./validatorSet.js";
export * from "./slash.js";
export * from "./query.js";
export * from "./genesis.js";
