/**
 * A consumer node's HTTP API (consumer-runtime/src/apiServer.ts, routes CONSUMER_API_ROUTES) fuzzed
 * against a running producer node (the test KvEnvironment over a temporary level store, libp2p and
 * the API on loopback): every route with parameters near the valid ones (heights, hashes, query
 * paths, percent-encodings), random requests (methods, paths, headers, content types, bodies that are
 * not JSON or not UTF-8), and POST /txs with mutated transactions and envelopes. For every case: an
 * answer within ANSWER_BOUND_MS, never a 5xx, a 2xx that decodes, any other status with the hub
 * API's error body (`{ error: { code, message } }`) and a code that fits it; refused transactions
 * change neither the mempool nor the state; the node keeps producing blocks.
 * `npm run fuzz -- consumer-runtime/test/fuzz/consumerApi.fuzz.test.ts` runs many more cases.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { encodeBase64, encodeHex, readArray, readBase64, readBoolean, readHex, readInt, readNullable, readObject, readString, utf8 } from "@aegis/consumer-sdk";
import { nullLogger } from "@aegis/p2p";
import { ConsumerApiServer, ConsumerNode, decodeFinalityJson, encodeSubmitConsumerTxJson, MAX_TX_BYTES, CONSUMER_API_LIMITS, type ConsumerNodeConfig } from "../../src/index.js";
import { fuzzParams } from "../../../test/helpers/fuzz.js";
import {
  assertApiError,
  bodyArb,
  contentTypeArb,
  decodesBack,
  encodeParam,
  encodingArb,
  extraHeadersArb,
  httpRequestBytes,
  jsonOf,
  methodArb,
  paramValueArb,
  queryArb,
  rawExchange,
  stringishArb,
  type Encoding,
  type RawAnswer,
} from "../../../test/helpers/httpFuzz.js";
import { CONSUMER, GENESIS_TIME, PRODUCER_PK, PRODUCER_SK } from "../helpers/chainFixtures.js";
import { KvEnvironment } from "../helpers/kvEnvironment.js";

// The JSON of the routes without a decoder in consumerApiJson.ts, read with the SDK's primitives.
const readHash = (v: unknown, p: string) => readHex(v, p, 32);
function decodeStatus(json: unknown): void {
  const o = readObject(json, "$", ["consumerId", "vm", "genesisHash", "height", "headHash", "headTime", "hubFinalHeight", "peerId", "peers", "mempoolSize", "producer", "checkpointsSent", "checkpointSubmitter"]);
  readString(o.consumerId, "$.consumerId", 64, 1);
  readString(o.vm, "$.vm", 32, 1);
  readHash(o.genesisHash, "$.genesisHash");
  readHash(o.headHash, "$.headHash");
  for (const k of ["height", "headTime", "hubFinalHeight", "peers", "mempoolSize"]) readInt(o[k], `$.${k}`, 0);
  readString(o.peerId, "$.peerId", 128, 1);
  readBoolean(o.producer, "$.producer");
  readNullable(o.checkpointsSent, "$.checkpointsSent", (x, p) => readInt(x, p, 0));
  readNullable(o.checkpointSubmitter, "$.checkpointSubmitter", (x, p) => {
    const s = readObject(x, p, ["connected", "lastError"]);
    readBoolean(s.connected, `${p}.connected`);
    readNullable(s.lastError, `${p}.lastError`, (e, q) => readString(e, q, 400, 1));
  });
}
const readReceipt = (v: unknown, p: string) => {
  const r = readObject(v, p, ["code", "log"], ["data"]);
  readInt(r.code, `${p}.code`, 0);
  readString(r.log, `${p}.log`, 64 * 1024);
};
function decodeBlock(json: unknown): number {
  const o = readObject(json, "$", ["hash", "header", "signature", "txs", "receipts", "final"]);
  readHash(o.hash, "$.hash");
  const h = readObject(o.header, "$.header", ["consumerId", "height", "time", "parentHash", "txRoot", "stateRoot", "producerIndex"]);
  for (const k of ["parentHash", "txRoot", "stateRoot"]) readHash(h[k], `$.header.${k}`);
  readHex(o.signature, "$.signature", { min: 0, max: 64 }); // the genesis block is not signed
  const txs = readArray(o.txs, "$.txs", 10_000, (x, p) => readBase64(x, p, 1, MAX_TX_BYTES));
  const receipts = readArray(o.receipts, "$.receipts", 10_000, readReceipt);
  if (receipts.length !== txs.length) throw new Error("a receipt per transaction");
  readBoolean(o.final, "$.final");
  return readInt(h.height, "$.header.height", 0);
}
function decodeTx(json: unknown): void {
  const o = readObject(json, "$", ["hash", "height", "blockHash", "index", "tx", "receipt", "final"]);
  readHash(o.hash, "$.hash");
  readHash(o.blockHash, "$.blockHash");
  readInt(o.height, "$.height", 1);
  readInt(o.index, "$.index", 0);
  readBase64(o.tx, "$.tx", 1, MAX_TX_BYTES);
  readReceipt(o.receipt, "$.receipt");
  readBoolean(o.final, "$.final");
}
function decodeSubmitted(json: unknown): void {
  const o = readObject(json, "$", ["hash", "added"]);
  readHash(o.hash, "$.hash");
  readBoolean(o.added, "$.added");
}

let dir: string;
let node: ConsumerNode;
let base: string;
/** A transaction that is in a block, and the key it wrote. */
let committedTx: Uint8Array;
let committedHash: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "aegis-consumer-fuzz-"));
  const config: ConsumerNodeConfig = {
    consumerId: CONSUMER,
    vm: "kv",
    genesisTime: GENESIS_TIME,
    producerKeys: [PRODUCER_PK],
    genesis: {},
    p2p: { listen: ["/ip4/127.0.0.1/tcp/0"], bootstrap: [] },
    api: { host: "127.0.0.1", port: 0 },
    producer: { index: 0, secretKey: PRODUCER_SK, blockIntervalMs: 50, emptyBlockIntervalMs: 100 },
  };
  node = await ConsumerNode.start(config, new KvEnvironment(), dir, { logger: nullLogger });
  base = node.api.url;
  committedTx = utf8("fuzzed=yes");
  const r = await send({ method: "POST", target: "/txs", headers: [["Content-Type", "application/json"]], body: JSON.stringify(encodeSubmitConsumerTxJson(committedTx)) });
  expect(r.status).toBe(202);
  committedHash = (jsonOf(r) as { hash: string }).hash;
  await until("the transaction in a block", async () => (await send({ method: "GET", target: `/txs/${committedHash}` })).status === 200);
}, 60_000);
afterAll(async () => {
  await node?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(20);
  }
}
const send = (req: Parameters<typeof httpRequestBytes>[0], opts: { awaitClose?: number } = {}) => rawExchange(base, httpRequestBytes(req), { headRequest: req.method === "HEAD", ...opts });
const head = () => node.chain.head.header.height;

/** What refused input must not change: the mempool and the state under the head (the head itself moves on). */
async function stateOf(): Promise<{ mempool: number; committed: unknown; probe: unknown }> {
  const q = async (key: string) => {
    const a = await send({ method: "GET", target: `/query/kv/${key}` });
    return a.status === 200 ? jsonOf(a) : a.status;
  };
  const committed = (await q("fuzzed")) as { value?: string };
  return { mempool: node.mempool.size, committed: committed.value, probe: await q("probe") };
}

// ---------------------------------------------------------------------------------------------
// Every route with near-valid parameters
// ---------------------------------------------------------------------------------------------

interface Param {
  value: string;
  how: Encoding;
  salt: number;
}
const paramArb = (valid: fc.Arbitrary<string>): fc.Arbitrary<Param> => fc.record({ value: paramValueArb(valid), how: encodingArb, salt: fc.nat() });
const validHeightArb = fc.oneof(fc.integer({ min: 0, max: 3 }).map(String), fc.constant("latest"), fc.integer({ min: 4, max: 1e9 }).map(String));
const validHashArb = fc.oneof(
  fc.constant(null).map(() => committedHash),
  fc.constant(null).map(() => committedHash.toUpperCase()),
  fc.constant(null).map(() => `0x${committedHash}`),
  fc.uint8Array({ minLength: 32, maxLength: 32 }).map(encodeHex),
  fc.uint8Array({ minLength: 31, maxLength: 33 }).map(encodeHex),
);
const querySegmentArb = fc.oneof(fc.constantFrom("kv", "fuzzed", "genesis", "probe", "accounts", "", "..", "%"), stringishArb);

type RouteCase =
  | { route: "status" | "finality" | "metrics"; query: string }
  | { route: "block"; height: Param; query: string }
  | { route: "tx"; hash: Param; query: string }
  | { route: "query"; segments: Param[]; query: string };
const routeCaseArb: fc.Arbitrary<RouteCase> = fc.oneof(
  fc.record({ route: fc.constantFrom("status" as const, "finality" as const, "metrics" as const), query: queryArb([], stringishArb) }),
  fc.record({ route: fc.constant("block" as const), height: paramArb(validHeightArb), query: queryArb([], stringishArb) }),
  fc.record({ route: fc.constant("tx" as const), hash: paramArb(validHashArb), query: queryArb([], stringishArb) }),
  fc.record({ route: fc.constant("query" as const), segments: fc.array(paramArb(querySegmentArb), { minLength: 0, maxLength: 3 }), query: queryArb(["height"], paramValueArb(validHeightArb)) }),
);

function targetOf(c: RouteCase): string {
  const enc = (p: Param) => encodeParam(p.value, p.how, p.salt);
  switch (c.route) {
    case "status":
    case "finality":
    case "metrics":
      return `/${c.route}${c.query}`;
    case "block":
      return `/blocks/${enc(c.height)}${c.query}`;
    case "tx":
      return `/txs/${enc(c.hash)}${c.query}`;
    case "query":
      return `/query/${c.segments.map(enc).join("/")}${c.query}`;
  }
}

const isHeight = (v: string) => v === "latest" || (/^[0-9]{1,16}$/.test(v) && Number.isSafeInteger(Number(v)));
const isHash = (v: string) => /^(0x)?[0-9a-fA-F]{64}$/.test(v);

/** The answer the route's rules give, when every parameter decodes back to what was generated. */
function expectedAnswer(c: RouteCase, tip: number): { status: number; code?: string } | undefined {
  if (c.route === "block") {
    const v = c.height.value;
    if (!decodesBack(v, c.height.how) || v === "" || c.query !== "") return undefined;
    if (v.length > CONSUMER_API_LIMITS.maxParamLength) return { status: 414, code: "API_ERROR_URI_TOO_LONG" };
    if (!isHeight(v)) return { status: 400, code: "API_ERROR_INVALID_HEIGHT" };
    return v === "latest" || Number(v) <= tip ? { status: 200 } : Number(v) > tip + 1000 ? { status: 404, code: "API_ERROR_NOT_FOUND" } : undefined;
  }
  if (c.route === "tx") {
    const v = c.hash.value;
    if (!decodesBack(v, c.hash.how) || v === "" || c.query !== "") return undefined;
    if (v.length > CONSUMER_API_LIMITS.maxParamLength) return { status: 414, code: "API_ERROR_URI_TOO_LONG" };
    if (!isHash(v)) return { status: 400, code: "API_ERROR_BAD_REQUEST" };
    return v.replace(/^0x/, "").toLowerCase() === committedHash ? { status: 200 } : { status: 404, code: "API_ERROR_NOT_FOUND" };
  }
  if (c.route === "query") {
    // Each segment decoded once, as the router does; a "/" inside one (%2F) splits it.
    if (c.query !== "" || c.segments.some((p) => !decodesBack(p.value, p.how))) return undefined;
    const path = c.segments.flatMap((p) => p.value.split("/")).filter((s) => s.length > 0);
    if (path.length !== 2 || path[0] !== "kv") return { status: 400, code: "API_ERROR_BAD_REQUEST" };
    return ["fuzzed", "genesis"].includes(path[1]!) ? { status: 200 } : { status: 404, code: "API_ERROR_NOT_FOUND" };
  }
  return c.query === "" ? { status: 200 } : undefined;
}

function checkRouteAnswer(c: RouteCase, a: RawAnswer): void {
  if (a.status >= 200 && a.status < 300) {
    if (c.route === "metrics") return void expect(a.headers["content-type"]).toMatch(/^text\/plain/);
    const json = jsonOf(a);
    if (c.route === "status") decodeStatus(json);
    else if (c.route === "finality") decodeFinalityJson(json);
    else if (c.route === "block") decodeBlock(json);
    else if (c.route === "tx") decodeTx(json);
    else readObject(json, "$", ["key", "value", "root"]);
  } else assertApiError(a);
}

test("every route, parameters near the valid ones: a decodable 2xx or the error body, as the route's rules say", async () => {
  await fc.assert(
    fc.asyncProperty(routeCaseArb, extraHeadersArb, async (c, headers) => {
      const tip = head();
      const target = targetOf(c);
      const a = await send({ method: "GET", target, headers });
      try {
        checkRouteAnswer(c, a);
      } catch (e) {
        throw new Error(`GET ${target.slice(0, 80)} → ${a.status}: ${(e as Error).message}`);
      }
      const want = headers.some(([k]) => /^(transfer-encoding|expect)$/i.test(k)) ? undefined : expectedAnswer(c, tip);
      if (want) {
        const got = { status: a.status, ...(want.code ? { code: a.status >= 400 ? assertApiError(a) : undefined } : {}) };
        expect({ target: target.slice(0, 60), ...got }).toEqual({ target: target.slice(0, 60), ...want });
      }
    }),
    fuzzParams(250),
  );
});

// ---------------------------------------------------------------------------------------------
// Random requests
// ---------------------------------------------------------------------------------------------

const segmentArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom("status", "finality", "blocks", "txs", "query", "kv", "metrics", "latest", "1", "", ".", "..") },
  { weight: 2, arbitrary: fc.tuple(stringishArb, encodingArb, fc.nat()).map(([v, how, salt]) => encodeParam(v, how, salt)) },
);
const randomRequestArb = fc.record({
  method: methodArb,
  target: fc.oneof(
    { weight: 8, arbitrary: fc.tuple(fc.array(segmentArb, { minLength: 1, maxLength: 4 }), queryArb(["height"], paramValueArb(validHeightArb))).map(([s, q]) => `/${s.join("/")}${q}`) },
    { weight: 1, arbitrary: fc.constantFrom("/", "*", "//status", "/status/", "http://127.0.0.1/status", "status", "/query/kv/%25zz", "/query/%E0%A4%A") },
  ),
  contentType: contentTypeArb,
  headers: extraHeadersArb,
  upgrade: fc.option(fc.constantFrom("websocket", "h2c"), { freq: 6 }).map((u) => u ?? undefined),
  body: bodyArb,
});

test("random requests: methods, paths, headers, content types, upgrades and bodies get an answer in time, never a 5xx, errors with the error body; the connection closes as asked", async () => {
  const before = await stateOf();
  await fc.assert(
    fc.asyncProperty(randomRequestArb, async (r) => {
      const headers: [string, string][] = [...r.headers];
      if (r.contentType !== undefined) headers.push(["Content-Type", r.contentType]);
      if (r.upgrade !== undefined) headers.push(["Connection", "Upgrade"], ["Upgrade", r.upgrade], ["Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="], ["Sec-WebSocket-Version", "13"]);
      // Every request asks for the connection to be closed after it, but one asking to switch protocols
      // (which this server does not: Node serves it as a plain keep-alive request, under its timeouts).
      const a = await rawExchange(base, httpRequestBytes({ method: r.method, target: r.target, headers, ...(r.body ? { body: r.body } : {}) }), {
        headRequest: r.method === "HEAD",
        awaitClose: 2000,
        mayStayOpen: () => r.upgrade !== undefined,
      });
      try {
        if (r.method === "HEAD" || a.status === 204) expect(a.status).toBeLessThan(500);
        else if (a.status >= 200 && a.status < 300) {
          if (/^application\/json/.test(a.headers["content-type"] ?? "")) jsonOf(a);
        } else assertApiError(a);
      } catch (e) {
        throw new Error(`${r.method} ${r.target.slice(0, 80)} → ${a.status}: ${(e as Error).message}`);
      }
    }),
    fuzzParams(300),
  );
  expect(await stateOf()).toEqual(before);
});

// ---------------------------------------------------------------------------------------------
// POST /txs
// ---------------------------------------------------------------------------------------------

/** Transactions near the environment's: key=value with bad keys, long values, other bytes. */
const txArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.tuple(fc.oneof(fc.stringMatching(/^[a-z0-9]{33,40}$/), fc.constantFrom("", "A", "k-y", "k y", "é", "probe\n")), fc.string({ maxLength: 10 })).map(([k, v]) => utf8(`${k}=${v}`)),
  fc.string({ minLength: 257, maxLength: 300 }).map((v) => utf8(`probe=${v}`)),
  fc.constantFrom(utf8("probe"), utf8("=x"), utf8("Probe=1"), new Uint8Array([0xff]), new Uint8Array([0xc3, 0x28, 0x3d, 0x31])),
  // Random bytes, but not what the environment takes (it reads them as UTF-8, invalid bytes replaced).
  fc.uint8Array({ minLength: 1, maxLength: 64 }).filter((b) => !/^(fail:|[a-z0-9]{1,32}=.{0,256}$)/s.test(new TextDecoder().decode(b))),
);
const envelopeArb = fc.oneof(
  { weight: 4, arbitrary: fc.constant("ok" as const) },
  { weight: 1, arbitrary: fc.constantFrom("extra" as const, "missing" as const, "wrongType" as const, "oversized" as const, "array" as const, "unpadded" as const) },
);
function envelope(tx: Uint8Array, kind: "ok" | "extra" | "missing" | "wrongType" | "oversized" | "array" | "unpadded"): string {
  switch (kind) {
    case "ok":
      return JSON.stringify({ tx: encodeBase64(tx) });
    case "extra":
      return JSON.stringify({ tx: encodeBase64(tx), mode: "sync" });
    case "missing":
      return JSON.stringify({ TX: encodeBase64(tx) });
    case "wrongType":
      return JSON.stringify({ tx: [...tx] });
    case "oversized":
      return JSON.stringify({ tx: encodeBase64(new Uint8Array(MAX_TX_BYTES + 1)) });
    case "array":
      return JSON.stringify([{ tx: encodeBase64(tx) }]);
    case "unpadded":
      return JSON.stringify({ tx: encodeBase64(tx).replace(/=+$/, "") });
  }
}

test("POST /txs with transactions the environment refuses and envelopes the API refuses: 400 / 415 / 422, nothing changes", async () => {
  const before = await stateOf();
  await fc.assert(
    fc.asyncProperty(txArb, envelopeArb, contentTypeArb, async (tx, kind, contentType) => {
      const a = await send({ method: "POST", target: "/txs", headers: contentType === undefined ? [] : [["Content-Type", contentType]], body: envelope(tx, kind) });
      if (a.status === 202) throw new Error(`a malformed transaction was taken: ${Buffer.from(tx).toString("utf8").slice(0, 60)}`);
      const code = assertApiError(a);
      if (kind === "ok" && (contentType === "application/json" || contentType === "application/json; charset=utf-8")) expect({ status: a.status, code }).toEqual({ status: 422, code: "API_ERROR_TX_REJECTED" });
      if (["extra", "missing", "wrongType", "oversized", "array"].includes(kind) && contentType === "application/json") expect({ kind, status: a.status, code }).toEqual({ kind, status: 400, code: "API_ERROR_INVALID_TX" });
      expect(node.mempool.size).toBe(before.mempool);
    }),
    fuzzParams(150),
  );
  expect(await stateOf()).toEqual(before);
});

test("POST /txs: a valid transaction is taken (202), again is a duplicate (202, not added); it reaches a block", async () => {
  const body = JSON.stringify(encodeSubmitConsumerTxJson(utf8("probe=1")));
  const first = await send({ method: "POST", target: "/txs", headers: [["Content-Type", "application/json"]], body });
  expect(first.status).toBe(202);
  decodeSubmitted(jsonOf(first));
  const again = await send({ method: "POST", target: "/txs", headers: [["Content-Type", "application/json"]], body });
  if (again.status === 202) decodeSubmitted(jsonOf(again));
  await until("probe=1 in the state", async () => (await stateOf()).probe !== 404);
});

// ---------------------------------------------------------------------------------------------
// Regressions and limits
// ---------------------------------------------------------------------------------------------

describe("what the fuzzing found", () => {
  test("a query path segment with a percent sign: decoded once, no 500 (it was decoded twice: URIError → 500)", async () => {
    for (const [target, status] of [
      ["/query/kv/%25zz", 404],
      ["/query/kv/a%2525b", 404],
      ["/query/kv/%25", 404],
      ["/query/kv/fuzzed", 200],
      ["/query/%6Bv/fuzz%65d", 200],
    ] as const) {
      const a = await send({ method: "GET", target });
      expect({ target, status: a.status }).toEqual({ target, status });
      if (status !== 200) expect(assertApiError(a)).toBe("API_ERROR_NOT_FOUND");
    }
  });

  test("the router's and the HTTP server's refusals have the error body (they had fastify's own)", async () => {
    for (const [req, status, code] of [
      [{ method: "GET", target: "/blocks/%zz" }, 400, "API_ERROR_BAD_REQUEST"],
      [{ method: "GET", target: `/blocks/${"7".repeat(5000)}` }, 414, "API_ERROR_URI_TOO_LONG"],
      [{ method: "GET", target: `/txs/${"a".repeat(CONSUMER_API_LIMITS.maxParamLength + 1)}` }, 414, "API_ERROR_URI_TOO_LONG"],
      [{ method: "GET", target: "/blocks/1\u0001" }, 400, "API_ERROR_BAD_REQUEST"],
      [{ method: "POST", target: "/txs", headers: [["Expect", "nonsense"]] as [string, string][], body: "{}" }, 417, "API_ERROR_BAD_REQUEST"],
      [{ method: "CONNECT", target: "127.0.0.1:443" }, 400, "API_ERROR_BAD_REQUEST"],
    ] as const) {
      const a = await send(req as Parameters<typeof httpRequestBytes>[0], { awaitClose: 2000 });
      expect({ target: req.target.slice(0, 30), status: a.status, code: assertApiError(a) }).toEqual({ target: req.target.slice(0, 30), status, code });
      expect(a.body.length).toBeLessThan(500);
    }
  });

  test("a body over the limit gets API_ERROR_BODY_TOO_LARGE; a body of exactly the limit is read", async () => {
    const max = CONSUMER_API_LIMITS.maxBodyBytes;
    expect(max).toBe(2 * MAX_TX_BYTES);
    const body = (n: number) => `{"tx":"${"A".repeat(n - 9)}"}`;
    const at = await send({ method: "POST", target: "/txs", headers: [["Content-Type", "application/json"]], body: body(max) });
    expect({ status: at.status, code: assertApiError(at) }).toEqual({ status: 400, code: "API_ERROR_INVALID_TX" });
    const over = await send({ method: "POST", target: "/txs", headers: [["Content-Type", "application/json"]], body: body(max + 1) }, { awaitClose: 2000 });
    expect({ status: over.status, code: assertApiError(over) }).toEqual({ status: 413, code: "API_ERROR_BODY_TOO_LARGE" });
  });

  test("a client that sends its headers or its body slowly is cut off with a 408 (there was no timeout)", async () => {
    expect(CONSUMER_API_LIMITS).toMatchObject({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, maxParamLength: 100 });
    const tight = new ConsumerApiServer(node, nullLogger, { headersTimeoutMs: 500, requestTimeoutMs: 500, timeoutCheckIntervalMs: 100 });
    await tight.listen("127.0.0.1", 0);
    try {
      const { hostname, port } = new URL(tight.url);
      for (const start of [
        `POST /txs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"tx":"`,
        "GET /status HTTP/1.1\r\nHost: x\r\n",
      ]) {
        const { connect } = await import("node:net");
        const s = connect({ host: hostname, port: Number(port) });
        let answer = "";
        s.on("data", (d) => (answer += d));
        s.on("error", () => {});
        await new Promise((r) => s.once("connect", r));
        s.write(start);
        const drip = setInterval(() => s.write(start.startsWith("POST") ? "A" : "X-A: b\r\n"), 50);
        const started = Date.now();
        await new Promise((r) => s.once("close", r));
        clearInterval(drip);
        expect(Date.now() - started).toBeLessThan(3000);
        expect(answer).toMatch(/^HTTP\/1\.1 408 /);
        expect(JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4))).toEqual({ error: { code: "API_ERROR_REQUEST_TIMEOUT", message: expect.any(String) } });
      }
    } finally {
      await tight.close();
    }
  });

  test("a client's connections beyond maxConnectionsPerClient get 429 and are closed; another client is served", async () => {
    expect(CONSUMER_API_LIMITS).toMatchObject({ maxConnections: 1024, maxConnectionsPerClient: 256 });
    const tight = new ConsumerApiServer(node, nullLogger, { maxConnectionsPerClient: 2 });
    await tight.listen("127.0.0.1", 0);
    const { Agent, request } = await import("node:http");
    const get = (agent: InstanceType<typeof Agent>, localAddress: string) =>
      new Promise<{ status: number; connection: string | undefined; body: string }>((resolve, reject) => {
        const { port } = new URL(tight.url);
        const req = request({ host: "127.0.0.1", port: Number(port), path: "/status", agent, localAddress }, (res) => {
          let body = "";
          res.on("data", (d) => (body += d));
          res.on("end", () => resolve({ status: res.statusCode!, connection: res.headers.connection, body }));
        });
        req.on("error", reject);
        req.end();
      });
    const agents = [0, 1, 2, 3].map(() => new Agent({ keepAlive: true, maxSockets: 1 }));
    try {
      expect((await get(agents[0]!, "127.0.0.1")).status).toBe(200);
      expect((await get(agents[1]!, "127.0.0.1")).status).toBe(200);
      const third = await get(agents[2]!, "127.0.0.1");
      expect({ status: third.status, connection: third.connection, error: JSON.parse(third.body).error.code }).toEqual({ status: 429, connection: "close", error: "API_ERROR_TOO_MANY_CONNECTIONS" });
      expect((await get(agents[3]!, "127.0.0.2")).status).toBe(200);
      expect((await get(agents[0]!, "127.0.0.1")).status).toBe(200);
    } finally {
      for (const a of agents) a.destroy();
      await tight.close();
    }
  });
});
