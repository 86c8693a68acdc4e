/**
 * A consumer full node meets a real hub fork (test/helpers/forkNetwork.mjs: `aegis hub start`
 * processes, validators 0 and 1 of 30/30/30/10 run twins on the other side of a partition) and gets
 * through it by itself (decisions 50 and 51):
 * 1. Before the split a kv consumer (producer and full node in this process, test/helpers/forkConsumer.mjs)
 *    is hub-final on the full node. The producer follows and checkpoints through side X only; the full
 *    node follows validator 2 (side X) and validator 3 (side Y) and has an evidence account.
 * 2. After the split the full node's detector (every hub node asked for each newly verified height)
 *    sees two certified blocks at one height and halts: CONFLICTING_CERTIFICATES, persisted, shown by
 *    its API. When the two certificates are of one round, its EvidenceSubmitter gets the evidence on
 *    chain by itself. When they are of two rounds (the round-0 proposer was on one side only) the node
 *    halts all the same, and its evidence opens a fork case (decision 52) that convicts nobody within
 *    this test: then this test submits a same-round pair itself and says so.
 * 3. Side X tombstones and slashes exactly 0 and 1; 2 and 3 are untouched.
 * 4. Every block final before the split stays canonical with its hash, nothing final is dropped, and
 *    the node accepts no block and no finality while halted.
 * 5. The node resumes by itself (decision 51: a side-X header signed by a set without the guilty,
 *    certified by more than 2/3 of the post-slash stake) once side X is past its next epoch boundary
 *    (0 and 1 out of the set), and new consumer blocks become hub-final on it again. Its freeze counts
 *    0 and 1 as the guilty whether the pair it halted on was of one round (they are proved) or of two
 *    (they signed both commits: the most a case can convict).
 */
import { writeFile } from "node:fs/promises";
import { jest } from "@jest/globals";
import { StargateClient } from "@cosmjs/stargate";
import { bytesEqual, getSignerIndices, toHex, type FinalityMisbehaviour } from "@aegis/consumer-sdk";
import { decodeFinalityJson, type ChainEvent, type ConsumerNode, type HubFreezeRecord } from "@aegis/consumer-runtime";
import { KvEnvironment } from "../../consumer-runtime/test/helpers/kvEnvironment.js";
import { createForkNetwork, type ForkNetwork } from "../helpers/forkNetwork.mjs";
import {
  connectHubQueries,
  DEC_ONE,
  describeHub,
  findSameRoundFork,
  getCertifiedBlock,
  setIndexOf,
  splitAtRest,
  startForkConsumer,
  startTraffic,
  submitForkEvidence,
  type ForkConsumer,
  type HubQueries,
} from "../helpers/forkConsumer.mjs";
import { createCaptureLogger, makeTempDir, removeDir } from "../helpers/e2eUtils.js";

jest.setTimeout(240_000);

const CHAIN_ID = "aegis-cfork-1";
const CONSUMER = "kv-fork";
const EPOCH = 10;
const POWERS = [30n, 30n, 30n, 10n];
const TOKENS = POWERS.map((p) => p * 1_000_000n);
const COALITION = [0, 1];

let dir: string | undefined;
let net: ForkNetwork | undefined;
let fc: ForkConsumer | undefined;
let queries: HubQueries | undefined;
let sampler: NodeJS.Timeout | undefined;
let traffic: { stop(): Promise<void>; stats: { sent: number; failed: number } } | undefined;
const log = createCaptureLogger();
/** What happened, printed at the end whatever the outcome (a function: evaluated then). */
const summary: (string | (() => string))[] = [];

afterAll(async () => {
  if (summary.length) console.log(summary.map((x) => (typeof x === "string" ? x : x())).join("\n"));
  if (sampler) clearInterval(sampler);
  await traffic?.stop();
  queries?.close();
  await fc?.stop();
  await net?.stop(5000);
  // Kept with the homes (AEGIS_E2E_KEEP=1): the consumer nodes' logs, one JSON record a line.
  if (dir && process.env.AEGIS_E2E_KEEP === "1") {
    await writeFile(`${dir}/consumer-nodes.log`, log.records.map((r) => JSON.stringify(r, (_k, v) => (typeof v === "bigint" ? String(v) : v instanceof Uint8Array ? toHex(v) : v))).join("\n") + "\n");
  }
  await removeDir(dir);
});

const t0 = Date.now();
const timings: string[] = [];
const mark = (what: string) => timings.push(`${what} ${((Date.now() - t0) / 1000).toFixed(1)} s`);

interface Seen {
  at: number;
  type: "misbehaviour" | "resumed";
  /** The misbehaviour's kind (of the halt, or of the halt a resume lifted). */
  kind: FinalityMisbehaviour["kind"];
  hubHeight: number;
  /** At a halt: who the freeze names (empty: nobody proved, a cross-round or cross-tier pair). */
  guilty: number[];
  /** At a halt: the two hub block hashes (hex, sorted). */
  hashes: string[];
  finalHeight: number;
  finalHash: string | null;
  head: string;
  /** At a halt: the node's GET /finality asked at once (and when it answered), and the halt as written to disk. */
  api?: Promise<{ at: number; misbehaviour: string | null | undefined }>;
  stored?: Promise<HubFreezeRecord | undefined>;
}

test("a consumer full node detects a hub fork by itself, halts without losing anything final, gets the coalition slashed and follows the honest side again past the boundary", async () => {
  dir = await makeTempDir("consumerfork");
  const n = await createForkNetwork({
    dir,
    chainId: CHAIN_ID,
    powers: POWERS,
    epochLength: EPOCH,
    // Empty blocks ~1 s apart: the split happens in the pause after a commit (splitAtRest), when no
    // validator holds a polka of an undecided round (a restart in that state can stall the hub).
    consensus: { createEmptyBlocksIntervalMs: 1000, rebroadcastIntervalMs: 500 },
    timeouts: { timeouts: { proposeMs: 1500, proposeDeltaMs: 250, prevoteMs: 500, prevoteDeltaMs: 250, precommitMs: 500, precommitDeltaMs: 250 } },
    // A window far longer than the test: validator 3, absent from side X, is not jailed for downtime.
    slashing: { signedBlocksWindow: 10_000 },
  });
  net = n;
  await n.start();
  const api = n.nodes.map((m) => m.api);
  const hubHeight = async (url: string) => (await n.status(url))?.height ?? -1;
  await n.waitFor(async () => (await Promise.all(api.map(hubHeight))).every((h) => h >= 2), 60_000, "all four hub nodes at height 2");
  mark("hub up");

  // ---- 1. the consumer, hub-final on the full node before the split
  const c = await startForkConsumer({
    net: n,
    dir,
    consumerId: CONSUMER,
    env: () => new KvEnvironment(),
    producerApis: [api[0]!, api[1]!, api[2]!],
    checkpointApi: api[2]!,
    fullApis: [api[2]!, api[3]!],
    // A consumer block (so a checkpoint, so a newly verified hub height on the full node) every 1.5 s.
    producerEmptyBlockIntervalMs: 1500,
    producerLogger: log.child({ node: "producer" }),
    fullLogger: log.child({ node: "full" }),
  });
  fc = c;
  const seen: Seen[] = [];
  let headsWhileHalted = 0;
  const watch = (node: ConsumerNode) =>
    node.chain.on((e: ChainEvent) => {
      const chain = node.chain;
      if (e.type === "head") {
        if (chain.misbehaviour) headsWhileHalted++;
        return;
      }
      if (e.type !== "misbehaviour" && e.type !== "resumed") return;
      const f = chain.finalCheckpoint;
      const ev: FinalityMisbehaviour = e.type === "misbehaviour" ? e.event : e.after;
      const halted = e.type === "misbehaviour";
      // Read after halt() queued its write (the listener runs before it): the record on disk.
      const stored = halted ? new Promise<HubFreezeRecord | undefined>((resolve, reject) => queueMicrotask(() => chain.exclusive(() => chain.store.getFreeze()).then(resolve, reject))) : undefined;
      const apiAnswer = halted
        ? n.get(`${node.api.url}/finality`).then((j) => ({ at: Date.now(), misbehaviour: j === undefined ? undefined : decodeFinalityJson(j).misbehaviour }))
        : undefined;
      seen.push({
        at: Date.now(),
        type: e.type,
        kind: ev.kind,
        hubHeight: e.type === "resumed" ? e.hubHeight : ev.kind === "CONFLICTING_CERTIFICATES" ? ev.hubHeight : -1,
        guilty: e.type === "misbehaviour" ? [...(chain.freeze?.fork?.guilty ?? [])] : [],
        hashes: ev.kind === "CONFLICTING_CERTIFICATES" ? [toHex(ev.first.hubBlockHash), toHex(ev.second.hubBlockHash)].sort() : [],
        ...(stored ? { stored } : {}),
        ...(apiAnswer ? { api: apiAnswer } : {}),
        finalHeight: chain.finalHeight,
        finalHash: f ? toHex(f.blockHash) : null,
        head: toHex(chain.head.hash),
      });
    });
  watch(c.full);
  const finality = async () => decodeFinalityJson(await n.get(`${c.full.api.url}/finality`));
  await n.waitFor(async () => c.full.chain.finalHeight >= 5 || undefined, 60_000, "consumer height 5 hub-final on the full node");
  expect(await finality()).toMatchObject({ tier: "bls", misbehaviour: null });
  mark(`consumer final at ${c.full.chain.finalHeight}`);

  // Its final chain, which must never change.
  const finalBefore = c.full.chain.finalHeight;
  const finalHashes = Array.from({ length: finalBefore + 1 }, (_, h) => toHex(c.full.chain.canonicalNodeAt(h)!.hash));
  for (let h = 0; h <= finalBefore; h++) expect(toHex(c.producer.chain.canonicalNodeAt(h)!.hash)).toBe(finalHashes[h]);
  // Sampled all along: the final height never goes down and the final chain's blocks stay canonical.
  const dropped: string[] = [];
  let lastFinal = finalBefore;
  sampler = setInterval(() => {
    const chain = fc!.full.chain;
    if (chain.finalHeight < lastFinal) dropped.push(`final height ${lastFinal} -> ${chain.finalHeight}`);
    lastFinal = Math.max(lastFinal, chain.finalHeight);
    for (let h = 0; h <= finalBefore; h++) {
      const node = chain.canonicalNodeAt(h);
      if (!node || toHex(node.hash) !== finalHashes[h]) dropped.push(`block ${h} no longer canonical`);
    }
  }, 50);

  // ---- 2. split; the full node's detector finds the fork
  const { x, y, heightsBefore } = await splitAtRest(n, c, CONSUMER, { coalition: COALITION, x: [0, 1, 2], y: [3] });
  const tSplit = Date.now();
  mark("split");
  expect(x).toContain(api[2]);
  expect(y).toContain(api[3]);
  // Side Y gets no checkpoints: without traffic it would commit one empty block a second and fall
  // behind side X, and the detector only compares the latest verified height (a witness that has not
  // reached it is asked again, never at a lower height): keep Y committing at consensus speed.
  traffic = startTraffic(n, api[3]!, n.faucet!.mnemonic);
  const halt = await n.waitFor(() => seen.find((s) => s.type === "misbehaviour"), 90_000, "the full node halts on the fork").catch(async (e: Error) => {
    throw new Error(`${e.message}; hub: ${await describeHub(n)}; full node follower: ${JSON.stringify({ ...c.full.follower!.status, consumer: undefined })}`);
  });
  mark(`halted at hub height ${halt.hubHeight}`);
  expect(halt.kind).toBe("CONFLICTING_CERTIFICATES");
  const h = halt.hubHeight;
  expect(h).toBeGreaterThan(Math.min(...heightsBefore.map((v) => v ?? 0)));
  // The two blocks it saw are side X's and side Y's at h, both certified.
  const [bx, by] = await Promise.all([getCertifiedBlock(n, api[2]!, h), getCertifiedBlock(n, api[3]!, h)]);
  expect(bx && by).toBeTruthy();
  expect(toHex(bx!.blockHash)).not.toBe(toHex(by!.blockHash));
  const sameRound = bx!.certificate.round === by!.certificate.round;
  // Guilt is named exactly when the pair is of one round: then the coalition, nobody else.
  expect(halt.guilty).toEqual(COALITION.map((v) => setIndexOf(n, bx!.set, v)).sort((a, b) => a - b));
  const firstDetection = `${sameRound ? "same-round" : "cross-round"} (rounds X ${bx!.certificate.round} / Y ${by!.certificate.round})`;
  let evidenceHeight: number | undefined;
  let evidenceBy: string | undefined;
  let boundary: number | undefined;
  let resumedBy: string | undefined;
  let nodeCrossRoundEvidence: string | undefined;
  const rel = (t: number) => `${((t - tSplit) / 1000).toFixed(1)} s`;
  summary.push(() =>
    [
      `consumer fork: first detection ${firstDetection} at hub height ${h}, ${rel(halt.at)} after the split`,
      `  halts/resumes: ${seen.map((e) => `${e.type}@hub ${e.hubHeight}${e.type === "misbehaviour" ? ` guilty [${e.guilty.join(",")}]` : ""} +${rel(e.at)}`).join(", ")}`,
      `  evidence by ${evidenceBy ?? "-"}, in side X block ${evidenceHeight ?? "-"}; boundary ${boundary ?? "-"}; resumed by ${resumedBy ?? "-"}`,
      `  consumer final before the split ${finalBefore}, at the halt ${halt.finalHeight}, now ${c.full.chain.finalHeight}; side Y traffic ${JSON.stringify(traffic?.stats)}`,
      `  ${timings.join("; ")}`,
    ].join("\n"),
  );

  // The two blocks the node saw; the halt as written to disk; what its API showed at once (unless the
  // node had already resumed when the API answered: see step 5).
  expect(halt.hashes).toEqual([toHex(bx!.blockHash), toHex(by!.blockHash)].sort());
  const stored = await halt.stored!;
  expect(stored?.event).toMatchObject({ kind: "CONFLICTING_CERTIFICATES", hubHeight: h });
  expect(stored?.fork).toMatchObject({ height: h, guilty: halt.guilty });
  expect(stored!.fork!.signingSet.validators.map((v) => toHex(v.blsPublicKey))).toEqual(bx!.set.validators.map((v) => toHex(v.blsPublicKey)));
  const shown = await halt.api!;
  const resumedBefore = seen.some((e) => e.type === "resumed" && e.at < shown.at);
  if (!resumedBefore) expect(shown.misbehaviour).toBe(`CONFLICTING_CERTIFICATES at hub height ${h}`);

  // ---- 3. the evidence on side X: by the node itself (one round) or by this test (two rounds)
  queries = await connectHubQueries(n, api[2]!);
  const fraction = await queries.slashFractionDoubleSign();
  const expected = TOKENS.map((tokens, v) => (COALITION.includes(v) ? { tokens: tokens - (tokens * fraction) / DEC_ONE, jailed: true, tombstoned: true } : { tokens, jailed: false, tombstoned: false }));
  const json = (x: unknown) => JSON.stringify(x, (_k, v) => (typeof v === "bigint" ? String(v) : v));
  /** Side X's height when the slash was first seen there (an upper bound of the evidence's block). */
  const slashSeen = () =>
    n.waitFor(
      async () => {
        const hx = await hubHeight(api[2]!);
        return json(await queries!.standing()) === json(expected) ? hx : undefined;
      },
      60_000,
      "0 and 1 slashed on side X",
    );
  if (sameRound) {
    // The node's EvidenceSubmitter, by itself: the slash on side X, and its own record of the transaction.
    const seenAt = await slashSeen();
    const settled = await n.waitFor(() => c.full.evidence!.statuses.find((st) => st.hubHeight === h && st.state !== "pending"), 15_000, "the node's evidence settled").catch(() => undefined);
    if (settled) {
      expect(settled).toMatchObject({ tier: "bls", state: "slashed" });
      const sc = await StargateClient.connect(api[2]!);
      try {
        const tx = await sc.getTx(settled.txHash!);
        expect(tx?.code).toBe(0);
        evidenceHeight = tx!.height;
      } finally {
        sc.disconnect();
      }
      evidenceBy = `the node's EvidenceSubmitter (${settled.attempts} attempt(s))`;
    } else {
      // The slash is on chain but the submitter has not noticed: reported, not this test's subject.
      evidenceHeight = seenAt;
      evidenceBy = `the node's EvidenceSubmitter, WHOSE STATUS WAS STILL PENDING 15 s AFTER THE SLASH (${json(c.full.evidence!.statuses)}); the slash seen at side X height ${seenAt}`;
    }
  } else {
    // A pair of two rounds names nobody: the node hands it on all the same (since c68265c: the hub
    // opens a fork case that asks for the polkas, decision 52, whose deadline is a day by default),
    // so nothing slashes the coalition within this test but a same-round pair, sent by the test.
    const mine = await n.waitFor(() => c.full.evidence!.statuses.find((s) => s.hubHeight === h && s.state !== "pending"), 30_000, "the node's cross-round evidence settled").catch(() => undefined);
    nodeCrossRoundEvidence = mine ? `${mine.state}${"caseId" in mine && mine.caseId !== undefined ? ` (case ${String(mine.caseId)})` : ""}` : "not settled in 30 s";
    expect((await queries!.standing()).filter((st) => st.tombstoned)).toEqual([]);
    const common = Math.min(...heightsBefore.map((v) => v ?? 0));
    const pair = await findSameRoundFork(n, api[2]!, api[3]!, common + 1);
    const r = await submitForkEvidence(n, api[2]!, pair.evidence, n.faucet!.mnemonic);
    expect(r.code).toBe(0);
    evidenceHeight = r.height;
    evidenceBy = `THIS TEST (the node's first detection was cross-round; the node's own evidence: ${nodeCrossRoundEvidence}): a same-round pair at hub height ${pair.height}`;
    console.log(`consumer fork: the first detection (hub height ${h}) was cross-round; the test submitted same-round evidence at ${pair.height} itself`);
  }
  mark(`evidence in side X block ${evidenceHeight}`);

  // Exactly 0 and 1 tombstoned and slashed the double-sign fraction; 2 and 3 untouched.
  await slashSeen();
  expect(await queries.standing()).toEqual(expected);
  mark("slashed");

  // ---- 5. after side X's next boundary the set is {2, 3}; the node follows side X again
  boundary = Math.ceil(evidenceHeight! / EPOCH) * EPOCH;
  await n.waitFor(async () => (await hubHeight(api[2]!)) >= boundary + 2 || undefined, 60_000, `side X past the boundary ${boundary}`);
  const next = (await getCertifiedBlock(n, api[2]!, boundary + 1))!;
  expect(next.set.validators.map((v) => toHex(v.blsPublicKey)).sort()).toEqual([n.keys[2]!.blsPublicKey, n.keys[3]!.blsPublicKey].sort());
  expect(getSignerIndices(next.certificate.signers)).toEqual([setIndexOf(n, next.set, 2)]);
  mark(`side X past the boundary ${boundary}`);

  const finalAtHalt = halt.finalHeight;
  /**
   * Not halted, consumer blocks made after the halt final through a side-X header past the boundary,
   * and the node holding the final block on its chain (a node that was halted long catches up by sync).
   */
  const following = () => {
    const chain = c.full.chain;
    const f = chain.finalCheckpoint;
    if (chain.misbehaviour || f === undefined || f.hubHeight <= boundary! || chain.finalHeight <= finalAtHalt) return false;
    const atFinal = chain.canonicalNodeAt(f.height);
    return atFinal !== undefined && bytesEqual(atFinal.hash, f.blockHash);
  };
  // By itself, in both cases: a side-X header past the boundary, its set without 0 and 1.
  await n.waitFor(() => following() || undefined, 90_000, "the full node resumed by itself and following side X past the boundary");
  resumedBy = "itself";
  const resumes = seen.filter((e) => e.type === "resumed");
  expect(resumes.length).toBeGreaterThanOrEqual(1);
  // Each by the rule of decision 51, as the follower logged it, from a header past the boundary, and never halted again.
  const how = log.records.filter((r) => r.fields.node === "full" && r.msg === "resumed after a hub fork").map((r) => r.fields.by);
  expect(how).toEqual(resumes.map(() => "more than 2/3 of the post-slash stake"));
  for (const e of resumes) expect(e.hubHeight).toBeGreaterThan(boundary);
  expect(seen.filter((e) => e.type === "misbehaviour")).toHaveLength(1);
  mark(`following again, consumer final at ${c.full.chain.finalHeight}`);
  expect((await finality()).misbehaviour).toBeNull();

  // ---- 4. nothing final changed; nothing accepted while halted
  clearInterval(sampler);
  sampler = undefined;
  expect(dropped).toEqual([]);
  expect(headsWhileHalted).toBe(0);
  for (let hh = 0; hh <= finalBefore; hh++) {
    const node = c.full.chain.canonicalNodeAt(hh)!;
    expect(toHex(node.hash)).toBe(finalHashes[hh]);
    expect(c.full.chain.isFinal(hh, node.hash)).toBe(true);
  }
  // Each halt until the next resume: the final checkpoint and head did not move.
  for (let i = 0; i < seen.length; i++) {
    if (seen[i]!.type !== "misbehaviour") continue;
    const after = seen.slice(i + 1).find((s) => s.type === "resumed");
    if (!after) continue;
    expect([after.finalHeight, after.finalHash, after.head]).toEqual([seen[i]!.finalHeight, seen[i]!.finalHash, seen[i]!.head]);
  }
  // The chain it follows again is the producer's, final up to the new final height.
  const F = c.full.chain.finalHeight;
  for (let hh = 0; hh <= F; hh++) expect(bytesEqual(c.full.chain.canonicalNodeAt(hh)!.hash, c.producer.chain.canonicalNodeAt(hh)!.hash)).toBe(true);
  expect(await queries.standing()).toEqual(expected);
});
