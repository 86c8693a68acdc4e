/**
 * A real hub fork with real `aegis hub start` processes on loopback, made the way validators
 * double-sign in practice: a coalition runs a second instance of each of its nodes (a copy of its
 * home: same keys, its own copy of the signer guard and WAL), each instance on one side of a network
 * partition. Nothing in the hub changes for it. Plain ESM so that jest tests and `bench/*.mjs` (plain
 * node) can both use it; types in forkNetwork.d.mts.
 *
 *   const net = await createForkNetwork({ dir, chainId, powers: [30n, 30n, 30n, 10n], epochLength: 10 });
 *   await net.start();                      // one process per validator, waits for every /status
 *   const { x, y } = await net.split({ coalition: [0, 1], x: [0, 1, 2], y: [3] });
 *   // x: API URLs of the originals of 0, 1, 2; y: node 3 and the twins of 0 and 1 (`<home>-twin`)
 *   await net.stop();                       // every process, twins too (SIGTERM, SIGKILL after a grace)
 *
 * createForkNetwork(opts): initializes one home per validator under `opts.dir` with initHomes
 *   (`powers`: staking power of each validator, the unit of initHomes' `power`, i.e. tokens / 10^6;
 *   `epochLength`, `consensus`, `timeouts`, `slashing`, `staking`, `zk` are passed through).
 * net.nodes: `{ index, validator, twin, home, api, peerId, p2p, side }` per process: validators first
 *   (index = validator), twins appended by split() (`twin: true`, `validator` = whose keys it runs).
 *   `side` is null before the split, then "x" or "y". `p2p` is the node's multiaddr with /p2p/<peerId>.
 * net.start(): spawns every node that is not running (stdout and stderr to `<home>/node.log`) and
 *   waits until each API answers /status.
 * net.split({ coalition, x, y }): SIGTERMs every node and waits for it to exit, copies each coalition
 *   member's home (after its exit: LevelDB cannot be copied live) to `<home>-twin`, gives the twin
 *   fresh p2p and API ports, rewrites every config so that each node bootstraps only from nodes of
 *   its own side (the hub dials nothing else: no discovery; a twin has its original's peer id, so no
 *   node may know an address of the other side), restarts everything and waits for every /status.
 *   Side X: the originals of `x`; side Y: `y` and the twins of `coalition` (which must be in `x`).
 *   Returns `{ x: [api URLs], y: [api URLs], heightsBefore: [height of each validator before] }`.
 * net.status(url), net.get(url): a node's /status, or any JSON GET; undefined when it does not answer 2xx.
 * net.waitFor(fn, ms, what): polls fn (a throw counts as "not yet") until truthy, returns its value;
 *   on timeout throws naming `what` and the last value or error.
 * net.logs(i): the log of net.nodes[i] so far. net.stop(graceMs): stops every process.
 * Also: net.chainId, net.faucet ({ mnemonic, address }), net.denom, net.genesisPath, net.keys[v]
 *   ({ blsPublicKey hex, operator aegis1… }) of validator v.
 */
import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync } from "node:fs";
import { cp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { initHomes } from "@aegis/hub";
import { portsFree } from "../../bench/ports.mjs";

const AEGIS_BIN = fileURLToPath(new URL("../../hub/bin/aegis.js", import.meta.url));
const HUB_DIST = fileURLToPath(new URL("../../hub/dist/cli/main.js", import.meta.url));
const HOST = "127.0.0.1";

/**
 * `count` consecutive free ports on 127.0.0.1, below the kernel's ephemeral range (32768+), none of
 * them in `avoid` (ports of stopped nodes that will listen again).
 */
async function reservePortRange(count, avoid = []) {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * (12_000 - count));
    if (avoid.some((p) => p >= base && p < base + count)) continue;
    if (await portsFree(base, count)) return base;
  }
  throw new Error(`no range of ${count} free ports found`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function getJson(url, timeoutMs = 3000) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return undefined;
    return await res.json();
  } catch {
    return undefined;
  }
}

async function waitFor(fn, ms = 30_000, what = "condition", intervalMs = 200) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last, (_k, x) => (typeof x === "bigint" ? String(x) : x));
      throw new Error(`timed out after ${ms} ms waiting for ${what} (last: ${detail})`);
    }
    await sleep(intervalMs);
  }
}

async function writeJsonAtomic(path, value) {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, JSON.stringify(value, null, 2) + "\n");
  await rename(tmp, path);
}

export async function createForkNetwork({
  dir,
  chainId,
  powers = [30n, 30n, 30n, 10n],
  epochLength,
  consensus,
  timeouts,
  slashing,
  staking,
  zk,
  startTimeoutMs = 60_000,
}) {
  if (!existsSync(HUB_DIST)) throw new Error("hub/dist is missing: run `npx tsc -b` first (the nodes run the built CLI)");
  const n = powers.length;
  const p2pBase = await reservePortRange(n);
  const apiBase = await reservePortRange(n, Array.from({ length: n }, (_, i) => p2pBase + i));
  const init = await initHomes({
    home: dir,
    validators: n,
    chainId,
    host: HOST,
    p2pBasePort: p2pBase,
    apiBasePort: apiBase,
    powers,
    ...(epochLength !== undefined ? { epochLength } : {}),
    ...(consensus ? { consensus } : {}),
    ...(timeouts ? { timeouts } : {}),
    ...(slashing ? { slashing } : {}),
    ...(staking ? { staking } : {}),
    ...(zk ? { zk } : {}),
  });
  const keys = await Promise.all(
    init.nodes.map(async (m) => {
      const k = JSON.parse(await readFile(join(m.home, "keys", "priv_validator_key.json"), "utf8"));
      return { blsPublicKey: String(k.blsPublicKey), operator: String(k.operator) };
    }),
  );

  /** Per process: public fields plus its ports and child. */
  const nodes = init.nodes.map((m, i) => ({
    index: i,
    validator: i,
    twin: false,
    home: m.home,
    api: m.api,
    peerId: m.peerId,
    p2p: m.p2p,
    side: null,
    p2pPort: p2pBase + i,
    apiPort: apiBase + i,
    proc: undefined,
    exited: undefined,
  }));
  let split = false;

  const isRunning = (node) => node.proc !== undefined && node.proc.exitCode === null && node.proc.signalCode === null;

  function spawnNode(node) {
    const fd = openSync(join(node.home, "node.log"), "a");
    let proc;
    try {
      proc = spawn(process.execPath, [AEGIS_BIN, "hub", "start", "--home", node.home], { stdio: ["ignore", fd, fd] });
    } finally {
      closeSync(fd);
    }
    node.proc = proc;
    node.exited = new Promise((resolve) => {
      proc.once("exit", (code, signal) => resolve({ code, signal }));
      proc.once("error", (err) => resolve({ code: null, signal: null, error: err }));
    });
  }

  async function stopNode(node, graceMs) {
    if (!node.proc) return;
    if (isRunning(node)) {
      node.proc.kill("SIGTERM");
      let timer;
      const late = await Promise.race([node.exited.then(() => false), new Promise((r) => (timer = setTimeout(() => r(true), graceMs)))]);
      clearTimeout(timer);
      if (late) node.proc.kill("SIGKILL");
    }
    await node.exited;
  }

  async function logs(i) {
    const node = nodes[i];
    if (!node) throw new RangeError(`no node ${i}`);
    try {
      return await readFile(join(node.home, "node.log"), "utf8");
    } catch {
      return "";
    }
  }

  /** Waits for every node's /status; a node whose process exits first fails it at once, with its log's tail. */
  async function waitAllUp(ms) {
    await Promise.all(
      nodes.map(async (node) => {
        const deadline = Date.now() + ms;
        for (;;) {
          if (!isRunning(node)) {
            const ex = await node.exited;
            const tail = (await logs(node.index)).split("\n").slice(-15).join("\n");
            throw new Error(`node ${node.index} (${node.home}) exited (${JSON.stringify(ex)}) before its API answered:\n${tail}`);
          }
          if (await getJson(`${node.api}/status`)) return;
          if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for the API of node ${node.index} (${node.api})`);
          await sleep(200);
        }
      }),
    );
  }

  const net = {
    chainId,
    denom: init.denom,
    faucet: init.faucet,
    genesisPath: init.genesisPath,
    keys,
    /** Public view of the processes (see the header). */
    get nodes() {
      return nodes.map(({ index, validator, twin, home, api, peerId, p2p, side }) => ({ index, validator, twin, home, api, peerId, p2p, side }));
    },

    async start() {
      for (const node of nodes) if (!isRunning(node)) spawnNode(node);
      await waitAllUp(startTimeoutMs);
    },

    async split({ coalition, x, y }) {
      if (split) throw new Error("split: the network is already split");
      const all = nodes.map((m) => m.validator);
      const xs = new Set(x);
      const ys = new Set(y);
      if ([...xs].some((v) => ys.has(v))) throw new RangeError("split: x and y must be disjoint");
      if (all.some((v) => !xs.has(v) && !ys.has(v)) || [...xs, ...ys].some((v) => !all.includes(v))) {
        throw new RangeError(`split: x and y must together hold every validator 0..${all.length - 1}, each once`);
      }
      if (coalition.length === 0 || coalition.some((v) => !xs.has(v))) throw new RangeError("split: the coalition must be non-empty and on side x (its twins go to side y)");
      split = true;
      const heightsBefore = await Promise.all(nodes.map(async (m) => (await getJson(`${m.api}/status`))?.height ?? null));
      await Promise.all(nodes.map((m) => stopNode(m, 15_000)));
      // The twins: a copy of the home taken after the original exited, with ports of its own.
      const twinPorts = await reservePortRange(2 * coalition.length, nodes.flatMap((m) => [m.p2pPort, m.apiPort]));
      for (const [k, v] of coalition.entries()) {
        const orig = nodes[v];
        const home = `${orig.home}-twin`;
        await rm(home, { recursive: true, force: true });
        const log = join(orig.home, "node.log");
        await cp(orig.home, home, { recursive: true, filter: (src) => src !== log });
        const p2pPort = twinPorts + 2 * k;
        const apiPort = p2pPort + 1;
        nodes.push({
          index: nodes.length,
          validator: v,
          twin: true,
          home,
          api: `http://${HOST}:${apiPort}`,
          peerId: orig.peerId,
          p2p: `/ip4/${HOST}/tcp/${p2pPort}/p2p/${orig.peerId}`,
          side: "y",
          p2pPort,
          apiPort,
          proc: undefined,
          exited: undefined,
        });
      }
      for (const m of nodes) if (!m.twin) m.side = xs.has(m.validator) ? "x" : "y";
      // Each node bootstraps only from its own side.
      for (const m of nodes) {
        const path = join(m.home, "config.json");
        const config = JSON.parse(await readFile(path, "utf8"));
        config.p2p = { ...config.p2p, listen: [`/ip4/${HOST}/tcp/${m.p2pPort}`], bootstrap: nodes.filter((o) => o !== m && o.side === m.side).map((o) => o.p2p) };
        config.api = { ...config.api, host: HOST, port: m.apiPort };
        if (m.twin) config.moniker = `${config.moniker}-twin`;
        await writeJsonAtomic(path, config);
      }
      for (const m of nodes) spawnNode(m);
      await waitAllUp(startTimeoutMs);
      return { x: nodes.filter((m) => m.side === "x").map((m) => m.api), y: nodes.filter((m) => m.side === "y").map((m) => m.api), heightsBefore };
    },

    status: (url) => getJson(`${url}/status`),
    get: (url) => getJson(url),
    waitFor,
    logs,

    async stop(graceMs = 10_000) {
      await Promise.all(nodes.map((m) => stopNode(m, graceMs)));
    },
  };
  return net;
}
