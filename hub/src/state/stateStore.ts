import { bytesEqual, EMPTY_TRIE_ROOT, toHex, toNibbles, TRIE_HASH_LENGTH } from "@aegis/consumer-sdk";
import { decodeUint64, encodeUint64, heightKey } from "../db/heightKey.js";
import type { HubBatchOperation, HubDb, HubLevel, HubSublevel } from "../db/hubDb.js";
import { SerialQueue } from "../db/serialQueue.js";
import { copyBytes, toByteString } from "./byteString.js";
import { CommittedState, type CommittedEntry } from "./committedState.js";
import type { KVStore } from "./kvStore.js";
import { assertValidKey } from "./kvStore.js";
import { OrderedMap } from "./orderedMap.js";
import { buildTrie, PatriciaTrie, type TrieChange, type TrieLeafHint, type TrieUpdate } from "./patriciaTrie.js";
import { StateError } from "./stateError.js";
import { StateView } from "./stateView.js";
import { TrieNodeStore } from "./trieNodeStore.js";

/**
 * Keys of the `state` sublevel. Trie nodes (`n/`) of every committed version stay (no pruning yet); the
 * flat key-values (`k/`) are those of the latest version only and are what `open` loads into memory.
 */
const LATEST_KEY = "latest"; // u64 height of the latest committed version
const VERSION_PREFIX = "v/"; // v/<heightKey> -> 32-byte root of that version
const KV_PREFIX = "k/"; // k/<hex key> -> value

export interface StateStoreOptions {
  /** Decoded trie nodes kept in memory (default 250,000: about 100-150 MB when full). */
  nodeCacheSize?: number;
  /** On open, rebuild the root from the stored key-values and compare (STATE_ERROR_CORRUPT if different). */
  verify?: boolean;
}

export interface StateProof {
  /** Root of the version the proof is for. */
  root: Uint8Array;
  key: Uint8Array;
  /** The value, or null: the proof shows the key absent. */
  value: Uint8Array | null;
  /** Trie nodes on the key's path, root first; check with verifyStateProof. */
  proof: Uint8Array[];
}

/** What `computeRoot` worked out for a view, kept so that `commit` of the same unchanged view reuses it. */
interface Computed {
  base: CommittedState;
  revision: number;
  update: Promise<TrieUpdate>;
}

/**
 * The authenticated application state: a Merkle Patricia trie (see trieNode.ts) persisted in the hub's
 * LevelDB (`state` sublevel), plus every key-value of the latest version in memory for synchronous reads.
 *
 * A version is written by `commit` in one synced batch: new trie nodes, the changed key-values, the
 * version's root and the latest-height record. LevelDB applies a batch entirely or not at all, so a
 * restart after a crash at any point finds the previous version or the new one, never a mix.
 * `computeRoot` works out a candidate root without writing anything (any number per height).
 */
export class StateStore {
  readonly #root: HubLevel;
  readonly #sublevel: HubSublevel;
  readonly #nodes: TrieNodeStore;
  readonly #trie: PatriciaTrie;
  readonly #kv: OrderedMap<CommittedEntry>;
  readonly #writes = new SerialQueue();
  /** Every CommittedState this store handed out, to tell a stale view from a foreign one. */
  readonly #snapshots = new WeakSet<CommittedState>();
  readonly #computed = new WeakMap<StateView, Computed>();
  #hasVersion: boolean;
  #height: number;
  #rootHash: Uint8Array;
  #committed: CommittedState;

  private constructor(
    opts: { hasVersion: boolean; height: number; root: Uint8Array; nodeCacheSize: number },
    modules: { root: HubLevel; sublevel: HubSublevel; kv: OrderedMap<CommittedEntry> },
  ) {
    this.#root = modules.root;
    this.#sublevel = modules.sublevel;
    this.#kv = modules.kv;
    this.#nodes = new TrieNodeStore({ cacheSize: opts.nodeCacheSize }, { sublevel: modules.sublevel });
    this.#trie = new PatriciaTrie({}, { nodes: this.#nodes });
    this.#hasVersion = opts.hasVersion;
    this.#height = opts.height;
    this.#rootHash = opts.root;
    this.#committed = this.#newSnapshot();
  }

  /** Opens the state stored in `db`, loading the latest committed version's key-values into memory. */
  static async open(opts: StateStoreOptions, modules: { db: HubDb }): Promise<StateStore> {
    const { root, sublevel } = modules.db.stateModules;
    const latest = await sublevel.get(LATEST_KEY);
    let hasVersion = false;
    let height = 0;
    let rootHash = EMPTY_TRIE_ROOT;
    if (latest !== undefined) {
      hasVersion = true;
      height = decodeStoredHeight(latest);
      const vk = VERSION_PREFIX + heightKey(height);
      const r = await sublevel.get(vk);
      if (r === undefined || r.length !== TRIE_HASH_LENGTH) {
        throw new StateError({ code: "STATE_ERROR_CORRUPT", key: vk, reason: "missing or malformed root of the latest version" });
      }
      rootHash = copyBytes(r);
    }
    const kv = new OrderedMap<CommittedEntry>();
    const it = sublevel.iterator({ gt: KV_PREFIX, lt: "k0" });
    try {
      for (let rows = await it.nextv(4096); rows.length > 0; rows = await it.nextv(4096)) {
        for (const [k, v] of rows) {
          const key = Uint8Array.from(Buffer.from(k.slice(KV_PREFIX.length), "hex"));
          if (key.length === 0 || v.length === 0) throw new StateError({ code: "STATE_ERROR_CORRUPT", key: k, reason: "empty key or value" });
          kv.set(toByteString(key), { key, value: copyBytes(v) });
        }
      }
    } finally {
      await it.close();
    }
    const store = new StateStore(
      { hasVersion, height, root: rootHash, nodeCacheSize: opts.nodeCacheSize ?? 250_000 },
      { root, sublevel, kv },
    );
    if (!bytesEqual(rootHash, EMPTY_TRIE_ROOT)) await store.#nodes.load(rootHash); // the root node must be there
    if (opts.verify === true) {
      const entries = kv.sortedKeys().map((k) => {
        const e = kv.get(k)!;
        return [e.key, e.value] as const;
      });
      const rebuilt = buildTrie(entries).root;
      if (!bytesEqual(rebuilt, rootHash)) {
        throw new StateError(
          { code: "STATE_ERROR_CORRUPT", key: KV_PREFIX, reason: `key-values give root ${toHex(rebuilt)}, version ${height} has ${toHex(rootHash)}` },
          "stored key-values do not match the stored state root",
        );
      }
    }
    return store;
  }

  /** Height of the last committed version (0 also when none yet: see `hasVersion`). */
  get height(): number {
    return this.#height;
  }

  /** False until the first version (the genesis state) is committed. */
  get hasVersion(): boolean {
    return this.#hasVersion;
  }

  /** 32-byte root of the last committed version (the empty-trie root when empty). */
  get root(): Uint8Array {
    return copyBytes(this.#rootHash);
  }

  /** Read-only, synchronous view of the committed state (a new object per version). Writes throw STATE_ERROR_READ_ONLY. */
  get committed(): KVStore {
    return this.#committed;
  }

  /** Buffered writes over the committed state, for a block (or a check) to execute in. */
  createView(): StateView {
    return new StateView(this.#committed);
  }

  /**
   * The root the state would have with `view`'s changes applied. Writes nothing and changes nothing; the
   * work is kept with the view, so committing it unchanged does not redo it. `view` must have been created
   * over the current committed version (STATE_ERROR_STALE_VIEW / STATE_ERROR_FOREIGN_VIEW).
   */
  async computeRoot(view: StateView): Promise<Uint8Array> {
    this.#checkView(view);
    return copyBytes((await this.#compute(view)).root);
  }

  /**
   * Persists `view`'s changes as version `height` and returns its root. `height` must be `this.height + 1`;
   * before any version, 0 (a genesis state) or 1. Trie nodes, key-values, the version's root and the
   * latest-height record go in one synced batch; memory is updated only once it is written.
   */
  commit(height: number, view: StateView): Promise<Uint8Array> {
    return this.#writes.run(async () => {
      this.#checkHeight(height);
      this.#checkView(view);
      const changes = view.sortedWrites();
      const update = await this.#compute(view);
      const sublevel = this.#sublevel;
      const ops: HubBatchOperation[] = this.#nodes.putOperations(update.nodes);
      for (const [k, v] of changes) {
        const key = KV_PREFIX + toHex(k);
        ops.push(v === null ? { type: "del", sublevel, key } : { type: "put", sublevel, key, value: v });
      }
      ops.push({ type: "put", sublevel, key: VERSION_PREFIX + heightKey(height), value: update.root });
      ops.push({ type: "put", sublevel, key: LATEST_KEY, value: encodeUint64(height) });
      await this.#root.batch(ops, { sync: true });

      for (const [k, v] of changes) {
        const s = toByteString(k);
        if (v === null) this.#kv.delete(s);
        else this.#kv.set(s, { key: copyBytes(k), value: copyBytes(v) });
      }
      this.#nodes.adopt(update.nodes);
      this.#hasVersion = true;
      this.#height = height;
      this.#rootHash = update.root;
      this.#committed = this.#newSnapshot();
      return copyBytes(update.root);
    });
  }

  /** Root of the committed version at `height`, undefined when there is none. */
  async rootAt(height: number): Promise<Uint8Array | undefined> {
    if (!Number.isSafeInteger(height) || height < 0) {
      throw new StateError({ code: "STATE_ERROR_INVALID_ARGUMENT", field: "height", reason: "not a safe integer >= 0" });
    }
    const v = await this.#sublevel.get(VERSION_PREFIX + heightKey(height));
    return v === undefined ? undefined : copyBytes(v);
  }

  /** Merkle proof of `key`'s value, or of its absence, in the latest committed version. */
  async getProof(key: Uint8Array): Promise<StateProof> {
    assertValidKey(key);
    const root = this.#rootHash;
    const { value, proof } = await this.#trie.prove(root, key);
    return { root: copyBytes(root), key: copyBytes(key), value: value === null ? null : copyBytes(value), proof: proof.map(copyBytes) };
  }

  /**
   * Merkle proof of `key` in the version committed at `height` (trie nodes of every version are kept);
   * undefined when there is no such version.
   */
  async getProofAt(height: number, key: Uint8Array): Promise<StateProof | undefined> {
    assertValidKey(key);
    const root = await this.rootAt(height);
    if (!root) return undefined;
    const { value, proof } = await this.#trie.prove(root, key);
    return { root, key: copyBytes(key), value: value === null ? null : copyBytes(value), proof: proof.map(copyBytes) };
  }

  #newSnapshot(): CommittedState {
    const s = new CommittedState({}, { kv: this.#kv });
    this.#snapshots.add(s);
    return s;
  }

  #checkView(view: StateView): void {
    if (!(view instanceof StateView) || view.parent !== this.#committed) {
      if (view instanceof StateView && view.parent instanceof CommittedState && this.#snapshots.has(view.parent)) {
        throw new StateError({ code: "STATE_ERROR_STALE_VIEW" }, "the view was created over an earlier committed version");
      }
      throw new StateError({ code: "STATE_ERROR_FOREIGN_VIEW" }, "the view was not created over this store's committed state");
    }
    if (!view.isOpen) throw new StateError({ code: "STATE_ERROR_VIEW_CLOSED" }, "the view was discarded");
  }

  #checkHeight(height: number): void {
    const ok = this.#hasVersion ? height === this.#height + 1 : height === 0 || height === 1;
    if (!Number.isSafeInteger(height) || !ok) {
      throw new StateError(
        { code: "STATE_ERROR_INVALID_HEIGHT", height, latestHeight: this.#hasVersion ? this.#height : null },
        this.#hasVersion ? `cannot commit height ${height}: the latest is ${this.#height}` : `cannot commit height ${height} first: 0 (genesis) or 1`,
      );
    }
  }

  /**
   * Answers the trie's question "the only entry under this nibble prefix?" from the in-memory key-values,
   * so leaves are not read from disk; only while `base` is still the committed version.
   */
  #leafHint(base: CommittedState): TrieLeafHint {
    return (nibbles, depth) => {
      if (this.#committed !== base) return undefined;
      const whole = depth >> 1;
      let from = "";
      for (let i = 0; i < whole; i++) from += String.fromCharCode((nibbles[2 * i]! << 4) | nibbles[2 * i + 1]!);
      let to: string;
      if (depth & 1) {
        const high = nibbles[depth - 1]! << 4;
        to = from + String.fromCharCode(high | 15) + "\u0100";
        from += String.fromCharCode(high);
      } else {
        to = from + "\u0100";
      }
      const keys = this.#kv.keysBetween(from, to, 2);
      if (keys.length !== 1) return undefined;
      const e = this.#kv.get(keys[0]!)!;
      return [e.key, e.value];
    };
  }

  /** The trie update for `view` over the current version, computed once per view revision. */
  #compute(view: StateView): Promise<TrieUpdate> {
    const base = this.#committed;
    const cached = this.#computed.get(view);
    if (cached !== undefined && cached.base === base && cached.revision === view.revision) return cached.update;
    const changes: TrieChange[] = view.sortedWrites().map(([k, v]) => ({ nibbles: toNibbles(k), value: v }));
    const update = this.#trie.update(this.#rootHash, changes, this.#leafHint(base));
    this.#computed.set(view, { base, revision: view.revision, update });
    update.catch(() => {
      if (this.#computed.get(view)?.update === update) this.#computed.delete(view);
    });
    return update;
  }
}

function decodeStoredHeight(bytes: Uint8Array): number {
  try {
    return decodeUint64(bytes, LATEST_KEY);
  } catch (e) {
    throw new StateError({ code: "STATE_ERROR_CORRUPT", key: LATEST_KEY, reason: e instanceof Error ? e.message : String(e) });
  }
}
