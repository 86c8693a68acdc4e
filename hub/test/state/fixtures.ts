import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { AegisError } from "@aegis/consumer-sdk";
import type { IterateOptions, KVStore } from "../../src/state/kvStore.js";

export async function makeTempDir(): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), "aegis-state-"));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export const b = (...bytes: number[]): Uint8Array => Uint8Array.of(...bytes);
export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
export const hex = (u: Uint8Array): string => Buffer.from(u).toString("hex");

export function compareBytes(a: Uint8Array, c: Uint8Array): number {
  return Buffer.compare(a, c);
}

export function startsWith(key: Uint8Array, prefix: Uint8Array): boolean {
  if (key.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (key[i] !== prefix[i]) return false;
  return true;
}

/** A Map model keyed by hex, iterated by sorting on demand. */
export class ModelStore {
  readonly map = new Map<string, Uint8Array>();

  constructor(entries: Iterable<[Uint8Array, Uint8Array]> = []) {
    for (const [k, v] of entries) this.map.set(hex(k), v);
  }

  get(k: Uint8Array): Uint8Array | undefined {
    return this.map.get(hex(k));
  }

  has(k: Uint8Array): boolean {
    return this.map.has(hex(k));
  }

  set(k: Uint8Array, v: Uint8Array): void {
    this.map.set(hex(k), v);
  }

  delete(k: Uint8Array): void {
    this.map.delete(hex(k));
  }

  copy(): ModelStore {
    const m = new ModelStore();
    for (const [k, v] of this.map) m.map.set(k, v);
    return m;
  }

  /** Sorted entries, the expected result of KVStore.iterate. */
  iterate(prefix: Uint8Array, opts: IterateOptions = {}): [Uint8Array, Uint8Array][] {
    let out = [...this.map].map(([k, v]) => [Uint8Array.from(Buffer.from(k, "hex")), v] as [Uint8Array, Uint8Array]);
    out = out.filter(([k]) => startsWith(k, prefix)).sort((x, y) => compareBytes(x[0], y[0]));
    if (opts.reverse) out.reverse();
    const start = opts.start;
    if (start !== undefined) out = out.filter(([k]) => (opts.reverse ? compareBytes(k, start) <= 0 : compareBytes(k, start) >= 0));
    return opts.limit === undefined ? out : out.slice(0, opts.limit);
  }

  entries(): [Uint8Array, Uint8Array][] {
    return this.iterate(new Uint8Array(0));
  }

  /** This model as a KVStore, for rules that take one (no key or value checks). */
  asKVStore(): KVStore {
    return {
      get: (k) => this.get(k),
      has: (k) => this.has(k),
      set: (k, v) => this.set(k, v),
      delete: (k) => this.delete(k),
      iterate: (prefix, opts) => this.iterate(prefix, opts).values(),
    };
  }
}

/** A KVStore that is not one of the state module's classes (StateView reads it through its public interface). */
export class ForeignStore implements KVStore {
  readonly model: ModelStore;
  constructor(entries: Iterable<[Uint8Array, Uint8Array]> = []) {
    this.model = new ModelStore(entries);
  }
  get(key: Uint8Array): Uint8Array | undefined {
    return this.model.get(key)?.slice();
  }
  has(key: Uint8Array): boolean {
    return this.model.get(key) !== undefined;
  }
  set(key: Uint8Array, value: Uint8Array): void {
    this.model.set(key.slice(), value.slice());
  }
  delete(key: Uint8Array): void {
    this.model.delete(key);
  }
  *iterate(prefix: Uint8Array, opts?: IterateOptions): IterableIterator<[Uint8Array, Uint8Array]> {
    yield* this.model.iterate(prefix, opts);
  }
}

/** Root of an @ethereumjs/mpt plain trie (no key hashing) holding `entries`, inserted in the given order. */
export async function referenceTrie(entries: Iterable<[Uint8Array, Uint8Array]>): Promise<MerklePatriciaTrie> {
  const trie = new MerklePatriciaTrie({ useKeyHashing: false });
  for (const [k, v] of entries) await trie.put(k, v);
  return trie;
}

export async function referenceRoot(entries: Iterable<[Uint8Array, Uint8Array]>): Promise<Uint8Array> {
  return (await referenceTrie(entries)).root();
}

/** Keys from a tiny alphabet so that keys share prefixes, are prefixes of each other, and nodes get embedded. */
export const smallKey = fc.uint8Array({ minLength: 1, maxLength: 4 }).map((k) => k.map((x) => [0x00, 0x01, 0x10, 0x7f, 0x80, 0xff][x % 6]!));
/** Values from 1 byte (embedded nodes) to 40 bytes (hashed nodes). */
export const smallValue = fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 3 }), fc.uint8Array({ minLength: 30, maxLength: 40 }));

/** The code of the AegisError thrown by `f` (sync or async); fails when nothing is thrown. */
export async function codeOf(f: () => unknown): Promise<string> {
  try {
    await f();
  } catch (e) {
    expect(e).toBeInstanceOf(AegisError);
    return (e as AegisError<{ code: string }>).code;
  }
  throw new Error("expected an error");
}

export function codeOfSync(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(AegisError);
    return (e as AegisError<{ code: string }>).code;
  }
  throw new Error("expected an error");
}
