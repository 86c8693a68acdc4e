/**
 * Slashing module: liveness (missed-block windows, downtime slash and jail), double-sign evidence
 * (duplicate votes, and double attestations: two finality attestations of one validator and height
 * for different statements; each slashes and tombstones), MsgUnjail and the cosmjs slashing queries. Pure rules over
 * a KVStore (prefixes 0x40–0x4f); time and height come from the caller. Wiring (by the app):
 * - genesis: `processSlashingGenesis(view, params?)` (after staking)
 * - messages: `new MsgRegistry([...DEFAULT_HANDLERS, ...STAKING_HANDLERS, ...SLASHING_HANDLERS])`
 *   (MsgUnjail, MsgSubmitEvidence)
 * - block begin, from the previous height's certificate the block carries (its last commit):
 *   `processBlockSignatures(view, { height: h, time: blockTime, set: getValidatorSetForHeight(view, h)!, signers: cert.signers })`
 * - block begin, per evidence the block carries: `processDuplicateVoteEvidence(view, ev, { height, time, chainId })`
 *   or `processDoubleAttestationEvidence(...)` on a branch (HubApplication.processBeginBlock)
 * - queries: `querySlashing(store, path, data, height)` (null: not a slashing path)
 */
export * from "./state.js";
export * from "./liveness.js";
export * from "./evidence.js";
export * from "./handlers.js";
export * from "./submitEvidence.js";
export * from "./query.js";
export * from "./forkEvidence.js";
export * from "./forkCase.js";
export * from "./forkCaseRules.js";
