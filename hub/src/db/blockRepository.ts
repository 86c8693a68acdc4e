import { bytesEqual, computeBlockHash, HASH_LENGTH, toHex, type CommitCertificate } from "@aegis/consumer-sdk";
import { decodeBlock, decodeCommitCertificate, encodeBlock, encodeCommitCertificate } from "../codec/codec.js";
import type { Block, CertifiedBlock } from "../consensus/types.js";
import { DbError } from "./dbError.js";
import { decodeStored } from "./decodeStored.js";
import { decodeUint64, encodeUint64, heightKey } from "./heightKey.js";
import type { RepositoryModules, RepositoryOptions } from "./hubDb.js";
import { LATEST_HEIGHT_META_KEY, type MetaRepository } from "./metaRepository.js";
import { SerialQueue } from "./serialQueue.js";

const BLOCK = "b/";
const CERT = "c/";
const HASH = "h/";

/**
 * Finalized blocks with their commit certificates, contiguous from height 1. A height, once written,
 * never changes: a different block there is refused, the same block again is a no-op (the certificate
 * first stored is kept). Block, certificate, hash and the `latestHeight` meta record go in one synced batch.
 */
export class BlockRepository {
  readonly #opts: RepositoryOptions;
  readonly #m: RepositoryModules & { meta: MetaRepository };
  readonly #writes = new SerialQueue();

  constructor(opts: RepositoryOptions, modules: RepositoryModules & { meta: MetaRepository }) {
    this.#opts = opts;
    this.#m = modules;
  }

  /**
   * Stores a certified block at `block.header.height`. Resolves true when written, false when this very
   * block was already stored. Throws DB_ERROR_CONFLICTING_BLOCK, DB_ERROR_NON_CONTIGUOUS, or
   * DB_ERROR_INVALID_ARGUMENT when the certificate is not for this block.
   */
  putCertified(cb: CertifiedBlock): Promise<boolean> {
    return this.#writes.run(() => this.#putCertified(cb));
  }

  async #putCertified(cb: CertifiedBlock): Promise<boolean> {
    const height = cb.block.header.height;
    if (!Number.isSafeInteger(height) || height < 1) throw invalidArgument("block.header.height", "not a safe integer >= 1");
    const hash = computeBlockHash(cb.block.header);
    if (cb.certificate.height !== height) throw invalidArgument("certificate.height", `is ${cb.certificate.height}, block is at ${height}`);
    if (!bytesEqual(cb.certificate.blockHash, hash)) throw invalidArgument("certificate.blockHash", "is not the hash of the block");
    const blockBytes = encodeBlock(cb.block);
    const key = heightKey(height);

    const latest = await this.latestHeight();
    if (height <= latest) {
      const [storedHash, storedBlock] = await this.#m.sublevel.getMany([HASH + key, BLOCK + key]);
      if (!storedHash || !storedBlock) {
        throw new DbError({ code: "DB_ERROR_CORRUPT", key, reason: `no block at ${height} below latest height ${latest}` });
      }
      if (bytesEqual(storedHash, hash) && bytesEqual(storedBlock, blockBytes)) return false;
      throw new DbError(
        { code: "DB_ERROR_CONFLICTING_BLOCK", height, storedHash: toHex(storedHash), newHash: toHex(hash) },
        `a different block is already stored at height ${height}`,
      );
    }
    if (height !== latest + 1) {
      throw new DbError({ code: "DB_ERROR_NON_CONTIGUOUS", height, latestHeight: latest }, `block ${height} does not follow latest height ${latest}`);
    }
    const sublevel = this.#m.sublevel;
    await this.#m.root.batch(
      [
        { type: "put", sublevel, key: BLOCK + key, value: blockBytes },
        { type: "put", sublevel, key: CERT + key, value: encodeCommitCertificate(cb.certificate) },
        { type: "put", sublevel, key: HASH + key, value: hash },
        { type: "put", sublevel: this.#m.meta.sublevel, key: LATEST_HEIGHT_META_KEY, value: encodeUint64(height) },
      ],
      { sync: this.#opts.sync },
    );
    return true;
  }

  /** Height of the highest stored block; 0 when none. */
  async latestHeight(): Promise<number> {
    const v = await this.#m.meta.sublevel.get(LATEST_HEIGHT_META_KEY);
    return v === undefined ? 0 : decodeUint64(v, LATEST_HEIGHT_META_KEY);
  }

  async getBlock(height: number): Promise<Block | undefined> {
    const key = BLOCK + heightKey(height);
    const v = await this.#m.sublevel.get(key);
    return v === undefined ? undefined : decodeStored(key, () => decodeBlock(v));
  }

  async getCertificate(height: number): Promise<CommitCertificate | undefined> {
    const key = CERT + heightKey(height);
    const v = await this.#m.sublevel.get(key);
    return v === undefined ? undefined : decodeStored(key, () => decodeCommitCertificate(v));
  }

  async getCertified(height: number): Promise<CertifiedBlock | undefined> {
    const key = heightKey(height);
    const [b, c] = await this.#m.sublevel.getMany([BLOCK + key, CERT + key]);
    if (!b || !c) return undefined;
    return {
      block: decodeStored(BLOCK + key, () => decodeBlock(b)),
      certificate: decodeStored(CERT + key, () => decodeCommitCertificate(c)),
    };
  }

  /** Certified blocks from `from` on, at most `count`, stopping at the first height not stored. */
  async getRange(from: number, count: number): Promise<CertifiedBlock[]> {
    heightKey(from, "from");
    heightKey(count, "count");
    const latest = await this.latestHeight();
    const end = Math.min(from + count - 1, latest);
    if (from < 1 || end < from) return [];
    const keys: string[] = [];
    for (let h = from; h <= end; h++) {
      const k = heightKey(h);
      keys.push(BLOCK + k, CERT + k);
    }
    const values = await this.#m.sublevel.getMany(keys);
    const out: CertifiedBlock[] = [];
    for (let i = 0; i < values.length; i += 2) {
      const b = values[i];
      const c = values[i + 1];
      if (!b || !c) break;
      out.push({
        block: decodeStored(keys[i]!, () => decodeBlock(b)),
        certificate: decodeStored(keys[i + 1]!, () => decodeCommitCertificate(c)),
      });
    }
    return out;
  }

  async getBlockHashAt(height: number): Promise<Uint8Array | undefined> {
    const key = HASH + heightKey(height);
    const v = await this.#m.sublevel.get(key);
    if (v === undefined) return undefined;
    if (v.length !== HASH_LENGTH) throw new DbError({ code: "DB_ERROR_CORRUPT", key, reason: `hash of ${v.length} bytes` });
    return new Uint8Array(v);
  }
}

function invalidArgument(field: string, reason: string): DbError {
  return new DbError({ code: "DB_ERROR_INVALID_ARGUMENT", field, reason }, `${field}: ${reason}`);
}

