import { AegisError } from "@aegis/consumer-sdk";

/**
 * Typed storage errors with stable codes. Callers switch on `err.type.code`.
 * Never reuse a retired code.
 */
export type DbErrorType =
  /** A different block is already stored at this height (finalized history never changes). */
  | { code: "DB_ERROR_CONFLICTING_BLOCK"; height: number; storedHash: string; newHash: string }
  /** Blocks are stored contiguously from height 1; this one would leave a gap. */
  | { code: "DB_ERROR_NON_CONTIGUOUS"; height: number; latestHeight: number }
  /** A caller passed something the store refuses (bad height, certificate not for this block, ...). */
  | { code: "DB_ERROR_INVALID_ARGUMENT"; field: string; reason: string }
  /** `putMeta` on a key the database itself manages. */
  | { code: "DB_ERROR_RESERVED_META_KEY"; key: string }
  /** A stored record did not decode, or an invariant of the stored data does not hold. */
  | { code: "DB_ERROR_CORRUPT"; key: string; reason: string }
  /** The database could not be opened (path not writable, already opened by another handle, ...). */
  | { code: "DB_ERROR_OPEN_FAILED"; path: string; reason: string };

export type DbErrorCode = DbErrorType["code"];

export class DbError extends AegisError<DbErrorType> {}
