import Fastify, { type FastifyInstance, type FastifyReply } from "fastify";
import websocket from "@fastify/websocket";
import type { CommitEvent } from "../consensus/index.js";
import { computeBlockHash, toHex } from "@aegis/consumer-sdk";
import type { Logger } from "../logger.js";
import type { HubNode } from "../node/hubNode.js";
import { blockToJson, blsCertificateToJson, evidenceSummaryToJson, headerToJson, validatorSetToJson, zkCertificateToJson } from "./jsonViews.js";
import { CometRpc, createNodeRpcBackend } from "../rpc/index.js";

export interface ApiServerOpts {
  host: string;
  /** 0 picks a free port. */
  port: number;
}

export interface ApiServerModules {
  node: HubNode;
  logger: Logger;
}

export type ApiErrorCode = "API_ERROR_INVALID_HEIGHT" | "API_ERROR_INVALID_LIMIT" | "API_ERROR_NOT_FOUND" | "API_ERROR_INVALID_TX" | "API_ERROR_TX_REJECTED" | "API_ERROR_INTERNAL";

const MAX_TX_BODY = 1024 * 1024;
/** Bytes a stream client may have unread before it is disconnected. */
const MAX_STREAM_BACKLOG = 1024 * 1024;

/** The node's HTTP (JSON) API. Malformed requests get a 4xx with `{ error: { code, message } }`, never a crash. */
export class ApiServer {
  private readonly app: FastifyInstance;
  private address: string | null = null;

  constructor(
    private readonly opts: ApiServerOpts,
    private readonly modules: ApiServerModules,
  ) {
    this.app = Fastify({ logger: false, bodyLimit: MAX_TX_BODY * 2 });
    this.routes();
    this.app.register(async (scope) => {
      await scope.register(websocket, { options: { maxPayload: 1024 } });
      this.streams(scope);
    });
    // CometBFT-compatible JSON-RPC for cosmjs and other Cosmos clients: POST / and POST /rpc.
    new CometRpc(createNodeRpcBackend(modules.node)).register(this.app);
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
   * is disconnected (code 1008) rather than buffered without bound.
   */
  private streams(scope: FastifyInstance): void {
    const { node } = this.modules;
    scope.get("/stream/certificates", { websocket: true }, (socket) => {
      const send = (msg: unknown) => {
        if (socket.readyState !== socket.OPEN) return;
        if (socket.bufferedAmount > MAX_STREAM_BACKLOG) return socket.close(1008, "too far behind");
        socket.send(JSON.stringify(msg));
      };
      const onCommit = (c: CommitEvent) =>
        send({ type: "bls", height: c.height, blockHash: toHex(c.blockHash), bls: blsCertificateToJson(c.certificate, node.engine.getValidatorSet(c.height)) });
      node.engine.on("commit", onCommit);
      const stopZk = node.db.zkCertificates.onStored((zk) => send({ type: "zk", height: zk.height, zk: zkCertificateToJson(zk) }));
      socket.on("close", () => {
        node.engine.off("commit", onCommit);
        stopZk();
      });
      socket.on("message", () => socket.close(1003, "this stream takes no messages"));
    });
  }

  private routes(): void {
    const { node } = this.modules;
    const app = this.app;
    const fail = (reply: FastifyReply, status: number, code: ApiErrorCode, message: string) => reply.code(status).send({ error: { code, message } });

    app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
      const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
      if (status === 500) this.modules.logger.error("api error", { error: err.message });
      return reply.code(status).send({ error: { code: status === 500 ? "API_ERROR_INTERNAL" : "API_ERROR_BAD_REQUEST", message: err.message } });
    });
    app.setNotFoundHandler((req, reply) => fail(reply, 404, "API_ERROR_NOT_FOUND", `no route ${req.method} ${req.url}`));

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

    app.get("/status", async () => {
      const tip = node.engine.chainTip;
      return {
        chainId: node.chainId,
        moniker: node.config.moniker,
        height: tip.height,
        latestBlockHash: tip.height === 0 ? null : toHex(tip.blockHash),
        latestBlockTime: tip.height === 0 ? null : new Date(tip.time).toISOString(),
        validatorSetSize: node.genesis.validatorSet.validators.length,
        validatorIndex: node.engine.validatorIndex,
        round: node.engine.round,
        peerId: node.network.peerId,
        peers: node.network.connectedPeers().length,
        mempoolSize: node.mempool.size,
      };
    });

    app.get<{ Params: { height: string } }>("/blocks/:height", async (req, reply) => {
      const h = parseHeight(req.params.height, reply);
      if (h === null) return reply;
      const block = await node.db.blocks.getBlock(h);
      if (!block) return fail(reply, 404, "API_ERROR_NOT_FOUND", `no block at height ${h} (latest is ${node.engine.height})`);
      return blockToJson(block, computeBlockHash(block.header));
    });

    app.get<{ Params: { height: string } }>("/headers/:height", async (req, reply) => {
      const h = parseHeight(req.params.height, reply);
      if (h === null) return reply;
      const block = await node.db.blocks.getBlock(h);
      if (!block) return fail(reply, 404, "API_ERROR_NOT_FOUND", `no block at height ${h}`);
      return { blockHash: toHex(computeBlockHash(block.header)), header: headerToJson(block.header) };
    });

    app.get<{ Params: { height: string } }>("/certificates/:height", async (req, reply) => {
      const h = parseHeight(req.params.height, reply);
      if (h === null) return reply;
      const cert = await node.db.blocks.getCertificate(h);
      if (!cert) return fail(reply, 404, "API_ERROR_NOT_FOUND", `no certificate at height ${h} (latest is ${node.engine.height})`);
      const zk = await node.db.zkCertificates.get(h, node.chainId);
      // A succinct certificate for a later height finalizes this one too.
      const covering = zk ?? (await node.db.zkCertificates.firstAtOrAbove(h, node.chainId));
      return {
        height: h,
        blockHash: toHex(cert.blockHash),
        bls: blsCertificateToJson(cert, node.engine.getValidatorSet(h)),
        zk: zk ? zkCertificateToJson(zk) : null,
        zkFinalizedBy: covering ? covering.height : null,
      };
    });

    app.get<{ Querystring: { limit?: string } }>("/commits", async (req, reply) => {
      const raw = req.query.limit ?? "100";
      if (!/^[0-9]{1,4}$/.test(raw) || Number(raw) < 1 || Number(raw) > 1000) {
        return fail(reply, 400, "API_ERROR_INVALID_LIMIT", "limit must be an integer from 1 to 1000");
      }
      return {
        commits: node.recentCommits.slice(-Number(raw)).map((c) => ({ ...c, time: new Date(c.time).toISOString() })),
      };
    });

    app.get<{ Querystring: { height?: string } }>("/zk", async (req, reply) => {
      const zk = node.zk;
      if (!zk || !node.genesis.zk) return fail(reply, 404, "API_ERROR_NOT_FOUND", "this chain makes no ZK certificates (its genesis has no zk section)");
      const h = req.query.height === undefined ? node.engine.height + 1 : parseHeight(req.query.height, reply);
      if (h === null) return reply;
      if (h > node.engine.height + 1) return fail(reply, 404, "API_ERROR_NOT_FOUND", `the set of height ${h} is not known yet (latest is ${node.engine.height})`);
      const root = zk.validatorSetRootAt(h);
      const { circuit, capacity, attestationIntervalMs, verificationKey } = node.genesis.zk;
      return {
        circuit,
        capacity,
        attestationIntervalMs,
        verificationKey,
        prover: zk.isProver,
        latestCertifiedHeight: zk.latestCertifiedHeight || null,
        recordedHeight: node.app.zkRecordedHeight?.() || null,
        proverReward: node.genesis.zk.proverReward,
        height: h,
        validatorSetRoot: root === undefined ? null : root.toString(),
      };
    });

    app.get("/validators", async () => validatorSetToJson(node.engine.getValidatorSet(node.engine.height + 1), node.genesis.monikers));

    app.get("/evidence", async () => {
      const list = await node.db.evidence.list({ limit: 100 });
      return { evidence: list.map(evidenceSummaryToJson) };
    });

    app.post<{ Body: unknown }>("/txs", async (req, reply) => {
      const body = req.body as { tx?: unknown } | null;
      if (!body || typeof body.tx !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(body.tx)) {
        return fail(reply, 400, "API_ERROR_INVALID_TX", 'body must be JSON { "tx": "<base64>" }');
      }
      const tx = new Uint8Array(Buffer.from(body.tx, "base64"));
      if (tx.length === 0 || tx.length > MAX_TX_BODY) return fail(reply, 400, "API_ERROR_INVALID_TX", `transaction must be 1..${MAX_TX_BODY} bytes`);
      const res = await node.submitTx(tx);
      if (!res.added && res.reason !== "duplicate") return fail(reply, 422, "API_ERROR_TX_REJECTED", `transaction rejected (code ${res.code}): ${res.log}`);
      return reply.code(202).send({ hash: res.hash, added: res.added });
    });

    app.get("/metrics", async (_req, reply) => {
      reply.header("content-type", node.metrics.registry.contentType);
      return node.metrics.registry.metrics();
    });
  }
}
