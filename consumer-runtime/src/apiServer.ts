import Fastify, { type FastifyInstance, type FastifyReply } from "fastify";
import { encodeApiErrorJson, encodeBase64, encodeHex, fromHex, HubApiError, type ApiErrorCode } from "@aegis/consumer-sdk";
import type { Logger } from "@aegis/p2p";
import { MAX_TX_BYTES } from "./block.js";
import { decodeSubmitConsumerTxJson, encodeConsumerBlockJson, type ConsumerStatusJson, type ConsumerTxJson, type FinalityJson } from "./consumerApiJson.js";
import { ExecutionError } from "./executionEnvironment.js";
import type { ConsumerNode } from "./consumerNode.js";

/** The consumer node's HTTP API (routes: CONSUMER_API_ROUTES). */
export class ConsumerApiServer {
  private readonly app: FastifyInstance;
  private address: { host: string; port: number } | undefined;

  constructor(
    private readonly node: ConsumerNode,
    private readonly log: Logger,
  ) {
    this.app = Fastify({ logger: false, bodyLimit: 2 * MAX_TX_BYTES });
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
    const fail = (reply: FastifyReply, status: number, code: ApiErrorCode, message: string) => reply.code(status).send(encodeApiErrorJson(code, message));
    app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
      const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
      if (status === 500) this.log.error("api error", { err: err.message });
      return reply.code(status).send(encodeApiErrorJson(status === 500 ? "API_ERROR_INTERNAL" : "API_ERROR_BAD_REQUEST", err.message));
    });
    app.setNotFoundHandler((req, reply) => fail(reply, 404, "API_ERROR_NOT_FOUND", `no route ${req.method} ${req.url}`));
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
      const path = req.params["*"].split("/").filter((s) => s.length > 0).map(decodeURIComponent);
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
