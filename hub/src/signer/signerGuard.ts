import { bytesEqual } from "@aegis/consumer-sdk";
import type { HubDb } from "../db/hubDb.js";
import type { SignerGuardRecord } from "../db/signerGuardRecord.js";
import { SignerError, type SignPosition } from "./signerError.js";

/** Lexicographic order on (height, round, step): negative when a < b, 0 when equal, positive when a > b. */
export function compareSignPositions(a: SignPosition, b: SignPosition): number {
  return a.height - b.height || a.round - b.round || a.step - b.step;
}

function positionOf(r: SignPosition): SignPosition {
  return { height: r.height, round: r.round, step: r.step };
}

function describe(p: SignPosition): string {
  return `(${p.height}, ${p.round}, ${p.step})`;
}

export type SignerGuardDecision =
  /** Above the last signed position: sign, persist with `record`, then release. */
  | { kind: "sign" }
  /** The very same request as the last signed one: release the stored signature again. */
  | { kind: "resign"; signature: Uint8Array };

/**
 * Double-sign protection (CometBFT's FilePV last-sign-state): remembers, on disk, the last
 * (height, round, step) signed with its sign bytes and signature. `check` refuses anything below it
 * and anything else at it; `record` must be awaited before a new signature leaves the process.
 * Not concurrency-safe by itself: the caller serializes check + sign + record (PrivValidator does).
 */
export class SignerGuard {
  readonly #db: HubDb;
  #last: SignerGuardRecord | undefined;

  private constructor(opts: { last: SignerGuardRecord | undefined }, modules: { db: HubDb }) {
    this.#db = modules.db;
    this.#last = opts.last;
  }

  static async load(_opts: Record<string, never>, modules: { db: HubDb }): Promise<SignerGuard> {
    return new SignerGuard({ last: await modules.db.guard.get() }, modules);
  }

  /** The last persisted record; undefined when this validator never signed. */
  get last(): SignerGuardRecord | undefined {
    return this.#last;
  }

  /** Throws SIGNER_ERROR_REGRESSION or SIGNER_ERROR_CONFLICT, or says whether to sign anew or re-release. */
  check(position: SignPosition, signBytes: Uint8Array): SignerGuardDecision {
    const last = this.#last;
    if (!last) return { kind: "sign" };
    const cmp = compareSignPositions(position, last);
    if (cmp > 0) return { kind: "sign" };
    if (cmp < 0) {
      throw new SignerError(
        { code: "SIGNER_ERROR_REGRESSION", last: positionOf(last), requested: positionOf(position) },
        `refusing to sign ${describe(position)} below last signed ${describe(last)}`,
      );
    }
    if (bytesEqual(signBytes, last.signBytes)) return { kind: "resign", signature: new Uint8Array(last.signature) };
    throw new SignerError(
      { code: "SIGNER_ERROR_CONFLICT", position: positionOf(position) },
      `refusing to sign different bytes at already signed ${describe(position)} (double sign)`,
    );
  }

  /** Persists (synced) `record` as the last signed, then adopts it. Must be above the current one. */
  async record(record: SignerGuardRecord): Promise<void> {
    if (this.#last && compareSignPositions(record, this.#last) <= 0) {
      throw new SignerError(
        { code: "SIGNER_ERROR_REGRESSION", last: positionOf(this.#last), requested: positionOf(record) },
        `guard record ${describe(record)} does not advance ${describe(this.#last)}`,
      );
    }
    const copy: SignerGuardRecord = { ...record, signBytes: new Uint8Array(record.signBytes), signature: new Uint8Array(record.signature) };
    await this.#db.guard.put(copy);
    this.#last = copy;
  }
}
