import { STATUS_CODES, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from "fastify";
import websocket from "@fastify/websocket";
import type { CommitEvent } from "../consensus/index.js";
import {
  computeBlockHash,
  computeCheckpointInclusionProof,
  encodeConsumerJson,
  encodeConsumersJson,
  encodeInclusionProofJson,
  isConsumerId,
  type ConsumerJson,
  type ConsumersJson,
  type HubConsumer,
  type InclusionProofJson,
  decodeSubmitTxRequestJson,
  encodeApiErrorJson,
  encodeBlockJson,
  encodeBlsStreamMessageJson,
  encodeCertificateResponseJson,
  encodeCommitsJson,
  encodeEvidenceListJson,
  encodeHeaderResponseJson,
  encodeForkCasesJson,
  encodePolkasJson,
  encodeStatusJson,
  encodeSubmitTxResponseJson,
  encodeValidatorSetJson,
  encodeZkInfoJson,
  encodeZkActivationProofJson,
  type ZkActivationProofJson,
  encodeZkStreamMessageJson,
  fromHex,
  toHex,
  HubApiError,
  HUB_MAX_TX_BYTES,
  type ApiErrorCode,
  type BlockJson,
  type CertificateResponseJson,
  type CertificateStreamMessageJson,
  type CommitsJson,
  type EvidenceListJson,
  type HeaderResponseJson,
  type ForkCasesJson,
  type PolkasJson,
  type StatusJson,
  type ValidatorSet,
  type ValidatorSetJson,
  type ZkInfoJson,
} from "@aegis/consumer-sdk";
import { HttpConnectionLimiter } from "@aegis/p2p";
import type { Logger } from "../logger.js";
import { getConsumerStatus, type Consumer } from "../app/index.js";
import type { HubNode } from "../node/hubNode.js";
import { CometRpc, createNodeRpcBackend } from "../rpc/index.js";
import { clipUserInput, DEFAULT_HTTP_SERVER_LIMITS, drainRequestBody, type HttpServerLimits } from "./httpServerLimits.js";
import { registerGatewayRoutes } from "./rest/index.js";

export interface ApiServerOpts {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Timeouts and sizes; DEFAULT_HTTP_SERVER_LIMITS for what is not given. */
  limits?: Partial<HttpServerLimits>;
}

export interface ApiServerModules {
  node: HubNode;
  logger: Logger;
}

/** The error codes of `{ error: { code, message } }` bodies: defined with the shapes in the SDK. */
export type { ApiErrorCode } from "@aegis/consumer-sdk";

const MAX_TX_BODY = HUB_MAX_TX_BYTES;
/** The longest message of an error body: whatever a message quotes, no more than this of it is sent. */
const MAX_ERROR_MESSAGE = 300;
/** Bytes a stream client may have unread before it is disconnected. */
const MAX_STREAM_BACKLOG = 1024 * 1024;

/**
 * The node's HTTP (JSON) API. Malformed requests get a 4xx with `{ error: { code, message } }`, never a
 * crash: route errors, the router's own (a bad percent-encoding, an over-long parameter) and the HTTP
 * server's (timeouts, malformed requests) alike. Header, body and idle times are bounded (`limits`).
 */
export class ApiServer {
  private readonly app: FastifyInstance;
  private address: string | null = null;
  readonly limits: Readonly<HttpServerLimits>;
  /** Open connections by client; requests beyond a client's share are refused (429). */
  readonly connections: HttpConnectionLimiter;
  /** Certificate-stream subscribers by client address. */
  private readonly subscribers = new Map<string, number>();

  constructor(
    private readonly opts: ApiServerOpts,
    private readonly modules: ApiServerModules,
  ) {
    const limits = (this.limits = { ...DEFAULT_HTTP_SERVER_LIMITS, ...opts.limits });
    /** Requests that came through the server's `upgrade` event (see closeAfterAnswer). */
    const upgraded = new WeakSet<IncomingMessage>();
    this.app = Fastify({
      logger: false,
      bodyLimit: limits.maxBodyBytes,
      requestTimeout: limits.requestTimeoutMs,
      connectionTimeout: limits.connectionTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      http: { headersTimeout: limits.headersTimeoutMs, requestTimeout: limits.requestTimeoutMs, connectionsCheckingInterval: limits.timeoutCheckIntervalMs },
      routerOptions: { maxParamLength: limits.maxParamLength },
      // The router's errors (before any route, so before the error handler): the same error body.
      frameworkErrors: (err, req, reply) => {
        if (upgraded.has(req.raw)) closeAfterAnswer(req.raw, reply.raw);
        const url = clipUserInput(req.raw.url ?? "");
        if (err.code === "FST_ERR_MAX_PARAM_LENGTH") {
          return sendApiError(reply, 414, "API_ERROR_URI_TOO_LONG", `a path segment is longer than ${limits.maxParamLength} characters: ${url}`);
        }
        if (err.code === "FST_ERR_BAD_URL") return sendApiError(reply, 400, "API_ERROR_BAD_REQUEST", `the URL is not valid (malformed percent-encoding): ${url}`);
        this.modules.logger.error("api router error", { code: err.code });
        return sendApiError(reply, 500, "API_ERROR_INTERNAL", "internal error");
      },
      // The HTTP server's errors before a request reaches fastify (timeouts, unparseable requests).
      clientErrorHandler: (err, socket) => writeClientError(err, socket, limits),
    });
    // An `Expect` other than 100-continue: Node would answer an empty 417 itself, before any route.
    this.app.server.on("checkExpectation", (_req, res) => {
      const body = JSON.stringify(encodeApiErrorJson("API_ERROR_BAD_REQUEST", "the only expectation this server meets is Expect: 100-continue"));
      res.writeHead(417, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body), connection: "close" }).end(body);
    });
    // CONNECT: Node would close the connection without a word.
    this.app.server.on("connect", (_req, socket: Duplex) => writeRawApiError(socket, 400, "API_ERROR_BAD_REQUEST", "CONNECT is not supported"));
    // Only the stream switches protocols; any other request that asks to is answered as usual, then closed.
    this.app.server.prependListener("upgrade", (req: IncomingMessage) => upgraded.add(req));
    this.connections = new HttpConnectionLimiter(this.app.server, { maxConnections: limits.maxConnections, maxConnectionsPerClient: limits.maxConnectionsPerClient });
    this.app.addHook("onRequest", async (req, reply) => {
      if (this.connections.isOverLimit(req.raw.socket)) {
        closeAfterAnswer(req.raw, reply.raw);
        return sendApiError(reply, 429, "API_ERROR_TOO_MANY_CONNECTIONS", `this client has ${this.connections.connectionsOf(HttpConnectionLimiter.clientOf(req.raw.socket))} connections open; at most ${limits.maxConnectionsPerClient} are served`);
      }
      if (upgraded.has(req.raw) && !(req.method === "GET" && req.routeOptions.url === "/stream/certificates")) closeAfterAnswer(req.raw, reply.raw);
    });
    this.routes();
    this.app.register(async (scope) => {
      await scope.register(websocket, { options: { maxPayload: 1024 } });
      // A handshake the ws library refuses (no or a wrong Upgrade, key or version) gets the error body, not its text/html.
      scope.websocketServer.on("wsClientError", (err: Error, socket: Duplex) =>
        writeRawApiError(socket, 400, "API_ERROR_BAD_REQUEST", `not a WebSocket handshake: ${err.message}`, /Version/.test(err.message) ? { "Sec-WebSocket-Version": "13, 8" } : {}),
      );
      this.streams(scope);
    });
    // CometBFT-compatible JSON-RPC for cosmjs and other Cosmos clients: POST / and POST /rpc.
    new CometRpc(createNodeRpcBackend(modules.node)).register(this.app, ["/", "/rpc"], limits.maxDiscardedBodyBytes);
    // The Cosmos SDK's REST (gRPC-gateway) routes wallets and explorers read, under /cosmos (docs/cosmjs-compat.md).
    registerGatewayRoutes(this.app, { backend: createNodeRpcBackend(modules.node), logger: modules.logger }, limits);
  }

  /** Base URL, e.g. http://127.0.0.1:26757 (after start). */
  get url(): string {
    if (!this.address) throw new Error("API server not started");
    return this.address;
  }

  async start(): Promise<void> {
    this.address = await this.app.listen({ host: this.opts.host, port: this.opts.port });
    this.modules.logger.info("api listening", { url: this.address });
  }

  async stop(): Promise<void> {
    await this.app.close();
  }

  /**
   * `GET /stream/certificates` (WebSocket): one JSON message per new certificate of either tier,
   * `{ type: "bls", height, blockHash, bls }` at every commit and `{ type: "zk", height, zk }` when a
   * succinct certificate is stored. Nothing is replayed; a client that falls more than 1 MiB behind
   * is disconnected (code 1008) rather than buffered without bound. A plain HTTP GET (no
   * `Upgrade: websocket`) gets 426 with API_ERROR_UPGRADE_REQUIRED. A subscription beyond
   * `maxStreamSubscribersPerClient` (429) or `maxStreamSubscribers` (503) is refused before the
   * upgrade with API_ERROR_TOO_MANY_SUBSCRIBERS.
   */
  private streams(scope: FastifyInstance): void {
    const { node } = this.modules;
    const { limits, subscribers } = this;
    // One commit listener per subscriber: as many as the limit allows, without Node's leak warning.
    node.engine.setMaxListeners(node.engine.getMaxListeners() + limits.maxStreamSubscribers);
    scope.route({
      method: "GET",
      url: "/stream/certificates",
      preValidation: async (req, reply) => {
        if (!req.ws) return;
        const client = HttpConnectionLimiter.clientOf(req.raw.socket);
        let total = 0;
        for (const n of subscribers.values()) total += n;
        if ((subscribers.get(client) ?? 0) >= limits.maxStreamSubscribersPerClient) {
          closeAfterAnswer(req.raw, reply.raw);
          return sendApiError(reply, 429, "API_ERROR_TOO_MANY_SUBSCRIBERS", `this client has ${limits.maxStreamSubscribersPerClient} stream subscriptions, the most one client may hold`);
        }
        if (total >= limits.maxStreamSubscribers) {
          closeAfterAnswer(req.raw, reply.raw);
          return sendApiError(reply.header("retry-after", "10"), 503, "API_ERROR_TOO_MANY_SUBSCRIBERS", `the stream has ${limits.maxStreamSubscribers} subscribers, the most it serves; try again later`);
        }
      },
      // A plain GET (no Upgrade: websocket) is told what to do instead of getting an empty 404. A
      // client that asked for the connection to be closed has it closed (a Connection header of the
      // answer replaces Node's own).
      handler: (req, reply) =>
        sendApiError(
          reply.header("upgrade", "websocket").header("connection", /(^|[\s,])close($|[\s,])/i.test(req.headers.connection ?? "") ? "upgrade, close" : "upgrade"),
          426,
          "API_ERROR_UPGRADE_REQUIRED",
          "/stream/certificates is a WebSocket: connect with Upgrade: websocket",
        ),
      wsHandler: (socket, req) => {
        const client = HttpConnectionLimiter.clientOf(req.raw.socket as Socket);
        subscribers.set(client, (subscribers.get(client) ?? 0) + 1);
        const send = (msg: CertificateStreamMessageJson) => {
          if (socket.readyState !== socket.OPEN) return;
          if (socket.bufferedAmount > MAX_STREAM_BACKLOG) return socket.close(1008, "too far behind");
          socket.send(JSON.stringify(msg));
        };
        const onCommit = (c: CommitEvent) => send(encodeBlsStreamMessageJson(c.certificate, node.engine.getValidatorSet(c.height)));
        node.engine.on("commit", onCommit);
        const stopZk = node.db.zkCertificates.onStored((zk) => send(encodeZkStreamMessageJson(zk)));
        socket.on("close", () => {
          node.engine.off("commit", onCommit);
          stopZk();
          const left = (subscribers.get(client) ?? 1) - 1;
          if (left > 0) subscribers.set(client, left);
          else subscribers.delete(client);
        });
        socket.on("message", () => socket.close(1003, "this stream takes no messages"));
      },
    });
  }

  /**
   * Each validator's moniker by BLS key (hex): its staking description's, as the committed state has it
   * now (a validator created by MsgCreateValidator has one), else the genesis file's.
   */
  private monikersOf(set: ValidatorSet): Map<string, string> {
    const { node } = this.modules;
    const monikers = new Map<string, string>();
    for (const v of set.validators) {
      const key = toHex(v.blsPublicKey);
      const moniker = node.app.validatorMoniker?.(v.address) ?? node.genesis.monikers.get(key);
      if (moniker !== undefined) monikers.set(key, moniker);
    }
    return monikers;
  }

  private routes(): void {
    const { node } = this.modules;
    const app = this.app;
    const fail = sendApiError;
    const { limits } = this;

    app.setErrorHandler(async (err: FastifyError, req, reply) => {
      if (err.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
        // Read (and drop) what the client is still sending, up to a bound, so that it reads the 413
        // instead of a connection reset; then close the connection.
        await drainRequestBody(req.raw, limits.maxDiscardedBodyBytes);
        reply.header("connection", "close");
        return fail(reply, 413, "API_ERROR_BODY_TOO_LARGE", `the request body is over ${limits.maxBodyBytes} bytes`);
      }
      const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
      if (status === 500) this.modules.logger.error("api error", { error: err.message });
      return fail(reply, status, status === 500 ? "API_ERROR_INTERNAL" : "API_ERROR_BAD_REQUEST", err.message);
    });
    app.setNotFoundHandler((req, reply) => fail(reply, 404, "API_ERROR_NOT_FOUND", `no route ${req.method} ${clipUserInput(req.url)}`));

    const parseHeight = (raw: string, reply: FastifyReply): number | null => {
      if (raw === "latest") {
        const h = node.engine.height;
        if (h === 0) {
          fail(reply, 404, "API_ERROR_NOT_FOUND", "no block committed yet");
          return null;
        }
        return h;
      }
      if (!/^[0-9]{1,16}$/.test(raw) || !Number.isSafeInteger(Number(raw)) || Number(raw) < 1) {
        fail(reply, 400, "API_ERROR_INVALID_HEIGHT", `height must be a positive integer or "latest", got ${JSON.stringify(raw.slice(0, 40))}`);
        return null;
      }
      return Number(raw);
    };

    app.get("/status", async (): Promise<StatusJson> => {
      const tip = node.engine.chainTip;
      return encodeStatusJson({
        chainId: node.chainId,
        moniker: node.config.moniker,
        height: tip.height,
        latestBlockHash: tip.height === 0 ? null : tip.blockHash,
        latestBlockTime: tip.height === 0 ? null : tip.time,
        // The set that signs the next height (the engine's current set), not the genesis set.
        validatorSetSize: node.engine.getValidatorSet(tip.height + 1).validators.length,
        validatorIndex: node.engine.validatorIndex,
        round: node.engine.round,
        peerId: node.network.peerId,
        peers: node.network.connectedPeers().length,
        mempoolSize: node.mempool.size,
      });
    });

    app.get<{ Params: { height: string }; Reply: BlockJson }>("/blocks/:height", async (req, reply) => {
      const h = parseHeight(req.params.height, reply);
      if (h === null) return reply;
      const block = await node.db.blocks.getBlock(h);
      if (!block) return fail(reply, 404, "API_ERROR_NOT_FOUND", `no block at height ${h} (latest is ${node.engine.height})`);
      return encodeBlockJson(block, computeBlockHash(block.header));
    });

    app.get<{ Params: { height: string }; Reply: HeaderResponseJson }>("/headers/:height", async (req, reply) => {
      const h = parseHeight(req.params.height, reply);
      if (h === null) return reply;
      const block = await node.db.blocks.getBlock(h);
      if (!block) return fail(reply, 404, "API_ERROR_NOT_FOUND", `no block at height ${h}`);
      return encodeHeaderResponseJson(block.header);
    });

    // Consumer chains: the registry and a checkpoint's inclusion proof (the header whose root holds it).
    const consumerOf = (c: Consumer): HubConsumer => ({
      consumerId: c.consumerId,
      owner: c.owner,
      vm: c.vm,
      genesisHash: c.genesisHash,
      producerKeys: c.producerKeys,
      bond: c.bond,
      status: getConsumerStatus(c),
      registeredHeight: c.registeredHeight,
      latestHeight: c.latestHeight,
    });
    const parseConsumerId = (raw: string, reply: FastifyReply): string | null => {
      if (isConsumerId(raw)) return raw;
      fail(reply, 400, "API_ERROR_BAD_REQUEST", `not a consumer id (1-64 of a-z 0-9 - _ .): ${JSON.stringify(String(raw).slice(0, 80))}`);
      return null;
    };
    app.get<{ Reply: ConsumersJson }>("/consumers", async (_req, reply) => {
      if (!node.app.consumers) return fail(reply, 404, "API_ERROR_NOT_FOUND", "this chain has no application, so no consumers");
      return encodeConsumersJson(node.app.consumers().map(consumerOf));
    });
    app.get<{ Params: { id: string }; Reply: ConsumerJson }>("/consumers/:id", async (req, reply) => {
      const id = parseConsumerId(req.params.id, reply);
      if (id === null) return reply;
      const c = node.app.consumer?.(id);
      if (!c) return fail(reply, 404, "API_ERROR_NOT_FOUND", `no consumer ${id}`);
      return encodeConsumerJson(consumerOf(c));
    });
    app.get<{ Params: { id: string; height: string }; Querystring: { hubHeight?: string }; Reply: InclusionProofJson }>("/consumers/:id/inclusion/:height", async (req, reply) => {
      const id = parseConsumerId(req.params.id, reply);
      if (id === null) return reply;
      const raw = req.params.height;
      if (raw !== "latest" && (!/^[0-9]{1,16}$/.test(raw) || !Number.isSafeInteger(Number(raw)) || Number(raw) < 1)) {
        return fail(reply, 400, "API_ERROR_INVALID_HEIGHT", 'height must be a positive integer (the consumer\'s height) or "latest"');
      }
      let atHubHeight: number | undefined;
      if (req.query.hubHeight !== undefined) {
        const h = parseHeight(req.query.hubHeight, reply);
        if (h === null) return reply;
        if (h > node.engine.height) return fail(reply, 404, "API_ERROR_NOT_FOUND", `hub height ${h} is not committed yet (latest is ${node.engine.height})`);
        atHubHeight = h;
      }
      const at = await node.app.consumerCheckpoint?.(id, raw === "latest" ? "latest" : Number(raw), atHubHeight);
      if (!at) {
        const what = raw === "latest" ? `no checkpoint of ${id}` : `no checkpoint of ${id} at height ${raw}`;
        return fail(reply, 404, "API_ERROR_NOT_FOUND", atHubHeight === undefined ? what : `${what} that is its latest at hub height ${atHubHeight}`);
      }
      const hubHeight = at.rootHubHeight;
      const [block, cert] = await Promise.all([node.db.blocks.getBlock(hubHeight), node.db.blocks.getCertificate(hubHeight)]);
      if (!block || !cert) return fail(reply, 404, "API_ERROR_NOT_FOUND", `hub block ${hubHeight} is not stored on this node`);
      const { proof } = computeCheckpointInclusionProof(at.rootCheckpoints, id);
      const zk = await node.db.zkCertificates.get(hubHeight, node.chainId);
      const covering = zk ?? (await node.db.zkCertificates.firstAtOrAbove(hubHeight, node.chainId));
      return encodeInclusionProofJson({
        checkpoint: at.record.checkpoint,
        hubHeight,
        header: encodeHeaderResponseJson(block.header),
        proof,
        certificates: encodeCertificateResponseJson({ certificate: cert, validatorSet: node.engine.getValidatorSet(hubHeight), zk: zk ?? null, zkFinalizedBy: covering ? covering.height : null }),
      });
    });

    app.get<{ Params: { height: string }; Reply: CertificateResponseJson }>("/certificates/:height", async (req, reply) => {
      const h = parseHeight(req.params.height, reply);
      if (h === null) return reply;
      const cert = await node.db.blocks.getCertificate(h);
      if (!cert) return fail(reply, 404, "API_ERROR_NOT_FOUND", `no certificate at height ${h} (latest is ${node.engine.height})`);
      const zk = await node.db.zkCertificates.get(h, node.chainId);
      // A succinct certificate for a later height finalizes this one too.
      const covering = zk ?? (await node.db.zkCertificates.firstAtOrAbove(h, node.chainId));
      return encodeCertificateResponseJson({ certificate: cert, validatorSet: node.engine.getValidatorSet(h), zk: zk ?? null, zkFinalizedBy: covering ? covering.height : null });
    });

    // The polkas this node kept at a height it has a block at (decision 52: a fork case across rounds asks for them).
    app.get<{ Params: { height: string }; Reply: PolkasJson }>("/polkas/:height", async (req, reply) => {
      const h = parseHeight(req.params.height, reply);
      if (h === null) return reply;
      if (!(await node.db.blocks.getBlockHashAt(h))) return fail(reply, 404, "API_ERROR_NOT_FOUND", `no block at height ${h} (latest is ${node.engine.height})`);
      return encodePolkasJson(h, await node.db.polkas.getPolkas(h));
    });

    // The fork cases across rounds (decision 52): what each asks for, what was posted, who was convicted.
    app.get<{ Querystring: { height?: string }; Reply: ForkCasesJson }>("/fork-cases", async (req, reply) => {
      if (!node.app.forkCases) return fail(reply, 404, "API_ERROR_NOT_FOUND", "this chain has no application, so no fork cases");
      let height: number | undefined;
      if (req.query.height !== undefined) {
        const h = parseHeight(req.query.height, reply);
        if (h === null) return reply;
        height = h;
      }
      return encodeForkCasesJson(node.app.forkCases().filter((c) => height === undefined || c.height === height));
    });

    app.get<{ Querystring: { limit?: string }; Reply: CommitsJson }>("/commits", async (req, reply) => {
      const raw = req.query.limit ?? "100";
      if (!/^[0-9]{1,4}$/.test(raw) || Number(raw) < 1 || Number(raw) > 1000) {
        return fail(reply, 400, "API_ERROR_INVALID_LIMIT", "limit must be an integer from 1 to 1000");
      }
      return encodeCommitsJson(node.recentCommits.slice(-Number(raw)));
    });

    app.get<{ Querystring: { height?: string }; Reply: ZkInfoJson }>("/zk", async (req, reply) => {
      const zk = node.zk;
      if (!zk || !node.genesis.zk) return fail(reply, 404, "API_ERROR_NOT_FOUND", "this chain makes no ZK certificates (its genesis has no zk section)");
      const h = req.query.height === undefined ? node.engine.height + 1 : parseHeight(req.query.height, reply);
      if (h === null) return reply;
      if (h > node.engine.height + 1) return fail(reply, 404, "API_ERROR_NOT_FOUND", `the set of height ${h} is not known yet (latest is ${node.engine.height})`);
      const root = zk.validatorSetRootAt(h);
      const { circuit, capacity, attestationIntervalMs } = node.genesis.zk;
      const key = zk.key;
      return encodeZkInfoJson({
        circuit,
        capacity,
        attestationIntervalMs,
        verificationKey: key?.verificationKey ?? null,
        fromHeight: key?.fromHeight ?? null,
        prover: zk.isProver,
        latestCertifiedHeight: zk.latestCertifiedHeight || null,
        recordedHeight: node.app.zkRecordedHeight?.() || null,
        proverReward: BigInt(node.genesis.zk.proverReward),
        height: h,
        validatorSetRoot: root ?? null,
      });
    });

    app.get<{ Querystring: { height?: string }; Reply: ZkActivationProofJson }>("/zk/activation", async (req, reply) => {
      if (!node.genesis.zk || !node.app.zkActivationProof) return fail(reply, 404, "API_ERROR_NOT_FOUND", "this chain makes no ZK certificates (its genesis has no zk section)");
      const h = req.query.height === undefined ? node.engine.height : parseHeight(req.query.height, reply);
      if (h === null) return reply;
      const p = h <= node.engine.height ? await node.app.zkActivationProof(h) : undefined;
      if (!p) return fail(reply, 404, "API_ERROR_NOT_FOUND", `no state of height ${h} here (latest is ${node.engine.height})`);
      return encodeZkActivationProofJson({ height: h, stateRoot: p.root, activation: p.value, proof: p.proof });
    });

    app.get<{ Querystring: { height?: string }; Reply: ValidatorSetJson }>("/validators", async (req, reply) => {
      const h = req.query.height === undefined ? node.engine.height + 1 : parseHeight(req.query.height, reply);
      if (h === null) return reply;
      if (h > node.engine.height + 1) return fail(reply, 404, "API_ERROR_NOT_FOUND", `the set of height ${h} is not known yet (latest is ${node.engine.height})`);
      const set = node.engine.getValidatorSet(h);
      return encodeValidatorSetJson(set, this.monikersOf(set));
    });

    app.get("/evidence", async (): Promise<EvidenceListJson> => encodeEvidenceListJson(await node.db.evidence.list({ limit: 100 })));

    app.post<{ Body: unknown }>("/txs", async (req, reply) => {
      let tx: Uint8Array;
      try {
        tx = decodeSubmitTxRequestJson(req.body);
      } catch (e) {
        if (!(e instanceof HubApiError)) throw e;
        return fail(reply, 400, "API_ERROR_INVALID_TX", `body must be JSON { "tx": "<base64 of 1..${MAX_TX_BODY} bytes>" }: ${clipUserInput(e.message, 120)}`);
      }
      const res = await node.submitTx(tx);
      if (!res.added && res.reason !== "duplicate") return fail(reply, 422, "API_ERROR_TX_REJECTED", `transaction rejected (code ${res.code}): ${res.log}`);
      return reply.code(202).send(encodeSubmitTxResponseJson({ hash: fromHex(res.hash), added: res.added }));
    });

    app.get("/metrics", async (_req, reply) => {
      reply.header("content-type", node.metrics.registry.contentType);
      return node.metrics.registry.metrics();
    });
  }
}

function sendApiError(reply: FastifyReply, status: number, code: ApiErrorCode, message: string): FastifyReply {
  return reply.code(status).send(encodeApiErrorJson(code, clipUserInput(message, MAX_ERROR_MESSAGE)));
}

/**
 * A request that asks to switch protocols reaches the routes through the server's `upgrade` event
 * (@fastify/websocket dispatches it): its socket has left Node's HTTP handling, so no keep-alive or
 * idle timeout closes it and no later request on it is read. Unless the route takes it over (the
 * stream), the answer says `Connection: close` and the socket is closed once it is written.
 */
function closeAfterAnswer(req: IncomingMessage, res: ServerResponse): void {
  res.setHeader("connection", "close");
  res.once("finish", () => req.socket.destroySoon());
  res.once("close", () => req.socket.destroySoon());
}

/**
 * Answers what the HTTP server refuses before fastify sees a request (fastify's `clientErrorHandler`):
 * a timeout (408), headers too large (431) or an unparseable request (400), with the API's error body,
 * then closes the connection.
 */
function writeClientError(err: NodeJS.ErrnoException, socket: Duplex, limits: HttpServerLimits): void {
  if (err.code === "ECONNRESET" || socket.destroyed) return;
  const [status, code, message]: [number, ApiErrorCode, string] =
    err.code === "ERR_HTTP_REQUEST_TIMEOUT"
      ? [408, "API_ERROR_REQUEST_TIMEOUT", `the request did not arrive in time (headers within ${limits.headersTimeoutMs} ms, all of it within ${limits.requestTimeoutMs} ms)`]
      : err.code === "HPE_HEADER_OVERFLOW"
        ? [431, "API_ERROR_BAD_REQUEST", "the request headers are too large"]
        : [400, "API_ERROR_BAD_REQUEST", "not a valid HTTP request"];
  writeRawApiError(socket, status, code, message);
}

/** Writes an error answer straight to a connection that no HTTP response object serves, then closes it. */
function writeRawApiError(socket: Duplex, status: number, code: ApiErrorCode, message: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(encodeApiErrorJson(code, message));
  if (!socket.writable) return void socket.destroy();
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("");
  // Ends the connection once the answer is written (destroying it at once could drop the answer).
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n${extra}\r\n${body}`, () => socket.destroy());
}
