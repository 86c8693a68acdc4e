import { AegisError } from "./errors.js";

/**
 * Typed errors of state-proof verification and of the trie's encodings (RLP, trie nodes), with stable
 * codes. The codes are those the hub's state store has always thrown for the same conditions (its
 * `StateError` type includes these), so callers switch on `err.type.code` whichever side threw.
 * Never reuse a retired code.
 */
export type StateProofErrorType =
  /** A key is not 1..256 bytes (or not a Uint8Array). */
  | { code: "STATE_ERROR_INVALID_KEY"; length: number; reason: string }
  /** A Merkle proof does not prove anything about the key under the given root. */
  | { code: "STATE_ERROR_INVALID_PROOF"; reason: string }
  /**
   * Bytes that should be RLP or a trie node do not decode (`key` empty when thrown here; the hub's state
   * store throws it with the storage key of missing or undecodable stored state).
   */
  | { code: "STATE_ERROR_CORRUPT"; key: string; reason: string };

export type StateProofErrorCode = StateProofErrorType["code"];

export class StateProofError extends AegisError<StateProofErrorType> {}
