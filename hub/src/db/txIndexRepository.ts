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

/**
 * Results of committed transactions: `h/<hash>` -> record, `b/<height>/<index>` -> hash. Written for a
 * whole block in one batch before the block's state is committed; writing the same block again (after
 * a crash, the block is executed again) writes the same records.
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
      txs.flatMap((t) => [
        { type: "put" as const, sublevel, key: `h/${t.hash}`, value: encodeRecord(t) },
        { type: "put" as const, sublevel, key: `b/${heightKey(height)}/${heightKey(t.index, "index")}`, value: textEncoder.encode(t.hash) },
      ]),
      { sync: this.opts.sync },
    );
  }

  async getByHash(hash: string): Promise<IndexedTx | undefined> {
    const key = `h/${hash.toUpperCase()}`;
    const v = await this.m.sublevel.get(key);
    return v === undefined ? undefined : decodeStored(key, () => decodeRecord(v));
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
