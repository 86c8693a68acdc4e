// Hub forks against a consumer full node: how fast a real fork is caught, put on chain and slashed,
// and how long the node stays halted.
//
// Each fork is a fresh hub (test/helpers/forkNetwork.mjs: four `aegis hub start` processes, powers
// 30/30/30/10, epochs of 10 blocks, a signing window far longer than a fork) and a fresh ledger consumer run
// in this process with the built runtime (test/helpers/forkConsumer.mjs): a producer that follows and
// checkpoints through side X, and a full node that follows validator 2 (side X) and validator 3 (side Y)
// and has an evidence account. Once the consumer is hub-final on the full node, validators 0 and 1
// run twins on side Y (split: X = {0, 1, 2}, Y = {twin 0, twin 1, 3}); the split is made right after a
// commit (splitAtRest: a restart while a round holds an undecided polka can stall the hub, see the
// e2e test's report). Side Y is kept busy with bank sends (one per block): it gets no checkpoints, and
// the runtime's detector only compares the latest verified height, which a slower side never reaches
// (--no-y-traffic measures that case).
//
// Per fork, from the split's restart (all nodes answering again):
// - detect: the full node's chain emits `misbehaviour` (its detector saw the second certificate);
//   not caught when that does not happen within --bound-ms (default 60 s).
// - same-round or cross-round: the two certificates of the first detection. A cross-round pair's
//   evidence opens a fork case (decision 52), which convicts after its response period (a day here):
//   then this bench finds a same-round pair itself and submits it (counted as "evidence by bench").
// - on chain: the side-X block holding the evidence (from the EvidenceSubmitter's settled txHash, or
//   the bench's own tx) committed on node 2 (its /stream/certificates).
// - slash: a side-X query (staking + slashing, polled every 100 ms) shows 0 and 1 tombstoned with
//   reduced tokens. Honest slashed: 2 or 3 jailed, tombstoned or with fewer tokens at the end.
// - resume: the node is not halted and consumer blocks made after the halt are final through a
//   side-X header past the next epoch boundary; also the first `resumed` event and how many times the
//   node halted (it may resume before the boundary and halt again on a later height of side Y).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StargateClient } from "@cosmjs/stargate";
import { toHex } from "@aegis/consumer-sdk";
import { LedgerEnvironment } from "@aegis/consumer-chains";
import { createForkNetwork } from "../test/helpers/forkNetwork.mjs";
import {
  connectHubQueries,
  DEC_ONE,
  describeHub,
  findSameRoundFork,
  getCertifiedBlock,
  splitAtRest,
  startForkConsumer,
  startTraffic,
  submitForkEvidence,
} from "../test/helpers/forkConsumer.mjs";
import { percentile, printTable, writeResults } from "./lib.mjs";

const EPOCH = 10;
const POWERS = [30n, 30n, 30n, 10n];
const TOKENS = POWERS.map((p) => p * 1_000_000n);
const COALITION = [0, 1];
const CONSUMER = "ledger-fork";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function opt(args, name) {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}


/** A hub node's /stream/certificates: when each height committed there (reconnects until closed: the node restarts at the split). */
function watchCommits(url) {
  const commits = new Map();
  let ws;
  let closed = false;
  const open = () => {
    if (closed) return;
    ws = new WebSocket(`${url.replace(/^http/, "ws")}/stream/certificates`);
    ws.onmessage = (ev) => {
      try {
        const m = JSON.parse(String(ev.data));
        if (m.type === "bls" && !commits.has(m.height)) commits.set(m.height, Date.now());
      } catch {
        /* not JSON: ignored */
      }
    };
    ws.onerror = () => {};
    ws.onclose = () => void (closed || setTimeout(open, 100));
  };
  open();
  return {
    commits,
    close: () => {
      closed = true;
      try {
        ws?.close();
      } catch {
        /* already closed */
      }
    },
  };
}

const same = (a, b) => JSON.stringify(a, (_k, v) => (typeof v === "bigint" ? String(v) : v)) === JSON.stringify(b, (_k, v) => (typeof v === "bigint" ? String(v) : v));

/** One fork, measured. Never throws for the fork's own outcome (not caught, stuck...): those are recorded. */
async function runFork(i, { boundMs, yTraffic }) {
  const dir = await mkdtemp(join(tmpdir(), "aegis-bench-forks-"));
  const r = { fork: i, caught: false };
  let net;
  let fc;
  let traffic;
  let commits;
  let q;
  try {
    net = await createForkNetwork({
      dir,
      chainId: `aegis-bench-fork-${i}`,
      powers: POWERS,
      epochLength: EPOCH,
      consensus: { createEmptyBlocksIntervalMs: 1000, rebroadcastIntervalMs: 500 },
      timeouts: { timeouts: { proposeMs: 1500, proposeDeltaMs: 250, prevoteMs: 500, prevoteDeltaMs: 250, precommitMs: 500, precommitDeltaMs: 250 } },
      slashing: { signedBlocksWindow: 10_000 },
    });
    await net.start();
    const api = net.nodes.map((m) => m.api);
    const hubHeight = async (url) => (await net.status(url))?.height ?? -1;
    await net.waitFor(async () => (await Promise.all(api.map(hubHeight))).every((h) => h >= 2), 60_000, "all hub nodes at height 2");
    fc = await startForkConsumer({
      net,
      dir,
      consumerId: CONSUMER,
      env: () => new LedgerEnvironment({ consumerId: CONSUMER, genesis: { allocations: [] } }),
      vm: "ledger",
      producerApis: [api[0], api[1], api[2]],
      checkpointApi: api[2],
      fullApis: [api[2], api[3]],
      producerEmptyBlockIntervalMs: 1500,
    });
    const full = fc.full;
    const events = [];
    let headsWhileHalted = 0;
    full.chain.on((e) => {
      if (e.type === "head") {
        if (full.chain.misbehaviour) headsWhileHalted++;
        return;
      }
      if (e.type === "misbehaviour") events.push({ at: Date.now(), type: e.type, hubHeight: e.event.hubHeight ?? -1, guilty: [...(full.chain.freeze?.fork?.guilty ?? [])] });
      if (e.type === "resumed") events.push({ at: Date.now(), type: e.type, hubHeight: e.hubHeight });
    });
    await net.waitFor(() => full.chain.finalHeight >= 3 || undefined, 60_000, "consumer height 3 hub-final on the full node");
    const finalBefore = full.chain.finalHeight;
    const finalHashes = Array.from({ length: finalBefore + 1 }, (_, h) => toHex(full.chain.canonicalNodeAt(h).hash));
    commits = watchCommits(api[2]);

    const { heightsBefore } = await splitAtRest(net, fc, CONSUMER, { coalition: COALITION, x: [0, 1, 2], y: [3] });
    const tSplit = Date.now();
    if (yTraffic) traffic = startTraffic(net, api[3], net.faucet.mnemonic);
    q = await connectHubQueries(net, api[2]);
    const fraction = await q.slashFractionDoubleSign();
    const slashed = TOKENS.map((tokens, v) => (COALITION.includes(v) ? { tokens: tokens - (tokens * fraction) / DEC_ONE, jailed: true, tombstoned: true } : { tokens, jailed: false, tombstoned: false }));

    // ---- detection
    const deadline = tSplit + boundMs;
    while (!events.some((e) => e.type === "misbehaviour") && Date.now() < deadline) await sleep(20);
    const halt = events.find((e) => e.type === "misbehaviour");
    if (!halt) {
      r.hub = await describeHub(net);
      r.verifiedHubHeight = full.follower.status.verifiedHubHeight;
      return r;
    }
    r.caught = true;
    r.detect_ms = halt.at - tSplit;
    r.hubHeight = halt.hubHeight;
    const [bx, by] = await Promise.all([getCertifiedBlock(net, api[2], halt.hubHeight), getCertifiedBlock(net, api[3], halt.hubHeight)]);
    r.rounds = bx && by ? `${bx.certificate.round}/${by.certificate.round}` : "?";
    // The pair's rounds decide (a freeze across rounds also names who signed both commits, decision 51).
    r.firstDetection = bx && by && bx.certificate.round === by.certificate.round ? "same-round" : "cross-round";

    // ---- the slash, polled from the detection on (with side X's height before each poll: the block
    // that slashed is above the last height polled without it and at most the first polled with it)
    let tSlash;
    let slashedBetween;
    const slashPoll = (async () => {
      let before = -1;
      while (!tSlash && Date.now() < halt.at + 90_000) {
        try {
          const h = await hubHeight(api[2]);
          if (same(await q.standing(), slashed)) {
            tSlash = Date.now();
            slashedBetween = [before + 1, h];
          } else before = Math.max(before, h);
        } catch {
          /* the node is busy: next poll */
        }
        if (!tSlash) await sleep(100);
      }
    })();

    // ---- the evidence: the node's own, or (cross-round first detection) a same-round pair sent by the bench
    let evidenceHeight;
    if (r.firstDetection === "same-round") {
      r.evidenceBy = "node";
      // Settled by the node's EvidenceSubmitter; should its status stay "pending" while the slash is
      // already on side X, the slash poll bounds the block instead (recorded as such).
      await slashPoll;
      const settled = await net
        .waitFor(() => full.evidence.statuses.find((s) => s.hubHeight === halt.hubHeight && s.state !== "pending"), tSlash ? 15_000 : 60_000, "the node's evidence on chain")
        .catch(() => undefined);
      r.nodeEvidenceStatus = full.evidence.statuses.map((s) => ({ hubHeight: s.hubHeight, state: s.state, attempts: s.attempts, ...(s.lastError ? { lastError: s.lastError } : {}) }));
      if (!settled && slashedBetween) r.evidenceHeightFrom = `slash poll: in side X block ${slashedBetween[0]}..${slashedBetween[1]} (the node's status still pending)`;
      if (!settled && slashedBetween && slashedBetween[0] === slashedBetween[1]) evidenceHeight = slashedBetween[1];
      if (settled) {
        r.evidenceState = settled.state;
        r.evidenceAttempts = settled.attempts;
        const sc = await StargateClient.connect(api[2]);
        try {
          evidenceHeight = (await sc.getTx(settled.txHash))?.height;
        } finally {
          sc.disconnect();
        }
      }
    } else {
      r.evidenceBy = "bench";
      // The node hands a cross-round pair on too (a fork case, decision 52): its status at the detection
      // (see nodeEvidenceFinal for the end).
      r.nodeEvidenceStatus = full.evidence.statuses.map((s) => ({ hubHeight: s.hubHeight, state: s.state, attempts: s.attempts, ...(s.caseId !== undefined ? { caseId: s.caseId } : {}) }));
      const common = Math.min(...heightsBefore.map((v) => v ?? 0));
      const pair = await findSameRoundFork(net, api[2], api[3], common + 1);
      const tx = await submitForkEvidence(net, api[2], pair.evidence, net.faucet.mnemonic);
      r.evidenceState = tx.code === 0 ? "slashed" : tx.rawLog;
      evidenceHeight = tx.height;
    }
    r.evidenceHeight = evidenceHeight;
    if (evidenceHeight !== undefined) {
      await net.waitFor(() => commits.commits.get(evidenceHeight), 10_000, `the commit of ${evidenceHeight} on node 2`).catch(() => undefined);
      // Its commit on node 2 as the stream told it, else (the stream was reconnecting) the block's own time.
      const at = commits.commits.get(evidenceHeight) ?? (await getCertifiedBlock(net, api[2], evidenceHeight))?.header.time;
      r.onchainFrom = commits.commits.has(evidenceHeight) ? "stream" : "header time";
      if (at) r.detect_to_onchain_ms = at - halt.at;
    }
    await slashPoll;
    if (tSlash) {
      r.detect_to_slash_ms = tSlash - halt.at;
      if (r.detect_to_onchain_ms !== undefined) r.onchain_to_slash_ms = r.detect_to_slash_ms - r.detect_to_onchain_ms;
    }

    // ---- the resume: following side X past the next boundary
    const slashHeight = evidenceHeight ?? slashedBetween?.[1];
    if (slashHeight !== undefined) {
      const boundary = Math.ceil(slashHeight / EPOCH) * EPOCH;
      r.boundary = boundary;
      const finalAtHalt = full.chain.finalHeight;
      // Not halted, blocks made after the halt final through a side-X header past the boundary, and the final block held.
      const following = () => {
        const f = full.chain.finalCheckpoint;
        if (full.chain.misbehaviour || f === undefined || f.hubHeight <= boundary || full.chain.finalHeight <= finalAtHalt) return false;
        return toHex(full.chain.canonicalNodeAt(f.height)?.hash ?? new Uint8Array()) === toHex(f.blockHash);
      };
      // Done when following; given up when halted on a pair that names nobody (only the operator's
      // hub.resumeFrom lifts that) for 5 s with side X past the boundary, or after 90 s.
      const outcome = await net
        .waitFor(
          async () => {
            if (following()) return "following";
            const last = events.at(-1);
            const noGuilt = full.chain.misbehaviour && last?.type === "misbehaviour" && last.guilty.length === 0 && Date.now() - last.at > 5000;
            return noGuilt && (await hubHeight(api[2])) > boundary + 2 ? "no-guilt" : undefined;
          },
          90_000,
          "the full node following side X past the boundary",
        )
        .catch(() => "timeout");
      if (outcome === "following") r.detect_to_resume_ms = Date.now() - halt.at;
      else {
        const last = events.at(-1);
        r.stuck = last?.type === "misbehaviour" ? `halted at hub ${last.hubHeight}, guilty [${last.guilty.join(",")}]` : "not following";
        r.stuckKind = outcome === "no-guilt" ? (events.filter((e) => e.type === "misbehaviour").length === 1 ? "first-halt-cross-round" : "re-halt-cross-round") : "timeout";
      }
      const firstResume = events.find((e) => e.type === "resumed");
      if (firstResume) {
        r.detect_to_first_resumed_ms = firstResume.at - halt.at;
        r.firstResumeHubHeight = firstResume.hubHeight;
        r.firstResumeBeforeEvidence = firstResume.hubHeight < slashHeight;
      }
    }
    r.halts = events.filter((e) => e.type === "misbehaviour").length;
    r.haltsCrossRound = Math.max(0, events.filter((e) => e.type === "misbehaviour").length - 1); // halts after the first
    r.headsWhileHalted = headsWhileHalted;
    // What became of each piece of evidence the node kept, at the end of the fork.
    r.nodeEvidenceFinal = full.evidence.statuses.map((s) => ({ hubHeight: s.hubHeight, state: s.state, attempts: s.attempts, ...(s.caseId !== undefined ? { caseId: s.caseId } : {}), ...(s.lastError ? { lastError: s.lastError.slice(0, 200) } : {}) }));
    r.finalKept = finalHashes.every((hash, h) => toHex(full.chain.canonicalNodeAt(h)?.hash ?? new Uint8Array()) === hash);
    const standing = await q.standing();
    r.honestSlashed = [2, 3].filter((v) => standing[v].jailed || standing[v].tombstoned || standing[v].tokens !== TOKENS[v]).length;
    r.coalitionSlashed = same(standing.filter((_s, v) => COALITION.includes(v)), slashed.filter((_s, v) => COALITION.includes(v)));
    if (traffic) r.yTraffic = { ...traffic.stats };
    return r;
  } catch (e) {
    r.error = e instanceof Error ? e.message : String(e);
    if (net) r.hub = await describeHub(net).catch(() => undefined);
    return r;
  } finally {
    commits?.close();
    await traffic?.stop().catch(() => {});
    q?.close();
    await fc?.stop().catch(() => {});
    await net?.stop(5000).catch(() => {});
    await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  }
}

function stats(xs) {
  const v = xs.filter((x) => typeof x === "number" && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return { n: 0, p50_ms: null, p90_ms: null, max_ms: null };
  return { n: v.length, p50_ms: Math.round(percentile(v, 50)), p90_ms: Math.round(percentile(v, 90)), max_ms: Math.round(v.at(-1)) };
}

export async function run(args) {
  const quick = args.includes("--quick");
  const forks = Number(opt(args, "--forks") ?? (quick ? 3 : 20));
  const boundMs = Number(opt(args, "--bound-ms") ?? 60_000);
  const yTraffic = !args.includes("--no-y-traffic");
  if (!Number.isSafeInteger(forks) || forks < 1) throw new Error("--forks N: a positive integer");
  console.log(`forks: ${forks} fork(s), detection bound ${boundMs} ms, side Y traffic ${yTraffic ? "on" : "off"}\n`);
  const results = [];
  const t0 = Date.now();
  for (let i = 0; i < forks; i++) {
    const r = await runFork(i, { boundMs, yTraffic });
    results.push(r);
    console.log(
      `fork ${i}: ${r.error ? `ERROR ${r.error}` : r.caught ? `caught at hub ${r.hubHeight} (${r.firstDetection}, rounds ${r.rounds}) after ${r.detect_ms} ms; evidence by ${r.evidenceBy} in block ${r.evidenceHeight ?? "-"}; detect->slash ${r.detect_to_slash_ms ?? "-"} ms; resume ${r.detect_to_resume_ms ?? `- (${r.stuck ?? "?"})`} ms; halts ${r.halts}` : `NOT caught within ${boundMs} ms (${r.hub ?? ""})`}`,
    );
  }
  const caught = results.filter((r) => r.caught);
  const rows = [
    { measure: "split -> detect", ...stats(caught.map((r) => r.detect_ms)) },
    { measure: "detect -> on chain", ...stats(caught.map((r) => r.detect_to_onchain_ms)) },
    { measure: "on chain -> slash seen", ...stats(caught.map((r) => r.onchain_to_slash_ms)) },
    { measure: "detect -> slash seen", ...stats(caught.map((r) => r.detect_to_slash_ms)) },
    { measure: "detect -> first resumed event", ...stats(caught.map((r) => r.detect_to_first_resumed_ms)) },
    { measure: "detect -> resumed past the boundary", ...stats(caught.map((r) => r.detect_to_resume_ms)) },
    { measure: "  same-round first: detect -> slash", ...stats(caught.filter((r) => r.evidenceBy === "node").map((r) => r.detect_to_slash_ms)) },
  ];
  console.log("");
  const table = printTable(rows, ["measure", "n", "p50_ms", "p90_ms", "max_ms"]);
  const counts = {
    forksMade: results.length,
    errors: results.filter((r) => r.error).length,
    caught: caught.length,
    firstDetectionSameRound: caught.filter((r) => r.firstDetection === "same-round").length,
    firstDetectionCrossRound: caught.filter((r) => r.firstDetection === "cross-round").length,
    evidenceByNode: caught.filter((r) => r.evidenceBy === "node").length,
    nodeEvidenceSettledSlashed: caught.filter((r) => r.evidenceBy === "node" && r.evidenceState === "slashed").length,
    nodeEvidenceStillPendingAfterSlash: caught.filter((r) => r.evidenceBy === "node" && r.evidenceHeightFrom).length,
    evidenceByBench: caught.filter((r) => r.evidenceBy === "bench").length,
    coalitionSlashed: caught.filter((r) => r.coalitionSlashed).length,
    honestValidatorsSlashed: caught.reduce((s, r) => s + (r.honestSlashed ?? 0), 0),
    resumedPastBoundary: caught.filter((r) => r.detect_to_resume_ms !== undefined).length,
    haltedNoGuiltFirstHaltCrossRound: caught.filter((r) => r.stuckKind === "first-halt-cross-round").length,
    haltedNoGuiltReHaltAfterEarlyResume: caught.filter((r) => r.stuckKind === "re-halt-cross-round").length,
    haltedOtherTimeout: caught.filter((r) => r.stuckKind === "timeout").length,
    firstResumeBeforeEvidenceOnChain: caught.filter((r) => r.firstResumeBeforeEvidence).length,
    forksWithReHalts: caught.filter((r) => (r.halts ?? 0) > 1).length,
    reHaltsCrossRound: caught.reduce((s, r) => s + Math.max(0, (r.haltsCrossRound ?? 0) - (r.firstDetection === "cross-round" ? 1 : 0)), 0),
    finalChainKept: caught.filter((r) => r.finalKept).length,
    headsAcceptedWhileHalted: caught.reduce((s, r) => s + (r.headsWhileHalted ?? 0), 0),
  };
  console.log("");
  printTable(Object.entries(counts).map(([what, n]) => ({ what, n })), ["what", "n"]);
  console.log(`\n${((Date.now() - t0) / 1000).toFixed(0)} s in all`);
  await writeResults("forks", { config: { forks, boundMs, yTraffic, quick, powers: POWERS.map(String), epochLength: EPOCH, coalition: COALITION }, counts, table: rows, tableText: table, forks: results });
}
