import Fastify, { type FastifyInstance } from "fastify";
import { BroadcastTxError, StargateClient } from "@cosmjs/stargate";
import { QueryAllBalancesResponse } from "cosmjs-types/cosmos/bank/v1beta1/query";
import { TxMsgData } from "cosmjs-types/cosmos/base/abci/v1beta1/abci";
import { sha256, toHex } from "@aegis/consumer-sdk";
import { CometRpc, parseTxQuery, type CometRpcBackend, type IndexedTxRecord } from "../../src/rpc/index.js";

const tx = Uint8Array.of(10, 2, 1, 2);
const txHash = toHex(sha256(tx)).toUpperCase();
const record: IndexedTxRecord = {
  hash: txHash,
  height: 7,
  index: 0,
  tx,
  result: {
    code: 0,
    codespace: "",
    log: "",
    data: TxMsgData.encode({ data: [], msgResponses: [{ typeUrl: "/cosmos.bank.v1beta1.MsgSendResponse", value: new Uint8Array(0) }] }).finish(),
    gasWanted: 140000n,
    gasUsed: 61234n,
    events: [{ type: "transfer", attributes: [{ key: "amount", value: "5uaeg" }] }],
  },
};
const queries: string[] = [];
let broadcastCount = 0;
const backend: CometRpcBackend = {
  status: () => ({ chainId: "aegis-rpc-1", moniker: "n0", nodeId: "12D3KooWtest", latestBlockHash: new Uint8Array(32).fill(1), latestStateRoot: new Uint8Array(32).fill(2), latestHeight: 9, latestTime: 1_764_000_000_123 }),
  abciQuery: async (path) => {
    queries.push(path);
    if (path === "/cosmos.bank.v1beta1.Query/AllBalances") {
      return { code: 0, height: 9, value: QueryAllBalancesResponse.encode(QueryAllBalancesResponse.fromPartial({ balances: [{ denom: "uaeg", amount: "42" }] })).finish() };
    }
    return { code: 22, codespace: "sdk", log: "rpc error: code = NotFound desc = account x not found: key not found", height: 9 };
  },
  broadcastTxSync: async (t) =>
    ++broadcastCount && t.length === 1 ? { code: 32, codespace: "sdk", log: "account sequence mismatch, expected 5, got 99: incorrect account sequence" } : { code: 0, codespace: "", log: "" },
  searchTxs: async (conds) => (conds.some((c) => c.key === "tx.hash" && c.value.toUpperCase() === txHash) || conds.some((c) => c.key === "tx.height" && c.value === "7") ? [record] : []),
  block: async (h) =>
    h === null || h === 9
      ? { height: 9, time: 1_764_000_000_123, chainId: "aegis-rpc-1", blockHash: new Uint8Array(32).fill(3), parentHash: new Uint8Array(32).fill(4), stateRoot: new Uint8Array(32).fill(2), proposer: new Uint8Array(20).fill(5), txs: [tx] }
      : null,
  validators: async (h) =>
    h === null || h <= 10
      ? { height: h ?? 10, validators: Array.from({ length: 3 }, (_, i) => ({ address: new Uint8Array(20).fill(i + 1), blsPublicKey: new Uint8Array(48).fill(i + 1), power: BigInt(30 - i) })) }
      : null,
};

let app: FastifyInstance;
let url: string;
beforeAll(async () => {
  app = Fastify();
  new CometRpc(backend).register(app);
  url = await app.listen({ host: "127.0.0.1", port: 0 });
});
afterAll(() => app.close());

test("an unchanged cosmjs StargateClient reads status, blocks, balances, accounts and txs", async () => {
  const client = await StargateClient.connect(url);
  expect(await client.getChainId()).toBe("aegis-rpc-1");
  expect(await client.getHeight()).toBe(9);
  const block = await client.getBlock();
  expect(block.header.height).toBe(9);
  expect(block.header.time).toBe("2025-11-24T16:00:00.123000000Z");
  expect(block.id).toBe("03".repeat(32).toUpperCase());
  expect(block.txs).toEqual([tx]);
  expect(await client.getAllBalances("aegis1xyz")).toEqual([{ denom: "uaeg", amount: "42" }]);
  expect(await client.getAccount("aegis1xyz")).toBeNull(); // NotFound -> null, as cosmjs expects
  const found = await client.getTx(txHash);
  expect(found).toMatchObject({ height: 7, txIndex: 0, hash: txHash, code: 0, gasUsed: 61234n, gasWanted: 140000n });
  expect(found!.msgResponses[0]!.typeUrl).toBe("/cosmos.bank.v1beta1.MsgSendResponse");
  expect(await client.searchTx("tx.height=7")).toHaveLength(1);
  expect(await client.getTx("00".repeat(32))).toBeNull();
  await expect(client.broadcastTxSync(Uint8Array.of(1))).rejects.toMatchObject({ name: "BroadcastTxError", code: 32, codespace: "sdk" } satisfies Partial<BroadcastTxError>);
  expect(await client.broadcastTxSync(tx)).toBe(txHash);
  expect(queries).toContain("/cosmos.auth.v1beta1.Query/Account");
  client.disconnect();
});

test("malformed requests get JSON-RPC errors with HTTP 200", async () => {
  const post = async (body: string) => {
    const r = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
    return { status: r.status, json: (await r.json()) as { error?: { code: number; data: string }; result?: unknown } };
  };
  expect(await post(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "nope", params: {} }))).toMatchObject({ status: 200, json: { error: { code: -32601 } } });
  expect(await post(JSON.stringify({ id: 1, method: "status" }))).toMatchObject({ status: 200, json: { error: { code: -32600 } } });
  expect(await post(JSON.stringify({ jsonrpc: "2.0", id: 2, method: "abci_query", params: { path: "/x", data: "zz" } }))).toMatchObject({ json: { error: { code: -32602 } } });
  expect(await post(JSON.stringify({ jsonrpc: "2.0", id: 3, method: "tx_search", params: { query: "tx.hash LIKE 'x'" } }))).toMatchObject({ json: { error: { code: -32602 } } });
  expect(await post(JSON.stringify({ jsonrpc: "2.0", id: 4, method: "broadcast_tx_sync", params: { tx: "***" } }))).toMatchObject({ json: { error: { code: -32602 } } });
  expect(await post(JSON.stringify({ jsonrpc: "2.0", id: 5, method: "block", params: { height: "77" } }))).toMatchObject({ json: { error: { code: -32603 } } });
  const batch = await post(JSON.stringify([{ jsonrpc: "2.0", id: 6, method: "health", params: {} }, { jsonrpc: "2.0", id: 7, method: "status", params: {} }]));
  expect(Array.isArray(batch.json)).toBe(true);
});

describe("broadcast_tx_commit and validators", () => {
  const rpc = async (method: string, params: Record<string, unknown>, target = url) => {
    const r = await fetch(target, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
    return (await r.json()) as { result?: any; error?: { code: number; data: string } };
  };
  const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");

  test("a committed transaction comes back with check_tx, tx_result and its height; cosmjs' Comet38 client decodes it", async () => {
    const r = await rpc("broadcast_tx_commit", { tx: b64(tx) });
    expect(r.result).toMatchObject({ check_tx: { code: 0 }, tx_result: { code: 0, gas_used: "61234" }, height: "7", hash: txHash });
    const { Comet38Client } = await import("@cosmjs/tendermint-rpc");
    const comet = await Comet38Client.connect(url);
    const decoded = await comet.broadcastTxCommit({ tx });
    expect(decoded.height).toBe(7);
    expect(decoded.txResult?.gasUsed).toBe(61234n);
    comet.disconnect();
  });

  test("a transaction CheckTx refuses returns at once with its code; one never committed times out with an error", async () => {
    const refused = await rpc("broadcast_tx_commit", { tx: b64(Uint8Array.of(1)) });
    expect(refused.result).toMatchObject({ check_tx: { code: 32, codespace: "sdk" }, height: "0" });
    const fast = Fastify();
    new CometRpc(backend, 200).register(fast);
    const fastUrl = await fast.listen({ host: "127.0.0.1", port: 0 });
    try {
      const t0 = Date.now();
      const lost = await rpc("broadcast_tx_commit", { tx: b64(Uint8Array.of(9, 9, 9)) }, fastUrl);
      expect(lost.error).toMatchObject({ code: -32603, data: expect.stringMatching(/timed out/) });
      expect(Date.now() - t0).toBeGreaterThanOrEqual(200);
    } finally {
      await fast.close();
    }
    expect((await rpc("broadcast_tx_commit", { tx: "***" })).error?.code).toBe(-32602);
  });

  test("validators: the set signing a height, BLS keys, paged; unknown heights and pages are errors", async () => {
    const r = await rpc("validators", { height: "8" });
    expect(r.result).toMatchObject({ block_height: "8", count: "3", total: "3" });
    expect(r.result.validators[0]).toEqual({ address: "01".repeat(20).toUpperCase(), pub_key: { type: "tendermint/PubKeyEd25519", value: b64(new Uint8Array(48).fill(1)) }, voting_power: "30", proposer_priority: "0" });
    const page2 = await rpc("validators", { page: "2", per_page: "2" });
    expect(page2.result).toMatchObject({ block_height: "10", count: "1", total: "3" });
    expect((await rpc("validators", { page: "3", per_page: "2" })).error?.code).toBe(-32602);
    expect((await rpc("validators", { height: "11" })).error?.code).toBe(-32603);
    expect((await rpc("validators", { height: "x" })).error?.code).toBe(-32602);
  });
});

describe("what CometBFT's JSON-RPC handler accepts and how it refuses", () => {
  const send = async (body: string, headers: Record<string, string> = {}, target = url) => {
    const r = await fetch(target, { method: "POST", headers, body });
    const text = await r.text();
    return { status: r.status, text, json: JSON.parse(text) as any };
  };
  const call = (method: string, params: unknown, id: unknown = 1) => JSON.stringify({ jsonrpc: "2.0", id, method, params });

  test("any content type, or none, is read as JSON, on / and /rpc", async () => {
    for (const headers of [{}, { "content-type": "text/plain" }, { "content-type": "application/x-www-form-urlencoded" }, { "content-type": "application/octet-stream" }, { "content-type": "application/json; charset=utf-8" }]) {
      for (const target of [url, `${url}/rpc`]) {
        const r = await send(call("health", {}, 7), headers, target);
        expect({ headers, target, status: r.status, json: r.json }).toEqual({ headers, target, status: 200, json: { jsonrpc: "2.0", id: 7, result: {} } });
      }
    }
    // fetch sends a string body as text/plain: the content type cosmjs' fetch fallback would send too.
    const r = await fetch(url, { method: "POST", body: call("status", {}) });
    expect(((await r.json()) as any).result.node_info.network).toBe("aegis-rpc-1");
  });

  test("a body that is not JSON: HTTP 500 and a -32700 parse error with a null id, quoting a short prefix at most", async () => {
    for (const body of ["{", "not json", "", '{"jsonrpc":"2.0","id":1,"method":"status",}', `{"a":"${"x".repeat(50_000)}`]) {
      const r = await send(body, { "content-type": "application/json" });
      expect({ body: body.slice(0, 40), status: r.status }).toEqual({ body: body.slice(0, 40), status: 500 });
      expect(r.json).toEqual({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error. Invalid JSON", data: expect.stringMatching(/^error unmarshaling request: /) } });
      expect(r.text.length).toBeLessThan(400);
    }
  });

  test("params of the wrong type are invalid params (-32602), not internal errors; nothing is broadcast", async () => {
    const broadcasts = countBroadcasts();
    const cases: [string, unknown][] = [
      ["tx", { hash: { a: 1 } }],
      ["tx", { hash: ["AB"] }],
      ["tx", { hash: 5 }],
      ["tx", { hash: "AB" }], // not 32 bytes
      ["tx", { hash: txHash, prove: "yes" }],
      ["tx", {}],
      ["block", { height: true }],
      ["block", { height: ["9"] }],
      ["block", { height: -1 }],
      ["block", { height: 1.5 }],
      ["validators", { height: [8] }],
      ["validators", { page: { n: 1 } }],
      ["validators", { per_page: "ten" }],
      ["abci_query", { path: 5 }],
      ["abci_query", { path: `/${"x".repeat(300)}` }],
      ["abci_query", { path: "/x", data: 7 }],
      ["abci_query", { path: "/x", height: {} }],
      ["abci_query", { path: "/x", prove: "true" }],
      ["tx_search", { query: { "tx.height": 7 } }],
      ["tx_search", { query: "tx.height=7", order_by: "sideways" }],
      ["tx_search", { query: "tx.height=7", page: [1] }],
      ["broadcast_tx_sync", { tx: { a: 1 } }],
      ["broadcast_tx_commit", { tx: [1, 2] }],
      ["status", "oops"],
      ["block", 9],
      ["block", ["9", "10"]], // by position: exactly the method's parameters
      ["status", [1]],
    ];
    for (const [method, params] of cases) {
      const r = await send(call(method, params));
      expect({ method, params, status: r.status, code: r.json.error?.code }).toEqual({ method, params, status: 200, code: -32602 });
      expect(r.json.error.message).toBe("Invalid params");
      expect(r.json.error.data).not.toMatch(/object Object/i);
    }
    expect(broadcasts()).toBe(0);
  });

  test("tx: by base64 (as cosmjs sends it) or hex; an unknown hash is CometBFT's not-found internal error", async () => {
    const b64Hash = Buffer.from(txHash, "hex").toString("base64");
    expect((await send(call("tx", { hash: b64Hash }))).json.result).toMatchObject({ hash: txHash, height: "7" });
    expect((await send(call("tx", { hash: txHash.toLowerCase() }))).json.result).toMatchObject({ hash: txHash });
    expect((await send(call("tx", [b64Hash, false]))).json.result).toMatchObject({ hash: txHash });
    const missing = await send(call("tx", { hash: "00".repeat(32) }));
    expect(missing.json.error).toEqual({ code: -32603, message: "Internal error", data: `tx (${"00".repeat(32)}) not found` });
  });

  test("params by position, as CometBFT's routes name them; unknown methods and non-objects in a batch", async () => {
    expect((await send(call("validators", ["8", "1", "2"]))).json.result).toMatchObject({ block_height: "8", count: "2", total: "3" });
    expect((await send(call("block", ["9"]))).json.result.block.header.height).toBe("9");
    expect((await send(call("tx_search", ["tx.height=7", false, "1", "30", "desc"]))).json.result).toMatchObject({ total_count: "1" });
    expect((await send(call("health", null))).json.result).toEqual({});
    expect((await send(call("constructor", {}))).json.error.code).toBe(-32601);
    expect((await send(call("__proto__", {}))).json.error.code).toBe(-32601);
    const batch = await send(JSON.stringify([{ jsonrpc: "2.0", id: 1, method: "health" }, 5, [], { jsonrpc: "2.0", id: 2, method: "tx", params: { hash: {} } }]));
    expect(batch.status).toBe(200);
    expect(batch.json.map((r: any) => [r.id, r.error?.code ?? "ok"])).toEqual([
      [1, "ok"],
      [-1, -32600],
      [-1, -32600],
      [2, -32602],
    ]);
  });
});

/** Counts broadcast_tx_* calls that reach the backend from now on. */
function countBroadcasts(): () => number {
  const start = broadcastCount;
  return () => broadcastCount - start;
}

test("tx_search queries parse into conditions", () => {
  expect(parseTxQuery("tx.hash='AB' AND tx.height=7 AND message.sender='aegis1x'")).toEqual([
    { key: "tx.hash", value: "AB" },
    { key: "tx.height", value: "7" },
    { key: "message.sender", value: "aegis1x" },
  ]);
  expect(() => parseTxQuery("")).toThrow();
  expect(() => parseTxQuery("tx.height>7")).toThrow();
});
