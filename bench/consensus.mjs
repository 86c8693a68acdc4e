// Consensus benchmark: finality latency (proposal seen -> commit certificate formed) and blocks per
// second, for the deterministic simulation and for real validator processes over libp2p on loopback.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Devnet } from "@aegis/devnet";
import { DEFAULT_TIMEOUTS } from "@aegis/hub";
import { runSimulation } from "@aegis/hub/sim";
import { percentile, printTable, writeResults } from "./lib.mjs";
import { freePortRange } from "./ports.mjs";

const COLUMNS = ["validators", "transport", "heights", "finality_ms_p50", "finality_ms_p99", "blocks_per_s", "wall_s"];

async function fetchJson(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: ${r.status}`);
  return r.json();
}

/** Real processes: one `aegis hub start` per validator, blocks back to back (no empty-block wait). */
async function realRow(validators, seconds) {
  const home = await mkdtemp(join(tmpdir(), `aegis-bench-${validators}-`));
  const base = await freePortRange(validators * 2);
  const devnet = new Devnet({
    home,
    validators,
    chainId: "aegis-bench",
    host: "127.0.0.1",
    p2pBasePort: base,
    apiBasePort: base + validators,
    createEmptyBlocksIntervalMs: 0,
    // Validators attest (their share of the succinct tier); nobody proves on these cores (provers run on
    // their own machines; a proof keeps every core busy for seconds), as in the txs benchmark.
    zkProvers: [],
    consumers: 0,
    dashboardPort: null,
    log: () => {},
  });
  try {
    const file = await devnet.start();
    const apis = file.nodes.map((n) => n.api);
    // Warm-up: every node has committed a few blocks (connections, meshes and JIT settled).
    const warmDeadline = Date.now() + 180_000;
    for (;;) {
      const hs = await Promise.all(apis.map((a) => fetchJson(`${a}/status`).then((s) => s.height)));
      if (Math.min(...hs) >= 3) break;
      if (Date.now() > warmDeadline) throw new Error(`${validators} validators did not reach height 3 in time`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const startHeight = (await fetchJson(`${apis[0]}/status`)).height;
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const elapsed = (Date.now() - t0) / 1000;
    const endHeight = (await fetchJson(`${apis[0]}/status`)).height;
    const samples = [];
    for (const api of apis) {
      const { commits } = await fetchJson(`${api}/commits?limit=1000`);
      for (const c of commits) if (c.height > startHeight && c.height <= endHeight && c.finalityMs !== null) samples.push(c.finalityMs);
    }
    samples.sort((a, b) => a - b);
    return {
      validators,
      transport: "libp2p-processes",
      heights: endHeight - startHeight,
      finality_ms_p50: percentile(samples, 50),
      finality_ms_p99: percentile(samples, 99),
      blocks_per_s: +((endHeight - startHeight) / elapsed).toFixed(2),
      wall_s: +elapsed.toFixed(1),
      samples: samples.length,
    };
  } finally {
    await devnet.stop();
    await rm(home, { recursive: true, force: true });
  }
}

/**
 * The deterministic simulation: the real state machines, a simulated network (no loss, one-way delays
 * uniform in 1..10 ms of virtual time, no crypto). Finality and block rate are in virtual time: they
 * measure the protocol (message rounds), not this machine.
 */
function simRow(validators, heights) {
  const t0 = performance.now();
  const r = runSimulation(1000 + validators, {
    validators,
    heights,
    byzantine: "none",
    powers: Array(validators).fill(100),
    gstMs: 0,
    dropProbability: 0,
    maxDelayAfterGstMs: 10,
    partitions: [],
    timeouts: DEFAULT_TIMEOUTS,
    catchUp: "certified",
  });
  const wall = (performance.now() - t0) / 1000;
  if (r.violations.length > 0) throw new Error(`simulation violated invariants: ${r.violations[0]}`);
  const finality = [];
  for (const commits of r.commits.values()) {
    for (const c of commits.values()) if (c.proposalSeenAt !== null && c.height <= heights) finality.push(c.time - c.proposalSeenAt);
  }
  finality.sort((a, b) => a - b);
  return {
    validators,
    transport: "simulated (1-10 ms links)",
    heights,
    finality_ms_p50: percentile(finality, 50),
    finality_ms_p99: percentile(finality, 99),
    blocks_per_s: +(heights / (r.livenessTimeMs / 1000)).toFixed(2),
    wall_s: +wall.toFixed(1),
  };
}

export async function run(args) {
  const quick = args.includes("--quick");
  const rows = [];
  for (const n of [4, 16, 64]) {
    rows.push(simRow(n, quick ? 20 : 100));
    console.error(`simulation ${n} validators done`);
  }
  for (const n of [4, 16]) {
    rows.push(await realRow(n, quick ? 10 : 30));
    console.error(`real ${n} processes done`);
  }
  console.log("\nconsensus benchmark (finality = proposal seen -> commit certificate formed)\n");
  const table = printTable(rows, COLUMNS);
  await writeResults("consensus", { rows, table });
}
