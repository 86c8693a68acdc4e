/**
 * The CometBFT-compatible JSON-RPC (hub/src/rpc/cometRpc.ts, POST / and /rpc of the node's API)
 * fuzzed against a running one-validator node: each method with its parameters by name and by
 * position, near the valid ones (wrong types, huge, negative and fractional numbers, numeric strings,
 * unicode, over-long strings, extra fields); envelopes (jsonrpc, id, method, params of any type) and
 * batches; bodies that are not JSON or not UTF-8 under any content type; broadcast_tx_* of mutated
 * signed transactions. For every case: an answer within ANSWER_BOUND_MS with JSON-RPC 2.0 response
 * objects; a parameter the method refuses is -32602 (never -32603, which is kept for what CometBFT
 * also answers so: a height or transaction this node does not have, a commit that timed out); the
 * envelope's errors are -32600 / -32601; a body that is not JSON is -32700 (HTTP 500, as CometBFT);
 * nothing refused changes the mempool or the sender's balance and sequence.
 * `npm run fuzz -- hub/test/fuzz/jsonRpc.fuzz.test.ts` runs many more cases.
 */
import fc from "fast-check";
import { encodeBase64, HUB_MAX_TX_BYTES, sha256, toHex } from "@aegis/consumer-sdk";
import { DEFAULT_HTTP_SERVER_LIMITS } from "../../src/api/index.js";
import { MAX_ABCI_QUERY_PATH, MAX_BATCH_REQUESTS } from "../../src/rpc/index.js";
import { fuzzParams } from "../../../test/helpers/fuzz.js";
import { startFuzzHub, type FuzzHub, type HubSnapshot } from "./fuzzNode.js";
import { ANSWER_BOUND_MS, badBodyArb, contentTypeArb, httpRequestBytes, jsonOf, jsonTextArb, numberishArb, rawExchange, stringishArb } from "../../../test/helpers/httpFuzz.js";
import { assertRpcAnswer, type RpcResponse } from "./rpcFuzz.js";

const CHAIN_ID = "aegis-fuzz-rpc-1";

let hub: FuzzHub;
/** A transaction from the faucet that CheckTx takes (never sent as is), and a committed one to look up. */
let validTx: Uint8Array;
let committedHash: string;
beforeAll(async () => {
  hub = await startFuzzHub(CHAIN_ID);
  const tx = await hub.validTx("committed");
  expect(hub.running.node.mempool.size).toBe(0);
  const r = await call({ jsonrpc: "2.0", id: 1, method: "broadcast_tx_commit", params: { tx: encodeBase64(tx) } });
  expect(r.result).toMatchObject({ check_tx: { code: 0 }, tx_result: { code: 0 } });
  committedHash = toHex(sha256(tx)).toUpperCase();
  validTx = await hub.validTx("fuzz");
}, 90_000);
afterAll(async () => {
  await hub?.stop();
});

async function post(body: Buffer | string, opts: { path?: string; contentType?: string } = {}) {
  const headers: [string, string][] = opts.contentType === undefined ? [] : [["Content-Type", opts.contentType]];
  const a = await rawExchange(hub.base, httpRequestBytes({ method: "POST", target: opts.path ?? "/", headers, body }));
  return { a, list: assertRpcAnswer(a, jsonOf(a)) };
}
async function call(req: unknown): Promise<RpcResponse> {
  const { list } = await post(JSON.stringify(req), { contentType: "application/json" });
  expect(list).toHaveLength(1);
  return list[0]!;
}

function assertSameState(before: HubSnapshot, after: HubSnapshot, what: string): void {
  if (JSON.stringify(before) !== JSON.stringify(after)) throw new Error(`${what} changed the state: ${JSON.stringify(before)} → ${JSON.stringify(after)}`);
}

// ---------------------------------------------------------------------------------------------
// The methods' parameter rules, as cometRpc.ts states them (the oracle)
// ---------------------------------------------------------------------------------------------

/** Each method's parameters in positional order (cometRpc.ts METHOD_PARAMS). */
const METHODS: Record<string, readonly string[]> = {
  health: [],
  status: [],
  abci_query: ["path", "data", "height", "prove"],
  broadcast_tx_sync: ["tx"],
  broadcast_tx_commit: ["tx"],
  validators: ["height", "page", "per_page"],
  tx_search: ["query", "prove", "page", "per_page", "order_by"],
  tx: ["hash", "prove"],
  block: ["height"],
};

const absent = (v: unknown) => v === undefined || v === null;
/** intParam: absent, null or "" (default), a safe integer ≥ 0, or 1-15 decimal digits. */
const intOk = (v: unknown) => absent(v) || v === "" || (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) || (typeof v === "string" && /^[0-9]{1,15}$/.test(v));
const intOf = (v: unknown, dflt: number) => (absent(v) || v === "" ? dflt : Number(v));
const boolOk = (v: unknown) => absent(v) || typeof v === "boolean";
const stringOk = (v: unknown) => absent(v) || typeof v === "string";
const QUERY_CONDITION = /^\s*([A-Za-z0-9_.-]+)\s*=\s*(?:'([^']*)'|([0-9]+))\s*$/;
/** A tx_search query: conditions joined by AND, each key='value' or key=number; tx.height's value a height. */
function queryOk(q: unknown): boolean {
  if (typeof q !== "string" || q.trim() === "") return false;
  return q.split(/\s+AND\s+/).every((part) => {
    const m = QUERY_CONDITION.exec(part);
    if (!m) return false;
    const value = m[2] ?? m[3]!;
    return m[1] !== "tx.height" || /^[0-9]{1,15}$/.test(value);
  });
}

type Expected =
  | { kind: "result" }
  /** A result, or -32603 for what this node does not have (CometBFT answers those so too). */
  | { kind: "resultOrMissing" }
  /** A result, or -32602 for a page past the end. */
  | { kind: "resultOrPageOutOfRange" }
  /** validators past page 1: either of the above. */
  | { kind: "resultOrMissingOrPageOutOfRange" }
  | { kind: "error"; code: -32600 | -32601 | -32602 };

function expected(method: unknown, params: unknown, envelope: { jsonrpc: unknown } = { jsonrpc: "2.0" }): Expected {
  if (envelope.jsonrpc !== "2.0" || typeof method !== "string") return { kind: "error", code: -32600 };
  const names = Object.prototype.hasOwnProperty.call(METHODS, method) ? METHODS[method]! : undefined;
  if (!names) return { kind: "error", code: -32601 };
  let p: Record<string, unknown>;
  if (absent(params)) p = {};
  else if (Array.isArray(params)) {
    if (params.length !== names.length) return { kind: "error", code: -32602 };
    p = Object.fromEntries(names.map((n, i) => [n, params[i]]));
  } else if (typeof params === "object") p = params as Record<string, unknown>;
  else return { kind: "error", code: -32602 };
  const invalid = { kind: "error", code: -32602 } as const;
  switch (method) {
    case "health":
    case "status":
      return { kind: "result" };
    case "abci_query": {
      if (typeof p.path !== "string" || p.path === "" || p.path.length > MAX_ABCI_QUERY_PATH) return invalid;
      if (!stringOk(p.data) || !/^([0-9a-fA-F]{2})*$/.test(String(p.data ?? "").replace(/^0x/, ""))) return invalid;
      return intOk(p.height) && boolOk(p.prove) ? { kind: "result" } : invalid;
    }
    case "broadcast_tx_sync":
    case "broadcast_tx_commit":
      return typeof p.tx === "string" && p.tx.length > 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(p.tx) ? { kind: "result" } : invalid;
    case "validators":
      if (!intOk(p.height) || !intOk(p.page) || !intOk(p.per_page)) return invalid;
      if (intOf(p.page, 1) < 1) return invalid;
      return intOf(p.page, 1) > 1 ? { kind: "resultOrMissingOrPageOutOfRange" } : { kind: "resultOrMissing" };
    case "tx_search":
      if (!queryOk(p.query) || !boolOk(p.prove) || !intOk(p.page) || !intOk(p.per_page) || !stringOk(p.order_by)) return invalid;
      if (!["asc", "desc", ""].includes(String(p.order_by ?? ""))) return invalid;
      if (intOf(p.page, 1) < 1) return invalid;
      return intOf(p.page, 1) > 1 ? { kind: "resultOrPageOutOfRange" } : { kind: "result" };
    case "tx": {
      if (!stringOk(p.hash) || !boolOk(p.prove)) return invalid;
      const h = String(p.hash ?? "");
      return /^[A-Za-z0-9+/]{43}=$/.test(h) || /^[0-9a-fA-F]{64}$/.test(h) ? { kind: "resultOrMissing" } : invalid;
    }
    case "block":
      return intOk(p.height) ? { kind: "resultOrMissing" } : invalid;
  }
  throw new Error(`no rule for ${method}`);
}

function checkAgainst(want: Expected, got: RpcResponse, what: string): void {
  const code = got.error?.code;
  const fail = () => new Error(`${what}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got).slice(0, 300)}`);
  switch (want.kind) {
    case "result":
      if (code !== undefined) throw fail();
      return;
    case "resultOrMissing":
      if (code !== undefined && !(code === -32603 && /not available|not found/.test(got.error!.data))) throw fail();
      return;
    case "resultOrPageOutOfRange":
      if (code !== undefined && !(code === -32602 && /out of range/.test(got.error!.data))) throw fail();
      return;
    case "resultOrMissingOrPageOutOfRange":
      if (code !== undefined && !(code === -32602 && /out of range/.test(got.error!.data)) && !(code === -32603 && /not available/.test(got.error!.data))) throw fail();
      return;
    case "error":
      if (code !== want.code) throw fail();
  }
}

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

/** Values of any JSON type a stranger puts in a parameter, with the shapes that break number and string parsers. */
const wrongValueArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, -0.5, 2 ** 53, 2 ** 64, 1e21, -1e308, [], {}, [1], { a: 1 }, "", " ", "0x", "-1", "1e3", "1.0", "NaN"),
  numberishArb,
  stringishArb,
  fc.double().filter((d) => Number.isFinite(d)),
  fc.integer(),
  fc.jsonValue({ maxDepth: 2 }),
);

const heightArb = fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 5 }).map(String), fc.constant(null), fc.constant(""), fc.integer({ min: 1000, max: 1e12 }));
const hashArb = fc.oneof(
  fc.constantFrom(() => committedHash, () => committedHash.toLowerCase(), () => Buffer.from(committedHash, "hex").toString("base64")).map((f) => f()),
  fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => toHex(b)),
  fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString("base64")),
  fc.uint8Array({ minLength: 0, maxLength: 40 }).map((b) => Buffer.from(b).toString("base64url")),
);
const queryConditionArb = fc.oneof(
  fc.constantFrom(() => `tx.hash='${committedHash}'`, () => "tx.height=1", () => "tx.height=2", () => "message.action='/cosmos.bank.v1beta1.MsgSend'", () => "transfer.amount='1uaeg'").map((f) => f()),
  fc.tuple(fc.constantFrom("tx.height", "tx.hash", "message.sender", "a.b"), fc.oneof(numberishArb, stringishArb), fc.boolean()).map(([k, v, quoted]) => (quoted ? `${k}='${v}'` : `${k}=${v}`)),
  fc.constantFrom("tx.height>1", "tx.height CONTAINS 1", "tx.height=", "='x'", "tx.height=1 OR tx.height=2", "tx.height = 1", "tx.height='99999999999999999999'", "tx.height='-1'", "tx.height=1.5"),
);
const txQueryArb = fc.oneof(fc.array(queryConditionArb, { minLength: 1, maxLength: 3 }).map((cs) => cs.join(" AND ")), stringishArb);

/** A near-valid value for each parameter name. */
const PARAM_ARBS: Record<string, fc.Arbitrary<unknown>> = {
  path: fc.oneof(
    fc.constantFrom("/cosmos.bank.v1beta1.Query/AllBalances", "/cosmos.auth.v1beta1.Query/Account", "/cosmos.bank.v1beta1.Query/Balance", "/cosmos.tx.v1beta1.Service/Simulate", "/cosmos.staking.v1beta1.Query/Validators", "/nope", "x"),
    fc.integer({ min: MAX_ABCI_QUERY_PATH - 2, max: MAX_ABCI_QUERY_PATH + 2 }).map((n) => "/".padEnd(n, "x")),
  ),
  data: fc.oneof(fc.uint8Array({ maxLength: 64 }).map((b) => toHex(b)), fc.uint8Array({ maxLength: 64 }).map((b) => `0x${toHex(b).toUpperCase()}`), fc.constantFrom("0", "0x", "zz", "0x0", "00 ")),
  height: heightArb,
  prove: fc.boolean(),
  tx: fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 200 }).map((b) => encodeBase64(b)), fc.constantFrom("A", "AA", "AAA", "A=", "====", "AQ==\n", "AQ", "-_-_")),
  page: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom("1", "2", "", null)),
  per_page: fc.oneof(fc.integer({ min: 0, max: 200 }), fc.constantFrom("30", "", null)),
  query: txQueryArb,
  order_by: fc.constantFrom("asc", "desc", "", null, "ASC", "random"),
  hash: hashArb,
};
const paramValueArb = (name: string) => fc.oneof({ weight: 3, arbitrary: PARAM_ARBS[name]! }, { weight: 2, arbitrary: wrongValueArb });

/** Params by name (some left out, some extra) or by position (the right number or not), or of the wrong type. */
const paramsArb = (method: string): fc.Arbitrary<unknown> => {
  const names = Object.prototype.hasOwnProperty.call(METHODS, method) ? METHODS[method]! : ["height"];
  const named = fc
    .tuple(
      fc.record(Object.fromEntries(names.map((n) => [n, paramValueArb(n)])) as Record<string, fc.Arbitrary<unknown>>, { requiredKeys: [] }),
      fc.dictionary(fc.oneof(fc.constantFrom("__proto__", "constructor", "toString", "extra", "Height", "tx "), fc.string({ maxLength: 6 })), wrongValueArb, { maxKeys: 2 }),
    )
    .map(([p, extra]) => ({ ...extra, ...p }));
  const positional = fc.tuple(...names.map((n) => paramValueArb(n)));
  const wrongArity = fc.array(wrongValueArb, { maxLength: names.length + 2 });
  return fc.oneof({ weight: 5, arbitrary: named }, { weight: 3, arbitrary: positional as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: wrongArity }, { weight: 1, arbitrary: fc.constantFrom(undefined, null, 1, "x", true) });
};

const idArb: fc.Arbitrary<unknown> = fc.oneof(fc.integer(), fc.string({ maxLength: 10 }), fc.constantFrom(undefined, null, 1.5, -0, 2 ** 60, [], {}, true, "", "x".repeat(500)));

interface Call {
  jsonrpc: unknown;
  id: unknown;
  method: unknown;
  params: unknown;
}
const methodNameArb = fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...Object.keys(METHODS)) }, { weight: 1, arbitrary: fc.constantFrom("subscribe", "abci_info", "Status", "status ", "__proto__", "constructor", "hasOwnProperty", "") });
const callArb: fc.Arbitrary<Call> = methodNameArb.chain((method) =>
  fc.record({
    jsonrpc: fc.oneof({ weight: 19, arbitrary: fc.constant("2.0") }, { weight: 1, arbitrary: fc.constantFrom(undefined, "1.0", 2, "2", null) }),
    id: idArb,
    method: fc.oneof({ weight: 19, arbitrary: fc.constant(method as unknown) }, { weight: 1, arbitrary: fc.constantFrom(undefined, null, 1, ["status"], { m: 1 }) }),
    params: paramsArb(method),
  }),
);
const callJson = (c: Call) => JSON.stringify({ ...(c.jsonrpc === undefined ? {} : { jsonrpc: c.jsonrpc }), ...(c.id === undefined ? {} : { id: c.id }), ...(c.method === undefined ? {} : { method: c.method }), ...(c.params === undefined ? {} : { params: c.params }) });

function checkCall(c: Call, got: RpcResponse): void {
  // The oracle reads the call as the server does: from its JSON text.
  const sent = JSON.parse(callJson(c)) as Record<string, unknown>;
  if ((typeof sent.id === "number" || typeof sent.id === "string") && got.id !== sent.id) throw new Error(`id ${JSON.stringify(sent.id)} answered as ${JSON.stringify(got.id)}`);
  checkAgainst(expected(sent.method, sent.params, { jsonrpc: sent.jsonrpc }), got, callJson(c).slice(0, 300));
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

test("every method, parameters by name or position near the valid ones: a result, or the error code the parameter rules say (-32602 for a bad parameter, never -32603)", async () => {
  const before = await hub.snapshot();
  await fc.assert(
    fc.asyncProperty(callArb, fc.constantFrom("/", "/rpc"), async (c, path) => {
      const { list } = await post(callJson(c), { path, contentType: "application/json" });
      expect(list).toHaveLength(1);
      checkCall(c, list[0]!);
    }),
    fuzzParams(300),
  );
  assertSameState(before, await hub.snapshot(), "the calls");
});

test("batches: one answer per call, in order, each as if it came alone", async () => {
  const before = await hub.snapshot();
  await fc.assert(
    fc.asyncProperty(fc.array(fc.oneof({ weight: 4, arbitrary: callArb }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }).map((v) => ({ raw: v })) }), { maxLength: 8 }), async (items) => {
      const body = `[${items.map((i) => ("raw" in i ? JSON.stringify(i.raw) : callJson(i as Call))).join(",")}]`;
      const { a, list } = await post(body, { contentType: "application/json" });
      expect(a.status).toBe(200);
      expect(list).toHaveLength(items.length);
      items.forEach((i, k) => {
        if ("raw" in i) {
          // Not a request object (unless it happens to be one): -32600.
          const raw = i.raw as Record<string, unknown> | null;
          if (!(raw && typeof raw === "object" && !Array.isArray(raw) && raw.jsonrpc === "2.0")) expect(list[k]!.error?.code).toBe(-32600);
        } else checkCall(i as Call, list[k]!);
      });
    }),
    fuzzParams(100),
  );
  assertSameState(before, await hub.snapshot(), "the batches");
});

test("any body under any content type: -32700 (HTTP 500) exactly when it is not JSON, else JSON-RPC answers; the node keeps committing", async () => {
  const from = hub.running.node.engine.height;
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(badBodyArb, jsonTextArb.map((s) => Buffer.from(s)), fc.constant(Buffer.alloc(0))),
      contentTypeArb,
      fc.constantFrom("/", "/rpc", "/rpc?x=1"),
      async (body, contentType, path) => {
        const { a, list } = await post(body, { path, ...(contentType === undefined ? {} : { contentType }) });
        let parses = true;
        try {
          JSON.parse(body.toString("utf8"));
        } catch {
          parses = false;
        }
        if (parses) expect({ parses, status: a.status }).toEqual({ parses, status: 200 });
        else expect({ parses, status: a.status, code: list[0]?.error?.code }).toEqual({ parses, status: 500, code: -32700 });
      },
    ),
    fuzzParams(200),
  );
  expect(hub.running.node.engine.height).toBeGreaterThan(from);
});

test("broadcast_tx_sync / broadcast_tx_commit of mutated signed transactions: a CheckTx code, never added, nothing changes", async () => {
  const before = await hub.snapshot();
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom("broadcast_tx_sync", "broadcast_tx_commit"),
      fc.oneof(
        fc.record({ at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }).map(({ at, bit }) => {
          const t = validTx.slice();
          t[at % t.length]! ^= 1 << bit;
          return t;
        }),
        fc.nat().map((n) => validTx.slice(0, n % validTx.length)),
        fc.uint8Array({ minLength: 1, maxLength: 8 }).map((b) => Uint8Array.from([...validTx, ...b])),
        fc.uint8Array({ minLength: 0, maxLength: 300 }),
      ),
      async (method, tx) => {
        const started = Date.now();
        const r = await call({ jsonrpc: "2.0", id: 7, method, params: { tx: encodeBase64(tx) } });
        if (tx.length === 0) {
          expect(r.error?.code).toBe(-32602);
          return;
        }
        const code = method === "broadcast_tx_sync" ? (r.result as { code: number }).code : (r.result as { check_tx: { code: number } }).check_tx.code;
        expect(code).not.toBe(0);
        expect(Date.now() - started).toBeLessThan(2000); // a refused transaction is not waited for
      },
    ),
    fuzzParams(100),
  );
  assertSameState(before, await hub.snapshot(), "mutated broadcasts");
});

// ---------------------------------------------------------------------------------------------
// What the fuzzing found, and the limits
// ---------------------------------------------------------------------------------------------

test("tx_search with a tx.height that is not a height is -32602 (it was -32603: the index refused the key)", async () => {
  for (const query of ["tx.height='abc'", "tx.height=99999999999999999999", "tx.height='-1'", "tx.height='1.5'", "tx.height=''", "tx.hash='x' AND tx.height='x'"]) {
    const r = await call({ jsonrpc: "2.0", id: 1, method: "tx_search", params: { query } });
    expect({ query, code: r.error?.code, message: r.error?.message }).toEqual({ query, code: -32602, message: "Invalid params" });
  }
  const ok = await call({ jsonrpc: "2.0", id: 1, method: "tx_search", params: { query: "tx.height='2'" } });
  expect(ok.error).toBeUndefined();
});

test("a batch holds at most MAX_BATCH_REQUESTS calls: more is one -32600 at once (a body of the size limit held ~48,000 calls: seconds of the event loop, a ~38 MB answer)", async () => {
  expect(MAX_BATCH_REQUESTS).toBe(100);
  const status = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "status" });
  const at = await post(`[${Array(MAX_BATCH_REQUESTS).fill(status).join(",")}]`, { contentType: "application/json" });
  expect({ status: at.a.status, answers: at.list.length, errors: at.list.filter((r) => r.error).length }).toEqual({ status: 200, answers: MAX_BATCH_REQUESTS, errors: 0 });
  const over = await post(`[${Array(MAX_BATCH_REQUESTS + 1).fill(status).join(",")}]`, { contentType: "application/json" });
  expect({ status: over.a.status, answer: over.list }).toEqual({ status: 400, answer: [{ jsonrpc: "2.0", id: null, error: { code: -32600, message: "Invalid Request", data: expect.stringMatching(/over the limit of 100/) } }] });
  const from = hub.running.node.engine.height;
  const n = Math.floor((DEFAULT_HTTP_SERVER_LIMITS.maxBodyBytes - 2) / (status.length + 1));
  const full = await post(`[${Array(n).fill(status).join(",")}]`, { contentType: "application/json" });
  expect({ status: full.a.status, code: full.list[0]!.error?.code }).toEqual({ status: 400, code: -32600 });
  // Refused from the count, not after handling 48,000 calls: within the suite's answer bound, and the
  // node goes on committing.
  expect(full.a.ms).toBeLessThan(ANSWER_BOUND_MS);
  const deadline = Date.now() + 10_000;
  while (hub.running.node.engine.height <= from && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(hub.running.node.engine.height).toBeGreaterThan(from);
});

test("a Content-Type fastify cannot parse is ignored like any other (it was a 415 before the body was read)", async () => {
  for (const contentType of [";", "", "x", "a/b c", "application/json; charset=\u00e9", "text/plain"]) {
    const { a, list } = await post(JSON.stringify({ jsonrpc: "2.0", id: 5, method: "health" }), { contentType });
    expect({ contentType, status: a.status, answer: list[0] }).toEqual({ contentType, status: 200, answer: { jsonrpc: "2.0", id: 5, result: {} } });
  }
  const empty = await post("", { contentType: ";" });
  expect({ status: empty.a.status, code: empty.list[0]!.error?.code }).toEqual({ status: 500, code: -32700 });
});

test("limits: abci_query's path is at most MAX_ABCI_QUERY_PATH characters; a body over maxBodyBytes is 413 with -32600; a parameter's -32602 data is clipped", async () => {
  expect(MAX_ABCI_QUERY_PATH).toBe(256);
  const at = await call({ jsonrpc: "2.0", id: 1, method: "abci_query", params: { path: "/".padEnd(MAX_ABCI_QUERY_PATH, "x") } });
  expect(at.result).toMatchObject({ response: { code: 6 } });
  const over = await call({ jsonrpc: "2.0", id: 1, method: "abci_query", params: { path: "/".padEnd(MAX_ABCI_QUERY_PATH + 1, "x") } });
  expect(over.error).toMatchObject({ code: -32602 });
  const max = DEFAULT_HTTP_SERVER_LIMITS.maxBodyBytes;
  expect(max).toBe(2 * HUB_MAX_TX_BYTES);
  const pad = (n: number) => {
    const head = '{"jsonrpc":"2.0","id":1,"method":"health","params":{"x":"';
    return `${head}${"a".repeat(n - head.length - 3)}"}}`;
  };
  const atLimit = await post(pad(max), { contentType: "application/json" });
  expect({ status: atLimit.a.status, result: atLimit.list[0]!.result }).toEqual({ status: 200, result: {} });
  const overLimit = await post(pad(max + 1), { contentType: "application/json" });
  expect({ status: overLimit.a.status, code: overLimit.list[0]!.error?.code }).toEqual({ status: 413, code: -32600 });
  const long = await call({ jsonrpc: "2.0", id: 1, method: "tx_search", params: { query: `x${"'".repeat(10_000)}` } });
  expect(long.error!.code).toBe(-32602);
  expect(long.error!.data.length).toBeLessThanOrEqual(400);
});
