import { DbError } from "./dbError.js";
import { heightKey, parseHeightKey } from "./heightKey.js";
import type { RepositoryModules, RepositoryOptions } from "./hubDb.js";

/** One accepted consumer checkpoint as the history keeps it: the record's bytes and where it was recorded. */
export interface CheckpointHistoryEntry {
  consumerId: string;
  /** Consumer height. */
  height: number;
  /** The hub height whose block accepted it. */
  hubHeight: number;
  /** The encoded aegis.consumers.v1.CheckpointRecord (the caller encodes and decodes it). */
  record: Uint8Array;
}

const CONSUMER_ID = /^[a-z0-9._-]{1,64}$/;

function invalid(field: string, reason: string): DbError {
  return new DbError({ code: "DB_ERROR_INVALID_ARGUMENT", field, reason }, `${field}: ${reason}`);
}

function corrupt(key: string, reason: string): DbError {
  return new DbError({ code: "DB_ERROR_CORRUPT", key, reason }, `stored record ${key} is corrupt: ${reason}`);
}

/**
 * Every checkpoint the hub accepted, per consumer (decision 49): a node's index of its blocks, like
 * the transaction index, not state. The state keeps each consumer's latest checkpoint only (what the
 * next one must extend and what the header's root holds), so it grows with the consumers, not with
 * their checkpoints; this index answers what is older — a checkpoint by its height, and the
 * consumer's latest as of an older hub height (the leaves of that header's root, for an inclusion
 * proof against it).
 *
 * `<consumer id>/<consumer height>` -> hub height (u64 BE) ‖ record. Consumer ids are a-z 0-9 . _ -,
 * all below "/", so one consumer's keys are the range [`id/`, `id0`). Written for a whole block in
 * one batch before the block's state is committed; writing a block again (after a crash) writes the
 * same entries.
 */
export class CheckpointHistoryRepository {
  constructor(
    private readonly opts: RepositoryOptions,
    private readonly m: RepositoryModules,
  ) {}

  /** Stores a block's accepted checkpoints; refuses (writing nothing) an entry whose id or heights are malformed. */
  async putBlock(entries: readonly CheckpointHistoryEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const ops = entries.map((e, i) => {
      if (!CONSUMER_ID.test(e.consumerId)) throw invalid(`entries[${i}].consumerId`, "1-64 of a-z 0-9 . _ -");
      if (!Number.isSafeInteger(e.hubHeight) || e.hubHeight < 1) throw invalid(`entries[${i}].hubHeight`, "a safe integer >= 1");
      if (!(e.record instanceof Uint8Array) || e.record.length === 0) throw invalid(`entries[${i}].record`, "non-empty bytes");
      const value = new Uint8Array(8 + e.record.length);
      new DataView(value.buffer).setBigUint64(0, BigInt(e.hubHeight));
      value.set(e.record, 8);
      return { type: "put" as const, sublevel: this.m.sublevel, key: `${e.consumerId}/${heightKey(e.height, `entries[${i}].height`)}`, value };
    });
    await this.m.root.batch(ops, { sync: this.opts.sync });
  }

  /** The consumer's checkpoint at consumer height `height`. */
  async get(consumerId: string, height: number): Promise<CheckpointHistoryEntry | undefined> {
    if (!CONSUMER_ID.test(consumerId)) return undefined;
    const key = `${consumerId}/${heightKey(height)}`;
    const v = await this.m.sublevel.get(key);
    return v === undefined ? undefined : this.#decode(key, v);
  }

  /**
   * The consumer's latest checkpoint recorded at or before hub height `hubHeight` (what that hub
   * height's header root holds for it). Walks its checkpoints from the newest down: O(checkpoints
   * recorded after `hubHeight`).
   */
  async latestAtHubHeight(consumerId: string, hubHeight: number): Promise<CheckpointHistoryEntry | undefined> {
    if (!CONSUMER_ID.test(consumerId)) return undefined;
    for await (const [key, v] of this.m.sublevel.iterator({ gte: `${consumerId}/`, lt: `${consumerId}0`, reverse: true })) {
      const e = this.#decode(key, v);
      if (e.hubHeight <= hubHeight) return e;
    }
    return undefined;
  }

  #decode(key: string, v: Uint8Array): CheckpointHistoryEntry {
    const slash = key.lastIndexOf("/");
    if (slash < 1 || v.length <= 8) throw corrupt(key, "not a checkpoint history entry");
    const hubHeight = Number(new DataView(v.buffer, v.byteOffset, 8).getBigUint64(0));
    if (!Number.isSafeInteger(hubHeight)) throw corrupt(key, "hub height is not a safe integer");
    return { consumerId: key.slice(0, slash), height: parseHeightKey(key.slice(slash + 1)), hubHeight, record: v.slice(8) };
  }
}
