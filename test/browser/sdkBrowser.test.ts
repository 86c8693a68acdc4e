// The SDK's verification rules in a real browser: test/browser/entry.ts, which imports
// "@aegis/consumer-sdk" as a consumer would, is bundled by esbuild for the browser (in memory, the SDK
// from its source, its dependencies from node_modules under their "browser" mappings), served with a
// small page from a loopback HTTP server, and run in headless Chromium (@sparticuz/chromium's packed
// build, driven by playwright-core: nothing downloaded). The page runs, on the committed golden vectors,
// (a) the BLS commit-certificate rule on the herumi WASM backend, (b) the Groth16 certificate rule on
// mcl-wasm, (c) checkpoint inclusion and (d) the FinalityGuard; the results come back as JSON.
// It also shows that the page is a browser (no Buffer, process, require), that nothing from node:
// was loaded, and that the page logged no error. One browser per file; if Chromium cannot start, the
// tests fail saying so (never skipped).
import sparticuz from "@sparticuz/chromium";
import * as esbuild from "esbuild";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import type { BrowserResults } from "./entry.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const readVectors = (name: string) => JSON.parse(readFileSync(join(root, "test/vectors", name), "utf8"));
const vectors = { commit: readVectors("commitCertificates.json"), zk: readVectors("zkCertificates.json"), checkpoints: readVectors("checkpoints.json") };

const LAUNCH_TIMEOUT_MS = 60_000; // the first launch unpacks Chromium into /tmp
const PAGE_TIMEOUT_MS = 60_000;
/** The flags that work on this machine (closed network; see the machine notes) on top of @sparticuz/chromium's own; playwright adds --headless. */
const EXTRA_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
/** Its flags that would make the page less of a browser than a user's: keep the same-origin policy. */
const DROPPED_FLAGS = new Set(["--disable-web-security", "--allow-running-insecure-content"]);

let server: Server | undefined;
let browser: Browser | undefined;
let page: Page | undefined;
let origin = "";
let bundle: { js: string; bytes: number; nodeExternals: string[]; warnings: string[]; ms: number };
const requests: string[] = [];
const nodeImportsLoaded: string[] = [];
const pageProblems: string[] = [];
let results: BrowserResults;
const timings: Record<string, number> = {};

async function bundleEntry() {
  const t0 = Date.now();
  const r = await esbuild.build({
    entryPoints: [join(here, "entry.ts")],
    bundle: true,
    write: false,
    platform: "browser",
    format: "esm",
    target: "es2022",
    metafile: true,
    logLevel: "silent",
    // The workspace package from its source, as jest maps it; its own package.json "browser" field
    // still applies (no native BLS, no node:crypto in a browser).
    alias: { "@aegis/consumer-sdk": join(root, "consumer-sdk/src/index.ts") },
    // No externals: a node: import that no "browser" mapping removes is left external by esbuild; the
    // page's import map points each such import at a trap on the test server, which records any load.
  });
  const nodeExternals = [
    ...new Set(Object.values(r.metafile!.inputs).flatMap((i) => i.imports.filter((x) => x.external && x.path.startsWith("node:")).map((x) => x.path))),
  ].sort();
  const js = r.outputFiles![0]!.text;
  return { js, bytes: Buffer.byteLength(js), nodeExternals, warnings: r.warnings.map((w) => `${w.text} (${w.location?.file}:${w.location?.line})`), ms: Date.now() - t0 };
}

function html(nodeExternals: string[]): string {
  const imports = Object.fromEntries(nodeExternals.map((s) => [s, `/__node__/${encodeURIComponent(s)}`]));
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Aegis SDK in a browser</title><link rel="icon" href="data:,">
<script type="importmap">${JSON.stringify({ imports })}</script>
<script type="module" src="/sdk.js"></script>
</head><body></body></html>`;
}

async function startServer(page: string, js: string): Promise<string> {
  server = createServer((req, res) => {
    const url = req.url ?? "/";
    requests.push(url);
    if (url === "/") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(page);
    } else if (url === "/sdk.js") {
      res.writeHead(200, { "content-type": "text/javascript; charset=utf-8" }).end(js);
    } else if (url.startsWith("/__node__/")) {
      nodeImportsLoaded.push(decodeURIComponent(url.slice("/__node__/".length)));
      res.writeHead(200, { "content-type": "text/javascript" }).end(`throw new Error("a node: module was loaded in the browser: ${url}");`);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((ok, fail) => {
    server!.once("error", fail);
    server!.listen(0, "127.0.0.1", () => ok());
  });
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

async function launch(): Promise<Browser> {
  let executablePath = "";
  try {
    executablePath = await sparticuz.executablePath();
    const args = [...sparticuz.args.filter((a) => !DROPPED_FLAGS.has(a)), ...EXTRA_FLAGS];
    return await chromium.launch({ executablePath, args, headless: true, timeout: LAUNCH_TIMEOUT_MS });
  } catch (e) {
    throw new Error(
      `headless Chromium could not be started here (@sparticuz/chromium executable ${executablePath || "not unpacked"}; ` +
        `playwright-core launch): ${e instanceof Error ? e.message : String(e)}. This test needs a working Chromium; it is not skipped.`,
    );
  }
}

beforeAll(async () => {
  const t0 = Date.now();
  bundle = await bundleEntry();
  origin = await startServer(html(bundle.nodeExternals), bundle.js);
  const t1 = Date.now();
  browser = await launch();
  const t2 = Date.now();
  page = await browser.newPage();
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") pageProblems.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => pageProblems.push(`pageerror: ${e.message}`));
  page.on("requestfailed", (r) => pageProblems.push(`requestfailed: ${r.url()} ${r.failure()?.errorText ?? ""}`));
  await page.goto(`${origin}/`, { timeout: PAGE_TIMEOUT_MS, waitUntil: "load" });
  // The module evaluates after the SDK's top-level awaits (herumi's WASM) have settled.
  await page.waitForFunction(() => "aegisBrowserChecks" in globalThis, undefined, { timeout: PAGE_TIMEOUT_MS }).catch((e: Error) => {
    throw new Error(`the bundle did not load in the page: ${e.message}; page problems: ${JSON.stringify(pageProblems)}`);
  });
  const t3 = Date.now();
  results = await page.evaluate(
    (v) => (globalThis as unknown as { aegisBrowserChecks: { run(v: unknown): Promise<BrowserResults> } }).aegisBrowserChecks.run(v),
    vectors,
  );
  Object.assign(timings, { bundleMs: bundle.ms, launchMs: t2 - t1, loadMs: t3 - t2, runMs: Date.now() - t3, totalMs: Date.now() - t0 });
  if (process.env.AEGIS_BROWSER_TIMINGS) console.log(JSON.stringify({ timings, inPageMs: results.ms, zkInitMs: "initMs" in results.zk ? results.zk.initMs : null, bundleBytes: bundle.bytes }));
}, LAUNCH_TIMEOUT_MS + 3 * PAGE_TIMEOUT_MS);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await new Promise<void>((ok) => (server ? server.close(() => ok()) : ok()));
}, 30_000);

/** A section's results, failing with the page's own report when the section threw. */
function ok<T>(r: T | { error: string }): T {
  if (r && typeof r === "object" && "error" in r) throw new Error(`the section threw in the page: ${r.error}`);
  return r as T;
}

test("the bundle holds the SDK for a browser: herumi WASM, no native BLS, no node: module needed", () => {
  expect(bundle.warnings).toEqual([]);
  expect(bundle.bytes).toBeGreaterThan(100_000);
  // hash.ts imports node:crypto behind a guard; consumer-sdk/package.json's "browser" field maps it
  // (and @chainsafe/blst) away, so the bundle is self-contained; and nothing node: was loaded.
  expect(bundle.nodeExternals).toEqual([]);
  expect(nodeImportsLoaded).toEqual([]);
  expect(requests.filter((u) => u !== "/" && u !== "/sdk.js")).toEqual([]);
});

test("the page is a real browser: no Buffer, process, require or global, before and after the SDK ran", () => {
  for (const env of [results.before, results.after]) {
    expect(env.userAgent).toMatch(/HeadlessChrome\//);
    expect({ Buffer: env.Buffer, process: env.process, require: env.require, global: env.global, module: env.module }).toEqual({
      Buffer: "undefined",
      process: "undefined",
      require: "undefined",
      global: "undefined",
      module: "undefined",
    });
    expect(env.WebAssembly).toBe("object");
    expect(env.blsBackend).toBe("herumi");
    expect(env.blsBackends).toEqual(["herumi"]);
  }
});

test("(a) BLS commit certificates: the valid ones are accepted, each invalid one refused with its code", () => {
  const r = ok(results.commit);
  expect(r.blockHash).toBe(vectors.commit.blockHash);
  expect(r.valid.length).toBeGreaterThan(0);
  for (const c of r.valid) {
    expect({ name: c.name, outcome: c.outcome }).toEqual({ name: c.name, outcome: "ok" });
    expect(c.hash).toBe(c.expectedHash);
  }
  expect(r.invalid.length).toBe(vectors.commit.certificates.invalid.length);
  for (const c of r.invalid) expect({ name: c.name, outcome: c.outcome }).toEqual({ name: c.name, outcome: c.expected });
  expect(r.invalid.map((c: { outcome: string }) => c.outcome)).toContain("CERT_ERROR_INVALID_SIGNATURE"); // a pairing check refused
  expect(r.isValid).toEqual({ valid: true, invalid: false });
});

test("(b) the ZK certificate: the real Groth16 proof verifies on mcl-wasm, each invalid case refused with its code", () => {
  const r = ok(results.zk);
  expect(r.signers).toEqual([1, 2, 3]);
  expect(r.verifies).toBe(true);
  expect(r.trustedRoot).toBe(vectors.zk.certificate.validatorSetRoot);
  expect(r.invalid.length).toBe(vectors.zk.invalid.length);
  for (const c of r.invalid) expect({ name: c.name, outcome: c.outcome, verifies: c.verifies }).toEqual({ name: c.name, outcome: c.expected, verifies: false });
  expect(r.invalid.map((c: { outcome: string }) => c.outcome)).toContain("ZK_CERT_ERROR_INVALID_PROOF"); // a pairing check refused
});

test("(c) checkpoint inclusion: every valid case is included, each invalid case refused with its code", () => {
  const r = ok(results.checkpoint);
  for (const [name, hash] of Object.entries(r.headerHashes)) expect({ name, hash }).toEqual({ name, hash: vectors.checkpoints.headers[name].blockHash });
  expect(r.valid.length).toBe(vectors.checkpoints.valid.length);
  for (const c of r.valid) expect({ name: c.name, outcome: c.outcome }).toEqual({ name: c.name, outcome: "ok" });
  expect(r.invalid.length).toBe(vectors.checkpoints.invalid.length);
  for (const c of r.invalid) expect({ name: c.name, outcome: c.outcome }).toEqual({ name: c.name, outcome: c.expected });
});

test("(d) the FinalityGuard: final checkpoints accepted, a reorg below final refused, a conflict reported, the state round-trips", () => {
  const r = ok(results.guard);
  expect(r.statuses).toEqual(["ACCEPTED", "ACCEPTED", "IGNORED"]);
  expect(r.againReason).toBe("KNOWN");
  expect(r.finalHeight).toBe(8);
  expect(r.finalCheckpointHash).toBe(r.expectedFinalCheckpointHash);
  expect(r.isFinal7).toBe(true);
  expect(r.reorgs).toEqual({ belowFinal: "FINALITY_GUARD_ERROR_REORG_BELOW_FINAL", atFinal: "ok", offFinal: "FINALITY_GUARD_ERROR_REORG_OFF_FINAL_CHAIN" });
  expect(r.assertBelowFinal).toBe("FINALITY_GUARD_ERROR_REORG_BELOW_FINAL");
  expect(r.conflict).toEqual({ kind: "CONFLICTING_FINAL_CHECKPOINT", reason: "SAME_HEIGHT", unchanged: true });
  expect(r.reencoded).toBe(true);
  expect(r.decodedFinalHeight).toBe(8);
  expect(r.decodedBelowFinal).toBe("FINALITY_GUARD_ERROR_REORG_BELOW_FINAL");
  expect(r.truncated).toBe("FINALITY_GUARD_ERROR_CORRUPT_STATE");
});

test("the page logged no error or warning and no request failed", () => {
  expect(pageProblems).toEqual([]);
});
