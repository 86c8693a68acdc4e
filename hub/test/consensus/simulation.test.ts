/**
 * Safety and liveness of the consensus state machine under the deterministic simulation of
 * hub/src/sim/simulation.ts: more than 1,000 seeds over 4..64 validators with random powers, a lossy,
 * partitioned network until GST, and Byzantine validators (< 1/3 of the power) that equivocate as
 * proposers, double vote or stay silent.
 *
 * A failure lists the seeds; replay one with
 *   runSimulation(seed, { validators: N, heights: K })
 * (the line printed with each failure), e.g. in a scratch test.
 */
import { hasQuorum, toHex, VoteType } from "@aegis/consumer-sdk";
import { DEFAULT_TIMEOUTS } from "../../src/consensus/index.js";
import {
  describeScenario,
  runSimulation,
  type SimOptions,
  type SimResult,
} from "../../src/sim/index.js";

interface Batch {
  name: string;
  firstSeed: number;
  seeds: number;
  nMin: number;
  nMax: number;
  heights: number;
}

// Most seeds small, a substantial number large; 1,050 seeds in all.
const BATCHES: Batch[] = [
  { name: "N=4..7", firstSeed: 1_000_001, seeds: 400, nMin: 4, nMax: 7, heights: 5 },
  { name: "N=8..16", firstSeed: 2_000_001, seeds: 400, nMin: 8, nMax: 16, heights: 4 },
  { name: "N=17..31", firstSeed: 3_000_001, seeds: 100, nMin: 17, nMax: 31, heights: 4 },
  { name: "N=32..64", firstSeed: 4_000_001, seeds: 150, nMin: 32, nMax: 64, heights: 3 },
];

interface Run {
  seed: number;
  opts: SimOptions;
  result: SimResult;
}

function seedsOf(b: Batch): { seed: number; opts: SimOptions }[] {
  const span = b.nMax - b.nMin + 1;
  return Array.from({ length: b.seeds }, (_, i) => ({ seed: b.firstSeed + i, opts: { validators: b.nMin + (i % span), heights: b.heights } }));
}

function replayLine(r: Run, problem: string): string {
  return `runSimulation(${r.seed}, { validators: ${r.opts.validators}, heights: ${r.opts.heights} })  ${describeScenario(r.result.scenario)}\n    ${problem}`;
}

function report(runs: Run[], check: (r: Run) => string[]): string[] {
  const out: string[] = [];
  for (const r of runs) {
    const problems = check(r);
    if (problems.length > 0) out.push(replayLine(r, problems.slice(0, 3).join("\n    ")));
  }
  return out.length > 20 ? [...out.slice(0, 20), `... and ${out.length - 20} more seeds`] : out;
}

// (a) No two honest nodes commit different blocks at one height; each honest chain links up.
function safetyProblems(r: Run): string[] {
  const problems: string[] = [];
  const byHeight = new Map<number, string>();
  for (const [node, commits] of r.result.commits) {
    let prev: string | null = null;
    const heights = [...commits.keys()].sort((a, b) => a - b);
    for (const h of heights) {
      const c = commits.get(h)!;
      const other = byHeight.get(h);
      if (other === undefined) byHeight.set(h, c.key);
      else if (other !== c.key) problems.push(`height ${h}: node ${node} committed ${c.key.slice(0, 12)}, another honest node ${other.slice(0, 12)}`);
      if (prev !== null && commits.has(h - 1) && toHex(c.block.header.parentHash) !== prev) problems.push(`node ${node}: block ${h} does not extend block ${h - 1}`);
      prev = c.key;
    }
  }
  problems.push(...r.result.violations.filter((v) => v.startsWith("SAFETY")));
  return problems;
}

// (d) The precommits of every commit effect are precommits of that height, round and block, from
// distinct validators, with more than 2/3 of the power.
function certificateProblems(r: Run): string[] {
  const problems: string[] = [];
  const powers = r.result.scenario.powers.map(BigInt);
  const total = powers.reduce((a, b) => a + b, 0n);
  for (const [node, commits] of r.result.commits) {
    for (const c of commits.values()) {
      const signers = new Set<number>();
      let power = 0n;
      for (const v of c.precommits) {
        if (v.type !== VoteType.Precommit || v.height !== c.height || v.round !== c.round || !v.blockHash || toHex(v.blockHash) !== c.key) {
          problems.push(`node ${node} h${c.height}: certificate holds a foreign vote`);
        }
        if (!signers.has(v.validatorIndex)) power += powers[v.validatorIndex] ?? 0n;
        signers.add(v.validatorIndex);
      }
      if (signers.size !== c.precommits.length) problems.push(`node ${node} h${c.height}: a validator appears twice in the certificate`);
      if (!hasQuorum(power, total)) problems.push(`node ${node} h${c.height}: certificate power ${power}/${total} is not > 2/3`);
    }
  }
  problems.push(...r.result.violations.filter((v) => v.includes("certificate")));
  return problems;
}

// (c) Every equivocation an honest state machine was shown produced evidence; evidence never names an
// honest validator and always holds two conflicting votes.
function evidenceProblems(r: Run): string[] {
  const problems = r.result.violations.filter((v) => v.startsWith("EVIDENCE") || v.includes("evidence"));
  const accused = new Set<number>();
  for (const list of r.result.evidence.values()) for (const e of list) accused.add(e.voteB.validatorIndex);
  for (const v of r.result.equivocatorsSeen) if (!accused.has(v)) problems.push(`no evidence recorded against equivocator ${v}`);
  for (const v of accused) if (!r.result.scenario.byzantine.has(v)) problems.push(`evidence against honest validator ${v}`);
  return problems;
}

// (b) After GST every honest node commits the target height (within the virtual-time bound).
function livenessProblems(r: Run): string[] {
  const problems: string[] = [];
  const K = r.result.scenario.heights;
  for (const [node, commits] of r.result.commits) {
    for (let h = 1; h <= K; h++) {
      if (!commits.has(h)) {
        problems.push(`node ${node} never committed height ${h}`);
        break;
      }
    }
  }
  if (problems.length > 0) problems.push(...r.result.violations.filter((v) => v.startsWith("LIVENESS")).slice(0, 2));
  return problems;
}

function otherProblems(r: Run): string[] {
  return r.result.violations.filter((v) => !/^(SAFETY|LIVENESS|EVIDENCE)/.test(v) && !v.includes("certificate") && !v.includes("evidence"));
}

const summary: string[] = [];

describe.each(BATCHES)("consensus simulation, $name", (batch) => {
  let runs: Run[] = [];

  beforeAll(() => {
    const t0 = Date.now();
    runs = seedsOf(batch).map(({ seed, opts }) => ({ seed, opts, result: runSimulation(seed, opts) }));
    const ms = Date.now() - t0;
    let messages = 0;
    let maxRound = 0;
    let evidence = 0;
    let byzantineSeeds = 0;
    let gstSeeds = 0;
    let certified = 0;
    for (const r of runs) {
      certified += r.result.stats.certifiedCommits;
      messages += r.result.stats.messagesSent;
      maxRound = Math.max(maxRound, r.result.stats.maxRound);
      evidence += r.result.stats.evidence;
      if (r.result.scenario.byzantine.size > 0) byzantineSeeds++;
      if (r.result.scenario.gstMs > 0) gstSeeds++;
    }
    summary.push(
      `${batch.name}: ${runs.length} seeds, K=${batch.heights}, ${byzantineSeeds} with Byzantine validators, ${gstSeeds} with GST > 0, ` +
        `${messages} messages, max round ${maxRound}, ${evidence} evidence effects, ${certified} heights caught up by certificate, ${ms} ms`,
    );
  }, 170_000);

  test("the Byzantine validators hold less than 1/3 of the power on every seed", () => {
    for (const r of runs) {
      const sc = r.result.scenario;
      const total = sc.powers.reduce((a, b) => a + b, 0);
      const byz = [...sc.byzantine.keys()].reduce((a, i) => a + sc.powers[i]!, 0);
      expect(3 * byz).toBeLessThan(total);
    }
  });

  test("safety: no two honest nodes commit different blocks at one height (every seed)", () => {
    expect(report(runs, safetyProblems)).toEqual([]);
  });

  test("commit certificates carry more than 2/3 of the power", () => {
    expect(report(runs, certificateProblems)).toEqual([]);
  });

  test("evidence is recorded for every equivocation that reached an honest node, never for honest validators", () => {
    expect(report(runs, evidenceProblems)).toEqual([]);
  });

  // With hub/src/consensus as of this writing, about 4% of the seeds fail here (Byzantine double
  // voters and equivocating proposers stall honest nodes forever); the minimal reproductions are the
  // "liveness with Byzantine validators" tests at the end of roundState.test.ts.
  test("liveness: after GST every honest node commits the target height", () => {
    expect(report(runs, livenessProblems)).toEqual([]);
  });

  test("the simulated engine saw no other anomaly", () => {
    expect(report(runs, otherProblems)).toEqual([]);
  });
});

describe("consensus simulation, harness", () => {
  test("a seed replays identically", () => {
    const digest = (r: SimResult): string =>
      JSON.stringify({
        commits: [...r.commits].map(([i, cs]) => [i, [...cs.values()].map((c) => `${c.height}:${c.round}:${c.key}:${c.time}`)]),
        stats: r.stats,
      });
    for (const seed of [7, 4242, 99_999]) {
      expect(digest(runSimulation(seed, { validators: 10, heights: 3 }))).toBe(digest(runSimulation(seed, { validators: 10, heights: 3 })));
    }
    expect(digest(runSimulation(1, { validators: 10 }))).not.toBe(digest(runSimulation(2, { validators: 10 })));
  });

  test("a synchronous network without faults decides every height in round 0", () => {
    for (let seed = 1; seed <= 20; seed++) {
      const r = runSimulation(seed, {
        validators: 4 + (seed % 13),
        heights: 4,
        byzantine: "none",
        gstMs: 0,
        timeouts: DEFAULT_TIMEOUTS,
      });
      expect(r.violations).toEqual([]);
      for (const commits of r.commits.values()) for (const c of commits.values()) expect(c.round).toBe(0);
    }
  });

  test("double voters are caught: evidence names every one whose votes conflicted at an honest node", () => {
    let caught = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const r = runSimulation(seed, { validators: 7, heights: 2, byzantine: "doubleVote" });
      expect(evidenceProblems({ seed, opts: {}, result: r })).toEqual([]);
      caught += r.equivocatorsSeen.size;
    }
    expect(caught).toBeGreaterThan(0);
  });

  test("negative control: with 1/3 or more Byzantine power the checker does find safety violations", () => {
    // Two of four equal validators equivocating and double voting can make the two honest ones
    // decide different blocks; the simulation must be strong enough to find such a run.
    let unsafe = 0;
    for (let seed = 1; seed <= 300 && unsafe === 0; seed++) {
      const r = runSimulation(seed, { validators: 4, heights: 2, powers: [1, 1, 1, 1], byzantine: "full", byzantineIndices: [0, 1] });
      if (safetyProblems({ seed, opts: {}, result: r }).length > 0) unsafe++;
    }
    expect(unsafe).toBeGreaterThan(0);
  });
});

afterAll(() => {
  if (summary.length > 0) console.log(`consensus simulation\n  ${summary.join("\n  ")}`);
});
