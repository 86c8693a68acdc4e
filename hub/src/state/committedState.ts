import { copyBytes, toByteString } from "./byteString.js";
import { copied, iterateRange } from "./iterateRange.js";
import { registerKVSource } from "./kvSource.js";
import { assertValidKey, type IterateOptions, type KVStore } from "./kvStore.js";
import type { OrderedMap, OrderedRange } from "./orderedMap.js";
import { StateError } from "./stateError.js";

/** A committed key-value pair in memory. */
export interface CommittedEntry {
  key: Uint8Array;
  value: Uint8Array;
}

/**
 * Read-only, synchronous view of a state store's committed key-values; writes throw STATE_ERROR_READ_ONLY.
 * The store hands out a new one for each committed version (`StateStore.committed`). Reads always see the
 * latest committed version; the store accepts views (for `computeRoot` / `commit`) only when they were
 * created over the current one.
 */
export class CommittedState implements KVStore {
  readonly #kv: OrderedMap<CommittedEntry>;

  constructor(_opts: object, modules: { kv: OrderedMap<CommittedEntry> }) {
    const kv = modules.kv;
    this.#kv = kv;
    registerKVSource(this, {
      value: (key) => kv.get(key)?.value,
      entries: (range) => entriesOf(kv, range),
    });
  }

  get(key: Uint8Array): Uint8Array | undefined {
    assertValidKey(key);
    const e = this.#kv.get(toByteString(key));
    return e === undefined ? undefined : copyBytes(e.value);
  }

  has(key: Uint8Array): boolean {
    assertValidKey(key);
    return this.#kv.has(toByteString(key));
  }

  iterate(prefix: Uint8Array, opts?: IterateOptions): IterableIterator<[Uint8Array, Uint8Array]> {
    const r = iterateRange(prefix, opts); // arguments are checked now, not at the first next()
    return copied(entriesOf(this.#kv, r.range), r.limit);
  }

  set(_key: Uint8Array, _value: Uint8Array): void {
    throw readOnly();
  }

  delete(_key: Uint8Array): void {
    throw readOnly();
  }
}

function readOnly(): StateError {
  return new StateError({ code: "STATE_ERROR_READ_ONLY" }, "the committed state is read-only: write to a StateView and commit it");
}

function* entriesOf(kv: OrderedMap<CommittedEntry>, range: OrderedRange): Generator<[string, Uint8Array, Uint8Array], void, undefined> {
  for (const [k, e] of kv.range(range)) yield [k, e.key, e.value];
}
