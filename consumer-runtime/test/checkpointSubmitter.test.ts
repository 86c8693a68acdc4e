/**
 * The checkpoint submitter when its hub node is not there: a producer whose one hub node (the RPC URL it
 * checkpoints through) is down starts anyway, makes blocks, says why nothing is checkpointed, and
 * checkpoints once a real hub (one validator, in this process) answers at that URL. The connection
 * attempts themselves, with a fake connect and a test clock: backoff, the timeout of an attempt that
 * hangs, and stop() during a pending attempt (the client it brings later is disconnected, no timer
 * is left).
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import type { SigningStargateClient } from "@cosmjs/stargate";
import { decodeConsumerJson, encodeHubTrustRootJson, toHex } from "@aegis/consumer-sdk";
import { computeHubTrustRoot, initHomes, loadGenesis, startNodeFromHome, type RunningNode } from "@aegis/hub";
import { nullLogger } from "@aegis/p2p";
import { CheckpointSubmitter, ConsumerNode, parseConsumerNodeConfig, registerConsumer, type ConnectSigningClient, type ConsumerNodeConfigJson, type ConsumerStatusJson, type HubClient } from "../src/index.js";
import { HOST, makeTempDir, removeDir, reservePort, reservePortRange, waitFor } from "../../test/helpers/e2eUtils.js";
import { openChain, removeDir as removeChainDir, type OpenChain } from "./helpers/chainFixtures.js";
import { KvEnvironment } from "./helpers/kvEnvironment.js";

const CONSUMER = "kv-test";
const PRODUCER_SK = new Uint8Array(32).fill(7);
const DENOM = "uaeg";
const FEE = { amount: [{ denom: DENOM, amount: "10000" }], gas: "400000" };
/** Any valid BIP-39 mnemonic: the fake-connect tests never sign. */
const MNEMONIC = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";

/** Counts the timers set from here on that are neither cleared nor fired (a leak detector); restore() undoes it. */
function trackTimers(): { readonly live: number; restore(): void } {
  const live = new Set<unknown>();
  const g = globalThis as unknown as Record<"setTimeout" | "setInterval" | "clearTimeout" | "clearInterval", (...a: unknown[]) => unknown>;
  const orig = { setTimeout: g.setTimeout, setInterval: g.setInterval, clearTimeout: g.clearTimeout, clearInterval: g.clearInterval };
  g.setTimeout = (fn, ms, ...args) => {
    const t = orig.setTimeout((...a: unknown[]) => (live.delete(t), (fn as (...a: unknown[]) => void)(...a)), ms, ...args);
    live.add(t);
    return t;
  };
  g.setInterval = (...args) => {
    const t = orig.setInterval(...args);
    live.add(t);
    return t;
  };
  g.clearTimeout = (t) => (live.delete(t), orig.clearTimeout(t));
  g.clearInterval = (t) => (live.delete(t), orig.clearInterval(t));
  return {
    get live() {
      return live.size;
    },
    restore: () => void Object.assign(g, orig),
  };
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("a producer whose hub node is down at start", () => {
  let dir: string;
  let hub: RunningNode | undefined;
  let node: ConsumerNode | undefined;
  afterAll(async () => {
    await node?.stop().catch(() => {});
    await hub?.stop().catch(() => {});
    await removeDir(dir);
  });

  test("starts, produces blocks, reports the error, and checkpoints once the hub answers at its URL", async () => {
    dir = await makeTempDir("checkpoint-submitter");
    const apiPort = await reservePort();
    const res = await initHomes({
      home: `${dir}/hub`,
      validators: 1,
      chainId: "aegis-submitter",
      host: HOST,
      p2pBasePort: await reservePortRange(1),
      apiBasePort: apiPort,
      consensus: { createEmptyBlocksIntervalMs: 100, rebroadcastIntervalMs: 500 },
    });
    const url = res.nodes[0]!.api;
    expect(url).toBe(`http://${HOST}:${apiPort}`);
    const trust = encodeHubTrustRootJson(computeHubTrustRoot(await loadGenesis(res.nodes[0]!.home)));
    const config: ConsumerNodeConfigJson = {
      consumerId: CONSUMER,
      vm: "kv",
      genesisTime: 1_700_000_000_000,
      producerKeys: [toHex(ed25519.getPublicKey(PRODUCER_SK))],
      genesis: {},
      p2p: { listen: [`/ip4/${HOST}/tcp/0`], bootstrap: [] },
      api: { host: HOST, port: 0 },
      producer: { index: 0, secretKey: toHex(PRODUCER_SK), blockIntervalMs: 100, emptyBlockIntervalMs: 200 },
      hub: { apiUrls: [url], trust: trust as never, followIntervalMs: 200, checkpoints: { rpcUrl: url, mnemonic: res.faucet!.mnemonic, fee: FEE, intervalMs: 100 } },
    };

    // Nothing listens at the hub's URL: the node starts all the same and makes blocks.
    node = await ConsumerNode.start(parseConsumerNodeConfig(config), new KvEnvironment(), `${dir}/producer`, { logger: nullLogger });
    const submitter = node.submitter!;
    await waitFor(() => node!.chain.head.header.height >= 3 || undefined, 30_000, "blocks while the hub is down");
    await waitFor(() => submitter.lastError, 10_000, "the connection error");
    expect(submitter.lastError).toMatch(new RegExp(`^cannot connect to the hub at ${url}: .*ECONNREFUSED`));
    expect(submitter.connected).toBe(false);
    expect(submitter.submitted).toBe(0);
    // GET /status says so.
    const status = async () => (await (await fetch(`${node!.api.url}/status`, { signal: AbortSignal.timeout(5000) })).json()) as ConsumerStatusJson;
    const down = await status();
    expect(down.checkpointsSent).toBe(0);
    expect(down.checkpointSubmitter).toEqual({ connected: false, lastError: expect.stringMatching(new RegExp(`^cannot connect to the hub at ${url}: .*ECONNREFUSED`)) });

    // The hub comes up at that URL; the consumer is registered: checkpoints land, the node sees them final.
    hub = await startNodeFromHome(res.nodes[0]!.home, { logger: nullLogger });
    expect(hub.api.url).toBe(url);
    await registerConsumer({
      hubRpcUrl: url,
      mnemonic: res.faucet!.mnemonic,
      consumerId: CONSUMER,
      vm: "kv",
      genesisHash: node.chain.genesisHash,
      producerKeys: [ed25519.getPublicKey(PRODUCER_SK)],
      bond: { denom: DENOM, amount: "10000000" },
      fee: FEE,
    });
    await waitFor(() => submitter.connected || undefined, 60_000, "the submitter connected");
    expect((await status()).checkpointSubmitter).toMatchObject({ connected: true });
    const latest = await waitFor(
      async () => {
        const r = await fetch(`${url}/consumers/${CONSUMER}`, { signal: AbortSignal.timeout(5000) });
        const h = r.status === 200 ? decodeConsumerJson(await r.json()).latestHeight : 0;
        return h >= 1 ? h : undefined;
      },
      60_000,
      "a checkpoint on the hub",
    );
    expect(latest).toBeGreaterThanOrEqual(1);
    expect(submitter.submitted).toBeGreaterThanOrEqual(1);
    await waitFor(() => node!.chain.finalHeight >= 1 || undefined, 60_000, "a hub-final height on the node");
  }, 120_000);
});

describe("CheckpointSubmitter connection attempts", () => {
  let c: OpenChain;
  let clock: number;
  beforeEach(async () => {
    c = await openChain();
    clock = 1_000_000;
  });
  afterEach(async () => {
    await c.close();
    await removeChainDir(c.dir);
  });

  /** A hub API that knows no consumer: a connected round stops there. */
  const hubApi = { get: async () => undefined } as unknown as HubClient;
  /** A client that counts its disconnects. */
  const fakeClient = () => {
    const c = { disconnects: 0, disconnect: () => void c.disconnects++ };
    return c as unknown as SigningStargateClient & { disconnects: number };
  };
  /** A connect that counts its calls and answers with `answer()`. */
  const fakeConnect = (answer: () => Promise<SigningStargateClient>) => {
    const f = Object.assign((() => (f.calls++, answer())) as ConnectSigningClient, { calls: 0 });
    return f;
  };
  const submitterWith = (connect: ConnectSigningClient, opts: { connectTimeoutMs?: number; intervalMs?: number } = {}) =>
    new CheckpointSubmitter(
      c.chain,
      hubApi,
      { hubChainId: "hub", hubRpcUrl: "http://127.0.0.1:9", mnemonic: MNEMONIC, fee: FEE, producerIndex: 0, producerSecretKey: PRODUCER_SK, intervalMs: 3_600_000, connectRetryMs: 1000, connectRetryMaxMs: 8000, ...opts },
      () => clock,
      nullLogger,
      { connect },
    );

  test("backs off while the hub does not answer (doubling, capped), then connects and clears the error", async () => {
    let failing = true;
    const client = fakeClient();
    const connect = fakeConnect(async () => {
      if (failing) throw new Error("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" }) });
      return client;
    });
    const s = submitterWith(connect);
    await s.start(); // does not wait for the hub; the first round tries at once
    await waitFor(() => s.lastError, 5000, "the first failure");
    expect(s.lastError).toBe("cannot connect to the hub at http://127.0.0.1:9: fetch failed (connect ECONNREFUSED 127.0.0.1:9)");
    expect(connect.calls).toBe(1);
    // Attempts at +1 s, +2 s, +4 s, +8 s, +8 s after each failure; none in between.
    const attemptsAt: number[] = [];
    const start = clock;
    for (let t = start; t <= start + 31_000; t += 500) {
      clock = t;
      const before = connect.calls;
      await s.tick();
      if (connect.calls > before) attemptsAt.push(t - start);
    }
    expect(attemptsAt).toEqual([1000, 3000, 7000, 15000, 23000, 31000]);
    expect(s.connected).toBe(false);
    failing = false;
    clock += 8000;
    await s.tick();
    expect(s.connected).toBe(true);
    expect(s.lastError).toBeUndefined();
    const calls = connect.calls;
    await s.tick();
    expect(connect.calls).toBe(calls); // connected: no more attempts
    s.stop();
    expect(client.disconnects).toBe(1);
    expect(s.connected).toBe(false);
  });

  test("an attempt that hangs counts as failed after connectTimeoutMs; the client it brings later is disconnected", async () => {
    let resolve!: (c: SigningStargateClient) => void;
    const connect = fakeConnect(() => new Promise((r) => (resolve = r)));
    const s = submitterWith(connect, { connectTimeoutMs: 50 });
    await s.start();
    await waitFor(() => s.lastError, 5000, "the timeout");
    expect(s.lastError).toBe("cannot connect to the hub at http://127.0.0.1:9: no answer within 50 ms");
    const late = fakeClient();
    resolve(late);
    await sleep(10);
    expect(late.disconnects).toBe(1);
    expect(s.connected).toBe(false);
    s.stop();
  });

  test("stop() during a pending attempt: no client kept, no timer left, no attempt after", async () => {
    const timers = trackTimers();
    try {
      let resolve!: (c: SigningStargateClient) => void;
      const connect = fakeConnect(() => new Promise((r) => (resolve = r)));
      const s = submitterWith(connect, { intervalMs: 20, connectTimeoutMs: 60_000 });
      await s.start();
      expect(connect.calls).toBe(1);
      expect(timers.live).toBe(2); // the rounds' interval and the attempt's timeout
      s.stop();
      await sleep(0);
      expect(timers.live).toBe(0);
      const client = fakeClient();
      resolve(client);
      await sleep(100); // five intervals' worth
      expect(client.disconnects).toBe(1);
      expect(s.connected).toBe(false);
      expect(connect.calls).toBe(1);
      expect(s.lastError).toBeUndefined(); // stopping is not a hub failure
      expect(timers.live).toBe(0);
    } finally {
      timers.restore();
    }
  });

  test("stop() while start() derives the account: no timer, no attempt", async () => {
    const timers = trackTimers();
    try {
      const connect = fakeConnect(async () => fakeClient());
      const s = submitterWith(connect, { intervalMs: 20 });
      const starting = s.start();
      s.stop();
      await starting;
      await sleep(60);
      expect(connect.calls).toBe(0);
      expect(timers.live).toBe(0);
    } finally {
      timers.restore();
    }
  });
});
