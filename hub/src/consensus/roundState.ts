import { hasOneThird, hasQuorum, toHex, VoteType, type ValidatorSet } from "@aegis/consumer-sdk";
import type { ProposerSchedule } from "./proposerSchedule.js";
import { Step, type Block, type Proposal, type Vote } from "./types.js";
import { getVoteKey, NIL_KEY, VoteSet } from "./voteSet.js";

/**
 * The Tendermint round state machine ("The latest gossip on BFT consensus", Buchman, Kwon, Milosevic,
 * arXiv:1807.04938, Algorithm 1), with stake-weighted quorums: "2f+1" is more than 2/3 of the power,
 * "f+1" more than 1/3.
 *
 * Pure: `applyConsensusEvent(state, event, now)` depends on nothing but its arguments. It reads no
 * clock, does no I/O and no cryptography; signatures were checked before an event is built, and
 * signing, sending, persisting and timers are effects that the engine loop carries out. For speed the
 * state (vote sets) is updated in place: it is owned by that one loop, which CometBFT also requires
 * ("receiveRoutine is the only thing that updates RoundState").
 */

export interface TimeoutConfig {
  proposeMs: number;
  proposeDeltaMs: number;
  prevoteMs: number;
  prevoteDeltaMs: number;
  precommitMs: number;
  precommitDeltaMs: number;
}

export const DEFAULT_TIMEOUTS: TimeoutConfig = {
  proposeMs: 3000,
  proposeDeltaMs: 500,
  prevoteMs: 1000,
  prevoteDeltaMs: 500,
  precommitMs: 1000,
  precommitDeltaMs: 500,
};

/** Messages this many rounds above ours are dropped (bounds memory against Byzantine round spam). */
export const MAX_ROUND_AHEAD = 1024;
/**
 * Votes up to this many rounds above ours are stored; for later rounds only the sender's
 * participation is noted (enough for round skipping, rule 55). Peers re-send their current votes, so
 * a node that skips ahead gets them again.
 */
export const VOTE_STORE_ROUNDS_AHEAD = 16;

export interface ProposalRecord {
  proposal: Proposal;
  block: Block;
  /** Hex of the block hash. */
  key: string;
  /** valid(v) of the paper: the block is well formed and extends our chain. Decided by the engine. */
  valid: boolean;
}

export interface RoundState {
  chainId: string;
  height: number;
  round: number;
  step: Step;
  validatorSet: ValidatorSet;
  schedule: ProposerSchedule;
  /** Our index in the validator set, or null on a node that does not vote. */
  selfIndex: number | null;
  timeouts: TimeoutConfig;
  lockedRound: number;
  lockedBlock: ProposalRecord | null;
  validRound: number;
  validBlock: ProposalRecord | null;
  proposals: Map<number, ProposalRecord>;
  prevotes: Map<number, VoteSet>;
  precommits: Map<number, VoteSet>;
  /** Power of validators seen sending anything in a round (rule 55, round skipping). */
  roundParticipants: Map<number, Map<number, bigint>>;
  /** "for the first time" guards of rules 34, 36 and 47, per round. */
  prevoteTimeoutScheduled: Set<number>;
  polkaProcessed: Set<number>;
  precommitTimeoutScheduled: Set<number>;
  decided: { round: number; record: ProposalRecord } | null;
  /** `missingBlock` already reported, per "round:key" (report once). */
  missingReported: Set<string>;
  /** When the current height started (Unix ms), for latency metrics. */
  heightStartedAt: number;
}

export type ConsensusEvent =
  | { kind: "proposal"; proposal: Proposal; block: Block; blockHash: Uint8Array; valid: boolean }
  | { kind: "vote"; vote: Vote }
  | { kind: "timeout"; height: number; round: number; step: Step.Propose | Step.Prevote | Step.Precommit };

export type ConsensusEffect =
  /** We are the proposer: re-propose `validBlock` when set, else build a new block. */
  | { kind: "propose"; height: number; round: number; polRound: number; validBlock: Block | null }
  | { kind: "vote"; type: VoteType; height: number; round: number; blockHash: Uint8Array | null }
  | { kind: "scheduleTimeout"; height: number; round: number; step: Step.Propose | Step.Prevote | Step.Precommit; durationMs: number }
  /** Decided: the engine persists the block with a certificate built from `precommits`, then starts the next height. */
  | { kind: "commit"; height: number; round: number; block: Block; blockHash: Uint8Array; precommits: Vote[] }
  /**
   * A polka: the prevotes of `round` for `blockHash` just reached more than 2/3 of the power (once
   * per round and block). `prevotes` are exactly those votes, one per validator. Reported before any
   * effect it causes, so the engine stores the polka before it signs a vote that relies on it.
   */
  | { kind: "polka"; height: number; round: number; blockHash: Uint8Array; prevotes: Vote[] }
  /** Two conflicting votes of one validator. */
  | { kind: "evidence"; voteA: Vote; voteB: Vote }
  /** More than 2/3 precommitted a block we do not have: fetch it from peers. */
  | { kind: "missingBlock"; height: number; round: number; blockHash: string }
  /** The round advanced (for logs and metrics). */
  | { kind: "newRound"; height: number; round: number };

export interface StartHeightParams {
  chainId: string;
  height: number;
  validatorSet: ValidatorSet;
  schedule: ProposerSchedule;
  selfIndex: number | null;
  timeouts?: TimeoutConfig;
}

export function createRoundState(p: StartHeightParams, now: number): RoundState {
  return {
    chainId: p.chainId,
    height: p.height,
    round: 0,
    step: Step.Propose,
    validatorSet: p.validatorSet,
    schedule: p.schedule,
    selfIndex: p.selfIndex,
    timeouts: p.timeouts ?? DEFAULT_TIMEOUTS,
    lockedRound: -1,
    lockedBlock: null,
    validRound: -1,
    validBlock: null,
    proposals: new Map(),
    prevotes: new Map(),
    precommits: new Map(),
    roundParticipants: new Map(),
    prevoteTimeoutScheduled: new Set(),
    polkaProcessed: new Set(),
    precommitTimeoutScheduled: new Set(),
    decided: null,
    missingReported: new Set(),
    heightStartedAt: now,
  };
}

/** Starts round 0 of the state's height (line 10 of the algorithm). */
export function startHeight(p: StartHeightParams, now: number): { state: RoundState; effects: ConsensusEffect[] } {
  const state = createRoundState(p, now);
  const effects: ConsensusEffect[] = [];
  startRound(state, 0, effects);
  return { state, effects };
}

export function getProposerIndex(state: RoundState, round: number): number {
  return state.schedule.getProposerIndex(state.height, round);
}

export function getTimeoutMs(t: TimeoutConfig, step: Step.Propose | Step.Prevote | Step.Precommit, round: number): number {
  switch (step) {
    case Step.Propose:
      return t.proposeMs + t.proposeDeltaMs * round;
    case Step.Prevote:
      return t.prevoteMs + t.prevoteDeltaMs * round;
    case Step.Precommit:
      return t.precommitMs + t.precommitDeltaMs * round;
  }
}

export function applyConsensusEvent(state: RoundState, event: ConsensusEvent, _now: number): ConsensusEffect[] {
  const effects: ConsensusEffect[] = [];
  if (state.decided) return effects;
  switch (event.kind) {
    case "proposal":
      onProposal(state, event, effects);
      break;
    case "vote":
      onVote(state, event.vote, effects);
      break;
    case "timeout":
      onTimeout(state, event, effects);
      break;
  }
  return effects;
}

// ---------------------------------------------------------------- transitions

function startRound(state: RoundState, round: number, effects: ConsensusEffect[]): void {
  state.round = round;
  state.step = Step.Propose;
  effects.push({ kind: "newRound", height: state.height, round });
  if (state.selfIndex !== null && getProposerIndex(state, round) === state.selfIndex) {
    effects.push({
      kind: "propose",
      height: state.height,
      round,
      polRound: state.validRound,
      validBlock: state.validBlock ? state.validBlock.block : null,
    });
  }
  // The proposer too (as CometBFT's enterPropose), unlike line 21 of the paper, which assumes the
  // proposer's own proposal always reaches it. Here proposing can fail: the signer's guard refuses a
  // new block after a crash lost the one it signed, or the application cannot build one. Without this
  // timeout the proposer stays in the propose step of the round for good, and with it the others,
  // waiting for the 2/3 of prevotes that line 34 needs to time the round out.
  scheduleTimeout(state, Step.Propose, effects);
  // Messages for this round may have arrived before we got here.
  checkRules(state, effects);
}

function scheduleTimeout(state: RoundState, step: Step.Propose | Step.Prevote | Step.Precommit, effects: ConsensusEffect[]): void {
  effects.push({ kind: "scheduleTimeout", height: state.height, round: state.round, step, durationMs: getTimeoutMs(state.timeouts, step, state.round) });
}

function castVote(state: RoundState, type: VoteType, blockHash: Uint8Array | null, effects: ConsensusEffect[]): void {
  if (state.selfIndex === null) return;
  effects.push({ kind: "vote", type, height: state.height, round: state.round, blockHash });
}

function isInRoundWindow(state: RoundState, round: number): boolean {
  return round >= 0 && round <= state.round + MAX_ROUND_AHEAD;
}

/**
 * Whether a proposal for `blockHash` could change the state, judged before its block is validated
 * (the engine skips the validation and execution of one that cannot: a rebroadcast copy, another
 * round's, an equivocating proposer's other block nobody precommitted). The first proposal of a
 * round counts. An equivocating proposer's other block is taken in only when more than 2/3
 * precommitted it, so a node that first saw the other block can still decide.
 */
export function isProposalWanted(state: RoundState, p: Proposal, blockHash: Uint8Array): boolean {
  if (p.height !== state.height || !isInRoundWindow(state, p.round)) return false;
  if (p.proposerIndex !== getProposerIndex(state, p.round)) return false; // not this round's proposer
  const existing = state.proposals.get(p.round);
  if (!existing) return true;
  const key = toHex(blockHash);
  return existing.key !== key && hasPrecommitQuorumFor(state, key);
}

function onProposal(state: RoundState, ev: Extract<ConsensusEvent, { kind: "proposal" }>, effects: ConsensusEffect[]): void {
  const p = ev.proposal;
  if (!isProposalWanted(state, p, ev.blockHash)) return;
  // An invalid block never replaces the round's first proposal.
  if (state.proposals.has(p.round) && !ev.valid) return;
  const key = toHex(ev.blockHash);
  state.proposals.set(p.round, { proposal: p, block: ev.block, key, valid: ev.valid });
  notePartipant(state, p.round, p.proposerIndex);
  checkRules(state, effects);
}

function hasPrecommitQuorumFor(state: RoundState, key: string): boolean {
  for (const set of state.precommits.values()) if (hasQuorum(set.powerFor(key), state.validatorSet.totalPower)) return true;
  return false;
}

function onVote(state: RoundState, vote: Vote, effects: ConsensusEffect[]): void {
  if (vote.height !== state.height || !isInRoundWindow(state, vote.round)) return;
  const validator = state.validatorSet.validators[vote.validatorIndex];
  if (!validator) return;
  if (vote.round > state.round + VOTE_STORE_ROUNDS_AHEAD) {
    notePartipant(state, vote.round, vote.validatorIndex);
    checkRules(state, effects);
    return;
  }
  const sets = vote.type === VoteType.Prevote ? state.prevotes : state.precommits;
  let set = sets.get(vote.round);
  if (!set) {
    set = new VoteSet();
    sets.set(vote.round, set);
  }
  const res = set.add(vote, validator.power);
  if (res.kind === "duplicate") return;
  if (res.kind === "conflict") {
    effects.push({ kind: "evidence", voteA: res.existing, voteB: vote });
    if (!res.counted) return;
  }
  if (vote.type === VoteType.Prevote && vote.blockHash) {
    // The vote that takes the block's power over 2/3 (power only grows, so this happens once).
    const key = getVoteKey(vote.blockHash);
    const power = set.powerFor(key);
    const total = state.validatorSet.totalPower;
    if (hasQuorum(power, total) && !hasQuorum(power - validator.power, total)) {
      effects.push({ kind: "polka", height: state.height, round: vote.round, blockHash: vote.blockHash, prevotes: set.votesFor(key) });
    }
  }
  notePartipant(state, vote.round, vote.validatorIndex);
  checkRules(state, effects);
}

function notePartipant(state: RoundState, round: number, index: number): void {
  let m = state.roundParticipants.get(round);
  if (!m) {
    m = new Map();
    state.roundParticipants.set(round, m);
  }
  if (!m.has(index)) m.set(index, state.validatorSet.validators[index]!.power);
}

function onTimeout(state: RoundState, ev: Extract<ConsensusEvent, { kind: "timeout" }>, effects: ConsensusEffect[]): void {
  if (ev.height !== state.height || ev.round !== state.round) return;
  if (ev.step === Step.Propose && state.step === Step.Propose) {
    // line 57: OnTimeoutPropose
    castVote(state, VoteType.Prevote, null, effects);
    state.step = Step.Prevote;
    checkRules(state, effects);
  } else if (ev.step === Step.Prevote && state.step === Step.Prevote) {
    // line 61: OnTimeoutPrevote
    castVote(state, VoteType.Precommit, null, effects);
    state.step = Step.Precommit;
    checkRules(state, effects);
  } else if (ev.step === Step.Precommit) {
    // line 65: OnTimeoutPrecommit
    startRound(state, state.round + 1, effects);
  }
}

/**
 * Re-evaluates every "upon" rule against the current state until none fires. Each rule changes the
 * step, the round or a "first time" guard when it fires, so the loop terminates.
 */
function checkRules(state: RoundState, effects: ConsensusEffect[]): void {
  for (let guard = 0; guard < 64; guard++) {
    if (state.decided) return;
    if (!fireOneRule(state, effects)) return;
  }
}

function fireOneRule(state: RoundState, effects: ConsensusEffect[]): boolean {
  const total = state.validatorSet.totalPower;
  const r = state.round;
  const proposal = state.proposals.get(r);
  const prevotes = state.prevotes.get(r);

  // line 49: a proposal of any round with 2f+1 precommits for it -> decide.
  for (const [round, precommits] of state.precommits) {
    const lead = precommits.leading();
    if (!lead || lead.key === NIL_KEY || !hasQuorum(lead.power, total)) continue;
    const rec = state.proposals.get(round);
    const record = rec && rec.key === lead.key ? rec : findRecordByKey(state, lead.key);
    if (!record) {
      const tag = `${round}:${lead.key}`;
      if (!state.missingReported.has(tag)) {
        state.missingReported.add(tag);
        effects.push({ kind: "missingBlock", height: state.height, round, blockHash: lead.key });
      }
      continue;
    }
    if (!record.valid) continue;
    state.decided = { round, record };
    state.step = Step.Commit;
    effects.push({
      kind: "commit",
      height: state.height,
      round,
      block: record.block,
      blockHash: record.proposal.blockHash,
      precommits: precommits.votesFor(lead.key),
    });
    return false;
  }

  // line 55: f+1 of the power is already in a higher round -> jump there.
  for (const [round, participants] of state.roundParticipants) {
    if (round <= r) continue;
    let power = 0n;
    for (const p of participants.values()) power += p;
    if (hasOneThird(power, total)) {
      startRound(state, round, effects);
      return true;
    }
  }

  if (state.step === Step.Propose && proposal) {
    const p = proposal.proposal;
    if (p.polRound === -1) {
      // line 22
      const ok = proposal.valid && (state.lockedRound === -1 || state.lockedBlock?.key === proposal.key);
      castVote(state, VoteType.Prevote, ok ? p.blockHash : null, effects);
      state.step = Step.Prevote;
      return true;
    }
    const polPrevotes = state.prevotes.get(p.polRound);
    if (p.polRound < r && polPrevotes && hasQuorum(polPrevotes.powerFor(proposal.key), total)) {
      // line 28
      const ok = proposal.valid && (state.lockedRound <= p.polRound || state.lockedBlock?.key === proposal.key);
      castVote(state, VoteType.Prevote, ok ? p.blockHash : null, effects);
      state.step = Step.Prevote;
      return true;
    }
  }

  if (state.step === Step.Prevote && prevotes && hasQuorum(prevotes.totalPower, total) && !state.prevoteTimeoutScheduled.has(r)) {
    // line 34
    state.prevoteTimeoutScheduled.add(r);
    scheduleTimeout(state, Step.Prevote, effects);
    return true;
  }

  if (
    proposal &&
    proposal.valid &&
    state.step >= Step.Prevote &&
    prevotes &&
    !state.polkaProcessed.has(r) &&
    hasQuorum(prevotes.powerFor(proposal.key), total)
  ) {
    // line 36
    state.polkaProcessed.add(r);
    if (state.step === Step.Prevote) {
      state.lockedBlock = proposal;
      state.lockedRound = r;
      castVote(state, VoteType.Precommit, proposal.proposal.blockHash, effects);
      state.step = Step.Precommit;
    }
    state.validBlock = proposal;
    state.validRound = r;
    return true;
  }

  if (state.step === Step.Prevote && prevotes && hasQuorum(prevotes.powerFor(NIL_KEY), total)) {
    // line 44
    castVote(state, VoteType.Precommit, null, effects);
    state.step = Step.Precommit;
    return true;
  }

  const precommits = state.precommits.get(r);
  if (precommits && hasQuorum(precommits.totalPower, total) && !state.precommitTimeoutScheduled.has(r)) {
    // line 47
    state.precommitTimeoutScheduled.add(r);
    scheduleTimeout(state, Step.Precommit, effects);
    return true;
  }

  return false;
}

/** Rounds (the current one and those just before it) whose votes, everyone's, a node relays at each rebroadcast. */
export const RELAY_ROUNDS = 2;

/**
 * The votes a node sends again while its height does not move (CometBFT's gossipVotesRoutine does
 * the same, peer by peer): its own votes of the last `ownRounds` rounds up to the current one; every
 * vote it counted of the last RELAY_ROUNDS rounds, whoever signed it; and the prevotes of the polkas
 * a peer needs to follow a re-proposal (line 28) — the one behind our valid block (the POL we propose
 * it with) and the one the current round's proposal names.
 *
 * The algorithm's liveness assumes gossip: a message one correct process received reaches every
 * correct process. Honest validators re-send their own votes, but nobody re-sends a double voter's
 * (or a vote a Byzantine validator sent to a few), so when it was lost on the way to some nodes only
 * those that got it can act on it, and the others never can:
 *   - a polka holding it: the nodes that saw it lock on its block and prevote nil on anything else,
 *     the others, without the POL, prevote nil on its re-proposals; neither side reaches 2/3 again;
 *   - 2/3 of the precommits (or prevotes) of any value holding it: the nodes that saw it time the
 *     round out and move on, the others wait in that round for 2/3 that never comes, and the ones
 *     ahead wait for them.
 * Relaying the last rounds' votes also brings a node that fell behind by rounds up: votes of a later
 * round from more than a third of the power make it skip there (line 55). Pure: reads the state only.
 */
export function getVotesToRebroadcast(state: RoundState, ownRounds: number): Vote[] {
  const out = new Set<Vote>();
  if (state.selfIndex !== null) {
    for (let round = Math.max(0, state.round - ownRounds + 1); round <= state.round; round++) {
      for (const sets of [state.prevotes, state.precommits]) {
        const own = sets.get(round)?.get(state.selfIndex);
        if (own) out.add(own);
      }
    }
  }
  for (let round = Math.max(0, state.round - RELAY_ROUNDS + 1); round <= state.round; round++) {
    for (const sets of [state.prevotes, state.precommits]) for (const v of sets.get(round)?.counted() ?? []) out.add(v);
  }
  const polkas: { round: number; key: string }[] = [];
  if (state.validBlock) polkas.push({ round: state.validRound, key: state.validBlock.key });
  const proposal = state.proposals.get(state.round);
  if (proposal && proposal.proposal.polRound >= 0) polkas.push({ round: proposal.proposal.polRound, key: proposal.key });
  for (const { round, key } of polkas) {
    const set = state.prevotes.get(round);
    if (!set || !hasQuorum(set.powerFor(key), state.validatorSet.totalPower)) continue;
    for (const v of set.votesFor(key)) out.add(v);
  }
  return [...out];
}

function findRecordByKey(state: RoundState, key: string): ProposalRecord | null {
  for (const rec of state.proposals.values()) if (rec.key === key) return rec;
  return null;
}

/** The vote key of a block hash, re-exported for the engine. */
export { getVoteKey };
