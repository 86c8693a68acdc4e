/**
 * The consumer runtime against a real hub: four hub validators in this process, a consumer producer
 * and a full node (the runtime's test environment) over libp2p on loopback. The producer registers
 * the chain, checkpoints it through cosmjs; both nodes follow hub finality through the light client
 * over HTTP; a producer's reorg below a hub-final block is refused by the full node, one above it is
 * followed; a restarted node remembers what is final. The hub makes succinct certificates (quorum4,
 * node0 proves), and the nodes follow that tier too.
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { decodeConsumerJson, encodeHubTrustRootJson, toHex, utf8 } from "@aegis/consumer-sdk";
import { computeHubTrustRoot, initHomes, startNodeFromHome, type RunningNode } from "@aegis/hub";
import {
  computeBlockHash,
  ConsumerNode,
  decodeFinalityJson,
  encodeBlock,
  encodeSubmitConsumerTxJson,
  parseConsumerNodeConfig,
  registerConsumer,
  type ConsumerBlock,
  type ConsumerNodeConfigJson,
} from "@aegis/consumer-runtime";
import { KvEnvironment } from "../../consumer-runtime/test/helpers/kvEnvironment.js";
import { buildOn } from "../../consumer-runtime/test/helpers/chainFixtures.js";
import { getCircuit, setupCircuit, terminateCurve } from "../../circuits/scripts/build.mjs";
import { HOST, makeTempDir, removeDir, reservePortRange, waitFor } from "../helpers/e2eUtils.js";

const N = 4;
const CHAIN_ID = "aegis-consumer-rt";
const CONSUMER = "kv-test";
const DENOM = "uaeg";
const PRODUCER_SK = new Uint8Array(32).fill(7);
const FEE = { amount: [{ denom: DENOM, amount: "10000" }], gas: "400000" };

let dir: string;
const hub: RunningNode[] = [];
let producer: ConsumerNode;
let full: ConsumerNode;
let fullConfig: ConsumerNodeConfigJson;
let faucetMnemonic: string;

const getJson = async (url: string) => {
  const r = await fetch(url);
  return { status: r.status, body: (await r.json()) as unknown };
};

function nodeConfig(extra: Partial<ConsumerNodeConfigJson>, hubUrls: string[], trust: unknown): ConsumerNodeConfigJson {
  return {
    consumerId: CONSUMER,
    vm: "kv",
    genesisTime: 1_700_000_000_000,
    producerKeys: [toHex(ed25519.getPublicKey(PRODUCER_SK))],
    genesis: {},
    p2p: { listen: [`/ip4/${HOST}/tcp/0`], bootstrap: [] },
    api: { host: HOST, port: 0 },
    hub: { apiUrls: hubUrls, trust: trust as never, followIntervalMs: 200 },
    ...extra,
  };
}

beforeAll(async () => {
  dir = await makeTempDir("consumer-runtime");
  const built = await setupCircuit(await getCircuit("quorum4"));
  const res = await initHomes({
    home: `${dir}/hub`,
    validators: N,
    chainId: CHAIN_ID,
    host: HOST,
    p2pBasePort: await reservePortRange(N),
    apiBasePort: 1,
    consensus: { createEmptyBlocksIntervalMs: 150, rebroadcastIntervalMs: 500 },
    zk: { circuit: "quorum4", capacity: 4, verificationKey: built.vkey as never, attestationIntervalMs: 1000, proverReward: "1000", wasm: built.wasm, zkey: built.zkey, provers: [0] },
  });
  for (const n of res.nodes) hub.push(await startNodeFromHome(n.home, { config: (c) => ({ ...c, api: { host: HOST, port: 0 } }) }));
  faucetMnemonic = res.faucet!.mnemonic;
  const trust = encodeHubTrustRootJson(computeHubTrustRoot(hub[0]!.node.genesis));
  const urls = hub.map((r) => r.api.url);
  // The producer: follows the hub through two nodes (one of them answers), checkpoints through node 0.
  const pcfg = nodeConfig(
    {
      producer: { index: 0, secretKey: toHex(PRODUCER_SK), blockIntervalMs: 100, emptyBlockIntervalMs: 400 },
      hub: { apiUrls: [urls[0]!, urls[1]!], trust: trust as never, followIntervalMs: 200, checkpoints: { rpcUrl: urls[0]!, mnemonic: faucetMnemonic, fee: FEE, intervalMs: 200 } },
    },
    urls,
    trust,
  );
  producer = await ConsumerNode.start(parseConsumerNodeConfig(pcfg), new KvEnvironment(), `${dir}/producer`);
  await registerConsumer({
    hubRpcUrl: urls[2]!,
    mnemonic: faucetMnemonic,
    consumerId: CONSUMER,
    vm: "kv",
    genesisHash: producer.chain.genesisHash,
    producerKeys: [ed25519.getPublicKey(PRODUCER_SK)],
    bond: { denom: DENOM, amount: "10000000" },
    fee: FEE,
  });
  fullConfig = nodeConfig({ p2p: { listen: [`/ip4/${HOST}/tcp/0`], bootstrap: producer.network.p2p.multiaddrs } }, [urls[3]!, urls[2]!], trust);
  full = await ConsumerNode.start(parseConsumerNodeConfig(fullConfig), new KvEnvironment(), `${dir}/full`);
}, 120_000);

afterAll(async () => {
  await full?.stop().catch(() => {});
  await producer?.stop().catch(() => {});
  for (const r of hub.reverse()) await r.stop().catch(() => {});
  await terminateCurve();
  await removeDir(dir);
});

test("consumer blocks become hub-final on the producer and on a full node; transactions reach blocks through any node", async () => {
  const hubConsumer = decodeConsumerJson((await getJson(`${hub[1]!.api.url}/consumers/${CONSUMER}`)).body);
  expect(toHex(hubConsumer.genesisHash)).toBe(toHex(producer.chain.genesisHash));
  await waitFor(async () => decodeFinalityJson((await getJson(`${full.api.url}/finality`)).body).hubFinalHeight >= 3 || undefined, 60_000, "the full node sees height 3 hub-final");
  const f = decodeFinalityJson((await getJson(`${full.api.url}/finality`)).body);
  expect(f).toMatchObject({ tier: "bls", misbehaviour: null });
  expect(f.hubHeight).toBeGreaterThanOrEqual(1);
  expect(f.hubLatestHeight).toBeGreaterThanOrEqual(1);
  // The final block is the producer's block at that height.
  expect(f.hubFinalBlockHash).toBe(toHex(producer.chain.canonicalNodeAt(f.hubFinalHeight)!.hash));

  // The succinct tier: a ZK certificate (node0 proves) proves a checkpoint final through the same light client.
  const zk = await waitFor(async () => {
    const x = decodeFinalityJson((await getJson(`${full.api.url}/finality`)).body);
    return (x.zkFinalHeight ?? 0) >= 1 ? x : undefined;
  }, 90_000, "a consumer height ZK-final on the full node");
  expect(zk.zkFinalHeight).toBeLessThanOrEqual(zk.hubFinalHeight);
  expect(full.follower!.lightClient.zk!.height).toBeGreaterThan(0);

  // A transaction sent to the full node is gossiped to the producer and included; both serve it.
  const tx = utf8("hello=world");
  const sent = await fetch(`${full.api.url}/txs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(encodeSubmitConsumerTxJson(tx)) });
  expect(sent.status).toBe(202);
  const { hash } = (await sent.json()) as { hash: string };
  const found = await waitFor(async () => {
    const r = await getJson(`${full.api.url}/txs/${hash}`);
    return r.status === 200 ? (r.body as { height: number; receipt: { code: number } }) : undefined;
  }, 30_000, "the transaction in a block on the full node");
  expect(found.receipt.code).toBe(0);
  expect((await getJson(`${full.api.url}/query/kv/hello`)).body).toMatchObject({ value: "world" });
  // Bad input on the new endpoints: a typed error, nothing stored.
  const bad = await fetch(`${full.api.url}/txs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(encodeSubmitConsumerTxJson(utf8("NOT VALID"))) });
  expect(bad.status).toBe(422);
  expect(((await bad.json()) as { error: { code: string } }).error.code).toBe("API_ERROR_TX_REJECTED");
  expect((await getJson(`${full.api.url}/query/nope`)).status).toBe(400);
  expect((await getJson(`${full.api.url}/blocks/abc`)).status).toBe(400);
  expect((await getJson(`${full.api.url}/txs/zz`)).status).toBe(400);
});

test("a producer's reorg below a hub-final block is refused by the full node; one above it is followed; a restart remembers", async () => {
  // Freeze the producer: no more blocks or checkpoints from its timers; let the last checkpoint become final.
  producer.producer!.stop();
  producer.submitter!.stop();
  // A checkpoint already sent may still land: wait until the hub's latest is stable and final on the full node.
  await waitFor(async () => {
    const latest = async () => decodeConsumerJson((await getJson(`${hub[0]!.api.url}/consumers/${CONSUMER}`)).body).latestHeight;
    const before = await latest();
    await new Promise((r) => setTimeout(r, 1500));
    const hubLatest = await latest();
    return hubLatest === before && full.chain.finalHeight === hubLatest && full.chain.head.header.height === producer.chain.head.header.height ? true : undefined;
  }, 45_000, "the last checkpoint final on the full node");
  // Three more blocks that are never checkpointed.
  for (let i = 0; i < 3; i++) await producer.producer!.produce();
  const H = producer.chain.head.header.height;
  await waitFor(() => full.chain.head.header.height === H || undefined, 15_000, "the full node at the producer's head");
  const F = full.chain.finalHeight;
  expect(F).toBeGreaterThanOrEqual(2);
  const finalHash = full.chain.canonicalNodeAt(F)!.hash;
  const headBefore = toHex(full.chain.head.hash);

  // Below the final height: a longer branch from F - 1, signed with the real producer key, gossiped.
  let parent: Uint8Array | ConsumerBlock = full.chain.canonicalNodeAt(F - 1)!.hash;
  for (let i = 0; i < H - F + 3; i++) {
    const b: ConsumerBlock = await buildOn(producer.chain, parent, [`evil${i}=1`], { timeStep: 1 });
    producer.network.publishBlock(encodeBlock(b));
    parent = b;
  }
  await new Promise((r) => setTimeout(r, 1500));
  expect(toHex(full.chain.head.hash)).toBe(headBefore);
  expect(full.chain.isFinal(F, finalHash)).toBe(true);

  // Above it: a branch from the final block, one longer than the head: followed.
  parent = finalHash;
  let tip = finalHash;
  for (let i = 0; i < H - F + 1; i++) {
    const b: ConsumerBlock = await buildOn(producer.chain, parent, [`alt${i}=1`], { timeStep: 1 });
    producer.network.publishBlock(encodeBlock(b));
    parent = b;
    tip = computeBlockHash(b.header);
    await new Promise((r) => setTimeout(r, 100));
  }
  await waitFor(() => toHex(full.chain.head.hash) === toHex(tip) || undefined, 15_000, "the full node on the branch above the final block");
  expect(full.chain.head.header.height).toBe(H + 1);

  // Restart the full node: the final checkpoint is known before it asks the hub anything.
  await full.stop();
  const cfg = parseConsumerNodeConfig({ ...fullConfig, hub: { ...fullConfig.hub!, apiUrls: ["http://127.0.0.1:9"] } });
  full = await ConsumerNode.start(cfg, new KvEnvironment(), `${dir}/full`);
  expect(full.chain.finalHeight).toBe(F);
  expect(toHex(full.chain.head.hash)).toBe(toHex(tip));
  const f = decodeFinalityJson((await getJson(`${full.api.url}/finality`)).body);
  expect(f.hubFinalHeight).toBe(F);
});
