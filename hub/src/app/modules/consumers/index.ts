/**
 * Consumers module: the registry of consumer chains and their checkpoints (state prefixes
 * 0x60–0x6f; key layout in state.ts). Pure rules over a KVStore; time and height come from the
 * caller. Wiring (by the app):
 * - genesis: `processConsumersGenesis(view, { bondDenom, minBond, checkpointFee, proverSharePermille })`
 *   (appState.consumers.minBond, .checkpointFee, .proverShare; the share is 0 without a zk section)
 * - messages: `CONSUMER_HANDLERS` (MsgRegisterConsumer, MsgUpdateConsumer, MsgDeregisterConsumer,
 *   MsgSubmitCheckpoint, MsgSubmitConsumerEvidence); cosmjs codecs `CONSUMER_COSMJS_TYPES`
 * - checkpoint fees: each accepted MsgSubmitCheckpoint takes Params.checkpoint_fee from its relayer:
 *   floor(fee × prover_share_permille / 1000) to the prover pool account (`consumers_prover_pool`),
 *   recorded under the hub height (0x65 | height), the rest to the fee collector (the distribution
 *   module pays it to the validators who sign that block's commit). The zk module's
 *   MsgSubmitZkCertificate of height H with a named prover calls `processPayProverShares`: the
 *   shares of heights <= H go to that prover.
 * - every block end: `processMatureConsumerBonds(view, blockTime)` (bonds of deregistered consumers
 *   back to their owners after the staking unbonding period)
 * - the header's consumer-checkpoint root after a block: `getConsumerCheckpointRoot(view)`
 * - reads: `getConsumer`, `listConsumers`, `getLatestCheckpoint` (with the hub height that recorded
 *   it), `listLatestCheckpoints`; older checkpoints are not state: the app writes every accepted
 *   one to the node's checkpoint history (HubDb.checkpoints) at commit
 * - queries: `queryConsumers(store, path, data, height)` (null: not a consumers path)
 */
export * from "./state.js";
export * from "@aegis/consumer-sdk/hub-tx";
export * from "./handlers.js";
export * from "./query.js";
