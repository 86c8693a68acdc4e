import { bytesEqual, hasQuorum, toHex } from "@aegis/consumer-sdk";
import type { FinalityAttestation } from "../codec/index.js";

/** What the attestations of one height are about: the block, its time, the signing set's root and the root of the set after it. */
export interface AttestedStatement {
  height: number;
  time: number;
  blockHash: Uint8Array;
  validatorSetRoot: bigint;
  nextValidatorSetRoot: bigint;
}

export type AttestationOutcome =
  /** Kept; `quorum` once the statement's signers hold more than 2/3 of the set's power. */
  | { kind: "added"; signedPower: bigint; quorum: boolean }
  /** The same validator's attestation of the same statement is already kept (its signature not checked again). */
  | { kind: "duplicate" }
  /** Not kept. */
  | { kind: "refused"; reason: "stale" | "unknown_validator" | "invalid_signature" }
  /**
   * A valid attestation by a validator who already attested another statement at this height: both
   * signatures are that validator's, so the pair is evidence of a double attestation. The first is kept.
   */
  | { kind: "conflicting"; first: FinalityAttestation; second: FinalityAttestation };

/** The set that signs a height, as the pool needs it: power by validator index. */
export interface AttestingSet {
  powers: readonly bigint[];
  totalPower: bigint;
}

interface StatementEntry {
  statement: AttestedStatement;
  byValidator: Map<number, FinalityAttestation>;
  signedPower: bigint;
}

interface HeightEntry {
  /** By statement key (block hash, next root). */
  statements: Map<string, StatementEntry>;
  /** Which statement each validator attested at this height. */
  attestedBy: Map<number, string>;
}

const statementKey = (a: AttestedStatement) => `${a.time}/${toHex(a.blockHash)}/${a.validatorSetRoot.toString(16)}/${a.nextValidatorSetRoot.toString(16)}`;

/**
 * Attestations collected per height until a statement carries a quorum: what a prover proves. Pure
 * bookkeeping (no I/O, no clock): the caller passes the set of the height and the signature check,
 * which runs only for an attestation that is new (cheap checks first: height window, validator index,
 * duplicate). Heights below the window (`keepHeights` under the newest seen) are dropped.
 */
export class AttestationPool {
  readonly #heights = new Map<number, HeightEntry>();
  readonly #keepHeights: number;
  #newest = 0;

  constructor(opts: { keepHeights?: number } = {}) {
    this.#keepHeights = opts.keepHeights ?? 64;
  }

  add(a: FinalityAttestation, set: AttestingSet, isValidSignature: (a: FinalityAttestation) => boolean): AttestationOutcome {
    if (a.height <= this.#newest - this.#keepHeights) return { kind: "refused", reason: "stale" };
    const power = set.powers[a.validatorIndex];
    if (power === undefined) return { kind: "refused", reason: "unknown_validator" };
    const key = statementKey(a);
    const h = this.#heights.get(a.height);
    const kept = h?.statements.get(key)?.byValidator.get(a.validatorIndex);
    if (kept && bytesEqual(kept.signature, a.signature)) return { kind: "duplicate" };
    if (!isValidSignature(a)) return { kind: "refused", reason: "invalid_signature" };
    const earlier = h?.attestedBy.get(a.validatorIndex);
    if (h && earlier !== undefined) {
      const first = h.statements.get(earlier)!.byValidator.get(a.validatorIndex)!;
      // Another valid signature of the same statement (EdDSA signatures are deterministic, so this
      // takes another nonce on purpose): nothing new. Of another statement: a double attestation.
      return earlier === key ? { kind: "duplicate" } : { kind: "conflicting", first, second: a };
    }
    const entry = h ?? { statements: new Map(), attestedBy: new Map() };
    if (!h) this.#heights.set(a.height, entry);
    let st = entry.statements.get(key);
    if (!st) {
      st = {
        statement: { height: a.height, time: a.time, blockHash: a.blockHash, validatorSetRoot: a.validatorSetRoot, nextValidatorSetRoot: a.nextValidatorSetRoot },
        byValidator: new Map(),
        signedPower: 0n,
      };
      entry.statements.set(key, st);
    }
    st.byValidator.set(a.validatorIndex, a);
    st.signedPower += power;
    entry.attestedBy.set(a.validatorIndex, key);
    if (a.height > this.#newest) {
      this.#newest = a.height;
      for (const height of this.#heights.keys()) if (height <= this.#newest - this.#keepHeights) this.#heights.delete(height);
    }
    return { kind: "added", signedPower: st.signedPower, quorum: hasQuorum(st.signedPower, set.totalPower) };
  }

  /**
   * The newest height at or below `atMost` whose statement carries a quorum of `setOf(height)`, with
   * its attestations by validator index: what the prover proves next (a certificate for a height
   * finalizes its ancestors, so older quorums need no proof of their own).
   */
  newestQuorum(setOf: (height: number) => AttestingSet | undefined, atMost = Infinity): { statement: AttestedStatement; attestations: Map<number, FinalityAttestation> } | null {
    const heights = [...this.#heights.keys()].filter((h) => h <= atMost).sort((x, y) => y - x);
    for (const height of heights) {
      const set = setOf(height);
      if (!set) continue;
      for (const st of this.#heights.get(height)!.statements.values()) {
        if (hasQuorum(st.signedPower, set.totalPower)) return { statement: st.statement, attestations: new Map(st.byValidator) };
      }
    }
    return null;
  }

  /** Forgets every height at or below `height` (a certificate for it exists). */
  pruneThrough(height: number): void {
    for (const h of this.#heights.keys()) if (h <= height) this.#heights.delete(h);
  }

  get heights(): number[] {
    return [...this.#heights.keys()].sort((x, y) => x - y);
  }
}
