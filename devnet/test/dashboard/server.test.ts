// The dashboard server without a devnet: what it serves, its refusals, and the /live protocol's first
// message. (With a real devnet: test/e2e/dashboard.test.ts.)
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDashboard, type DashboardServer } from "../../src/dashboard/server.js";
import type { DashboardMessage, DashboardSnapshot } from "../../src/dashboard/dashboardSnapshot.js";

let dir: string;
let server: DashboardServer | undefined;
const log: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "aegis-dashboard-"));
  await writeFile(join(dir, "index.html"), "<!doctype html><title>test page</title>");
  server = await startDashboard({ host: "127.0.0.1", port: 0, devnetJsonPath: join(dir, "missing", "devnet.json"), staticDir: dir, log: (l) => log.push(l) });
});

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

test("serves the page and a snapshot that says the devnet is not there (yet)", async () => {
  const page = await fetch(`${server!.url}/`);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain("test page");
  const s = (await (await fetch(`${server!.url}/api/snapshot`)).json()) as DashboardSnapshot;
  expect(s).toMatchObject({ version: 1, devnet: null, nodes: [], blocks: [], consumers: [], validators: null });
  expect(s.devnetError).toMatch(/devnet\.json: no such file/);
  expect(s.limits.blocks).toBe(300);
  expect(log.some((l) => /no such file/.test(l))).toBe(true);
});

test("/live sends the snapshot first", async () => {
  const ws = new WebSocket(`${server!.url.replace("http", "ws")}/live`);
  const first = await new Promise<DashboardMessage>((resolve, reject) => {
    ws.onmessage = (ev) => resolve(JSON.parse(String(ev.data)) as DashboardMessage);
    ws.onerror = () => reject(new Error("websocket error"));
  });
  ws.close();
  expect(first.type).toBe("snapshot");
  expect(first.type === "snapshot" && first.snapshot.devnetError).toMatch(/no such file/);
});

test("refuses a port in use and a page that is not built, with clear errors", async () => {
  const port = Number(new URL(server!.url).port);
  await expect(startDashboard({ host: "127.0.0.1", port, devnetJsonPath: join(dir, "devnet.json"), staticDir: dir, log: () => {} })).rejects.toThrow(`127.0.0.1:${port} is already in use`);
  await expect(startDashboard({ host: "127.0.0.1", port: 0, devnetJsonPath: join(dir, "devnet.json"), staticDir: join(dir, "nothing"), log: () => {} })).rejects.toThrow(/the dashboard page is not built .*build-dashboard\.mjs/);
});
