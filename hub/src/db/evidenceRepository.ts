import { bytesEqual, type VoteType } from "@aegis/consumer-sdk";
import { decodeDuplicateVoteEvidence, encodeDuplicateVoteEvidence } from "../codec/codec.js";
import type { DuplicateVoteEvidence } from "../consensus/types.js";
import { DbError } from "./dbError.js";
import { decodeStored } from "./decodeStored.js";
import { heightKey } from "./heightKey.js";
import type { RepositoryModules, RepositoryOptions } from "./hubDb.js";
import { SerialQueue } from "./serialQueue.js";

/** What identifies one double-sign offence: one validator, one (height, round, vote type). */
export interface EvidenceKey {
  height: number;
  validatorIndex: number;
  round: number;
  type: VoteType;
}

export function getEvidenceKey(e: DuplicateVoteEvidence): EvidenceKey {
  return { height: e.voteA.height, validatorIndex: e.voteA.validatorIndex, round: e.voteA.round, type: e.voteA.type };
}

function storageKey(k: EvidenceKey): string {
  return [heightKey(k.height), heightKey(k.validatorIndex, "validatorIndex"), heightKey(k.round, "round"), heightKey(k.type, "type")].join("/");
}

/**
 * Duplicate-vote evidence, one record per (height, validatorIndex, round, type): a second piece of
 * evidence for the same offence (other vote pair, other time) is not stored. Listed in key order.
 */
export class EvidenceRepository {
  readonly #opts: RepositoryOptions;
  readonly #m: RepositoryModules;
  readonly #writes = new SerialQueue();

  constructor(opts: RepositoryOptions, modules: RepositoryModules) {
    this.#opts = opts;
    this.#m = modules;
  }

  /**
   * Stores `e` unless evidence for the same offence is stored. Resolves true when stored. Throws
   * DB_ERROR_INVALID_ARGUMENT when the two votes are not of one validator at one (height, round, type)
   * for different values. Signatures are not checked here.
   */
  async add(e: DuplicateVoteEvidence): Promise<boolean> {
    const a = e.voteA;
    const b = e.voteB;
    for (const field of ["height", "round", "type", "validatorIndex"] as const) {
      if (a[field] !== b[field]) {
        throw new DbError({ code: "DB_ERROR_INVALID_ARGUMENT", field: `voteB.${field}`, reason: "differs from voteA" });
      }
    }
    if (a.blockHash === b.blockHash || (a.blockHash && b.blockHash && bytesEqual(a.blockHash, b.blockHash))) {
      throw new DbError({ code: "DB_ERROR_INVALID_ARGUMENT", field: "voteB.blockHash", reason: "equals voteA's: not a double sign" });
    }
    const key = storageKey(getEvidenceKey(e));
    const value = encodeDuplicateVoteEvidence(e);
    return this.#writes.run(async () => {
      if ((await this.#m.sublevel.get(key)) !== undefined) return false;
      await this.#m.root.batch([{ type: "put", sublevel: this.#m.sublevel, key, value }], { sync: this.#opts.sync });
      return true;
    });
  }

  async has(k: EvidenceKey): Promise<boolean> {
    return (await this.#m.sublevel.get(storageKey(k))) !== undefined;
  }

  async get(k: EvidenceKey): Promise<DuplicateVoteEvidence | undefined> {
    const key = storageKey(k);
    const v = await this.#m.sublevel.get(key);
    return v === undefined ? undefined : decodeStored(key, () => decodeDuplicateVoteEvidence(v));
  }

  /** Stored evidence at heights >= `fromHeight` (default all), ordered by height, validator, round, type. */
  async list(opts: { fromHeight?: number; limit?: number } = {}): Promise<DuplicateVoteEvidence[]> {
    const gte = heightKey(opts.fromHeight ?? 0, "fromHeight");
    const out: DuplicateVoteEvidence[] = [];
    const iter = this.#m.sublevel.iterator(opts.limit === undefined ? { gte } : { gte, limit: opts.limit });
    for await (const [key, value] of iter) out.push(decodeStored(key, () => decodeDuplicateVoteEvidence(value)));
    return out;
  }
}
