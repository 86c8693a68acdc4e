// HubFollower on a hub whose genesis names its ZK circuit but not its key (decision 58): the trust root
// carries `zkActivation` instead of `zk`; the key, and the point the succinct tier starts from, are set
// later on the hub (MsgActivateZk) and adopted from the activation record proved (a real Merkle Patricia
// trie proof) under the `stateRoot` of the newest header the follower verified by BLS. Fake hub nodes
// (an injected fetch) serve a synthetic hub chain with real BLS signatures whose headers commit to a
// real state trie. "Every answer is checked: a lying hub node can only delay it": a node that serves a
// record the verified header does not commit to gets nothing adopted; the hub asked at most every 5 s
// of the follower's clock.
import {
  computeCheckpointHash,
  encodeZkActivationProofJson,
  encodeZkInfoJson,
  parseZkVerificationKey,
  toHex,
  verifyZkActivationProof,
  ZERO_CHECKPOINT_HASH,
  type ConsumerCheckpoint,
  type Groth16VerificationKey,
  type ZkActivation,
} from "@aegis/consumer-sdk";
import { nullLogger } from "@aegis/p2p";
import { HubClient, HubFollower, type ConsumerChain, type HubTrust } from "../src/index.js";
import { fill } from "../../consumer-sdk/test/helpers/hubChain.js";
import { readZkVector } from "../../consumer-sdk/test/helpers/zkVectors.js";
import { CONSUMER, extend, openChain, PRODUCER_PK, removeDir, type OpenChain } from "./helpers/chainFixtures.js";
import {
  createZkActivatedHubView,
  fakeHubNetwork,
  HUB_NOW,
  makeActivatedStateProof,
  trustRoot,
  type CheckpointRecord,
  type FakeAnswer,
  type FakeNode,
  type FakeStateProof,
  type HubView,
  type Lie,
} from "./helpers/fakeHub.js";

const CHECK_MS = 5_000; // the follower's ZK_ACTIVATION_CHECK_MS
const TIMEOUT_MS = 100;
/** The Poseidon root the record names for the set that signs the activation block (synthetic: the fake sets have no ZK keys). */
const ZK_SET_ROOT = 0x1234_5678_9abc_def0_1234_5678_9abc_def0n;
/** The key of the committed ZK vectors, as a verifier reads it. */
const vk: Groth16VerificationKey = parseZkVerificationKey(readZkVector("zkCertificates.json").verificationKey);
/** Another well-formed, non-degenerate key: what a liar would prove anything with. */
const liarsKey: Groth16VerificationKey = { ...vk, IC: [...vk.IC].reverse() };

/** The hub's trust root: circuit quorum4 of 4 slots, its key set later. */
const trust: HubTrust = { ...trustRoot, zkActivation: { circuit: "quorum4", capacity: 4 } };

// ---- the consumer chain (6 blocks) and its checkpoints: 2 at hub height 2, 4 at 6, 6 at 10 ----
let template: OpenChain;
const cp: Record<number, ConsumerCheckpoint> = {};
let records: CheckpointRecord[];
let info: { genesisHash: Uint8Array; producerKeys: Uint8Array[] };
/** Hubs that activated quorum4 (4 slots) in block 5, 9 and 11 (the record's trust point the block before). */
let activatedAt5: HubView;
let activatedAt9: HubView;
let activatedAt11: HubView;

function checkpointOf(chain: ConsumerChain, height: number, parent?: ConsumerCheckpoint): ConsumerCheckpoint {
  const n = chain.canonicalNodeAt(height)!;
  return { consumerId: CONSUMER, height, blockHash: n.hash, parentCheckpointHash: parent ? computeCheckpointHash(parent) : ZERO_CHECKPOINT_HASH, stateRoot: n.header.stateRoot };
}

const activatedHub = (height: number, circuit = "quorum4", capacity = 4) =>
  createZkActivatedHubView(records, 12, info, { circuit, capacity, verificationKey: vk, height, nextValidatorSetRoot: ZK_SET_ROOT });

beforeAll(async () => {
  template = await openChain();
  await extend(template.chain, template.chain.genesisHash, 6, "c");
  cp[2] = checkpointOf(template.chain, 2);
  cp[4] = checkpointOf(template.chain, 4, cp[2]);
  cp[6] = checkpointOf(template.chain, 6, cp[4]);
  info = { genesisHash: template.chain.genesisHash, producerKeys: [PRODUCER_PK] };
  records = [
    { hubHeight: 2, checkpoint: cp[2] },
    { hubHeight: 6, checkpoint: cp[4] },
    { hubHeight: 10, checkpoint: cp[6] },
  ];
  [activatedAt5, activatedAt9, activatedAt11] = await Promise.all([activatedHub(5), activatedHub(9), activatedHub(11)]);
  await template.close();
});

afterAll(async () => {
  await removeDir(template.dir);
});

let opened: OpenChain[] = [];
afterEach(async () => {
  for (const o of opened) {
    await o.close();
    await removeDir(o.dir);
  }
  opened = [];
});

interface Setup {
  chain: ConsumerChain;
  follower: HubFollower;
  log: string[];
  /** The follower's clock (Unix ms); tests move it. */
  clock: { t: number };
}

async function setup(nodes: FakeNode[], trustIn: HubTrust = trust): Promise<Setup> {
  const o = await openChain();
  opened.push(o);
  await extend(o.chain, o.chain.genesisHash, 6, "c");
  const net = fakeHubNetwork(nodes);
  const client = new HubClient({ urls: net.urls, fetch: net.fetch, timeoutMs: TIMEOUT_MS });
  const clock = { t: HUB_NOW };
  const follower = new HubFollower(o.chain, client, trustIn, () => clock.t, nullLogger, 500);
  return { chain: o.chain, follower, log: net.log, clock };
}

/** Ticks until the chain's final height reaches `height` (at most `max` rounds). */
async function tickUntilFinal(s: Setup, height: number, max = 4): Promise<void> {
  for (let i = 1; i <= max; i++) {
    await s.follower.tick();
    if (s.chain.finalHeight >= height) return;
  }
  throw new Error(`not final at ${height} after ${max} rounds (final ${s.chain.finalHeight}); last error: ${s.follower.status.lastError}`);
}

/** How many requests (any node) went to exactly `path` (with its query), or, with `prefix`, to paths starting with it. */
const asked = (s: Setup, path: string, prefix = false) => s.log.filter((l) => (prefix ? l.slice(l.indexOf(" ") + 1).startsWith(path) : l.slice(l.indexOf(" ") + 1) === path)).length;

/** The ZK tier adopted from `view`'s record: the record's trust point and key, zkFinalHeight 0. */
function expectAdoptedFrom(s: Setup, view: HubView): void {
  const a = view.zk!.activation;
  const zk = s.follower.lightClient.zk;
  expect(zk).toBeDefined();
  expect(zk!.height).toBe(view.zk!.height - 1);
  expect(zk!.height).toBe(a.trust.height);
  expect(zk!.time).toBe(view.chain.timeOf(a.trust.height));
  expect(toHex(zk!.blockHash)).toBe(toHex(view.chain.hashOf(a.trust.height)));
  expect(zk!.nextValidatorSetRoot).toBe(ZK_SET_ROOT);
  expect(zk!.verificationKeys).toEqual({ quorum4: vk });
  expect(zk!.capacities).toEqual({ quorum4: 4 });
  expect(s.follower.status.zkFinalHeight).toBe(0);
}

const ok = (json: unknown): FakeAnswer => ({ status: 200, json });
/** A /zk/activation answer that proves `s` (whatever root it names) at the asked height. */
const activationAnswer = (height: number, s: FakeStateProof): FakeAnswer => ok(encodeZkActivationProofJson({ height, stateRoot: s.root, activation: s.value, proof: s.proof }));
const onActivation =
  (answer: (height: number, honest: FakeAnswer) => FakeAnswer): Lie =>
  (req, h) =>
    req.route === "zkActivation" ? answer(Number(req.query.get("height")), h) : h;

test("the fake hub's headers commit to a real state trie: the record is proved under the stateRoot of each header from the activation on, absent below", async () => {
  const z = activatedAt5.zk!;
  expect(z.activation.trust).toMatchObject({ height: 4, time: activatedAt5.chain.timeOf(4), nextValidatorSetRoot: ZK_SET_ROOT });
  expect(await verifyZkActivationProof(activatedAt5.chain.headers[4]!.stateRoot, z.before.proof)).toBeNull();
  for (const h of [5, 6, 12]) expect(await verifyZkActivationProof(activatedAt5.chain.headers[h]!.stateRoot, z.after.proof)).toEqual(z.activation);
  // Block 4 (the trust point) is the same block with or without a later activation.
  expect(toHex(z.activation.trust.blockHash)).toBe(toHex(activatedAt5.chain.hashOf(4)));
  expect(toHex(activatedAt9.chain.hashOf(4))).toBe(toHex(activatedAt5.chain.hashOf(4)));
});

describe("before the hub activated its succinct tier", () => {
  test("(a) /zk says fromHeight null: checkpoints become final by BLS, no ZK tier, zkFinalHeight null, /zk/activation never asked", async () => {
    const s = await setup([{ view: activatedAt9, tip: 7 }]);
    expect(s.follower.lightClient.zk).toBeUndefined();
    expect(s.follower.status.zkFinalHeight).toBeNull();
    await tickUntilFinal(s, 4);
    expect(s.chain.finalCheckpoint).toMatchObject({ height: 4, hubHeight: 6, tier: "bls" });
    expect(s.follower.status).toMatchObject({ tier: "bls", zkFinalHeight: null, verifiedHubHeight: 6, lastError: undefined });
    expect(s.follower.lightClient.bls!.header!.height).toBe(6);
    expect(asked(s, "/zk")).toBe(1);
    // Later rounds, the clock past each check: asked again every 5 s, the answer still null.
    for (let i = 1; i <= 3; i++) {
      s.clock.t += CHECK_MS;
      await s.follower.tick();
      expect(s.follower.status.lastError).toBeUndefined();
    }
    expect(asked(s, "/zk")).toBe(4);
    expect(asked(s, "/zk/activation", true)).toBe(0);
    expect(s.follower.lightClient.zk).toBeUndefined();
    expect(s.follower.status.zkFinalHeight).toBeNull();
    expect(s.chain.finalCheckpoint).toMatchObject({ height: 4, tier: "bls" });
  });

  test("(a) activated above the newest header it verified (fromHeight 11, verified 10): not asked for the record, no ZK tier", async () => {
    const s = await setup([{ view: activatedAt11, tip: 12 }]);
    await tickUntilFinal(s, 6);
    expect(s.chain.finalCheckpoint).toMatchObject({ height: 6, hubHeight: 10, tier: "bls" });
    expect(s.follower.lightClient.bls!.header!.height).toBe(10);
    s.clock.t += CHECK_MS;
    await s.follower.tick();
    expect(asked(s, "/zk")).toBeGreaterThanOrEqual(1);
    expect(asked(s, "/zk/activation", true)).toBe(0);
    expect(s.follower.lightClient.zk).toBeUndefined();
    expect(s.follower.status.zkFinalHeight).toBeNull();
    expect(s.follower.status.lastError).toBeUndefined();
  });
});

describe("adopting the succinct tier", () => {
  test("(b) activated at or below the verified header: the record is proved under that header's stateRoot and the tier adopted with its trust point and key", async () => {
    const s = await setup([{ view: activatedAt5, tip: 7 }]);
    await s.follower.tick();
    expect(s.chain.finalCheckpoint).toMatchObject({ height: 4, hubHeight: 6, tier: "bls" });
    expect(s.follower.status.lastError).toBeUndefined();
    // Asked at the height of the header it verified (6), not the hub's tip.
    expect(s.log).toContain("0 /zk/activation?height=6");
    expectAdoptedFrom(s, activatedAt5);
    expect(s.follower.status.tier).toBe("bls"); // nothing is final by ZK yet
    // Adopted once: later rounds follow the tier (/zk for its latest certificate) and never ask for the record again.
    for (let i = 1; i <= 2; i++) {
      s.clock.t += CHECK_MS;
      await s.follower.tick();
    }
    expect(asked(s, "/zk/activation", true)).toBe(1);
    expect(asked(s, "/zk")).toBe(4); // the check, then one per round for the tier's latest certificate (the first in the adopting round)
    expect(s.follower.status).toMatchObject({ zkFinalHeight: 0, lastError: undefined });
    expectAdoptedFrom(s, activatedAt5);
  });

  test("(b, d) the hub activates while followed: adopted at the first check (5 s apart) after it verified a header at or above the activation", async () => {
    const node: FakeNode = { view: activatedAt9, tip: 7 };
    const s = await setup([node]);
    const t0 = s.clock.t;
    await tickUntilFinal(s, 4);
    expect(asked(s, "/zk")).toBe(1); // not activated at 7
    node.tip = 12; // block 9 activated it; checkpoint 6 recorded at 10
    s.clock.t = t0 + CHECK_MS - 1;
    await tickUntilFinal(s, 6);
    expect(s.follower.lightClient.bls!.header!.height).toBe(10);
    expect(asked(s, "/zk")).toBe(1); // within 5 s of the last check: not asked
    expect(s.follower.lightClient.zk).toBeUndefined();
    expect(s.follower.status.zkFinalHeight).toBeNull();
    s.clock.t = t0 + CHECK_MS;
    await s.follower.tick();
    expect(asked(s, "/zk")).toBe(3); // the check, and (adopted) the tier's latest certificate
    expect(s.log).toContain("0 /zk/activation?height=10");
    expectAdoptedFrom(s, activatedAt9);
    expect(s.follower.lightClient.zk!.height).toBe(8);
    expect(s.follower.status.lastError).toBeUndefined();
  });
});

describe("(d) the hub is asked at most every 5 s of the follower's clock", () => {
  test("not activated: one /zk per 5 s however often it ticks", async () => {
    const s = await setup([{ view: activatedAt9, tip: 7 }]);
    const t0 = s.clock.t;
    const at = async (dt: number) => {
      s.clock.t = t0 + dt;
      await s.follower.tick();
      return asked(s, "/zk");
    };
    expect(await at(0)).toBe(1);
    expect(await at(1)).toBe(1);
    expect(await at(2_500)).toBe(1);
    expect(await at(CHECK_MS - 1)).toBe(1);
    expect(await at(CHECK_MS)).toBe(2);
    expect(await at(CHECK_MS + 1)).toBe(2);
    expect(await at(2 * CHECK_MS - 1)).toBe(2);
    expect(await at(2 * CHECK_MS)).toBe(3);
    expect(asked(s, "/zk/activation", true)).toBe(0);
  });

  test("a clock behind the last check (stepped back) does not make it ask earlier", async () => {
    const s = await setup([{ view: activatedAt9, tip: 7 }]);
    await s.follower.tick();
    expect(asked(s, "/zk")).toBe(1);
    s.clock.t -= 60_000; // a clock stepped back a minute
    await s.follower.tick();
    expect(asked(s, "/zk")).toBe(1);
  });
});

describe("(c) a lying node next to an honest one", () => {
  /** A record the hub never wrote: the liar's own key and trust point (or its own circuit), proved in a trie of its own. */
  const ownRecord = async (edit: (a: ZkActivation) => ZkActivation): Promise<FakeStateProof> => makeActivatedStateProof(edit(activatedAt5.zk!.activation));
  const lies: [string, () => Promise<Lie>][] = [
    [
      "a record with its own key and trust point, proved in a trie of its own",
      async () => {
        const own = await ownRecord((a) => ({ ...a, verificationKey: liarsKey, trust: { ...a.trust, nextValidatorSetRoot: 42n, blockHash: fill(0xee), height: 6, time: a.trust.time + 2_000 } }));
        return onActivation((h) => activationAnswer(h, own));
      },
    ],
    [
      "a record of another circuit (quorum8, 8 slots), proved in a trie of its own",
      async () => {
        const own = await ownRecord((a) => ({ ...a, circuit: "quorum8", capacity: 8 }));
        return onActivation((h) => activationAnswer(h, own));
      },
    ],
    ["the state before the activation (no record) at the verified height", async () => onActivation((h) => activationAnswer(h, activatedAt5.zk!.before))],
    [
      "the honest proof with the record's bytes changed in its leaf",
      async () => {
        const a = activatedAt5.zk!.after;
        const proof = a.proof.map((n, i) => (i === a.proof.length - 1 ? n.map((b, j) => (j === n.length - 1 ? b ^ 1 : b)) : n));
        return onActivation((h) => activationAnswer(h, { ...a, proof }));
      },
    ],
  ];

  test.each(lies)("%s: not adopted, the round's error says why; the honest node's record is adopted at the next check", async (_name, makeLie) => {
    const liar: FakeNode = { view: activatedAt5, tip: 7, lie: await makeLie() };
    const s = await setup([liar, { view: activatedAt5, tip: 7 }]);
    const t0 = s.clock.t;
    await s.follower.tick(); // the liar (node 0) is asked first
    expect(s.log).toContain("0 /zk/activation?height=6");
    expect(s.follower.status.lastError).toMatch(/^invalid state proof: /);
    expect(s.follower.lightClient.zk).toBeUndefined();
    expect(s.follower.status.zkFinalHeight).toBeNull();
    // BLS finality is not held back by it.
    expect(s.chain.finalCheckpoint).toMatchObject({ height: 4, hubHeight: 6, tier: "bls" });
    expect(s.chain.misbehaviour).toBeUndefined();
    // Within 5 s: nobody is asked again.
    s.clock.t = t0 + CHECK_MS - 1;
    await s.follower.tick();
    expect(asked(s, "/zk/activation", true)).toBe(1);
    expect(s.follower.lightClient.zk).toBeUndefined();
    // The next check asks the other node first (the liar's answer failed the round) and adopts the hub's record.
    s.clock.t = t0 + CHECK_MS;
    await s.follower.tick();
    expect(s.log).toContain("1 /zk/activation?height=6");
    expect(s.follower.status.lastError).toBeUndefined();
    expectAdoptedFrom(s, activatedAt5);
  });

  test("a node that claims the tier activated on a hub that is not (fromHeight 2): the verified header's state shows no record; nothing adopted, the round's error says so", async () => {
    const liar: FakeNode = {
      view: activatedAt9,
      tip: 7,
      lie: (req, h) =>
        req.route === "zk" && h !== "timeout"
          ? ok({ ...(h.json as object), ...encodeZkInfoJsonFields({ verificationKey: liarsKey, fromHeight: 2 }) })
          : h,
    };
    const s = await setup([liar, { view: activatedAt9, tip: 7 }]);
    await s.follower.tick();
    // The record is asked at the verified header 6, from the liar, which serves the true proof (absence).
    expect(s.log).toContain("0 /zk/activation?height=6");
    expect(s.follower.status.lastError).toMatch(/reports the succinct tier from height 2, but the state proof at verified header 6 shows no activation/);
    expect(s.follower.lightClient.zk).toBeUndefined();
    expect(s.follower.status.zkFinalHeight).toBeNull();
    // Every node is asked (a withholding node cannot hold the tier back), so the liar's claim costs a
    // proof check at each check — and never adopts anything: the honest node's proof shows no record either.
    s.clock.t += CHECK_MS;
    await s.follower.tick();
    expect(s.log.filter((l) => l.startsWith("1 /zk") && !l.includes("/zk/activation")).length).toBe(2);
    expect(asked(s, "/zk/activation", true)).toBe(2);
    expect(s.follower.status.lastError).toMatch(/shows no activation/);
    expect(s.follower.lightClient.zk).toBeUndefined();
    expect(s.follower.status.zkFinalHeight).toBeNull();
  });
});

describe("(c) a certified state that does not match the trust root", () => {
  test.each([
    ["another circuit", "quorum8", 8, /the hub activated circuit quorum8 \(8 slots\); the trust root names quorum4 \(4\)/],
    ["another capacity", "quorum4", 8, /the hub activated circuit quorum4 \(8 slots\); the trust root names quorum4 \(4\)/],
  ])("the hub activated %s: the proof verifies but nothing is adopted, at any check; the error names both", async (_name, circuit, capacity, error) => {
    const view = await activatedHub(5, circuit, capacity);
    const s = await setup([{ view, tip: 7 }]);
    for (let i = 0; i < 2; i++) {
      await s.follower.tick();
      expect(s.follower.status.lastError).toMatch(error);
      expect(s.follower.lightClient.zk).toBeUndefined();
      expect(s.follower.status.zkFinalHeight).toBeNull();
      s.clock.t += CHECK_MS;
    }
    expect(asked(s, "/zk/activation?height=6")).toBe(2);
    expect(s.chain.finalCheckpoint).toMatchObject({ height: 4, hubHeight: 6, tier: "bls" });
  });
});

/** The JSON fields of /zk for a key and fromHeight (through the SDK's encoder). */
function encodeZkInfoJsonFields(f: { verificationKey: Groth16VerificationKey; fromHeight: number }) {
  const { verificationKey, fromHeight } = encodeZkInfoJson({
    circuit: "quorum4",
    capacity: 4,
    attestationIntervalMs: 1000,
    verificationKey: f.verificationKey,
    fromHeight: f.fromHeight,
    prover: false,
    latestCertifiedHeight: null,
    recordedHeight: null,
    proverReward: 0n,
    height: 1,
    validatorSetRoot: null,
  });
  return { verificationKey, fromHeight };
}
