import { createRequire } from "node:module";
import type { FastifyError, FastifyInstance, FastifyReply } from "fastify";
import { aegis } from "@aegis/proto";
import { fromHex, sha256, toHex } from "@aegis/consumer-sdk";
import { GetLatestBlockResponse, GetLatestValidatorSetResponse, GetNodeInfoResponse, GetSyncingResponse } from "cosmjs-types/cosmos/base/tendermint/v1beta1/query";
import { BroadcastTxResponse, GetTxRequest, GetTxResponse, GetTxsEventResponse } from "cosmjs-types/cosmos/tx/v1beta1/service";
import type { Tx } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import type { TxResponse } from "cosmjs-types/cosmos/base/abci/v1beta1/abci";
import { BLS_PUBLIC_KEY_TYPE_URL, CONSENSUS_ADDRESS_PREFIX } from "../../app/index.js";
import type { Logger } from "../../logger.js";
import { CometRpc, parseTxQuery, type CometRpcBackend } from "../../rpc/cometRpc.js";
import { toBech32 } from "../../tx/index.js";
import { clipUserInput, drainRequestBody, type HttpServerLimits } from "../httpServerLimits.js";
import { createGatewayErrorFromAbci, GatewayError, GrpcCode } from "./gatewayErrors.js";
import { decodeGatewayJson, encodeGatewayJson, toProtoFieldName, type GatewayJson } from "./gatewayJson.js";
import { createGatewayRequestJson, createPageRequestJson, GATEWAY_QUERY_ROUTES, parseGatewayField, type GatewayQueryRoute } from "./gatewayRoutes.js";

export interface GatewayRoutesModules {
  /** The node as the JSON-RPC sees it: the same queries, broadcast, tx index and blocks. */
  backend: CometRpcBackend;
  logger: Logger;
}

/** Every gateway path starts with this; what is under it answers the gateway's error body. */
export const GATEWAY_PATH_PREFIX = "/cosmos";

/** The Cosmos SDK version whose REST routes and JSON shapes these are (`application_version.cosmos_sdk_version`; explorers pick their requests by it). */
export const GATEWAY_COSMOS_SDK_VERSION = "v0.50.0";

const HUB_VERSION: string = (createRequire(import.meta.url)("../../../package.json") as { version: string }).version;

/** The tx_search page size CometBFT allows at most (and the SDK's default `limit`). */
const MAX_TX_SEARCH_LIMIT = 100;
/** The SDK's default page size (query.DefaultLimit). */
const DEFAULT_PAGE_LIMIT = 100;

const GET_TX_QUERY = "/cosmos.tx.v1beta1.Service/GetTx";
/** ABCI code of the SDK's ErrKeyNotFound. */
const NOT_FOUND = 22;

/**
 * Serves the Cosmos SDK's REST (gRPC-gateway) routes under /cosmos on the API's fastify instance, in
 * a scope of its own: every answer there, routes, refusals and paths that are no route alike, is the
 * gateway's — the JSON of the response message (gatewayJson.ts), or `{"code", "message", "details"}`
 * with the HTTP status the gateway gives that gRPC code. Any content type is read as JSON (as the
 * gateway does), and answers allow any origin (explorers run in browsers).
 *
 * - A query route (GATEWAY_QUERY_ROUTES) runs the ABCI query the JSON-RPC's `abci_query` runs for its
 *   gRPC method; a failed query is mapped as the SDK's gateway maps it (createGatewayErrorFromAbci).
 * - POST /cosmos/tx/v1beta1/txs is the JSON-RPC's broadcast (CheckTx), GET /cosmos/tx/v1beta1/txs
 *   searches the index tx_search reads and answers each hit with the GetTx query.
 * - /cosmos/base/tendermint/v1beta1 answers from the JSON-RPC's `status`, `block` and the validator
 *   sets, in proto JSON.
 */
export function registerGatewayRoutes(app: FastifyInstance, modules: GatewayRoutesModules, limits: Pick<HttpServerLimits, "maxBodyBytes" | "maxDiscardedBodyBytes">): void {
  const { backend, logger } = modules;
  const rpc = new CometRpc(backend);
  app.register(
    async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser("*", { parseAs: "buffer" }, (_req, body, done) => done(null, body));
      scope.addHook("onRequest", async (req, reply) => {
        // Not looked at: one fastify cannot parse (`;`, an empty one) would otherwise get its 415.
        delete req.raw.headers["content-type"];
        reply.header("access-control-allow-origin", "*");
      });
      scope.setErrorHandler(async (err: FastifyError | GatewayError, req, reply) => {
        if (err instanceof GatewayError) return sendGatewayError(reply, err);
        if (err.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
          await drainRequestBody(req.raw, limits.maxDiscardedBodyBytes);
          reply.header("connection", "close");
          return sendGatewayError(reply, new GatewayError(GrpcCode.InvalidArgument, `the request body is over ${limits.maxBodyBytes} bytes`, 413));
        }
        const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
        if (status !== 500) return sendGatewayError(reply, new GatewayError(GrpcCode.InvalidArgument, err.message, status));
        logger.error("gateway route error", { url: clipUserInput(req.url), error: err.message });
        return sendGatewayError(reply, new GatewayError(GrpcCode.Internal, "internal error"));
      });
      // The gateway answers a path it has no handler for with Unimplemented.
      scope.setNotFoundHandler((_req, reply) => sendGatewayError(reply, new GatewayError(GrpcCode.Unimplemented, "Not Implemented")));
      scope.options("/*", async (_req, reply) =>
        reply.code(204).header("access-control-allow-methods", "GET, POST").header("access-control-allow-headers", "Content-Type").header("access-control-max-age", "600").send(),
      );

      for (const route of GATEWAY_QUERY_ROUTES) {
        scope.route<{ Params: Record<string, string>; Querystring: Record<string, unknown> }>({
          method: route.method,
          url: toFastifyPath(route.path),
          handler: async (req) => {
            const fields = route.method === "GET" ? req.query : parseJsonBody(req.body);
            return runQueryRoute(route, req.params, fields);
          },
        });
      }

      scope.post("/tx/v1beta1/txs", async (req) => broadcastTx(parseJsonBody(req.body)));
      scope.get<{ Querystring: Record<string, unknown> }>("/tx/v1beta1/txs", async (req) => searchTxs(req.query));

      const tm = "/base/tendermint/v1beta1";
      scope.get(`${tm}/node_info`, async () => nodeInfo());
      scope.get(`${tm}/syncing`, async () => encodeGatewayJson(GetSyncingResponse, GetSyncingResponse.fromPartial({ syncing: (await rpcStatus()).sync_info.catching_up })));
      scope.get(`${tm}/blocks/latest`, async () => block(null));
      scope.get<{ Params: { height: string } }>(`${tm}/blocks/:height`, async (req) => block(req.params.height));
      scope.get<{ Querystring: Record<string, unknown> }>(`${tm}/validatorsets/latest`, async (req) => validatorSet(null, req.query));
      scope.get<{ Params: { height: string }; Querystring: Record<string, unknown> }>(`${tm}/validatorsets/:height`, async (req) => validatorSet(req.params.height, req.query));
    },
    { prefix: GATEWAY_PATH_PREFIX },
  );

  async function runQueryRoute(route: GatewayQueryRoute, params: Record<string, string>, fields: Record<string, unknown>): Promise<GatewayJson> {
    const json = createGatewayRequestJson(route, params, fields);
    const request = route.request.encode(route.request.fromJSON(json)).finish();
    const r = await backend.abciQuery(route.query, request);
    if (r.code !== 0) throw createGatewayErrorFromAbci(r);
    return decodeGatewayJson(route.response, r.value ?? new Uint8Array(0));
  }

  /** BroadcastTx: `{tx_bytes, mode}`, SYNC or ASYNC; both answer after CheckTx, with its result. */
  async function broadcastTx(body: Record<string, unknown>): Promise<GatewayJson> {
    if (body.tx_bytes === undefined || body.tx_bytes === null || body.tx_bytes === "") throw new GatewayError(GrpcCode.InvalidArgument, "invalid empty tx");
    if (typeof body.tx_bytes !== "string") throw new GatewayError(GrpcCode.InvalidArgument, "tx_bytes must be a base64 string");
    const tx = new Uint8Array(Buffer.from(parseGatewayField("tx_bytes", "bytes", body.tx_bytes) as string, "base64"));
    const mode = body.mode ?? "BROADCAST_MODE_UNSPECIFIED";
    if (!["BROADCAST_MODE_SYNC", "BROADCAST_MODE_ASYNC", 2, 3, "2", "3"].includes(mode as string | number)) {
      throw new GatewayError(GrpcCode.InvalidArgument, `unsupported broadcast mode ${clipUserInput(JSON.stringify(mode), 40)}; supported: BROADCAST_MODE_SYNC, BROADCAST_MODE_ASYNC`);
    }
    const r = await backend.broadcastTxSync(tx);
    const txResponse = { height: 0n, txhash: toHex(sha256(tx)).toUpperCase(), codespace: r.codespace, code: r.code, data: "", rawLog: r.log, logs: [], info: "", gasWanted: 0n, gasUsed: 0n, timestamp: "", events: [] };
    return encodeGatewayJson(BroadcastTxResponse, BroadcastTxResponse.fromPartial({ txResponse }));
  }

  /**
   * GetTxsEvent: `query` (SDK v0.50) or `events` (before it; joined by AND), `page` (from 1) and
   * `limit` (default and at most 100) or `pagination.offset`/`.limit`, `order_by`. The hits are those
   * of the JSON-RPC's tx_search; each is answered as GetTx answers it.
   */
  async function searchTxs(q: Record<string, unknown>): Promise<GatewayJson> {
    const one = (name: string): string | undefined => {
      const v = q[name];
      if (Array.isArray(v)) {
        if (v.length > 1) throw new GatewayError(GrpcCode.InvalidArgument, `too many values for field ${name}: ${v.join(", ")}`);
        return v[0] as string | undefined;
      }
      return typeof v === "string" ? v : undefined;
    };
    const events = q.events === undefined ? [] : ([] as unknown[]).concat(q.events).map(String).filter((e) => e !== "");
    const query = one("query") || events.join(" AND ");
    if (!query) throw new GatewayError(GrpcCode.InvalidArgument, "query cannot be empty");
    let conditions: ReturnType<typeof parseTxQuery>;
    try {
      conditions = parseTxQuery(query);
    } catch (e) {
      throw new GatewayError(GrpcCode.InvalidArgument, (e as { data?: string }).data ?? (e as Error).message);
    }
    const num = (name: string) => {
      const raw = one(name);
      return raw === undefined || raw === "" ? undefined : Number(parseGatewayField(name, "uint64", raw));
    };
    const limit = Math.min(MAX_TX_SEARCH_LIMIT, num("limit") || num("pagination.limit") || DEFAULT_PAGE_LIMIT);
    const page = num("page");
    const start = page ? (page - 1) * limit : (num("pagination.offset") ?? 0);
    const orderBy = one("order_by") ?? "";
    if (!["", "ORDER_BY_UNSPECIFIED", "ORDER_BY_ASC", "ORDER_BY_DESC", "0", "1", "2"].includes(orderBy)) throw new GatewayError(GrpcCode.InvalidArgument, `type mismatch, parameter: order_by, error: ${JSON.stringify(orderBy.slice(0, 40))} is not valid`);
    const found = await backend.searchTxs(conditions);
    const ordered = orderBy === "ORDER_BY_DESC" || orderBy === "2" ? found.slice().reverse() : found;
    if (start > 0 && start >= ordered.length) throw new GatewayError(GrpcCode.InvalidArgument, `page should be within [1, ${Math.max(1, Math.ceil(ordered.length / limit))}] range, given ${page ?? Math.floor(start / limit) + 1}`);
    const txs: Tx[] = [];
    const txResponses: TxResponse[] = [];
    for (const rec of ordered.slice(start, start + limit)) {
      const r = await backend.abciQuery(GET_TX_QUERY, GetTxRequest.encode({ hash: rec.hash }).finish());
      if (r.code === NOT_FOUND) continue; // pruned or not committed since the search: not a hit
      if (r.code !== 0) throw createGatewayErrorFromAbci(r);
      const got = GetTxResponse.decode(r.value ?? new Uint8Array(0));
      if (got.tx) txs.push(got.tx);
      if (got.txResponse) txResponses.push(got.txResponse);
    }
    return encodeGatewayJson(GetTxsEventResponse, GetTxsEventResponse.fromPartial({ txs, txResponses, total: BigInt(ordered.length) }));
  }

  /** The JSON-RPC's `status` result (the one owner of the node's CometBFT-style identity). */
  async function rpcStatus(): Promise<RpcStatusJson> {
    return rpcResult<RpcStatusJson>(await rpc.handle({ jsonrpc: "2.0", id: 0, method: "status" }));
  }

  async function nodeInfo(): Promise<GatewayJson> {
    const { node_info: n } = await rpcStatus();
    return encodeGatewayJson(
      GetNodeInfoResponse,
      GetNodeInfoResponse.fromPartial({
        defaultNodeInfo: {
          protocolVersion: { p2p: BigInt(n.protocol_version.p2p), block: BigInt(n.protocol_version.block), app: BigInt(n.protocol_version.app) },
          defaultNodeId: n.id,
          listenAddr: n.listen_addr,
          network: n.network,
          version: n.version,
          channels: new TextEncoder().encode(n.channels),
          moniker: n.moniker,
          other: { txIndex: n.other.tx_index, rpcAddress: n.other.rpc_address },
        },
        applicationVersion: { name: "aegis", appName: "aegis", version: HUB_VERSION, gitCommit: "", buildTags: "", goVersion: "", buildDeps: [], cosmosSdkVersion: GATEWAY_COSMOS_SDK_VERSION },
      }),
    );
  }

  /** A block height of the path (null: the latest); above the latest is InvalidArgument, as in the SDK. */
  async function parseHeight(raw: string | null): Promise<number> {
    const latest = (await rpcStatus()).sync_info.latest_block_height;
    if (raw === null) return Number(latest);
    const h = BigInt(parseGatewayField("height", "int64", raw) as string);
    if (h > BigInt(latest)) throw new GatewayError(GrpcCode.InvalidArgument, "requested block height is bigger then the chain length");
    if (h < 1n) throw new GatewayError(GrpcCode.InvalidArgument, "height must be greater than 0");
    return Number(h);
  }

  /** GetLatestBlock / GetBlockByHeight: the JSON-RPC's `block` in proto JSON, and `sdk_block` with the proposer as a bech32 consensus address. */
  async function block(rawHeight: string | null): Promise<GatewayJson> {
    const height = await parseHeight(rawHeight);
    const answer = await rpc.handle({ jsonrpc: "2.0", id: 0, method: "block", params: { height: String(height) } });
    if (answer.error) throw new GatewayError(GrpcCode.NotFound, `block ${height} is not stored on this node`);
    const b = rpcResult<RpcBlockJson>(answer);
    const blockId = blockIdOf(b.block_id);
    const h = b.block.header;
    const header = {
      version: { block: BigInt(h.version.block), app: BigInt(h.version.app) },
      chainId: h.chain_id,
      height: BigInt(h.height),
      time: timestampOf(h.time),
      lastBlockId: blockIdOf(h.last_block_id),
      lastCommitHash: hex(h.last_commit_hash),
      dataHash: hex(h.data_hash),
      validatorsHash: hex(h.validators_hash),
      nextValidatorsHash: hex(h.next_validators_hash),
      consensusHash: hex(h.consensus_hash),
      appHash: hex(h.app_hash),
      lastResultsHash: hex(h.last_results_hash),
      evidenceHash: hex(h.evidence_hash),
    };
    const c = b.block.last_commit;
    const rest = {
      data: { txs: b.block.data.txs.map((t) => new Uint8Array(Buffer.from(t, "base64"))) },
      evidence: { evidence: [] },
      lastCommit: { height: BigInt(c.height), round: c.round, blockId: blockIdOf(c.block_id), signatures: [] },
    };
    const proposer = hex(h.proposer_address);
    return encodeGatewayJson(
      GetLatestBlockResponse,
      GetLatestBlockResponse.fromPartial({
        blockId,
        block: { header: { ...header, proposerAddress: proposer }, ...rest },
        sdkBlock: { header: { ...header, proposerAddress: toBech32(CONSENSUS_ADDRESS_PREFIX, proposer) }, ...rest },
      }),
    );
  }

  /** GetLatestValidatorSet / GetValidatorSetByHeight: the set that signed the height, BLS keys as the staking validators' consensus_pubkey. */
  async function validatorSet(rawHeight: string | null, q: Record<string, unknown>): Promise<GatewayJson> {
    const height = await parseHeight(rawHeight);
    const set = await backend.validators(height);
    if (!set) throw new GatewayError(GrpcCode.NotFound, `the validator set of height ${height} is not known here`);
    const page = createPageRequestJson(q) ?? {};
    const offset = Number(page.offset ?? 0);
    const limit = Number(page.limit ?? 0) || DEFAULT_PAGE_LIMIT;
    const validators = set.validators.slice(offset, offset + limit).map((v) => ({
      address: toBech32(CONSENSUS_ADDRESS_PREFIX, v.address),
      pubKey: { typeUrl: BLS_PUBLIC_KEY_TYPE_URL, value: aegis.staking.v1.BlsPublicKey.encode({ key: v.blsPublicKey }).finish() },
      votingPower: v.power,
      proposerPriority: 0n,
    }));
    return encodeGatewayJson(
      GetLatestValidatorSetResponse,
      GetLatestValidatorSetResponse.fromPartial({ blockHeight: BigInt(set.height), validators, pagination: { nextKey: new Uint8Array(0), total: BigInt(set.validators.length) } }),
    );
  }
}

function sendGatewayError(reply: FastifyReply, err: GatewayError): FastifyReply {
  return reply.code(err.httpStatus).header("content-type", "application/json; charset=utf-8").send(err.toJson());
}

/** `{address}` → `:address`, under the scope's prefix. */
function toFastifyPath(path: string): string {
  return path.slice(GATEWAY_PATH_PREFIX.length).replace(/\{([a-z_]+)\}/g, ":$1");
}

/**
 * A POST body: a JSON object, its keys by proto name (the gateway reads the camelCase JSON names too).
 * No body is an empty request.
 */
function parseJsonBody(raw: unknown): Record<string, unknown> {
  const text = raw instanceof Uint8Array ? Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString("utf8") : "";
  if (text.trim() === "") return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw new GatewayError(GrpcCode.InvalidArgument, `the body is not JSON: ${clipUserInput((e as Error).message, 120)}`);
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) throw new GatewayError(GrpcCode.InvalidArgument, "the body must be a JSON object");
  return Object.fromEntries(Object.entries(body).map(([k, v]) => [toProtoFieldName(k), v]));
}

interface RpcStatusJson {
  node_info: {
    protocol_version: { p2p: string; block: string; app: string };
    id: string;
    listen_addr: string;
    network: string;
    version: string;
    channels: string;
    moniker: string;
    other: { tx_index: string; rpc_address: string };
  };
  sync_info: { latest_block_height: string; catching_up: boolean };
}

interface RpcBlockIdJson {
  hash: string;
  parts: { total: number; hash: string };
}

interface RpcBlockJson {
  block_id: RpcBlockIdJson;
  block: {
    header: {
      version: { block: string; app: string };
      chain_id: string;
      height: string;
      time: string;
      last_block_id: RpcBlockIdJson;
      last_commit_hash: string;
      data_hash: string;
      validators_hash: string;
      next_validators_hash: string;
      consensus_hash: string;
      app_hash: string;
      last_results_hash: string;
      evidence_hash: string;
      proposer_address: string;
    };
    data: { txs: string[] };
    last_commit: { height: string; round: number; block_id: RpcBlockIdJson };
  };
}

function rpcResult<T>(answer: { result?: unknown; error?: { message: string; data: string } }): T {
  if (answer.error) throw new Error(`JSON-RPC ${answer.error.message}: ${answer.error.data}`);
  return answer.result as T;
}

const hex = (h: string) => fromHex(h);

function blockIdOf(id: RpcBlockIdJson) {
  return { hash: hex(id.hash), partSetHeader: { total: id.parts.total, hash: hex(id.parts.hash) } };
}

function timestampOf(rfc3339: string): { seconds: bigint; nanos: number } {
  const ms = Date.parse(rfc3339);
  return { seconds: BigInt(Math.floor(ms / 1000)), nanos: (((ms % 1000) + 1000) % 1000) * 1_000_000 };
}
