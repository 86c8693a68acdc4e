// `npm test`: every suite, in two phases:
//   unit — the packages' own tests (p2p/, consumer-sdk/, …, devnet/): pure rules, in-process nodes;
//          mostly one core of computation each, so two jest processes side by side, one suite at a
//          time each (the engine simulation first, in a fresh process, then a third of the rest; the
//          other two thirds in the other process);
//   e2e  — test/: real processes (devnets, CLIs, a browser), one suite at a time on a machine the unit
//          phase has left (its suites contend with each other otherwise: ports, the shared devnet's
//          default ports in test/e2e/docs).
// The phases do not overlap: a devnet burns about two cores while a suite waits on it, so every suite
// run beside one took two to four times as long (measured: the unit suites 1,208 s beside the e2e
// run, 452 s on their own in two processes; docs.test 418–659 s beside the unit run, 131 s after it).
// Output lines are prefixed with their run; the exit code is non-zero when either run fails.
// With arguments (`npm test -- path …`) it is one plain jest run with them.
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const jest = join(root, "node_modules", ".bin", "jest");
const env = { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --experimental-vm-modules`.trim() };
const args = process.argv.slice(2);

/** Failed suites and tests, by run, repeated at the very end (where a CI log's tail shows them). */
const failures = [];

function run(name, jestArgs) {
  return new Promise((resolve) => {
    const p = spawn(jest, jestArgs, { cwd: root, env, stdio: name ? ["ignore", "pipe", "pipe"] : "inherit" });
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
/** Steps one after the other; the first non-zero exit code. */
async function inTurn(...steps) {
  let code = 0;
  for (const step of steps) code = (await step()).code || code;
  return code;
}
const UNIT_ARGS = ["--maxWorkers=1", "--testPathIgnorePatterns", "/node_modules/", "/dist/", `^${testDir}/`, `^${simDir}/`];
/**
 * The engine simulation (1,000 seeds of real BLS, about 3.5 minutes) runs first in a fresh jest
 * process: after a hundred suites in one process its seeds ran several times slower (the process had
 * grown to 2.9 GB). Jest's shards split the other suites in thirds; the simulation's side takes one.
 */
const unitCodes = await Promise.all([
  inTurn(() => run("unit", ["--maxWorkers=1", `^${simDir}/`]), () => run("unit", [...UNIT_ARGS, "--shard=1/3"])),
  inTurn(() => run("unit", [...UNIT_ARGS, "--shard=2/3"]), () => run("unit", [...UNIT_ARGS, "--shard=3/3"])),
]);
console.log(`unit phase: ${Math.round((Date.now() - started) / 1000)} s`);
const results = [{ name: "unit", code: unitCodes[0] || unitCodes[1] }, await run("e2e", ["--maxWorkers=1", "--roots", testDir])];
const took = Math.round((Date.now() - started) / 1000);
if (failures.length > 0) console.log(`failed:\n${[...new Set(failures)].join("\n")}`);
for (const r of results) console.log(`${r.name}: ${r.code === 0 ? "passed" : `FAILED (exit ${r.code})`}`);
console.log(`npm test: ${took} s`);
process.exit(results.some((r) => r.code !== 0) ? 1 : 0);
