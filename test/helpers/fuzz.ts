/**
 * How many cases a fuzz property runs (fast-check `numRuns`), and its seed. `npm test` runs each
 * property a bounded number of times (its default); `npm run fuzz -- --runs N [--seed S]` sets
 * AEGIS_FUZZ_RUNS / AEGIS_FUZZ_SEED for many more, reproducible from the seed. A failure prints
 * fast-check's seed and path: `npm run fuzz -- --seed <seed> <file>` replays it.
 */
export function fuzzParams(defaultRuns: number): { numRuns: number; seed?: number } {
  const runs = Number(process.env.AEGIS_FUZZ_RUNS);
  const seed = process.env.AEGIS_FUZZ_SEED === undefined ? undefined : Number(process.env.AEGIS_FUZZ_SEED);
  return { numRuns: Number.isSafeInteger(runs) && runs > 0 ? runs : defaultRuns, ...(seed !== undefined && Number.isSafeInteger(seed) ? { seed } : {}) };
}
