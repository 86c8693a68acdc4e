import { MemoryLevel } from "memory-level";
import type { HubLevel } from "../db/hubDb.js";

/** A write as the store received it (keys and values already encoded, sublevel prefixes included). */
type LoggedOp =
  | { type: "put"; key: unknown; value: unknown }
  | { type: "del"; key: unknown }
  | { type: "clear"; options: Record<string, unknown> };

interface LoggedWrite {
  ops: LoggedOp[];
  sync: boolean;
}

/** One write the simulation's crash keeps (a batch is one write: all of it or none). */
export type KeepUnsynced = (unsynced: number) => number;

/**
 * A node's disk under the deterministic simulation: the store is a MemoryLevel, and every write is
 * also logged with whether it was synced. A crash keeps what LevelDB keeps after a power loss: every
 * write up to the last synced one (a synced write flushes the log before it), and of the unsynced
 * writes after it a prefix of the simulation's choosing (the log is sequential: a later write never
 * survives an earlier one). `open()` then gives the level a restarted process would find.
 */
export class SimDisk {
  #log: LoggedWrite[] = [];
  /** Index in #log of the last synced write (-1: none). */
  #lastSynced = -1;
  #level: SimLevel | null = null;
  #failAt: { left: number; onFail: () => void } | null = null;

  /** Writes since the last synced one (what a crash may lose). */
  get unsyncedWrites(): number {
    return this.#log.length - 1 - this.#lastSynced;
  }

  /** Writes logged so far (after crashes, what survived). */
  get writes(): number {
    return this.#log.length;
  }

  /** A level over this disk, holding what it holds; writes through it are logged here. Only one may be open. */
  async open(): Promise<HubLevel> {
    if (this.#level && this.#level.status !== "closed") throw new Error("SimDisk: a level is open already (crash() or close it first)");
    const level = new SimLevel(this);
    await level.open();
    for (const w of this.#log) await level.replay(w.ops);
    this.#level = level;
    return level as unknown as HubLevel;
  }

  /**
   * The process dies: the open level stops taking writes (a write in flight is lost with it), and the
   * disk keeps the synced writes and `keep(n)` of the n unsynced ones after them.
   */
  async crash(keep: KeepUnsynced = () => 0): Promise<void> {
    const level = this.#level;
    this.#level = null;
    this.#failAt = null;
    if (level) {
      level.dead = true;
      await level.close().catch(() => undefined);
    }
    const n = this.unsyncedWrites;
    const k = Math.max(0, Math.min(n, Math.floor(keep(n))));
    this.#log.length = this.#lastSynced + 1 + k;
  }

  /**
   * The process dies in the middle of its `k`-th write from now: that write fails (the caller's
   * promise rejects, nothing of it is stored) and so does every later one, and `onFail` is called
   * (the simulation then crash()es the disk and restarts the node).
   */
  failAtWrite(k: number, onFail: () => void): void {
    this.#failAt = { left: Math.max(1, Math.floor(k)), onFail };
  }

  /** @internal SimLevel asks before each write: throws when the process is to die at this one. */
  beforeWrite(level: SimLevel): void {
    const f = this.#failAt;
    if (!f) return;
    if (--f.left > 0) return;
    this.#failAt = null;
    level.dead = true;
    queueMicrotask(f.onFail);
    throw new Error("SimDisk: the process crashed during this write");
  }

  /** @internal SimLevel's writes. */
  record(ops: LoggedOp[], sync: boolean): void {
    this.#log.push({ ops, sync });
    if (sync) this.#lastSynced = this.#log.length - 1;
  }
}

/** abstract-level's internal write methods, which MemoryLevel implements (not in its type declarations). */
interface LevelInternals {
  _put(key: unknown, value: unknown, options: unknown): Promise<void>;
  _del(key: unknown, options: unknown): Promise<void>;
  _batch(operations: unknown[], options: unknown): Promise<void>;
  _clear(options: unknown): Promise<void>;
}
const memory = MemoryLevel.prototype as unknown as LevelInternals;

/** A MemoryLevel whose writes go to its SimDisk's log too. */
export class SimLevel extends MemoryLevel<string, Uint8Array> {
  /** Set by a crash: later writes are refused (the process is gone). */
  dead = false;

  constructor(private readonly disk: SimDisk) {
    super({ keyEncoding: "utf8", valueEncoding: "view" });
  }

  /** Applies logged writes without logging them again (opening the disk). */
  async replay(ops: LoggedOp[]): Promise<void> {
    for (const op of ops) {
      if (op.type === "clear") await memory._clear.call(this, op.options);
      else await memory._batch.call(this, [op], {});
    }
  }

  #check(): void {
    if (this.dead) throw new Error("SimDisk: the process crashed");
    this.disk.beforeWrite(this);
  }

  async _put(key: unknown, value: unknown, options: { sync?: boolean }): Promise<void> {
    this.#check();
    this.disk.record([{ type: "put", key, value: copy(value) }], options?.sync === true);
    return memory._put.call(this, key, value, options);
  }

  async _del(key: unknown, options: { sync?: boolean }): Promise<void> {
    this.#check();
    this.disk.record([{ type: "del", key }], options?.sync === true);
    return memory._del.call(this, key, options);
  }

  async _batch(operations: { type: "put" | "del"; key: unknown; value?: unknown }[], options: { sync?: boolean }): Promise<void> {
    this.#check();
    this.disk.record(
      operations.map((o) => (o.type === "put" ? { type: "put" as const, key: o.key, value: copy(o.value) } : { type: "del" as const, key: o.key })),
      options?.sync === true,
    );
    return memory._batch.call(this, operations, options);
  }

  async _clear(options: Record<string, unknown>): Promise<void> {
    this.#check();
    this.disk.record([{ type: "clear", options: { ...options } }], false);
    return memory._clear.call(this, options);
  }
}

function copy(v: unknown): unknown {
  return v instanceof Uint8Array ? Uint8Array.from(v) : v;
}
