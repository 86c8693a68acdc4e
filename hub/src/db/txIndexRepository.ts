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

function eventPrefix(eventKey: string, value: string): string {
  return `e/${eventKey}/${Buffer.from(value, "utf8").toString("hex")}/`;
}

/**
 * Results of committed transactions: `h/<hash>` -> record, `b/<height>/<index>` -> hash, and for
 * every event attribute `e/<type>.<key>/<hex value>/<height>/<index>` -> hash (what tx_search's
 * `transfer.recipient='…'` conditions read). Written for a whole block in one batch before the block's
 * state is committed; writing the same block again (after a crash, the block is executed again)
 * writes the same records.
 */
export class TxIndexRepository {
  constructor(
    private readonly opts: RepositoryOptions,
    private readonly m: RepositoryModules,
  ) {}

  async putBlock(height: number, txs: readonly IndexedTx[]): Promise<void> {
    if (txs.length === 0) return;
    const sublevel = this.m.sublevel;
    await this.m.root.batch(
      txs.flatMap((t) => {
        const at = `${heightKey(height)}/${heightKey(t.index, "index")}`;
        const hash = textEncoder.encode(t.hash);
        const ops = [
          { type: "put" as const, sublevel, key: `h/${t.hash}`, value: encodeRecord(t) },
          { type: "put" as const, sublevel, key: `b/${at}`, value: hash },
        ];
        for (const e of t.result.events) {
          for (const a of e.attributes) {
            const eventKey = `${e.type}.${a.key}`;
            if (!/^[A-Za-z0-9_.-]{1,128}$/.test(eventKey) || Buffer.byteLength(a.value) > MAX_INDEXED_VALUE_BYTES) continue;
            ops.push({ type: "put" as const, sublevel, key: eventPrefix(eventKey, a.value) + at, value: hash });
          }
        }
        return ops;
      }),
      { sync: this.opts.sync },
    );
  }

  async getByHash(hash: string): Promise<IndexedTx | undefined> {
    const key = `h/${hash.toUpperCase()}`;
    const v = await this.m.sublevel.get(key);
    return v === undefined ? undefined : decodeStored(key, () => decodeRecord(v));
  }

  /** Transactions with an event attribute `<type>.<key>` equal to `value`, in (height, index) order. */
  async findByEvent(eventKey: string, value: string, limit = 10_000): Promise<IndexedTx[]> {
    const prefix = eventPrefix(eventKey, value);
    const out: IndexedTx[] = [];
    const seen = new Set<string>();
    for await (const [, hash] of this.m.sublevel.iterator({ gte: prefix, lt: prefix + "~", limit })) {
      const h = textDecoder.decode(hash);
      if (seen.has(h)) continue;
      seen.add(h);
      const r = await this.getByHash(h);
      if (r) out.push(r);
    }
    return out;
  }

  async listByHeight(height: number): Promise<IndexedTx[]> {
    const prefix = `b/${heightKey(height)}/`;
    const out: IndexedTx[] = [];
    for await (const [, hash] of this.m.sublevel.iterator({ gte: prefix, lt: prefix + "~" })) {
      const r = await this.getByHash(textDecoder.decode(hash));
      if (r) out.push(r);
    }
    return out;
  }
}
