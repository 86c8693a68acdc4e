// `npm run fuzz -- [--runs N | --bounded] [--seed S] [paths…]`: every fuzz suite (*.fuzz.test.ts) with N
// cases per property (default 10,000) instead of `npm test`'s bounded number (`--bounded`: exactly
// npm test's numbers), one suite at a time. --seed replays a failure fast-check reported. Paths narrow
// it to some suites. At the end it prints the cases run per suite (each property reports its count
// through AEGIS_FUZZ_REPORT) and writes them with jest's verdict to bench/results/fuzz.json.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const argv = process.argv.slice(2);
let runs = 10_000;
let seed;
const paths = [];
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === "--help" || a === "-h") {
    console.log(
      "usage: npm run fuzz -- [--runs N | --bounded] [--seed S] [paths…]\n" +
        "  every *.fuzz.test.ts with N cases per property (default 10000; --bounded: npm test's own numbers);\n" +
        "  --seed replays a reported failure; prints the cases per suite and writes bench/results/fuzz.json",
    );
    process.exit(0);
  } else if (a === "--bounded") {
    runs = undefined;
  } else if (a === "--runs" || a === "--seed") {
    const v = argv[++i];
    if (!v || !/^[0-9]+$/.test(v) || (a === "--runs" && Number(v) < 1)) {
      console.error(`${a} needs a ${a === "--runs" ? "positive " : ""}integer`);
      process.exit(2);
    }
    if (a === "--runs") runs = Number(v);
    else seed = v;
  } else {
    paths.push(a);
  }
}
const reportDir = mkdtempSync(join(tmpdir(), "aegis-fuzz-report-"));
const report = join(reportDir, "cases.jsonl");
writeFileSync(report, "");
const env = {
  ...process.env,
  AEGIS_FUZZ_REPORT: report,
  ...(runs !== undefined ? { AEGIS_FUZZ_RUNS: String(runs) } : {}),
  ...(seed !== undefined ? { AEGIS_FUZZ_SEED: seed } : {}),
  NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --experimental-vm-modules`.trim(),
};
if (runs === undefined) delete env.AEGIS_FUZZ_RUNS;
const args = ["--maxWorkers=1", "--testTimeout=3600000", "--json", "--outputFile", join(reportDir, "jest.json"), ...(paths.length ? paths : ["\\.fuzz\\.test\\.ts$"])];
const started = Date.now();
const code = await new Promise((resolve) => {
  const p = spawn(join(root, "node_modules", ".bin", "jest"), args, { cwd: root, env, stdio: "inherit" });
  p.on("exit", (c, signal) => resolve(c ?? (signal ? 1 : 0)));
});
const seconds = Math.round((Date.now() - started) / 1000);

const suites = new Map();
for (const line of readFileSync(report, "utf8").split("\n")) {
  if (!line) continue;
  const { suite, runs: n } = JSON.parse(line);
  const key = relative(root, suite);
  const s = suites.get(key) ?? { suite: key, properties: 0, cases: 0, failed: 0, seconds: null };
  s.properties++;
  s.cases += n;
  suites.set(key, s);
}
try {
  const jest = JSON.parse(readFileSync(join(reportDir, "jest.json"), "utf8"));
  for (const r of jest.testResults) {
    const key = relative(root, r.name);
    const s = suites.get(key) ?? { suite: key, properties: 0, cases: 0, failed: 0, seconds: null };
    s.failed = r.assertionResults.filter((t) => t.status === "failed").length;
    s.seconds = Math.round((r.endTime - r.startTime) / 100) / 10;
    suites.set(key, s);
  }
} catch {
  // jest wrote no result (it was stopped): the counts above stand alone.
}
rmSync(reportDir, { recursive: true, force: true });
const rows = [...suites.values()].filter((r) => r.properties > 0 || /\.fuzz\.test\./.test(r.suite)).sort((a, b) => a.suite.localeCompare(b.suite));
const total = rows.reduce((t, r) => ({ properties: t.properties + r.properties, cases: t.cases + r.cases, failed: t.failed + r.failed }), { properties: 0, cases: 0, failed: 0 });
console.log(`\n| suite | properties | cases | tests failed | seconds |\n|---|---|---|---|---|`);
for (const r of rows) console.log(`| ${r.suite} | ${r.properties} | ${r.cases.toLocaleString("en-US")} | ${r.failed} | ${r.seconds ?? "-"} |`);
console.log(`| total | ${total.properties} | ${total.cases.toLocaleString("en-US")} | ${total.failed} | ${seconds} |`);
mkdirSync(join(root, "bench", "results"), { recursive: true });
const out = { runsPerProperty: runs ?? "bounded (npm test)", seed: seed ?? null, seconds, exitCode: code, suites: rows, total, node: process.version, at: new Date().toISOString() };
writeFileSync(join(root, "bench", "results", "fuzz.json"), `${JSON.stringify(out, null, 2)}\n`);
console.log(`wrote bench/results/fuzz.json`);
process.exit(code);
