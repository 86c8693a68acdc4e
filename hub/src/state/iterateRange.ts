import { copyBytes, toByteString } from "./byteString.js";
import { MAX_KEY_LENGTH, type IterateOptions } from "./kvStore.js";
import type { OrderedRange } from "./orderedMap.js";
import { StateError } from "./stateError.js";

/** Checked arguments of `iterate`. */
export interface IterateRange {
  range: OrderedRange;
  prefixBytes: Uint8Array;
  startBytes: Uint8Array | undefined;
  /** Infinity when unlimited. */
  limit: number;
}

/** Checks `iterate`'s arguments: prefix and start at most 256 bytes, limit a non-negative integer. */
export function iterateRange(prefix: Uint8Array, opts: IterateOptions | undefined): IterateRange {
  checkBytes("prefix", prefix);
  const start = opts?.start;
  if (start !== undefined) checkBytes("start", start);
  const limit = opts?.limit ?? Infinity;
  if (limit !== Infinity && (!Number.isSafeInteger(limit) || limit < 0)) {
    throw new StateError({ code: "STATE_ERROR_INVALID_ARGUMENT", field: "limit", reason: "not a non-negative integer" }, `iterate limit ${limit}`);
  }
  return {
    range: { prefix: toByteString(prefix), reverse: opts?.reverse === true, start: start === undefined ? undefined : toByteString(start) },
    prefixBytes: prefix,
    startBytes: start,
    limit,
  };
}

function checkBytes(field: string, b: Uint8Array): void {
  if (!(b instanceof Uint8Array) || b.length > MAX_KEY_LENGTH) {
    throw new StateError({ code: "STATE_ERROR_INVALID_ARGUMENT", field, reason: `not a Uint8Array of at most ${MAX_KEY_LENGTH} bytes` });
  }
}

/** Copies of the key-value pairs of `entries`, at most `limit`. */
export function* copied(entries: Iterator<[string, Uint8Array, Uint8Array]>, limit: number): Generator<[Uint8Array, Uint8Array], void, undefined> {
  if (limit <= 0) return;
  let n = 0;
  for (let e = entries.next(); !e.done; e = entries.next()) {
    yield [copyBytes(e.value[1]), copyBytes(e.value[2])];
    if (++n >= limit) return;
  }
}
