/**
 * The round state's `polka` effect (hub/src/consensus/roundState.ts): reported once per (round,
 * block) by the prevote that takes the block over 2/3 of the power, with exactly the prevotes for
 * it, and before any effect it causes (the lock and precommit of rule 36, the proposal that reuses
 * it as its POL), so the engine can store it before signing. Not for nil, not below 2/3, not for
 * precommits; a weighted set and a double voter's counted vote count by power.
 */
import { computeBlockHash, toHex, VoteType, ZERO_HASH, type ValidatorSet } from "@aegis/consumer-sdk";
import { applyConsensusEvent, ProposerSchedule, startHeight, Step, VOTE_STORE_ROUNDS_AHEAD, type Block, type ConsensusEffect, type ConsensusEvent, type RoundState, type Vote } from "../../src/consensus/index.js";
import fc from "fast-check";

const CHAIN_ID = "aegis-test";

function makeSet(powers: readonly number[]): ValidatorSet {
  const validators = powers.map((p, i) => ({ address: new Uint8Array(20).fill(i + 1), blsPublicKey: new Uint8Array(48).fill(i + 1), power: BigInt(p) }));
  return { validators, totalPower: powers.reduce((a, b) => a + BigInt(b), 0n) };
}

function makeBlock(tag: number): { block: Block; hash: Uint8Array } {
  const block: Block = {
    header: {
      chainId: CHAIN_ID,
      height: 1,
      time: 1_700_000_000_001,
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
  return { block, hash: computeBlockHash(block.header) };
}

const A = makeBlock(0xa);
const B = makeBlock(0xb);

function start(self: number | null, powers: readonly number[] = [1, 1, 1, 1]): RoundState {
  const set = makeSet(powers);
  return startHeight({ chainId: CHAIN_ID, height: 1, validatorSet: set, schedule: new ProposerSchedule(set, 1), selfIndex: self }, 0).state;
}

/** A signature that names its vote, so the test can tell which prevotes a polka carries. */
function vote(type: VoteType, round: number, v: number, hash: Uint8Array | null): Vote {
  return { type, height: 1, round, blockHash: hash, validatorIndex: v, signature: new Uint8Array(96).fill(16 * round + v + (hash ? hash[0]! & 0x0f : 0)) };
}
const prevote = (round: number, v: number, b: { hash: Uint8Array } | null): ConsensusEvent => ({ kind: "vote", vote: vote(VoteType.Prevote, round, v, b ? b.hash : null) });
const precommit = (round: number, v: number, b: { hash: Uint8Array } | null): ConsensusEvent => ({ kind: "vote", vote: vote(VoteType.Precommit, round, v, b ? b.hash : null) });
const proposal = (round: number, proposerIndex: number, b: { block: Block; hash: Uint8Array }, polRound = -1): ConsensusEvent => ({
  kind: "proposal",
  proposal: { height: 1, round, polRound, blockHash: b.hash, proposerIndex, signature: new Uint8Array(96) },
  block: b.block,
  blockHash: b.hash,
  valid: true,
});

type Polka = Extract<ConsensusEffect, { kind: "polka" }>;
const polkasIn = (effects: readonly ConsensusEffect[]): Polka[] => effects.filter((e): e is Polka => e.kind === "polka");
const summary = (p: Polka) => ({ round: p.round, block: toHex(p.blockHash), voters: p.prevotes.map((v) => v.validatorIndex).sort(), height: p.height });

function apply(state: RoundState, events: readonly ConsensusEvent[]): ConsensusEffect[][] {
  return events.map((e) => applyConsensusEvent(state, e, 1000));
}

test("the third of four equal prevotes reports the polka once, with exactly those prevotes, before the precommit it causes", () => {
  const s = start(3);
  // Validator 3 follows round 0's proposal from validator 0 and prevotes A itself (the engine delivers its own vote back).
  apply(s, [proposal(0, 0, A)]);
  const [e0, e1, e2, e3] = apply(s, [prevote(0, 3, A), prevote(0, 0, A), prevote(0, 1, A), prevote(0, 2, A)]);
  expect(polkasIn(e0!)).toEqual([]);
  expect(polkasIn(e1!)).toEqual([]);
  expect(polkasIn(e2!).map(summary)).toEqual([{ height: 1, round: 0, block: toHex(A.hash), voters: [0, 1, 3] }]);
  expect(polkasIn(e2!)[0]!.prevotes).toEqual([vote(VoteType.Prevote, 0, 3, A.hash), vote(VoteType.Prevote, 0, 0, A.hash), vote(VoteType.Prevote, 0, 1, A.hash)]);
  // The precommit for A comes after the polka in the same effect list.
  const kinds = e2!.map((e) => (e.kind === "vote" ? `vote:${e.type}` : e.kind));
  expect(kinds.indexOf("polka")).toBeLessThan(kinds.indexOf(`vote:${VoteType.Precommit}`));
  expect(kinds).toContain(`vote:${VoteType.Precommit}`);
  // The fourth prevote adds power but is no new polka.
  expect(polkasIn(e3!)).toEqual([]);
});

test("reported without the proposal (a node that never saw the block), on a node that does not vote, and for a round ahead within the stored window", () => {
  const s = start(null);
  const effects = apply(s, [prevote(0, 0, B), prevote(0, 1, B), prevote(0, 2, B)]).flat();
  expect(polkasIn(effects).map(summary)).toEqual([{ height: 1, round: 0, block: toHex(B.hash), voters: [0, 1, 2] }]);
  const ahead = apply(s, [prevote(3, 0, A), prevote(3, 1, A), prevote(3, 2, A)]).flat();
  expect(polkasIn(ahead).map(summary)).toEqual([{ height: 1, round: 3, block: toHex(A.hash), voters: [0, 1, 2] }]);
});

test("nothing for nil, for precommits, for 2 of 4, for rounds beyond the stored window, for another height, or for a duplicate", () => {
  const s = start(3);
  const effects = [
    ...apply(s, [prevote(0, 0, null), prevote(0, 1, null), prevote(0, 2, null)]),
    ...apply(s, [precommit(0, 0, A), precommit(0, 1, A)]),
    ...apply(s, [prevote(1, 0, A), prevote(1, 1, A), prevote(1, 1, A)]),
    // (round 1's two prevotes moved the node to round 1: the window ends at round 1 + VOTE_STORE_ROUNDS_AHEAD)
    ...apply(s, [0, 1, 2].map((v) => prevote(1 + VOTE_STORE_ROUNDS_AHEAD + 1, v, A))),
    ...apply(s, [0, 1, 2].map((v) => ({ kind: "vote", vote: { ...vote(VoteType.Prevote, 0, v, A.hash), height: 2 } }) as ConsensusEvent)),
  ].flat();
  expect(s.round).toBe(1 + VOTE_STORE_ROUNDS_AHEAD + 1); // the two first of them made it skip there (rule 55)
  expect(polkasIn(effects)).toEqual([]);
});

test("by power: one validator of a weighted set can make the polka; a double voter's second prevote counts for its own block", () => {
  // Powers 5, 1, 1, 1: 5 of 8 is not more than 2/3, 6 of 8 is.
  const w = start(null, [5, 1, 1, 1]);
  const [a, b] = apply(w, [prevote(0, 0, A), prevote(0, 2, A)]);
  expect(polkasIn(a!)).toEqual([]);
  expect(polkasIn(b!).map(summary)).toEqual([{ height: 1, round: 0, block: toHex(A.hash), voters: [0, 2] }]);

  // Validator 0 prevotes A then B: its second vote is counted for B, and B reaches 3 of 4 with it.
  const s = start(null);
  const effects = apply(s, [prevote(0, 0, A), prevote(0, 1, B), prevote(0, 2, B), prevote(0, 0, B)]);
  expect(effects[3]!.map((e) => e.kind)).toEqual(expect.arrayContaining(["evidence", "polka"]));
  expect(polkasIn(effects.flat()).map(summary)).toEqual([{ height: 1, round: 0, block: toHex(B.hash), voters: [0, 1, 2] }]);
});

test("a polka of an earlier round that the proposer reuses (its POL) was reported before the proposal effect", () => {
  // Validator 1 proposes round 1 (weighted round robin over equal powers: 0, 1, 2, 3).
  const s = start(1);
  apply(s, [proposal(0, 0, A)]);
  const effects = apply(s, [prevote(0, 1, A), prevote(0, 0, A), prevote(0, 2, A), precommit(0, 1, A), precommit(0, 0, null), precommit(0, 2, null), precommit(0, 3, null), { kind: "timeout", height: 1, round: 0, step: Step.Precommit }]).flat();
  const kinds = effects.map((e) => e.kind);
  const propose = effects.find((e): e is Extract<ConsensusEffect, { kind: "propose" }> => e.kind === "propose");
  expect(propose).toMatchObject({ round: 1, polRound: 0 });
  expect(kinds.indexOf("polka")).toBeGreaterThanOrEqual(0);
  expect(kinds.indexOf("polka")).toBeLessThan(kinds.indexOf("propose"));
});

test("property: whatever the order of a round's prevotes, each block over 2/3 is reported exactly once, with voters worth more than 2/3", () => {
  const powers = [3, 1, 2, 1, 2];
  const total = 9n;
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.constantFrom(A, B, null)), { maxLength: 30 }), (votes) => {
      const s = start(null, powers);
      const polkas = polkasIn(apply(s, votes.map(([v, b]) => prevote(0, v, b))).flat());
      const keys = polkas.map((p) => toHex(p.blockHash));
      expect(new Set(keys).size).toBe(keys.length);
      for (const p of polkas) {
        const power = p.prevotes.reduce((x, v) => x + BigInt(powers[v.validatorIndex]!), 0n);
        expect(power * 3n > total * 2n).toBe(true);
        expect(new Set(p.prevotes.map((v) => v.validatorIndex)).size).toBe(p.prevotes.length);
      }
      // Every block whose voters end above 2/3 was reported (three values per validator at most: all are counted).
      for (const b of [A, B]) {
        const voters = new Set(votes.filter(([, x]) => x === b).map(([v]) => v));
        const power = [...voters].reduce((x, v) => x + BigInt(powers[v]!), 0n);
        expect(keys.includes(toHex(b.hash))).toBe(power * 3n > total * 2n);
      }
    }),
  );
});
