/**
 * End to end: the devnet CLI as a user runs it (`node devnet/dist/cli.js --validators 4 --home ...`):
 * start, watch the chain grow, a second start on the same home refused while it runs, `status`,
 * SIGTERM (exit 0, every node gone), resume the same chain from the same home, `stop` from another
 * process, `reset`, and the refusals (--validators 0; another validator count on an existing home;
 * ports in use).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { jest } from "@jest/globals";
import {
  ensureStopped,
  exitWithin,
  makeTempDir,
  removeDir,
  reservePortRange,
  spawnLogged,
  tryGetJson,
  waitFor,
  type SpawnedProcess,
} from "../helpers/e2eUtils.js";

jest.setTimeout(180_000);

const DEVNET_CLI = fileURLToPath(new URL("../../devnet/dist/cli.js", import.meta.url));

interface DevnetFile {
  chainId: string;
  zk?: { circuit: string; capacity: number; provers: string[] } | null;
  prover?: { moniker: string; api: string; home: string; address: string } | null;
  nodes: { moniker: string; api: string; p2p: string; home: string }[];
}

let dir: string;
let home: string;
let p2pPort: number;
let apiPort: number;
let dashboardPort: number;
const started: SpawnedProcess[] = [];

function devnet(args: string[]): SpawnedProcess {
  const p = spawnLogged([DEVNET_CLI, ...args], join(dir, "devnet-cli.log"));
  started.push(p);
  return p;
}

/** quorum4 (the circuit the other ZK tests set up and cache) rather than the default quorum8: the same path, less setup. */
function devnetArgs(validators: number | string): string[] {
  return ["--validators", String(validators), "--home", home, "--p2p-port", String(p2pPort), "--api-port", String(apiPort), "--zk-circuit", "quorum4", "--zk-interval", "6000", "--zk-activation", "genesis", "--consumers", "0", "--dashboard-port", String(dashboardPort)];
}

/** Pids of live `aegis hub start` processes whose --home is under `root` (Linux /proc; [] elsewhere). */
function hubProcessesUnder(root: string): number[] {
  if (!existsSync("/proc")) return [];
  const pids: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0");
      if (cmd.includes("start") && cmd.some((a) => a.startsWith(root))) pids.push(Number(name));
    } catch {
      /* exited meanwhile */
    }
  }
  return pids;
}

async function heights(file: DevnetFile): Promise<number[]> {
  return Promise.all(file.nodes.map(async (n) => (await tryGetJson<{ height: number }>(`${n.api}/status`))?.height ?? -1));
}

beforeAll(async () => {
  if (!existsSync(DEVNET_CLI)) throw new Error("devnet/dist/cli.js is missing: run `npm run build` first");
  dir = await makeTempDir("devnet");
  home = join(dir, "home");
  p2pPort = await reservePortRange(5);
  apiPort = await reservePortRange(5);
  dashboardPort = await reservePortRange(1);
});

afterAll(async () => {
  await Promise.all(started.map((p) => ensureStopped(p, 12_000)));
  // Only when a devnet CLI had to be SIGKILLed can its nodes outlive it: end those (by pid).
  if (home) for (const pid of hubProcessesUnder(home)) process.kill(pid, "SIGKILL");
  await removeDir(dir);
});

test("devnet runs, stops on SIGTERM with exit 0, resumes the same chain, and refuses bad validator counts", async () => {
  // ---- first run
  const first = devnet(devnetArgs(4));
  await waitFor(() => /is running/.test(first.stdout()) || first.proc.exitCode !== null, 90_000, "devnet says it is running");
  expect(first.proc.exitCode).toBeNull();
  const file = JSON.parse(await readFile(join(home, "devnet.json"), "utf8")) as DevnetFile;
  expect(file.nodes).toHaveLength(4);
  expect(typeof file.chainId).toBe("string");
  file.nodes.forEach((n, i) => {
    expect(n.moniker).toBe(`node${i}`);
    expect(n.api).toBe(`http://127.0.0.1:${apiPort + i}`);
    expect(n.p2p).toMatch(new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/${p2pPort + i}/p2p/`));
  });
  await waitFor(async () => (await heights(file)).every((h) => h >= 3), 90_000, "every node at height >= 3");
  for (const n of file.nodes) expect((await tryGetJson(`${n.api}/status`))!.chainId).toBe(file.chainId);
  const block1 = (await tryGetJson<{ blockHash: string }>(`${file.nodes[0]!.api}/blocks/1`))!.blockHash;
  expect(hubProcessesUnder(home)).toHaveLength(5);
  // Wallet files: a Keplr chain info and a chain-registry chain.json next to devnet.json.
  expect(JSON.parse(await readFile(join(home, "keplr-chain-info.json"), "utf8"))).toMatchObject({ chainId: file.chainId, rpc: file.nodes[0]!.rpc, bip44: { coinType: 118 } });
  expect(JSON.parse(await readFile(join(home, "chain.json"), "utf8"))).toMatchObject({ chain_id: file.chainId, bech32_prefix: "aegis" });

  // The dashboard is served and named in devnet.json; its snapshot lists the hub's nodes.
  expect((file as DevnetFile & { dashboard?: string }).dashboard).toBe(`http://127.0.0.1:${dashboardPort}`);
  expect(first.stdout()).toMatch(new RegExp(`dashboard: http://127\\.0\\.0\\.1:${dashboardPort}`));
  const page = await fetch(`http://127.0.0.1:${dashboardPort}/`);
  expect(page.status).toBe(200);
  expect(await page.text()).toMatch(/<script[^>]+app\.js/);
  const snap = await tryGetJson<{ nodes: { moniker: string }[] }>(`http://127.0.0.1:${dashboardPort}/api/snapshot`);
  expect(snap?.nodes.map((n) => n.moniker)).toEqual(file.nodes.map((n) => n.moniker));

  // A second devnet on the same home is refused at once, and starts nothing.
  const twin = devnet(devnetArgs(4));
  const twinExit = await exitWithin(twin, 30_000);
  expect(twinExit).toEqual({ code: 1, signal: null });
  expect(twin.stderr()).toMatch(new RegExp(`a devnet is already running on ${home} \\(pid ${first.proc.pid}`));
  expect(twin.stdout()).not.toMatch(/is running/);
  expect(hubProcessesUnder(home)).toHaveLength(5);
  // Another home on the same ports: the taken ports are named, nothing is created.
  const otherHome = join(dir, "other");
  const clash = devnet(["--validators", "4", "--home", otherHome, "--p2p-port", String(p2pPort), "--api-port", String(apiPort), "--no-zk", "--consumers", "0", "--no-dashboard"]);
  expect(await exitWithin(clash, 30_000)).toEqual({ code: 1, signal: null });
  expect(clash.stderr()).toMatch(new RegExp(`ports ${p2pPort} \\(node0 p2p\\), ${apiPort} \\(node0 API\\).* in use.*Nothing was started`));
  expect(existsSync(join(otherHome, "devnet.json"))).toBe(false);
  // status: running, every node up with a height.
  const status = devnet(["status", "--home", home, "--json"]);
  expect(await exitWithin(status, 30_000)).toEqual({ code: 0, signal: null });
  const st = JSON.parse(status.stdout()) as { chainId: string; running: { pid: number }; nodes: { name: string; up: boolean; height: number }[] };
  expect(st.chainId).toBe(file.chainId);
  expect(st.running.pid).toBe(first.proc.pid);
  expect(st.nodes.map((n) => [n.name, n.up])).toEqual([...file.nodes.map((n) => [n.moniker, true]), ["prover", true]]);
  expect(st.nodes.every((n) => n.height >= 3)).toBe(true);
  // Succinct certificates: a prover process (a full node, not a validator) proves, every node stores
  // them (proving artifacts copied into the home).
  // (The key in the genesis: consumerChains.test.ts runs a devnet that activates it later, decision 58.)
  expect(file.zk).toEqual({ circuit: "quorum4", capacity: 4, provers: ["prover"], activation: "genesis" });
  expect(file.prover).toMatchObject({ moniker: "prover", home: join(home, "prover"), address: expect.stringMatching(/^aegis1/) });
  expect(existsSync(join(home, "zk", "quorum4.zkey"))).toBe(true);
  // --zk-interval went into the genesis.
  expect(JSON.parse(readFileSync(join(home, "node0", "genesis.json"), "utf8")).zk.attestationIntervalMs).toBe(6000);
  expect(first.stdout()).toMatch(/ZK certificates: quorum4 \(4 slots\), proved by prover/);
  expect(((await tryGetJson<{ validatorIndex: number | null }>(`${file.prover!.api}/status`))!).validatorIndex).toBeNull();
  const certified = await waitFor(
    async () => {
      const z = await tryGetJson<{ latestCertifiedHeight: number | null; prover: boolean }>(`${file.nodes[3]!.api}/zk`);
      return z?.latestCertifiedHeight ? z : undefined;
    },
    120_000,
    "a ZK certificate on node3",
  );
  expect(certified.prover).toBe(false);
  expect((await tryGetJson<{ prover: boolean }>(`${file.prover!.api}/zk`))!.prover).toBe(true);
  const zkCert = (await tryGetJson<{ zk: { height: number; circuit: string } | null }>(`${file.nodes[3]!.api}/certificates/${certified.latestCertifiedHeight}`))!;
  expect(zkCert.zk).toMatchObject({ height: certified.latestCertifiedHeight, circuit: "quorum4" });

  const before = Math.max(...(await heights(file)));
  first.proc.kill("SIGTERM");
  expect(await exitWithin(first, 15_000)).toEqual({ code: 0, signal: null });
  expect(first.stdout()).toMatch(/devnet stopped/);
  // Every node is gone: no API answers, no process left.
  for (const n of file.nodes) expect(await tryGetJson(`${n.api}/status`)).toBeUndefined();
  expect(hubProcessesUnder(home)).toEqual([]);

  // ---- second run: same home resumes the same chain
  const second = devnet(devnetArgs(4));
  await waitFor(() => /is running/.test(second.stdout()) || second.proc.exitCode !== null, 90_000, "resumed devnet says it is running");
  expect(second.proc.exitCode).toBeNull();
  expect(second.stdout()).toMatch(/resuming devnet/);
  const file2 = JSON.parse(await readFile(join(home, "devnet.json"), "utf8")) as DevnetFile;
  expect(file2.chainId).toBe(file.chainId);
  expect(file2.nodes.map((n) => n.p2p)).toEqual(file.nodes.map((n) => n.p2p));
  await waitFor(async () => (await heights(file2)).every((h) => h >= before), 60_000, `every node back at height >= ${before}`);
  await waitFor(async () => (await heights(file2)).every((h) => h >= before + 1), 60_000, `the resumed chain grows past ${before}`);
  for (const n of file2.nodes) {
    expect((await tryGetJson(`${n.api}/status`))!.chainId).toBe(file.chainId);
    expect((await tryGetJson<{ blockHash: string }>(`${n.api}/blocks/1`))!.blockHash).toBe(block1);
  }
  // `stop` from another process: the running devnet shuts down cleanly (exit 0).
  const stop = devnet(["stop", "--home", home]);
  expect(await exitWithin(stop, 40_000)).toEqual({ code: 0, signal: null });
  expect(stop.stdout()).toMatch(/stopped/);
  expect(await exitWithin(second, 15_000)).toEqual({ code: 0, signal: null });
  for (const n of file2.nodes) expect(await tryGetJson(`${n.api}/status`)).toBeUndefined();
  expect(hubProcessesUnder(home)).toEqual([]);
  const stopped = devnet(["status", "--home", home]);
  expect(await exitWithin(stopped, 30_000)).toEqual({ code: 3, signal: null });
  expect(stopped.stdout()).toMatch(new RegExp(`devnet ${file.chainId} in .*: stopped`));
  expect(stopped.stdout()).toMatch(/node0 +down/);

  // ---- refusals
  const zero = devnet(devnetArgs(0));
  const zeroExit = await exitWithin(zero, 30_000);
  expect(zeroExit?.code).not.toBe(0);
  expect(zeroExit?.code).not.toBeNull();
  expect(zero.stderr()).toMatch(/--validators must be an integer from 1 to/);

  const three = devnet(devnetArgs(3));
  const threeExit = await exitWithin(three, 30_000);
  expect(threeExit?.code).not.toBe(0);
  expect(threeExit?.code).not.toBeNull();
  expect(three.stderr()).toMatch(/holds a devnet of 4 validators, not 3/);
  expect(hubProcessesUnder(home)).toEqual([]);
  const otherChain = devnet([...devnetArgs(4), "--chain-id", "aegis-other-7"]);
  expect(await exitWithin(otherChain, 30_000)).toEqual({ code: 1, signal: null });
  expect(otherChain.stderr()).toMatch(new RegExp(`holds the devnet of chain ${file.chainId}, not aegis-other-7`));
  expect(hubProcessesUnder(home)).toEqual([]);
  // The refused runs left the existing devnet untouched.
  expect(JSON.parse(await readFile(join(home, "devnet.json"), "utf8"))).toEqual(file2);

  // reset deletes it; status then finds none (exit 1).
  const reset = devnet(["reset", "--home", home]);
  expect(await exitWithin(reset, 30_000)).toEqual({ code: 0, signal: null });
  expect(existsSync(home)).toBe(false);
  const none = devnet(["status", "--home", home]);
  expect(await exitWithin(none, 30_000)).toEqual({ code: 1, signal: null });
  expect(none.stdout()).toMatch(/no devnet in/);
});
