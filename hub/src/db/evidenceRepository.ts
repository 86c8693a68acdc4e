import { bytesEqual, type VoteType } from "@aegis/consumer-sdk";
import { decodeDoubleAttestationEvidence, decodeDuplicateVoteEvidence, encodeDoubleAttestationEvidence, encodeDuplicateVoteEvidence } from "../codec/codec.js";
import { isConflictingAttestationPair, isDoubleAttestationEvidence } from "../consensus/evidence.js";
import type { DoubleAttestationEvidence, DuplicateVoteEvidence, Evidence } from "../consensus/types.js";
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

/** Key suffix of a double attestation: its offence is (height, validatorIndex). */
const ATTESTATION_KEY_SUFFIX = "/attestation";

function attestationStorageKey(e: DoubleAttestationEvidence): string {
  const a = e.attestationA;
  return `${heightKey(a.height)}/${heightKey(a.validatorIndex, "validatorIndex")}${ATTESTATION_KEY_SUFFIX}`;
}

/**
 * What identifies a piece of evidence's offence, as a string: one validator's duplicate votes at one
 * (height, round, type), or its double attestation at one height. Two pieces with one id punish once.
 */
export function getEvidenceId(e: Evidence): string {
  return isDoubleAttestationEvidence(e) ? attestationStorageKey(e) : storageKey(getEvidenceKey(e));
}

function decodeRecord(key: string, value: Uint8Array): Evidence {
  return decodeStored(key, () => (key.endsWith(ATTESTATION_KEY_SUFFIX) ? decodeDoubleAttestationEvidence(value) : decodeDuplicateVoteEvidence(value)));
}

/**
 * Evidence, one record per offence: duplicate votes per (height, validatorIndex, round, type), double
 * attestations per (height, validatorIndex). A second piece of evidence for the same offence (other
 * pair, other time) is not stored. Listed in key order (by height, then validator).
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
   * for different values, or the two attestations not of one validator and height for different
   * statements. Signatures are not checked here.
   */
  async add(e: Evidence): Promise<boolean> {
    if (isDoubleAttestationEvidence(e)) {
      if (!isConflictingAttestationPair(e.attestationA, e.attestationB)) {
        throw new DbError({ code: "DB_ERROR_INVALID_ARGUMENT", field: "attestationB", reason: "not another statement of attestationA's validator and height" });
      }
      return this.#put(attestationStorageKey(e), encodeDoubleAttestationEvidence(e));
    }
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
    return this.#put(storageKey(getEvidenceKey(e)), encodeDuplicateVoteEvidence(e));
  }

  #put(key: string, value: Uint8Array): Promise<boolean> {
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

  /** Whether evidence of the offence `id` (getEvidenceId) is stored. */
  async hasId(id: string): Promise<boolean> {
    return (await this.#m.sublevel.get(id)) !== undefined;
  }

  /**
   * Stored evidence at heights >= `fromHeight` (default all), ordered by height, validator, then
   * duplicate votes by round and type before the double attestation.
   */
  async list(opts: { fromHeight?: number; limit?: number } = {}): Promise<Evidence[]> {
    const gte = heightKey(opts.fromHeight ?? 0, "fromHeight");
    const out: Evidence[] = [];
    const iter = this.#m.sublevel.iterator(opts.limit === undefined ? { gte } : { gte, limit: opts.limit });
    for await (const [key, value] of iter) out.push(decodeRecord(key, value));
    return out;
  }
}
