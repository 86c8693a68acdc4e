// `npm run sim -- [--seeds N] [--from S] [--validators V] [--crashes C] [--byzantine K|drawn] [--max-gst-ms M]`: the real consensus engine
// under deterministic simulation (hub/src/sim/engineSim.ts) for N seeds from S (default 1,000 from 1);
// prints each failing seed with its replay command and a summary, and exits 1 when any seed fails.
import { runEngineSimulation } from "../hub/dist/sim/engineSim.js";

const argv = process.argv.slice(2);
const opt = { seeds: 1000, from: 1 };
const sim = {};
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === "--help" || a === "-h") {
    console.log("usage: npm run sim -- [--seeds N] [--from S] [--validators V] [--crashes C] [--byzantine K|drawn] [--max-gst-ms M]\n  runs seeds S..S+N-1 of the real-engine simulation (--byzantine: K double voters, or a number drawn per seed;\n  default none); a failing seed prints its replay command");
    process.exit(0);
  }
  const v = argv[++i];
  if (a === "--byzantine" && v === "drawn") {
    sim.byzantine = "drawn";
    continue;
  }
  if (!["--seeds", "--from", "--validators", "--crashes", "--byzantine", "--max-gst-ms"].includes(a) || !v || !/^[0-9]+$/.test(v)) {
    console.error(`unknown or malformed option ${a} ${v ?? ""} (see --help)`);
    process.exit(2);
  }
  if (a === "--seeds") opt.seeds = Number(v);
  else if (a === "--from") opt.from = Number(v);
  else if (a === "--validators") sim.validators = Number(v);
  else if (a === "--byzantine") sim.byzantine = Number(v);
  else if (a === "--max-gst-ms") sim.maxGstMs = Number(v);
  else sim.crashes = Number(v);
}
if (sim.validators !== undefined && sim.validators < 1) {
  console.error("--validators must be at least 1");
  process.exit(2);
}
const t0 = Date.now();
const totals = { seeds: 0, failed: 0, crashes: 0, inWrite: 0, restarts: 0, syncs: 0, votes: 0 };
for (let seed = opt.from; seed < opt.from + opt.seeds; seed++) {
  const r = await runEngineSimulation(seed, sim);
  totals.seeds++;
  totals.crashes += r.crashes;
  totals.inWrite += r.crashesInWrite;
  totals.restarts += r.restarts;
  totals.syncs += r.syncs;
  totals.votes += r.votesSigned;
  if (r.violations.length > 0) {
    totals.failed++;
    const flags = [sim.validators !== undefined ? ` --validators ${sim.validators}` : "", sim.crashes !== undefined ? ` --crashes ${sim.crashes}` : "", sim.byzantine !== undefined ? ` --byzantine ${sim.byzantine}` : "", sim.maxGstMs !== undefined ? ` --max-gst-ms ${sim.maxGstMs}` : ""].join("");
    console.log(`FAIL seed ${seed}: ${r.violations.join("; ")}\n  replay: npm run sim -- --from ${seed} --seeds 1${flags}`);
  }
  if (totals.seeds % 100 === 0) process.stderr.write(`  ${totals.seeds}/${opt.seeds} seeds, ${totals.failed} failed, ${Math.round((Date.now() - t0) / 1000)} s\n`);
}
const s = (Date.now() - t0) / 1000;
console.log(`| seeds | failed | crashes (in a write) | restarts | blocks synced | votes signed | time |`);
console.log(`|---|---|---|---|---|---|---|`);
console.log(`| ${totals.seeds} (from ${opt.from}) | ${totals.failed} | ${totals.crashes} (${totals.inWrite}) | ${totals.restarts} | ${totals.syncs} | ${totals.votes} | ${s.toFixed(0)} s |`);
process.exit(totals.failed > 0 ? 1 : 0);
