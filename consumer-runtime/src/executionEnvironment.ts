import { AegisError } from "@aegis/consumer-sdk";
import type { StateDb } from "./stateDb.js";

/**
 * The one interface a consumer chain implements to run on the runtime: how to validate and execute a
 * block's transactions over its state, and what the state root is afterwards. Everything else (block
 * production, the producer's signatures, full nodes over libp2p, storage, checkpoints into the hub,
 * hub finality, the FinalityGuard in fork choice, the HTTP API) is the runtime's.
 *
 * State is content-addressed: an environment keeps its state in the runtime's `StateDb` as a Merkle
 * Patricia trie (or anything whose nodes are stored by hash), so the state after every block stays
 * reachable by its root. The runtime never asks the environment to undo anything: a reorg simply
 * executes the new branch from its parent's root. Writes that a crash interrupts leave only unreferenced
 * nodes, because the runtime records a block (and its root) after `executeBlock` returns.
 *
 * Determinism: `executeBlock` must give the same root and receipts on every node for the same inputs
 * (no clock, no randomness, no floating point: the block's `time` is the only time).
 */
export interface ExecutionEnvironment {
  /** The execution-environment label registered on the hub ("ledger", "utxo", "evm"). */
  readonly vm: string;
  /** Called once before anything else, with the runtime's state storage. */
  open(db: StateDb): Promise<void>;
  /** Writes the genesis state (from the environment's own genesis configuration) and returns its root. Deterministic. */
  initGenesis(): Promise<Uint8Array>;
  /**
   * Mempool admission against the state at `stateRoot` (the node's head): decodes the transaction,
   * checks its signature and whatever can fail cheaply (nonce, inputs, balance). Throws ExecutionError.
   */
  checkTx(stateRoot: Uint8Array, tx: Uint8Array): Promise<void>;
  /**
   * The producer's side: executes as many of `candidates` (in order) as are valid over the state at
   * `parentStateRoot`, leaving out those that are not, and returns the included ones with the result.
   */
  buildBlock(parentStateRoot: Uint8Array, candidates: readonly Uint8Array[], ctx: BlockContext): Promise<BuiltBlock>;
  /**
   * Every node's side: executes exactly `txs` over the state at `parentStateRoot`. A transaction that
   * cannot be in a block (undecodable, bad signature, spends what does not exist) makes the block
   * invalid: throws ExecutionError. A transaction that is valid but fails (e.g. an EVM revert) is
   * included with a failed receipt.
   */
  executeBlock(parentStateRoot: Uint8Array, txs: readonly Uint8Array[], ctx: BlockContext): Promise<ExecutionResult>;
  /**
   * A read of the state at `stateRoot`, served by the runtime's API as GET /query/<path>; undefined
   * when nothing is there (404). Throws ExecutionError on a malformed path (400).
   */
  query(stateRoot: Uint8Array, path: readonly string[]): Promise<unknown | undefined>;
  /** Releases what `open` acquired (the StateDb itself is closed by the runtime). */
  close?(): Promise<void>;
}

/** What a block's execution sees besides its transactions. */
export interface BlockContext {
  consumerId: string;
  height: number;
  /** The block's time (Unix ms), chosen by the producer, strictly increasing. */
  time: number;
  /** The parent block's hash (all zero for height 1). */
  parentHash: Uint8Array;
}

/** One transaction's outcome. */
export interface TxReceipt {
  /** 0: success. Environment-defined codes otherwise. */
  code: number;
  /** Human-readable outcome ("" on success). */
  log: string;
  /** Environment-defined JSON-safe data (e.g. a created contract's address). */
  data?: unknown;
}

export interface ExecutionResult {
  stateRoot: Uint8Array;
  /** One per transaction, in order. */
  receipts: TxReceipt[];
}

export interface BuiltBlock extends ExecutionResult {
  /** The included transactions, a subsequence of the candidates. */
  txs: Uint8Array[];
  /** Candidates left out, with why (the runtime drops them from its mempool). */
  rejected: { tx: Uint8Array; error: ExecutionError }[];
}

export type ExecutionErrorType =
  /** The bytes do not decode to a transaction of this environment. */
  | { code: "EXECUTION_ERROR_MALFORMED_TX"; reason: string }
  /** A signature that does not verify, or a signer not entitled to what it signs. */
  | { code: "EXECUTION_ERROR_UNAUTHORIZED"; reason: string }
  /** Valid in form, but not against this state (nonce, missing input, balance, double spend). */
  | { code: "EXECUTION_ERROR_INVALID_TX"; reason: string }
  /** A query path that does not name anything this environment answers. */
  | { code: "EXECUTION_ERROR_BAD_QUERY"; reason: string }
  /** The state the root names is not in the store (a fault of the node, not of the input). */
  | { code: "EXECUTION_ERROR_MISSING_STATE"; root: string };

export class ExecutionError extends AegisError<ExecutionErrorType> {}

export const executionError = (t: ExecutionErrorType, message?: string): ExecutionError =>
  new ExecutionError(t, message ?? `${t.code}${"reason" in t ? `: ${t.reason}` : ""}`);
