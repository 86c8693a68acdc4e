// `npm run fuzz -- [--runs N] [--seed S] [paths…]`: every fuzz suite (*.fuzz.test.ts) with N cases per
// property (default 10,000) instead of `npm test`'s bounded number, one suite at a time. --seed replays
// a failure fast-check reported. Paths narrow it to some suites.
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const argv = process.argv.slice(2);
let runs = 10_000;
let seed;
const paths = [];
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === "--help" || a === "-h") {
    console.log("usage: npm run fuzz -- [--runs N] [--seed S] [paths…]\n  every *.fuzz.test.ts with N cases per property (default 10000); --seed replays a reported failure");
    process.exit(0);
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
const env = { ...process.env, AEGIS_FUZZ_RUNS: String(runs), ...(seed !== undefined ? { AEGIS_FUZZ_SEED: seed } : {}), NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --experimental-vm-modules`.trim() };
const args = ["--maxWorkers=1", "--testTimeout=3600000", ...(paths.length ? paths : ["\\.fuzz\\.test\\.ts$"])];
const p = spawn(join(root, "node_modules", ".bin", "jest"), args, { cwd: root, env, stdio: "inherit" });
p.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
