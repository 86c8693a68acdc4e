import {
  bytesEqual,
  FORK_OBLIGATION_EXPIRED,
  FORK_OBLIGATION_MET,
  FORK_OBLIGATION_OPEN,
  isForkCaseOpen as isOpen,
  isCommitWantedByForkCase,
  isPolkaWantedByForkCase,
  type CrossRoundFork,
  type CrossTierFork,
  type ForkCase,
  type ForkCommitRef,
  type ForkObligation as SdkForkObligation,
  type ForkObligationStatus,
} from "@aegis/consumer-sdk";

/*
 * Fork cases across rounds (decision 52): the pure rules, no store. Two commits of one height for
 * different blocks, C(r, v) and C(r', v') with r < r', name nobody by themselves: an honest validator
 * precommits v in r (and locks on v), and may later prevote and precommit v' after a polka for v' in a
 * round in [r, r'). So the case asks for the polkas, as the CometBFT accountability notes' monitor and
 * ADR-056 do, with the justification round counted from r inclusive (docs/research/bft-forensics.md):
 *
 *   O_high  the signers of C(r', v') owe P(r', v')      (each of them prevote-counted it to precommit)
 *   O_low   the signers of C(r, v) owe P(r, v)
 *   L_ρ     for each posted P(ρ, v') with r < ρ ≤ r': the validators in both C(r, v) and P(ρ, v')
 *           (precommitted v in r, prevoted v' in ρ) owe a P(j, v') with r ≤ j < ρ, the polka that let
 *           them leave their lock
 *   R-DV    P(r, v) and P(r, v') both posted: the validators in both prevoted twice in round r
 *
 * An obligation is met for all its owers by whoever posts what it asks for; one still open at its
 * deadline convicts its owers. Every case ends with at least 1/3 of the stake convicted (O_high,
 * O_low, each L_ρ and each R-DV intersection are over 1/3 by quorum intersection, and each posted
 * polka either meets an obligation with a lower ρ or reaches r), in at most r' − r + 1 deadlines. An
 * honest validator is never convicted as long as the polkas it kept reach the hub before a deadline:
 * it holds P(r', v') if it precommitted v', P(r, v) if it precommitted v, and the polka it left its lock
 * on if it prevoted v' after precommitting v; it never prevotes twice in one round.
 */

export const OBLIGATION_OPEN = FORK_OBLIGATION_OPEN;
export const OBLIGATION_MET = FORK_OBLIGATION_MET;
export const OBLIGATION_EXPIRED = FORK_OBLIGATION_EXPIRED;
export type ObligationStatus = ForkObligationStatus;

/** A polka as a case keeps it: its round, block and prevoters (indices into the set of the case's height). */
export type PolkaRef = ForkCommitRef;
/** The case and its obligations are the SDK's types (what the hub serves at GET /fork-cases). */
export type ForkObligation = SdkForkObligation;
export type ForkCaseState = ForkCase;

export interface ForkCaseStep {
  next: ForkCaseState;
  /** Indices this step convicted that the case had not convicted before, ascending. */
  convicted: number[];
}

const intersect = (x: readonly number[], y: readonly number[]) => {
  const ys = new Set(y);
  return x.filter((i) => ys.has(i));
};

/** Adds `guilty` to the case's convicted; the step names those it had not convicted before. */
export function withConvicted(c: ForkCaseState, guilty: readonly number[]): ForkCaseStep {
  const had = new Set(c.convicted);
  const fresh = [...new Set(guilty)].filter((i) => !had.has(i)).sort((a, b) => a - b);
  return { next: { ...c, convicted: [...c.convicted, ...fresh].sort((a, b) => a - b) }, convicted: fresh };
}

/** A case for a verified fork across rounds (consumer-sdk assertBlsCrossRoundFork): O_high and O_low, both due at `nowMs + responseMs`. */
export function openForkCase(id: number, fork: CrossRoundFork, nowMs: number, responseMs: number): ForkCaseState {
  const deadlineMs = nowMs + responseMs;
  const owe = (c: ForkCommitRef): ForkObligation => ({ blockHash: c.blockHash, minRound: c.round, maxRound: c.round, owers: [...c.signers].sort((a, b) => a - b), deadlineMs, status: OBLIGATION_OPEN });
  return { id, height: fork.height, kind: "rounds", low: fork.low, high: fork.high, openedMs: nowMs, polkas: [], obligations: [owe(fork.high), owe(fork.low)], convicted: [] };
}

/**
 * A case across tiers (consumer-sdk assertCrossTierFork): a BLS commit C(r, A) and a ZK certificate
 * of B at one height. An honest validator attests only a block it committed, so it holds a BLS commit
 * of B: the ZK certificate's signers owe one (any round), due at `nowMs + responseMs`. Posted, it
 * makes a pair of BLS commits with C(r, A), judged as such (forkCase.ts processPostCommit); unposted,
 * the signers are convicted (more than 2/3 of the power).
 */
export function openCrossTierCase(id: number, fork: CrossTierFork, nowMs: number, responseMs: number): ForkCaseState {
  const zk = { round: 0, blockHash: fork.zk.blockHash, signers: [...fork.zk.signers].sort((a, b) => a - b) };
  const obligation: ForkObligation = { blockHash: zk.blockHash, minRound: 0, maxRound: 0xffffffff, owers: zk.signers, deadlineMs: nowMs + responseMs, status: OBLIGATION_OPEN };
  return { id, height: fork.height, kind: "tiers", low: fork.bls, high: zk, openedMs: nowMs, polkas: [], obligations: [obligation], convicted: [] };
}

/** Meets a case across tiers' obligation with a verified BLS commit of the ZK certificate's block (undefined when the case does not ask for it). */
export function postCommitToForkCase(c: ForkCaseState, commit: { blockHash: Uint8Array }): ForkCaseState | undefined {
  if (!isCommitWantedByForkCase(c, commit.blockHash)) return undefined;
  return { ...c, obligations: c.obligations.map((o) => (o.status === OBLIGATION_OPEN ? { ...o, status: OBLIGATION_MET as ObligationStatus } : o)) };
}

/** Whether `p` can matter to the case: a polka for v' in [r, r'], or for v in r (and not posted yet). The SDK's rule. */
export const isPolkaWanted = isPolkaWantedByForkCase;

const satisfies = (o: ForkObligation, p: PolkaRef) => bytesEqual(o.blockHash, p.blockHash) && p.round >= o.minRound && p.round <= o.maxRound;

/**
 * Posts a verified polka (assertValidPolkaCertificate against the set of the case's height) to the
 * case. Undefined when the case does not want it (isPolkaWanted). Otherwise it meets every open
 * obligation it answers, opens L_ρ for a polka for v' above r (met at once when an earlier posted
 * polka already answers it), and convicts the double prevoters of round r once both polkas of r are in.
 */
export function postPolkaToForkCase(c: ForkCaseState, polka: PolkaRef, nowMs: number, responseMs: number): ForkCaseStep | undefined {
  if (!isPolkaWanted(c, polka)) return undefined;
  const p: PolkaRef = { round: polka.round, blockHash: polka.blockHash, signers: [...new Set(polka.signers)].sort((a, b) => a - b) };
  const polkas = [...c.polkas, p];
  const obligations = c.obligations.map((o) => (o.status === OBLIGATION_OPEN && satisfies(o, p) ? { ...o, status: OBLIGATION_MET as ObligationStatus } : o));
  if (bytesEqual(p.blockHash, c.high.blockHash) && p.round > c.low.round) {
    const l: ForkObligation = { blockHash: c.high.blockHash, minRound: c.low.round, maxRound: p.round - 1, owers: intersect(c.low.signers, p.signers).sort((a, b) => a - b), deadlineMs: nowMs + responseMs, status: OBLIGATION_OPEN };
    if (polkas.some((q) => satisfies(l, q))) l.status = OBLIGATION_MET;
    obligations.push(l);
  }
  const next: ForkCaseState = { ...c, polkas, obligations };
  const atLow = (hash: Uint8Array) => polkas.find((q) => q.round === c.low.round && bytesEqual(q.blockHash, hash));
  const pv = atLow(c.low.blockHash);
  const pv2 = atLow(c.high.blockHash);
  return withConvicted(next, pv && pv2 ? intersect(pv.signers, pv2.signers) : []);
}

/** Expires every open obligation due at or before `nowMs`: its owers are convicted. */
export function expireForkCase(c: ForkCaseState, nowMs: number): ForkCaseStep {
  const guilty: number[] = [];
  const obligations = c.obligations.map((o) => {
    if (o.status !== OBLIGATION_OPEN || o.deadlineMs > nowMs) return o;
    guilty.push(...o.owers);
    return { ...o, status: OBLIGATION_EXPIRED as ObligationStatus };
  });
  return withConvicted({ ...c, obligations }, guilty);
}

/** A case is open while one of its obligations is. */
export const isForkCaseOpen = isOpen;

/** The earliest deadline among the open obligations (undefined when closed). */
export function getNextForkCaseDeadline(c: ForkCaseState): number | undefined {
  const open = c.obligations.filter((o) => o.status === OBLIGATION_OPEN).map((o) => o.deadlineMs);
  return open.length ? Math.min(...open) : undefined;
}
