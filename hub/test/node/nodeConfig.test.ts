import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, DEFAULT_NODE_CONFIG, loadNodeConfig } from "../../src/node/nodeConfig.js";

let home: string;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), "aegis-config-"));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

const write = (c: unknown) => writeFile(join(home, "config.json"), typeof c === "string" ? c : JSON.stringify(c));

test("missing sections take the defaults; zk defaults to not proving", async () => {
  await write({ moniker: "n0" });
  const c = await loadNodeConfig(home);
  expect(c.moniker).toBe("n0");
  expect(c.zk).toEqual({ prover: false, wasm: "", zkey: "" });
  expect(c.consensus).toEqual(DEFAULT_NODE_CONFIG.consensus);
  expect(c.mempool).toEqual({ maxTxs: 5000 });
});

test("a mempool bound is kept", async () => {
  await write({ mempool: { maxTxs: 20000 } });
  expect((await loadNodeConfig(home)).mempool).toEqual({ maxTxs: 20000 });
});

test("a prover with its artifacts is kept", async () => {
  await write({ zk: { prover: true, wasm: "/a/quorum8.wasm", zkey: "/a/quorum8.zkey" } });
  expect((await loadNodeConfig(home)).zk).toEqual({ prover: true, wasm: "/a/quorum8.wasm", zkey: "/a/quorum8.zkey" });
});

test("relative artifact paths are the home's, not the working folder's", async () => {
  await write({ moniker: "n", zk: { prover: true, wasm: "zk/quorum8.wasm", zkey: "./zk/quorum8.zkey" } });
  expect((await loadNodeConfig(home)).zk).toEqual({ prover: true, wasm: join(home, "zk/quorum8.wasm"), zkey: join(home, "zk/quorum8.zkey") });
});

test("no deny list by default; a relative deny list path is the home's", async () => {
  await write({ moniker: "n" });
  expect((await loadNodeConfig(home)).p2p.denyPeersFile).toBeUndefined();
  await write({ moniker: "n", p2p: { denyPeersFile: "deny-peers.json" } });
  expect((await loadNodeConfig(home)).p2p.denyPeersFile).toBe(join(home, "deny-peers.json"));
  await write({ moniker: "n", p2p: { denyPeersFile: "/tmp/x/deny.json" } });
  expect((await loadNodeConfig(home)).p2p.denyPeersFile).toBe("/tmp/x/deny.json");
});

test.each([
  ["an empty deny list path", { p2p: { denyPeersFile: "" } }, "p2p.denyPeersFile"],
  ["a deny list path that is not a string", { p2p: { denyPeersFile: ["a"] } }, "p2p.denyPeersFile"],
  ["a prover without artifacts", { zk: { prover: true } }, "zk"],
  ["a prover flag that is not a boolean", { zk: { prover: "yes" } }, "zk.prover"],
  ["an artifact path that is not a string", { zk: { wasm: 5 } }, "zk"],
  ["a bad log level", { logLevel: "loud" }, "logLevel"],
  ["a bad API port", { api: { port: 70000 } }, "api.port"],
  ["a bad gas price", { app: { minGasPrices: ["cheap"] } }, "app.minGasPrices"],
  ["an empty mempool bound", { mempool: { maxTxs: 0 } }, "mempool.maxTxs"],
  ["a fractional mempool bound", { mempool: { maxTxs: 2.5 } }, "mempool.maxTxs"],
  ["a mempool bound that is not a number", { mempool: { maxTxs: "many" } }, "mempool.maxTxs"],
  ["invalid JSON", "{ not json", ""],
])("refuses %s, naming the field", async (_n, raw, field) => {
  await write(raw);
  const err = await loadNodeConfig(home).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ConfigError);
  expect((err as ConfigError).type).toMatchObject({ code: "CONFIG_ERROR_INVALID", field });
});

test("a missing file is its own error", async () => {
  const err = await loadNodeConfig(join(home, "nowhere")).catch((e: unknown) => e);
  expect((err as ConfigError).code).toBe("CONFIG_ERROR_MISSING_FILE");
});

test("api.limits: given limits are kept, an unknown name or a value that is not a positive integer is refused", async () => {
  await write({ api: { port: 26757, limits: { maxConnectionsPerClient: 8, maxStreamSubscribers: 2 } } });
  expect((await loadNodeConfig(home)).api).toEqual({ host: "127.0.0.1", port: 26757, limits: { maxConnectionsPerClient: 8, maxStreamSubscribers: 2 } });
  for (const [limits, field] of [
    [{ maxSockets: 3 }, "api.limits.maxSockets"],
    [{ maxConnections: 0 }, "api.limits.maxConnections"],
    [{ maxBodyBytes: "1mb" }, "api.limits.maxBodyBytes"],
    [{ headersTimeoutMs: 1.5 }, "api.limits.headersTimeoutMs"],
    [[1, 2], "api.limits"],
  ] as const) {
    await write({ api: { limits } });
    const err = await loadNodeConfig(home).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).type).toMatchObject({ code: "CONFIG_ERROR_INVALID", field });
  }
});
