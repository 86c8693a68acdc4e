/**
 * The docs cannot rot: every code block of README.md and docs/*.md is run here, against one devnet, as
 * a reader would run it (test/helpers/docBlocks.ts says how a block is marked). The reader's setting
 * is a fresh folder holding the repository's node_modules (so `npx aegis` and the workspace packages
 * resolve) and the devnet's home as `.devnet`; `HOME` is that folder too, so keys made by the docs
 * land in its `~/.aegis`, never in the user's. Two substitutions, and only these: `npm run <script>`
 * runs in the repository (its scripts are the repository's), `npm run devnet …` with
 * `--home <the folder>/.devnet` added; and the devnet the docs share is started with
 * `--zk-circuit quorum4 --zk-interval 20000 --consumers 1` (the circuit the other tests build and
 * cache, instead of quorum8; a certificate every 20 s instead of 2: the prover's proofs were a third of
 * the devnet's CPU, and no doc waits for one; and only `ledger-1`, the consumer chain the docs read:
 * each chain, its two nodes and its checkpoints cost the devnet about 40% of a core, which the other
 * suites were starved of while the docs ran; dashboard.test.ts runs the three, consumerChains.test.ts
 * each). Ports are the documented defaults, so nothing else may listen on 26656–26760 or
 * 27756–27761 while this runs (jest runs one suite at a time here).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync, symlinkSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { jest } from "@jest/globals";
import { parseDocBlocks, type DocBlock } from "../helpers/docBlocks.js";
import { makeTempDir, removeDir, waitFor } from "../helpers/e2eUtils.js";

jest.setTimeout(600_000);

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const DOCS = ["README.md", ...readdirSync(join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];
/** The order the tutorials build on each other (the devnet first); the rest after. */
const ORDER = ["docs/devnet.md", "README.md", "docs/staking.md", "docs/launch-an-app-chain.md"];
const ordered = [...ORDER.filter((d) => DOCS.includes(d)), ...DOCS.filter((d) => !ORDER.includes(d))];

let work: string;
let devnet: ChildProcess | undefined;
let devnetOut = "";

/**
 * bash prelude: the shell variables earlier blocks of the same document set are there (a reader's
 * terminal keeps them; $DOC_ENV holds them between blocks), and `npm run devnet …` is run in the
 * repository on the docs' devnet home.
 */
const PRELUDE = `set -eo pipefail
__vars_before=" $(compgen -v | tr '\\n' ' ') "
if [ -f "$DOC_ENV" ]; then source "$DOC_ENV"; fi
__save_vars() { for v in $(compgen -v); do case "$__vars_before" in *" $v "*) ;; *) case "$v" in __vars_before|v|FUNCNAME|BASH_*|PIPESTATUS|_) ;; *) declare -p "$v" >> "$DOC_ENV" 2>/dev/null || true;; esac;; esac; done; }
trap __save_vars EXIT
npm() {
  if [ "$1" = run ] && [ "$2" = devnet ]; then
    shift 2; [ "$1" = "--" ] && shift
    (cd "$AEGIS_REPO" && command npm run --silent devnet -- "$@" --home "$DEVNET_HOME")
  elif [ "$1" = run ]; then (cd "$AEGIS_REPO" && command npm "$@")
  else command npm "$@"; fi
}
`;

let docEnv = "";
/** How long each block took (printed after the run: what the docs cost the suite). */
const timings: string[] = [];

function env(): NodeJS.ProcessEnv {
  return {
    DOC_ENV: docEnv,
    ...process.env,
    HOME: work,
    // The circuit cache stays the user's (built once, shared with the other tests).
    XDG_CACHE_HOME: process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"),
    AEGIS_REPO: ROOT,
    DEVNET_HOME: join(work, ".devnet"),
    AEGIS_DEVNET: join(work, ".devnet", "devnet.json"),
    PATH: `${join(ROOT, "node_modules", ".bin")}:${process.env.PATH}`,
    NODE_OPTIONS: "",
  };
}

function run(code: string, timeoutMs = 120_000): Promise<{ code: number | null; out: string }> {
  return new Promise((res) => {
    const p = spawn("bash", ["-c", PRELUDE + code], { cwd: work, env: env(), stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    p.stdout.on("data", (d: Buffer) => (out += d.toString()));
    p.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => p.kill("SIGKILL"), timeoutMs);
    p.on("exit", (c) => {
      clearTimeout(timer);
      res({ code: c, out });
    });
  });
}

/** SIGINT (to its process group when it leads one), SIGKILL after `graceMs`. */
function stopProcess(p: ChildProcess, graceMs = 15_000, group = false): Promise<void> {
  const signal = (s: NodeJS.Signals) => {
    try {
      if (group && p.pid) process.kill(-p.pid, s);
      else p.kill(s);
    } catch {
      /* gone */
    }
  };
  return new Promise((res) => {
    if (p.exitCode !== null || p.signalCode !== null) {
      if (group) signal("SIGKILL"); // what it started may outlive it
      return res();
    }
    const t = setTimeout(() => signal("SIGKILL"), graceMs);
    p.once("exit", () => {
      clearTimeout(t);
      if (group) signal("SIGKILL");
      res();
    });
    signal("SIGINT");
  });
}

const parsed = new Map<string, DocBlock[]>(ordered.map((d) => [d, parseDocBlocks(readFileSync(join(ROOT, d), "utf8"), d)]));

beforeAll(async () => {
  work = await makeTempDir("docs");
  symlinkSync(join(ROOT, "node_modules"), join(work, "node_modules"));
});

afterAll(async () => {
  if (timings.length) console.log(`doc blocks:\n${timings.join("\n")}`);
  if (devnet) await stopProcess(devnet, 20_000);
  await removeDir(work);
});

test("every code block of the docs is accounted for, and the docs name one devnet command", () => {
  const devnetBlocks = [...parsed.values()].flat().filter((b) => b.directive.kind === "devnet");
  expect(devnetBlocks.length).toBeGreaterThan(0);
  for (const b of devnetBlocks) expect(b.code.trim()).toBe("npm run devnet");
});

describe.each(ordered)("%s", (doc) => {
  test("its code blocks run as written", async () => {
    docEnv = join(work, `.doc-env-${doc.replace(/[^a-z0-9]/gi, "_")}`);
    const background: ChildProcess[] = [];
    try {
      for (const b of parsed.get(doc)!) {
        const where = `${doc}:${b.line}`;
        const d = b.directive;
        if (d.kind === "skip") continue;
        if (b.lang === "json") {
          expect(() => JSON.parse(b.code)).not.toThrow();
          continue;
        }
        if (d.kind === "devnet") {
          if (devnet) continue;
          const t0 = Date.now();
          devnet = spawn("npm", ["run", "--silent", "devnet", "--", "--home", join(work, ".devnet"), "--zk-circuit", "quorum4", "--zk-interval", "20000", "--consumers", "1"], { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: "" }, stdio: ["ignore", "pipe", "pipe"] });
          devnet.stdout!.on("data", (x: Buffer) => (devnetOut += x.toString()));
          devnet.stderr!.on("data", (x: Buffer) => (devnetOut += x.toString()));
          await waitFor(() => /is running/.test(devnetOut) || devnet!.exitCode !== null, 400_000, `${where}: the devnet says it is running`);
          if (devnet.exitCode !== null) throw new Error(`${where}: the devnet exited: ${devnetOut}`);
          timings.push(`${where} devnet ${Date.now() - t0} ms`);
          continue;
        }
        if (d.kind === "file") {
          await mkdir(dirname(join(work, d.path)), { recursive: true });
          await writeFile(join(work, d.path), b.code + "\n");
          continue;
        }
        if (d.kind === "background") {
          // Its own process group: stopping it reaches what bash started (bash does not pass SIGINT on).
          const p = spawn("bash", ["-c", PRELUDE + b.code], { cwd: work, env: env(), stdio: ["ignore", "pipe", "pipe"], detached: true });
          let out = "";
          p.stdout!.on("data", (x: Buffer) => (out += x.toString()));
          p.stderr!.on("data", (x: Buffer) => (out += x.toString()));
          background.push(p);
          const t0 = Date.now();
          await waitFor(() => d.ready.test(out) || p.exitCode !== null, 180_000, `${where}: output matching ${d.ready}`);
          if (!d.ready.test(out)) throw new Error(`${where}: exited (${p.exitCode}) before its output matched ${d.ready}:\n${out}`);
          timings.push(`${where} background ready ${Date.now() - t0} ms`);
          continue;
        }
        const t0 = Date.now();
        const tries = d.kind === "expect" ? d.tries : 1;
        let last = { code: null as number | null, out: "" };
        for (let i = 0; i < tries; i++) {
          last = await run(b.code);
          if (last.code === 0 && (d.kind !== "expect" || d.pattern.test(last.out))) break;
          if (i + 1 < tries) await new Promise((r) => setTimeout(r, 1000));
        }
        if (last.code !== 0) throw new Error(`${where}: exited with ${last.code}:\n${b.code}\n---\n${last.out}`);
        if (d.kind === "expect" && !d.pattern.test(last.out)) throw new Error(`${where}: output does not match ${d.pattern}:\n${last.out}`);
        timings.push(`${where} ${Date.now() - t0} ms`);
      }
    } finally {
      await Promise.all(background.map((p) => stopProcess(p, 15_000, true)));
    }
  });
});

test("the devnet the docs used is stopped cleanly by the documented command", async () => {
  if (!devnet) return expect(existsSync(join(work, ".devnet"))).toBe(false);
  const r = await run("npm run devnet -- stop");
  expect(r).toMatchObject({ code: 0 });
  expect(r.out).toMatch(/stopped/);
  await waitFor(() => devnet!.exitCode !== null || devnet!.signalCode !== null, 30_000, "the devnet process exits");
});
