import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from "fastify";
import { encodeApiErrorJson, encodeBase64, encodeHex, fromHex, HubApiError, type ApiErrorCode } from "@aegis/consumer-sdk";
import { HttpConnectionLimiter, type Logger } from "@aegis/p2p";
import { MAX_TX_BYTES } from "./block.js";
import { decodeSubmitConsumerTxJson, encodeConsumerBlockJson, type ConsumerStatusJson, type ConsumerTxJson, type FinalityJson } from "./consumerApiJson.js";
import { ExecutionError } from "./executionEnvironment.js";
import type { ConsumerNode } from "./consumerNode.js";

/** What the consumer node's HTTP server bounds (as the hub's API does: hub/src/api/httpServerLimits.ts). */
export interface ConsumerApiLimits {
  /** The request line and headers must arrive within this; else 408. */
  headersTimeoutMs: number;
  /** The whole request must arrive within this; else 408 and the connection is closed. */
  requestTimeoutMs: number;
  /** A keep-alive connection idle between requests is closed after this. */
  keepAliveTimeoutMs: number;
  /** A socket with no traffic either way for this long is destroyed. */
  connectionTimeoutMs: number;
  /** How often the header and request timeouts are checked. */
  timeoutCheckIntervalMs: number;
  /** Largest request body; larger gets 413. */
  maxBodyBytes: number;
  /** Longest route parameter (a height, a hash); longer gets 414. */
  maxParamLength: number;
  /** Open connections from all clients together; one more is closed as it is accepted. */
  maxConnections: number;
  /** Open connections from one client (IP address); a request on one more gets 429 API_ERROR_TOO_MANY_CONNECTIONS and the connection is closed. */
  maxConnectionsPerClient: number;
}

export const CONSUMER_API_LIMITS: Readonly<ConsumerApiLimits> = Object.freeze({
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  connectionTimeoutMs: 60_000,
  timeoutCheckIntervalMs: 1_000,
  // A base64 transaction of MAX_TX_BYTES in JSON is ~4/3 of it: twice leaves room for the envelope.
  maxBodyBytes: 2 * MAX_TX_BYTES,
  maxParamLength: 100,
  maxConnections: 1024,
  maxConnectionsPerClient: 256,
});

/** The longest message of an error body: whatever it quotes, no more than this of it is sent. */
const MAX_ERROR_MESSAGE = 300;
const clip = (s: string, max = MAX_ERROR_MESSAGE) => (s.length <= max ? s : `${s.slice(0, max)}… (${s.length} characters)`);

/**
 * The consumer node's HTTP API (routes: CONSUMER_API_ROUTES). Every refusal, the router's and the
 * HTTP server's included, has the hub API's error body `{ error: { code, message } }`; header, body
 * and idle times are bounded (`limits`).
 */
export class ConsumerApiServer {
  private readonly app: FastifyInstance;
  private address: { host: string; port: number } | undefined;
  /** Open connections by client; requests beyond a client's share are refused (429). */
  readonly connections: HttpConnectionLimiter;

  constructor(
    private readonly node: ConsumerNode,
    private readonly log: Logger,
    limitsGiven: Partial<ConsumerApiLimits> = {},
  ) {
    const limits = { ...CONSUMER_API_LIMITS, ...limitsGiven };
    this.app = Fastify({
      logger: false,
      bodyLimit: limits.maxBodyBytes,
      requestTimeout: limits.requestTimeoutMs,
      connectionTimeout: limits.connectionTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      http: { headersTimeout: limits.headersTimeoutMs, requestTimeout: limits.requestTimeoutMs, connectionsCheckingInterval: limits.timeoutCheckIntervalMs },
      routerOptions: { maxParamLength: limits.maxParamLength },
      // The router's errors (a bad percent-encoding, an over-long parameter) come before any route.
      frameworkErrors: (err, req, reply) => {
        const url = clip(req.raw.url ?? "", 80);
        if (err.code === "FST_ERR_MAX_PARAM_LENGTH") return sendError(reply, 414, "API_ERROR_URI_TOO_LONG", `a path segment is longer than ${limits.maxParamLength} characters: ${url}`);
        if (err.code === "FST_ERR_BAD_URL") return sendError(reply, 400, "API_ERROR_BAD_REQUEST", `the URL is not valid (malformed percent-encoding): ${url}`);
        this.log.error("api router error", { code: err.code });
        return sendError(reply, 500, "API_ERROR_INTERNAL", "internal error");
      },
      // What the HTTP server refuses before fastify sees a request: a timeout, an unparseable request.
      clientErrorHandler: (err: NodeJS.ErrnoException, socket) => {
        if (err.code === "ECONNRESET" || socket.destroyed) return;
        if (err.code === "ERR_HTTP_REQUEST_TIMEOUT") return writeRawError(socket, 408, "API_ERROR_REQUEST_TIMEOUT", `the request did not arrive in time (headers within ${limits.headersTimeoutMs} ms, all of it within ${limits.requestTimeoutMs} ms)`);
        if (err.code === "HPE_HEADER_OVERFLOW") return writeRawError(socket, 431, "API_ERROR_BAD_REQUEST", "the request headers are too large");
        writeRawError(socket, 400, "API_ERROR_BAD_REQUEST", "not a valid HTTP request");
      },
    });
    // Node would answer these itself: an empty 417 for an Expect other than 100-continue, a closed connection for CONNECT.
    this.app.server.on("checkExpectation", (_req, res) => {
      const body = JSON.stringify(encodeApiErrorJson("API_ERROR_BAD_REQUEST", "the only expectation this server meets is Expect: 100-continue"));
      res.writeHead(417, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body), connection: "close" }).end(body);
    });
    this.app.server.on("connect", (_req, socket: Duplex) => writeRawError(socket, 400, "API_ERROR_BAD_REQUEST", "CONNECT is not supported"));
    const connections = (this.connections = new HttpConnectionLimiter(this.app.server, { maxConnections: limits.maxConnections, maxConnectionsPerClient: limits.maxConnectionsPerClient }));
    this.app.addHook("onRequest", async (req, reply) => {
      if (!connections.isOverLimit(req.raw.socket)) return;
      const open = connections.connectionsOf(HttpConnectionLimiter.clientOf(req.raw.socket));
      return sendError(reply.header("connection", "close"), 429, "API_ERROR_TOO_MANY_CONNECTIONS", `this client has ${open} connections open; at most ${limits.maxConnectionsPerClient} are served`);
    });
    this.routes();
  }

  get url(): string {
    if (!this.address) throw new Error("the API server is not listening");
    return `http://${this.address.host}:${this.address.port}`;
  }

  async listen(host: string, port: number): Promise<void> {
    await this.app.listen({ host, port });
    const a = this.app.server.address();
    this.address = { host, port: typeof a === "object" && a ? a.port : port };
  }

  async close(): Promise<void> {
    await this.app.close();
  }

  private routes(): void {
    const { node } = this;
    const app = this.app;
    const chain = node.chain;
    const fail = sendError;
    app.setErrorHandler((err: FastifyError, _req, reply) => {
      if (err.code === "FST_ERR_CTP_BODY_TOO_LARGE") return fail(reply.header("connection", "close"), 413, "API_ERROR_BODY_TOO_LARGE", `the request body is over ${app.initialConfig.bodyLimit} bytes`);
      const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
      if (status === 500) this.log.error("api error", { err: err.message });
      return fail(reply, status, status === 500 ? "API_ERROR_INTERNAL" : "API_ERROR_BAD_REQUEST", status === 500 ? "internal error" : err.message);
    });
    app.setNotFoundHandler((req, reply) => fail(reply, 404, "API_ERROR_NOT_FOUND", `no route ${req.method} ${clip(req.url, 80)}`));
    const parseHeight = (raw: string, reply: FastifyReply): number | null => {
      if (raw === "latest") return chain.head.header.height;
      if (!/^[0-9]{1,16}$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
        fail(reply, 400, "API_ERROR_INVALID_HEIGHT", `height must be a non-negative integer or "latest", got ${JSON.stringify(raw.slice(0, 40))}`);
        return null;
      }
      return Number(raw);
    };

    app.get("/status", async (): Promise<ConsumerStatusJson> => {
      const head = chain.head;
      return {
        consumerId: chain.consumerId,
        vm: chain.env.vm,
        genesisHash: encodeHex(chain.genesisHash),
        height: head.header.height,
        headHash: encodeHex(head.hash),
        headTime: head.header.time,
        hubFinalHeight: chain.finalHeight,
        peerId: node.network.p2p.peerId,
        peers: node.network.p2p.connectedPeers().length,
        mempoolSize: node.mempool.size,
        producer: node.producer !== undefined,
        checkpointsSent: node.submitter ? node.submitter.submitted : null,
        checkpointSubmitter: node.submitter
          ? { connected: node.submitter.connected, lastError: node.submitter.lastError === undefined ? null : clip(node.submitter.lastError) }
          : null,
      };
    });

    app.get("/finality", async (): Promise<FinalityJson> => {
      const f = chain.finalCheckpoint;
      const m = chain.misbehaviour;
      return {
        height: chain.head.header.height,
        hubFinalHeight: f?.height ?? 0,
        hubFinalBlockHash: f ? encodeHex(f.blockHash) : null,
        hubHeight: f?.hubHeight ?? null,
        tier: f?.tier ?? null,
        zkFinalHeight: node.follower ? node.follower.status.zkFinalHeight : null,
        hubLatestHeight: node.follower ? node.follower.status.hubHeight : null,
        misbehaviour: m ? `${m.kind}${m.kind === "CONFLICTING_FINAL_CHECKPOINT" ? ` (${m.reason})` : ` at hub height ${m.hubHeight}`}` : null,
      };
    });

    app.get<{ Params: { height: string } }>("/blocks/:height", async (req, reply) => {
      const h = parseHeight(req.params.height, reply);
      if (h === null) return reply;
      const n = chain.canonicalNodeAt(h);
      if (!n) return fail(reply, 404, "API_ERROR_NOT_FOUND", `no block at height ${h} (head ${chain.head.header.height})`);
      const b = await chain.getBlock(n.hash);
      if (!b) return fail(reply, 404, "API_ERROR_NOT_FOUND", `block ${h} is not stored`);
      return encodeConsumerBlockJson(n.hash, b, (await chain.getReceipts(n.hash)) ?? [], chain.isFinal(h, n.hash));
    });

    app.get<{ Params: { hash: string } }>("/txs/:hash", async (req, reply): Promise<ConsumerTxJson | FastifyReply> => {
      let hash: Uint8Array;
      try {
        hash = fromHex(req.params.hash, "hash", 32);
      } catch {
        return fail(reply, 400, "API_ERROR_BAD_REQUEST", "a transaction hash is 64 hex characters");
      }
      const loc = await chain.store.getTxLocation(hash);
      if (!loc) return fail(reply, 404, "API_ERROR_NOT_FOUND", "no such transaction in the canonical chain");
      const b = await chain.getBlock(loc.blockHash);
      const receipts = await chain.getReceipts(loc.blockHash);
      if (!b || !receipts) return fail(reply, 404, "API_ERROR_NOT_FOUND", "its block is not stored");
      return { hash: encodeHex(hash), height: loc.height, blockHash: encodeHex(loc.blockHash), index: loc.index, tx: encodeBase64(b.txs[loc.index]!), receipt: receipts[loc.index]!, final: chain.isFinal(loc.height, loc.blockHash) };
    });

    app.post<{ Body: unknown }>("/txs", async (req, reply) => {
      let tx: Uint8Array;
      try {
        tx = decodeSubmitConsumerTxJson(req.body);
      } catch (e) {
        if (!(e instanceof HubApiError)) throw e;
        return fail(reply, 400, "API_ERROR_INVALID_TX", `body must be JSON { "tx": "<base64 of 1..${MAX_TX_BYTES} bytes>" }: ${e.message}`);
      }
      try {
        const r = await node.mempool.add(tx);
        if (r.added) node.network.publishTx(tx);
        else if (r.reason === "full") return fail(reply, 503, "API_ERROR_TX_REJECTED", "the mempool is full");
        return reply.code(202).send({ hash: encodeHex(r.hash), added: r.added });
      } catch (e) {
        if (e instanceof ExecutionError) return fail(reply, 422, "API_ERROR_TX_REJECTED", `${e.code}: ${e.message}`);
        throw e;
      }
    });

    app.get<{ Params: { "*": string }; Querystring: { height?: string } }>("/query/*", async (req, reply) => {
      // The router has decoded the path once already (decoding again turned %25 into a URIError).
      const path = req.params["*"].split("/").filter((s) => s.length > 0);
      let root = chain.head.header.stateRoot;
      if (req.query.height !== undefined) {
        const h = parseHeight(req.query.height, reply);
        if (h === null) return reply;
        const n = chain.canonicalNodeAt(h);
        if (!n) return fail(reply, 404, "API_ERROR_NOT_FOUND", `no block at height ${h}`);
        root = n.header.stateRoot;
      }
      try {
        const v = await chain.env.query(root, path);
        if (v === undefined) return fail(reply, 404, "API_ERROR_NOT_FOUND", `nothing at ${path.join("/")}`);
        return v;
      } catch (e) {
        if (e instanceof ExecutionError) return fail(reply, 400, "API_ERROR_BAD_REQUEST", `${e.code}: ${e.message}`);
        throw e;
      }
    });

    app.get("/metrics", async (_req, reply) => {
      reply.header("content-type", node.metrics.contentType);
      return node.metrics.render();
    });
  }
}

function sendError(reply: FastifyReply, status: number, code: ApiErrorCode, message: string): FastifyReply {
  return reply.code(status).send(encodeApiErrorJson(code, clip(message)));
}

/** Writes an error answer straight to a connection no HTTP response serves (a client error, CONNECT), then closes it. */
function writeRawError(socket: Duplex, status: number, code: ApiErrorCode, message: string): void {
  if (!socket.writable) return void socket.destroy();
  const body = JSON.stringify(encodeApiErrorJson(code, message));
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`, () => socket.destroy());
}
