// Shared by the EVM chain's tests: a real level StateDb in a temporary directory, fixed keys, a
// genesis, block contexts, a typed-error matcher, and a tiny fake consumer node (POST /txs and
// GET /query/* over node:http, executing through EvmEnvironment) for the relayer.
import { createServer, type Server } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Level } from "level";
import { ExecutionError, StateDb, type BlockContext, type TxReceipt } from "@aegis/consumer-runtime";
import { computeEvmTxHash, EvmEnvironment, evmAddress, type EvmGenesisConfig } from "../src/evm/index.js";

export const CONSUMER_ID = "evm-test-1";
export const CHAIN_ID = 4_242_001;
export const ETHER = 10n ** 18n;
export const key = (i: number) => new Uint8Array(32).fill(i);
export const ALICE = key(1);
export const BOB = key(2);
export const CAROL = key(3);

/** Contracts compiled by the tests are cached here across runs (keyed by their inputs' hash). */
export const SOLC_CACHE = join(tmpdir(), "aegis-consumer-chains-evm-solc");

export const genesisConfig = (extra: EvmGenesisConfig["alloc"] = []): EvmGenesisConfig => ({
  chainId: CHAIN_ID,
  alloc: [{ address: evmAddress(ALICE), balance: (1000n * ETHER).toString() }, { address: evmAddress(BOB), balance: "0x" + (10n * ETHER).toString(16) }, ...extra],
});

/** Block contexts: 1 s apart from `start` (Unix ms). */
export const ctxAt = (height: number, time = 1_767_225_600_000 + height * 1000, parentHash = new Uint8Array(32).fill(height - 1)): BlockContext => ({
  consumerId: CONSUMER_ID,
  height,
  time,
  parentHash,
});

type Bin = Level<Uint8Array, Uint8Array>;

/** A level DB in a fresh temporary directory, its StateDb, and how many keys it holds. */
export async function openTestDb(): Promise<{ db: Bin; state: StateDb; countKeys(): Promise<number>; close(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "aegis-evm-"));
  const db = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: "view", valueEncoding: "view" });
  const state = new StateDb(db.sublevel<Uint8Array, Uint8Array>("state", { keyEncoding: "view", valueEncoding: "view" }));
  return {
    db,
    state,
    countKeys: async () => (await db.keys().all()).length,
    close: async () => {
      await db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Awaits `p`, expects an ExecutionError with `code`, returns it. */
export async function expectCode(p: Promise<unknown>, code: string): Promise<ExecutionError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ExecutionError)) throw new Error(`expected ExecutionError ${code}, got ${err instanceof Error ? err.stack : String(err)}`);
  expect(err.code).toBe(code);
  return err;
}

/**
 * A consumer node reduced to what the relayer talks to: POST /txs (checkTx against the head, then
 * the mempool; 202 {hash} or 422 {code, message}) and GET /query/<path> (EvmEnvironment.query at the
 * head: 200, 404 when undefined, 400 on a bad query). Blocks are produced when the test says so.
 */
export class FakeEvmNode {
  head!: Uint8Array;
  height = 0;
  mempool: Uint8Array[] = [];
  receipts = new Map<string, TxReceipt>();
  requests: string[] = [];
  url = "";
  #server: Server | undefined;

  constructor(readonly env: EvmEnvironment) {}

  async start(): Promise<void> {
    this.head = await this.env.initGenesis();
    this.#server = createServer((req, res) => {
      void this.#handle(req.method ?? "GET", req.url ?? "/", req).then(
        ({ status, body }) => {
          res.writeHead(status, { "content-type": "application/json" });
          res.end(JSON.stringify(body));
        },
        (e: unknown) => {
          res.writeHead(500, { "content-type": "application/json" });
          res.end(JSON.stringify({ code: "INTERNAL", message: String(e) }));
        },
      );
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, "127.0.0.1", resolve));
    const a = this.#server.address();
    if (typeof a !== "object" || a === null) throw new Error("no address");
    this.url = `http://127.0.0.1:${a.port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }

  async #handle(method: string, url: string, req: NodeJS.ReadableStream): Promise<{ status: number; body: unknown }> {
    this.requests.push(`${method} ${url}`);
    if (method === "POST" && url === "/txs") {
      let body = "";
      for await (const chunk of req) body += chunk.toString();
      let tx: Uint8Array;
      try {
        tx = Uint8Array.from(Buffer.from((JSON.parse(body) as { tx: string }).tx, "base64"));
      } catch {
        return { status: 400, body: { code: "BAD_REQUEST", message: "body" } };
      }
      try {
        await this.env.checkTx(this.head, tx);
      } catch (e) {
        if (e instanceof ExecutionError) return { status: 422, body: { code: e.code, message: e.message } };
        throw e;
      }
      this.mempool.push(tx);
      return { status: 202, body: { hash: computeEvmTxHash(tx).slice(2) } };
    }
    if (method === "GET" && url.startsWith("/query/")) {
      const path = url.slice("/query/".length).split("/").map(decodeURIComponent);
      try {
        const r = await this.env.query(this.head, path);
        return r === undefined ? { status: 404, body: { code: "NOT_FOUND", message: url } } : { status: 200, body: r };
      } catch (e) {
        if (e instanceof ExecutionError) return { status: 400, body: { code: e.code, message: e.message } };
        throw e;
      }
    }
    return { status: 404, body: { code: "NOT_FOUND", message: url } };
  }

  /** Builds a block of the mempool at `time` (Unix ms) on the head. */
  async produce(time: number): Promise<TxReceipt[]> {
    this.height++;
    const built = await this.env.buildBlock(this.head, this.mempool, ctxAt(this.height, time));
    const gone = new Set([...built.txs, ...built.rejected.map((r) => r.tx)]);
    this.mempool = this.mempool.filter((t) => !gone.has(t));
    built.txs.forEach((t, i) => this.receipts.set(computeEvmTxHash(t), built.receipts[i]!));
    this.head = built.stateRoot;
    return built.receipts;
  }
}
