/**
 * End to end, in one process: four HubNodes over real libp2p (TCP on 127.0.0.1) with real LevelDB
 * folders and their HTTP APIs. Covers agreement, certificates, the API, transactions, a late joiner,
 * duplicate-vote evidence and hostile gossip (direct validation and a rogue libp2p peer).
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import WebSocket from "ws";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { jest } from "@jest/globals";
import {
  assertValidCommitCertificate,
  blsPublicKeyFromSecret,
  blsSign,
  bytesEqual,
  computeBlockHash,
  computeProposalSignBytes,
  computeVoteSignBytes,
  fromHex,
  getZkPublicSignals,
  toHex,
  VoteType,
  type CommitCertificate,
} from "@aegis/consumer-sdk";
import {
  createBlock,
  encodeProposalMessage,
  encodeVote,
  getGossipAction,
  GossipError,
  GOSSIP_HEARTBEAT_MS,
  HubNetwork,
  initHomes,
  loadGenesis,
  loadValidatorKey,
  ProposerSchedule,
  startNodeFromHome,
  type InitializedNode,
  type ProposalMessage,
  type RunningNode,
  type Vote,
} from "@aegis/hub";
import {
  createCaptureLogger,
  HOST,
  http,
  ISO_MS,
  makeTempDir,
  removeDir,
  reservePortRange,
  sleep,
  waitFor,
  type LogRecord,
} from "../helpers/e2eUtils.js";

jest.setTimeout(120_000);

const N = 4;
const CHAIN_ID = "aegis-e2e-inproc";

let dir: string;
let homes: InitializedNode[];
let secretKeys: Uint8Array[];
/** validatorIndexOfNode[i]: node i's index in the genesis validator set. */
let validatorIndexOfNode: number[];
const running: (RunningNode | null)[] = Array.from({ length: N }, () => null);
const logs: LogRecord[][] = Array.from({ length: N }, () => []);
const extraPeers: HubNetwork[] = [];

function node(i: number): RunningNode {
  const r = running[i];
  if (!r) throw new Error(`node${i} is not running`);
  return r;
}

function api(i: number): string {
  return node(i).api.url;
}

async function startNode(i: number): Promise<RunningNode> {
  if (running[i]) return running[i]!;
  const r = await startNodeFromHome(homes[i]!.home, {
    logger: createCaptureLogger({ node: i }, logs[i]),
    config: (c) => ({ ...c, api: { host: HOST, port: 0 } }),
  });
  running[i] = r;
  return r;
}

async function ensureAllRunning(): Promise<void> {
  for (let i = 0; i < N; i++) await startNode(i);
}

function heights(): number[] {
  return running.filter((r): r is RunningNode => r !== null).map((r) => r.node.engine.height);
}

function minHeight(): number {
  return Math.min(...heights());
}

/** Waits until every running node has committed at least `h`. */
async function waitForHeight(h: number, timeoutMs = 60_000): Promise<void> {
  await waitFor(() => minHeight() >= h, timeoutMs, `all running nodes at height >= ${h} (now ${heights().join(",")})`);
}

/** A libp2p peer on the chain's topics that is not a validator, dialled to every running node. */
async function startExtraPeer(): Promise<HubNetwork> {
  const bootstrap = running.filter((r): r is RunningNode => r !== null).flatMap((r) => r.node.network.multiaddrs.slice(0, 1));
  const net = new HubNetwork({ chainId: CHAIN_ID, listen: [`/ip4/${HOST}/tcp/0`], bootstrap, bootstrapRedialMs: 500 });
  extraPeers.push(net);
  await net.start();
  // It must see the nodes' subscriptions before its floodPublish reaches them.
  await waitFor(() => net.topicPeers("vote").length >= bootstrap.length && net.topicPeers("proposal").length >= bootstrap.length, 30_000, "extra peer sees topic subscribers");
  return net;
}

async function stopExtraPeer(net: HubNetwork): Promise<void> {
  await net.stop();
  extraPeers.splice(extraPeers.indexOf(net), 1);
}

function signVote(sk: Uint8Array, f: { type: VoteType; height: number; round: number; blockHash: Uint8Array | null }, validatorIndex: number, chainId = CHAIN_ID): Vote {
  return { ...f, validatorIndex, signature: blsSign(sk, computeVoteSignBytes({ chainId, ...f })) };
}

/** Secret key of the validator at `index` in the genesis validator set (the set is sorted, so index != node number). */
function keyOfValidatorIndex(index: number): Uint8Array {
  const i = validatorIndexOfNode.indexOf(index);
  if (i < 0) throw new Error(`no node is validator ${index}`);
  return secretKeys[i]!;
}

async function expectGossipError(p: Promise<unknown> | (() => unknown), code: string): Promise<void> {
  let err: unknown;
  try {
    if (typeof p === "function") p();
    else await p;
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(GossipError);
  expect((err as GossipError).code).toBe(code);
}

async function evidenceOf(i: number): Promise<{ validatorIndex: number; height: number; round: number; type: number }[]> {
  const r = await http(`${api(i)}/evidence`);
  expect(r.status).toBe(200);
  return r.body.evidence;
}

async function gossipCount(i: number, kind: string, code: string): Promise<number> {
  const m = await node(i).node.metrics.gossip.get();
  return m.values.filter((v) => v.labels.kind === kind && v.labels.code === code).reduce((s, v) => s + v.value, 0);
}

beforeAll(async () => {
  dir = await makeTempDir("inproc");
  const p2pBase = await reservePortRange(N);
  const res = await initHomes({
    withApp: false, // these tests post opaque transactions
    home: dir,
    validators: N,
    chainId: CHAIN_ID,
    host: HOST,
    p2pBasePort: p2pBase,
    apiBasePort: 1, // overridden with port 0 at start
    consensus: { createEmptyBlocksIntervalMs: 100, rebroadcastIntervalMs: 500 },
    timeouts: { timeouts: { proposeMs: 1500, proposeDeltaMs: 250, prevoteMs: 400, prevoteDeltaMs: 200, precommitMs: 400, precommitDeltaMs: 200 } },
  });
  homes = res.nodes;
  secretKeys = await Promise.all(homes.map(async (h) => (await loadValidatorKey(h.home))!));
  const genesis = await loadGenesis(homes[0]!.home);
  validatorIndexOfNode = secretKeys.map((sk) => genesis.validatorSet.validators.findIndex((v) => bytesEqual(v.blsPublicKey, blsPublicKeyFromSecret(sk))));
  expect([...validatorIndexOfNode].sort()).toEqual([0, 1, 2, 3]);
  // Three of four validators (3/4 of the power > 2/3) start; the fourth joins late (first test).
  for (let i = 0; i < N - 1; i++) await startNode(i);
});

afterAll(async () => {
  for (const net of [...extraPeers]) await net.stop().catch(() => {});
  for (let i = 0; i < N; i++) {
    await running[i]?.stop().catch(() => {});
    running[i] = null;
  }
  await removeDir(dir);
});

test("a late joiner syncs by range, then follows consensus with identical hashes", async () => {
  await waitForHeight(8);
  const joinAt = minHeight();
  const n3 = await startNode(3);
  const consensusCommits: number[] = [];
  n3.node.engine.on("commit", (c) => {
    if (c.finalityMs !== null) consensusCommits.push(c.height);
  });
  // It catches up by range sync (blocks with certificates from peers)...
  await waitFor(() => n3.node.engine.height >= joinAt, 60_000, `node3 synced to ${joinAt} (at ${n3.node.engine.height})`);
  const synced = logs[3]!.filter((r) => r.msg === "applying synced block").map((r) => r.fields.height as number);
  expect(synced.length).toBeGreaterThan(0);
  expect(synced).toContain(1);
  // ...and then decides heights itself through consensus.
  await waitFor(() => consensusCommits.length >= 3, 60_000, "node3 commits through consensus");
  await waitForHeight(n3.node.engine.height + 2);
  const top = minHeight();
  for (let h = 1; h <= top; h++) {
    const hashes = await Promise.all(running.map((r) => r!.node.db.blocks.getBlockHashAt(h)));
    for (const x of hashes) expect(toHex(x!)).toBe(toHex(hashes[0]!));
  }
});

test("all nodes agree on every block; every certificate is valid; API shapes", async () => {
  await ensureAllRunning();
  await waitForHeight(5);
  const top = minHeight();
  const genesis = node(0).node.genesis;
  for (let h = 1; h <= top; h++) {
    const blocks = await Promise.all(running.map((r) => r!.node.db.blocks.getBlock(h)));
    const hash = computeBlockHash(blocks[0]!.header);
    for (let i = 0; i < N; i++) {
      expect(toHex(computeBlockHash(blocks[i]!.header))).toBe(toHex(hash));
      const cert = await node(i).node.db.blocks.getCertificate(h);
      expect(cert).toBeDefined();
      expect(() =>
        assertValidCommitCertificate(cert!, { chainId: CHAIN_ID, validatorSet: genesis.validatorSet, expectedHeight: h, expectedBlockHash: hash }),
      ).not.toThrow();
    }
  }

  // The API serves the same data: certificate { bls, zk: null } that verifies, block with ISO-ms time.
  for (let h = 1; h <= Math.min(top, 5); h++) {
    const c = await http(`${api(h % N)}/certificates/${h}`);
    expect(c.status).toBe(200);
    expect(c.body.zk).toBeNull();
    expect(c.body.bls).toEqual(expect.objectContaining({ height: h, signature: expect.any(String), signers: expect.any(String) }));
    const b = await http(`${api(h % N)}/blocks/${h}`);
    expect(b.status).toBe(200);
    expect(b.body.header.height).toBe(h);
    expect(b.body.header.time).toMatch(ISO_MS);
    expect(b.body.header.chainId).toBe(CHAIN_ID);
    expect(b.body.blockHash).toBe(c.body.blockHash);
    const cert: CommitCertificate = {
      height: c.body.bls.height,
      round: c.body.bls.round,
      blockHash: fromHex(c.body.bls.blockHash),
      signers: fromHex(c.body.bls.signers),
      signature: fromHex(c.body.bls.signature),
    };
    assertValidCommitCertificate(cert, { chainId: CHAIN_ID, validatorSet: genesis.validatorSet, expectedHeight: h, expectedBlockHash: fromHex(b.body.blockHash) });
    expect(BigInt(c.body.bls.signedPower) * 3n).toBeGreaterThan(BigInt(c.body.bls.totalPower) * 2n);
  }
  // A stored succinct certificate (the committed vector's proof, filed at height 2): shown at its
  // height, and named as what finalizes the heights below it; none above.
  const zkVector = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), "..", "vectors", "zkCertificates.json"), "utf8")).certificate;
  const zkCert = {
    ...zkVector,
    chainId: CHAIN_ID,
    height: 2,
    blockHash: fromHex(zkVector.blockHash),
    validatorSetRoot: BigInt(zkVector.validatorSetRoot),
    nextValidatorSetRoot: BigInt(zkVector.nextValidatorSetRoot),
    signers: BigInt(zkVector.signers),
    prover: fromHex(zkVector.prover),
    proof: fromHex(zkVector.proof),
  };
  expect(await node(0).node.db.zkCertificates.put(zkCert)).toBe(true);
  expect(await node(0).node.db.zkCertificates.put({ ...zkCert, signers: 15n })).toBe(false); // the first one stays
  const [z1, z2, z3] = await Promise.all([1, 2, 3].map((h) => http(`${api(0)}/certificates/${h}`)));
  expect(z1.body).toMatchObject({ zk: null, zkFinalizedBy: 2 });
  expect(z2.body.zkFinalizedBy).toBe(2);
  expect(z2.body.zk).toEqual({
    circuit: "quorum4",
    height: 2,
    time: zkVector.time,
    blockHash: zkVector.blockHash,
    validatorSetRoot: zkVector.validatorSetRoot,
    nextValidatorSetRoot: zkVector.nextValidatorSetRoot,
    signers: zkVector.signers,
    signerIndices: [1, 2, 3],
    prover: zkVector.prover,
    proof: zkVector.proof,
    publicSignals: getZkPublicSignals(zkCert),
  });
  expect(z3.body).toMatchObject({ zk: null, zkFinalizedBy: null });
  const s = await http(`${api(0)}/status`);
  expect(s.status).toBe(200);
  expect(s.body).toEqual(expect.objectContaining({ chainId: CHAIN_ID, validatorSetSize: N }));
  expect(s.body.latestBlockTime).toMatch(ISO_MS);
});

test("API: /validators, /blocks/latest, /headers, /commits, /metrics", async () => {
  await ensureAllRunning();
  const v = await http(`${api(1)}/validators`);
  expect(v.status).toBe(200);
  expect(v.body.totalPower).toBe(String(100 * N));
  expect(v.body.validators).toHaveLength(N);
  expect(v.body.validators.map((x: { moniker: string }) => x.moniker).sort()).toEqual(homes.map((h) => h.moniker).sort());
  v.body.validators.forEach((x: { index: number; power: string }, i: number) => {
    expect(x.index).toBe(i);
    expect(x.power).toBe("100");
  });
  // Each node's validatorIndex in /status names its own moniker in /validators.
  for (let i = 0; i < N; i++) {
    const s = (await http(`${api(i)}/status`)).body;
    expect(v.body.validators[s.validatorIndex].moniker).toBe(homes[i]!.moniker);
  }
  const latest = await http(`${api(2)}/blocks/latest`);
  expect(latest.status).toBe(200);
  expect(latest.body.header.height).toBeGreaterThanOrEqual(1);
  const hdr = await http(`${api(2)}/headers/${latest.body.header.height}`);
  expect(hdr.body.blockHash).toBe(latest.body.blockHash);
  expect(hdr.body.header.time).toMatch(ISO_MS);
  const commits = await http(`${api(0)}/commits?limit=3`);
  expect(commits.status).toBe(200);
  expect(commits.body.commits.length).toBeGreaterThanOrEqual(1);
  expect(commits.body.commits.length).toBeLessThanOrEqual(3);
  for (const c of commits.body.commits) expect(c.time).toMatch(ISO_MS);
  const m = await fetch(`${api(0)}/metrics`);
  expect(m.status).toBe(200);
  const text = await m.text();
  expect(text).toMatch(/^aegis_consensus_height \d+/m);
  expect(text).toMatch(/aegis_p2p_peers \d+/);
});

test("a node stopped gracefully and started again from its home resumes from disk and rejoins", async () => {
  await ensureAllRunning();
  const i = 1;
  const before = node(i).node.engine.height;
  await node(i).stop();
  running[i] = null;
  // The other three go on without it.
  await waitFor(() => Math.min(...running.filter((r) => r).map((r) => r!.node.engine.height)) >= before + 2, 60_000, "three nodes progress");
  const r = await startNode(i);
  expect(r.node.engine.height).toBeGreaterThanOrEqual(before);
  const target = Math.max(...heights()) + 2;
  await waitForHeight(target);
  for (let x = Math.max(1, before - 2); x <= target; x++) {
    const hashes = await Promise.all(running.map((q) => q!.node.db.blocks.getBlockHashAt(x)));
    for (const y of hashes) expect(toHex(y!)).toBe(toHex(hashes[0]!));
  }
});

test("a transaction POSTed to node0 is committed in the same block on every node", async () => {
  await ensureAllRunning();
  const tx = randomBytes(48);
  const b64 = tx.toString("base64");
  const from = node(0).node.engine.height;
  const r = await http(`${api(0)}/txs`, { method: "POST", body: JSON.stringify({ tx: b64 }) });
  expect(r.status).toBe(202);
  expect(r.body.added).toBe(true);
  // Posting it again is not an error (duplicate).
  const again = await http(`${api(0)}/txs`, { method: "POST", body: JSON.stringify({ tx: b64 }) });
  expect(again.status).toBe(202);
  expect(again.body.added).toBe(false);

  const findIn = async (i: number): Promise<number | null> => {
    const db = node(i).node.db;
    const top = node(i).node.engine.height;
    for (let h = Math.max(1, from); h <= top; h++) {
      const b = await db.blocks.getBlock(h);
      if (b?.txs.some((t) => bytesEqual(t, tx))) return h;
    }
    return null;
  };
  const height = await waitFor(() => findIn(0), 30_000, "tx committed on node0");
  await waitForHeight(height);
  const hash0 = await node(0).node.db.blocks.getBlockHashAt(height);
  for (let i = 0; i < N; i++) {
    expect(await findIn(i)).toBe(height);
    expect(toHex((await node(i).node.db.blocks.getBlockHashAt(height))!)).toBe(toHex(hash0!));
    const b = await http(`${api(i)}/blocks/${height}`);
    expect(b.body.txs).toContain(b64);
    expect(node(i).node.mempool.size).toBe(0);
  }
});

test("the certificate stream sends every new BLS certificate, and a stored ZK certificate, as JSON", async () => {
  await ensureAllRunning();
  const socket = new WebSocket(`${api(1).replace("http", "ws")}/stream/certificates`);
  const messages: { type: string; height: number; blockHash?: string; bls?: { signature: string; signers: string; round: number; blockHash: string; height: number }; zk?: { height: number } }[] = [];
  socket.on("message", (data) => messages.push(JSON.parse(String(data))));
  await new Promise<void>((resolve, reject) => (socket.once("open", () => resolve()), socket.once("error", reject)));
  await waitFor(() => messages.filter((m) => m.type === "bls").length >= 2, 30_000, "two BLS certificates streamed");
  const bls = messages.filter((m) => m.type === "bls");
  expect(bls[1]!.height).toBe(bls[0]!.height + 1);
  const genesis = node(1).node.genesis;
  const c = bls[0]!.bls!;
  assertValidCommitCertificate(
    { height: c.height, round: c.round, blockHash: fromHex(c.blockHash), signers: fromHex(c.signers), signature: fromHex(c.signature) },
    { chainId: CHAIN_ID, validatorSet: genesis.validatorSet, expectedHeight: bls[0]!.height, expectedBlockHash: fromHex(bls[0]!.blockHash!) },
  );
  const zkVector = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), "..", "vectors", "zkCertificates.json"), "utf8")).certificate;
  await node(1).node.db.zkCertificates.put({
    ...zkVector,
    chainId: CHAIN_ID,
    height: 3,
    blockHash: fromHex(zkVector.blockHash),
    validatorSetRoot: BigInt(zkVector.validatorSetRoot),
    nextValidatorSetRoot: BigInt(zkVector.nextValidatorSetRoot),
    signers: BigInt(zkVector.signers),
    prover: fromHex(zkVector.prover),
    proof: fromHex(zkVector.proof),
  });
  await waitFor(() => messages.some((m) => m.type === "zk"), 10_000, "the ZK certificate streamed");
  expect(messages.find((m) => m.type === "zk")).toMatchObject({ height: 3, zk: { height: 3, circuit: "quorum4" } });
  // The stream takes no messages: sending one closes it.
  const closed = new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));
  socket.send("hello");
  expect(await closed).toBe(1003);
});

test("bad API input gets 4xx JSON errors and the node keeps running", async () => {
  await ensureAllRunning();
  const base = api(0);
  const cases: [string, number, string | null][] = [
    ["/blocks/abc", 400, "API_ERROR_INVALID_HEIGHT"],
    ["/blocks/0", 400, "API_ERROR_INVALID_HEIGHT"],
    ["/blocks/-1", 400, "API_ERROR_INVALID_HEIGHT"],
    ["/blocks/1.5", 400, "API_ERROR_INVALID_HEIGHT"],
    ["/blocks/99999999999999999999", 400, "API_ERROR_INVALID_HEIGHT"],
    ["/blocks/999999", 404, "API_ERROR_NOT_FOUND"],
    ["/certificates/abc", 400, "API_ERROR_INVALID_HEIGHT"],
    ["/certificates/999999", 404, "API_ERROR_NOT_FOUND"],
    ["/headers/0", 400, "API_ERROR_INVALID_HEIGHT"],
    ["/no/such/route", 404, "API_ERROR_NOT_FOUND"],
    ["/commits?limit=0", 400, "API_ERROR_INVALID_LIMIT"],
    ["/commits?limit=abc", 400, "API_ERROR_INVALID_LIMIT"],
  ];
  for (const [path, status, code] of cases) {
    const r = await http(base + path);
    expect({ path, status: r.status }).toEqual({ path, status });
    expect(typeof r.body.error?.message).toBe("string");
    if (code) expect(r.body.error.code).toBe(code);
  }
  const posts: [string, string | undefined][] = [
    ["{}", "application/json"],
    ['{"tx": 5}', "application/json"],
    ['{"tx": "not base64!"}', "application/json"],
    ['{"tx": ""}', "application/json"],
    ["null", "application/json"],
    ["[1,2]", "application/json"],
    ["{not json", "application/json"],
    ["tx=abc", "text/plain"],
  ];
  for (const [body, contentType] of posts) {
    const r = await http(`${base}/txs`, { method: "POST", body, contentType });
    expect({ body, status: r.status }).toEqual({ body, status: 400 });
    expect(typeof r.body.error?.code).toBe("string");
  }
  // Oversized tx (> 1 MiB decoded) is refused with 400, not a crash.
  const big = await http(`${base}/txs`, { method: "POST", body: JSON.stringify({ tx: Buffer.alloc(1024 * 1024 + 1, 1).toString("base64") }) });
  expect(big.status).toBe(400);
  expect(node(0).node.mempool.size).toBe(0);

  const h = node(0).node.engine.height;
  await waitFor(async () => (await http(`${base}/status`)).body.height >= h + 2, 30_000, "node0 keeps committing after bad API input");
});

test("hostile gossip through validateVote / validateProposal gets the right GossipError codes", async () => {
  await ensureAllRunning();
  const n0 = node(0).node;
  const set = n0.genesis.validatorSet;
  const schedule = new ProposerSchedule(set, 1);
  const evidenceBefore = (await evidenceOf(0)).length;
  const hash = () => new Uint8Array(randomBytes(32));

  // Malformed protobuf.
  await expectGossipError(n0.gossip.validateVote(Uint8Array.of(0xff, 0xff, 0xff, 0xff)), "GOSSIP_ERROR_MALFORMED");
  await expectGossipError(() => n0.gossip.validateProposal(Uint8Array.of(0x0a, 0xff, 0x01)), "GOSSIP_ERROR_MALFORMED");
  // A vote with a wrong field size is malformed too.
  const good = signVote(keyOfValidatorIndex(0), { type: VoteType.Prevote, height: n0.engine.height + 1, round: 0, blockHash: hash() }, 0);
  await expectGossipError(n0.gossip.validateVote(encodeVote({ ...good, signature: new Uint8Array(10) })), "GOSSIP_ERROR_MALFORMED");

  // A correctly signed vote is accepted (control).
  {
    const h = n0.engine.height + 1;
    const v = signVote(keyOfValidatorIndex(1), { type: VoteType.Prevote, height: h + 1, round: 3, blockHash: hash() }, 1);
    await expect(n0.gossip.validateVote(encodeVote(v))).resolves.toEqual(expect.objectContaining({ validatorIndex: 1, height: h + 1 }));
  }

  // Invalid signature: validator 1's key claiming index 2; random signature bytes.
  {
    const h = n0.engine.height + 1;
    const v = signVote(keyOfValidatorIndex(1), { type: VoteType.Precommit, height: h, round: 0, blockHash: hash() }, 2);
    await expectGossipError(n0.gossip.validateVote(encodeVote(v)), "GOSSIP_ERROR_INVALID_SIGNATURE");
    const w = { ...v, signature: new Uint8Array(randomBytes(96)) };
    await expectGossipError(n0.gossip.validateVote(encodeVote(w)), "GOSSIP_ERROR_INVALID_SIGNATURE");
  }
  // Signed for another chain id.
  {
    const h = n0.engine.height + 1;
    const v = signVote(keyOfValidatorIndex(2), { type: VoteType.Prevote, height: h, round: 0, blockHash: hash() }, 2, "another-chain");
    await expectGossipError(n0.gossip.validateVote(encodeVote(v)), "GOSSIP_ERROR_INVALID_SIGNATURE");
  }
  // Index outside the validator set.
  {
    const h = n0.engine.height + 1;
    for (const idx of [N, N + 1, 1000]) {
      const v = signVote(keyOfValidatorIndex(0), { type: VoteType.Prevote, height: h, round: 0, blockHash: hash() }, idx);
      await expectGossipError(n0.gossip.validateVote(encodeVote(v)), "GOSSIP_ERROR_UNKNOWN_VALIDATOR");
    }
  }
  // Stale height (already committed) is ignored, not rejected.
  {
    const v = signVote(keyOfValidatorIndex(0), { type: VoteType.Prevote, height: 1, round: 0, blockHash: hash() }, 0);
    await expectGossipError(n0.gossip.validateVote(encodeVote(v)), "GOSSIP_ERROR_STALE");
    expect(getGossipAction("GOSSIP_ERROR_STALE")).toBe("ignore");
    // Far ahead is ignored too.
    const far = signVote(keyOfValidatorIndex(0), { type: VoteType.Prevote, height: n0.engine.height + 50, round: 0, blockHash: hash() }, 0);
    await expectGossipError(n0.gossip.validateVote(encodeVote(far)), "GOSSIP_ERROR_TOO_FAR_AHEAD");
  }
  // Oversized.
  await expectGossipError(n0.gossip.validateVote(new Uint8Array(4 * 1024 * 1024 + 1)), "GOSSIP_ERROR_TOO_LARGE");
  await expectGossipError(() => n0.gossip.validateProposal(new Uint8Array(4 * 1024 * 1024 + 1)), "GOSSIP_ERROR_TOO_LARGE");

  // Proposals. Built against the node's tip synchronously right before validation (heights move).
  const proposal = (o: { chainId?: string; proposerIndex?: number; signerIndex?: number; badHash?: boolean; height?: number; round?: number } = {}): Uint8Array => {
    const tip = n0.engine.chainTip;
    const height = o.height ?? tip.height + 1;
    const round = o.round ?? 0;
    const expected = schedule.getProposerIndex(height, round);
    const proposerIndex = o.proposerIndex ?? expected;
    const block = createBlock({ tip: { ...tip, chainId: o.chainId ?? tip.chainId }, validatorSet: set, proposerIndex, txs: [], stateRoot: tip.stateRoot, lastCommit: null, evidence: [], now: Date.now() });
    const blockHash = o.badHash ? hash() : computeBlockHash(block.header);
    const signBytes = computeProposalSignBytes({ chainId: CHAIN_ID, height, round, polRound: -1, blockHash });
    const msg: ProposalMessage = {
      proposal: { height, round, polRound: -1, blockHash, proposerIndex, signature: blsSign(keyOfValidatorIndex(o.signerIndex ?? proposerIndex), signBytes) },
      block,
    };
    return encodeProposalMessage(msg);
  };
  // Control: a correct proposal for a future round validates.
  expect(n0.gossip.validateProposal(proposal({ round: 7 })).msg.proposal.round).toBe(7);
  await expectGossipError(() => n0.gossip.validateProposal(proposal({ chainId: "another-chain" })), "GOSSIP_ERROR_WRONG_CHAIN");
  {
    const h = n0.engine.height + 1;
    const wrong = (schedule.getProposerIndex(h, 0) + 1) % N;
    await expectGossipError(() => n0.gossip.validateProposal(proposal({ proposerIndex: wrong })), "GOSSIP_ERROR_WRONG_PROPOSER");
  }
  await expectGossipError(() => n0.gossip.validateProposal(proposal({ badHash: true })), "GOSSIP_ERROR_BLOCK_HASH_MISMATCH");
  {
    const h = n0.engine.height + 1;
    const wrongSigner = (schedule.getProposerIndex(h, 0) + 1) % N;
    await expectGossipError(() => n0.gossip.validateProposal(proposal({ signerIndex: wrongSigner })), "GOSSIP_ERROR_INVALID_SIGNATURE");
  }
  await expectGossipError(() => n0.gossip.validateProposal(proposal({ height: 1 })), "GOSSIP_ERROR_STALE");

  // Validation alone changed nothing.
  expect((await evidenceOf(0)).length).toBe(evidenceBefore);
  const h0 = n0.engine.height;
  await waitForHeight(h0 + 2);
});

test("a rogue peer publishing invalid gossip is penalised (score < 0) and changes nothing", async () => {
  await ensureAllRunning();
  const rogue = await startExtraPeer();
  const rogueId = rogue.peerId;
  const n0 = node(0).node;
  const set = n0.genesis.validatorSet;
  const schedule = new ProposerSchedule(set, 1);
  const evidenceBefore = await Promise.all(running.map((_, i) => evidenceOf(i)));
  const roundsSeen: number[] = [];
  const onCommit = (c: { round: number }) => roundsSeen.push(c.round);
  for (const r of running) r!.node.engine.on("commit", onCommit);
  const startHeights = heights();
  const invalidSigBefore = await gossipCount(0, "vote", "GOSSIP_ERROR_INVALID_SIGNATURE");

  try {
    // Precommits for a far round from two validators (1/2 of the power): if they were accepted they
    // would make the nodes skip to that round. Signatures are bad (wrong key / other chain).
    const FAR_ROUND = 200;
    for (let k = 0; k < 3; k++) {
      const h = n0.engine.height + 1;
      const badKey = signVote(keyOfValidatorIndex(0), { type: VoteType.Precommit, height: h, round: FAR_ROUND, blockHash: new Uint8Array(randomBytes(32)) }, 1);
      const otherChain = signVote(keyOfValidatorIndex(2), { type: VoteType.Precommit, height: h, round: FAR_ROUND, blockHash: new Uint8Array(randomBytes(32)) }, 2, "another-chain");
      await rogue.publish("vote", encodeVote(badKey));
      await rogue.publish("vote", encodeVote(otherChain));
      await rogue.publish("vote", Uint8Array.of(1, 2, 3, 4, 5));
      const unknown = signVote(keyOfValidatorIndex(0), { type: VoteType.Prevote, height: h, round: 0, blockHash: null }, 99);
      await rogue.publish("vote", encodeVote(unknown));
      // A proposal from the wrong proposer for the next height.
      const tip = n0.engine.chainTip;
      const wrong = (schedule.getProposerIndex(tip.height + 1, 0) + 1) % N;
      const block = createBlock({ tip, validatorSet: set, proposerIndex: wrong, txs: [], stateRoot: tip.stateRoot, lastCommit: null, evidence: [], now: Date.now() });
      const bh = computeBlockHash(block.header);
      const sig = blsSign(keyOfValidatorIndex(wrong), computeProposalSignBytes({ chainId: CHAIN_ID, height: tip.height + 1, round: 0, polRound: -1, blockHash: bh }));
      await rogue.publish("proposal", encodeProposalMessage({ proposal: { height: tip.height + 1, round: 0, polRound: -1, blockHash: bh, proposerIndex: wrong, signature: sig }, block }));
      // The right proposer's index, but a block hash that is not the block's; and a block of another chain.
      const right = schedule.getProposerIndex(tip.height + 1, 0);
      const rightBlock = createBlock({ tip, validatorSet: set, proposerIndex: right, txs: [], stateRoot: tip.stateRoot, lastCommit: null, evidence: [], now: Date.now() });
      const fake = new Uint8Array(randomBytes(32));
      const fakeSig = blsSign(keyOfValidatorIndex(right), computeProposalSignBytes({ chainId: CHAIN_ID, height: tip.height + 1, round: 0, polRound: -1, blockHash: fake }));
      await rogue.publish("proposal", encodeProposalMessage({ proposal: { height: tip.height + 1, round: 0, polRound: -1, blockHash: fake, proposerIndex: right, signature: fakeSig }, block: rightBlock }));
      const otherBlock = createBlock({ tip: { ...tip, chainId: "another-chain" }, validatorSet: set, proposerIndex: right, txs: [], stateRoot: tip.stateRoot, lastCommit: null, evidence: [], now: Date.now() });
      const ob = computeBlockHash(otherBlock.header);
      const obSig = blsSign(keyOfValidatorIndex(right), computeProposalSignBytes({ chainId: "another-chain", height: tip.height + 1, round: 0, polRound: -1, blockHash: ob }));
      await rogue.publish("proposal", encodeProposalMessage({ proposal: { height: tip.height + 1, round: 0, polRound: -1, blockHash: ob, proposerIndex: right, signature: obSig }, block: otherBlock }));
      await sleep(100);
    }
    // The network layer refuses to even send an oversized message.
    await expect(rogue.publish("vote", new Uint8Array(4 * 1024 * 1024 + 1))).rejects.toMatchObject({ code: "NETWORK_ERROR_MESSAGE_TOO_LARGE" });

    // The nodes that received the rogue's messages score it below zero.
    const scores = () => running.map((r) => r!.node.network.peerScore(rogueId));
    await waitFor(() => scores().every((x) => x < 0), 30_000, "rogue scored below 0 by every node");
    expect(node(0).node.network.peerScore(rogueId)).toBeLessThan(0);
    expect(await gossipCount(0, "vote", "GOSSIP_ERROR_INVALID_SIGNATURE")).toBeGreaterThan(invalidSigBefore);
    expect(await gossipCount(0, "vote", "GOSSIP_ERROR_MALFORMED")).toBeGreaterThan(0);
    expect(await gossipCount(0, "vote", "GOSSIP_ERROR_UNKNOWN_VALIDATOR")).toBeGreaterThan(0);
    expect(await gossipCount(0, "proposal", "GOSSIP_ERROR_WRONG_PROPOSER")).toBeGreaterThan(0);
    expect(await gossipCount(0, "proposal", "GOSSIP_ERROR_BLOCK_HASH_MISMATCH")).toBeGreaterThan(0);
    expect(await gossipCount(0, "proposal", "GOSSIP_ERROR_WRONG_CHAIN")).toBeGreaterThan(0);

    // Consensus went on, no evidence appeared, and nobody jumped to the far round.
    await waitFor(() => heights().every((h, i) => h >= startHeights[i]! + 3), 60_000, "nodes keep committing under rogue gossip");
    for (let i = 0; i < N; i++) expect(await evidenceOf(i)).toEqual(evidenceBefore[i]);
    expect(Math.max(...roundsSeen)).toBeLessThan(FAR_ROUND);
    for (const r of running) expect(r!.node.engine.round).toBeLessThan(FAR_ROUND);
    expect(logs.flat().some((r) => r.msg === "new round" && (r.fields.round as number) >= FAR_ROUND)).toBe(false);
  } finally {
    for (const r of running) r!.node.engine.off("commit", onCommit);
    await stopExtraPeer(rogue);
  }
});

test("two conflicting prevotes of one validator become DuplicateVoteEvidence on honest nodes; consensus goes on", async () => {
  await ensureAllRunning();
  const k = 2; // node2's validator is framed with its own key
  const sk = secretKeys[k]!;
  const vi = validatorIndexOfNode[k]!;
  expect(node(k).node.engine.validatorIndex).toBe(vi);
  const peer = await startExtraPeer();
  try {
    const published: { height: number; round: number }[] = [];
    const hasEvidence = async (i: number) => (await evidenceOf(i)).some((e) => e.validatorIndex === vi && e.type === VoteType.Prevote && published.some((p) => p.height === e.height && p.round === e.round));
    // The pair must arrive while its height is current; retry with the new height if the chain moved on.
    const deadline = Date.now() + 40_000;
    while (!(await hasEvidence(0))) {
      if (Date.now() > deadline) throw new Error("node0 recorded no evidence");
      const n0 = node(0).node;
      const height = n0.engine.height + 1;
      const round = n0.engine.round + 1; // a round nobody has voted in yet: both votes are ours
      const a = signVote(sk, { type: VoteType.Prevote, height, round, blockHash: new Uint8Array(randomBytes(32)) }, vi);
      const b = signVote(sk, { type: VoteType.Prevote, height, round, blockHash: new Uint8Array(randomBytes(32)) }, vi);
      published.push({ height, round });
      await peer.publish("vote", encodeVote(a));
      await peer.publish("vote", encodeVote(b));
      await waitFor(() => hasEvidence(0), 2000, "evidence").catch(() => {});
    }
    for (let i = 0; i < N; i++) {
      await waitFor(() => hasEvidence(i), 30_000, `node${i} records evidence against validator ${vi}`);
      const ev = (await evidenceOf(i)).find((e) => e.validatorIndex === vi)!;
      expect(ev).toEqual(expect.objectContaining({ validatorIndex: vi, type: VoteType.Prevote }));
    }
    const list = (await http(`${api(1)}/evidence`)).body.evidence;
    expect(list.every((e: { blockHashA: string; blockHashB: string }) => e.blockHashA !== e.blockHashB)).toBe(true);
    // Only the framed validator is named.
    for (let i = 0; i < N; i++) expect((await evidenceOf(i)).every((e) => e.validatorIndex === vi)).toBe(true);
    // Stale (already decided) but correctly signed votes are ignored, not penalised: the peer's valid
    // and stale messages leave its score non-negative.
    const staleBefore = await gossipCount(0, "vote", "GOSSIP_ERROR_STALE");
    for (let round = 0; round < 3; round++) {
      await peer.publish("vote", encodeVote(signVote(sk, { type: VoteType.Precommit, height: 1, round, blockHash: new Uint8Array(randomBytes(32)) }, vi)));
    }
    await waitFor(async () => (await gossipCount(0, "vote", "GOSSIP_ERROR_STALE")) >= staleBefore + 3, 30_000, "stale votes seen by node0");
    await sleep(GOSSIP_HEARTBEAT_MS * 2); // let a heartbeat refresh the score
    expect(node(0).node.network.peerScore(peer.peerId)).toBeGreaterThanOrEqual(0);
    const h = minHeight();
    await waitForHeight(h + 3);
    const top = minHeight();
    for (let x = Math.max(1, top - 5); x <= top; x++) {
      const hashes = await Promise.all(running.map((r) => r!.node.db.blocks.getBlockHashAt(x)));
      for (const y of hashes) expect(toHex(y!)).toBe(toHex(hashes[0]!));
    }
  } finally {
    await stopExtraPeer(peer);
  }
});
