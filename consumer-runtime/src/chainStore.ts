import { Level, type BatchOperation } from "level";
import {
  CanonicalReader,
  decodeFinalityGuardState,
  encodeFinalityGuardState,
  fromHex,
  HASH_LENGTH,
  toHex,
  type BlockHeader,
  type FinalityGuardState,
  type FinalityMisbehaviour,
  type HubForkFreeze,
  type ValidatorSet,
} from "@aegis/consumer-sdk";
import { decodeBlock, encodeBlock, encodeBlockHeader, type ConsumerBlock, type ConsumerBlockHeader } from "./block.js";
import type { TxReceipt } from "./executionEnvironment.js";
import { StateDb, type StateSublevel } from "./stateDb.js";

type Bin = Level<Uint8Array, Uint8Array>;
function openSublevel(db: Bin, name: string) {
  return db.sublevel<Uint8Array, Uint8Array>(name, { keyEncoding: "view", valueEncoding: "view" });
}
type Sub = ReturnType<typeof openSublevel>;
type Op = BatchOperation<Bin, Uint8Array, Uint8Array>;

/** Where a transaction of the canonical chain is. */
export interface TxLocation {
  height: number;
  blockHash: Uint8Array;
  index: number;
}

const u64 = (n: number): Uint8Array => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n));
  return b;
};
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/**
 * The runtime's storage, one `level` database per node:
 *
 * - `blocks`  hash → encoded block; `headers` hash → canonical header bytes (loaded into memory at open)
 * - `receipts` hash → JSON of the block's receipts
 * - `canon`   u64 height → hash of the canonical block; `meta` "head" → head hash
 * - `txs`     tx hash → (height, block hash, index) of its canonical block
 * - `guard`   the FinalityGuard's bytes, written with `sync`; "freeze": the hub misbehaviour that halted the
 *             node (with the fork's signing set and guilty, when proved); "resume-root": the hub header and set
 *             the light client resumed from after a fork (both JSON, synced)
 * - `state`   the environment's trie nodes (StateDb)
 *
 * A block is stored with its header and receipts in one batch after its state was written; a new head
 * moves `canon`, `txs` and `head` in one batch. A crash between batches leaves a consistent older view.
 */
export class ChainStore {
  readonly state: StateDb;
  private readonly blocks: Sub;
  private readonly headers: Sub;
  private readonly receipts: Sub;
  private readonly canon: Sub;
  private readonly meta: Sub;
  private readonly txs: Sub;
  private readonly guard: Sub;

  private constructor(private readonly db: Bin) {
    const sub = (name: string) => openSublevel(db, name);
    this.blocks = sub("blocks");
    this.headers = sub("headers");
    this.receipts = sub("receipts");
    this.canon = sub("canon");
    this.meta = sub("meta");
    this.txs = sub("txs");
    this.guard = sub("guard");
    this.state = new StateDb(sub("state") as unknown as StateSublevel);
  }

  /** Opens (creating) the database in `dir`. Rejects with level's LEVEL_LOCKED when another process has it open. */
  static async open(dir: string): Promise<ChainStore> {
    const db: Bin = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: "view", valueEncoding: "view" });
    await db.open();
    return new ChainStore(db);
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  async putBlock(hash: Uint8Array, block: ConsumerBlock, receipts: readonly TxReceipt[]): Promise<void> {
    await this.db.batch([
      { type: "put", sublevel: this.blocks, key: hash, value: encodeBlock(block) },
      { type: "put", sublevel: this.headers, key: hash, value: encodeBlockHeader(block.header) },
      { type: "put", sublevel: this.receipts, key: hash, value: utf8.encode(JSON.stringify(receipts)) },
    ]);
  }

  async getBlock(hash: Uint8Array): Promise<ConsumerBlock | undefined> {
    const raw = await this.blocks.get(hash);
    return raw ? decodeBlock(raw) : undefined;
  }

  async getReceipts(hash: Uint8Array): Promise<TxReceipt[] | undefined> {
    const raw = await this.receipts.get(hash);
    return raw ? (JSON.parse(fromUtf8.decode(raw)) as TxReceipt[]) : undefined;
  }

  /** Every stored header (for the in-memory block tree). */
  async *iterateHeaders(): AsyncGenerator<[Uint8Array, Uint8Array]> {
    for await (const [k, v] of this.headers.iterator()) yield [k, v];
  }

  async getHead(): Promise<Uint8Array | undefined> {
    return (await this.meta.get(utf8.encode("head"))) ?? undefined;
  }

  async getCanonicalHash(height: number): Promise<Uint8Array | undefined> {
    return (await this.canon.get(u64(height))) ?? undefined;
  }

  /**
   * Moves the head: `removed` blocks (old branch, above the fork point) leave the canonical index and
   * their transactions' locations go; `added` blocks (new branch, ascending) enter it. One batch.
   */
  async setHead(head: Uint8Array, removed: readonly { header: ConsumerBlockHeader; txHashes: Uint8Array[] }[], added: readonly { hash: Uint8Array; header: ConsumerBlockHeader; txHashes: Uint8Array[] }[]): Promise<void> {
    const ops: Op[] = [];
    const addedHeights = new Set(added.map((a) => a.header.height));
    for (const r of removed) {
      if (!addedHeights.has(r.header.height)) ops.push({ type: "del", sublevel: this.canon, key: u64(r.header.height) });
      for (const t of r.txHashes) ops.push({ type: "del", sublevel: this.txs, key: t });
    }
    for (const a of added) {
      ops.push({ type: "put", sublevel: this.canon, key: u64(a.header.height), value: a.hash });
      a.txHashes.forEach((t, index) => {
        const loc = new Uint8Array(8 + HASH_LENGTH + 4);
        loc.set(u64(a.header.height), 0);
        loc.set(a.hash, 8);
        new DataView(loc.buffer).setUint32(8 + HASH_LENGTH, index);
        ops.push({ type: "put", sublevel: this.txs, key: t, value: loc });
      });
    }
    ops.push({ type: "put", sublevel: this.meta, key: utf8.encode("head"), value: head });
    await this.db.batch(ops);
  }

  async getTxLocation(txHash: Uint8Array): Promise<TxLocation | undefined> {
    const raw = await this.txs.get(txHash);
    if (!raw) return undefined;
    const r = new CanonicalReader(raw);
    const loc = { height: r.u53("height"), blockHash: r.fixed(HASH_LENGTH, "blockHash"), index: r.u32("index") };
    r.end();
    return loc;
  }

  async getGuard(): Promise<FinalityGuardState | undefined> {
    const raw = await this.guard.get(utf8.encode("state"));
    return raw ? decodeFinalityGuardState(raw) : undefined;
  }

  /** Synced: a hub-final checkpoint, once acted on, is never forgotten by a crash. */
  async putGuard(state: FinalityGuardState): Promise<void> {
    await this.db.batch([{ type: "put", sublevel: this.guard, key: utf8.encode("state"), value: encodeFinalityGuardState(state) }], { sync: true });
  }

  /** The halt that survives a restart (synced before anything acts on it); undefined when not halted. */
  async getFreeze(): Promise<HubFreezeRecord | undefined> {
    const raw = await this.guard.get(FREEZE_KEY);
    return raw ? (fromTaggedJson(fromUtf8.decode(raw)) as HubFreezeRecord) : undefined;
  }

  /** Records a halt, or (undefined) lifts it together with recording the root the light client resumed from. */
  async putFreeze(record: HubFreezeRecord | undefined, resumeRoot?: HubResumeRoot): Promise<void> {
    const ops: Op[] = [record ? { type: "put", sublevel: this.guard, key: FREEZE_KEY, value: utf8.encode(toTaggedJson(record)) } : { type: "del", sublevel: this.guard, key: FREEZE_KEY }];
    if (resumeRoot) ops.push({ type: "put", sublevel: this.guard, key: RESUME_ROOT_KEY, value: utf8.encode(toTaggedJson(resumeRoot)) });
    await this.db.batch(ops, { sync: true });
  }

  /** The hub root the light client last resumed from after a fork (it starts there, not at genesis, after a restart). */
  async getResumeRoot(): Promise<HubResumeRoot | undefined> {
    const raw = await this.guard.get(RESUME_ROOT_KEY);
    return raw ? (fromTaggedJson(fromUtf8.decode(raw)) as HubResumeRoot) : undefined;
  }
}

/** A halt kept on disk: the misbehaviour, and for a proved hub fork what a resume needs (consumer-sdk forkRecovery.ts). */
export interface HubFreezeRecord {
  event: FinalityMisbehaviour;
  fork?: HubForkFreeze;
}

/** A trusted hub header and the set its nextValidatorSetRoot names: where the light client starts after a resume. */
export interface HubResumeRoot {
  header: BlockHeader;
  nextValidatorSet: ValidatorSet;
}

const FREEZE_KEY = utf8.encode("freeze");
const RESUME_ROOT_KEY = utf8.encode("resume-root");

/** JSON with bytes as {"$hex": ...} and bigints as {"$big": ...}, so a record of SDK values round-trips exactly. */
function toTaggedJson(v: unknown): string {
  return JSON.stringify(v, function (this: Record<string, unknown>, k) {
    const x = this[k];
    if (x instanceof Uint8Array) return { $hex: toHex(x) };
    if (typeof x === "bigint") return { $big: x.toString() };
    return x;
  });
}

function fromTaggedJson(s: string): unknown {
  return JSON.parse(s, (_k, x: unknown) => {
    if (x && typeof x === "object" && !Array.isArray(x)) {
      const o = x as Record<string, unknown>;
      const keys = Object.keys(o);
      if (keys.length === 1 && typeof o.$hex === "string") return fromHex(o.$hex);
      if (keys.length === 1 && typeof o.$big === "string") return BigInt(o.$big);
    }
    return x;
  });
}
