import { FORK_OBLIGATION_EXPIRED, FORK_OBLIGATION_MET, FORK_OBLIGATION_OPEN, type ForkCase, type ForkObligationStatus } from "../forkCase.js";
import type { ForkCommitRef } from "../forkEvidence.js";
import { HASH_LENGTH } from "../hash.js";
import { encodeHex, inconsistent, readArray, readHex, readInt, readLiteral, readObject } from "./jsonCodec.js";

/*
 * GET /fork-cases (decision 52): the hub's fork cases across rounds, each as the state holds it. A
 * relayer reads which polkas an open case still wants (isPolkaWantedByForkCase) and posts them.
 */

/** Upper bounds the decoder enforces (a case holds at most a few polkas per round; sets are capped by the bitmap). */
export const HUB_MAX_FORK_CASES = 1000;
const MAX_REFS = 4096;
const MAX_INDICES = 65_536;
const U32_MAX = 0xffffffff;

export interface ForkCommitRefJson {
  round: number;
  blockHash: string;
  signers: number[];
}

export interface ForkObligationJson {
  blockHash: string;
  minRound: number;
  maxRound: number;
  owers: number[];
  deadlineMs: number;
  status: "open" | "met" | "expired";
}

export interface ForkCaseJson {
  id: number;
  height: number;
  kind: "rounds" | "tiers";
  low: ForkCommitRefJson;
  high: ForkCommitRefJson;
  openedMs: number;
  polkas: ForkCommitRefJson[];
  obligations: ForkObligationJson[];
  convicted: number[];
}

export interface ForkCasesJson {
  cases: ForkCaseJson[];
}

const STATUS_NAMES = ["open", "met", "expired"] as const;
const statusOf: Record<(typeof STATUS_NAMES)[number], ForkObligationStatus> = { open: FORK_OBLIGATION_OPEN, met: FORK_OBLIGATION_MET, expired: FORK_OBLIGATION_EXPIRED };

const refJson = (r: ForkCommitRef): ForkCommitRefJson => ({ round: r.round, blockHash: encodeHex(r.blockHash), signers: [...r.signers] });

export function encodeForkCasesJson(cases: readonly ForkCase[]): ForkCasesJson {
  return {
    cases: cases.map((c) => ({
      id: c.id,
      height: c.height,
      kind: c.kind,
      low: refJson(c.low),
      high: refJson(c.high),
      openedMs: c.openedMs,
      polkas: c.polkas.map(refJson),
      obligations: c.obligations.map((o) => ({ blockHash: encodeHex(o.blockHash), minRound: o.minRound, maxRound: o.maxRound, owers: [...o.owers], deadlineMs: o.deadlineMs, status: STATUS_NAMES[o.status] })),
      convicted: [...c.convicted],
    })),
  };
}

function readIndices(v: unknown, path: string): number[] {
  const out = readArray(v, path, MAX_INDICES, (x, p) => readInt(x, p, 0, U32_MAX));
  for (let i = 1; i < out.length; i++) if (out[i]! <= out[i - 1]!) throw inconsistent(`${path}[${i}]`, "indices must be ascending without repeats");
  return out;
}

function readRef(v: unknown, path: string): ForkCommitRef {
  const o = readObject(v, path, ["round", "blockHash", "signers"]);
  return { round: readInt(o.round, `${path}.round`, 0, U32_MAX), blockHash: readHex(o.blockHash, `${path}.blockHash`, HASH_LENGTH), signers: readIndices(o.signers, `${path}.signers`) };
}

/** Strict: every field, length and range checked; unknown fields refused. */
export function decodeForkCasesJson(json: unknown, path = "$"): ForkCase[] {
  const o = readObject(json, path, ["cases"]);
  return readArray(o.cases, `${path}.cases`, HUB_MAX_FORK_CASES, (x, p): ForkCase => {
    const c = readObject(x, p, ["id", "height", "kind", "low", "high", "openedMs", "polkas", "obligations", "convicted"]);
    const kind = readLiteral(c.kind, `${p}.kind`, ["rounds", "tiers"] as const);
    const low = readRef(c.low, `${p}.low`);
    const high = readRef(c.high, `${p}.high`);
    if (kind === "rounds" && low.round >= high.round) throw inconsistent(`${p}.high.round`, "the higher commit's round must be above the lower's");
    return {
      id: readInt(c.id, `${p}.id`, 1),
      height: readInt(c.height, `${p}.height`, 1),
      kind,
      low,
      high,
      openedMs: readInt(c.openedMs, `${p}.openedMs`, 0),
      polkas: readArray(c.polkas, `${p}.polkas`, MAX_REFS, readRef),
      obligations: readArray(c.obligations, `${p}.obligations`, MAX_REFS, (y, q) => {
        const b = readObject(y, q, ["blockHash", "minRound", "maxRound", "owers", "deadlineMs", "status"]);
        const minRound = readInt(b.minRound, `${q}.minRound`, 0, U32_MAX);
        const maxRound = readInt(b.maxRound, `${q}.maxRound`, minRound, U32_MAX);
        return { blockHash: readHex(b.blockHash, `${q}.blockHash`, HASH_LENGTH), minRound, maxRound, owers: readIndices(b.owers, `${q}.owers`), deadlineMs: readInt(b.deadlineMs, `${q}.deadlineMs`, 0), status: statusOf[readLiteral(b.status, `${q}.status`, STATUS_NAMES)] };
      }),
      convicted: readIndices(c.convicted, `${p}.convicted`),
    };
  });
}
