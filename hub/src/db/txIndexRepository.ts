import { DbError } from "./dbError.js";
import { heightKey } from "./heightKey.js";
import type { RepositoryModules, RepositoryOptions } from "./hubDb.js";
import { decodeStored } from "./decodeStored.js";

/** A committed transaction and its result, as the RPC's tx_search returns it. */
export interface IndexedTx {
  /** Uppercase hex SHA-256 of the tx bytes. */
  hash: string;
  height: number;
  index: number;
  tx: Uint8Array;
  result: {
    code: number;
    codespace: string;
    log: string;
    gasWanted: bigint;
    gasUsed: bigint;
    events: { type: string; attributes: { key: string; value: string }[] }[];
    data: Uint8Array;
  };
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

function encodeRecord(r: IndexedTx): Uint8Array {
  return textEncoder.encode(
    JSON.stringify({
      ...r,
      tx: Buffer.from(r.tx).toString("base64"),
      result: { ...r.result, gasWanted: r.result.gasWanted.toString(), gasUsed: r.result.gasUsed.toString(), data: Buffer.from(r.result.data).toString("base64") },
    }),
  );
}

function decodeRecord(b: Uint8Array): IndexedTx {
  const j = JSON.parse(textDecoder.decode(b));
  return {
    ...j,
    tx: new Uint8Array(Buffer.from(j.tx, "base64")),
    result: { ...j.result, gasWanted: BigInt(j.result.gasWanted), gasUsed: BigInt(j.result.gasUsed), data: new Uint8Array(Buffer.from(j.result.data, "base64")) },
  };
}

/** Longest event attribute value that is indexed (longer values are stored with the tx, not indexed). */
export const MAX_INDEXED_VALUE_BYTES = 256;

const EVENT_KEY = /^[A-Za-z0-9_.-]{1,128}$/;
const TX_HASH = /^[0-9A-F]{64}$/;
const HASH_BYTES = 32;

function eventPrefix(eventKey: string, value: string): string {
  return `e/${eventKey}/${Buffer.from(value, "utf8").toString("hex")}/`;
}

function invalid(field: string, reason: string): DbError {
  return new DbError({ code: "DB_ERROR_INVALID_ARGUMENT", field, reason }, `${field}: ${reason}`);
}

function corrupt(key: string, reason: string): DbError {
  return new DbError({ code: "DB_ERROR_CORRUPT", key, reason }, `stored record ${key} is corrupt: ${reason}`);
}

/**
 * Results of committed transactions, in three kinds of entry:
 * - `h/<HASH>` -> the tx and its result (what `tx` and tx_search return);
 * - `b/<height>` -> the block's tx hashes, 32 bytes each, in block order;
 * - `e/<type>.<key>/<hex value>/<height>` -> the positions (uint32 big-endian, ascending) of the
 *   block's txs with that event attribute (what tx_search's `transfer.recipient='…'` conditions read).
 *
 * A block costs one entry per tx plus one per distinct attribute value in it, not one per attribute
 * of every tx: the index is written on the commit path of every node, so its size there is CPU.
 * Written for a whole block in one batch before the block's state is committed; writing the same
 * block again (after a crash, the block is executed again) writes the same entries.
 */
export class TxIndexRepository {
  constructor(
    private readonly opts: RepositoryOptions,
    private readonly m: RepositoryModules,
  ) {}

  /** Stores a block's txs; refuses (writing nothing) records whose height, position or hash form is wrong. */
  async putBlock(height: number, txs: readonly IndexedTx[]): Promise<void> {
    const at = heightKey(height);
    if (txs.length === 0) return;
    const sublevel = this.m.sublevel;
    const hashes = new Uint8Array(txs.length * HASH_BYTES);
    const postings = new Map<string, number[]>();
    const ops: { type: "put"; sublevel: typeof sublevel; key: string; value: Uint8Array }[] = [];
    txs.forEach((t, i) => {
      if (t.height !== height) throw invalid(`txs[${i}]`, `height ${t.height} in a block at height ${height}`);
      if (t.index !== i) throw invalid(`txs[${i}]`, `index ${t.index} at position ${i}`);
      if (typeof t.hash !== "string" || !TX_HASH.test(t.hash)) throw invalid(`txs[${i}]`, "hash is not 64 uppercase hex digits");
      hashes.set(Buffer.from(t.hash, "hex"), i * HASH_BYTES);
      ops.push({ type: "put", sublevel, key: `h/${t.hash}`, value: encodeRecord(t) });
      for (const e of t.result.events) {
        for (const a of e.attributes) {
          const eventKey = `${e.type}.${a.key}`;
          if (!EVENT_KEY.test(eventKey) || Buffer.byteLength(a.value) > MAX_INDEXED_VALUE_BYTES) continue;
          const key = eventPrefix(eventKey, a.value) + at;
          const list = postings.get(key);
          if (!list) postings.set(key, [i]);
          else if (list[list.length - 1] !== i) list.push(i);
        }
      }
    });
    ops.push({ type: "put", sublevel, key: `b/${at}`, value: hashes });
    for (const [key, list] of postings) {
      const value = new Uint8Array(list.length * 4);
      const view = new DataView(value.buffer);
      list.forEach((index, j) => view.setUint32(j * 4, index));
      ops.push({ type: "put", sublevel, key, value });
    }
    await this.m.root.batch(ops, { sync: this.opts.sync });
  }

  async getByHash(hash: string): Promise<IndexedTx | undefined> {
    const key = `h/${hash.toUpperCase()}`;
    const v = await this.m.sublevel.get(key);
    return v === undefined ? undefined : decodeStored(key, () => decodeRecord(v));
  }

  /** Transactions with an event attribute `<type>.<key>` equal to `value`, in (height, index) order, at most `limit`. */
  async findByEvent(eventKey: string, value: string, limit = 10_000): Promise<IndexedTx[]> {
    const prefix = eventPrefix(eventKey, value);
    const out: IndexedTx[] = [];
    for await (const [key, bytes] of this.m.sublevel.iterator({ gte: prefix, lt: prefix + "~" })) {
      if (out.length >= limit) break;
      const hashes = await this.#blockHashes(key.slice(prefix.length));
      if (bytes.length === 0 || bytes.length % 4 !== 0) throw corrupt(key, `positions of ${bytes.length} bytes`);
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
      for (let j = 0; j < bytes.length && out.length < limit; j += 4) {
        const index = view.getUint32(j);
        if (index >= hashes.length) throw corrupt(key, `position ${index} in a block of ${hashes.length} txs`);
        if (j > 0 && index <= view.getUint32(j - 4)) throw corrupt(key, "positions not ascending");
        out.push(await this.#record(hashes[index]!));
      }
    }
    return out;
  }

  async listByHeight(height: number): Promise<IndexedTx[]> {
    const hashes = await this.#blockHashes(heightKey(height));
    const out: IndexedTx[] = [];
    for (const h of hashes) out.push(await this.#record(h));
    return out;
  }

  /** The tx hashes of the block at a height key (none if no block with txs was indexed there). */
  async #blockHashes(at: string): Promise<string[]> {
    const key = `b/${at}`;
    const v = await this.m.sublevel.get(key);
    if (v === undefined) return [];
    if (v.length === 0 || v.length % HASH_BYTES !== 0) throw corrupt(key, `hash list of ${v.length} bytes`);
    const out: string[] = [];
    for (let i = 0; i < v.length; i += HASH_BYTES) out.push(Buffer.from(v.buffer, v.byteOffset + i, HASH_BYTES).toString("hex").toUpperCase());
    return out;
  }

  /** A record the index points at: missing is corruption, not "not found". */
  async #record(hash: string): Promise<IndexedTx> {
    const r = await this.getByHash(hash);
    if (r === undefined) throw corrupt(`h/${hash}`, "indexed tx has no record");
    return r;
  }
}
