import { toByteString } from "./byteString.js";
import type { ReadonlyKVStore } from "./kvStore.js";
import type { OrderedRange } from "./orderedMap.js";

/**
 * Internal read protocol between the state classes: keys already as byte strings (see byteString.ts),
 * values not copied (callers never hand them out without copying). A store that is not one of ours is
 * read through its public interface.
 */
export interface KVSource {
  /** The value at `key`, not copied; undefined when absent. */
  value(key: string, keyBytes: Uint8Array): Uint8Array | undefined;
  /** [byte-string key, key bytes, value] in `range` order; neither key bytes nor values are copied. */
  entries(range: OrderedRange, prefixBytes: Uint8Array, startBytes: Uint8Array | undefined): Iterator<[string, Uint8Array, Uint8Array]>;
}

const sources = new WeakMap<object, KVSource>();

/** Registers the internal source of a store implemented in this folder. */
export function registerKVSource(store: ReadonlyKVStore, source: KVSource): void {
  sources.set(store, source);
}

export function kvSourceOf(store: ReadonlyKVStore): KVSource {
  return sources.get(store) ?? foreignSource(store);
}

function foreignSource(store: ReadonlyKVStore): KVSource {
  return {
    value: (_key, keyBytes) => store.get(keyBytes),
    *entries(range, prefixBytes, startBytes) {
      const opts = startBytes === undefined ? { reverse: range.reverse } : { reverse: range.reverse, start: startBytes };
      for (const [k, v] of store.iterate(prefixBytes, opts)) yield [toByteString(k), k, v];
    },
  };
}
