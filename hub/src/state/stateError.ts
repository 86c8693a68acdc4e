import { AegisError, type StateProofErrorType } from "@aegis/consumer-sdk";

/**
 * Typed errors of the state store and its views, with stable codes. Callers switch on `err.type.code`.
 * Never reuse a retired code. STATE_ERROR_INVALID_KEY, STATE_ERROR_INVALID_PROOF and STATE_ERROR_CORRUPT
 * are the consumer SDK's (`StateProofErrorType`: the proof verifier, RLP and trie-node decoding throw them as
 * `StateProofError`); here STATE_ERROR_CORRUPT means stored state is missing or does not decode (a trie
 * node, the version record, a key-value), with its storage key.
 */
export type StateErrorType =
  | StateProofErrorType
  /** A value is not 1 byte..1 MiB (or not a Uint8Array); deletion is `delete`, not an empty value. */
  | { code: "STATE_ERROR_INVALID_VALUE"; length: number; reason: string }
  /** An argument other than a key or value is out of range (iteration limit, prefix, ...). */
  | { code: "STATE_ERROR_INVALID_ARGUMENT"; field: string; reason: string }
  /** A write to the committed state, which only `StateStore.commit` changes. */
  | { code: "STATE_ERROR_READ_ONLY" }
  /** `commit(height)` with a height that does not follow the last committed version (`latestHeight` null: none yet). */
  | { code: "STATE_ERROR_INVALID_HEIGHT"; height: number; latestHeight: number | null }
  /** The view was created over a committed version that is no longer the latest. */
  | { code: "STATE_ERROR_STALE_VIEW" }
  /** The view was not created over this store's committed state (a branch, or another store's view). */
  | { code: "STATE_ERROR_FOREIGN_VIEW" }
  /** `commit()` on a view that is not a branch (a top-level view is committed by `StateStore.commit`). */
  | { code: "STATE_ERROR_NOT_A_BRANCH" }
  /** The view was already committed into its parent or discarded. */
  | { code: "STATE_ERROR_VIEW_CLOSED" };

export type StateErrorCode = StateErrorType["code"];

export class StateError extends AegisError<StateErrorType> {}
