import type { FastifyInstance } from "fastify";
import { sha256, toHex } from "@aegis/consumer-sdk";

/**
 * The subset of CometBFT's JSON-RPC (0.38) that cosmjs' StargateClient and SigningStargateClient use:
 * status, abci_query, broadcast_tx_sync, tx_search, block (docs/cosmjs-compat.md has the shapes and
 * the cosmjs code they come from). JSON-RPC 2.0 over HTTP POST, one object (or a batch array) per
 * request, always answered with HTTP 200.
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

class RpcError extends Error {
  constructor(
    readonly code: RpcErrorCode,
    message: string,
    readonly data?: string,
  ) {
    super(message);
  }
}

const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");
const HEX_UPPER = (b: Uint8Array) => toHex(b).toUpperCase();
const time = (ms: number) => new Date(ms).toISOString();

/** Parses the `tx_search` grammar cosmjs sends: `key='value'` / `key=number` joined by " AND ". */
export function parseTxQuery(query: string): TxSearchCondition[] {
  if (typeof query !== "string" || query.trim() === "") throw new RpcError(-32602, "Invalid params", "query must be a non-empty string");
  return query.split(/\s+AND\s+/).map((part) => {
    const m = /^\s*([A-Za-z0-9_.-]+)\s*=\s*(?:'([^']*)'|([0-9]+))\s*$/.exec(part);
    if (!m) throw new RpcError(-32602, "Invalid params", `unsupported query condition ${JSON.stringify(part.slice(0, 100))} (supported: key='value' or key=number, joined by AND)`);
    return { key: m[1]!, value: m[2] ?? m[3]! };
  });
}

function intParam(v: unknown, name: string, dflt: number | null): number | null {
  if (v === undefined || v === null || v === "") return dflt;
  const s = String(v);
  if (!/^[0-9]{1,15}$/.test(s)) throw new RpcError(-32602, "Invalid params", `${name} must be a non-negative integer`);
  return Number(s);
}

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
    throw new RpcError(-32602, "Invalid params", "tx must be non-empty base64");
  }
  return new Uint8Array(Buffer.from(p.tx, "base64"));
}

export class CometRpc {
  constructor(
    private readonly backend: CometRpcBackend,
    private readonly broadcastTxCommitTimeoutMs = BROADCAST_TX_COMMIT_TIMEOUT_MS,
  ) {}

  /** Mounts POST `paths` (default "/" and "/rpc") on a fastify instance. */
  register(app: FastifyInstance, paths: string[] = ["/", "/rpc"]): void {
    for (const path of paths) {
      app.post(path, async (req, reply) => {
        reply.code(200).header("access-control-allow-origin", "*");
        const body = req.body as unknown;
        if (Array.isArray(body)) return Promise.all(body.map((b) => this.handle(b)));
        return this.handle(body);
      });
      app.options(path, async (_req, reply) =>
        reply
          .code(204)
          .header("access-control-allow-origin", "*")
          .header("access-control-allow-methods", "POST")
          .header("access-control-allow-headers", "Content-Type")
          .send(),
      );
    }
  }

  async handle(raw: unknown): Promise<unknown> {
    const req = raw as { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown } | null;
    const id = req && (typeof req.id === "number" || typeof req.id === "string") ? req.id : -1;
    try {
      if (!req || typeof req !== "object" || req.jsonrpc !== "2.0" || typeof req.method !== "string") {
        throw new RpcError(-32600, "Invalid Request", "expected a JSON-RPC 2.0 request object");
      }
      const params = (req.params && typeof req.params === "object" ? req.params : {}) as Record<string, unknown>;
      return { jsonrpc: "2.0", id, result: await this.call(req.method, params) };
    } catch (e) {
      const err = e instanceof RpcError ? e : new RpcError(-32603, "Internal error", (e as Error).message);
      return { jsonrpc: "2.0", id, error: { code: err.code, message: err.message, data: err.data ?? "" } };
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
    if (typeof p.path !== "string" || p.path === "") throw new RpcError(-32602, "Invalid params", "path must be a non-empty string");
    const dataHex = typeof p.data === "string" ? p.data.replace(/^0x/, "") : "";
    if (!/^([0-9a-fA-F]{2})*$/.test(dataHex)) throw new RpcError(-32602, "Invalid params", "data must be hex");
    const r = await this.backend.abciQuery(p.path, new Uint8Array(Buffer.from(dataHex, "hex")));
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
    if (page < 1) throw new RpcError(-32602, "Invalid params", "page must be >= 1");
    const v = await this.backend.validators(height === 0 ? null : height);
    if (!v) throw new RpcError(-32603, "Internal error", `height ${height} is not available`);
    const start = (page - 1) * perPage;
    if (start > 0 && start >= v.validators.length) throw new RpcError(-32602, "Invalid params", `page ${page} is out of range`);
    const slice = v.validators.slice(start, start + perPage);
    return {
      block_height: String(v.height),
      // BLS12-381 keys under CometBFT v1's name for them (cosmjs' decoder knows only ed25519 and secp256k1).
      validators: slice.map((x) => ({ address: HEX_UPPER(x.address), pub_key: { type: "cometbft/PubKeyBls12_381", value: b64(x.blsPublicKey) }, voting_power: x.power.toString(), proposer_priority: "0" })),
      count: String(slice.length),
      total: String(v.validators.length),
    };
  }

  private async txSearch(p: Record<string, unknown>) {
    const conditions = parseTxQuery(String(p.query ?? ""));
    const page = intParam(p.page, "page", 1)!;
    const perPage = Math.min(100, Math.max(1, intParam(p.per_page, "per_page", 30)!));
    if (page < 1) throw new RpcError(-32602, "Invalid params", "page must be >= 1");
    const all = await this.backend.searchTxs(conditions);
    const start = (page - 1) * perPage;
    if (start > 0 && start >= all.length) throw new RpcError(-32602, "Invalid params", `page ${page} is out of range`);
    return { txs: all.slice(start, start + perPage).map(txRecordJson), total_count: String(all.length) };
  }

  private async tx(p: Record<string, unknown>) {
    const raw = String(p.hash ?? "");
    const hex = /^[A-Za-z0-9+/]+={0,2}$/.test(raw) && raw.length === 44 ? toHex(Buffer.from(raw, "base64")) : raw;
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
