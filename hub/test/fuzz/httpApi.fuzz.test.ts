/**
 * The hub's REST API (consumer-sdk/src/hubApi/hubApiRoutes.ts, served by hub/src/api/apiServer.ts)
 * fuzzed against a running one-validator node: every GET route with parameters near the valid ones,
 * random requests (methods, paths, headers, content types, bodies that are not JSON or not UTF-8),
 * the Cosmos REST routes under /cosmos (each route of the gateway's table, with the chain's own
 * addresses and near-valid fields), and POST /txs with mutations of a signed transaction and of its
 * JSON envelope. For every case:
 * an answer within ANSWER_BOUND_MS, never a 5xx, a 2xx that the SDK's decoder reads, any other
 * status with `{ error: { code, message } }` and a code that fits it; refused transactions change
 * neither the mempool nor the sender's balance and sequence; the node keeps committing.
 * `npm run fuzz -- hub/test/fuzz/httpApi.fuzz.test.ts` runs many more cases.
 */
import fc from "fast-check";
import {
  computeHubApiPath,
  decodeBlockJson,
  decodeCertificateResponseJson,
  decodeCommitsJson,
  decodeConsumerJson,
  decodeConsumersJson,
  decodeEvidenceListJson,
  decodeForkCasesJson,
  decodeHeaderResponseJson,
  decodeInclusionProofJson,
  decodePolkasJson,
  decodeStatusJson,
  decodeSubmitTxResponseJson,
  decodeValidatorSetJson,
  decodeZkActivationProofJson,
  decodeZkInfoJson,
  encodeBase64,
  HUB_API_ROUTES,
  HUB_MAX_TX_BYTES,
  isConsumerId,
  type HubApiRouteName,
} from "@aegis/consumer-sdk";
import { DEFAULT_HTTP_SERVER_LIMITS, GATEWAY_HTTP_STATUS, GATEWAY_PATH_PREFIX, GATEWAY_QUERY_ROUTES, getGatewayPathParams, type GrpcCode } from "../../src/api/index.js";
import { fuzzParams } from "../../../test/helpers/fuzz.js";
import { toBech32 } from "../../src/tx/index.js";
import { startFuzzHub, type FuzzHub, type HubSnapshot } from "./fuzzNode.js";
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
import { assertRpcAnswer } from "./rpcFuzz.js";

const CHAIN_ID = "aegis-fuzz-api-1";
type GetRoute = Exclude<HubApiRouteName, "submitTx" | "certificateStream">;

/** Each GET route's decoder: a route added to HUB_API_ROUTES without one here does not compile. */
const DECODERS: Record<GetRoute, (json: unknown) => unknown> = {
  status: decodeStatusJson,
  block: decodeBlockJson,
  header: decodeHeaderResponseJson,
  certificates: (j) => decodeCertificateResponseJson(j, { chainId: CHAIN_ID }),
  polkas: decodePolkasJson,
  forkCases: decodeForkCasesJson,
  validators: decodeValidatorSetJson,
  zk: decodeZkInfoJson,
  zkActivation: decodeZkActivationProofJson,
  commits: decodeCommitsJson,
  evidence: decodeEvidenceListJson,
  consumers: decodeConsumersJson,
  consumer: decodeConsumerJson,
  inclusion: (j) => decodeInclusionProofJson(j, { chainId: CHAIN_ID }),
};
const GET_ROUTES = Object.keys(DECODERS) as GetRoute[];

let hub: FuzzHub;
beforeAll(async () => {
  hub = await startFuzzHub(CHAIN_ID, { zk: true });
}, 90_000);
afterAll(async () => {
  await hub?.stop();
});

const send = (req: Parameters<typeof httpRequestBytes>[0]) => rawExchange(hub.base, httpRequestBytes(req), { headRequest: req.method === "HEAD" });
const height = () => hub.running.node.engine.height;

/** The node still commits: its height moves past where it was. */
async function assertStillCommitting(): Promise<void> {
  const from = height();
  const deadline = Date.now() + 5000;
  while (height() <= from) {
    if (Date.now() > deadline) throw new Error(`the node stopped committing at height ${from}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function assertSameState(before: HubSnapshot, after: HubSnapshot, what: string): void {
  if (JSON.stringify(before) !== JSON.stringify(after)) throw new Error(`${what} changed the state: ${JSON.stringify(before)} → ${JSON.stringify(after)}`);
}

// ---------------------------------------------------------------------------------------------
// Every GET route with near-valid parameters
// ---------------------------------------------------------------------------------------------

/** A height the API accepts (parseHeight in apiServer.ts): "latest" or a decimal safe integer ≥ 1 of at most 16 digits. */
const isHeightParam = (v: string) => v === "latest" || (/^[0-9]{1,16}$/.test(v) && Number.isSafeInteger(Number(v)) && Number(v) >= 1);

const validHeightArb = fc.oneof(fc.integer({ min: 1, max: 3 }).map(String), fc.constant("latest"), fc.integer({ min: 1, max: 10_000_000 }).map(String));
const validParamArb: Record<string, fc.Arbitrary<string>> = {
  height: validHeightArb,
  hubHeight: validHeightArb,
  limit: fc.integer({ min: 1, max: 1000 }).map(String),
  id: fc.stringMatching(/^[a-z0-9._-]{1,64}$/),
};

interface Param {
  value: string;
  how: Encoding;
  salt: number;
}
const paramArb = (name: string): fc.Arbitrary<Param> =>
  fc.record({ value: paramValueArb(validParamArb[name] ?? stringishArb), how: encodingArb, salt: fc.nat() });

interface RouteCase {
  route: GetRoute;
  params: Record<string, Param>;
  query: string;
  headers: [string, string][];
}

const routeCaseArb: fc.Arbitrary<RouteCase> = fc.constantFrom(...GET_ROUTES).chain((route) => {
  const def = HUB_API_ROUTES[route];
  const names = [...def.path.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]!);
  const known: readonly string[] = "query" in def ? def.query : [];
  const queryValue = paramValueArb(known.length ? validParamArb[known[0]!]! : stringishArb);
  return fc.record({
    route: fc.constant(route),
    params: fc.record(Object.fromEntries(names.map((n) => [n, paramArb(n)])) as Record<string, fc.Arbitrary<Param>>),
    query: queryArb(known, queryValue),
    headers: extraHeadersArb,
  });
});

/**
 * What the route must answer when every path parameter decodes back to what was generated and there
 * is no query (undefined: no more than the generic rules are known). Heights at or below `tip` are
 * stored on this node; consumers there are none.
 */
function expectedAnswer(c: RouteCase, tip: number): { status: number; code?: string } | undefined {
  if (c.query !== "") return undefined;
  // Headers the HTTP server itself judges first (a Transfer-Encoding it cannot decode: 400; an Expect: 417).
  if (c.headers.some(([k]) => /^(transfer-encoding|expect)$/i.test(k))) return undefined;
  const ps = Object.values(c.params);
  if (ps.some((p) => !decodesBack(p.value, p.how))) return undefined;
  if (ps.some((p) => p.value === "")) return undefined; // an empty segment: another route or none
  if (ps.some((p) => p.value.length > DEFAULT_HTTP_SERVER_LIMITS.maxParamLength)) return { status: 414, code: "API_ERROR_URI_TOO_LONG" };
  const h = c.params.height?.value;
  const heightOk = h === undefined || isHeightParam(h);
  const storedHeight = h === undefined || h === "latest" || (heightOk && Number(h) <= tip);
  switch (c.route) {
    case "block":
    case "header":
    case "certificates":
    case "polkas":
      if (!heightOk) return { status: 400, code: "API_ERROR_INVALID_HEIGHT" };
      return storedHeight ? { status: 200 } : Number(h) > tip + 1000 ? { status: 404, code: "API_ERROR_NOT_FOUND" } : undefined;
    case "consumer":
      return isConsumerId(c.params.id!.value) ? { status: 404, code: "API_ERROR_NOT_FOUND" } : { status: 400, code: "API_ERROR_BAD_REQUEST" };
    case "inclusion":
      if (!isConsumerId(c.params.id!.value)) return { status: 400, code: "API_ERROR_BAD_REQUEST" };
      return heightOk ? { status: 404, code: "API_ERROR_NOT_FOUND" } : { status: 400, code: "API_ERROR_INVALID_HEIGHT" };
    default:
      return { status: 200 };
  }
}

function checkRouteAnswer(route: GetRoute, a: RawAnswer): void {
  if (a.status >= 200 && a.status < 300) {
    if (a.status !== 200) throw new Error(`${route}: status ${a.status}`);
    DECODERS[route](jsonOf(a));
  } else {
    assertApiError(a);
  }
}

test("every GET route, parameters near the valid ones: a decodable 2xx or the error body, as the route's rules say", async () => {
  await fc.assert(
    fc.asyncProperty(routeCaseArb, async (c) => {
      const def = HUB_API_ROUTES[c.route];
      const path = def.path.replace(/:([A-Za-z]+)/g, (_, n: string) => encodeParam(c.params[n]!.value, c.params[n]!.how, c.params[n]!.salt));
      const tip = height();
      const a = await send({ method: "GET", target: path + c.query, headers: c.headers });
      checkRouteAnswer(c.route, a);
      const want = expectedAnswer(c, tip);
      if (want) {
        const got = { status: a.status, ...(want.code ? { code: a.status >= 400 ? assertApiError(a) : undefined } : {}) };
        expect({ path: path.slice(0, 60), ...got }).toEqual({ path: path.slice(0, 60), ...want });
      }
    }),
    fuzzParams(250),
  );
  await assertStillCommitting();
});

test("the route table's own paths (computeHubApiPath) with valid parameters all answer 200 and decode", async () => {
  const tip = height();
  for (const route of GET_ROUTES) {
    if (route === "consumer" || route === "inclusion") continue; // no consumer is registered on this chain
    const a = await send({ method: "GET", target: computeHubApiPath(route, { height: Math.max(1, tip - 1) } as never) });
    expect({ route, status: a.status }).toEqual({ route, status: 200 });
    checkRouteAnswer(route, a);
  }
});

// ---------------------------------------------------------------------------------------------
// The Cosmos REST (gRPC-gateway) routes under /cosmos
// ---------------------------------------------------------------------------------------------

/** The gateway's routes that are no single query (registerGatewayRoutes), in the table's `{field}` form. */
const GATEWAY_OTHER_ROUTES: readonly { method: "GET" | "POST"; path: string; fields: readonly string[] }[] = [
  { method: "POST", path: "/cosmos/tx/v1beta1/txs", fields: ["tx_bytes", "mode"] },
  { method: "GET", path: "/cosmos/tx/v1beta1/txs", fields: ["query", "events", "page", "limit", "order_by", "pagination.offset", "pagination.limit"] },
  { method: "GET", path: "/cosmos/base/tendermint/v1beta1/node_info", fields: [] },
  { method: "GET", path: "/cosmos/base/tendermint/v1beta1/syncing", fields: [] },
  { method: "GET", path: "/cosmos/base/tendermint/v1beta1/blocks/latest", fields: [] },
  { method: "GET", path: "/cosmos/base/tendermint/v1beta1/blocks/{height}", fields: [] },
  { method: "GET", path: "/cosmos/base/tendermint/v1beta1/validatorsets/latest", fields: ["pagination.offset", "pagination.limit"] },
  { method: "GET", path: "/cosmos/base/tendermint/v1beta1/validatorsets/{height}", fields: ["pagination.offset", "pagination.limit"] },
];
const GATEWAY_ROUTES = [
  ...GATEWAY_QUERY_ROUTES.map((r) => ({ method: r.method, path: r.path, fields: [...Object.keys(r.fields ?? {}), ...(r.paginated ? ["pagination.key", "pagination.offset", "pagination.limit", "pagination.count_total", "pagination.reverse"] : [])] })),
  ...GATEWAY_OTHER_ROUTES,
];

/** The chain's own account, operator and consensus addresses and its denom, read before the property runs. */
const gatewayOwn: string[] = [];
const ZERO_ADDRESS = new Uint8Array(20);
/** Values near the valid ones for the gateway's parameters: the chain's own addresses and denom, other prefixes, numbers, bools, base64, queries. */
const gatewayValueArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.nat({ max: 3 }).map((i) => gatewayOwn[i] ?? "") },
  { weight: 1, arbitrary: fc.constantFrom("aegis", "aegisvaloper", "aegisvalcons", "cosmos", "cosmosvaloper").map((prefix) => toBech32(prefix, ZERO_ADDRESS)) },
  { weight: 2, arbitrary: fc.constantFrom("true", "false", "1", "t", "FALSE", "BOND_STATUS_BONDED", "BOND_STATUS_UNSPECIFIED", "ORDER_BY_DESC", "BROADCAST_MODE_SYNC", "BROADCAST_MODE_BLOCK", "tx.height=1", "message.sender='x'", "AAAA", "AA==", "-_", "=") },
  { weight: 3, arbitrary: paramValueArb(fc.oneof(fc.integer({ min: 0, max: 20 }).map(String), fc.bigInt({ min: 0n, max: 2n ** 65n }).map(String))) },
);

interface GatewayCase {
  method: "GET" | "POST";
  path: string;
  params: Record<string, Param>;
  query: string;
  body: Buffer | undefined;
}
const gatewayCaseArb: fc.Arbitrary<GatewayCase> = fc.constantFrom(...GATEWAY_ROUTES).chain((route) => {
  const names = getGatewayPathParams(route.path);
  const fieldsArb = fc.array(fc.tuple(fc.constantFrom(...(route.fields.length ? route.fields : ["x"])), gatewayValueArb), { maxLength: 4 });
  return fc.record({
    method: fc.constant(route.method),
    path: fc.constant(route.path),
    params: fc.record(Object.fromEntries(names.map((n) => [n, fc.record({ value: gatewayValueArb, how: encodingArb, salt: fc.nat() })])) as Record<string, fc.Arbitrary<Param>>),
    query: route.method === "GET" ? fc.oneof(fieldsArb.map((fs) => (fs.length ? `?${fs.map(([k, v]) => `${k}=${encodeParam(v, "component")}`).join("&")}` : "")), queryArb(route.fields, gatewayValueArb)) : fc.constant(""),
    body:
      route.method === "POST"
        ? fc.oneof(fieldsArb.map((fs) => Buffer.from(JSON.stringify(Object.fromEntries(fs)), "utf8")), bodyArb)
        : fc.constant(undefined),
  });
});

test("the Cosmos REST routes (/cosmos), each with parameters, query fields and bodies near the valid ones: the SDK's JSON or the gateway's error body, never Unimplemented or Internal; nothing changes", async () => {
  const validator = (jsonOf(await send({ method: "GET", target: "/cosmos/staking/v1beta1/validators" })) as any).validators[0].operator_address as string;
  const signer = (jsonOf(await send({ method: "GET", target: "/cosmos/slashing/v1beta1/signing_infos" })) as any).info[0].address as string;
  gatewayOwn.splice(0, gatewayOwn.length, hub.faucet.address, validator, signer, "uaeg");
  const before = await hub.snapshot();
  let answered = 0;
  await fc.assert(
    fc.asyncProperty(gatewayCaseArb, async (c) => {
      const path = c.path.replace(/\{([a-z_]+)\}/g, (_, n: string) => encodeParam(c.params[n]!.value, c.params[n]!.how, c.params[n]!.salt));
      const a = await send({ method: c.method, target: path + c.query, headers: [["Content-Type", "application/json"]], ...(c.body !== undefined ? { body: c.body } : {}) });
      const where = `${c.method} ${(path + c.query).slice(0, 100)} → ${a.status}`;
      const json = jsonOf(a) as Record<string, unknown>;
      if (a.status === 200) {
        if (typeof json !== "object" || json === null || Array.isArray(json) || ("code" in json && "details" in json)) throw new Error(`${where}: a 200 that is not a response message`);
        answered++;
        return;
      }
      // The router's own refusals of a URL (a malformed percent-encoding, an over-long segment) keep the API's body.
      if (!("details" in json)) return void assertApiError(a);
      try {
        assertGatewayError(a, json);
      } catch (e) {
        throw new Error(`${where}: ${(e as Error).message}`);
      }
      // Internal never (Unknown is the SDK's answer to a query's own Internal error). Every route is
      // served, so no Unimplemented when the parameters reach the route as generated.
      const reachesRoute = Object.values(c.params).every((p) => decodesBack(p.value, p.how) && p.value !== "" && p.value !== "." && p.value !== "..");
      if (json.code === 13 || (reachesRoute && a.status === 501)) throw new Error(`${where}: ${JSON.stringify(json).slice(0, 200)}`);
    }),
    fuzzParams(300),
  );
  expect(answered).toBeGreaterThan(0);
  assertSameState(before, await hub.snapshot(), "gateway requests");
  await assertStillCommitting();
});

// ---------------------------------------------------------------------------------------------
// Random requests
// ---------------------------------------------------------------------------------------------

const segmentArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom("status", "blocks", "headers", "certificates", "polkas", "fork-cases", "validators", "zk", "activation", "commits", "evidence", "txs", "stream", "consumers", "inclusion", "metrics", "rpc", "1", "latest", "", ".", "..") },
  { weight: 2, arbitrary: fc.tuple(stringishArb, encodingArb, fc.nat()).map(([v, how, salt]) => encodeParam(v, how, salt)) },
);
const targetArb = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(fc.array(segmentArb, { minLength: 1, maxLength: 4 }), queryArb(["height", "limit", "hubHeight"], paramValueArb(validHeightArb))).map(([segs, q]) => `/${segs.join("/")}${q}`) },
  { weight: 1, arbitrary: fc.constantFrom("/", "/rpc", "*", "//status", "/status/", "/./status", "/%2e%2e/status", "http://127.0.0.1/status", "HTTP://x/blocks/1", "status", "/status?#", "/stream/certificates") },
);

interface RandomRequest {
  method: string;
  target: string;
  contentType: string | undefined;
  headers: [string, string][];
  upgrade: string | undefined;
  body: Buffer | undefined;
  chunked: boolean;
}
const randomRequestArb: fc.Arbitrary<RandomRequest> = fc.record({
  method: methodArb,
  target: targetArb,
  contentType: contentTypeArb,
  headers: extraHeadersArb,
  // A request that asks to switch protocols: to a route that is no WebSocket, or with a protocol nobody speaks.
  upgrade: fc.option(fc.constantFrom("websocket", "h2c", "foo", "WebSocket"), { freq: 6 }).map((u) => u ?? undefined),
  body: bodyArb,
  chunked: fc.boolean(),
});

function toBytes(r: RandomRequest): Buffer {
  const headers: [string, string][] = [...r.headers];
  if (r.contentType !== undefined) headers.push(["Content-Type", r.contentType]);
  if (r.upgrade !== undefined) headers.push(["Connection", "Upgrade"], ["Upgrade", r.upgrade], ["Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="], ["Sec-WebSocket-Version", "13"]);
  let body: Buffer | undefined = r.body;
  if (body !== undefined && r.chunked) {
    headers.push(["Transfer-Encoding", "chunked"]);
    body = Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from("\r\n0\r\n\r\n")]);
  }
  return httpRequestBytes({ method: r.method, target: r.target, headers, ...(body !== undefined ? { body } : {}) });
}

/** A target under /cosmos: the Cosmos REST (gRPC-gateway) routes (hub/src/api/rest), which answer the gateway's error body. */
function isGatewayTarget(target: string): boolean {
  const path = target.split("?")[0]!;
  return path === GATEWAY_PATH_PREFIX || path.startsWith(`${GATEWAY_PATH_PREFIX}/`);
}

/**
 * The gateway's error body `{ code, message, details: [] }` with the HTTP status the gateway gives its
 * gRPC code (413 for a body over the limit). A 5xx only as the SDK's gateway answers one: Unknown (an
 * ABCI error it has no gRPC code for) or Unimplemented (no such route or query); never Internal.
 */
function assertGatewayError(a: RawAnswer, json: unknown): void {
  const { code, message, details } = json as { code: GrpcCode; message: unknown; details: unknown };
  if (typeof code !== "number" || typeof message !== "string" || !Array.isArray(details) || details.length !== 0) throw new Error(`status ${a.status}: not the gateway's error body: ${a.body.subarray(0, 200).toString("utf8")}`);
  const status = a.status === 413 && code === 3 ? 413 : GATEWAY_HTTP_STATUS[code];
  if (status !== a.status) throw new Error(`status ${a.status} with gRPC code ${code} (the gateway answers it with ${status})`);
  if (a.status >= 500 && code !== 2 && code !== 12) throw new Error(`status ${a.status} with gRPC code ${code}: ${message}`);
  if (message.length > 400) throw new Error(`status ${a.status}: a ${message.length}-character message`);
}

/**
 * The rules for any answer: JSON-RPC's on its routes, the gateway's under /cosmos (the router's own
 * refusals there, a malformed URL or an over-long segment, keep the API's body), the REST API's
 * elsewhere; never a 5xx but CometBFT's parse error and the gateway's Unknown and Unimplemented.
 */
function checkAnyAnswer(r: RandomRequest, a: RawAnswer): void {
  if (a.status === 101) return; // a valid WebSocket handshake to the stream (the stream suite fuzzes what follows)
  if (r.method === "HEAD" || a.status === 204) {
    if (a.status >= 500) throw new Error(`${r.method} ${r.target}: ${a.status}`);
    return;
  }
  const ct = a.headers["content-type"] ?? "";
  if (a.status >= 200 && a.status < 300) {
    if (/^application\/json/.test(ct)) jsonOf(a);
    else if (!/^text\/plain/.test(ct)) throw new Error(`${r.method} ${r.target}: 2xx with content-type ${ct}`);
    return;
  }
  const json = /^application\/json/.test(ct) ? jsonOf(a) : undefined;
  if (json && typeof json === "object" && json !== null && "jsonrpc" in json) {
    assertRpcAnswer(a, json);
    return;
  }
  if (isGatewayTarget(r.target) && json && typeof json === "object" && "details" in json) {
    assertGatewayError(a, json);
    return;
  }
  assertApiError(a);
}

test("random requests: methods, paths, headers, content types, upgrades and bodies get an answer in time, never a 5xx, errors with the error body", async () => {
  const before = await hub.snapshot();
  await fc.assert(
    fc.asyncProperty(randomRequestArb, async (r) => {
      // Every request here asks for the connection to be closed after it (or to switch protocols, which only the stream does).
      const a = await rawExchange(hub.base, toBytes(r), { headRequest: r.method === "HEAD", awaitClose: 2000 });
      try {
        checkAnyAnswer(r, a);
      } catch (e) {
        throw new Error(`${r.method} ${r.target.slice(0, 80)} → ${a.status}: ${(e as Error).message}`);
      }
    }),
    fuzzParams(300),
  );
  assertSameState(before, await hub.snapshot(), "random requests");
  await assertStillCommitting();
});

// ---------------------------------------------------------------------------------------------
// POST /txs: mutations of a signed transaction and of its envelope
// ---------------------------------------------------------------------------------------------

type TxMutation =
  | { kind: "flip"; at: number; bit: number }
  | { kind: "truncate"; keep: number }
  | { kind: "append"; bytes: Uint8Array }
  | { kind: "splice"; at: number; bytes: Uint8Array }
  | { kind: "random"; bytes: Uint8Array };
const txMutationArb: fc.Arbitrary<TxMutation> = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant("truncate" as const), keep: fc.nat() }),
  fc.record({ kind: fc.constant("append" as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant("splice" as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant("random" as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 300 }) }),
);
function mutateTx(tx: Uint8Array, m: TxMutation): Uint8Array {
  switch (m.kind) {
    case "flip": {
      const out = tx.slice();
      out[m.at % out.length]! ^= 1 << m.bit;
      return out;
    }
    case "truncate":
      return tx.slice(0, m.keep % tx.length);
    case "append":
      return Uint8Array.from([...tx, ...m.bytes]);
    case "splice": {
      const at = m.at % tx.length;
      const out = Uint8Array.from([...tx.slice(0, at), ...m.bytes, ...tx.slice(at + m.bytes.length)]);
      return out.length === tx.length && out.every((b, i) => b === tx[i]) ? Uint8Array.from([...out, 0]) : out;
    }
    case "random":
      return m.bytes;
  }
}

type Envelope =
  | { kind: "ok" }
  | { kind: "base64url" }
  | { kind: "unpadded" }
  | { kind: "whitespace"; at: number }
  | { kind: "wrongType"; value: unknown }
  | { kind: "extraField"; key: string; value: unknown }
  | { kind: "missing"; key: string }
  | { kind: "duplicateKey" }
  | { kind: "notAnObject"; value: unknown }
  | { kind: "oversized"; bytes: number };
const envelopeArb: fc.Arbitrary<Envelope> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ kind: "ok" as const }) },
  { weight: 1, arbitrary: fc.constantFrom({ kind: "base64url" as const }, { kind: "unpadded" as const }, { kind: "duplicateKey" as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("whitespace" as const), at: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("wrongType" as const),
      value: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(0, -1, 1e300, 2 ** 53 + 1, true, null, [], {}, [1, 2, 3], { x: 1 }, "", "=", "====", "A", "AA", "AAA=", "\u00e9\u00e9", "A".repeat(10_001))),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("extraField" as const), key: fc.oneof(fc.constantFrom("mode", "TX", "Tx", "tx ", "__proto__", "constructor", ""), fc.string({ maxLength: 10 })), value: fc.jsonValue({ maxDepth: 1 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("missing" as const), key: fc.constantFrom("TX", "txs", "data", "") }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("notAnObject" as const), value: fc.oneof(fc.jsonValue({ maxDepth: 1 }), fc.constant([{ tx: "AQ==" }])) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("oversized" as const), bytes: fc.constantFrom(HUB_MAX_TX_BYTES + 1, HUB_MAX_TX_BYTES + 3) }) },
);
function envelopeBody(tx: Uint8Array, e: Envelope): string {
  const b64 = encodeBase64(tx);
  switch (e.kind) {
    case "ok":
      return JSON.stringify({ tx: b64 });
    case "base64url":
      return JSON.stringify({ tx: b64.replace(/\+/g, "-").replace(/\//g, "_") });
    case "unpadded":
      return JSON.stringify({ tx: b64.replace(/=+$/, "") });
    case "whitespace": {
      const at = e.at % (b64.length + 1);
      return JSON.stringify({ tx: `${b64.slice(0, at)}${["\n", " ", "\t", "\r\n"][e.at % 4]}${b64.slice(at)}` });
    }
    case "wrongType":
      return JSON.stringify({ tx: e.value });
    case "extraField":
      return `{"tx":${JSON.stringify(b64)},${JSON.stringify(e.key)}:${JSON.stringify(e.value)}}`;
    case "missing":
      return JSON.stringify({ [e.key]: b64 });
    case "duplicateKey":
      return `{"tx":"AQ==","tx":${JSON.stringify(b64)}}`;
    case "notAnObject":
      return JSON.stringify(e.value);
    case "oversized":
      return JSON.stringify({ tx: encodeBase64(new Uint8Array(e.bytes)) });
  }
}

const JSON_TYPES = new Set(["application/json", "application/json; charset=utf-8", "APPLICATION/JSON", "application/json;"]);

test("POST /txs with mutated signed transactions and envelopes: 202 only for what CheckTx takes; every refusal changes nothing", async () => {
  const valid = await hub.validTx("fuzz");
  const before = await hub.snapshot();
  await fc.assert(
    fc.asyncProperty(txMutationArb, envelopeArb, contentTypeArb, async (m, e, contentType) => {
      const tx = mutateTx(valid, m);
      const body = envelopeBody(tx, e);
      const a = await send({ method: "POST", target: "/txs", headers: contentType === undefined ? [] : [["Content-Type", contentType]], body });
      if (a.status === 202) {
        // A mutated transaction CheckTx takes would be a malleable signature: never.
        throw new Error(`a mutated transaction was accepted (${m.kind}): ${a.body.toString("utf8")}`);
      }
      const code = assertApiError(a);
      expect([400, 413, 415, 422]).toContain(a.status);
      if (contentType !== undefined && JSON_TYPES.has(contentType) && e.kind === "ok" && tx.length > 0) {
        // A well-formed envelope reaches CheckTx, which refuses the mutation.
        expect({ status: a.status, code }).toEqual({ status: 422, code: "API_ERROR_TX_REJECTED" });
      }
      if (contentType !== undefined && JSON_TYPES.has(contentType) && (["missing", "notAnObject", "oversized", "extraField"].includes(e.kind) || (e.kind === "wrongType" && typeof e.value !== "string"))) {
        expect({ kind: e.kind, status: a.status }).toEqual({ kind: e.kind, status: 400 });
      }
      assertSameState(before, await hub.snapshot(), `POST /txs (${m.kind}, ${e.kind})`);
    }),
    fuzzParams(120),
  );
  await assertStillCommitting();
});

test("POST /txs: the valid transaction is taken once (202, added), a resubmission is a duplicate that adds nothing", async () => {
  const tx = await hub.validTx("once");
  const body = JSON.stringify({ tx: encodeBase64(tx) });
  const first = await send({ method: "POST", target: "/txs", headers: [["Content-Type", "application/json"]], body });
  expect(first.status).toBe(202);
  expect(decodeSubmitTxResponseJson(jsonOf(first)).added).toBe(true);
  const size = hub.running.node.mempool.size;
  const again = await send({ method: "POST", target: "/txs", headers: [["Content-Type", "application/json"]], body });
  // Either still in the mempool (a duplicate, 202 not added) or already committed (its sequence is used: 422).
  if (again.status === 202) {
    expect(decodeSubmitTxResponseJson(jsonOf(again)).added).toBe(false);
    expect(hub.running.node.mempool.size).toBeLessThanOrEqual(size);
  } else {
    expect({ status: again.status, code: assertApiError(again) }).toEqual({ status: 422, code: "API_ERROR_TX_REJECTED" });
  }
  // Committed before the next tests compare states.
  const deadline = Date.now() + 10_000;
  while (hub.running.node.mempool.size > 0 || (await hub.snapshot()).sequence === 0) {
    if (Date.now() > deadline) throw new Error("the transaction was not committed");
    await new Promise((r) => setTimeout(r, 50));
  }
});

// ---------------------------------------------------------------------------------------------
// The limits, where the code defines them
// ---------------------------------------------------------------------------------------------

describe("the limits of hub/src/api/httpServerLimits.ts, at their boundaries", () => {
  test("the node serves with the defaults, and the defaults are these", () => {
    expect(hub.running.api.limits).toEqual(DEFAULT_HTTP_SERVER_LIMITS);
    expect(DEFAULT_HTTP_SERVER_LIMITS).toEqual({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5_000,
      connectionTimeoutMs: 60_000,
      timeoutCheckIntervalMs: 1_000,
      maxBodyBytes: 2 * HUB_MAX_TX_BYTES,
      maxDiscardedBodyBytes: 8 * 1024 * 1024,
      maxParamLength: 100,
      maxConnections: 1024,
      maxConnectionsPerClient: 256,
      maxStreamSubscribers: 256,
      maxStreamSubscribersPerClient: 64,
    });
  });

  test("maxParamLength: a parameter of that many characters reaches the route, one more is 414", async () => {
    const n = DEFAULT_HTTP_SERVER_LIMITS.maxParamLength;
    const at = await send({ method: "GET", target: `/blocks/${"9".repeat(n)}` });
    expect({ status: at.status, code: assertApiError(at) }).toEqual({ status: 400, code: "API_ERROR_INVALID_HEIGHT" });
    const over = await send({ method: "GET", target: `/blocks/${"9".repeat(n + 1)}` });
    expect({ status: over.status, code: assertApiError(over) }).toEqual({ status: 414, code: "API_ERROR_URI_TOO_LONG" });
    // Counted after percent-decoding: 100 characters sent as 300 bytes still reach the route.
    const encoded = await send({ method: "GET", target: `/blocks/${"%39".repeat(n)}` });
    expect(encoded.status).toBe(400);
  });

  test("maxBodyBytes: a body of exactly the limit is read (and refused for what it says), one byte more is 413", async () => {
    const max = DEFAULT_HTTP_SERVER_LIMITS.maxBodyBytes;
    const body = (n: number) => {
      const head = '{"tx":"';
      return `${head}${"A".repeat(n - head.length - 2)}"}`;
    };
    const before = await hub.snapshot();
    const at = await send({ method: "POST", target: "/txs", headers: [["Content-Type", "application/json"]], body: body(max) });
    expect({ status: at.status, code: assertApiError(at) }).toEqual({ status: 400, code: "API_ERROR_INVALID_TX" });
    const over = await send({ method: "POST", target: "/txs", headers: [["Content-Type", "application/json"]], body: body(max + 1) });
    expect({ status: over.status, code: assertApiError(over) }).toEqual({ status: 413, code: "API_ERROR_BODY_TOO_LARGE" });
    assertSameState(before, await hub.snapshot(), "bodies at the limit");
  });

  test("a transaction of HUB_MAX_TX_BYTES fits the envelope; one byte more is API_ERROR_INVALID_TX before CheckTx", async () => {
    const post = (n: number) => send({ method: "POST", target: "/txs", headers: [["Content-Type", "application/json"]], body: JSON.stringify({ tx: encodeBase64(new Uint8Array(n).fill(1)) }) });
    const at = await post(HUB_MAX_TX_BYTES);
    expect({ status: at.status, code: assertApiError(at) }).toEqual({ status: 422, code: "API_ERROR_TX_REJECTED" });
    const over = await post(HUB_MAX_TX_BYTES + 1);
    expect({ status: over.status, code: assertApiError(over) }).toEqual({ status: 400, code: "API_ERROR_INVALID_TX" });
  });

  test("GET /commits limit: 1 to 1000", async () => {
    for (const [limit, status] of [["1", 200], ["1000", 200], ["0", 400], ["1001", 400], ["01000", 400]] as const) {
      const a = await send({ method: "GET", target: `/commits?limit=${limit}` });
      expect({ limit, status: a.status }).toEqual({ limit, status });
      if (status === 400) expect(assertApiError(a)).toBe("API_ERROR_INVALID_LIMIT");
      else decodeCommitsJson(jsonOf(a));
    }
  });
});

// ---------------------------------------------------------------------------------------------
// What the fuzzing found (regressions)
// ---------------------------------------------------------------------------------------------

describe("requests Node itself used to answer (or not) outside the API's error body", () => {
  const upgrade: [string, string][] = [
    ["Connection", "Upgrade"],
    ["Upgrade", "websocket"],
    ["Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="],
    ["Sec-WebSocket-Version", "13"],
  ];

  test("an Upgrade to a route that is no WebSocket: answered as usual, with Connection: close, and the connection is closed (it was left open, with no timeout)", async () => {
    const before = await hub.snapshot();
    for (const [method, target, body, status] of [
      ["GET", "/status", undefined, 200],
      ["GET", "/blocks/1", undefined, 200],
      ["GET", "/no-such-route", undefined, 404],
      ["POST", "/stream/certificates", undefined, 404],
      ["GET", "/blocks/%zz", undefined, 400],
      ["POST", "/txs", '{"tx":"AQ=="}', 400], // its body is not read once the socket left the HTTP parser
    ] as const) {
      const a = await rawExchange(hub.base, httpRequestBytes({ method, target, headers: body ? [...upgrade, ["Content-Type", "application/json"]] : upgrade, ...(body ? { body } : {}) }), { awaitClose: 2000 });
      expect({ target, status: a.status, connection: a.headers.connection }).toEqual({ target, status, connection: "close" });
      if (status !== 200) assertApiError(a);
    }
    assertSameState(before, await hub.snapshot(), "upgrade requests");
  });

  test("Expect other than 100-continue: 417 with the error body (Node answered an empty 417)", async () => {
    const a = await rawExchange(hub.base, httpRequestBytes({ method: "POST", target: "/txs", headers: [["Expect", "nonsense"], ["Content-Type", "application/json"]], body: "{}" }), { awaitClose: 2000 });
    expect({ status: a.status, code: assertApiError(a) }).toEqual({ status: 417, code: "API_ERROR_BAD_REQUEST" });
    const ok = await send({ method: "POST", target: "/txs", headers: [["Expect", "100-continue"], ["Content-Type", "application/json"]], body: "{}" });
    expect({ status: ok.status, code: assertApiError(ok) }).toEqual({ status: 400, code: "API_ERROR_INVALID_TX" });
  });

  test("a plain GET of the stream that asks for Connection: close gets its 426 and the close (the answer's Connection: upgrade kept it open)", async () => {
    const a = await rawExchange(hub.base, httpRequestBytes({ method: "GET", target: "/stream/certificates" }), { awaitClose: 2000 });
    expect({ status: a.status, code: assertApiError(a), upgrade: a.headers.upgrade }).toEqual({ status: 426, code: "API_ERROR_UPGRADE_REQUIRED", upgrade: "websocket" });
  });

  test("a WebSocket handshake the ws library refuses: 400 with the error body (it was ws's text/html), closed", async () => {
    const key: [string, string] = ["Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="];
    for (const [what, headers] of [
      ["another protocol", [["Connection", "Upgrade"], ["Upgrade", "h2c"], key, ["Sec-WebSocket-Version", "13"]]],
      ["no key", [["Connection", "Upgrade"], ["Upgrade", "websocket"], ["Sec-WebSocket-Version", "13"]]],
      ["a bad key", [["Connection", "Upgrade"], ["Upgrade", "websocket"], ["Sec-WebSocket-Key", "short"], ["Sec-WebSocket-Version", "13"]]],
      ["a bad subprotocol list", [["Connection", "Upgrade"], ["Upgrade", "websocket"], key, ["Sec-WebSocket-Version", "13"], ["Sec-WebSocket-Protocol", "a,,b"]]],
      ["version 99", [["Connection", "Upgrade"], ["Upgrade", "websocket"], key, ["Sec-WebSocket-Version", "99"]]],
    ] as [string, [string, string][]][]) {
      const a = await rawExchange(hub.base, httpRequestBytes({ method: "GET", target: "/stream/certificates", headers }), { awaitClose: 2000 });
      expect({ what, status: a.status, code: assertApiError(a) }).toEqual({ what, status: 400, code: "API_ERROR_BAD_REQUEST" });
      if (what === "version 99") expect(a.headers["sec-websocket-version"]).toBe("13, 8");
    }
  });

  test("CONNECT: 400 with the error body, then closed (Node closed the connection without an answer)", async () => {
    for (const target of ["127.0.0.1:443", "/status"]) {
      const a = await rawExchange(hub.base, httpRequestBytes({ method: "CONNECT", target }), { awaitClose: 2000 });
      expect({ target, status: a.status, code: assertApiError(a) }).toEqual({ target, status: 400, code: "API_ERROR_BAD_REQUEST" });
    }
  });
});
