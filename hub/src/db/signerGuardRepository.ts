import { decodeSignerGuardRecord, encodeSignerGuardRecord } from "../codec/codec.js";
import { decodeStored } from "./decodeStored.js";
import type { RepositoryModules, RepositoryOptions } from "./hubDb.js";
import type { SignerGuardRecord } from "./signerGuardRecord.js";

const LAST_SIGNED_KEY = "lastSigned";

/** Storage of the signer's guard record (see signer/signerGuard.ts); every write is synced. */
export class SignerGuardRepository {
  readonly #opts: RepositoryOptions;
  readonly #m: RepositoryModules;

  constructor(opts: RepositoryOptions, modules: RepositoryModules) {
    this.#opts = opts;
    this.#m = modules;
  }

  async get(): Promise<SignerGuardRecord | undefined> {
    const v = await this.#m.sublevel.get(LAST_SIGNED_KEY);
    return v === undefined ? undefined : decodeStored(LAST_SIGNED_KEY, () => decodeSignerGuardRecord(v));
  }

  /** Replaces the record; resolves once it is on disk. */
  async put(record: SignerGuardRecord): Promise<void> {
    const value = encodeSignerGuardRecord(record);
    await this.#m.root.batch([{ type: "put", sublevel: this.#m.sublevel, key: LAST_SIGNED_KEY, value }], { sync: this.#opts.sync });
  }
}
