import { Level, type BatchOperation } from "level";
import { CanonicalReader, decodeFinalityGuardState, encodeFinalityGuardState, HASH_LENGTH, type FinalityGuardState } from "@aegis/consumer-sdk";
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
 * - `guard`   the FinalityGuard's bytes, written with `sync`
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
}
