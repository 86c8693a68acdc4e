import { aegis } from "@aegis/proto";
import { concatBytes, isCommitWantedByForkCase, sha256, utf8, type CrossRoundFork, type CrossTierFork, type ForkCommitRef } from "@aegis/consumer-sdk";
import type { KVStore, ReadonlyKVStore } from "../../../state/index.js";
import { decodeU64, encodeU64 } from "../../storeKeys.js";
import type { TxEvent } from "../../txEvents.js";
import { getStakingParams, getValidatorSetForHeight } from "../staking/index.js";
import { getPunishableSet, processForkConvictions, type DoubleSignReason, type DuplicateVoteResult, type EvidenceContext } from "./evidence.js";
import {
  expireForkCase,
  getNextForkCaseDeadline,
  isForkCaseOpen,
  isPolkaWanted,
  openCrossTierCase,
  openForkCase,
  postCommitToForkCase,
  postPolkaToForkCase,
  withConvicted,
  type ForkCaseState,
  type ForkCaseStep,
  type ForkObligation,
  type ObligationStatus,
  type PolkaRef,
} from "./forkCaseRules.js";
import { consensusBech32, getBlockTime, getForkCaseResponseMs, SlashingKeyPrefix } from "./state.js";

/*
 * Fork cases across rounds in the store (decision 52; the rules: forkCaseRules.ts). A case lives under
 * its id for good (its record says what was asked, posted and convicted); an index of open cases is
 * what the block end scans for deadlines, and one key per fork (height, both rounds and blocks) keeps a
 * fork from being opened twice.
 */

const pb = aegis.slashing.v1;
const caseKey = (id: number) => concatBytes(Uint8Array.of(SlashingKeyPrefix.ForkCase), encodeU64(BigInt(id)));
const openKey = (id: number) => concatBytes(Uint8Array.of(SlashingKeyPrefix.OpenForkCase), encodeU64(BigInt(id)));
const NEXT_ID_KEY = Uint8Array.of(SlashingKeyPrefix.NextForkCaseId);

const u32 = (n: number) => Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);

function forkKey(fork: CrossRoundFork): Uint8Array {
  const digest = sha256(concatBytes(u32(fork.low.round), fork.low.blockHash, u32(fork.high.round), fork.high.blockHash));
  return concatBytes(Uint8Array.of(SlashingKeyPrefix.ForkCaseByFork), encodeU64(BigInt(fork.height)), digest);
}

function crossTierKey(fork: CrossTierFork): Uint8Array {
  const digest = sha256(concatBytes(utf8("tiers"), u32(fork.bls.round), fork.bls.blockHash, fork.zk.blockHash));
  return concatBytes(Uint8Array.of(SlashingKeyPrefix.ForkCaseByFork), encodeU64(BigInt(fork.height)), digest);
}

function nextCaseId(store: KVStore): number {
  const raw = store.get(NEXT_ID_KEY);
  const id = raw ? Number(decodeU64(raw)) : 1;
  store.set(NEXT_ID_KEY, encodeU64(BigInt(id + 1)));
  return id;
}

function encodeCase(c: ForkCaseState): Uint8Array {
  const vs = (v: PolkaRef) => ({ round: v.round, block_hash: v.blockHash, signers: v.signers });
  const ob = (o: ForkObligation) => ({ block_hash: o.blockHash, min_round: o.minRound, max_round: o.maxRound, owers: o.owers, deadline_ms: o.deadlineMs, status: o.status });
  return pb.ForkCase.encode({
    id: c.id,
    height: c.height,
    kind: c.kind === "tiers" ? 1 : 0,
    low: vs(c.low),
    high: vs(c.high),
    opened_ms: c.openedMs,
    polkas: c.polkas.map(vs),
    obligations: c.obligations.map(ob),
    convicted: c.convicted,
  }).finish();
}

function decodeCase(raw: Uint8Array): ForkCaseState {
  const m = pb.ForkCase.decode(raw);
  const num = (x: number | { toNumber(): number } | null | undefined) => (typeof x === "number" ? x : x ? x.toNumber() : 0);
  const vs = (v: aegis.slashing.v1.IForkVoteSet | null | undefined): PolkaRef => ({ round: v?.round ?? 0, blockHash: v?.block_hash ?? new Uint8Array(32), signers: [...(v?.signers ?? [])] });
  return {
    id: num(m.id),
    height: num(m.height),
    kind: m.kind === 1 ? "tiers" : "rounds",
    low: vs(m.low),
    high: vs(m.high),
    openedMs: num(m.opened_ms),
    polkas: m.polkas.map(vs),
    obligations: m.obligations.map((o) => ({
      blockHash: o.block_hash ?? new Uint8Array(32),
      minRound: o.min_round ?? 0,
      maxRound: o.max_round ?? 0,
      owers: [...(o.owers ?? [])],
      deadlineMs: num(o.deadline_ms),
      status: (o.status ?? 0) as ObligationStatus,
    })),
    convicted: [...m.convicted],
  };
}

export function getForkCase(store: ReadonlyKVStore, id: number): ForkCaseState | undefined {
  const raw = store.get(caseKey(id));
  return raw ? decodeCase(raw) : undefined;
}

function putForkCase(store: KVStore, c: ForkCaseState): void {
  store.set(caseKey(c.id), encodeCase(c));
  if (isForkCaseOpen(c)) store.set(openKey(c.id), Uint8Array.of(1));
  else if (store.get(openKey(c.id))) store.delete(openKey(c.id));
}

/** The open cases, by id. */
export function getOpenForkCases(store: ReadonlyKVStore): ForkCaseState[] {
  const out: ForkCaseState[] = [];
  for (const [k] of store.iterate(Uint8Array.of(SlashingKeyPrefix.OpenForkCase))) {
    const c = getForkCase(store, Number(decodeU64(k.subarray(1))));
    if (c) out.push(c);
  }
  return out;
}

/** Every case (open or closed), by id: for queries. */
export function getForkCases(store: ReadonlyKVStore): ForkCaseState[] {
  const out: ForkCaseState[] = [];
  for (const [, v] of store.iterate(Uint8Array.of(SlashingKeyPrefix.ForkCase))) out.push(decodeCase(v));
  return out;
}

export interface ForkCaseOutcome {
  caseId: number;
  results: DuplicateVoteResult[];
  events: TxEvent[];
}

const caseEvent = (type: string, c: ForkCaseState, extra: { key: string; value: string }[] = []): TxEvent => ({
  type,
  attributes: [{ key: "case_id", value: String(c.id) }, { key: "height", value: String(c.height) }, ...extra],
});

function convict(store: KVStore, c: ForkCaseState, step: ForkCaseStep, ctx: EvidenceContext, reason: DoubleSignReason): DuplicateVoteResult[] {
  if (step.convicted.length === 0) return [];
  const set = ctx.getSet?.(c.height) ?? getValidatorSetForHeight(store, c.height);
  if (!set) return [];
  return processForkConvictions(store, set, c.height, step.convicted, ctx, reason);
}

/**
 * Opens a case for a verified fork across rounds (consumer-sdk assertBlsCrossRoundFork against the set
 * getPunishableSet gave). Refused (`fail`) when this fork already has a case, or when the case could
 * not end within the unbonding period: the infraction's age plus one response period per round between
 * the commits, plus one.
 */
export function processOpenForkCase(store: KVStore, fork: CrossRoundFork, ctx: EvidenceContext, fail: (reason: string) => never): ForkCaseOutcome {
  const key = forkKey(fork);
  const existing = store.get(key);
  if (existing) fail(`this fork at height ${fork.height} already has case ${decodeU64(existing)}`);
  const responseMs = getForkCaseResponseMs(store);
  const infractionTime = getBlockTime(store, fork.height) ?? ctx.time;
  const longest = (fork.high.round - fork.low.round + 2) * responseMs;
  if (ctx.time - infractionTime + longest > getStakingParams(store).unbondingTimeMs) {
    fail(`a case for height ${fork.height} could take ${longest} ms more and would outlive the unbonding period`);
  }
  const id = nextCaseId(store);
  store.set(key, encodeU64(BigInt(id)));
  const c = openForkCase(id, fork, ctx.time, responseMs);
  putForkCase(store, c);
  const events = [
    caseEvent("hub_fork_case", c, [
      { key: "low_round", value: String(fork.low.round) },
      { key: "high_round", value: String(fork.high.round) },
      { key: "deadline_ms", value: String(getNextForkCaseDeadline(c)) },
    ]),
  ];
  return { caseId: id, results: [], events };
}

/**
 * Opens a case across tiers for a verified pair (consumer-sdk assertCrossTierFork). Refused (`fail`)
 * when this pair already has a case, or when the case and the case across rounds it may lead to could
 * not end within the unbonding period (the infraction's age plus three response periods).
 */
export function processOpenCrossTierCase(store: KVStore, fork: CrossTierFork, ctx: EvidenceContext, fail: (reason: string) => never): ForkCaseOutcome {
  const key = crossTierKey(fork);
  const existing = store.get(key);
  if (existing) fail(`this fork at height ${fork.height} already has case ${decodeU64(existing)}`);
  const responseMs = getForkCaseResponseMs(store);
  const infractionTime = getBlockTime(store, fork.height) ?? ctx.time;
  if (ctx.time - infractionTime + 3 * responseMs > getStakingParams(store).unbondingTimeMs) {
    fail(`a case for height ${fork.height} could take ${3 * responseMs} ms more and would outlive the unbonding period`);
  }
  const id = nextCaseId(store);
  store.set(key, encodeU64(BigInt(id)));
  const c = openCrossTierCase(id, fork, ctx.time, responseMs);
  putForkCase(store, c);
  return { caseId: id, results: [], events: [caseEvent("hub_fork_case", c, [{ key: "kind", value: "tiers" }, { key: "bls_round", value: String(fork.bls.round) }, { key: "deadline_ms", value: String(getNextForkCaseDeadline(c)) }])] };
}

/** The open cases across tiers of `height` that ask for a BLS commit of `blockHash`. */
export function getCasesWantingCommit(store: ReadonlyKVStore, height: number, blockHash: Uint8Array): ForkCaseState[] {
  return getOpenForkCases(store).filter((c) => c.height === height && isCommitWantedByForkCase(c, blockHash));
}

/**
 * Posts a verified BLS commit (of the ZK certificate's block) to each open case across tiers that asks
 * for it: the obligation is met, and with the case's own BLS commit it makes a pair, judged at once:
 * of one round, those in both are slashed (reason "hub_fork"); of two rounds, a case across rounds
 * opens (unless that fork has one already). `fail` is for that opening's refusals.
 */
export function processPostCommit(store: KVStore, commit: ForkCommitRef & { height: number }, ctx: EvidenceContext, fail: (reason: string) => never): { outcomes: ForkCaseOutcome[]; openedCaseId: number } {
  let openedCaseId = 0;
  const outcomes = getCasesWantingCommit(store, commit.height, commit.blockHash).map((c) => {
    const next = postCommitToForkCase(c, commit)!;
    putForkCase(store, next);
    const events: TxEvent[] = [caseEvent("hub_fork_case_commit", next, [{ key: "round", value: String(commit.round) }])];
    let results: DuplicateVoteResult[] = [];
    if (commit.round === c.low.round) {
      const step = withConvicted(next, c.low.signers.filter((i) => commit.signers.includes(i)));
      putForkCase(store, step.next);
      results = convict(store, step.next, step, ctx, "hub_fork");
    } else {
      const pair: CrossRoundFork = commit.round < c.low.round ? { height: c.height, low: commit, high: c.low } : { height: c.height, low: c.low, high: commit };
      if (!store.get(forkKey(pair))) {
        const opened = processOpenForkCase(store, pair, ctx, fail);
        openedCaseId = opened.caseId;
        events.push(...opened.events);
      }
    }
    events.push(...results.flatMap((r) => r.events));
    return { caseId: c.id, results, events };
  });
  return { outcomes, openedCaseId };
}

/** The open cases of `height` that want a polka for (round, block). */
export function getCasesWantingPolka(store: ReadonlyKVStore, height: number, p: { round: number; blockHash: Uint8Array }): ForkCaseState[] {
  return getOpenForkCases(store).filter((c) => c.height === height && isPolkaWanted(c, p));
}

/** Posts a verified polka to each open case of its height that wants it; convicts what that reveals. */
export function processPostPolka(store: KVStore, polka: PolkaRef & { height: number }, ctx: EvidenceContext): ForkCaseOutcome[] {
  const responseMs = getForkCaseResponseMs(store);
  return getCasesWantingPolka(store, polka.height, polka).map((c) => {
    const step = postPolkaToForkCase(c, polka, ctx.time, responseMs)!;
    putForkCase(store, step.next);
    const results = convict(store, step.next, step, ctx, "hub_fork_double_prevote");
    const events = [caseEvent("hub_fork_case_polka", step.next, [{ key: "round", value: String(polka.round) }, { key: "convicted", value: String(step.convicted.length) }]), ...results.flatMap((r) => r.events)];
    return { caseId: c.id, results, events };
  });
}

/** Block end: every open obligation past its deadline convicts its owers (those not yet tombstoned are slashed). */
export function processForkCaseDeadlines(store: KVStore, ctx: EvidenceContext): TxEvent[] {
  const events: TxEvent[] = [];
  for (const c of getOpenForkCases(store)) {
    const due = getNextForkCaseDeadline(c);
    if (due === undefined || due > ctx.time) continue;
    const step = expireForkCase(c, ctx.time);
    putForkCase(store, step.next);
    let results: DuplicateVoteResult[] = [];
    try {
      // The set is gone only past the unbonding period, which processOpenForkCase rules out; never fail a block over it.
      getPunishableSet(store, c.height, ctx, (reason) => {
        throw new Error(reason);
      });
      results = convict(store, step.next, step, ctx, "hub_fork_unanswered");
    } catch {
      results = [];
    }
    events.push(caseEvent("hub_fork_case_expired", step.next, [{ key: "convicted", value: String(step.convicted.length) }, { key: "closed", value: String(!isForkCaseOpen(step.next)) }]), ...results.flatMap((r) => r.events));
  }
  return events;
}

/** The consensus addresses of a case's outcome (for a message's response). */
export function slashedAddresses(outcomes: readonly ForkCaseOutcome[]): string[] {
  return outcomes.flatMap((o) => o.results.map((r) => consensusBech32(r.consensusAddress)));
}
