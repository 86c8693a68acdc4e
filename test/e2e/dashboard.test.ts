/**
 * The devnet dashboard end to end: a real devnet from the CLI (four hub validators, a prover process proving ZK
 * certificates on quorum4, three consumer chains), the dashboard server started in this process on
 * its devnet.json, and the page in headless Chromium (@sparticuz/chromium through playwright-core,
 * launched as test/browser/sdkBrowser.test.ts does). Every panel shows real data: the hub height
 * advancing, blocks with their BLS certificates and a ZK certificate with its proving lag, the
 * validators with their stake and the Nakamoto coefficient of four equal stakes (2), the three
 * consumer chains hub-final. Then one hub node is killed with SIGKILL and the page shows it down
 * (and back, when the devnet has restarted it). No secret of devnet.json reaches the page; the page
 * logs no error. The screenshot goes to test/artifacts/dashboard.png.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import sparticuz from "@sparticuz/chromium";
import { jest } from "@jest/globals";
import { chromium, type Browser, type Page } from "playwright-core";
import { startDashboard, type DashboardServer } from "../../devnet/src/dashboard/server.js";
import { ensureStopped, exitWithin, HOST, makeTempDir, removeDir, reservePortRange, spawnLogged, tryGetJson, waitFor, type SpawnedProcess } from "../helpers/e2eUtils.js";

jest.setTimeout(480_000);

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const DEVNET_CLI = join(ROOT, "devnet/dist/cli.js");
const BUILD_SCRIPT = join(ROOT, "devnet/scripts/build-dashboard.mjs");
const SCREENSHOT = join(ROOT, "test/artifacts/dashboard.png");
/** As test/browser/sdkBrowser.test.ts: the flags that work on this machine, on top of @sparticuz/chromium's own. */
const EXTRA_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const DROPPED_FLAGS = new Set(["--disable-web-security", "--allow-running-insecure-content"]);
/** Generous: this devnet is 11 processes and a prover on two shared cores. */
const WAIT_MS = 180_000;

interface DevnetFile {
  faucet: { mnemonic: string } | null;
  nodes: { moniker: string; api: string; home: string }[];
  consumers: { id: string; hubAccount: { mnemonic: string }; faucet: { secretKey: string } }[];
}

let dir: string;
let home: string;
let devnet: SpawnedProcess | undefined;
let file: DevnetFile;
let dashboard: DashboardServer | undefined;
let browser: Browser | undefined;
let page: Page;
const pageProblems: string[] = [];
const dashboardLog: string[] = [];

/** Pids of live node processes (hub or consumer) whose command line names a path under `root`. */
function nodeProcessesUnder(root: string, mustInclude?: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0");
      if (cmd.includes("start") && cmd.some((a) => a.startsWith(root)) && (!mustInclude || cmd.includes(mustInclude))) pids.push(Number(name));
    } catch {
      /* exited meanwhile */
    }
  }
  return pids;
}

const attr = async (selector: string, name: string) => page.locator(selector).first().getAttribute(name);

beforeAll(async () => {
  if (!existsSync(DEVNET_CLI)) throw new Error("devnet/dist/cli.js is missing: run `npm run build` first");
  // The page as users get it (esbuild, well under a second).
  const built = spawnSync(process.execPath, [BUILD_SCRIPT], { encoding: "utf8" });
  if (built.status !== 0) throw new Error(`build-dashboard.mjs failed (${built.status}): ${built.stderr}`);
  dir = await makeTempDir("dashboard");
  home = join(dir, "home");
  const ports = ["--p2p-port", String(await reservePortRange(5)), "--api-port", String(await reservePortRange(5))];
  ports.push("--consumer-api-port", String(await reservePortRange(6)), "--consumer-p2p-port", String(await reservePortRange(6)));
  devnet = spawnLogged([DEVNET_CLI, "--validators", "4", "--home", home, ...ports, "--zk-circuit", "quorum4", "--zk-interval", "6000", "--zk-activation", "genesis", "--consumers", "3", "--no-dashboard"], join(dir, "devnet.log"));
  await waitFor(() => /is running/.test(devnet!.stdout()) || devnet!.proc.exitCode !== null, 240_000, "devnet says it is running");
  if (devnet.proc.exitCode !== null) throw new Error(`the devnet exited (${devnet.proc.exitCode}):\n${devnet.stdout().slice(-2000)}\n${devnet.stderr().slice(-2000)}`);
  file = JSON.parse(await readFile(join(home, "devnet.json"), "utf8")) as DevnetFile;

  dashboard = await startDashboard({ host: HOST, port: 0, devnetJsonPath: join(home, "devnet.json"), log: (l) => dashboardLog.push(l) });

  const executablePath = await sparticuz.executablePath();
  browser = await chromium.launch({ executablePath, args: [...sparticuz.args.filter((a) => !DROPPED_FLAGS.has(a)), ...EXTRA_FLAGS], headless: true, timeout: 60_000 });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") pageProblems.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => pageProblems.push(`pageerror: ${e.message}`));
  page.on("requestfailed", (r) => pageProblems.push(`requestfailed: ${r.url()} ${r.failure()?.errorText ?? ""}`));
}, 360_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await dashboard?.close();
  if (devnet) {
    devnet.proc.kill("SIGTERM");
    await exitWithin(devnet, 20_000);
    await ensureStopped(devnet, 5_000);
  }
  // Only when the devnet CLI had to be SIGKILLed can its nodes outlive it: end those (by pid).
  if (home) for (const pid of nodeProcessesUnder(home)) process.kill(pid, "SIGKILL");
  await removeDir(dir);
}, 60_000);

test("the dashboard shows the live devnet, then a killed hub node as down", async () => {
  const port = Number(new URL(dashboard!.url).port);
  // The port is ours now: a second dashboard on it is refused with a clear error.
  await expect(startDashboard({ host: HOST, port, devnetJsonPath: join(home, "devnet.json"), log: () => {} })).rejects.toThrow(/already in use/);

  await page.goto(dashboard!.url, { waitUntil: "load" });
  await page.waitForSelector('[data-testid="live-status"][data-connected="true"]', { timeout: 30_000 });
  for (const panel of ["panel-nodes", "panel-height-chart", "panel-latency-chart", "panel-blocks", "panel-validators", "panel-consumers", "panel-events"]) {
    await page.waitForSelector(`[data-testid="${panel}"]`, { timeout: 10_000 });
  }
  expect(await page.locator('[data-testid="connection-banner"]').count()).toBe(0);
  // Both charts drew on their canvases.
  for (const chart of ["chart-height", "chart-latency"]) {
    const size = await page.locator(`[data-testid="${chart}"] canvas`).evaluate((c: HTMLCanvasElement) => c.width * c.height);
    expect(size).toBeGreaterThan(0);
  }

  // ---- the hub height advances, every node up
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="hub-height"]')?.getAttribute("data-value")) > 0, undefined, { timeout: 30_000 });
  const h0 = Number(await attr('[data-testid="hub-height"]', "data-value"));
  await page.waitForFunction((h) => Number(document.querySelector('[data-testid="hub-height"]')?.getAttribute("data-value")) >= h + 2, h0, { timeout: 60_000 });
  for (const n of file.nodes) await page.waitForSelector(`[data-testid="node-${n.moniker}"][data-state="up"]`, { timeout: 30_000 });

  // ---- blocks with their BLS certificates: more than 2/3 of the power signed, a finality latency
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="latest-blocks"] [data-testid="bls-cert"]').length >= 3, undefined, { timeout: 60_000 });
  const bls = await page.$$eval('[data-testid="latest-blocks"] [data-testid="block-row"]', (rows) =>
    rows.map((r) => {
      const c = r.querySelector('[data-testid="bls-cert"]');
      return { signed: c?.getAttribute("data-signed-power"), total: c?.getAttribute("data-total-power"), latency: r.querySelector('[data-testid="finality-latency"]')?.textContent };
    }),
  );
  for (const b of bls.slice(0, 3)) {
    expect(3n * BigInt(b.signed!)).toBeGreaterThan(2n * BigInt(b.total!));
  }
  expect(bls.some((b) => /\d+(\.\d)? (ms|s)$/.test(b.latency ?? ""))).toBe(true);

  // ---- validators: four with stake, all active; four equal stakes → Nakamoto coefficient 2
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="validator-row"][data-status="active"]').length === 4, undefined, { timeout: 60_000 });
  const tokens = await page.$$eval('[data-testid="validator-row"]', (rows) => rows.map((r) => r.getAttribute("data-tokens")));
  expect(tokens).toHaveLength(4);
  for (const t of tokens) expect(BigInt(t!)).toBeGreaterThan(0n);
  expect(new Set(tokens).size).toBe(1);
  expect(await attr('[data-testid="nakamoto"]', "data-value")).toBe("2");

  // ---- the three consumer chains, each hub-final
  await page.waitForFunction(
    () => {
      const rows = [...document.querySelectorAll('[data-testid="consumer-row"]')];
      return rows.length === 3 && rows.every((r) => Number(r.getAttribute("data-hub-final")) > 0);
    },
    undefined,
    { timeout: WAIT_MS },
  );
  expect(await page.$$eval('[data-testid="consumer-row"]', (rows) => rows.map((r) => r.getAttribute("data-id")))).toEqual(file.consumers.map((c) => c.id));

  // ---- a succinct (ZK) certificate with its proving lag
  await page.waitForSelector('[data-testid="zk-blocks"] [data-testid="zk-cert"]:not([data-lag=""])', { timeout: WAIT_MS });
  const lag = await attr('[data-testid="zk-blocks"] [data-testid="zk-cert"]:not([data-lag=""])', "data-lag");
  expect(Number.isFinite(Number(lag))).toBe(true);

  // ---- nothing secret from devnet.json in what the page gets (the same snapshot as /live sends)
  const snapshot = JSON.stringify(await tryGetJson(`${dashboard!.url}/api/snapshot`));
  expect(snapshot.length).toBeGreaterThan(1000);
  const secrets = [file.faucet?.mnemonic, ...file.consumers.flatMap((c) => [c.hubAccount.mnemonic, c.faucet.secretKey])].filter((x): x is string => !!x);
  expect(secrets.length).toBe(7);
  for (const s of secrets) {
    expect(snapshot).not.toContain(s);
    expect(snapshot).not.toContain(s.split(" ").slice(0, 3).join(" "));
  }
  expect(await page.content()).not.toContain(secrets[0]!.split(" ").slice(0, 3).join(" "));

  // The page logged no error before anything is broken on purpose.
  expect(pageProblems).toEqual([]);

  // ---- kill -9 one hub node: the page shows it down (the devnet restarts it: then up again)
  const victim = file.nodes[3]!;
  const pids = nodeProcessesUnder(home, victim.home);
  expect(pids).toHaveLength(1);
  process.kill(pids[0]!, "SIGKILL");
  await page.waitForSelector(`[data-testid="node-${victim.moniker}"][data-state="down"]`, { timeout: 30_000 });
  await page.waitForSelector(`[data-testid="nodes-down-banner"] [data-testid="down-${victim.moniker}"]`, { timeout: 10_000 });
  await mkdir(resolve(SCREENSHOT, ".."), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  await page.waitForSelector(`[data-testid="event-list"] li[data-kind="node-down"]`, { timeout: 10_000 });
  // The other nodes stay up meanwhile.
  for (const n of file.nodes.slice(0, 3)) expect(await attr(`[data-testid="node-${n.moniker}"]`, "data-state")).toBe("up");
  await page.waitForSelector(`[data-testid="node-${victim.moniker}"][data-state="up"]`, { timeout: 120_000 });
  await page.waitForSelector(`[data-testid="event-list"] li[data-kind="node-up"]`, { timeout: 10_000 });
  expect(await page.locator('[data-testid="nodes-down-banner"]').count()).toBe(0);

  expect(pageProblems).toEqual([]);
  expect(dashboardLog.some((l) => /bad message|listener threw/.test(l))).toBe(false);

  // ---- the dashboard server itself goes away: the page says so, and reconnects when it is back
  await dashboard!.close();
  await page.waitForSelector('[data-testid="connection-banner"]', { timeout: 15_000 });
  expect(await attr('[data-testid="live-status"]', "data-connected")).toBe("false");
  dashboard = await startDashboard({ host: HOST, port, devnetJsonPath: join(home, "devnet.json"), log: (l) => dashboardLog.push(l) });
  await page.waitForSelector('[data-testid="live-status"][data-connected="true"]', { timeout: 30_000 });
  expect(await page.locator('[data-testid="connection-banner"]').count()).toBe(0);
  await page.waitForSelector(`[data-testid="node-${victim.moniker}"][data-state="up"]`, { timeout: 30_000 });
  // Only the browser's own report of the refused reconnects, nothing else.
  expect(pageProblems.filter((p) => !/WebSocket connection to 'ws:\/\/[^']+\/live' failed/.test(p))).toEqual([]);
});
