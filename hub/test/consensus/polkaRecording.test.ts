/**
 * Polkas (decision 52) on a real network: four validators in this process over libp2p on loopback,
 * real LevelDB folders and real BLS. Every polka a node stores verifies against the set; a node
 * holds the polka behind each of its precommits, stored before the precommit was signed (checked at
 * every write of its signer guard); a height that needed a second round has the polkas of the
 * round that committed; a node with a retention keeps only its last heights; `GET /polkas/:height`
 * serves exactly what is stored, 404 without a block and 400 for a bad height.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  assertValidPolkaCertificate,
  bytesEqual,
  computeHubApiPath,
  computeVoteSignBytes,
  decodeApiErrorJson,
  decodePolkasJson,
  getSignerIndices,
  isSignerSet,
  VoteType,
  type CommitCertificate,
  type PolkaCertificate,
} from "@aegis/consumer-sdk";
import { SignStep, type SignerGuardRecord } from "../../src/db/index.js";
import { nullLogger } from "../../src/logger.js";
import { initHomes, type InitializedNode } from "../../src/node/initHomes.js";
import { startNodeFromHome, type RunningNode } from "../../src/node/runNode.js";

const N = 4;
const CHAIN_ID = "aegis-polkas-1";
/** Node 3 keeps the polkas of its last RETAIN heights only. */
const RETAIN = 3;

let dir: string;
let homes: InitializedNode[];
const running: (RunningNode | null)[] = Array.from({ length: N }, () => null);
/** Precommits for a block that a node signed, each checked against its stored polkas at the guard write. */
const guardChecks: { node: number; height: number; round: number }[] = [];
const violations: string[] = [];

const node = (i: number): RunningNode => running[i] ?? (() => { throw new Error(`node${i} is not running`); })();
const live = (): RunningNode[] => running.filter((r): r is RunningNode => r !== null);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (heights ${live().map((r) => r.node.engine.height).join(",")})`);
    await sleep(50);
  }
}

/**
 * Observes node i's signer guard: each record of a precommit for a block (the guard writes it,
 * synced, before the signature leaves) must find that block's polka of the round already stored.
 */
function watchGuard(i: number): void {
  const { db } = node(i).node;
  const put = db.guard.put.bind(db.guard);
  db.guard.put = async (record: SignerGuardRecord) => {
    if (record.step === SignStep.Precommit) {
      const nil = computeVoteSignBytes({ chainId: CHAIN_ID, height: record.height, round: record.round, type: VoteType.Precommit, blockHash: null });
      if (!bytesEqual(record.signBytes, nil)) {
        const polkas = await db.polkas.getPolkas(record.height);
        const found = polkas.some(
          (p) => p.round === record.round && bytesEqual(computeVoteSignBytes({ chainId: CHAIN_ID, height: p.height, round: p.round, type: VoteType.Precommit, blockHash: p.blockHash }), record.signBytes),
        );
        if (!found) violations.push(`node${i}: precommit at ${record.height}/${record.round} signed with no polka stored for its block`);
        guardChecks.push({ node: i, height: record.height, round: record.round });
      }
    }
    return put(record);
  };
}

async function startNode(i: number): Promise<void> {
  // Each node dials the ones started before it: a full mesh, every port picked by the OS.
  const bootstrap = live().map((r) => r.node.network.multiaddrs[0]!);
  running[i] = await startNodeFromHome(homes[i]!.home, {
    logger: nullLogger,
    config: (c) => ({
      ...c,
      api: { host: "127.0.0.1", port: 0 },
      p2p: { listen: ["/ip4/127.0.0.1/tcp/0"], bootstrap },
      consensus: { ...c.consensus, ...(i === 3 ? { polkaRetentionHeights: RETAIN } : {}) },
    }),
  });
  watchGuard(i);
}

/** The most complete certificate of `h` a node knows: the next block's last commit (late precommits in), else its own. */
async function certificateOf(r: RunningNode, h: number): Promise<CommitCertificate> {
  const next = await r.node.db.blocks.getBlock(h + 1);
  const cert = next?.lastCommit ?? (await r.node.db.blocks.getCertificate(h));
  if (!cert) throw new Error(`no certificate at ${h}`);
  return cert;
}

function assertPolkasValid(r: RunningNode, h: number, polkas: PolkaCertificate[]): void {
  const validatorSet = r.node.engine.getValidatorSet(h);
  for (const p of polkas) assertValidPolkaCertificate(p, { chainId: CHAIN_ID, validatorSet, expectedHeight: h });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "aegis-polkas-"));
  const res = await initHomes({
    withApp: false,
    home: dir,
    validators: N,
    chainId: CHAIN_ID,
    p2pBasePort: 1, // each node listens on port 0 (startNode)
    apiBasePort: 1,
    consensus: { createEmptyBlocksIntervalMs: 50, rebroadcastIntervalMs: 300 },
    timeouts: { timeouts: { proposeMs: 1000, proposeDeltaMs: 200, prevoteMs: 300, prevoteDeltaMs: 100, precommitMs: 300, precommitDeltaMs: 100 } },
  });
  homes = res.nodes;
  for (let i = 0; i < N; i++) await startNode(i);
}, 60_000);

afterAll(async () => {
  for (let i = 0; i < N; i++) {
    await running[i]?.stop().catch(() => {});
    running[i] = null;
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("four validators", () => {
  test("every stored polka verifies, every node has one at each committed height, and one behind each of its precommits", async () => {
    await waitFor("height 8 on every node", () => live().every((r) => r.node.engine.height >= 8));
    const top = Math.min(...live().map((r) => r.node.engine.height));
    let prunedSeen = 0;
    for (const [i, r] of running.entries()) {
      for (let h = 1; h <= top; h++) {
        const tipBefore = r!.node.engine.height;
        const polkas = await r!.node.db.polkas.getPolkas(h);
        const tipAfter = r!.node.engine.height;
        if (i === 3) {
          // At tip T the node has pruned every height up to T - 1 - RETAIN (the prune of T may be under way).
          if (h <= tipBefore - 1 - RETAIN) {
            expect({ node: i, h, polkas }).toEqual({ node: i, h, polkas: [] });
            prunedSeen++;
            continue;
          }
          if (h <= tipAfter - RETAIN) continue; // may have been pruned while it was read
        }
        assertPolkasValid(r!, h, polkas);
        expect({ node: i, h, count: polkas.length > 0 }).toEqual({ node: i, h, count: true });
        // A validator's precommit for the committed block (its bit in a certificate) came after the polka of that round.
        const cert = await certificateOf(r!, h);
        const self = r!.node.engine.validatorIndex!;
        if (isSignerSet(cert.signers, self)) {
          const behind = polkas.find((p) => p.round === cert.round && bytesEqual(p.blockHash, cert.blockHash));
          expect({ node: i, h, behind: behind !== undefined }).toEqual({ node: i, h, behind: true });
        }
        // All nodes agree on the polka of the committed round (one aggregate each, maybe of other signers).
        expect(polkas.every((p) => p.height === h && getSignerIndices(p.signers).length >= 3)).toBe(true);
      }
    }
    expect(prunedSeen).toBeGreaterThanOrEqual(1);
    expect(violations).toEqual([]);
    // The guard observer saw this node's precommits of (nearly) every height after it was attached.
    for (let i = 0; i < N; i++) expect(guardChecks.filter((c) => c.node === i).length).toBeGreaterThanOrEqual(top - 3);
  }, 120_000);

  test("GET /polkas/:height: what the node stored, the SDK decodes it, latest, an empty list once pruned, 404 above the tip, 400 for bad heights", async () => {
    const r = node(0);
    const get = async (path: string) => {
      const res = await fetch(r.api.url + path, { signal: AbortSignal.timeout(5000) });
      return { status: res.status, body: (await res.json()) as unknown };
    };
    const h = 3;
    const res = await get(computeHubApiPath("polkas", { height: h }));
    expect(res.status).toBe(200);
    // The JSON shape, field by field.
    const body = res.body as { height: number; polkas: Record<string, unknown>[] };
    expect(Object.keys(body)).toEqual(["height", "polkas"]);
    expect(body.height).toBe(h);
    expect(body.polkas.length).toBeGreaterThanOrEqual(1);
    for (const p of body.polkas) {
      expect(Object.keys(p)).toEqual(["round", "blockHash", "signers", "signature"]);
      expect(p.blockHash).toMatch(/^[0-9a-f]{64}$/);
      expect(p.signers).toMatch(/^([0-9a-f]{2})+$/);
      expect(p.signature).toMatch(/^[0-9a-f]{192}$/);
    }
    const decoded = decodePolkasJson(res.body);
    expect(decoded).toEqual({ height: h, polkas: await r.node.db.polkas.getPolkas(h) });
    assertPolkasValid(r, h, decoded.polkas);

    // "latest": the node's tip (blocks keep coming, so compare with what the answer names).
    const latest = await get("/polkas/latest");
    expect(latest.status).toBe(200);
    const l = decodePolkasJson(latest.body);
    expect(l.height).toBeGreaterThanOrEqual(h);
    expect(l.polkas).toEqual(await r.node.db.polkas.getPolkas(l.height));

    // Node 3 keeps RETAIN heights: an old height has its block and an empty list.
    const pruned = await fetch(`${node(3).api.url}/polkas/1`).then(async (x) => ({ status: x.status, body: await x.json() }));
    expect(pruned).toEqual({ status: 200, body: { height: 1, polkas: [] } });
    expect(decodePolkasJson(pruned.body)).toEqual({ height: 1, polkas: [] });

    const above = await get(`/polkas/${r.node.engine.height + 1000}`);
    expect({ status: above.status, code: decodeApiErrorJson(above.body).code }).toEqual({ status: 404, code: "API_ERROR_NOT_FOUND" });
    for (const bad of ["0", "-1", "abc", "1.5", "99999999999999999", "0x10"]) {
      const b = await get(`/polkas/${bad}`);
      expect({ bad, status: b.status, code: decodeApiErrorJson(b.body).code }).toEqual({ bad, status: 400, code: "API_ERROR_INVALID_HEIGHT" });
    }
  }, 60_000);

  test("a height that needs a second round (its proposer is gone) has the polkas of the round that committed, on every node", async () => {
    // Stop the proposer of an upcoming round 0: the other three (3/4 > 2/3) time out and commit in a later round.
    const from = Math.max(...live().map((r) => r.node.engine.height)) + 3;
    const proposer = node(1).node.engine.getProposerIndex(from, 0);
    const victim = running.findIndex((r) => r?.node.engine.validatorIndex === proposer);
    expect(victim).toBeGreaterThanOrEqual(0);
    await running[victim]!.stop();
    running[victim] = null;
    const later: { height: number; round: number; certificate: CommitCertificate }[] = [];
    const watcher = live()[0]!;
    watcher.node.engine.on("commit", (c) => {
      if (c.round > 0) later.push({ height: c.height, round: c.round, certificate: c.certificate });
    });
    await waitFor("a commit in a round above 0", () => later.length > 0, 60_000);
    const { height, round, certificate } = later[0]!;
    await waitFor(`height ${height} on every running node`, () => live().every((r) => r.node.engine.height >= height));
    const liveIndices = live().map((r) => r.node.engine.validatorIndex!).sort((a, b) => a - b);
    expect(liveIndices).toHaveLength(3);
    expect(getSignerIndices(certificate.signers)).toEqual(liveIndices);
    for (const r of live()) {
      const polkas = await r.node.db.polkas.getPolkas(height);
      assertPolkasValid(r, height, polkas);
      const committed = polkas.filter((p) => p.round === round && bytesEqual(p.blockHash, certificate.blockHash));
      expect({ node: r.node.config.moniker, round, committed: committed.length }).toEqual({ node: r.node.config.moniker, round, committed: 1 });
      // Three of four are left: the polka is exactly their three prevotes.
      expect(getSignerIndices(committed[0]!.signers)).toEqual(liveIndices);
      // The API serves the same.
      const res = await fetch(`${r.api.url}/polkas/${height}`).then((x) => x.json());
      expect(decodePolkasJson(res).polkas).toEqual(polkas);
    }
    expect(violations).toEqual([]);
  }, 120_000);
});
