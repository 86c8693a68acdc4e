// HubFollower + HubClient against fake hub nodes (an injected fetch) serving a synthetic hub chain with
// real BLS signatures, whose consumer-checkpoint roots commit to real checkpoints of a real consumer
// chain. "It trusts no hub node: every answer from the network is checked, a lying node can only delay
// it": an honest node makes checkpoints final; a liar next to an honest node only delays that, and
// nothing it made up ever reaches the FinalityGuard; liars alone make nothing final; two certified
// headers for one hub height halt the chain.
import {
  assertBlsForkGuilt,
  bytesEqual,
  computeBlockHash,
  computeCheckpointHash,
  computeCheckpointInclusionProof,
  computeConsumerCheckpointRoot,
  computeValidatorSetRoot,
  decodeConsumerJson,
  decodeStatusJson,
  encodeBlockHeaderJson,
  encodeCertificateResponseJson,
  encodeHeaderResponseJson,
  encodeValidatorSetJson,
  LightClientError,
  toHex,
  ZERO_CHECKPOINT_HASH,
  type CommitCertificate,
  type ConsumerCheckpoint,
  type FinalCheckpointInput,
  type ValidatorSet,
  type HubForkEvidence,
} from "@aegis/consumer-sdk";
import { nullLogger } from "@aegis/p2p";
import { BlockError, HubClient, HubClientError, HubFollower, type ConsumerChain, type HubFollowerRecovery } from "../src/index.js";
import { fill, makeValidatorSet, hubKeys } from "../../consumer-sdk/test/helpers/hubChain.js";
import { buildOn, CONSUMER, extend, openChain, PRODUCER_PK, removeDir, type OpenChain } from "./helpers/chainFixtures.js";
import {
  encodeInclusionParts,
  fakeHubNetwork,
  forgeHeader,
  HUB_CHAIN_ID,
  HUB_GENESIS_TIME,
  HUB_NOW,
  honestSetAt,
  HubView,
  setA,
  setB,
  setC,
  setM,
  TRUSTING_PERIOD_MS,
  trustRoot,
  type FakeAnswer,
  type FakeNode,
  type FakeRequest,
  type InclusionParts,
  type Lie,
} from "./helpers/fakeHub.js";

const OTHER = "zz-other";
const TIMEOUT_MS = 100;

// ---- the consumer chain (6 blocks, the same in every test) and its checkpoints ----
let template: OpenChain;
let blockHashes: Uint8Array[];
/** The consumer's checkpoints at heights 2, 4, 6 (each naming the previous one). */
const cp: Record<number, ConsumerCheckpoint> = {};
let honest: HubView;
/** A hub that recorded another checkpoint (height 5) at hub height 6: certified by the same validators (they equivocated). */
let forked: HubView;
/** A forger's own chain: a checkpoint of a block that does not exist, signed by a set of outsiders. */
let forgersChain: HubView;

const otherCp1: ConsumerCheckpoint = { consumerId: OTHER, height: 7, blockHash: fill(0x71), parentCheckpointHash: ZERO_CHECKPOINT_HASH, stateRoot: fill(0x72) };
const otherCp2: ConsumerCheckpoint = { consumerId: OTHER, height: 9, blockHash: fill(0x73), parentCheckpointHash: computeCheckpointHash(otherCp1), stateRoot: fill(0x74) };

function checkpointOf(chain: ConsumerChain, height: number, parent?: ConsumerCheckpoint): ConsumerCheckpoint {
  const n = chain.canonicalNodeAt(height)!;
  return { consumerId: CONSUMER, height, blockHash: n.hash, parentCheckpointHash: parent ? computeCheckpointHash(parent) : ZERO_CHECKPOINT_HASH, stateRoot: n.header.stateRoot };
}

beforeAll(async () => {
  template = await openChain();
  blockHashes = await extend(template.chain, template.chain.genesisHash, 6, "c");
  cp[2] = checkpointOf(template.chain, 2);
  cp[4] = checkpointOf(template.chain, 4, cp[2]);
  cp[6] = checkpointOf(template.chain, 6, cp[4]);
  const info = { genesisHash: template.chain.genesisHash, producerKeys: [PRODUCER_PK] };
  honest = new HubView(
    [
      { hubHeight: 1, checkpoint: otherCp1 },
      { hubHeight: 2, checkpoint: cp[2] },
      { hubHeight: 5, checkpoint: otherCp2 },
      { hubHeight: 6, checkpoint: cp[4] },
      { hubHeight: 10, checkpoint: cp[6] },
    ],
    12,
    info,
  );
  forked = new HubView(
    [
      { hubHeight: 1, checkpoint: otherCp1 },
      { hubHeight: 2, checkpoint: cp[2] },
      { hubHeight: 6, checkpoint: checkpointOf(template.chain, 5, cp[2]) },
    ],
    12,
    info,
  );
  forgersChain = new HubView(
    [
      { hubHeight: 1, checkpoint: otherCp1 },
      { hubHeight: 6, checkpoint: { ...cp[4], blockHash: fill(0xbb), stateRoot: fill(0xbc) } },
    ],
    12,
    info,
    () => setM,
  );
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

/** A fresh consumer node's chain with the same 6 blocks (nothing final yet). */
async function freshChain(): Promise<ConsumerChain> {
  const o = await openChain();
  opened.push(o);
  const hashes = await extend(o.chain, o.chain.genesisHash, 6, "c");
  expect(hashes.map(toHex)).toEqual(blockHashes.map(toHex));
  return o.chain;
}

interface Setup {
  chain: ConsumerChain;
  follower: HubFollower;
  log: string[];
  /** Everything handed to the chain's FinalityGuard. */
  guardInputs: FinalCheckpointInput[];
}

async function setup(nodes: FakeNode[], now = () => HUB_NOW, recovery: HubFollowerRecovery = {}, chainIn?: ConsumerChain): Promise<Setup> {
  const chain = chainIn ?? (await freshChain());
  const guardInputs: FinalCheckpointInput[] = [];
  const apply = chain.applyFinalCheckpoint.bind(chain);
  chain.applyFinalCheckpoint = (input) => {
    guardInputs.push(input);
    return apply(input);
  };
  const net = fakeHubNetwork(nodes);
  const client = new HubClient({ urls: net.urls, fetch: net.fetch, timeoutMs: TIMEOUT_MS });
  const follower = new HubFollower(chain, client, trustRoot, now, nullLogger, 500, recovery);
  return { chain, follower, log: net.log, guardInputs };
}

/** Ticks until the chain's final height reaches `height` (at most `max` rounds); returns the rounds it took. */
async function tickUntilFinal(s: Setup, height: number, max = 4): Promise<number> {
  for (let i = 1; i <= max; i++) {
    await s.follower.tick();
    if (s.chain.finalHeight >= height) return i;
  }
  throw new Error(`not final at ${height} after ${max} rounds (final ${s.chain.finalHeight}); last error: ${s.follower.status.lastError}`);
}

const isHonestInput = (input: FinalCheckpointInput) => {
  const r = honest.records.find((x) => x.checkpoint.consumerId === CONSUMER && x.checkpoint.height === input.checkpoint.height);
  return !!r && toHex(computeCheckpointHash(input.checkpoint)) === toHex(computeCheckpointHash(r.checkpoint)) && input.hubHeight === r.hubHeight && bytesEqual(input.hubBlockHash, honest.chain.hashOf(r.hubHeight));
};

/** The light client trusts only headers of the honest chain, and the guard only ever saw honest checkpoints. */
function expectNothingForged(s: Setup): void {
  const bls = s.follower.lightClient.bls!;
  if (bls.height > 0) expect(toHex(bls.blockHash)).toBe(toHex(honest.chain.hashOf(bls.height)));
  for (const input of s.guardInputs) expect(isHonestInput(input)).toBe(true);
  for (const f of s.chain.guard.finalized) expect(toHex(f.hubBlockHash)).toBe(toHex(honest.chain.hashOf(f.hubHeight)));
  expect(s.chain.misbehaviour).toBeUndefined();
}

// ---- lies ----

const onRoute =
  (route: FakeRequest["route"], answer: (req: FakeRequest, honest: FakeAnswer) => FakeAnswer): Lie =>
  (req, h) =>
    req.route === route ? answer(req, h) : h;
const everywhere = (answer: (req: FakeRequest, honest: FakeAnswer) => FakeAnswer): Lie => answer;
const ok = (json: unknown): FakeAnswer => ({ status: 200, json });
const json = (a: FakeAnswer): any => (a === "timeout" ? undefined : structuredClone(a.json));
/** The honest inclusion answer (at tip 7), edited. */
const inclusionLie = (edit: (p: InclusionParts) => InclusionParts): Lie =>
  onRoute("inclusion", (req, h) => {
    const p = honest.inclusionParts(req.params.id!, Number(req.params.height), 7);
    return p ? ok(encodeInclusionParts(edit(p))) : h;
  });
const flip = (b: Uint8Array) => b.map((x, i) => (i === 0 ? x ^ 1 : x));
/** The header of the epoch's last height 4 naming the forger's set as the next, its certificate re-pointed, and that set served. */
const forgedEpochEnd: Lie = (req, h) => {
  const header4 = { ...honest.chain.headers[4]!, nextValidatorSetRoot: computeValidatorSetRoot(setM) };
  if (req.route === "header" && req.params.height === "4") return ok(encodeHeaderResponseJson(header4));
  if (req.route === "certificates" && req.params.height === "4") {
    return ok(encodeCertificateResponseJson({ certificate: { ...honest.chain.certs[4]!, blockHash: computeBlockHash(header4) }, validatorSet: setM, zk: null, zkFinalizedBy: null }));
  }
  if (req.route === "validators") return ok(encodeValidatorSetJson(setM, new Map()));
  return h;
};
/** One field of each route's answer of the wrong type or out of range. */
const wrongField: Lie = (req, h) => {
  const j = json(h);
  if (j === undefined || h === "timeout" || h.status !== 200) return h;
  if (req.route === "status") j.height = "7";
  if (req.route === "consumer") j.latestHeight = -1;
  if (req.route === "inclusion") j.proof.index = 0.5;
  if (req.route === "header") j.header.height = "4";
  if (req.route === "certificates") j.bls.signature = "zz";
  if (req.route === "validators") j.totalPower = 80;
  return ok(j);
};
/** Every field well formed, two of them disagreeing: a header whose blockHash is not its hash, a set whose total is not its sum. */
const inconsistent: Lie = (req, h) => {
  const j = json(h);
  if (j === undefined || h === "timeout" || h.status !== 200) return h;
  if (req.route === "status") j.latestBlockHash = null;
  if (req.route === "consumer") j.extra = 1;
  if (req.route === "inclusion") j.header.header = encodeBlockHeaderJson({ ...honest.chain.headers[6]!, stateRoot: fill(0xee) });
  if (req.route === "header") j.blockHash = toHex(fill(0xee));
  if (req.route === "certificates") j.bls.signerIndices = [0];
  if (req.route === "validators") j.totalPower = "1";
  return ok(j);
};

/** Lies a light client and the inclusion rule must catch: the answer decodes, but is not the hub's. */
const verifiedLies: [string, FakeNode["lie"] | "forger's chain"][] = [
  ["a forged header: the state root changed after signing", inclusionLie((p) => forgeHeader(p, { stateRoot: fill(0xee) }))],
  [
    "a forged header: its checkpoint root changed after signing to hold a made-up checkpoint (with a valid path to it)",
    inclusionLie((p) => {
      const fake = { ...p.checkpoint, blockHash: fill(0xbb) };
      const leaves = honest.leavesAt(p.hubHeight).map((c) => (c.consumerId === CONSUMER ? fake : c));
      return { ...forgeHeader(p, { consumerCheckpointRoot: computeConsumerCheckpointRoot(leaves) }), checkpoint: fake, proof: computeCheckpointInclusionProof(leaves, CONSUMER).proof };
    }),
  ],
  ["a certificate by keys that are not the trusted set's", inclusionLie((p) => ({ ...p, certificate: honest.chain.sign(setB, p.hubHeight, p.certificate.blockHash, { forge: true }) }))],
  ["a certificate of too few signers of the trusted set", inclusionLie((p) => ({ ...p, certificate: honest.chain.sign(setB, p.hubHeight, p.certificate.blockHash, { signers: [1, 2, 3] }) }))],
  ["a whole chain signed by a set that is not the trusted one", "forger's chain"],
  ["an epoch's last header naming the forger's set as the next one", forgedEpochEnd],
  ["a validator set whose root is not the header's (another epoch's set)", onRoute("validators", () => ok(encodeValidatorSetJson(setC, new Map())))],
  ["a validator set whose root is not the header's (one power changed)", onRoute("validators", () => ok(encodeValidatorSetJson(makeValidatorSet(hubKeys.slice(2, 7), [40n, 10n, 10n, 10n, 11n]), new Map())))],
  ["a tampered Merkle path", inclusionLie((p) => ({ ...p, proof: { ...p.proof, siblings: p.proof.siblings.map(flip) } }))],
  ["a Merkle path for another leaf index", inclusionLie((p) => ({ ...p, proof: { ...p.proof, index: 1 - p.proof.index } }))],
  ["a Merkle path of the wrong length", inclusionLie((p) => ({ ...p, proof: { ...p.proof, siblings: [...p.proof.siblings, fill(9)] } }))],
  ["a checkpoint the root does not hold (another block at that height)", inclusionLie((p) => ({ ...p, checkpoint: { ...p.checkpoint, blockHash: fill(0xbb) } }))],
  ["a checkpoint of another consumer (really in the header)", inclusionLie((p) => ({ ...p, ...computeCheckpointInclusionProof(honest.leavesAt(p.hubHeight), OTHER) }))],
];

/** Answers the client itself refuses (then it asks the next node at once). */
const refusedAnswers: [string, Lie][] = [
  ["malformed JSON", everywhere(() => ({ status: 200, text: '{"chainId": "aegis-fake-hub", ' }))],
  ["an empty body", everywhere(() => ({ status: 200, text: "" }))],
  ["a number where an object belongs", everywhere(() => ok(42))],
  ["a field of the wrong type or out of range on every route", wrongField],
  ["inconsistent fields on every route", inconsistent],
  ["HTTP 500", everywhere(() => ({ status: 500, json: { error: { code: "API_ERROR_INTERNAL", message: "boom" } } }))],
  ["HTTP 404 for everything (claims to have nothing)", everywhere(() => ({ status: 404, json: { error: { code: "API_ERROR_NOT_FOUND", message: "nothing" } } }))],
  ["no answer (timeouts)", everywhere(() => "timeout")],
];

const liarNode = (lie: FakeNode["lie"] | "forger's chain", tip = 7): FakeNode => (lie === "forger's chain" ? { view: forgersChain, tip } : { view: honest, tip, ...(lie ? { lie } : {}) });

describe("an honest hub", () => {
  test("one honest node: the consumer's latest checkpoint becomes final, tier bls", async () => {
    const s = await setup([{ view: honest, tip: 3 }]);
    expect(await tickUntilFinal(s, 2)).toBe(1);
    expect(s.chain.finalCheckpoint).toMatchObject({ height: 2, hubHeight: 2, tier: "bls" });
    expect(toHex(s.chain.finalCheckpoint!.blockHash)).toBe(toHex(blockHashes[1]!));
    expect(s.chain.isFinal(2, blockHashes[1]!)).toBe(true);
    expect(s.follower.status).toMatchObject({ hubHeight: 3, verifiedHubHeight: 2, tier: "bls", hubCheckpointHeight: 2, lastError: undefined });
    expect(s.log).not.toContainEqual(expect.stringMatching(/validators/));
    expectNothingForged(s);
    // Nothing new on the hub: the next round asks for no proof.
    const before = s.log.length;
    await s.follower.tick();
    expect(s.log.slice(before).some((l) => l.includes("/inclusion/"))).toBe(false);
  });

  test("the validator set changes across epochs: the follower crosses through each epoch's last header and GET /validators?height=", async () => {
    const node: FakeNode = { view: honest, tip: 3 };
    const s = await setup([node]);
    await tickUntilFinal(s, 2);
    // Hub height 6 is signed by set B: the client reaches it through header 4 (set A signs it, names B).
    node.tip = 7;
    await tickUntilFinal(s, 4);
    expect(s.log).toEqual(expect.arrayContaining(["0 /headers/4", "0 /certificates/4", "0 /validators?height=5"]));
    expect(s.chain.finalCheckpoint).toMatchObject({ height: 4, hubHeight: 6, tier: "bls" });
    expect(toHex(s.follower.lightClient.bls!.validatorSetRoot)).toBe(toHex(computeValidatorSetRoot(setB)));
    // Hub height 10 is signed by set C: through header 8.
    node.tip = 11;
    await tickUntilFinal(s, 6);
    expect(s.log).toEqual(expect.arrayContaining(["0 /headers/8", "0 /certificates/8", "0 /validators?height=9"]));
    expect(s.chain.finalCheckpoint).toMatchObject({ height: 6, hubHeight: 10, tier: "bls" });
    expect(s.follower.lightClient.bls!.height).toBe(10);
    expect(toHex(s.follower.lightClient.bls!.validatorSetRoot)).toBe(toHex(computeValidatorSetRoot(setC)));
    expect(s.guardInputs.map((i) => [i.checkpoint.height, i.hubHeight])).toEqual([
      [2, 2],
      [4, 6],
      [6, 10],
    ]);
    expectNothingForged(s);
  });

  test("a fresh follower jumps two epochs at once", async () => {
    const s = await setup([{ view: honest, tip: 12 }]);
    expect(await tickUntilFinal(s, 6)).toBe(1);
    expect(s.log).toEqual(expect.arrayContaining(["0 /validators?height=5", "0 /validators?height=9"]));
    expectNothingForged(s);
  });
});

describe("a lying node next to an honest one: the checkpoint still becomes final, and no lie reaches the guard", () => {
  test.each(verifiedLies.map(([name, lie]) => ({ name, lie })))("$name (caught by the light client or the inclusion rule: one round lost)", async ({ lie }) => {
    const s = await setup([liarNode(lie), { view: honest, tip: 7 }]);
    await s.follower.tick();
    // The first round asked the liar first and verified its answer: refused, nothing final.
    expect(s.chain.finalHeight).toBe(0);
    expect(s.follower.status.lastError).toBeDefined();
    expect(s.guardInputs).toEqual([]);
    // The next round asks the other node first: final.
    expect(await tickUntilFinal(s, 4, 3)).toBe(1);
    expect(s.chain.finalCheckpoint).toMatchObject({ height: 4, hubHeight: 6, tier: "bls" });
    expect(s.follower.status.lastError).toBeUndefined();
    expectNothingForged(s);
  });

  test.each(refusedAnswers.map(([name, lie]) => ({ name, lie })))("$name (refused by the client, the next node asked at once)", async ({ lie }) => {
    const s = await setup([liarNode(lie), { view: honest, tip: 7 }]);
    expect(await tickUntilFinal(s, 4)).toBe(1);
    expect(s.chain.finalCheckpoint).toMatchObject({ height: 4, hubHeight: 6, tier: "bls" });
    expectNothingForged(s);
  });

  test("a consumer record claiming a checkpoint no node can prove: the next lower claim is proved in the same round", async () => {
    const claim99 = onRoute("consumer", (_req, h) => ok({ ...json(h), latestHeight: 99 }));
    const s = await setup([liarNode(claim99), { view: honest, tip: 7 }]);
    expect(await tickUntilFinal(s, 4, 1)).toBe(1);
    expect(s.follower.status.hubCheckpointHeight).toBe(99);
    expect(s.follower.status.lastError).toBeUndefined();
    expectNothingForged(s);
  });

  test("only a claim nobody proves: the round fails and says so", async () => {
    const claim99 = onRoute("consumer", (_req, h) => ok({ ...json(h), latestHeight: 99 }));
    const s = await setup([liarNode(claim99)]);
    await s.follower.tick();
    expect(s.chain.finalHeight).toBe(0);
    expect(s.follower.status.lastError).toMatch(/99/);
  });

  test("a node withholding (claiming an older checkpoint) cannot hold finality back", async () => {
    const claim2 = onRoute("consumer", (_req, h) => ok({ ...json(h), latestHeight: 2 }));
    const s = await setup([liarNode(claim2), { view: honest, tip: 7 }]);
    expect(await tickUntilFinal(s, 4, 1)).toBe(1);
    expect(s.chain.finalCheckpoint).toMatchObject({ height: 4, hubHeight: 6 });
    expectNothingForged(s);
  });

  test("the liar second: never needed", async () => {
    const s = await setup([{ view: honest, tip: 7 }, liarNode(inclusionLie((p) => forgeHeader(p, { stateRoot: fill(0xee) })))]);
    expect(await tickUntilFinal(s, 4)).toBe(1);
    // Every node is asked for the consumer's claim and (the detector) for the header of the verified height; only the first for the proof.
    expect(s.log.filter((l) => !(l.includes(`/consumers/${CONSUMER}`) || l.includes("/headers/6")) || l.includes("/inclusion/")).every((l) => l.startsWith("0 "))).toBe(true);
    expectNothingForged(s);
  });
});

describe("only liars", () => {
  const cases: [string, FakeNode["lie"] | "forger's chain", RegExp][] = [
    ["forged headers", inclusionLie((p) => forgeHeader(p, { stateRoot: fill(0xee) })), /invalid commit certificate for height 6: CERT_ERROR_INVALID_SIGNATURE/],
    ["a chain signed by another set", "forger's chain", /signed by a set the client does not trust/],
    ["a validator set that is not the header's", onRoute("validators", () => ok(encodeValidatorSetJson(setC, new Map()))), /nextValidatorSet is not the set with root/],
    ["tampered Merkle paths", inclusionLie((p) => ({ ...p, proof: { ...p.proof, siblings: p.proof.siblings.map(flip) } })), /not in the header's consumer-checkpoint root/],
    ["another consumer's checkpoint", inclusionLie((p) => ({ ...p, ...computeCheckpointInclusionProof(honest.leavesAt(p.hubHeight), OTHER) })), /checkpoint of zz-other/],
    ["HTTP 500", everywhere(() => ({ status: 500, json: { error: { code: "API_ERROR_INTERNAL", message: "boom" } } })), /^no hub node answered \/status: http:\/\/hub\d\.test: HTTP 500; http:\/\/hub\d\.test: HTTP 500$/],
    ["timeouts", everywhere(() => "timeout"), /no hub node answered \/status: .*timeout/i],
    ["malformed JSON", everywhere(() => ({ status: 200, text: "{" })), /no hub node answered \/status/],
    ["wrong shapes", wrongField, /no hub node answered \/status: http:\/\/hub\d\.test: HUB_API_ERROR_MALFORMED hub API JSON \$\.height/],
  ];
  test.each(cases.map(([name, lie, why]) => ({ name, lie, why })))("$name: nothing becomes final and status.lastError says why", async ({ lie, why }) => {
    const s = await setup([liarNode(lie), liarNode(lie)]);
    for (let i = 0; i < 3; i++) {
      await s.follower.tick();
      expect(s.follower.status.lastError).toMatch(why);
    }
    expect(s.chain.finalHeight).toBe(0);
    expect(s.chain.guard.finalized).toEqual([]);
    expect(s.guardInputs).toEqual([]);
    expectNothingForged(s);
  });
});

describe("HubClient", () => {
  test("no usable answer: HUB_CLIENT_ERROR_UNAVAILABLE listing each node's failure; all 404: undefined", async () => {
    const nodes: FakeNode[] = [
      { view: honest, tip: 7, lie: everywhere(() => ({ status: 500, json: { error: { code: "API_ERROR_INTERNAL", message: "x" } } })) },
      { view: honest, tip: 7, lie: wrongField },
      { view: honest, tip: 7, lie: everywhere(() => "timeout") },
      { view: honest, tip: 7, lie: everywhere(() => ({ status: 200, text: "not json" })) },
    ];
    const net = fakeHubNetwork(nodes);
    const client = new HubClient({ urls: net.urls, fetch: net.fetch, timeoutMs: TIMEOUT_MS });
    const err = await client.get("status", {}, {}, (j) => decodeStatusJson(j)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(HubClientError);
    expect((err as HubClientError).code).toBe("HUB_CLIENT_ERROR_UNAVAILABLE");
    const failures = (err as HubClientError).type.failures;
    expect(failures).toHaveLength(4);
    expect(failures[0]).toBe("http://hub0.test: HTTP 500");
    expect(failures[1]).toMatch(/^http:\/\/hub1\.test: HUB_API_ERROR_MALFORMED hub API JSON \$\.height/);
    expect(failures[2]).toMatch(/^http:\/\/hub2\.test: .*timeout/i);
    expect(failures[3]).toMatch(/^http:\/\/hub3\.test: .*JSON/);
    // 404 everywhere: "not there (yet)".
    for (const n of nodes) n.lie = everywhere(() => ({ status: 404, json: { error: { code: "API_ERROR_NOT_FOUND", message: "no" } } }));
    expect(await client.get("consumer", { id: CONSUMER }, {}, (j) => decodeConsumerJson(j))).toBeUndefined();
    // One node fine among them: its answer.
    nodes[2]!.lie = undefined;
    expect((await client.get("consumer", { id: CONSUMER }, {}, (j) => decodeConsumerJson(j)))!.latestHeight).toBe(4);
  });
});

describe("trust", () => {
  test("a trust root whose trusting period expired is refused at construction with the SDK's typed error", async () => {
    const chain = await freshChain();
    const net = fakeHubNetwork([{ view: honest, tip: 7 }]);
    const client = new HubClient({ urls: net.urls, fetch: net.fetch });
    let err: unknown;
    try {
      new HubFollower(chain, client, trustRoot, () => HUB_GENESIS_TIME + TRUSTING_PERIOD_MS, nullLogger);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LightClientError);
    expect((err as LightClientError).code).toBe("LIGHT_CLIENT_ERROR_TRUST_EXPIRED");
    // One millisecond earlier it is still trusted.
    expect(new HubFollower(chain, client, trustRoot, () => HUB_GENESIS_TIME + TRUSTING_PERIOD_MS - 1, nullLogger).lightClient.bls!.height).toBe(0);
    expect(net.log).toEqual([]);
  });

  test("trust that expires while following: nothing more becomes final, and lastError says so", async () => {
    let now = HUB_NOW;
    const node: FakeNode = { view: honest, tip: 3 };
    const s = await setup([node], () => now);
    await tickUntilFinal(s, 2);
    node.tip = 7;
    now = honest.chain.timeOf(2) + TRUSTING_PERIOD_MS;
    for (let i = 0; i < 2; i++) await s.follower.tick();
    expect(s.chain.finalHeight).toBe(2);
    expect(s.follower.status.lastError).toMatch(/older than the trusting period/);
  });
});

describe("two certified headers for one hub height", () => {
  test("the chain halts with CONFLICTING_CERTIFICATES and accepts nothing after", async () => {
    const a: FakeNode = { view: honest, tip: 7 };
    // Node B is down while A makes checkpoint 4 final.
    const down: Lie = everywhere(() => ({ status: 500, json: { error: { code: "API_ERROR_INTERNAL", message: "down" } } }));
    const b: FakeNode = { view: forked, tip: 7, lie: down };
    const s = await setup([a, b]);
    const events: string[] = [];
    s.chain.on((e) => e.type === "misbehaviour" && events.push(e.event.kind));
    const evidence: HubForkEvidence[] = [];
    s.follower.onForkEvidence((e) => evidence.push(e));
    await tickUntilFinal(s, 4);
    expect(s.chain.finalCheckpoint).toMatchObject({ height: 4, hubHeight: 6 });
    // Node A goes down; node B serves its own header 6, certified by the same validators.
    a.lie = down;
    delete b.lie;
    await s.follower.tick();
    expect(s.follower.status.lastError).toMatch(/two certified hub blocks at height 6/);
    expect(events).toEqual(["CONFLICTING_CERTIFICATES"]);
    const m = s.chain.misbehaviour;
    expect(m).toMatchObject({ kind: "CONFLICTING_CERTIFICATES", consumerId: CONSUMER, hubHeight: 6, first: { tier: "bls" }, second: { tier: "bls" } });
    if (m?.kind !== "CONFLICTING_CERTIFICATES") throw new Error("unreachable");
    expect(toHex(m.first.hubBlockHash)).toBe(toHex(honest.chain.hashOf(6)));
    expect(toHex(m.second.hubBlockHash)).toBe(toHex(forked.chain.hashOf(6)));
    // The evidence: both headers with their certificates (one round), naming every validator of the set.
    expect(evidence).toHaveLength(1);
    const e = evidence[0]!;
    expect([toHex(computeBlockHash(e.bls!.a.header)), toHex(computeBlockHash(e.bls!.b.header))]).toEqual([toHex(honest.chain.hashOf(6)), toHex(forked.chain.hashOf(6))]);
    const guilt = assertBlsForkGuilt(e.bls!, { chainId: HUB_CHAIN_ID, validatorSet: honestSetAt(6) });
    expect(guilt.guilty).toEqual(honestSetAt(6).validators.map((_, i) => i));
    // Halted: no more rounds (nothing is even asked), no finality, no blocks.
    a.lie = undefined;
    a.tip = 11;
    const asked = s.log.length;
    await s.follower.tick();
    expect(s.log.length).toBe(asked);
    expect(s.chain.finalHeight).toBe(4);
    const r = await s.chain.applyFinalCheckpoint({ checkpoint: cp[6]!, hubHeight: 10, hubBlockHash: honest.chain.hashOf(10), tier: "bls" });
    expect(r.status).toBe("MISBEHAVIOUR");
    expect(s.chain.finalHeight).toBe(4);
    const next = await buildOn(s.chain, s.chain.head.hash, ["after=1"]);
    await expect(s.chain.addBlock(next, next.header.time)).rejects.toBeInstanceOf(BlockError);
    expect(s.chain.head.header.height).toBe(6);
  });
});

describe("a conflicting header whose certificate does not verify", () => {
  test("is a lying node, not a fork: no halt, no evidence, and finality goes on from honest nodes", async () => {
    const a: FakeNode = { view: honest, tip: 7 };
    const down: Lie = everywhere(() => ({ status: 500, json: { error: { code: "API_ERROR_INTERNAL", message: "down" } } }));
    // Node B serves the forked header 6 with its state root changed after signing: the signature betrays it.
    const b: FakeNode = { view: forked, tip: 7, lie: down };
    const s = await setup([a, b]);
    const evidence: HubForkEvidence[] = [];
    s.follower.onForkEvidence((e) => evidence.push(e));
    await tickUntilFinal(s, 4);
    a.lie = down;
    b.lie = onRoute("inclusion", (req, h) => {
      const p = forked.inclusionParts(req.params.id!, Number(req.params.height), 7);
      return p ? ok(encodeInclusionParts(forgeHeader(p, { stateRoot: fill(0xee) }))) : h;
    });
    await s.follower.tick();
    expect(s.follower.status.lastError).toMatch(/CERT_ERROR_INVALID_SIGNATURE/);
    expect(s.chain.misbehaviour).toBeUndefined();
    expect(evidence).toEqual([]);
    // The honest node is back with checkpoint 6: it becomes final.
    a.lie = undefined;
    a.tip = 11;
    b.lie = down;
    await tickUntilFinal(s, 6);
    expect(s.chain.finalHeight).toBe(6);
  });
});


// ---- a fork, and the ways out of it (decision 51) ----

/** Indices into `set` of hubKeys[k] for each k. */
const ix = (set: ValidatorSet, ...keys: number[]) => keys.map((k) => set.validators.findIndex((v) => toHex(v.blsPublicKey) === toHex(hubKeys[k]!.publicKey)));
/** Set B's coalition: keys 2, 3, 4 (40 + 10 + 10 of 80, a quorum). Keys 5 and 6 (10 + 10) are honest. */
const COALITION_KEYS = [2, 3, 4];
/** After the slash: the honest rest of set B, from hub height 9 on. */
const setR = makeValidatorSet([hubKeys[5]!, hubKeys[6]!], [10n, 10n]);

/**
 * The coalition's side: another checkpoint at hub height 6, and from there on certified by the
 * coalition alone (`forge`: by outsiders' keys in the coalition's places, an invalid certificate).
 */
function coalitionSide(forge = false, round = 0): HubView {
  const v = new HubView(forked.records, 12, { genesisHash: forked.consumerInfo.genesisHash, producerKeys: forked.consumerInfo.producerKeys }, (h) => (h <= 4 ? setA : setB));
  for (let h = 6; h <= 12; h++) (v.chain.certs as CommitCertificate[])[h] = v.chain.sign(v.setAt(h), h, v.chain.hashOf(h), { signers: ix(v.setAt(h), ...COALITION_KEYS), forge, round });
  return v;
}

/** The chain that goes on: the honest records, the coalition slashed and out of the set from height 9 (setR signs). */
function survivingChain(): HubView {
  return new HubView(honest.records, 14, { genesisHash: honest.consumerInfo.genesisHash, producerKeys: honest.consumerInfo.producerKeys }, (h) => (h <= 4 ? setA : h <= 8 ? setB : setR));
}

const down: Lie = everywhere(() => ({ status: 500, json: { error: { code: "API_ERROR_INTERNAL", message: "down" } } }));

/** Checkpoint 4 final from node a (hub height 6) while b is down; then b comes up and the detector compares height 6 with it. */
async function forkedSetup(b: FakeNode, recovery: HubFollowerRecovery = {}, lieOnceUp?: Lie) {
  const a: FakeNode = { view: honest, tip: 7 };
  b.lie = down;
  const s = await setup([a, b], () => HUB_NOW, recovery);
  const evidence: HubForkEvidence[] = [];
  s.follower.onForkEvidence((e) => evidence.push(e));
  const events: string[] = [];
  s.chain.on((e) => events.push(e.type));
  await tickUntilFinal(s, 4);
  expect(s.chain.finalCheckpoint).toMatchObject({ height: 4, hubHeight: 6 });
  if (lieOnceUp) b.lie = lieOnceUp;
  else delete b.lie;
  await s.follower.tick();
  return { a, b, s, evidence, events };
}

describe("the detector: every hub node is asked for each newly verified height", () => {
  test("a node on the other side of a fork serves its own certified block 6: the chain halts, the evidence names the coalition, and the halt is on disk", async () => {
    const { s, evidence, events } = await forkedSetup({ view: coalitionSide(), tip: 7 });
    expect(s.chain.misbehaviour).toMatchObject({ kind: "CONFLICTING_CERTIFICATES", hubHeight: 6 });
    expect(events).toEqual(["misbehaviour"]);
    expect(evidence).toHaveLength(1);
    const guilt = assertBlsForkGuilt(evidence[0]!.bls!, { chainId: HUB_CHAIN_ID, validatorSet: setB });
    expect(guilt.guilty).toEqual(ix(setB, ...COALITION_KEYS).sort((x, y) => x - y));
    // The freeze keeps what a resume needs, and it survives a restart (the store reopened from disk).
    const o = opened.at(-1)!;
    await s.chain.exclusive(async () => {}); // the halt's write has run
    await o.close();
    const again = await openChain(o.dir);
    opened[opened.length - 1] = again;
    expect(again.chain.misbehaviour).toMatchObject({ kind: "CONFLICTING_CERTIFICATES", hubHeight: 6 });
    expect(again.chain.freeze?.fork).toMatchObject({ height: 6, guilty: guilt.guilty });
    expect(toHex(computeValidatorSetRoot(again.chain.freeze!.fork!.signingSet))).toBe(toHex(computeValidatorSetRoot(setB)));
    expect(again.chain.finalHeight).toBe(4);
  });

  test("a node that serves another block 6 without a valid certificate is a liar: logged, no halt", async () => {
    // b serves its own block 6 (and its checkpoint 5) with certificates made with outsiders' keys.
    const { s, evidence } = await forkedSetup({ view: coalitionSide(true), tip: 7 });
    expect(s.follower.status.lastError).toMatch(/CERT_ERROR_INVALID_SIGNATURE/); // its inclusion proof, tried first (the highest claim)
    expect(s.chain.misbehaviour).toBeUndefined();
    expect(evidence).toEqual([]);
    // The honest node's checkpoint 4 stays final, and the detector (asking b for header 6) finds nothing to halt on.
    await s.follower.tick();
    expect(s.chain.misbehaviour).toBeUndefined();
    expect(s.chain.finalCheckpoint).toMatchObject({ height: 4, hubHeight: 6 });
    expect(s.log.some((l) => l === "1 /headers/6")).toBe(true);
  });
});

describe("the detector keeps asking a node that was behind", () => {
  test("a header verified above another node's height (a node behind, or a lunatic chain ahead of the hub) is compared once that node gets there", async () => {
    const a: FakeNode = { view: honest, tip: 11 };
    const b: FakeNode = { view: forked, tip: 7 };
    const s = await setup([a, b]);
    await tickUntilFinal(s, 6);
    expect(s.chain.finalCheckpoint).toMatchObject({ height: 6, hubHeight: 10 });
    expect(s.chain.misbehaviour).toBeUndefined(); // b has no block 10 yet: nothing to compare
    await s.follower.tick();
    expect(s.log.filter((l) => l === "1 /headers/10").length).toBeGreaterThanOrEqual(2); // asked again
    b.tip = 12; // b reaches height 10, with another block there certified by the same set
    await s.follower.tick();
    expect(s.chain.misbehaviour).toMatchObject({ kind: "CONFLICTING_CERTIFICATES", hubHeight: 10 });
  });
});

describe("recovery without governance", () => {
  test.each([0, 1])("automatic (the coalition's commit in round %i): once the coalition is out of the set, the surviving chain's certificate (the honest rest, all of the post-slash stake) resumes the node; what was final stays; finality goes on; a restart starts from there", async (round) => {
    const { a, b, s, evidence } = await forkedSetup({ view: coalitionSide(false, round), tip: 7 });
    // One round: the pair names the coalition. Across rounds: a case will; the freeze counts out who signed both (the coalition here).
    expect(evidence).toHaveLength(1);
    expect(s.chain.freeze?.fork?.guilty).toEqual(ix(setB, ...COALITION_KEYS).sort((x, y) => x - y));
    expect(s.chain.misbehaviour).toBeDefined();
    const resumed: number[] = [];
    s.chain.on((e) => e.type === "resumed" && resumed.push(e.hubHeight));
    // The coalition's side first: its latest block (12) is certified by the coalition alone, which counts for nothing.
    b.tip = 12;
    a.lie = down;
    await s.follower.tick();
    expect(s.follower.status.lastError).toMatch(/fork recovery: .*not removed the guilty/);
    expect(s.chain.misbehaviour).toBeDefined();
    // The surviving chain, the coalition slashed and out of the set from height 9: setR certifies 14.
    const surviving = survivingChain();
    a.view = surviving;
    a.tip = 14;
    delete a.lie;
    b.lie = down;
    await s.follower.tick();
    expect(s.chain.misbehaviour).toBeUndefined();
    expect(resumed).toEqual([14]);
    expect(s.follower.lightClient.bls!.height).toBe(14);
    expect(toHex(s.follower.lightClient.bls!.blockHash)).toBe(toHex(surviving.chain.hashOf(14)));
    expect(s.follower.lightClient.zk).toBeUndefined();
    // Nothing final was lost, and checkpoint 6 (hub height 10, set R) becomes final on the surviving chain.
    expect(s.chain.finalCheckpoint).toMatchObject({ height: 4, hubHeight: 6 });
    await tickUntilFinal(s, 6);
    expect(s.chain.finalCheckpoint).toMatchObject({ height: 6, hubHeight: 10 });
    expect(toHex(s.chain.finalCheckpoint!.hubBlockHash)).toBe(toHex(surviving.chain.hashOf(10)));
    // A restart: not halted, and the light client starts from the resume root (the genesis is across the fork).
    const o = opened.at(-1)!;
    await o.close();
    const again = await openChain(o.dir);
    opened[opened.length - 1] = again;
    expect(again.chain.misbehaviour).toBeUndefined();
    expect(again.chain.finalHeight).toBe(6);
    expect((await again.store.getResumeRoot())?.header.height).toBe(14);
    const s2 = await setup([{ view: surviving, tip: 14 }], () => HUB_NOW, {}, again.chain);
    await s2.follower.start();
    s2.follower.stop();
    expect(s2.follower.lightClient.bls!.height).toBe(14);
  });

  test("a fork whose evidence names every validator (nobody left to certify): no automatic resume, nothing asked; the operator's trust root resumes it, a wrong hash does not", async () => {
    const surviving = survivingChain();
    const good = { height: 12, hash: surviving.chain.hashOf(12) };
    const bad = { height: 12, hash: flip(surviving.chain.hashOf(12)) };
    for (const [root, resumes] of [[bad, false], [good, true]] as const) {
      const { a, b, s } = await forkedSetup({ view: forked, tip: 7 }, { resumeFrom: root });
      expect(s.chain.misbehaviour).toBeDefined();
      b.lie = down;
      a.view = surviving;
      a.tip = 14;
      await s.follower.tick();
      if (!resumes) {
        expect(s.chain.misbehaviour).toBeDefined();
        expect(s.follower.status.lastError).toMatch(/not the operator's trusted block/);
        continue;
      }
      expect(s.chain.misbehaviour).toBeUndefined();
      expect(s.follower.lightClient.bls!.height).toBe(12);
      await tickUntilFinal(s, 6);
      expect(s.chain.finalCheckpoint).toMatchObject({ height: 6, hubHeight: 10 });
    }
    // Without an operator root, the all-guilty fork stays halted and asks nobody.
    const { s } = await forkedSetup({ view: forked, tip: 7 });
    const asked = s.log.length;
    await s.follower.tick();
    expect(s.log.length).toBe(asked);
    expect(s.chain.misbehaviour).toBeDefined();
  });

  test("an operator root at or below the fork's height is not a way out", async () => {
    const { a, s } = await forkedSetup({ view: forked, tip: 7 }, { resumeFrom: { height: 6, hash: honest.chain.hashOf(6) } });
    a.view = survivingChain();
    a.tip = 14;
    await s.follower.tick();
    expect(s.chain.misbehaviour).toBeDefined();
  });
});
