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
    t.length === 1 ? { code: 32, codespace: "sdk", log: "account sequence mismatch, expected 5, got 99: incorrect account sequence" } : { code: 0, codespace: "", log: "" },
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
    expect(r.result.validators[0]).toEqual({ address: "01".repeat(20).toUpperCase(), pub_key: { type: "cometbft/PubKeyBls12_381", value: b64(new Uint8Array(48).fill(1)) }, voting_power: "30", proposer_priority: "0" });
    const page2 = await rpc("validators", { page: "2", per_page: "2" });
    expect(page2.result).toMatchObject({ block_height: "10", count: "1", total: "3" });
    expect((await rpc("validators", { page: "3", per_page: "2" })).error?.code).toBe(-32602);
    expect((await rpc("validators", { height: "11" })).error?.code).toBe(-32603);
    expect((await rpc("validators", { height: "x" })).error?.code).toBe(-32602);
  });
});

test("tx_search queries parse into conditions", () => {
  expect(parseTxQuery("tx.hash='AB' AND tx.height=7 AND message.sender='aegis1x'")).toEqual([
    { key: "tx.hash", value: "AB" },
    { key: "tx.height", value: "7" },
    { key: "message.sender", value: "aegis1x" },
  ]);
  expect(() => parseTxQuery("")).toThrow();
  expect(() => parseTxQuery("tx.height>7")).toThrow();
});
