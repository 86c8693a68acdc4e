import { AegisError } from "@aegis/consumer-sdk";
import { ExecutionError, executionError } from "@aegis/consumer-runtime";

/** The bytes are not a transaction of the environment (EXECUTION_ERROR_MALFORMED_TX). */
export const malformedTx = (reason: string): ExecutionError => executionError({ code: "EXECUTION_ERROR_MALFORMED_TX", reason });
/** A signature that does not verify, a key that is not strict, a signer that does not own what it spends. */
export const unauthorizedTx = (reason: string): ExecutionError => executionError({ code: "EXECUTION_ERROR_UNAUTHORIZED", reason });
/** Well-formed and signed, but not valid against the state (or for this chain). */
export const invalidTx = (reason: string): ExecutionError => executionError({ code: "EXECUTION_ERROR_INVALID_TX", reason });
/** A query path the environment does not answer. */
export const badQuery = (reason: string): ExecutionError => executionError({ code: "EXECUTION_ERROR_BAD_QUERY", reason });

/**
 * Whether `err` says something about a transaction (so a producer leaves the transaction out) rather
 * than about the node (missing state, a storage failure), which must propagate.
 */
export function isTxRejection(err: unknown): err is ExecutionError {
  return err instanceof ExecutionError && err.code !== "EXECUTION_ERROR_MISSING_STATE" && err.code !== "EXECUTION_ERROR_BAD_QUERY";
}

export type GenesisErrorType =
  /** The genesis text is not JSON. */
  | { code: "GENESIS_ERROR_INVALID_JSON"; reason: string }
  /** A field of the genesis configuration (or the consumer id) is missing, unknown or out of its range; `field` is its path. */
  | { code: "GENESIS_ERROR_INVALID_FIELD"; field: string; reason: string };

/** A genesis configuration that cannot start a chain. Thrown when the environment is constructed. */
export class GenesisError extends AegisError<GenesisErrorType> {}

export const invalidGenesisField = (field: string, reason: string): GenesisError =>
  new GenesisError({ code: "GENESIS_ERROR_INVALID_FIELD", field, reason }, `genesis ${field}: ${reason}`);
