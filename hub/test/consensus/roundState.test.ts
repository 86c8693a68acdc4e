/**
 * Rules of the Tendermint round state machine (hub/src/consensus/roundState.ts), one at a time, with
 * 4 equal-power validators unless a weighted set is needed. The engine's part (delivering our own
 * votes and proposals back to us) is done by hand here.
 */
import { computeBlockHash, toHex, VoteType, ZERO_HASH, type ValidatorSet } from "@aegis/consumer-sdk";
import {
  applyConsensusEvent,
  DEFAULT_TIMEOUTS,
  getTimeoutMs,
  getProposerIndex,
  getVotesToRebroadcast,
  isProposalWanted,
  MAX_ROUND_AHEAD,
  MAX_VALUES_PER_VALIDATOR,
  ProposerSchedule,
  RELAY_ROUNDS,
  startHeight,
  Step,
  type Block,
  type ConsensusEffect,
  type ConsensusEvent,
  type RoundState,
  type TimeoutConfig,
  type Vote,
} from "../../src/consensus/index.js";

// --------------------------------------------------------------------------------- fixtures

const CHAIN_ID = "aegis-test";
const SIG = new Uint8Array(96);

function makeSet(powers: readonly number[]): ValidatorSet {
  const validators = powers.map((p, i) => {
    const blsPublicKey = new Uint8Array(48).fill(i + 1);
    const address = new Uint8Array(20).fill(i + 1);
    return { address, blsPublicKey, power: BigInt(p) };
  });
  return { validators, totalPower: powers.reduce((a, b) => a + BigInt(b), 0n) };
}

function makeBlock(height: number, tag: number): { block: Block; hash: Uint8Array; key: string } {
  const block: Block = {
    header: {
      chainId: CHAIN_ID,
      height,
      time: 1_700_000_000_000 + height,
      parentHash: ZERO_HASH,
      txRoot: ZERO_HASH,
      stateRoot: new Uint8Array(32).fill(tag),
      consumerCheckpointRoot: ZERO_HASH,
      validatorSetRoot: ZERO_HASH,
      nextValidatorSetRoot: ZERO_HASH,
      proposer: new Uint8Array(20),
      lastCommitHash: ZERO_HASH,
      evidenceRoot: ZERO_HASH,
    },
    txs: [],
    lastCommit: null,
    evidence: [],
  };
  const hash = computeBlockHash(block.header);
  return { block, hash, key: toHex(hash) };
}

const A = makeBlock(1, 0xa);
const B = makeBlock(1, 0xb);

interface Node {
  state: RoundState;
  self: number;
  /** Every effect so far, in order. */
  log: ConsensusEffect[];
}

function start(self: number, powers: readonly number[] = [1, 1, 1, 1], timeouts: TimeoutConfig = DEFAULT_TIMEOUTS): Node & { effects: ConsensusEffect[] } {
  const set = makeSet(powers);
  const { state, effects } = startHeight({ chainId: CHAIN_ID, height: 1, validatorSet: set, schedule: new ProposerSchedule(set, 1), selfIndex: self, timeouts }, 0);
  return { state, self, log: [...effects], effects };
}

function apply(node: Node, event: ConsensusEvent): ConsensusEffect[] {
  const effects = applyConsensusEvent(node.state, event, 1000);
  node.log.push(...effects);
  return effects;
}

function proposal(
  round: number,
  proposerIndex: number,
  b: { block: Block; hash: Uint8Array } = A,
  opts: { polRound?: number; valid?: boolean; height?: number } = {},
): ConsensusEvent {
  const height = opts.height ?? 1;
  return {
    kind: "proposal",
    proposal: { height, round, polRound: opts.polRound ?? -1, blockHash: b.hash, proposerIndex, signature: SIG },
    block: b.block,
    blockHash: b.hash,
    valid: opts.valid ?? true,
  };
}

function voteOf(type: VoteType, round: number, validatorIndex: number, blockHash: Uint8Array | null, height = 1): Vote {
  return { type, height, round, blockHash, validatorIndex, signature: SIG };
}

const prevote = (round: number, v: number, hash: Uint8Array | null, height = 1): ConsensusEvent => ({ kind: "vote", vote: voteOf(VoteType.Prevote, round, v, hash, height) });
const precommit = (round: number, v: number, hash: Uint8Array | null, height = 1): ConsensusEvent => ({ kind: "vote", vote: voteOf(VoteType.Precommit, round, v, hash, height) });
const timeout = (round: number, step: Step.Propose | Step.Prevote | Step.Precommit, height = 1): ConsensusEvent => ({ kind: "timeout", height, round, step });

function votesIn(effects: readonly ConsensusEffect[]): Extract<ConsensusEffect, { kind: "vote" }>[] {
  return effects.filter((e): e is Extract<ConsensusEffect, { kind: "vote" }> => e.kind === "vote");
}

function voteValue(e: { blockHash: Uint8Array | null }): string {
  return e.blockHash ? toHex(e.blockHash) : "nil";
}

/** The engine delivers our own votes back to us; do the same for every vote effect in `effects`. */
function selfDeliver(node: Node, effects: readonly ConsensusEffect[]): ConsensusEffect[] {
  const out: ConsensusEffect[] = [];
  for (const e of votesIn(effects)) {
    const ev: ConsensusEvent = { kind: "vote", vote: voteOf(e.type, e.round, node.self, e.blockHash, e.height) };
    const more = apply(node, ev);
    out.push(...more, ...selfDeliver(node, more));
  }
  return out;
}

/** Applies the events in order, delivering our own votes back; returns all effects. */
function run(node: Node, events: readonly ConsensusEvent[]): ConsensusEffect[] {
  const out: ConsensusEffect[] = [];
  for (const ev of events) {
    const effects = apply(node, ev);
    out.push(...effects, ...selfDeliver(node, effects));
  }
  return out;
}

/** A deep copy of what the rules read and write (the schedule only memoizes and is left out). */
function snapshot(state: RoundState): unknown {
  return structuredClone({ ...state, schedule: null });
}

// With 4 equal validators the schedule proposes round r of height 1 at index r % 4.
describe("the schedule used by these tests", () => {
  test("4 equal validators: proposer(1, r) = r mod 4", () => {
    const s = new ProposerSchedule(makeSet([1, 1, 1, 1]), 1);
    expect([0, 1, 2, 3, 4, 5].map((r) => s.getProposerIndex(1, r))).toEqual([0, 1, 2, 3, 0, 1]);
  });
});

// ------------------------------------------------------------------------------ StartRound

describe("start of a height (round 0)", () => {
  test.each([
    { self: 0, proposes: true },
    { self: 1, proposes: false },
    { self: 2, proposes: false },
    { self: 3, proposes: false },
  ])("validator $self: proposes = $proposes", ({ self, proposes }) => {
    const { effects, state } = start(self);
    expect(state).toMatchObject({ height: 1, round: 0, step: Step.Propose, lockedRound: -1, validRound: -1 });
    expect(effects[0]).toEqual({ kind: "newRound", height: 1, round: 0 });
    // Everyone schedules the propose timeout, the proposer too (see the regressions below).
    expect(effects).toContainEqual({ kind: "scheduleTimeout", height: 1, round: 0, step: Step.Propose, durationMs: DEFAULT_TIMEOUTS.proposeMs });
    if (proposes) expect(effects).toContainEqual({ kind: "propose", height: 1, round: 0, polRound: -1, validBlock: null });
    else expect(effects.some((e) => e.kind === "propose")).toBe(false);
  });

  test("a node that does not vote (selfIndex null) never proposes or votes", () => {
    const set = makeSet([1, 1, 1, 1]);
    const { state, effects } = startHeight({ chainId: CHAIN_ID, height: 1, validatorSet: set, schedule: new ProposerSchedule(set, 1), selfIndex: null }, 0);
    expect(effects.some((e) => e.kind === "propose")).toBe(false);
    const node = { state, self: -1, log: [] };
    expect(votesIn(apply(node, proposal(0, 0)))).toEqual([]);
  });
});

// ----------------------------------------------------------------------------------- Prevote

describe("prevote step (lines 22, 57)", () => {
  test.each<{ name: string; event: ConsensusEvent; expected: string }>([
    { name: "a valid proposal: prevote the block", event: proposal(0, 0, A), expected: A.key },
    { name: "an invalid proposal: prevote nil", event: proposal(0, 0, A, { valid: false }), expected: "nil" },
    { name: "the propose timeout: prevote nil", event: timeout(0, Step.Propose), expected: "nil" },
  ])("$name", ({ event, expected }) => {
    const node = start(3);
    const votes = votesIn(apply(node, event));
    expect(votes).toHaveLength(1);
    expect(votes[0]).toMatchObject({ type: VoteType.Prevote, height: 1, round: 0 });
    expect(voteValue(votes[0]!)).toBe(expected);
    expect(node.state.step).toBe(Step.Prevote);
  });

  test("a propose timeout after the prevote, or of another round, does nothing", () => {
    const node = start(3);
    apply(node, proposal(0, 0, A));
    expect(apply(node, timeout(0, Step.Propose))).toEqual([]);
    expect(apply(node, timeout(1, Step.Propose))).toEqual([]);
  });

  test("the proposer prevotes its own proposal once the engine delivers it", () => {
    const node = start(0);
    expect(votesIn(apply(node, proposal(0, 0, A))).map(voteValue)).toEqual([A.key]);
  });
});

// --------------------------------------------------------------------------------- Precommit

describe("precommit step (lines 34, 36, 44, 61)", () => {
  test("a polka for the proposal: lock, set the valid block and precommit it", () => {
    const node = start(3);
    run(node, [proposal(0, 0, A), prevote(0, 0, A.hash)]);
    expect(node.state.step).toBe(Step.Prevote); // 2 of 4: no polka yet
    const effects = run(node, [prevote(0, 1, A.hash)]);
    const votes = votesIn(effects);
    expect(votes).toHaveLength(1);
    expect(votes[0]).toMatchObject({ type: VoteType.Precommit, round: 0 });
    expect(voteValue(votes[0]!)).toBe(A.key);
    expect(node.state).toMatchObject({ step: Step.Precommit, lockedRound: 0, validRound: 0 });
    expect(node.state.lockedBlock?.key).toBe(A.key);
    expect(node.state.validBlock?.key).toBe(A.key);
  });

  test("a polka seen after precommitting nil sets the valid block but not the lock", () => {
    const node = start(3);
    run(node, [proposal(0, 0, A), prevote(0, 0, null), prevote(0, 1, A.hash)]);
    run(node, [timeout(0, Step.Prevote)]); // precommit nil
    expect(node.state.step).toBe(Step.Precommit);
    expect(votesIn(run(node, [prevote(0, 2, A.hash)]))).toEqual([]);
    expect(node.state).toMatchObject({ lockedRound: -1, validRound: 0 });
    expect(node.state.validBlock?.key).toBe(A.key);
  });

  test("a nil polka: precommit nil without locking", () => {
    const node = start(3);
    const effects = run(node, [timeout(0, Step.Propose), prevote(0, 0, null), prevote(0, 1, null)]);
    const precommits = votesIn(effects).filter((v) => v.type === VoteType.Precommit);
    expect(precommits.map(voteValue)).toEqual(["nil"]);
    expect(node.state).toMatchObject({ step: Step.Precommit, lockedRound: -1, lockedBlock: null });
  });

  test("2/3 prevotes for different values: schedule the prevote timeout once, then precommit nil on it", () => {
    const node = start(3);
    const effects = run(node, [proposal(0, 0, A), prevote(0, 0, null), prevote(0, 1, B.hash)]);
    const scheduled = effects.filter((e) => e.kind === "scheduleTimeout" && e.step === Step.Prevote);
    expect(scheduled).toEqual([{ kind: "scheduleTimeout", height: 1, round: 0, step: Step.Prevote, durationMs: DEFAULT_TIMEOUTS.prevoteMs }]);
    expect(run(node, [prevote(0, 2, null)]).filter((e) => e.kind === "scheduleTimeout")).toEqual([]);
    expect(votesIn(run(node, [timeout(0, Step.Prevote)])).map((v) => [v.type, voteValue(v)])).toEqual([[VoteType.Precommit, "nil"]]);
  });
});

// ---------------------------------------------------------------------------------- Decision

describe("decision (line 49)", () => {
  test("more than 2/3 precommits for the proposal: commit with exactly those precommits", () => {
    const node = start(3);
    run(node, [proposal(0, 0, A), prevote(0, 0, A.hash), prevote(0, 1, A.hash)]);
    const effects = run(node, [precommit(0, 0, A.hash), precommit(0, 1, A.hash), precommit(0, 2, null)]);
    const commits = effects.filter((e): e is Extract<ConsensusEffect, { kind: "commit" }> => e.kind === "commit");
    expect(commits).toHaveLength(1);
    const c = commits[0]!;
    expect(c).toMatchObject({ height: 1, round: 0, block: A.block });
    expect(toHex(c.blockHash)).toBe(A.key);
    // Our own precommit (delivered back), 0 and 1; not 2's nil precommit.
    expect(c.precommits.map((v) => v.validatorIndex).sort()).toEqual([0, 1, 3]);
    for (const v of c.precommits) expect(v).toMatchObject({ type: VoteType.Precommit, height: 1, round: 0 });
    expect(node.state.step).toBe(Step.Commit);
    expect(node.state.decided?.record.key).toBe(A.key);
    // Decided: everything else is ignored.
    expect(apply(node, precommit(0, 2, A.hash))).toEqual([]);
    expect(apply(node, timeout(0, Step.Precommit))).toEqual([]);
  });

  test("precommits of an earlier round decide once the block is known", () => {
    const node = start(3);
    run(node, [timeout(0, Step.Propose), timeout(0, Step.Precommit)]); // now in round 1
    expect(node.state.round).toBe(1);
    run(node, [precommit(0, 0, A.hash), precommit(0, 1, A.hash), precommit(0, 2, A.hash)]);
    expect(node.log.filter((e) => e.kind === "missingBlock")).not.toHaveLength(0);
    const effects = run(node, [proposal(0, 0, A)]);
    expect(effects.filter((e) => e.kind === "commit")).toHaveLength(1);
  });

  test("the block of a commit we do not have is requested, and an invalid one is never decided", () => {
    const node = start(3);
    const effects = run(node, [precommit(0, 0, A.hash), precommit(0, 1, A.hash), precommit(0, 2, A.hash)]);
    expect(effects).toContainEqual({ kind: "missingBlock", height: 1, round: 0, blockHash: A.key });
    expect(run(node, [proposal(0, 0, A, { valid: false })]).filter((e) => e.kind === "commit")).toEqual([]);
    expect(node.state.decided).toBeNull();
  });

  // Powers 3,1,1,1 (total 6): 2/3 is exactly 4, which is not a quorum; 5 is.
  test.each([
    { signers: [0, 1], power: 4, decides: false },
    { signers: [1, 2, 3], power: 3, decides: false },
    { signers: [0, 1, 2], power: 5, decides: true },
    { signers: [0, 1, 2, 3], power: 6, decides: true },
  ])("weighted quorum is strictly > 2/3: precommits of $signers (power $power/6) decide = $decides", ({ signers, decides }) => {
    const node = start(3, [3, 1, 1, 1]);
    expect(node.state.schedule.getProposerIndex(1, 0)).toBe(0);
    apply(node, proposal(0, 0, A));
    const effects = signers.flatMap((v) => apply(node, precommit(0, v, A.hash)));
    expect(effects.some((e) => e.kind === "commit")).toBe(decides);
    expect(node.state.decided !== null).toBe(decides);
  });

  test.each([
    { prevoters: [1, 2], power: 3, locks: false },
    { prevoters: [0], power: 4, locks: false },
    { prevoters: [0, 1], power: 5, locks: true },
  ])("weighted polka is strictly > 2/3: our prevote and those of $prevoters (power $power/6) lock = $locks", ({ prevoters, locks }) => {
    const node = start(3, [3, 1, 1, 1]);
    run(node, [proposal(0, 0, A)]); // we prevote A (power 1)
    const effects = run(node, prevoters.map((v) => prevote(0, v, A.hash)));
    expect(votesIn(effects).filter((v) => v.type === VoteType.Precommit).map(voteValue)).toEqual(locks ? [A.key] : []);
    expect(node.state.lockedRound).toBe(locks ? 0 : -1);
  });
});

// ------------------------------------------------------------------------------ Round skip

describe("round skip (line 55)", () => {
  test.each([
    { powers: [1, 1, 1, 1], self: 3, senders: [0], skips: false },
    { powers: [1, 1, 1, 1], self: 3, senders: [0, 1], skips: true },
    // 2/6 is exactly 1/3: not enough; 3/6 is.
    { powers: [2, 1, 1, 1, 1], self: 4, senders: [0], skips: false },
    { powers: [2, 1, 1, 1, 1], self: 4, senders: [0, 1], skips: true },
    { powers: [2, 1, 1, 1, 1], self: 4, senders: [1, 2], skips: false },
  ])("messages of round 2 from $senders with powers $powers: skip = $skips", ({ powers, self, senders, skips }) => {
    const node = start(self, powers);
    const effects = senders.flatMap((v) => apply(node, prevote(2, v, null)));
    expect(node.state.round).toBe(skips ? 2 : 0);
    expect(effects.some((e) => e.kind === "newRound" && e.round === 2)).toBe(skips);
  });

  test("a proposal and a vote of a higher round count together as f+1", () => {
    const node = start(3);
    apply(node, proposal(2, 2, A)); // proposer of round 2
    expect(node.state.round).toBe(0);
    apply(node, precommit(2, 1, null));
    expect(node.state.round).toBe(2);
    expect(node.state.step).toBe(Step.Prevote); // the stored round-2 proposal was prevoted on entry
  });
});

// --------------------------------------------------------------------------- Locking rules

describe("locked validator (lines 22, 28)", () => {
  /** Validator 3, locked on A in round 0, now in round `toRound` (step Propose). */
  function lockedOnA(toRound: number): Node {
    const node = start(3);
    run(node, [proposal(0, 0, A), prevote(0, 0, A.hash), prevote(0, 1, A.hash)]);
    expect(node.state).toMatchObject({ lockedRound: 0, step: Step.Precommit });
    for (let r = 0; r < toRound; r++) run(node, [timeout(r, Step.Precommit)]);
    expect(node.state).toMatchObject({ round: toRound, step: Step.Propose, lockedRound: 0 });
    return node;
  }

  test("prevotes nil for a different block with no proof of lock", () => {
    const node = lockedOnA(1);
    expect(votesIn(run(node, [proposal(1, 1, B)])).map(voteValue)).toEqual(["nil"]);
  });

  test("prevotes its locked block when it is proposed again", () => {
    const node = lockedOnA(1);
    expect(votesIn(run(node, [proposal(1, 1, A)])).map(voteValue)).toEqual([A.key]);
  });

  test("unlocks on a newer polka: prevotes the new block when the proposal's polRound has a polka >= lockedRound", () => {
    const node = lockedOnA(2);
    // A polka for B in round 1 (delivered late, while we are in round 2).
    run(node, [prevote(1, 0, B.hash), prevote(1, 1, B.hash), prevote(1, 2, B.hash)]);
    expect(votesIn(run(node, [proposal(2, 2, B, { polRound: 1 })])).map(voteValue)).toEqual([B.key]);
  });

  test("waits (then prevotes nil on timeout) when the proposal's polRound has no polka", () => {
    const node = lockedOnA(2);
    expect(votesIn(run(node, [proposal(2, 2, B, { polRound: 1 })]))).toEqual([]);
    expect(node.state.step).toBe(Step.Propose);
    expect(votesIn(run(node, [timeout(2, Step.Propose)])).map(voteValue)).toEqual(["nil"]);
  });

  test("prevotes nil when the proof of lock is older than its lock", () => {
    // Round 0: nothing (nil); round 1: lock on A; round 2: B with a polka of round 0 < lockedRound 1.
    const node = start(3);
    run(node, [timeout(0, Step.Propose), timeout(0, Step.Precommit)]);
    run(node, [proposal(1, 1, A), prevote(1, 0, A.hash), prevote(1, 1, A.hash)]);
    expect(node.state.lockedRound).toBe(1);
    run(node, [timeout(1, Step.Precommit), prevote(0, 0, B.hash), prevote(0, 1, B.hash), prevote(0, 2, B.hash)]);
    expect(node.state.round).toBe(2);
    expect(votesIn(run(node, [proposal(2, 2, B, { polRound: 0 })])).map(voteValue)).toEqual(["nil"]);
  });

  test("a proposer with a valid block re-proposes it with polRound = validRound", () => {
    const node = start(1); // proposer of round 1
    run(node, [proposal(0, 0, A), prevote(0, 0, A.hash), prevote(0, 2, A.hash)]);
    expect(node.state.validRound).toBe(0);
    const effects = run(node, [timeout(0, Step.Precommit)]);
    expect(effects).toContainEqual({ kind: "propose", height: 1, round: 1, polRound: 0, validBlock: A.block });
  });
});

// --------------------------------------------------------------------------- Faults, ignored

describe("equivocation and ignored messages", () => {
  test("conflicting votes produce an evidence effect; the first vote stays and nothing is counted twice", () => {
    const node = start(3);
    const first = prevote(0, 0, A.hash);
    const second = prevote(0, 0, null);
    expect(apply(node, first)).toEqual([]);
    const effects = apply(node, second);
    expect(effects).toEqual([
      { kind: "evidence", voteA: (first as { vote: Vote }).vote, voteB: (second as { vote: Vote }).vote },
    ]);
    const set = node.state.prevotes.get(0)!;
    expect(set.get(0)).toBe((first as { vote: Vote }).vote);
    expect(set.powerFor(A.key)).toBe(1n);
    expect(set.totalPower).toBe(1n); // one validator, counted once towards "2/3 of any value"
    // A repeat of the first vote is a plain duplicate; a third value is evidence again.
    expect(apply(node, prevote(0, 0, A.hash))).toEqual([]);
    expect(apply(node, prevote(0, 0, B.hash)).map((e) => e.kind)).toEqual(["evidence"]);
  });

  // As the algorithm counts messages: a validator counts once per value, so nodes that received a
  // double voter's votes in different orders end with the same tallies (liveness, see the first
  // reproduction at the end of this file), but only once towards "2/3 of any value".
  test("a conflicting vote counts towards its own value, never twice towards the total", () => {
    const node = start(3);
    apply(node, prevote(0, 0, A.hash));
    apply(node, prevote(0, 0, null));
    const set = node.state.prevotes.get(0)!;
    expect(set.powerFor("nil")).toBe(1n);
    expect(set.powerFor(A.key)).toBe(1n);
    expect(set.totalPower).toBe(1n);
    expect(set.votesFor("nil")).toHaveLength(1);
  });

  test(`a validator's votes count for at most ${MAX_VALUES_PER_VALIDATOR} values per round and type`, () => {
    const node = start(3);
    for (let i = 0; i < MAX_VALUES_PER_VALIDATOR + 3; i++) apply(node, prevote(0, 0, new Uint8Array(32).fill(i + 1)));
    const set = node.state.prevotes.get(0)!;
    const counted = Array.from({ length: MAX_VALUES_PER_VALIDATOR + 3 }, (_, i) => set.powerFor(toHex(new Uint8Array(32).fill(i + 1))));
    expect(counted.filter((p) => p === 1n)).toHaveLength(MAX_VALUES_PER_VALIDATOR);
    expect(set.totalPower).toBe(1n);
  });

  test.each<{ name: string; event: ConsensusEvent }>([
    { name: "vote from validator index 4 (unknown)", event: prevote(0, 4, A.hash) },
    { name: "vote from validator index -1", event: precommit(0, -1, A.hash) },
    { name: "vote from validator index 1000", event: prevote(0, 1000, null) },
    { name: "vote for height 2", event: prevote(0, 1, A.hash, 2) },
    { name: "vote for height 0", event: precommit(0, 1, A.hash, 0) },
    { name: "vote for a negative round", event: prevote(-1, 1, A.hash) },
    { name: `vote more than ${MAX_ROUND_AHEAD} rounds ahead`, event: prevote(MAX_ROUND_AHEAD + 1, 1, A.hash) },
    { name: "proposal from the wrong proposer", event: proposal(0, 2, A) },
    { name: "proposal for height 2", event: proposal(0, 0, A, { height: 2 }) },
    { name: "timeout for another height", event: timeout(0, Step.Propose, 2) },
    { name: "timeout for another round", event: timeout(1, Step.Propose) },
  ])("ignored, state unchanged: $name", ({ event }) => {
    const node = start(3);
    run(node, [prevote(0, 0, A.hash)]);
    const before = snapshot(node.state);
    expect(apply(node, event)).toEqual([]);
    expect(snapshot(node.state)).toEqual(before);
  });

  test("only the first proposal of a round counts for voting", () => {
    const node = start(3);
    apply(node, proposal(0, 0, A));
    expect(apply(node, proposal(0, 0, B))).toEqual([]);
    expect(node.state.proposals.get(0)?.key).toBe(A.key);
  });
});

// ---------------------------------------------------------------------------------- Timeouts

describe("timeouts", () => {
  test.each([0, 1, 2, 5])("round %i: base + delta * round", (round) => {
    expect(getTimeoutMs(DEFAULT_TIMEOUTS, Step.Propose, round)).toBe(DEFAULT_TIMEOUTS.proposeMs + DEFAULT_TIMEOUTS.proposeDeltaMs * round);
    expect(getTimeoutMs(DEFAULT_TIMEOUTS, Step.Prevote, round)).toBe(DEFAULT_TIMEOUTS.prevoteMs + DEFAULT_TIMEOUTS.prevoteDeltaMs * round);
    expect(getTimeoutMs(DEFAULT_TIMEOUTS, Step.Precommit, round)).toBe(DEFAULT_TIMEOUTS.precommitMs + DEFAULT_TIMEOUTS.precommitDeltaMs * round);
  });

  test("the scheduled timeouts grow from round to round", () => {
    const t: TimeoutConfig = { proposeMs: 100, proposeDeltaMs: 10, prevoteMs: 50, prevoteDeltaMs: 5, precommitMs: 70, precommitDeltaMs: 7 };
    const node = start(3, [1, 1, 1, 1], t);
    const seen: Record<number, number[]> = { [Step.Propose]: [], [Step.Prevote]: [], [Step.Precommit]: [] };
    for (let r = 0; r < 3; r++) {
      // Everyone prevotes and precommits nil after the propose timeout.
      run(node, [timeout(r, Step.Propose), prevote(r, 0, A.hash), prevote(r, 1, null)]);
      run(node, [timeout(r, Step.Prevote), precommit(r, 0, A.hash), precommit(r, 1, null)]);
      run(node, [timeout(r, Step.Precommit)]);
    }
    for (const e of node.log) if (e.kind === "scheduleTimeout") seen[e.step]!.push(e.durationMs);
    expect(seen[Step.Propose]).toEqual([100, 110, 120, 130]); // round 3 is ours to propose: a timeout all the same
    expect(node.log).toContainEqual({ kind: "propose", height: 1, round: 3, polRound: -1, validBlock: null });
    expect(seen[Step.Prevote]).toEqual([50, 55, 60]);
    expect(seen[Step.Precommit]).toEqual([70, 77, 84]);
  });
});

// ---------------------------------------------------------------------------- Proposer schedule

describe("ProposerSchedule", () => {
  test.each([[[1, 1, 1, 1]], [[5, 3, 2, 1, 1]], [[100, 1]], [[87, 87, 80, 80, 26, 23, 15, 10, 10]], [[7]], [[64, 32, 16, 8, 4, 2, 1]]])(
    "weighted: after every step each validator has proposed in proportion to its power, within 1 (powers %j)",
    (powers) => {
      const set = makeSet(powers);
      const total = powers.reduce((a, b) => a + b, 0);
      const s = new ProposerSchedule(set, 1);
      const counts = powers.map(() => 0);
      let worst = 0;
      for (let k = 1; k <= 5 * total + 7; k++) {
        counts[s.getProposerIndex(k, 0)]!++;
        for (let i = 0; i < powers.length; i++) worst = Math.max(worst, Math.abs(counts[i]! - (k * powers[i]!) / total));
      }
      expect(worst).toBeLessThanOrEqual(1);
      // A whole cycle of `total` steps gives each validator exactly `power` turns.
      const cycle = powers.map(() => 0);
      for (let k = 0; k < total; k++) cycle[s.getProposerIndex(1 + 3 * total + k, 0)]!++;
      expect(cycle).toEqual(powers);
    },
  );

  test("deterministic: independent instances and any query order give the same sequence", () => {
    const set = makeSet([40, 30, 20, 7, 3]);
    const a = new ProposerSchedule(set, 1);
    const b = new ProposerSchedule(set, 1);
    const seq = Array.from({ length: 300 }, (_, k) => a.getProposerIndex(1 + k, 0));
    // Backwards, jumping, and via rounds (step = height - firstHeight + round).
    for (let k = 299; k >= 0; k -= 7) expect(b.getProposerIndex(1 + k, 0)).toBe(seq[k]);
    for (let k = 0; k < 300; k += 13) expect(b.getProposerIndex(1, k)).toBe(seq[k]);
    expect(new ProposerSchedule(set, 10).getProposerIndex(12, 3)).toBe(seq[5]);
  });

  test("a height before the schedule's first height is refused", () => {
    expect(() => new ProposerSchedule(makeSet([1, 1]), 5).getProposerIndex(4, 0)).toThrow(RangeError);
  });
});

// ------------------------------------------------------------------------------ Regressions
// Minimal reproductions of liveness bugs the simulations (hub/src/sim/simulation.ts, engineSim.ts)
// found: a double voter's conflicting vote was never counted, an equivocating proposer's second block
// was never taken in, a proposer whose proposal failed never left the propose step, and a polka
// holding a double voter's prevote was re-sent by nobody. All are fixed in voteSet.ts / roundState.ts;
// these keep them fixed.

describe("liveness with Byzantine validators (regressions)", () => {
  test("a commit certificate holding an equivocator's precommit is decided on, even if we saw its other precommit first", () => {
    // Validator 2 is Byzantine: it sends us a nil precommit and the others a precommit for A.
    // Validators 0, 1, 2 precommitted A in round 0: a valid commit certificate (3/4 > 2/3), on which
    // 0 and 1 decided and moved on. We receive those precommits (gossip or catch-up) but, counting
    // only 2's first precommit (nil), stay at 2/4 for A forever: nobody else is left at this height.
    const node = start(3);
    run(node, [proposal(0, 0, A)]);
    run(node, [precommit(0, 2, null)]);
    const effects = run(node, [precommit(0, 0, A.hash), precommit(0, 1, A.hash), precommit(0, 2, A.hash)]);
    expect(effects.filter((e) => e.kind === "evidence")).toHaveLength(1);
    expect(effects.filter((e) => e.kind === "commit")).toHaveLength(1);
  });

  test("the block of a decided round is accepted from an equivocating proposer after its other proposal", () => {
    // Proposer 0 is Byzantine: it sent us B and the others A; A got 3/4 of the precommits. The
    // state machine asks for A (missingBlock) but then drops the proposal carrying A because it
    // already holds a proposal for round 0, so it can never decide.
    const node = start(3);
    run(node, [proposal(0, 0, B)]);
    const effects = run(node, [precommit(0, 0, A.hash), precommit(0, 1, A.hash), precommit(0, 2, A.hash)]);
    expect(effects).toContainEqual({ kind: "missingBlock", height: 1, round: 0, blockHash: A.key });
    expect(run(node, [proposal(0, 0, A)]).filter((e) => e.kind === "commit")).toHaveLength(1);
  });

  test("a proposer whose proposal never comes back (its signer refused it) times the propose step out", () => {
    // Engine simulation seed 189 (`--byzantine drawn`): the proposer crashed after its guard recorded
    // the proposal and before it was sent; restarted, it built another block, which the guard refused
    // (a double sign). With no propose timeout it stayed in the propose step of round 0 for good, and
    // the others, short of its prevote, never got 2/3 of the prevotes that time a round out.
    const node = start(0);
    expect(node.effects).toContainEqual({ kind: "propose", height: 1, round: 0, polRound: -1, validBlock: null });
    expect(node.effects).toContainEqual({ kind: "scheduleTimeout", height: 1, round: 0, step: Step.Propose, durationMs: DEFAULT_TIMEOUTS.proposeMs });
    expect(votesIn(run(node, [timeout(0, Step.Propose)])).map(voteValue)).toEqual(["nil"]);
    expect(node.state.step).toBe(Step.Prevote);
  });

  test("a timed-out proposer that re-proposes its valid block schedules the propose timeout of that round too", () => {
    const node = start(1); // proposer of round 1
    run(node, [proposal(0, 0, A), prevote(0, 0, A.hash), prevote(0, 2, A.hash)]);
    const effects = run(node, [timeout(0, Step.Precommit)]);
    expect(effects).toContainEqual({ kind: "propose", height: 1, round: 1, polRound: 0, validBlock: A.block });
    expect(effects).toContainEqual({ kind: "scheduleTimeout", height: 1, round: 1, step: Step.Propose, durationMs: getTimeoutMs(DEFAULT_TIMEOUTS, Step.Propose, 1) });
  });
});

describe("what a node re-sends while its height does not move (getVotesToRebroadcast)", () => {
  const key = (v: Vote) => `${v.type}:${v.round}:${v.validatorIndex}:${v.blockHash ? toHex(v.blockHash) : "nil"}`;
  const keys = (votes: readonly Vote[]) => votes.map(key).sort();

  test(`its own votes of the last rounds, everyone's of the last ${RELAY_ROUNDS}`, () => {
    const node = start(3);
    for (let r = 0; r < 4; r++) run(node, [timeout(r, Step.Propose), prevote(r, 0, null), prevote(r, 1, null), timeout(r, Step.Prevote), timeout(r, Step.Precommit)]);
    expect(node.state.round).toBe(4);
    const own = (r: number) => [key(voteOf(VoteType.Prevote, r, 3, null)), key(voteOf(VoteType.Precommit, r, 3, null))];
    const others = (r: number) => [key(voteOf(VoteType.Prevote, r, 0, null)), key(voteOf(VoteType.Prevote, r, 1, null))];
    expect(RELAY_ROUNDS).toBe(2);
    expect(keys(getVotesToRebroadcast(node.state, 3))).toEqual([...own(2), ...own(3), ...others(3)].sort());
    expect(getVotesToRebroadcast(node.state, 10)).toHaveLength(10);
  });

  test("a node that does not vote re-sends nothing of its own", () => {
    const set = makeSet([1, 1, 1, 1]);
    const { state } = startHeight({ chainId: CHAIN_ID, height: 1, validatorSet: set, schedule: new ProposerSchedule(set, 1), selfIndex: null }, 0);
    expect(getVotesToRebroadcast(state, 8)).toEqual([]);
  });

  test("a double voter's prevote in the polka we are locked on is relayed, so that the others can follow its re-proposal", () => {
    // Engine simulation seeds 3, 28 and 190 (`--byzantine drawn`). Validator 2 is Byzantine: it
    // prevotes A to some, nil to others. Node 1 saw 0, 1 and 2 prevote A in round 0 (a polka) and
    // locked on A. Node 3 had timed out (prevoted nil) and took 2's nil prevote; 2's prevote for A
    // was lost on the way: 2 of 4 for A, no polka, no lock.
    const locked = start(1);
    run(locked, [proposal(0, 0, A), prevote(0, 0, A.hash), prevote(0, 2, A.hash), timeout(0, Step.Precommit)]);
    expect(locked.state).toMatchObject({ round: 1, lockedRound: 0, validRound: 0 });
    const other = start(3);
    run(other, [timeout(0, Step.Propose), proposal(0, 0, A), prevote(0, 0, A.hash), prevote(0, 1, A.hash), prevote(0, 2, null), timeout(0, Step.Prevote), timeout(0, Step.Precommit)]);
    expect(other.state).toMatchObject({ round: 1, lockedRound: -1, validRound: -1 });
    // Node 1 re-proposes A with its round-0 polka as POL. Node 3 cannot follow without the polka
    // (line 28 does not fire; it prevotes nil on the timeout), and the locked nodes prevote nil on
    // anything else: neither side reaches 2/3 again, unless the polka itself is re-sent.
    expect(votesIn(run(other, [proposal(1, 1, A, { polRound: 0 })]))).toEqual([]);
    const relayed = getVotesToRebroadcast(locked.state, 8);
    expect(keys(relayed.filter((v) => v.round === 0 && v.type === VoteType.Prevote))).toEqual(keys([0, 1, 2].map((v) => voteOf(VoteType.Prevote, 0, v, A.hash))));
    const effects = run(other, relayed.map((vote) => ({ kind: "vote", vote })));
    expect(effects.filter((e) => e.kind === "evidence")).toHaveLength(1); // 2's two prevotes
    expect(votesIn(effects).map(voteValue)).toEqual([A.key]);
  });

  test("the polka that the current round's proposal names is relayed even with no valid block of ours", () => {
    const node = start(3);
    run(node, [timeout(0, Step.Propose), timeout(0, Step.Prevote), prevote(0, 0, B.hash), prevote(0, 1, B.hash), prevote(0, 2, B.hash), timeout(0, Step.Precommit)]);
    run(node, [timeout(1, Step.Propose), timeout(1, Step.Prevote), timeout(1, Step.Precommit), timeout(2, Step.Propose), timeout(2, Step.Prevote), timeout(2, Step.Precommit)]);
    expect(node.state).toMatchObject({ round: 3, validRound: -1 });
    const othersOfRound0 = () => getVotesToRebroadcast(node.state, 8).filter((v) => v.round === 0 && v.validatorIndex !== 3);
    expect(othersOfRound0()).toEqual([]);
    run(node, [proposal(3, 3, B, { polRound: 0 })]);
    expect(keys(othersOfRound0())).toEqual(keys([0, 1, 2].map((v) => voteOf(VoteType.Prevote, 0, v, B.hash))));
  });

  test("the precommits that ended a round for us, a double voter's included, are relayed: a node still in that round ends it too", () => {
    // Engine simulation seed 35 (`--byzantine drawn`, once the polkas were relayed). Validator 2 is
    // Byzantine. Node 3, still in the prevote step, got precommits from 0, 1 and 2 (for A): 3 of 4 of
    // any value, so its precommit timeout moved it to round 1 before it ever precommitted. Node 1
    // precommitted nil and got only 0's precommit besides its own (2's was lost): 2 of 4, no timeout,
    // in round 0 for good, and node 3 in round 1 waits for prevotes that only node 1 could add.
    const ahead = start(3);
    run(ahead, [timeout(0, Step.Propose), precommit(0, 0, null), precommit(0, 1, null), precommit(0, 2, A.hash), timeout(0, Step.Precommit)]);
    expect(ahead.state).toMatchObject({ round: 1, step: Step.Propose });
    expect(ahead.state.precommits.get(0)?.get(3)).toBeUndefined();
    const behind = start(1);
    run(behind, [timeout(0, Step.Propose), prevote(0, 0, null), prevote(0, 2, null), precommit(0, 0, null)]);
    expect(behind.state).toMatchObject({ round: 0, step: Step.Precommit });
    expect(behind.log.some((e) => e.kind === "scheduleTimeout" && e.step === Step.Precommit)).toBe(false);
    const effects = run(behind, getVotesToRebroadcast(ahead.state, 8).map((vote) => ({ kind: "vote", vote })));
    expect(effects).toContainEqual({ kind: "scheduleTimeout", height: 1, round: 0, step: Step.Precommit, durationMs: DEFAULT_TIMEOUTS.precommitMs });
    run(behind, [timeout(0, Step.Precommit)]);
    expect(behind.state.round).toBe(1);
  });

  test("a node rounds behind skips up on the relayed votes of the last rounds (line 55)", () => {
    const ahead = start(3);
    for (let r = 0; r < 3; r++) run(ahead, [timeout(r, Step.Propose), prevote(r, 0, null), prevote(r, 1, null), timeout(r, Step.Prevote), precommit(r, 0, null), precommit(r, 1, null), timeout(r, Step.Precommit)]);
    run(ahead, [timeout(3, Step.Propose), prevote(3, 0, null), prevote(3, 1, null)]);
    expect(ahead.state.round).toBe(3);
    const behind = start(2);
    run(behind, getVotesToRebroadcast(ahead.state, 8).map((vote) => ({ kind: "vote", vote })));
    expect(behind.state.round).toBe(3);
  });
});

describe("isProposalWanted: what the engine validates and executes", () => {
  test("the round's first proposal from its proposer; not a copy, another proposer's, another height's or one out of the round window", () => {
    const node = start(1);
    const proposer = getProposerIndex(node.state, 0);
    const p = (round: number, proposerIndex: number, b = A, height = 1) => ({ height, round, polRound: -1, blockHash: b.hash, proposerIndex, signature: SIG });
    expect(isProposalWanted(node.state, p(0, proposer), A.hash)).toBe(true);
    expect(isProposalWanted(node.state, p(0, (proposer + 1) % 4), A.hash)).toBe(false);
    expect(isProposalWanted(node.state, p(0, proposer, A, 2), A.hash)).toBe(false);
    expect(isProposalWanted(node.state, p(MAX_ROUND_AHEAD + 1, getProposerIndex(node.state, MAX_ROUND_AHEAD + 1)), A.hash)).toBe(false);
    apply(node, proposal(0, proposer, A));
    // A copy of the proposal it has: nothing to do.
    expect(isProposalWanted(node.state, p(0, proposer), A.hash)).toBe(false);
    // The equivocating proposer's other block: only once more than 2/3 precommitted it.
    expect(isProposalWanted(node.state, p(0, proposer, B), B.hash)).toBe(false);
    for (const v of [0, 2, 3]) apply(node, precommit(0, v, B.hash));
    expect(isProposalWanted(node.state, p(0, proposer, B), B.hash)).toBe(true);
  });
});
