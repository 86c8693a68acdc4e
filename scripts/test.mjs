// `npm test`: every suite, in two jest runs side by side, each one suite at a time:
//   unit — the packages' own tests (p2p/, consumer-sdk/, …, devnet/): pure rules, in-process nodes;
//          mostly one core of computation;
//   e2e  — test/: real processes (devnets, CLIs, a browser), mostly waiting for blocks.
// Together they fill the two cores that one run at a time leaves half idle; each run alone keeps its
// suites from contending with each other (ports, the shared devnet's default ports in test/e2e/docs).
// Output lines are prefixed with their run; the exit code is non-zero when either run fails.
// With arguments (`npm test -- path …`) it is one plain jest run with them.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const jest = join(root, "node_modules", ".bin", "jest");
const env = { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --experimental-vm-modules`.trim() };
const args = process.argv.slice(2);

/** Failed suites and tests, by run, repeated at the very end (where a CI log's tail shows them). */
const failures = [];

function run(name, jestArgs, niceness = 0) {
  return new Promise((resolve) => {
    const [cmd, cmdArgs] = niceness > 0 && existsSync("/usr/bin/nice") ? ["/usr/bin/nice", ["-n", String(niceness), jest, ...jestArgs]] : [jest, jestArgs];
    const p = spawn(cmd, cmdArgs, { cwd: root, env, stdio: name ? ["ignore", "pipe", "pipe"] : "inherit" });
    if (name) {
      for (const [from, to] of [
        [p.stdout, process.stdout],
        [p.stderr, process.stderr],
      ]) {
        let rest = "";
        from.on("data", (d) => {
          const lines = (rest + d.toString()).split("\n");
          rest = lines.pop();
          for (const l of lines) {
            to.write(`[${name}] ${l}\n`);
            if (/^FAIL /.test(l) || /^  ● (?!Console)/.test(l)) failures.push(`[${name}] ${l.trim()}`);
          }
        });
        from.on("end", () => rest && to.write(`[${name}] ${rest}\n`));
      }
    }
    p.on("exit", (code, signal) => resolve({ name, code: code ?? (signal ? 1 : 0) }));
  });
}

if (args.length > 0) {
  const r = await run(null, args);
  process.exit(r.code);
}
const testDir = join(root, "test");
const simDir = join(root, "hub", "test", "sim");
const started = Date.now();
/**
 * The unit run in two jest processes, one after the other: the engine simulation (1,000 seeds of real
 * BLS, about 2.5 minutes) first, in a fresh process. After a hundred suites in one process its seeds
 * ran several times slower (the process had grown to 2.9 GB), and the run with it past 20 minutes.
 */
async function unitRun() {
  const sim = await run("unit", ["--maxWorkers=1", `^${simDir}/`]);
  const rest = await run("unit", ["--maxWorkers=1", "--testPathIgnorePatterns", "/node_modules/", "/dist/", `^${testDir}/`, `^${simDir}/`]);
  return { name: "unit", code: sim.code || rest.code };
}
const results = await Promise.all([
  unitRun(),
  // The end-to-end run yields the CPU to the unit run: its waits are generous (conditions over
  // seconds), while some unit suites time things in milliseconds.
  run("e2e", ["--maxWorkers=1", "--roots", testDir], 10),
]);
const took = Math.round((Date.now() - started) / 1000);
if (failures.length > 0) console.log(`failed:\n${[...new Set(failures)].join("\n")}`);
for (const r of results) console.log(`${r.name}: ${r.code === 0 ? "passed" : `FAILED (exit ${r.code})`}`);
console.log(`npm test: ${took} s`);
process.exit(results.some((r) => r.code !== 0) ? 1 : 0);
