// Consumer finality benchmark (issue 15): how long a consumer chain's block takes to become hub-final
// on a consumer full node (BLS tier), and to be covered by a succinct (ZK) certificate on the hub.
//
// Setup, all real processes on this machine: a 4-validator hub (the Devnet class, libp2p on
// loopback) with ZK certificates on (circuit quorum4, node0 proves) and one reference consumer chain
// (devnet `consumers: 1`: the ledger chain, a producer that checkpoints into the hub and a full node
// that follows the hub through its light client, each `aegis-consumer start`). The producer makes a
// block at most every 200 ms while transactions wait (an empty one a second otherwise); `--txs R`
// sends R ledger transfers a second to it (default 5; 0: idle).
//
// Everything is read from outside, through the processes' HTTP APIs, streams and logs:
// - the full node's GET /finality, polled every `--poll-ms` (25 ms): the first answer whose
//   hubFinalHeight reaches a block's height is when that block became hub-final there (the time the
//   answer arrived; the poll's round trip is reported), likewise zkFinalHeight for the ZK tier (when
//   the runtime follows it), and hubLatestHeight rising marks the follower's rounds. The producer's
//   /finality (for reference) and /status (checkpointsSent: when it sent a checkpoint) are polled too. Afterwards every measured block is read from the full node (GET /blocks/:h:
//   its header time, `final`, and its hash, which must be the producer's block at that height).
// - each hub node's WebSocket GET /stream/certificates: when each hub height committed there, and
//   when each ZK certificate was stored there.
// - the hub's checkpoints of the chain (GET /consumers/:id/inclusion/:height for every consumer
//   height: 404 where there is none): the hub height holding the first checkpoint at or above each
//   block, and `certificates.zkFinalizedBy` to check what the streams showed.
// - node0's GET /metrics (aegis_zk_messages_total{kind="attestation"}: its own "signed" and the
//   "accept"ed ones of the others), polled every 50 ms: when node0 held a quorum of attestations of
//   an attested height. Attestations are otherwise invisible from outside.
// - node0's log ("proved certificate" { height, ms }): when proving started and how long it took.
// Consumer block → hub-final (BLS tier) per block: produced (header time) → first poll that shows it
// final on the full node; its parts: → checkpoint sent → the hub block holding its first checkpoint
// (that block's header time), → committed (first hub node's commit stream), → the follower reads
// that height → final on the full node. Consumer block → ZK: → ZK-final on the full node
// (zkFinalHeight), and on the hub side → the first ZK certificate at a height ≥ that hub block stored
// on node0 (and on all four nodes); per certified height: block time → commit → attestation quorum
// on node0 → proof start → proof done → stored → on all nodes.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { CONSUMER_PORT_OFFSET, Devnet } from "@aegis/devnet";
import { loadGenesis } from "@aegis/hub";
import { fromHex } from "@aegis/consumer-sdk";
import { signLedgerTransfer } from "@aegis/consumer-chains";
import { fetchJson, percentile, printTable, writeResults } from "./lib.mjs";
import { freePortRange, portsFree } from "./ports.mjs";

const TAG = "aegis-bench-cfinality";
const COLUMNS = ["measure", "per", "n", "p50_ms", "p99_ms", "max_ms", "mean_ms", "target", "meets_target"];
const BLS_P50_TARGET_MS = 500;
const BLS_P99_TARGET_MS = 1500;
const METRICS_POLL_MS = 50;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function opt(args, name) {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** A free port base for the hub (p2p base.., API base+4..) whose consumer ports (+CONSUMER_PORT_OFFSET) are free too. */
async function pickPorts(count) {
  for (let i = 0; i < 50; i++) {
    const base = await freePortRange(count);
    if (await portsFree(base + CONSUMER_PORT_OFFSET, count)) return base;
  }
  throw new Error("no free port range");
}

function stats(xs) {
  const v = xs.filter((x) => x !== null && x !== undefined && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return { n: 0, p50_ms: null, p99_ms: null, max_ms: null, mean_ms: null };
  return { n: v.length, p50_ms: Math.round(percentile(v, 50)), p99_ms: Math.round(percentile(v, 99)), max_ms: Math.round(v.at(-1)), mean_ms: Math.round(v.reduce((s, x) => s + x, 0) / v.length) };
}

/** Polls `fn` every `everyMs` until `stop()`; `fn` gets the time the request was sent. */
function poller(everyMs, fn) {
  let running = true;
  const done = (async () => {
    while (running) {
      const a = Date.now();
      try {
        await fn(a);
      } catch {
        /* a failed poll is skipped (counted by fn when it matters) */
      }
      const wait = everyMs - (Date.now() - a);
      if (wait > 0) await sleep(wait);
    }
  })();
  return async () => {
    running = false;
    await done;
  };
}

/** The hub node's certificate stream: commit and ZK-store times by height (reconnects if dropped). */
function watchStream(api, out) {
  let ws;
  let closed = false;
  const open = () =>
    new Promise((res, rej) => {
      ws = new WebSocket(`${api.replace(/^http/, "ws")}/stream/certificates`);
      ws.onopen = () => res();
      ws.onerror = (e) => rej(e);
      ws.onmessage = (ev) => {
        const t = Date.now();
        const m = JSON.parse(String(ev.data));
        if (m.type === "bls" && !out.commits.has(m.height)) out.commits.set(m.height, t);
        if (m.type === "zk" && !out.zk.has(m.height)) out.zk.set(m.height, t);
      };
      ws.onclose = () => {
        if (closed) return;
        out.reconnects++;
        setTimeout(() => void open().catch(() => {}), 200);
      };
    });
  return {
    ready: open(),
    close: () => {
      closed = true;
      try {
        ws?.close();
      } catch {}
    },
  };
}

/** node0's attestation counters (its own signed + the others' accepted), summed. */
function attestationCount(text) {
  let n = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith("aegis_zk_messages_total{")) continue;
    const m = /^aegis_zk_messages_total\{([^}]*)\}\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...m[1].matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (labels.kind === "attestation" && (labels.result === "signed" || labels.result === "accept")) n += Number(m[2]);
  }
  return n;
}

export async function run(args) {
  const quick = args.includes("--quick");
  const seconds = Number(opt(args, "--seconds") ?? (quick ? 20 : 60));
  if (!Number.isInteger(seconds) || seconds < 5 || seconds > 3600) throw new Error("--seconds must be an integer from 5 to 3600");
  const txRate = Number(opt(args, "--txs") ?? 5);
  if (!Number.isFinite(txRate) || txRate < 0 || txRate > 200) throw new Error("--txs must be from 0 to 200 (transfers per second)");
  const pollMs = Number(opt(args, "--poll-ms") ?? 25);
  if (!Number.isInteger(pollMs) || pollMs < 5 || pollMs > 1000) throw new Error("--poll-ms must be an integer from 5 to 1000");
  const zkMode = opt(args, "--zk") ?? "prove";
  if (!["none", "prove"].includes(zkMode)) throw new Error("--zk must be none or prove");
  const withZk = zkMode === "prove";
  const validators = 4;
  const home = await mkdtemp(join(tmpdir(), `${TAG}-`));
  const base = await pickPorts(validators * 2);
  const devnet = new Devnet({
    home,
    validators,
    chainId: TAG,
    host: "127.0.0.1",
    p2pBasePort: base,
    apiBasePort: base + validators,
    ...(withZk ? { zkCircuit: "quorum4", zkProvers: [0] } : { zkCircuit: null }),
    consumers: 1,
    dashboardPort: null,
    log: (l) => console.error(`devnet: ${l}`),
  });
  const stops = [];
  const streams = [];
  try {
    const t0 = Date.now();
    const file = await devnet.start();
    const c = file.consumers[0];
    const producer = c.nodes.find((n) => n.role === "producer").api;
    const full = c.nodes.find((n) => n.role === "full").api;
    const apis = file.nodes.map((n) => n.api);
    const genesis = await loadGenesis(file.nodes[0].home);
    const pcfg = JSON.parse(await readFile(join(c.nodes.find((n) => n.role === "producer").home, "consumer.json"), "utf8"));
    const fcfg = JSON.parse(await readFile(join(c.nodes.find((n) => n.role === "full").home, "consumer.json"), "utf8"));
    const consumerTimers = {
      producerBlockIntervalMs: pcfg.producer?.blockIntervalMs ?? null,
      emptyBlockIntervalMs: pcfg.producer?.emptyBlockIntervalMs ?? null,
      checkpointIntervalMs: pcfg.hub?.checkpoints?.intervalMs ?? null,
      fullNodeFollowIntervalMs: fcfg.hub?.followIntervalMs ?? null,
      producerFollowIntervalMs: pcfg.hub?.followIntervalMs ?? null,
    };
    const zkGenesis = genesis.zk;
    if (withZk && !zkGenesis) throw new Error("the devnet has no ZK section in its genesis");
    // Attestations that make a quorum (> 2/3 of the power), the fewest validators that can.
    const powers = genesis.validatorSet.validators.map((v) => v.power).sort((a, b) => (a > b ? -1 : 1));
    let quorumCount = 0;
    for (let acc = 0n; 3n * acc <= 2n * genesis.validatorSet.totalPower; acc += powers[quorumCount++]);
    console.error(`devnet up in ${((Date.now() - t0) / 1000).toFixed(1)} s: hub ${apis[0]}, consumer ${c.id} producer ${producer}, full node ${full}; waiting for the first hub-final block…`);
    for (const deadline = Date.now() + 120_000; ; await sleep(250)) {
      const f = await fetchJson(`${full}/finality`).catch(() => null);
      if (f && f.hubFinalHeight >= 1) break;
      if (Date.now() > deadline) throw new Error("the full node saw nothing hub-final within 120 s");
    }

    // ---- the monitors
    const hub = apis.map(() => ({ commits: new Map(), zk: new Map(), reconnects: 0 }));
    for (const [i, api] of apis.entries()) streams.push(watchStream(api, hub[i]));
    await Promise.all(streams.map((s) => s.ready));
    const finality = { full: [], producer: [] };
    /** The full node's ZK tier: when its zkFinalHeight rose. */
    const zkFinal = [];
    const rtts = [];
    let misbehaviour = null;
    let pollErrors = 0;
    /** The full node's follower: when its reading of the hub's latest height rose (its first request of a round). */
    const followerSaw = [];
    for (const [name, api] of [["full", full], ["producer", producer]]) {
      let last = -1;
      let lastHub = -1;
      let lastZk = 0;
      stops.push(
        poller(pollMs, async () => {
          const a = Date.now();
          let f;
          try {
            f = await fetchJson(`${api}/finality`);
          } catch (e) {
            pollErrors++;
            throw e;
          }
          const t = Date.now();
          if (name === "full") rtts.push(t - a);
          if (f.misbehaviour) misbehaviour = f.misbehaviour;
          if (name === "full" && f.zkFinalHeight !== null && f.zkFinalHeight !== undefined && f.zkFinalHeight > lastZk) {
            zkFinal.push({ t, Z: f.zkFinalHeight });
            lastZk = f.zkFinalHeight;
          }
          if (name === "full" && f.hubLatestHeight !== null && f.hubLatestHeight > lastHub) {
            followerSaw.push({ t, hubLatest: f.hubLatestHeight });
            lastHub = f.hubLatestHeight;
          }
          if (f.hubFinalHeight !== last) {
            finality[name].push({ t, F: f.hubFinalHeight, hubHeight: f.hubHeight, tier: f.tier, head: f.height });
            last = f.hubFinalHeight;
          }
        }),
      );
    }
    // The producer's checkpoint submissions: its /status counter, polled like the finality.
    const sends = [];
    {
      let last = null;
      stops.push(
        poller(pollMs, async () => {
          const st = await fetchJson(`${producer}/status`);
          const t = Date.now();
          if (last !== null && st.checkpointsSent > last) sends.push({ t, count: st.checkpointsSent, head: st.height });
          last = st.checkpointsSent;
        }),
      );
    }
    const attestSamples = [];
    if (withZk) {
      stops.push(
        poller(METRICS_POLL_MS, async () => {
          const text = await (await fetch(`${apis[0]}/metrics`)).text();
          attestSamples.push({ t: Date.now(), n: attestationCount(text) });
        }),
      );
    }
    // ---- the load: ledger transfers from the chain's faucet to fresh addresses
    const load = { sent: 0, refused: 0, errors: 0 };
    let loadTimer;
    if (txRate > 0) {
      const sk = fromHex(c.faucet.secretKey);
      let nonce = (await fetchJson(`${producer}/query/accounts/${c.faucet.address}`)).nonce;
      let inFlight = 0;
      const send = async () => {
        if (inFlight >= 1) return; // one at a time: nonces arrive in order
        inFlight++;
        try {
          const tx = signLedgerTransfer({ chainId: c.id, to: randomBytes(20), amount: 1n, nonce }, sk);
          const r = await fetch(`${producer}/txs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ tx: Buffer.from(tx).toString("base64") }) });
          await r.body?.cancel();
          if (r.status === 202) {
            nonce++;
            load.sent++;
          } else {
            load.refused++;
            nonce = (await fetchJson(`${producer}/query/accounts/${c.faucet.address}`)).nonce;
          }
        } catch {
          load.errors++;
        } finally {
          inFlight--;
        }
      };
      loadTimer = setInterval(() => void send(), 1000 / txRate);
    }

    // Whether the full node follows the ZK tier itself (GET /finality zkFinalHeight not null).
    const followsZk = withZk && (await fetchJson(`${full}/finality`)).zkFinalHeight != null;
    const warm = quick ? 3 : 5;
    console.error(`warm-up ${warm} s, then ${seconds} s of measurement (${txRate} transfers/s, finality polled every ${pollMs} ms)…`);
    await sleep(warm * 1000);
    const loadStart = loadavg();
    const tStart = Date.now();
    const headStart = (await fetchJson(`${full}/status`)).height;
    await sleep(seconds * 1000);
    const tEnd = Date.now();
    const loadEnd = loadavg();
    const headEnd = (await fetchJson(`${producer}/status`)).height;
    // Drain: until every block of the window is final on the full node, and (ZK) a certificate on
    // every hub node covers the hub height that made the last one final.
    const drainStart = Date.now();
    let drained = false;
    for (const deadline = Date.now() + (withZk ? 120_000 : 30_000); Date.now() < deadline; await sleep(100)) {
      const step = finality.full.find((s) => s.F >= headEnd);
      if (!step) continue;
      if (!withZk) {
        drained = true;
        break;
      }
      const zkOnFull = zkFinal.length === 0 ? null : zkFinal.at(-1).Z;
      if (hub.every((n) => [...n.zk.keys()].some((h) => h >= step.hubHeight)) && (followsZk === false || (zkOnFull ?? 0) >= headEnd)) {
        drained = true;
        break;
      }
    }
    const drainS = (Date.now() - drainStart) / 1000;
    clearInterval(loadTimer);
    for (const s of stops) await s();
    for (const s of streams) s.close();
    if (!drained) console.error(`warning: not drained after ${drainS.toFixed(0)} s (some blocks of the window are not final / not ZK-covered yet)`);

    // ---- read back what happened
    const blocks = [];
    for (let h = Math.max(1, headStart - 2); h <= headEnd; h++) {
      const b = await fetchJson(`${full}/blocks/${h}`);
      if (b.header.time < tStart || b.header.time >= tEnd) continue;
      const p = await fetchJson(`${producer}/blocks/${h}`);
      blocks.push({ height: h, time: b.header.time, hash: b.hash, final: b.final, onProducerChain: p.hash === b.hash, txs: b.txs.length });
    }
    if (blocks.length === 0) throw new Error("no consumer block in the measurement window");
    // The hub's checkpoints of this chain from the window's first block up to what became final.
    const maxF = Math.max(...finality.full.map((s) => s.F));
    const checkpoints = [];
    for (let k = blocks[0].height; k <= maxF; k++) {
      const r = await fetch(`${apis[0]}/consumers/${c.id}/inclusion/${k}`);
      if (r.status === 404) {
        await r.body?.cancel();
        continue;
      }
      if (!r.ok) throw new Error(`inclusion ${k}: HTTP ${r.status}`);
      const j = await r.json();
      checkpoints.push({ height: j.checkpoint.height, blockHash: j.checkpoint.blockHash, hubHeight: j.hubHeight, zkFinalizedBy: j.certificates.zkFinalizedBy });
    }
    const hubHeights = new Set(checkpoints.map((x) => x.hubHeight));
    const firstCommit = (h) => {
      const ts = hub.map((n) => n.commits.get(h)).filter((x) => x !== undefined);
      return ts.length ? Math.min(...ts) : null;
    };
    // Consumer block times up to the last checkpoint (a checkpoint at K is sent after block K exists).
    const blockTime = new Map(blocks.map((b) => [b.height, b.time]));
    for (const cp of checkpoints) if (!blockTime.has(cp.height)) blockTime.set(cp.height, (await fetchJson(`${full}/blocks/${cp.height}`)).header.time);
    /**
     * When the producer sent the checkpoint at consumer height K, held by hub block h: the producer's
     * last submission seen before h committed (it sends the next one only once this one is on the hub),
     * and not before block K existed.
     */
    const sentAt = (K, h) => {
      const commit = firstCommit(h);
      const x = commit === null ? undefined : sends.filter((s) => s.t <= commit).at(-1);
      return x && x.t >= blockTime.get(K) ? x.t : null;
    };
    const zkHeights0 = [...hub[0].zk.keys()].sort((a, b) => a - b);
    const minHub = Math.min(...hubHeights);
    const maxHub = Math.max(...hubHeights, ...zkHeights0.filter((h) => h >= minHub));
    const hubHeaderTime = new Map();
    for (let h = Math.max(1, minHub - 1); h <= maxHub; h++) {
      const j = await fetchJson(`${apis[0]}/headers/${h}`).catch(() => null);
      if (j) hubHeaderTime.set(h, Date.parse(j.header.time));
    }
    /** First ZK certificate at or above hub height h: its height and when node0 / every node stored it. */
    const zkCover = (h) => {
      const H = zkHeights0.find((x) => x >= h);
      if (H === undefined) return null;
      const all = hub.map((n) => n.zk.get(H));
      return { height: H, node0: hub[0].zk.get(H), all: all.every((x) => x !== undefined) ? Math.max(...all) : null };
    };
    // Cross-check: the hub's own zkFinalizedBy for each checkpoint's hub height against the stream.
    let zkMismatch = 0;
    if (withZk) for (const cp of checkpoints) if (cp.zkFinalizedBy !== null && zkCover(cp.hubHeight)?.height !== cp.zkFinalizedBy) zkMismatch++;

    const finalAt = (steps, h) => steps.find((s) => s.F >= h) ?? null;
    const rows = [];
    const perBlock = blocks.map((b) => {
      const step = finalAt(finality.full, b.height);
      const pstep = finalAt(finality.producer, b.height);
      const cp = checkpoints.find((x) => x.height >= b.height) ?? null;
      const hubT = cp ? hubHeaderTime.get(cp.hubHeight) ?? null : null;
      const sentT = cp ? sentAt(cp.height, cp.hubHeight) : null;
      const commitT = cp ? firstCommit(cp.hubHeight) : null;
      const sawT = cp ? followerSaw.find((x) => x.hubLatest >= cp.hubHeight)?.t ?? null : null;
      const zk = withZk && cp ? zkCover(cp.hubHeight) : null;
      const zkHeaderT = zk ? hubHeaderTime.get(zk.height) ?? null : null;
      const zkFullT = followsZk ? zkFinal.find((x) => x.Z >= b.height)?.t ?? null : null;
      return {
        ...b,
        blsMs: step ? step.t - b.time : null,
        finalTier: step?.tier ?? null,
        producerMs: pstep ? pstep.t - b.time : null,
        checkpointHeight: cp?.height ?? null,
        hubHeight: cp?.hubHeight ?? null,
        toHubBlockMs: hubT !== null ? hubT - b.time : null,
        toSentMs: sentT !== null ? sentT - b.time : null,
        sentToHubBlockMs: sentT !== null && hubT !== null ? hubT - sentT : null,
        hubBlockToCommitMs: hubT !== null && commitT !== null ? commitT - hubT : null,
        commitToFinalMs: step && commitT !== null ? step.t - commitT : null,
        commitToFollowerMs: sawT !== null && commitT !== null ? sawT - commitT : null,
        followerToFinalMs: sawT !== null && step ? step.t - sawT : null,
        finalViaHubHeight: step?.hubHeight ?? null,
        zkHeight: zk?.height ?? null,
        zkMs: zk?.node0 !== undefined && zk ? zk.node0 - b.time : null,
        zkAllMs: zk?.all ? zk.all - b.time : null,
        zkFullMs: zkFullT !== null ? zkFullT - b.time : null,
        zkStoredToFullMs: zkFullT !== null && zk?.node0 !== undefined && zk ? zkFullT - zk.node0 : null,
        hubBlockToZkBlockMs: zkHeaderT !== null && hubT !== null ? zkHeaderT - hubT : null,
        zkBlockToStoredMs: zkHeaderT !== null && zk?.node0 !== undefined ? zk.node0 - zkHeaderT : null,
      };
    });
    const bad = perBlock.filter((b) => !b.final || !b.onProducerChain);
    const bls = stats(perBlock.map((b) => b.blsMs));
    rows.push({ measure: "BLS tier: consumer block → hub-final on the full node", per: "block", ...bls, target: `p50 ≤ ${BLS_P50_TARGET_MS}, p99 ≤ ${BLS_P99_TARGET_MS}`, meets_target: bls.n ? (bls.p50_ms <= BLS_P50_TARGET_MS && bls.p99_ms <= BLS_P99_TARGET_MS ? "yes" : `no (p50 ${bls.p50_ms <= BLS_P50_TARGET_MS ? "ok" : "over"}, p99 ${bls.p99_ms <= BLS_P99_TARGET_MS ? "ok" : "over"})`) : "-" });
    rows.push({ measure: "  block → hub block holding its first checkpoint (hub header time)", per: "block", ...stats(perBlock.map((b) => b.toHubBlockMs)) });
    rows.push({ measure: "    of which: block → its checkpoint sent (producer /status poll)", per: "block", ...stats(perBlock.map((b) => b.toSentMs)) });
    rows.push({ measure: "    of which: checkpoint sent → hub block holding it (header time)", per: "block", ...stats(perBlock.map((b) => b.sentToHubBlockMs)) });
    rows.push({ measure: "  hub header time → committed (first hub node's stream)", per: "block", ...stats(perBlock.map((b) => b.hubBlockToCommitMs)) });
    rows.push({ measure: "  hub commit → hub-final on the full node (follower + poll)", per: "block", ...stats(perBlock.map((b) => b.commitToFinalMs)) });
    rows.push({ measure: "    of which: commit → the full node's follower reads that hub height", per: "block", ...stats(perBlock.map((b) => b.commitToFollowerMs)) });
    rows.push({ measure: "    of which: follower read it → final (inclusion, light client, poll)", per: "block", ...stats(perBlock.map((b) => b.followerToFinalMs)) });
    rows.push({ measure: "BLS tier: consumer block → hub-final on the producer (reference)", per: "block", ...stats(perBlock.map((b) => b.producerMs)) });

    let perCert = [];
    let schedule = null;
    if (withZk) {
      if (followsZk) rows.push({ measure: "ZK tier: consumer block → ZK-final on the full node (zkFinalHeight)", per: "block", ...stats(perBlock.map((b) => b.zkFullMs)) });
      rows.push({ measure: "ZK tier: consumer block → ZK certificate ≥ its hub block, on node0 (prover)", per: "block", ...stats(perBlock.map((b) => b.zkMs)) });
      rows.push({ measure: "ZK tier: consumer block → that certificate on all 4 hub nodes", per: "block", ...stats(perBlock.map((b) => b.zkAllMs)) });
      rows.push({ measure: "  block → hub block holding its first checkpoint", per: "block", ...stats(perBlock.map((b) => b.toHubBlockMs)) });
      rows.push({ measure: "  hub block → the certified block at or above it (header times)", per: "block", ...stats(perBlock.map((b) => b.hubBlockToZkBlockMs)) });
      rows.push({ measure: "  certified block's time → certificate stored on node0", per: "block", ...stats(perBlock.map((b) => b.zkBlockToStoredMs)) });
      if (followsZk) rows.push({ measure: "  stored on node0 → ZK-final on the full node (its follower)", per: "block", ...stats(perBlock.map((b) => b.zkStoredToFullMs)) });
      // Per certified height, from the stream, node0's log and node0's metrics.
      const log = await readFile(join(file.nodes[0].home, "node.log"), "utf8").catch(() => "");
      const proved = new Map();
      for (const line of log.split("\n")) {
        if (!line.includes('"proved certificate"')) continue;
        try {
          const j = JSON.parse(line);
          proved.set(j.height, { doneT: Date.parse(j.time), ms: j.ms });
        } catch {}
      }
      // Attested heights (the hub's rule: the first block of each attestation-interval window of block
      // time, and every epoch's last block), over the hub heights whose headers were read.
      const heights = [...hubHeaderTime.keys()].sort((a, b) => a - b);
      const attested = heights.slice(1).filter((h) => h % zkGenesis.epochLength === 0 || Math.floor(hubHeaderTime.get(h) / zkGenesis.attestationIntervalMs) !== Math.floor(hubHeaderTime.get(h - 1) / zkGenesis.attestationIntervalMs));
      const windowCerts = zkHeights0.filter((h) => hubHeaderTime.has(h) && hubHeaderTime.get(h) >= tStart && hubHeaderTime.get(h) < tEnd);
      const attestedInWindow = attested.filter((h) => hubHeaderTime.get(h) >= tStart && hubHeaderTime.get(h) < tEnd);
      schedule = { attestationIntervalMs: zkGenesis.attestationIntervalMs, epochLength: zkGenesis.epochLength, attestedHeights: attestedInWindow.length, certifiedHeights: windowCerts.length, quorumAttestations: quorumCount };
      /** When node0 held `quorumCount` attestations of attested height h (first metrics poll after its commit there). */
      const quorumAt = (h) => {
        const c0 = hub[0].commits.get(h);
        if (c0 === undefined) return null;
        const next = attested.find((x) => x > h);
        const until = next !== undefined ? hub[0].commits.get(next) ?? Infinity : Infinity;
        const before = attestSamples.filter((s) => s.t < c0).at(-1);
        if (!before) return null;
        const hit = attestSamples.find((s) => s.t >= c0 && s.t < until && s.n - before.n >= quorumCount);
        return hit ? hit.t : null;
      };
      perCert = windowCerts.map((H) => {
        const headerT = hubHeaderTime.get(H);
        const commit0 = hub[0].commits.get(H) ?? null;
        const q = quorumAt(H);
        const p = proved.get(H);
        const start = p ? p.doneT - p.ms : null;
        const stored0 = hub[0].zk.get(H);
        const all = hub.map((n) => n.zk.get(H));
        return {
          height: H,
          headerToCommitMs: commit0 !== null ? commit0 - headerT : null,
          commitToQuorumMs: q !== null && commit0 !== null ? q - commit0 : null,
          quorumToProofStartMs: q !== null && start !== null ? Math.max(0, start - q) : null,
          provingMs: p ? p.ms : null,
          proofDoneToStoredMs: p && stored0 !== undefined ? stored0 - p.doneT : null,
          storedToAllNodesMs: all.every((x) => x !== undefined) ? Math.max(...all) - stored0 : null,
          headerToStoredMs: stored0 - headerT,
        };
      });
      rows.push({ measure: "  per certified height: block time → committed on node0", per: "cert", ...stats(perCert.map((x) => x.headerToCommitMs)) });
      rows.push({ measure: "  commit → attestation quorum on node0 (/metrics, 50 ms polls)", per: "cert", ...stats(perCert.map((x) => x.commitToQuorumMs)) });
      rows.push({ measure: "  quorum → proof start (prover busy with an older height)", per: "cert", ...stats(perCert.map((x) => x.quorumToProofStartMs)) });
      rows.push({ measure: "  proving (node0's log: witness + Groth16, worker thread)", per: "cert", ...stats(perCert.map((x) => x.provingMs)) });
      rows.push({ measure: "  proof done → stored on node0 (stream)", per: "cert", ...stats(perCert.map((x) => x.proofDoneToStoredMs)) });
      rows.push({ measure: "  stored on node0 → stored on all 4 nodes (gossip)", per: "cert", ...stats(perCert.map((x) => x.storedToAllNodesMs)) });
      rows.push({ measure: "  certified block's time → stored on node0", per: "cert", ...stats(perCert.map((x) => x.headerToStoredMs)) });
    }

    const rtt = stats(rtts);
    const notes = [
      `${blocks.length} consumer blocks produced in the ${seconds} s window (${(blocks.length / seconds).toFixed(2)}/s; ${blocks.filter((b) => b.txs > 0).length} with transfers; ${load.sent} transfers sent, ${load.refused} refused); ${checkpoints.filter((x) => x.height >= blocks[0].height && x.height <= blocks.at(-1).height).length} hub checkpoints at the window's consumer heights (the producer has one in flight at a time: a checkpoint covers every block since the previous one)`,
      `finality poll of the full node every ${pollMs} ms: round trip p50 ${rtt.p50_ms} ms, p99 ${rtt.p99_ms} ms (a block counts as final when the answer arrived); ${pollErrors} failed polls; stream reconnects ${hub.map((n) => n.reconnects).join("/")}`,
      `machine load average (1 min) at the window's start / end: ${loadStart[0].toFixed(1)} / ${loadEnd[0].toFixed(1)} (${validators} hub validators, 2 consumer nodes, this process${withZk ? " and node0's prover" : ""} share the machine's cores)`,
      `blocks not final on the full node or not the producer's: ${bad.length}; misbehaviour: ${misbehaviour ?? "none"}; tiers of the full node's final checkpoint seen: ${[...new Set(finality.full.map((s) => s.tier))].join(", ")}${withZk ? `; blocks of the window not ZK-final on the full node at the end: ${followsZk ? perBlock.filter((b) => b.zkFullMs === null).length : "its /finality has no zkFinalHeight (this runtime does not follow the ZK tier)"}` : ""}`,
    ];
    if (withZk) {
      notes.push(`ZK: ${schedule.certifiedHeights} of ${schedule.attestedHeights} attested hub heights in the window were certified (attestation interval ${schedule.attestationIntervalMs} ms of block time, epoch ${schedule.epochLength}; the prover proves the newest quorum, one at a time: the others are skipped); quorum = ${quorumCount} attestations`);
      notes.push(`ZK: hub zkFinalizedBy (GET /consumers/:id/inclusion/:h) disagreeing with the streams: ${zkMismatch} of ${checkpoints.length} checkpoints`);
      notes.push("ZK: attestations themselves are not in any API or log; their quorum time is node0's /metrics counter (its own 'signed' + the others' 'accept'), attributed to the attested height node0 committed last");
    }
    const slow = [...perBlock].filter((b) => b.blsMs !== null).sort((a, b) => b.blsMs - a.blsMs).slice(0, 5);
    notes.push(`slowest BLS blocks (height: total = to hub block + hub block → commit + commit → final, hub height of first checkpoint / finalized through hub height): ${slow.map((b) => `${b.height}: ${b.blsMs} = ${b.toHubBlockMs} + ${b.hubBlockToCommitMs} + ${b.commitToFinalMs} (${b.hubHeight}/${b.finalViaHubHeight})`).join("; ")}`);

    console.log(`\nconsumer-finality benchmark (ledger consumer chain: producer + full node; ${validators}-validator hub, all real processes on one machine; ZK: ${withZk ? "quorum4, node0 proves" : "off"}; ${txRate} transfers/s; ${seconds} s window)\n`);
    const table = printTable(rows, COLUMNS);
    for (const n of notes) console.log(`  ${n}`);
    await writeResults("consumer-finality", {
      validators,
      seconds,
      txRate,
      pollMs,
      loadavg: { start: loadStart, end: loadEnd },
      zk: withZk ? { circuit: "quorum4", provers: ["node0"], ...schedule } : null,
      consumer: { id: c.id, vm: c.vm, ...consumerTimers },
      rows,
      notes,
      table,
      blocks: perBlock,
      certificates: perCert,
      finalitySteps: finality,
      zkFinalSteps: zkFinal,
    });
  } finally {
    for (const s of streams) s.close();
    await devnet.stop();
    await rm(home, { recursive: true, force: true });
  }
}
