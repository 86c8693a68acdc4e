// Builds the workspace only when a source is newer than its build, so `npm run devnet` (and its
// --help, status, stop) starts at once on an unchanged tree and says so when it compiles.
// Compares each TypeScript project's sources (src/**, tsconfig.json, the .proto files for the
// generated code) with its tsconfig.tsbuildinfo; `--force` always builds.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const PROJECTS = ["p2p", "consumer-sdk", "consumer-runtime", "consumer-chains", "hub", "devnet"];

function newest(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let m = 0;
  for (const e of readdirSync(path)) if (e !== "node_modules" && e !== "dist") m = Math.max(m, newest(join(path, e)));
  return m;
}

function staleReason() {
  const protoTime = newest(join(root, "proto"));
  for (const p of PROJECTS) {
    const info = join(root, p, "tsconfig.tsbuildinfo");
    if (!existsSync(info) || !existsSync(join(root, p, "dist"))) return `${p} was never built`;
    const built = statSync(info).mtimeMs;
    if (Math.max(newest(join(root, p, "src")), newest(join(root, p, "tsconfig.json"))) > built) return `${p}/src changed`;
    if (p === "consumer-sdk" && protoTime > built) return "proto changed";
  }
  const ui = join(root, "devnet", "dashboard");
  if (existsSync(ui)) {
    const bundle = join(ui, "dist", "app.js");
    if (!existsSync(bundle)) return "the dashboard was never built";
    if (Math.max(newest(join(ui, "src")), newest(join(root, "devnet", "scripts", "build-dashboard.mjs"))) > statSync(bundle).mtimeMs) return "the dashboard changed";
  }
  return null;
}

const reason = process.argv.includes("--force") ? "--force" : staleReason();
if (reason) {
  process.stderr.write(`building (${reason})…\n`);
  const r = spawnSync("npm", ["run", "build", "--silent"], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
