import type { HubDb } from "../db/index.js";
import type { Mempool } from "../node/mempool.js";
import type { PrivValidator } from "../signer/index.js";

/**
 * What the consensus engine needs of its collaborators, and nothing more: so that the same engine
 * runs in a node (HubDb over LevelDB, the node's Mempool, real timers) and under the deterministic
 * simulator (an in-memory HubDb whose unsynced writes a crash may lose, a simulated clock and ticker).
 */

/** The block store: the chain the engine extends. */
export type EngineBlockStore = Pick<HubDb["blocks"], "latestHeight" | "getBlock" | "getCertificate" | "putCertified">;
/** The write-ahead log of the height in progress (consensus inputs, own votes and proposals). */
export type EngineWal = Pick<HubDb["wal"], "read" | "append" | "appendMany" | "prune">;
/** Pending double-sign evidence, kept across restarts. */
export type EngineEvidencePool = Pick<HubDb["evidence"], "list" | "add">;
/** Polkas the node saw (a fork case across rounds asks for them, decision 52). */
export type EnginePolkaStore = Pick<HubDb["polkas"], "putPolka" | "prunePolkasBelow">;

export interface EngineStore {
  blocks: EngineBlockStore;
  wal: EngineWal;
  evidence: EngineEvidencePool;
  polkas: EnginePolkaStore;
}

/** The mempool as the proposer sees it: its size (an empty one defers the block), a batch to propose, and the committed ones out. */
export type EngineMempool = Pick<Mempool, "size" | "reap" | "removeCommitted">;

/** The validator's signer: its key, and signatures through the double-sign guard (PrivValidator in a node). */
export type EngineSigner = Pick<PrivValidator, "publicKey" | "signVote" | "signProposal">;

/** An opaque handle of a scheduled callback. */
export type TickerHandle = unknown;

/**
 * The engine's timers (as CometBFT's TimeoutTicker): round timeouts, deferred proposals and the
 * rebroadcast. A node uses realTicker; the simulator one that fires on its simulated clock.
 */
export interface TimeoutTicker {
  /** Calls `fn` once after `ms` milliseconds. */
  schedule(ms: number, fn: () => void): TickerHandle;
  /** Cancels a callback not yet called (a no-op for one already called or cancelled). */
  cancel(handle: TickerHandle): void;
}

export const realTicker: TimeoutTicker = {
  schedule: (ms, fn) => setTimeout(fn, ms),
  cancel: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
