import type { FastifyError, FastifyInstance } from "fastify";
import { sha256, toHex } from "@aegis/consumer-sdk";
import { clipUserInput, DEFAULT_HTTP_SERVER_LIMITS, drainRequestBody } from "../api/httpServerLimits.js";

/**
 * The subset of CometBFT's JSON-RPC (0.38) that cosmjs' StargateClient and SigningStargateClient use:
 * status, abci_query, broadcast_tx_sync, broadcast_tx_commit, validators, tx_search, tx, block,
 * health (docs/cosmjs-compat.md has the shapes and the cosmjs code they come from). JSON-RPC 2.0 over
 * HTTP POST, one object (or a batch array) per request, params by name (an object) or by position
 * (an array), as CometBFT's http_json_handler takes them:
 * - any content type (or none): the body is read as JSON whatever the header says;
 * - a body that is not JSON: HTTP 500 with `{ jsonrpc, id: null, error: { code: -32700, message:
 *   "Parse error. Invalid JSON", data } }`;
 * - a body over the limit: HTTP 413 with a -32600 error (CometBFT: 400, "error reading request body");
 * - a batch of more than MAX_BATCH_REQUESTS calls: HTTP 400 with one -32600 error (CometBFT's
 *   max_request_batch_size);
 * - everything else, including errors of single calls, HTTP 200.
 */

/** The version string that makes cosmjs pick its CometBFT 0.38 client. */
export const COMET_COMPAT_VERSION = "0.38.17";

export interface AbciQueryResult {
  code: number;
  codespace?: string;
  log?: string;
  value?: Uint8Array;
  /** Height of the state that answered (must be > 0 for a successful query). */
  height: number;
}

export interface TxResultJson {
  code: number;
  codespace: string;
  log: string;
  /** TxMsgData bytes. */
  data: Uint8Array;
  gasWanted: bigint;
  gasUsed: bigint;
  events: { type: string; attributes: { key: string; value: string }[] }[];
}

export interface IndexedTxRecord {
  /** Uppercase hex SHA-256 of the tx bytes. */
  hash: string;
  height: number;
  index: number;
  tx: Uint8Array;
  result: TxResultJson;
}

export interface RpcBlock {
  height: number;
  /** Unix ms. */
  time: number;
  chainId: string;
  blockHash: Uint8Array;
  parentHash: Uint8Array | null;
  stateRoot: Uint8Array;
  proposer: Uint8Array;
  txs: Uint8Array[];
}

/** What the RPC layer needs from the node. */
export interface CometRpcBackend {
  status(): {
    chainId: string;
    moniker: string;
    nodeId: string;
    latestBlockHash: Uint8Array | null;
    latestStateRoot: Uint8Array;
    latestHeight: number;
    latestTime: number;
  };
  abciQuery(path: string, data: Uint8Array): Promise<AbciQueryResult>;
  /** CheckTx + mempool; a rejection is a normal result with code != 0. */
  broadcastTxSync(tx: Uint8Array): Promise<{ code: number; codespace: string; log: string }>;
  /** Transactions matching every condition, ordered by (height, index). */
  searchTxs(conditions: TxSearchCondition[]): Promise<IndexedTxRecord[]>;
  block(height: number | null): Promise<RpcBlock | null>;
  /** The validator set that signs `height` (null: the next height); null when the height is not known. */
  validators(height: number | null): Promise<{ height: number; validators: { address: Uint8Array; blsPublicKey: Uint8Array; power: bigint }[] } | null>;
}

/** How long broadcast_tx_commit waits for the transaction's block (CometBFT's timeout_broadcast_tx_commit). */
export const BROADCAST_TX_COMMIT_TIMEOUT_MS = 10_000;

export type TxSearchCondition = { key: string; value: string };

export type RpcErrorCode = -32700 | -32600 | -32601 | -32602 | -32603;

/** A JSON-RPC response (one element of a batch answer). */
export interface RpcResponseJson {
  jsonrpc: "2.0";
  id: number | string | null;
  result?: unknown;
  error?: { code: RpcErrorCode; message: string; data: string };
}

/** Each method's parameter names, in the order CometBFT's routes take them by position. */
const METHOD_PARAMS: ReadonlyMap<string, readonly string[]> = new Map([
  ["health", []],
  ["status", []],
  ["abci_query", ["path", "data", "height", "prove"]],
  ["broadcast_tx_sync", ["tx"]],
  ["broadcast_tx_commit", ["tx"]],
  ["validators", ["height", "page", "per_page"]],
  ["tx_search", ["query", "prove", "page", "per_page", "order_by"]],
  ["tx", ["hash", "prove"]],
  ["block", ["height"]],
]);

class RpcError extends Error {
  constructor(
    readonly code: RpcErrorCode,
    message: string,
    readonly data?: string,
  ) {
    super(message);
  }
}

const invalidParams = (reason: string) => new RpcError(-32602, "Invalid params", reason);
const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");
const HEX_UPPER = (b: Uint8Array) => toHex(b).toUpperCase();
const time = (ms: number) => new Date(ms).toISOString();

/** Parses the `tx_search` grammar cosmjs sends: `key='value'` / `key=number` joined by " AND ". */
export function parseTxQuery(query: string): TxSearchCondition[] {
  if (typeof query !== "string" || query.trim() === "") throw invalidParams("query must be a non-empty string");
  return query.split(/\s+AND\s+/).map((part) => {
    const m = /^\s*([A-Za-z0-9_.-]+)\s*=\s*(?:'([^']*)'|([0-9]+))\s*$/.exec(part);
    if (!m) throw invalidParams(`unsupported query condition ${JSON.stringify(part.slice(0, 100))} (supported: key='value' or key=number, joined by AND)`);
    const value = m[2] ?? m[3]!;
    // tx.height is looked up as a height: a value that is none is the caller's error, not the index's.
    if (m[1] === "tx.height" && !/^[0-9]{1,15}$/.test(value)) throw invalidParams(`tx.height must be a non-negative integer, got ${JSON.stringify(value.slice(0, 40))}`);
    return { key: m[1]!, value };
  });
}

/** An integer param: a JSON number or a decimal string (as CometBFT's int64 JSON); absent, null or "": `dflt`. */
function intParam(v: unknown, name: string, dflt: number | null): number | null {
  if (v === undefined || v === null || v === "") return dflt;
  if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) return v;
  if (typeof v === "string" && /^[0-9]{1,15}$/.test(v)) return Number(v);
  throw invalidParams(`${name} must be a non-negative integer (a number or a decimal string)`);
}

/** A string param; absent or null: undefined. */
function stringParam(v: unknown, name: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw invalidParams(`${name} must be a string`);
  return v;
}

/** A boolean param (CometBFT's `prove`); absent or null: false. */
function boolParam(v: unknown, name: string): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v !== "boolean") throw invalidParams(`${name} must be a boolean`);
  return v;
}

/** Params by name (an object) or by position (an array of exactly the method's parameters), as CometBFT takes them. */
function namedParams(method: string, names: readonly string[], raw: unknown): Record<string, unknown> {
  if (raw === undefined || raw === null) return {};
  if (Array.isArray(raw)) {
    if (raw.length !== names.length) throw invalidParams(`${method} takes ${names.length} parameters by position (${names.join(", ")}), got ${raw.length}`);
    return Object.fromEntries(names.map((n, i) => [n, raw[i]]));
  }
  if (typeof raw === "object") return raw as Record<string, unknown>;
  throw invalidParams("params must be an object (by name) or an array (by position)");
}

const PARSE_ERROR_DATA_MAX = 120;
/**
 * The most calls one batch may hold (CometBFT's max_request_batch_size; cosmjs' HttpBatchClient sends
 * up to 20). Without it one body of the size limit held ~48,000 calls: seconds of the event loop and
 * a ~38 MB answer per request.
 */
export const MAX_BATCH_REQUESTS = 100;
/** The longest abci_query path. */
export const MAX_ABCI_QUERY_PATH = 256;

function txRecordJson(r: IndexedTxRecord) {
  return {
    hash: r.hash,
    height: String(r.height),
    index: r.index,
    tx: b64(r.tx),
    tx_result: {
      code: r.result.code,
      data: b64(r.result.data),
      log: r.result.log,
      info: "",
      gas_wanted: r.result.gasWanted.toString(),
      gas_used: r.result.gasUsed.toString(),
      events: r.result.events.map((e) => ({ type: e.type, attributes: e.attributes.map((a) => ({ key: a.key, value: a.value, index: true })) })),
      codespace: r.result.codespace,
    },
  };
}

function txParam(p: Record<string, unknown>): Uint8Array {
  if (typeof p.tx !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(p.tx) || p.tx.length === 0) {
    throw invalidParams("tx must be non-empty base64");
  }
  return new Uint8Array(Buffer.from(p.tx, "base64"));
}

export class CometRpc {
  constructor(
    private readonly backend: CometRpcBackend,
    private readonly broadcastTxCommitTimeoutMs = BROADCAST_TX_COMMIT_TIMEOUT_MS,
  ) {}

  /**
   * Mounts POST `paths` (default "/" and "/rpc") on a fastify instance, in a scope of their own: any
   * content type is read as bytes and parsed here, and the scope's errors are JSON-RPC errors.
   * `maxDiscardedBodyBytes`: what is read and dropped of a body over the instance's bodyLimit before
   * its 413 is sent (httpServerLimits).
   */
  register(app: FastifyInstance, paths: string[] = ["/", "/rpc"], maxDiscardedBodyBytes = DEFAULT_HTTP_SERVER_LIMITS.maxDiscardedBodyBytes): void {
    app.register(async (scope) => {
      // CometBFT reads the body as JSON whatever the Content-Type says (cosmjs sends application/json, curl
      // users often send none or form-urlencoded).
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser("*", { parseAs: "buffer" }, (_req, body, done) => done(null, body));
      // Not even looked at: one fastify cannot parse (`;`, an empty one) would otherwise get its 415.
      scope.addHook("onRequest", async (req) => {
        delete req.raw.headers["content-type"];
      });
      scope.setErrorHandler(async (err: FastifyError, req, reply) => {
        reply.header("access-control-allow-origin", "*");
        if (err.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
          await drainRequestBody(req.raw, maxDiscardedBodyBytes);
          return reply.code(413).header("connection", "close").send(errorResponse(null, new RpcError(-32600, "Invalid Request", "error reading request body: request body too large")));
        }
        const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
        const rpcErr = status === 500 ? new RpcError(-32603, "Internal error", "internal error") : new RpcError(-32600, "Invalid Request", `error reading request body: ${clipUserInput(err.message, PARSE_ERROR_DATA_MAX)}`);
        return reply.code(status).send(errorResponse(null, rpcErr));
      });
      for (const path of paths) {
        scope.post(path, async (req, reply) => {
          reply.header("access-control-allow-origin", "*");
          const raw = req.body instanceof Uint8Array ? Buffer.from(req.body.buffer, req.body.byteOffset, req.body.byteLength).toString("utf8") : "";
          let body: unknown;
          try {
            body = JSON.parse(raw);
          } catch (e) {
            // As CometBFT: HTTP 500 and a -32700 error without an id (none could be read).
            const data = `error unmarshaling request: ${clipUserInput((e as Error).message, PARSE_ERROR_DATA_MAX)}`;
            return reply.code(500).send(errorResponse(null, new RpcError(-32700, "Parse error. Invalid JSON", data)));
          }
          reply.code(200);
          if (Array.isArray(body)) {
            if (body.length > MAX_BATCH_REQUESTS) {
              return reply.code(400).send(errorResponse(null, new RpcError(-32600, "Invalid Request", `a batch of ${body.length} requests is over the limit of ${MAX_BATCH_REQUESTS}`)));
            }
            return Promise.all(body.map((b) => this.handle(b)));
          }
          return this.handle(body);
        });
        scope.options(path, async (_req, reply) =>
          reply
            .code(204)
            .header("access-control-allow-origin", "*")
            .header("access-control-allow-methods", "POST")
            .header("access-control-allow-headers", "Content-Type")
            .send(),
        );
      }
    });
  }

  /** Answers one JSON-RPC request object (already parsed); never throws. */
  async handle(raw: unknown): Promise<RpcResponseJson> {
    const req = raw as { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown } | null;
    const id = req && (typeof req.id === "number" || typeof req.id === "string") ? req.id : -1;
    try {
      if (!req || typeof req !== "object" || Array.isArray(req) || req.jsonrpc !== "2.0" || typeof req.method !== "string") {
        throw new RpcError(-32600, "Invalid Request", "expected a JSON-RPC 2.0 request object");
      }
      const names = METHOD_PARAMS.get(req.method);
      if (!names) throw new RpcError(-32601, "Method not found", `method ${JSON.stringify(req.method.slice(0, 60))} is not supported`);
      return { jsonrpc: "2.0", id, result: await this.call(req.method, namedParams(req.method, names, req.params)) };
    } catch (e) {
      return errorResponse(id, e instanceof RpcError ? e : new RpcError(-32603, "Internal error", (e as Error).message));
    }
  }

  private async call(method: string, p: Record<string, unknown>): Promise<unknown> {
    switch (method) {
      case "status":
        return this.status();
      case "abci_query":
        return this.abciQuery(p);
      case "broadcast_tx_sync":
        return this.broadcastTxSync(p);
      case "broadcast_tx_commit":
        return this.broadcastTxCommit(p);
      case "validators":
        return this.validators(p);
      case "tx_search":
        return this.txSearch(p);
      case "tx":
        return this.tx(p);
      case "block":
        return this.block(p);
      case "health":
        return {};
      default:
        throw new RpcError(-32601, "Method not found", `method ${JSON.stringify(method.slice(0, 60))} is not supported`);
    }
  }

  private status() {
    const s = this.backend.status();
    return {
      node_info: {
        protocol_version: { p2p: "8", block: "11", app: "0" },
        id: toHex(sha256(new TextEncoder().encode(s.nodeId)).subarray(0, 20)),
        listen_addr: "tcp://0.0.0.0:26656",
        network: s.chainId,
        version: COMET_COMPAT_VERSION,
        channels: "",
        moniker: s.moniker,
        other: { tx_index: "on", rpc_address: "" },
      },
      sync_info: {
        latest_block_hash: s.latestBlockHash ? HEX_UPPER(s.latestBlockHash) : "00",
        latest_app_hash: HEX_UPPER(s.latestStateRoot),
        latest_block_height: String(s.latestHeight),
        latest_block_time: time(s.latestTime),
        catching_up: false,
      },
      validator_info: {
        // cosmjs only decodes ed25519/secp256k1 keys; Aegis validators sign with BLS, so a placeholder.
        address: "0000000000000000000000000000000000000000",
        pub_key: { type: "tendermint/PubKeyEd25519", value: b64(new Uint8Array(32)) },
        voting_power: "0",
      },
    };
  }

  private async abciQuery(p: Record<string, unknown>) {
    const path = stringParam(p.path, "path");
    if (!path) throw invalidParams("path must be a non-empty string");
    // Query paths are gRPC method names ("/cosmos.bank.v1beta1.Query/AllBalances"); answers quote them.
    if (path.length > MAX_ABCI_QUERY_PATH) throw invalidParams(`path must be at most ${MAX_ABCI_QUERY_PATH} characters`);
    const dataHex = (stringParam(p.data, "data") ?? "").replace(/^0x/, "");
    if (!/^([0-9a-fA-F]{2})*$/.test(dataHex)) throw invalidParams("data must be hex");
    // The state answered is always the latest committed one; height and prove are checked for their type only.
    intParam(p.height, "height", null);
    boolParam(p.prove, "prove");
    const r = await this.backend.abciQuery(path, new Uint8Array(Buffer.from(dataHex, "hex")));
    return {
      response: {
        code: r.code,
        log: r.log ?? "",
        info: "",
        index: "0",
        key: null,
        value: r.value && r.value.length > 0 ? b64(r.value) : null,
        proofOps: null,
        height: String(r.height),
        codespace: r.codespace ?? "",
      },
    };
  }

  private async broadcastTxSync(p: Record<string, unknown>) {
    const tx = txParam(p);
    const r = await this.backend.broadcastTxSync(tx);
    return { code: r.code, data: "", log: r.log, codespace: r.codespace, hash: HEX_UPPER(sha256(tx)) };
  }

  /**
   * CheckTx, then wait (up to BROADCAST_TX_COMMIT_TIMEOUT_MS) until the transaction is in a committed
   * block: `check_tx` and, once committed, `tx_result` and `height`, as CometBFT 0.38 answers. A
   * rejected transaction returns at once with its CheckTx code; a timeout is an error, as in CometBFT.
   */
  private async broadcastTxCommit(p: Record<string, unknown>) {
    const tx = txParam(p);
    const hash = HEX_UPPER(sha256(tx));
    const check = await this.backend.broadcastTxSync(tx);
    const checkTx = { code: check.code, data: "", log: check.log, info: "", gas_wanted: "0", gas_used: "0", events: [], codespace: check.codespace };
    const empty = { code: 0, data: "", log: "", info: "", gas_wanted: "0", gas_used: "0", events: [], codespace: "" };
    if (check.code !== 0) return { check_tx: checkTx, tx_result: empty, hash, height: "0" };
    const deadline = Date.now() + this.broadcastTxCommitTimeoutMs;
    for (;;) {
      const found = await this.backend.searchTxs([{ key: "tx.hash", value: hash }]);
      if (found.length > 0) {
        const r = txRecordJson(found[0]!);
        return { check_tx: checkTx, tx_result: r.tx_result, hash, height: r.height };
      }
      if (Date.now() >= deadline) throw new RpcError(-32603, "Internal error", "timed out waiting for tx to be included in a block");
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private async validators(p: Record<string, unknown>) {
    const height = intParam(p.height, "height", null);
    const page = intParam(p.page, "page", 1)!;
    const perPage = Math.min(100, Math.max(1, intParam(p.per_page, "per_page", 30)!));
    if (page < 1) throw invalidParams("page must be >= 1");
    const v = await this.backend.validators(height === 0 ? null : height);
    if (!v) throw new RpcError(-32603, "Internal error", `height ${height} is not available`);
    const start = (page - 1) * perPage;
    if (start > 0 && start >= v.validators.length) throw invalidParams(`page ${page} is out of range`);
    const slice = v.validators.slice(start, start + perPage);
    return {
      block_height: String(v.height),
      validators: slice.map((x) => ({ address: HEX_UPPER(x.address), pub_key: validatorPubKeyJson(x.blsPublicKey), voting_power: x.power.toString(), proposer_priority: "0" })),
      count: String(slice.length),
      total: String(v.validators.length),
    };
  }

  private async txSearch(p: Record<string, unknown>) {
    const conditions = parseTxQuery(stringParam(p.query, "query") ?? "");
    boolParam(p.prove, "prove");
    const page = intParam(p.page, "page", 1)!;
    const perPage = Math.min(100, Math.max(1, intParam(p.per_page, "per_page", 30)!));
    const orderBy = stringParam(p.order_by, "order_by") || "asc";
    if (orderBy !== "asc" && orderBy !== "desc") throw invalidParams('order_by must be "asc" or "desc"');
    if (page < 1) throw invalidParams("page must be >= 1");
    const found = await this.backend.searchTxs(conditions);
    const all = orderBy === "desc" ? found.slice().reverse() : found;
    const start = (page - 1) * perPage;
    if (start > 0 && start >= all.length) throw invalidParams(`page ${page} is out of range`);
    return { txs: all.slice(start, start + perPage).map(txRecordJson), total_count: String(all.length) };
  }

  private async tx(p: Record<string, unknown>) {
    // CometBFT takes the hash as bytes (base64 in JSON); hex is accepted too. A hash is 32 bytes.
    const raw = stringParam(p.hash, "hash") ?? "";
    boolParam(p.prove, "prove");
    let hex: string;
    if (/^[A-Za-z0-9+/]{43}=$/.test(raw)) hex = toHex(Buffer.from(raw, "base64"));
    else if (/^[0-9a-fA-F]{64}$/.test(raw)) hex = raw;
    else throw invalidParams("hash must be the transaction's SHA-256: 32 bytes as base64 (44 characters) or hex (64)");
    const found = await this.backend.searchTxs([{ key: "tx.hash", value: hex }]);
    if (found.length === 0) throw new RpcError(-32603, "Internal error", `tx (${hex.toUpperCase()}) not found`);
    return txRecordJson(found[0]!);
  }

  private async block(p: Record<string, unknown>) {
    const height = intParam(p.height, "height", null);
    const b = await this.backend.block(height === 0 ? null : height);
    if (!b) throw new RpcError(-32603, "Internal error", `height ${height} is not available`);
    const hash = HEX_UPPER(b.blockHash);
    const emptyId = { hash: "", parts: { total: 0, hash: "" } };
    return {
      block_id: { hash, parts: { total: 1, hash } },
      block: {
        header: {
          version: { block: "11", app: "0" },
          chain_id: b.chainId,
          height: String(b.height),
          time: time(b.time),
          last_block_id: b.parentHash ? { hash: HEX_UPPER(b.parentHash), parts: { total: 1, hash: HEX_UPPER(b.parentHash) } } : emptyId,
          last_commit_hash: "",
          data_hash: "",
          validators_hash: "",
          next_validators_hash: "",
          consensus_hash: "",
          app_hash: HEX_UPPER(b.stateRoot),
          last_results_hash: "",
          evidence_hash: "",
          proposer_address: HEX_UPPER(b.proposer),
        },
        data: { txs: b.txs.map(b64) },
        evidence: { evidence: [] },
        last_commit: { height: "0", round: 0, block_id: emptyId, signatures: [] },
      },
    };
  }
}

/** The longest `data` of an error: whatever it quotes, no more than this of it is sent. */
const MAX_ERROR_DATA = 300;

function errorResponse(id: number | string | null, err: RpcError): RpcResponseJson {
  return { jsonrpc: "2.0", id, error: { code: err.code, message: err.message, data: clipUserInput(err.data ?? "", MAX_ERROR_DATA) } };
}

/**
 * A validator's key in the `validators` answer. Aegis validators have BLS12-381 keys (CometBFT v1 names
 * the type "cometbft/PubKeyBls12_381"), but cosmjs 0.39's decoder (tendermint-rpc's decodePubkey, every
 * client version) accepts only "tendermint/PubKeyEd25519" and "tendermint/PubKeySecp256k1" and throws on
 * anything else. So the key goes under the Ed25519 name, unchanged: the bytes are the validator's real
 * 48-byte BLS key (what /validators and the set root commit to), and the answer's address is
 * sha256(key)[0..20], the rule Ed25519 (and CometBFT's BLS) addresses follow, which secp256k1's does not.
 * A client that takes it for an Ed25519 key fails loudly on its length (Ed25519 keys are 32 bytes).
 */
export function validatorPubKeyJson(blsPublicKey: Uint8Array): { type: "tendermint/PubKeyEd25519"; value: string } {
  return { type: "tendermint/PubKeyEd25519", value: b64(blsPublicKey) };
}
