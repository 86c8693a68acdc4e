// The fork case rules (decision 52) against random executions of one height of Tendermint: random
// powers, a Byzantine coalition of any size that votes anything (both blocks in a round, no lock), and
// honest validators that follow the voting rules (one prevote and one precommit per round, precommit a
// block only on its polka, leave a lock on a block only for a polka of the other block in a round at
// or after the lock's). Whenever the execution commits two blocks in different rounds, a case is run:
//  - with every polka of the execution posted (what the honest keep and anyone relays), in a random
//    order and before the first deadline: nobody honest is convicted, and more than 1/3 of the power is;
//  - with a random part of the polkas posted, at random times: more than 1/3 of the power is convicted
//    (accountability never depends on the guilty answering).
// Over executions without a fork across rounds, the honest never commit two blocks (a sanity check of
// the model, so that the properties above are not vacuous).
import fc from "fast-check";
import { bytesEqual } from "@aegis/consumer-sdk";
import { expireForkCase, isForkCaseOpen, openForkCase, postPolkaToForkCase, type ForkCaseState, type PolkaRef } from "../../../src/app/modules/slashing/forkCaseRules.js";

const V = new Uint8Array(32).fill(0x0a);
const W = new Uint8Array(32).fill(0x0b);
const VALUES = [V, W] as const;
const ROUNDS = 4;
const RESPONSE = 100;

interface Execution {
  n: number;
  powers: number[];
  byz: boolean[];
  /** prevoters[round][value index] */
  prevoters: Set<number>[][];
  precommitters: Set<number>[][];
}

const quorum = (e: Execution, who: Iterable<number>) => {
  let p = 0;
  for (const i of who) p += e.powers[i]!;
  return 3 * p > 2 * e.powers.reduce((a, b) => a + b, 0);
};

/** One height of Tendermint from a stream of random choices. */
function execute(powers: number[], byz: boolean[], rnd: () => number): Execution {
  const n = powers.length;
  const e: Execution = { n, powers, byz, prevoters: [], precommitters: [] };
  // precommits[i]: the rounds and values validator i precommitted (in order).
  const precommits: { round: number; value: number }[][] = Array.from({ length: n }, () => []);
  const polka = (round: number, value: number) => round >= 0 && round < e.prevoters.length && quorum(e, e.prevoters[round]![value]!);
  for (let r = 0; r < ROUNDS; r++) {
    const pv = [new Set<number>(), new Set<number>()];
    e.prevoters.push(pv);
    for (let i = 0; i < n; i++) {
      if (byz[i]) {
        for (const x of [0, 1]) if (rnd() < 0.6) pv[x]!.add(i);
        continue;
      }
      const choice = Math.floor(rnd() * 3); // 0: V, 1: W, 2: nil
      if (choice === 2) continue;
      // The lock rule: for every earlier precommit of the other value, a polka for this one in [that round, r).
      const allowed = precommits[i]!.every((p) => p.value === choice || Array.from({ length: r - p.round }, (_, k) => p.round + k).some((j) => polka(j, choice)));
      if (allowed) pv[choice]!.add(i);
    }
    const pc = [new Set<number>(), new Set<number>()];
    e.precommitters.push(pc);
    for (let i = 0; i < n; i++) {
      if (byz[i]) {
        for (const x of [0, 1]) if (rnd() < 0.6) pc[x]!.add(i);
        continue;
      }
      const options = [0, 1].filter((x) => polka(r, x));
      if (options.length === 0 || rnd() < 0.2) continue; // nil
      const x = options[Math.floor(rnd() * options.length)]!;
      pc[x]!.add(i);
      precommits[i]!.push({ round: r, value: x });
    }
  }
  return e;
}

const arbExecution = fc
  .record({
    powers: fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 3, maxLength: 7 }),
    byz: fc.array(fc.boolean(), { minLength: 7, maxLength: 7 }),
    seed: fc.integer(),
  })
  .map(({ powers, byz, seed }) => {
    let x = seed >>> 0 || 1;
    const rnd = () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) / 2 ** 32;
    };
    return execute(powers, byz.slice(0, powers.length), rnd);
  });

/** The first pair of commits for different values in different rounds (low round first). */
function crossRoundFork(e: Execution): { low: PolkaRef; high: PolkaRef } | undefined {
  const commits: PolkaRef[] = [];
  for (let r = 0; r < ROUNDS; r++) for (const x of [0, 1]) if (quorum(e, e.precommitters[r]![x]!)) commits.push({ round: r, blockHash: VALUES[x]!, signers: [...e.precommitters[r]![x]!] });
  for (const a of commits) for (const b of commits) if (a.round < b.round && !bytesEqual(a.blockHash, b.blockHash)) return { low: a, high: b };
  return undefined;
}

function polkasOf(e: Execution): PolkaRef[] {
  const out: PolkaRef[] = [];
  for (let r = 0; r < ROUNDS; r++) for (const x of [0, 1]) if (quorum(e, e.prevoters[r]![x]!)) out.push({ round: r, blockHash: VALUES[x]!, signers: [...e.prevoters[r]![x]!] });
  return out;
}

const powerOf = (e: Execution, who: readonly number[]) => who.reduce((a, i) => a + e.powers[i]!, 0);
const total = (e: Execution) => e.powers.reduce((a, b) => a + b, 0);

/** Runs a case: posts (polka, time) in order, then expires everything. */
function runCase(fork: { low: PolkaRef; high: PolkaRef }, posts: { polka: PolkaRef; at: number }[]): ForkCaseState {
  let c = openForkCase(1, { height: 5, ...fork }, 0, RESPONSE);
  for (const { polka, at } of posts.sort((a, b) => a.at - b.at)) {
    c = expireForkCase(c, at - 1).next; // deadlines due before this post
    c = postPolkaToForkCase(c, polka, at, RESPONSE)?.next ?? c;
  }
  for (let t = 0; isForkCaseOpen(c) && t < 100; t++) c = expireForkCase(c, Number.MAX_SAFE_INTEGER).next;
  expect(isForkCaseOpen(c)).toBe(false);
  return c;
}

test("every polka posted before the first deadline: the convicted are all Byzantine and hold more than 1/3 of the power", () => {
  let forks = 0;
  fc.assert(
    fc.property(arbExecution, fc.array(fc.nat(), { maxLength: 16 }), (e, order) => {
      const fork = crossRoundFork(e);
      if (!fork) return;
      forks++;
      const polkas = polkasOf(e);
      const posts = polkas.map((polka, k) => ({ polka, at: 1 + ((order[k] ?? k) % (RESPONSE - 1)) }));
      const c = runCase(fork, posts);
      expect(c.convicted.filter((i) => !e.byz[i])).toEqual([]);
      expect(3 * powerOf(e, c.convicted)).toBeGreaterThan(total(e));
    }),
    { numRuns: 3000 },
  );
  expect(forks).toBeGreaterThan(100); // the generator makes forks across rounds often enough to mean something
});

test("any part of the polkas posted at any time: more than 1/3 of the power is convicted", () => {
  fc.assert(
    fc.property(arbExecution, fc.array(fc.record({ keep: fc.boolean(), at: fc.integer({ min: 1, max: 5 * RESPONSE }) }), { maxLength: 16 }), (e, plan) => {
      const fork = crossRoundFork(e);
      if (!fork) return;
      const posts = polkasOf(e).flatMap((polka, k) => (plan[k]?.keep ? [{ polka, at: plan[k]!.at }] : []));
      const c = runCase(fork, posts);
      expect(3 * powerOf(e, c.convicted)).toBeGreaterThan(total(e));
    }),
    { numRuns: 2000 },
  );
});

test("the model: with Byzantine power at most 1/3, no execution commits two blocks", () => {
  fc.assert(
    fc.property(arbExecution, (e) => {
      if (3 * powerOf(e, e.byz.flatMap((b, i) => (b ? [i] : []))) > total(e)) return;
      const commits = new Set<number>();
      for (let r = 0; r < ROUNDS; r++) for (const x of [0, 1]) if (quorum(e, e.precommitters[r]![x]!)) commits.add(x);
      expect(commits.size).toBeLessThanOrEqual(1);
    }),
    { numRuns: 2000 },
  );
});

test("a polka the case does not want changes nothing: not for either block in a round outside the commits' span", () => {
  const fork = { low: { round: 1, blockHash: V, signers: [0, 1, 2] }, high: { round: 2, blockHash: W, signers: [1, 2, 3] } };
  const c = openForkCase(1, { height: 5, ...fork }, 0, RESPONSE);
  for (const p of [
    { round: 0, blockHash: W, signers: [0, 1, 2] },
    { round: 3, blockHash: W, signers: [0, 1, 2] },
    { round: 2, blockHash: V, signers: [0, 1, 2] },
    { round: 1, blockHash: new Uint8Array(32).fill(9), signers: [0, 1, 2] },
  ]) {
    expect(postPolkaToForkCase(c, p, 1, RESPONSE)).toBeUndefined();
  }
});
