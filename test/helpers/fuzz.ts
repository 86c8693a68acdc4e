import { appendFileSync } from "node:fs";

/**
 * How many cases a fuzz property runs (fast-check `numRuns`), and its seed. `npm test` runs each
 * property a bounded number of times (its default); `npm run fuzz -- --runs N [--seed S]` sets
 * AEGIS_FUZZ_RUNS / AEGIS_FUZZ_SEED for many more, reproducible from the seed. A failure prints
 * fast-check's seed and path: `npm run fuzz -- --seed <seed> <file>` replays it. With
 * AEGIS_FUZZ_REPORT (a file; `npm run fuzz` sets it), each property appends one JSON line
 * `{ suite, test, runs }`, from which the fuzz script counts the cases of every surface.
 */
export function fuzzParams(defaultRuns: number): { numRuns: number; seed?: number } {
  const runs = Number(process.env.AEGIS_FUZZ_RUNS);
  const seed = process.env.AEGIS_FUZZ_SEED === undefined ? undefined : Number(process.env.AEGIS_FUZZ_SEED);
  const numRuns = Number.isSafeInteger(runs) && runs > 0 ? runs : defaultRuns;
  const report = process.env.AEGIS_FUZZ_REPORT;
  if (report) {
    const state = expect.getState();
    appendFileSync(report, `${JSON.stringify({ suite: state.testPath ?? "", test: state.currentTestName ?? "", runs: numRuns })}\n`);
  }
  return { numRuns, ...(seed !== undefined && Number.isSafeInteger(seed) ? { seed } : {}) };
}
