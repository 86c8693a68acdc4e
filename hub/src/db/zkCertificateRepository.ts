import type { ZkCertificate } from "@aegis/consumer-sdk";
import { decodeZkCertificate, encodeZkCertificate } from "../codec/codec.js";
import { DbError } from "./dbError.js";
import { decodeStored } from "./decodeStored.js";
import { heightKey, parseHeightKey } from "./heightKey.js";
import type { RepositoryModules, RepositoryOptions } from "./hubDb.js";
import { SerialQueue } from "./serialQueue.js";

/**
 * Succinct (ZK) certificates, one per height: the first stored for a height stays (a prover's
 * reward goes to the first valid one). The caller verifies a certificate (the SDK's rule) before
 * storing it; the chain id is the node's and is not stored (the wire form does not carry it).
 */
export class ZkCertificateRepository {
  readonly #writes = new SerialQueue();
  readonly #listeners = new Set<(c: ZkCertificate) => void>();

  constructor(
    private readonly opts: RepositoryOptions,
    private readonly m: RepositoryModules,
  ) {}

  /** Stores `c` unless a certificate for its height is stored; resolves true when stored. */
  async put(c: ZkCertificate): Promise<boolean> {
    const key = heightKey(c.height);
    let value: Uint8Array;
    try {
      value = encodeZkCertificate(c);
    } catch (e) {
      throw new DbError({ code: "DB_ERROR_INVALID_ARGUMENT", field: "certificate", reason: (e as Error).message });
    }
    return this.#writes.run(async () => {
      if ((await this.m.sublevel.get(key)) !== undefined) return false;
      await this.m.root.batch([{ type: "put", sublevel: this.m.sublevel, key, value }], { sync: this.opts.sync });
      for (const l of this.#listeners) {
        try {
          l(c);
        } catch {
          // A listener's failure (a stream client gone) does not undo or fail the write.
        }
      }
      return true;
    });
  }

  /** Calls `listener` with every certificate stored from now on; returns the function that stops it. */
  onStored(listener: (c: ZkCertificate) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async get(height: number, chainId: string): Promise<ZkCertificate | undefined> {
    const key = heightKey(height);
    const v = await this.m.sublevel.get(key);
    return v === undefined ? undefined : decodeStored(key, () => this.#decode(key, v, chainId));
  }

  /** The lowest certificate at or above `height`: it finalizes `height` (a certificate finalizes every ancestor). */
  async firstAtOrAbove(height: number, chainId: string): Promise<ZkCertificate | undefined> {
    for await (const [key, v] of this.m.sublevel.iterator({ gte: heightKey(height), limit: 1 })) return decodeStored(key, () => this.#decode(key, v, chainId));
    return undefined;
  }

  /** Up to `count` certificates at heights >= `height`, lowest first. */
  async range(height: number, count: number, chainId: string): Promise<ZkCertificate[]> {
    const out: ZkCertificate[] = [];
    for await (const [key, v] of this.m.sublevel.iterator({ gte: heightKey(height), limit: count })) out.push(decodeStored(key, () => this.#decode(key, v, chainId)));
    return out;
  }

  /** The newest stored certificate. */
  async latest(chainId: string): Promise<ZkCertificate | undefined> {
    for await (const [key, v] of this.m.sublevel.iterator({ reverse: true, limit: 1 })) return decodeStored(key, () => this.#decode(key, v, chainId));
    return undefined;
  }

  #decode(key: string, v: Uint8Array, chainId: string): ZkCertificate {
    const c = decodeZkCertificate(v, chainId);
    if (c.height !== parseHeightKey(key)) throw new Error(`certificate for height ${c.height} stored at ${key}`);
    return c;
  }
}
