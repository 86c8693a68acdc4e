import { DbError } from "./dbError.js";
import type { RepositoryModules, RepositoryOptions } from "./hubDb.js";

/** Meta keys the database manages itself; `putMeta` refuses them. */
export const LATEST_HEIGHT_META_KEY = "latestHeight";
export const RESERVED_META_KEYS: ReadonlySet<string> = new Set([LATEST_HEIGHT_META_KEY]);

/** Small named records (genesis hash, ...), bytes in, bytes out. */
export class MetaRepository {
  readonly #opts: RepositoryOptions;
  readonly #m: RepositoryModules;

  constructor(opts: RepositoryOptions, modules: RepositoryModules) {
    this.#opts = opts;
    this.#m = modules;
  }

  async getMeta(key: string): Promise<Uint8Array | undefined> {
    return this.#m.sublevel.get(key);
  }

  async putMeta(key: string, value: Uint8Array): Promise<void> {
    if (RESERVED_META_KEYS.has(key)) throw new DbError({ code: "DB_ERROR_RESERVED_META_KEY", key });
    if (key.length === 0) throw new DbError({ code: "DB_ERROR_INVALID_ARGUMENT", field: "key", reason: "empty" });
    await this.#m.root.batch([{ type: "put", sublevel: this.#m.sublevel, key, value }], { sync: this.#opts.sync });
  }

  /** The sublevel, for repositories that write a meta record in the same batch as their own data. */
  get sublevel(): RepositoryModules["sublevel"] {
    return this.#m.sublevel;
  }
}
