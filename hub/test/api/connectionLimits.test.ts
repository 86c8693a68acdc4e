/**
 * The HTTP server's bounds on connections and stream subscribers (hub/src/api/httpServerLimits.ts),
 * on a real one-validator node whose config.json sets small limits (`api.limits`): a client beyond
 * its share of connections gets 429 API_ERROR_TOO_MANY_CONNECTIONS and the connection closed, the
 * server's total is Node's cap, a subscription beyond a client's share gets 429 and beyond the
 * server's total 503 API_ERROR_TOO_MANY_SUBSCRIBERS, all before anything is upgraded; closing frees
 * the slot, and the subscribers already served keep being served. Two clients are two loopback
 * source addresses (127.0.0.1 and 127.0.0.2).
 */
import { Agent, request, type IncomingHttpHeaders } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { connect as netConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import WebSocket from "ws";
import { decodeApiErrorJson } from "@aegis/consumer-sdk";
import { OVER_LIMIT_IDLE_MS } from "@aegis/p2p";
import { nullLogger } from "../../src/logger.js";
import { initHomes } from "../../src/node/initHomes.js";
import { startNodeFromHome, type RunningNode } from "../../src/node/runNode.js";

const LIMITS = { maxConnections: 8, maxConnectionsPerClient: 3, maxStreamSubscribers: 3, maxStreamSubscribersPerClient: 2 };

let dir: string;
let running: RunningNode;
let base: string;
let port: number;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "aegis-conn-limits-"));
  const res = await initHomes({ home: dir, validators: 1, chainId: "aegis-limits", consensus: { createEmptyBlocksIntervalMs: 100, rebroadcastIntervalMs: 500 } });
  running = await startNodeFromHome(res.nodes[0]!.home, {
    logger: nullLogger,
    config: (c) => ({ ...c, api: { host: "127.0.0.1", port: 0, limits: LIMITS }, p2p: { listen: ["/ip4/127.0.0.1/tcp/0"], bootstrap: [] } }),
  });
  base = running.api.url;
  port = Number(new URL(base).port);
}, 60_000);

afterAll(async () => {
  await running?.stop();
  await rm(dir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One GET over `agent` (a keep-alive agent of one socket: one connection per agent). */
function get(agent: Agent, path: string, localAddress = "127.0.0.1"): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, agent, localAddress }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.setTimeout(5000, () => req.destroy(new Error(`no answer to ${path} within 5 s`)));
    req.end();
  });
}

const keepAlive = () => new Agent({ keepAlive: true, maxSockets: 1 });
const errorCode = (a: Answer) => decodeApiErrorJson(JSON.parse(a.body)).code;

beforeEach(async () => {
  for (const c of ["127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"]) await until(`no connection left from ${c}`, () => running.api.connections.connectionsOf(c) === 0);
});

async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test("the node serves with the configured limits", () => {
  expect(running.api.limits).toMatchObject(LIMITS);
});

test("a client's connections beyond maxConnectionsPerClient get 429 and are closed; closing one frees the slot; another client is not affected", async () => {
  const agents = [keepAlive(), keepAlive(), keepAlive()];
  try {
    for (const a of agents) expect((await get(a, "/status")).status).toBe(200);
    expect(running.api.connections.connectionsOf("127.0.0.1")).toBe(3);
    const fourth = keepAlive();
    const refused = await get(fourth, "/status");
    expect({ status: refused.status, code: errorCode(refused), connection: refused.headers.connection }).toEqual({ status: 429, code: "API_ERROR_TOO_MANY_CONNECTIONS", connection: "close" });
    expect(decodeApiErrorJson(JSON.parse(refused.body)).message).toMatch(/at most 3/);
    fourth.destroy();
    // Another address is another client.
    const other = keepAlive();
    expect((await get(other, "/status", "127.0.0.2")).status).toBe(200);
    other.destroy();
    // The three served connections keep being served.
    for (const a of agents) expect((await get(a, "/validators")).status).toBe(200);
    agents.pop()!.destroy();
    await until("a slot freed", () => running.api.connections.connectionsOf("127.0.0.1") === 2);
    const next = keepAlive();
    expect((await get(next, "/status")).status).toBe(200);
    agents.push(next);
  } finally {
    for (const a of agents) a.destroy();
  }
  await until("no connection left", () => running.api.connections.connectionsOf("127.0.0.1") === 0);
});

test(`a connection beyond the client's limit that sends nothing is closed after ${OVER_LIMIT_IDLE_MS} ms`, async () => {
  const agents = [keepAlive(), keepAlive(), keepAlive()];
  try {
    for (const a of agents) expect((await get(a, "/status")).status).toBe(200);
    const started = Date.now();
    const closedAfter = await new Promise<number>((resolve) => {
      const s = netConnect({ host: "127.0.0.1", port });
      s.on("error", () => {});
      s.on("close", () => resolve(Date.now() - started));
    });
    expect(closedAfter).toBeGreaterThanOrEqual(OVER_LIMIT_IDLE_MS - 100);
    expect(closedAfter).toBeLessThan(OVER_LIMIT_IDLE_MS + 5000);
  } finally {
    for (const a of agents) a.destroy();
  }
});

test("beyond maxConnections (all clients together) a connection is closed as it is accepted", async () => {
  const agents: Agent[] = [];
  try {
    // Three clients with at most three connections each: 8 served.
    for (const [address, n] of [["127.0.0.1", 3], ["127.0.0.2", 3], ["127.0.0.3", 2]] as const) {
      for (let i = 0; i < n; i++) {
        const a = keepAlive();
        agents.push(a);
        expect((await get(a, "/status", address)).status).toBe(200);
      }
    }
    const ninth = keepAlive();
    await expect(get(ninth, "/status", "127.0.0.4")).rejects.toThrow(/socket hang up|ECONNRESET/);
    ninth.destroy();
    agents.pop()!.destroy();
    await until("a slot freed", () => running.api.connections.connectionsOf("127.0.0.3") === 1);
    const again = keepAlive();
    agents.push(again);
    expect((await get(again, "/status", "127.0.0.4")).status).toBe(200);
  } finally {
    for (const a of agents) a.destroy();
  }
});

/** A subscription from `localAddress`: the open socket, or the refusal's status and body. */
function subscribe(localAddress: string): Promise<{ ws: WebSocket; messages: unknown[] } | Answer> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${base.replace("http", "ws")}/stream/certificates`, { localAddress });
    const messages: unknown[] = [];
    ws.on("message", (d) => messages.push(JSON.parse(String(d))));
    ws.once("open", () => resolve({ ws, messages }));
    ws.once("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    ws.once("error", reject);
  });
}

test("stream subscribers: a client's third gets 429, the server's fourth 503, both before the upgrade; the subscribers served keep receiving; closing frees the slot", async () => {
  const engine = running.node.engine;
  const baseline = engine.listenerCount("commit");
  const open: WebSocket[] = [];
  try {
    const a1 = await subscribe("127.0.0.1");
    const a2 = await subscribe("127.0.0.1");
    if (!("ws" in a1) || !("ws" in a2)) throw new Error("the first two subscriptions were refused");
    open.push(a1.ws, a2.ws);
    const a3 = await subscribe("127.0.0.1");
    if ("ws" in a3) throw new Error("a third subscription of one client was accepted");
    expect({ status: a3.status, code: errorCode(a3) }).toEqual({ status: 429, code: "API_ERROR_TOO_MANY_SUBSCRIBERS" });
    const b1 = await subscribe("127.0.0.2");
    if (!("ws" in b1)) throw new Error("another client's subscription was refused");
    open.push(b1.ws);
    const b2 = await subscribe("127.0.0.2");
    if ("ws" in b2) throw new Error("a fourth subscription was accepted");
    expect({ status: b2.status, code: errorCode(b2), retryAfter: b2.headers["retry-after"] }).toEqual({ status: 503, code: "API_ERROR_TOO_MANY_SUBSCRIBERS", retryAfter: "10" });
    // Refusals subscribed nothing; the three served get the next commits.
    expect(engine.listenerCount("commit")).toBe(baseline + 3);
    const h = engine.height;
    await until("a commit streamed to every subscriber", () => [a1, a2, b1].every((s) => s.messages.some((m) => (m as { type: string; height: number }).type === "bls" && (m as { height: number }).height > h)), 10_000);
    // Closing one frees its slot for anyone.
    open.shift()!.close();
    await until("the slot freed", () => engine.listenerCount("commit") === baseline + 2);
    const b3 = await subscribe("127.0.0.2");
    if (!("ws" in b3)) throw new Error("a subscription after a close was refused");
    open.push(b3.ws);
  } finally {
    for (const ws of open) ws.terminate();
  }
  await until("no subscriber left", () => engine.listenerCount("commit") === baseline);
  const again = await subscribe("127.0.0.1");
  if (!("ws" in again)) throw new Error("refused after every subscriber left");
  again.ws.terminate();
});
