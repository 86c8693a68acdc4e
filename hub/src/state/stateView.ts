import { copyBytes, toByteString } from "./byteString.js";
import { copied, iterateRange } from "./iterateRange.js";
import { kvSourceOf, registerKVSource, type KVSource } from "./kvSource.js";
import { assertValidKey, assertValidValue, type IterateOptions, type KVStore, type ReadonlyKVStore } from "./kvStore.js";
import { OrderedMap, type OrderedRange } from "./orderedMap.js";
import { StateError } from "./stateError.js";

/** A buffered write: a value, or null for a deletion. */
interface Write {
  key: Uint8Array;
  value: Uint8Array | null;
}

/**
 * Buffered writes over a parent store. Reads see the view's own writes and deletions first, then the
 * parent. Nothing reaches the parent until `commit()` (for a branch) or `StateStore.commit(height, view)`
 * (for a view over the committed state).
 *
 * `branch()` gives a child view for one transaction: its `commit()` folds its writes into this view,
 * `discard()` drops them, so a rejected transaction changes nothing.
 *
 * Keys and values are copied on the way in and out. Writing to the view while iterating it is allowed:
 * an iteration walks the keys that existed when it started, with their current values (entries deleted
 * meanwhile are skipped).
 */
export class StateView implements KVStore {
  readonly #parent: ReadonlyKVStore;
  readonly #source: KVSource;
  readonly #isBranch: boolean;
  readonly #writes = new OrderedMap<Write>();
  #closed = false;
  #revision = 0;

  constructor(parent: KVStore | ReadonlyKVStore) {
    this.#parent = parent;
    this.#source = kvSourceOf(parent);
    this.#isBranch = parent instanceof StateView;
    registerKVSource(this, {
      value: (key, keyBytes) => this.#value(key, keyBytes),
      entries: (range, prefixBytes, startBytes) => this.#entries(range, prefixBytes, startBytes),
    });
  }

  /** The store this view reads through to. */
  get parent(): ReadonlyKVStore {
    return this.#parent;
  }

  /** True for a view over another view (made by `branch()`, or constructed over a StateView). */
  get isBranch(): boolean {
    return this.#isBranch;
  }

  /** False once committed into its parent or discarded. */
  get isOpen(): boolean {
    return !this.#closed;
  }

  /** Number of buffered writes (deletions included). */
  get changeCount(): number {
    return this.#writes.size;
  }

  /** Grows with every change of the buffered writes (a state store uses it to reuse a computed root). */
  get revision(): number {
    return this.#revision;
  }

  get(key: Uint8Array): Uint8Array | undefined {
    this.#assertOpen();
    assertValidKey(key);
    const v = this.#value(toByteString(key), key);
    return v === undefined ? undefined : copyBytes(v);
  }

  has(key: Uint8Array): boolean {
    this.#assertOpen();
    assertValidKey(key);
    return this.#value(toByteString(key), key) !== undefined;
  }

  set(key: Uint8Array, value: Uint8Array): void {
    this.#assertOpen();
    assertValidKey(key);
    assertValidValue(value);
    const k = copyBytes(key);
    this.#writes.set(toByteString(k), { key: k, value: copyBytes(value) });
    this.#revision++;
  }

  delete(key: Uint8Array): void {
    this.#assertOpen();
    assertValidKey(key);
    const k = copyBytes(key);
    this.#writes.set(toByteString(k), { key: k, value: null });
    this.#revision++;
  }

  iterate(prefix: Uint8Array, opts?: IterateOptions): IterableIterator<[Uint8Array, Uint8Array]> {
    this.#assertOpen();
    const r = iterateRange(prefix, opts); // arguments are checked now, not at the first next()
    return copied(this.#entries(r.range, r.prefixBytes, r.startBytes), r.limit);
  }

  /** A child view over this one, for one transaction: `commit()` it to keep its writes, `discard()` to drop them. */
  branch(): StateView {
    this.#assertOpen();
    return new StateView(this);
  }

  /** Applies this branch's writes to its parent view and closes it. Only for a view made by `branch()`. */
  commit(): void {
    this.#assertOpen();
    if (!this.#isBranch) {
      throw new StateError({ code: "STATE_ERROR_NOT_A_BRANCH" }, "only a branch commits into its parent view; use StateStore.commit");
    }
    const parent = this.#parent as StateView;
    parent.#assertOpen();
    for (const [k, w] of this.#writes.entries()) parent.#writes.set(k, w);
    if (this.#writes.size > 0) parent.#revision++;
    this.#closed = true;
  }

  /** Drops this view's writes and closes it. */
  discard(): void {
    this.#writes.clear();
    this.#revision++;
    this.#closed = true;
  }

  /** The buffered writes in key order: [key, value], value null for a deletion. Copies. */
  changes(): [Uint8Array, Uint8Array | null][] {
    return this.sortedWrites().map(([k, v]) => [copyBytes(k), v === null ? null : copyBytes(v)]);
  }

  /** Like `changes()` without copying: for the state store only, which neither keeps nor modifies them. */
  sortedWrites(): [Uint8Array, Uint8Array | null][] {
    const out: [Uint8Array, Uint8Array | null][] = [];
    for (const k of this.#writes.sortedKeys()) {
      const w = this.#writes.get(k)!;
      out.push([w.key, w.value]);
    }
    return out;
  }

  #assertOpen(): void {
    if (this.#closed) throw new StateError({ code: "STATE_ERROR_VIEW_CLOSED" }, "the view was committed or discarded");
  }

  #value(key: string, keyBytes: Uint8Array): Uint8Array | undefined {
    const w = this.#writes.get(key);
    if (w !== undefined) return w.value ?? undefined;
    return this.#source.value(key, keyBytes);
  }

  /** The parent's entries merged with this view's writes (own writes win, deletions hide), in range order. */
  *#entries(range: OrderedRange, prefixBytes: Uint8Array, startBytes: Uint8Array | undefined): Generator<[string, Uint8Array, Uint8Array]> {
    const writes = this.#writes;
    const parentIt = this.#source.entries(range, prefixBytes, startBytes);
    const ownIt = writes.range(range);
    const before = range.reverse ? (a: string, b: string) => a > b : (a: string, b: string) => a < b;
    let p = parentIt.next();
    let o = ownIt.next();
    while (!p.done || !o.done) {
      if (o.done || (!p.done && before(p.value[0], o.value[0]))) {
        const e = p.value!;
        p = parentIt.next();
        // A write made after this iteration started is not in `ownIt` but still shadows the parent.
        const w = writes.get(e[0]);
        if (w === undefined) yield e;
        else if (w.value !== null) yield [e[0], w.key, w.value];
      } else {
        const k = o.value[0];
        if (!p.done && p.value[0] === k) p = parentIt.next();
        o = ownIt.next();
        const w = writes.get(k); // current, not the look-ahead's
        if (w !== undefined && w.value !== null) yield [k, w.key, w.value];
      }
    }
  }
}
