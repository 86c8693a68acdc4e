/**
 * Consumers module: the registry of consumer chains and their checkpoints (state prefixes
 * 0x60–0x6f; key layout in state.ts). Pure rules over a KVStore; time and height come from the
 * caller. Wiring (by the app):
 * - genesis: `processConsumersGenesis(view, { bondDenom, minBond })` (appState.consumers.minBond)
 * - messages: `CONSUMER_HANDLERS` (MsgRegisterConsumer, MsgUpdateConsumer, MsgDeregisterConsumer,
 *   MsgSubmitCheckpoint, MsgSubmitConsumerEvidence); cosmjs codecs `CONSUMER_COSMJS_TYPES`
 * - every block end: `processMatureConsumerBonds(view, blockTime)` (bonds of deregistered consumers
 *   back to their owners after the staking unbonding period)
 * - the header's consumer-checkpoint root after a block: `getConsumerCheckpointRoot(view)`
 * - reads: `getConsumer`, `listConsumers`, `getCheckpoint` (with the hub height that recorded it),
 *   `getLatestCheckpoint`, `listLatestCheckpoints`
 * - queries: `queryConsumers(store, path, data, height)` (null: not a consumers path)
 */
export * from "./state.js";
export * from "@aegis/consumer-sdk/hub-tx";
export * from "./handlers.js";
export * from "./query.js";
