import { assertStateKey, MAX_STATE_KEY_LENGTH } from "@aegis/consumer-sdk";
import { StateError } from "./stateError.js";

/** Keys are 1..MAX_KEY_LENGTH bytes (the consumer SDK's bound, which its proof verifier checks). */
export const MAX_KEY_LENGTH = MAX_STATE_KEY_LENGTH;
/** Values are 1..MAX_VALUE_LENGTH bytes (1 MiB); an empty value does not exist (use `delete`). */
export const MAX_VALUE_LENGTH = 1024 * 1024;

export interface IterateOptions {
  /** Descending key order (default ascending). */
  reverse?: boolean;
  /** First key to consider: ascending, keys >= start; descending, keys <= start. */
  start?: Uint8Array;
  /** At most this many entries (a non-negative integer). */
  limit?: number;
}

/** Reads of a key-value state. Returned bytes are copies: mutating them changes nothing. */
export interface ReadonlyKVStore {
  get(key: Uint8Array): Uint8Array | undefined;
  has(key: Uint8Array): boolean;
  /** Entries whose key starts with `prefix` (may be empty: all), ascending by key bytes unless `reverse`. */
  iterate(prefix: Uint8Array, opts?: IterateOptions): IterableIterator<[Uint8Array, Uint8Array]>;
}

/**
 * Synchronous key-value view used by the pure module rules. Keys are 1..256 bytes, values 1 byte..1 MiB;
 * anything else is refused with STATE_ERROR_INVALID_KEY / STATE_ERROR_INVALID_VALUE and changes nothing.
 */
export interface KVStore extends ReadonlyKVStore {
  /** Stores a copy of `value` (non-empty) at `key`. */
  set(key: Uint8Array, value: Uint8Array): void;
  /** Removes `key` (a no-op when absent). */
  delete(key: Uint8Array): void;
}

/** Throws STATE_ERROR_INVALID_KEY unless `key` is 1..MAX_KEY_LENGTH bytes: the SDK's rule (one owner). */
export const assertValidKey: (key: Uint8Array) => void = assertStateKey;

export function assertValidValue(value: Uint8Array): void {
  if (!(value instanceof Uint8Array)) {
    throw new StateError({ code: "STATE_ERROR_INVALID_VALUE", length: -1, reason: "not a Uint8Array" }, "state value is not a Uint8Array");
  }
  if (value.length < 1 || value.length > MAX_VALUE_LENGTH) {
    throw new StateError(
      { code: "STATE_ERROR_INVALID_VALUE", length: value.length, reason: `must be 1..${MAX_VALUE_LENGTH} bytes` },
      `state value of ${value.length} bytes: must be 1..${MAX_VALUE_LENGTH} bytes`,
    );
  }
}
