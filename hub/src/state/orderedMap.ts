import { afterPrefix, justAfter } from "./byteString.js";

/** Range of an ordered iteration: keys starting with `prefix`, from `start` on (see IterateOptions). */
export interface OrderedRange {
  prefix: string;
  reverse: boolean;
  start: string | undefined;
}

/**
 * A Map with string keys that also iterates in key order (JS string order; with byte strings, byte order).
 *
 * The one place that decides how sorted iteration is done, so it can be swapped for a B-tree later. Today:
 * a hash map plus a sorted array of its keys, brought up to date on demand. New keys wait in an unsorted
 * list; the next ordered read sorts that list and merges it in (O(n + k log k) for k new keys), and drops
 * deleted keys at the same time. Point reads and writes are plain Map operations.
 *
 * Iterators walk the sorted array as it was when they started (a later update builds a new array) and
 * read values live: entries deleted meanwhile are skipped, keys added meanwhile are not seen.
 */
export class OrderedMap<V> {
  readonly #map = new Map<string, V>();
  #sorted: string[] = [];
  /** Keys added since `#sorted` was built (unsorted, may repeat). */
  #pending: string[] = [];
  /** Deletions since `#sorted` was built. */
  #deleted = 0;

  get size(): number {
    return this.#map.size;
  }

  get(key: string): V | undefined {
    return this.#map.get(key);
  }

  has(key: string): boolean {
    return this.#map.has(key);
  }

  set(key: string, value: V): void {
    if (!this.#map.has(key)) this.#pending.push(key);
    this.#map.set(key, value);
  }

  delete(key: string): boolean {
    if (!this.#map.delete(key)) return false;
    this.#deleted++;
    return true;
  }

  clear(): void {
    this.#map.clear();
    this.#sorted = [];
    this.#pending = [];
    this.#deleted = 0;
  }

  /** Every key in ascending order. The array is shared: do not modify it. */
  sortedKeys(): readonly string[] {
    if (this.#pending.length === 0 && this.#deleted === 0) return this.#sorted;
    const map = this.#map;
    const a = this.#sorted;
    const b = this.#pending.sort();
    const out: string[] = [];
    let i = 0;
    let j = 0;
    let last: string | undefined;
    while (i < a.length || j < b.length) {
      let k: string;
      if (j >= b.length || (i < a.length && a[i]! <= b[j]!)) k = a[i++]!;
      else k = b[j++]!;
      if (k === last || !map.has(k)) continue;
      out.push(k);
      last = k;
    }
    this.#sorted = out;
    this.#pending = [];
    this.#deleted = 0;
    return out;
  }

  /** Entries in `range`, in order. */
  *range(range: OrderedRange): Generator<[string, V], void, undefined> {
    const keys = this.sortedKeys();
    const map = this.#map;
    const { prefix, start } = range;
    if (!range.reverse) {
      const from = lowerBound(keys, start !== undefined && start > prefix ? start : prefix);
      for (let i = from; i < keys.length; i++) {
        const k = keys[i]!;
        if (!k.startsWith(prefix)) return;
        const v = map.get(k);
        if (v !== undefined) yield [k, v];
      }
    } else {
      let to = lowerBound(keys, afterPrefix(prefix));
      if (start !== undefined) to = Math.min(to, lowerBound(keys, justAfter(start)));
      for (let i = to - 1; i >= 0; i--) {
        const k = keys[i]!;
        if (!k.startsWith(prefix)) return;
        const v = map.get(k);
        if (v !== undefined) yield [k, v];
      }
    }
  }

  /** Up to `max` keys in [from, to), in order. */
  keysBetween(from: string, to: string, max: number): string[] {
    const keys = this.sortedKeys();
    const out: string[] = [];
    for (let i = lowerBound(keys, from); i < keys.length && out.length < max && keys[i]! < to; i++) out.push(keys[i]!);
    return out;
  }

  /** All entries, unordered (insertion order). */
  entries(): IterableIterator<[string, V]> {
    return this.#map.entries();
  }
}

/** Index of the first key >= `target`. */
function lowerBound(keys: readonly string[], target: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
