import { decodeWalEntry, encodeWalEntry } from "../codec/codec.js";
import { DbError } from "./dbError.js";
import { decodeStored } from "./decodeStored.js";
import { decodeUint64, encodeUint64, heightKey } from "./heightKey.js";
import type { HubBatchOperation, RepositoryModules, RepositoryOptions } from "./hubDb.js";
import { SerialQueue } from "./serialQueue.js";
import type { WalEntry } from "./walEntry.js";

export interface WalWriteOptions {
  /**
   * fsync before resolving (default: the database's setting, synced). Without it the entries still
   * reach the operating system before the call resolves (LevelDB flushes its log on every write), so
   * they survive a process crash; the next synced write to the database (the signer's guard record,
   * written before any signature) makes them survive a power loss too.
   */
  sync?: boolean;
}

/** Key of the persisted sequence counter; sorts after every `<height>/<seq>` entry key (letters > digits). */
const SEQUENCE_KEY = "seq";

/**
 * The consensus write-ahead log. Entries are keyed `<height>/<sequence>`, the sequence a counter that only
 * grows (persisted in the same synced batch as the entries, so it resumes after a restart), so `read`
 * returns a height's entries in the order they were appended. Appends are serialized.
 */
export class WalRepository {
  readonly #opts: RepositoryOptions;
  readonly #m: RepositoryModules;
  readonly #writes = new SerialQueue();
  /** Last sequence number used; loaded from disk on the first append. */
  #lastSequence: number | undefined;

  constructor(opts: RepositoryOptions, modules: RepositoryModules) {
    this.#opts = opts;
    this.#m = modules;
  }

  /** Appends one entry at `height`. Resolves its sequence number. */
  async append(height: number, entry: WalEntry, opts?: WalWriteOptions): Promise<number> {
    const [seq] = await this.appendMany(height, [entry], opts);
    return seq!;
  }

  /** Appends entries at `height` in one batch, in the given order. Resolves their sequence numbers. */
  async appendMany(height: number, entries: readonly WalEntry[], opts?: WalWriteOptions): Promise<number[]> {
    if (!Number.isSafeInteger(height) || height < 1) {
      throw new DbError({ code: "DB_ERROR_INVALID_ARGUMENT", field: "height", reason: "not a safe integer >= 1" });
    }
    const encoded = entries.map((e) => encodeWalEntry(e));
    return this.#writes.run(async () => {
      if (encoded.length === 0) return [];
      let seq = await this.lastSequence();
      const hk = heightKey(height);
      const sublevel = this.#m.sublevel;
      const ops: HubBatchOperation[] = [];
      const seqs: number[] = [];
      for (const value of encoded) {
        seq += 1;
        seqs.push(seq);
        ops.push({ type: "put", sublevel, key: `${hk}/${heightKey(seq, "sequence")}`, value });
      }
      ops.push({ type: "put", sublevel, key: SEQUENCE_KEY, value: encodeUint64(seq) });
      await this.#m.root.batch(ops, { sync: opts?.sync ?? this.#opts.sync });
      this.#lastSequence = seq;
      return seqs;
    });
  }

  /** The last sequence number handed out (0 before the first append ever). */
  async lastSequence(): Promise<number> {
    if (this.#lastSequence === undefined) {
      const v = await this.#m.sublevel.get(SEQUENCE_KEY);
      this.#lastSequence = v === undefined ? 0 : decodeUint64(v, SEQUENCE_KEY);
    }
    return this.#lastSequence;
  }

  /** The entries logged at `height`, in append order. */
  async read(height: number): Promise<WalEntry[]> {
    const hk = heightKey(height);
    const out: WalEntry[] = [];
    // "/" (0x2f) is followed by "0" (0x30): the range holds exactly the keys "<hk>/...".
    for await (const [key, value] of this.#m.sublevel.iterator({ gt: `${hk}/`, lt: `${hk}0` })) {
      out.push(decodeStored(key, () => decodeWalEntry(value)));
    }
    return out;
  }

  /** Deletes the entries of every height below `belowHeight`. */
  async prune(belowHeight: number): Promise<void> {
    const lt = heightKey(belowHeight, "belowHeight");
    await this.#writes.run(() => this.#m.sublevel.clear({ lt }));
  }
}
