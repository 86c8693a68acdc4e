/**
 * A bounded map keeping recently used entries: two generations of at most `maxEntries / 2` each. New and
 * hit entries go to the young generation; when it is full it becomes the old one and the previous old
 * generation is dropped. Every operation is O(1) (a Map-based LRU that deletes and re-inserts on every
 * hit leaves holes at the front of the Map, which made finding the eldest entry slow).
 */
export class LruCache<K, V> {
  readonly #half: number;
  #young = new Map<K, V>();
  #old = new Map<K, V>();

  constructor(opts: { maxEntries: number }) {
    this.#half = Math.floor(opts.maxEntries / 2);
  }

  get(key: K): V | undefined {
    const v = this.#young.get(key);
    if (v !== undefined) return v;
    const o = this.#old.get(key);
    if (o !== undefined) this.set(key, o);
    return o;
  }

  set(key: K, value: V): void {
    if (this.#half <= 0) return;
    this.#young.set(key, value);
    if (this.#young.size >= this.#half) {
      this.#old = this.#young;
      this.#young = new Map();
    }
  }
}
