/**
 * The devnet's guards, each on real files, ports and processes: the home lock (a second supervisor on
 * one home is refused, a stale pid file is taken over), the port check, the refusal of a folder that
 * is not a devnet's, reset, the supervisor's restart policy (a node that ran is back at once, one that
 * crashes at start backs off and is given up on with a reason), the wallet files and the first-start
 * progress output.
 */
import { spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { createStageProgressLogger } from "@aegis/circuits/scripts/progress.mjs";
import { getDevnetStatus, resetDevnet, stopDevnet } from "../src/control.js";
import { assertDevnetHome, Devnet } from "../src/devnet.js";
import { DevnetError } from "../src/errors.js";
import { acquireDevnetLock, DEVNET_PID_FILE, readDevnetLock } from "../src/lock.js";
import { assertPortsFree, isPortFree, portOf } from "../src/ports.js";
import { restartDelayMs, SupervisedProcess, type RestartPolicy } from "../src/supervisor.js";
import { buildChainRegistryJson, buildKeplrChainInfo, displayDenom } from "../src/wallets.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "aegis-devnet-ctl-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A child process (named "devnet-holder" so the lock's pid check recognises it) that takes the lock of `home` and waits. */
async function holdLockInChild(home: string): Promise<{ pid: number; kill: () => Promise<void> }> {
  const lockModule = new URL("../dist/lock.js", import.meta.url).pathname;
  const child = spawn(process.execPath, ["--input-type=module", "-e", `const { acquireDevnetLock } = await import(${JSON.stringify(lockModule)}); await acquireDevnetLock(${JSON.stringify(home)}); console.log("held"); setInterval(() => {}, 1000);`, "devnet-holder"], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((res, rej) => {
    child.stdout!.on("data", (d: Buffer) => d.toString().includes("held") && res());
    child.on("exit", (code) => rej(new Error(`lock holder exited with ${code}`)));
  });
  return {
    pid: child.pid!,
    kill: () =>
      new Promise<void>((res) => {
        if (child.exitCode !== null || child.signalCode !== null) return res();
        child.once("exit", () => res());
        child.kill("SIGKILL");
      }),
  };
}

describe("home lock", () => {
  test("a second devnet on a home held by a live supervisor is refused, nothing written; a stale pid file is taken over", async () => {
    const home = join(dir, "home");
    const holder = await holdLockInChild(home);
    const before = await readFile(join(home, DEVNET_PID_FILE), "utf8");
    expect((await readDevnetLock(home))?.pid).toBe(holder.pid);
    const devnet = new Devnet({ home, validators: 1, host: "127.0.0.1", p2pBasePort: 40000, apiBasePort: 40100, dashboardPort: null, log: () => {} });
    const err = await devnet.start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DevnetError);
    expect((err as DevnetError).code).toBe("DEVNET_ALREADY_RUNNING");
    expect((err as Error).message).toMatch(new RegExp(`already running on .* \\(pid ${holder.pid},.*npm run devnet -- stop`));
    expect(await readFile(join(home, DEVNET_PID_FILE), "utf8")).toBe(before);
    expect(existsSync(join(home, "devnet.json"))).toBe(false);
    // reset is refused while it runs, and leaves the folder.
    await expect(resetDevnet(home)).rejects.toMatchObject({ code: "DEVNET_ALREADY_RUNNING" });
    expect(existsSync(join(home, DEVNET_PID_FILE))).toBe(true);

    await holder.kill(); // kill -9: the pid file stays behind, stale
    expect(existsSync(join(home, DEVNET_PID_FILE))).toBe(true);
    expect(await readDevnetLock(home)).toBeNull();
    const release = await acquireDevnetLock(home);
    expect(JSON.parse(await readFile(join(home, DEVNET_PID_FILE), "utf8")).pid).toBe(process.pid);
    release();
    expect(existsSync(join(home, DEVNET_PID_FILE))).toBe(false);
  });

  test("stop signals the supervisor holding the home and waits until it is gone; without one it says so", async () => {
    const home = join(dir, "home");
    expect(await stopDevnet(home)).toBe(false);
    const holder = await holdLockInChild(home);
    expect(await stopDevnet(home, 10_000)).toBe(true);
    expect(await readDevnetLock(home)).toBeNull();
    await holder.kill();
  });
});

describe("folders and ports", () => {
  test("a folder that is not a devnet's is refused and left as it was; an empty or missing one is fine", async () => {
    await assertDevnetHome(join(dir, "missing"));
    await mkdir(join(dir, "empty"));
    await assertDevnetHome(join(dir, "empty"));
    const foreign = join(dir, "photos");
    await mkdir(foreign);
    await writeFile(join(foreign, "cat.jpg"), "meow");
    await expect(assertDevnetHome(foreign)).rejects.toMatchObject({ code: "DEVNET_FOREIGN_HOME", message: expect.stringMatching(/not a devnet folder .*cat\.jpg/) });
    const devnet = new Devnet({ home: foreign, validators: 1, host: "127.0.0.1", p2pBasePort: 40000, apiBasePort: 40100, dashboardPort: null, log: () => {} });
    await expect(devnet.start()).rejects.toMatchObject({ code: "DEVNET_FOREIGN_HOME" });
    await expect(resetDevnet(foreign)).rejects.toMatchObject({ code: "DEVNET_FOREIGN_HOME" });
    expect(existsSync(join(foreign, "cat.jpg"))).toBe(true);
    expect(existsSync(join(foreign, DEVNET_PID_FILE))).toBe(false);
    writeFileSync(join(dir, "file"), "x");
    await expect(assertDevnetHome(join(dir, "file"))).rejects.toMatchObject({ code: "DEVNET_FOREIGN_HOME" });
  });

  test("reset deletes a stopped devnet's folder; status then says there is none", async () => {
    const home = join(dir, "net");
    await mkdir(home);
    await writeFile(join(home, "devnet.json"), JSON.stringify({ chainId: "aegis-x-1", home, nodes: [] }));
    const s = await getDevnetStatus(home);
    expect(s).toMatchObject({ chainId: "aegis-x-1", running: null, nodes: [] });
    expect(await resetDevnet(home)).toBe(true);
    expect(existsSync(home)).toBe(false);
    expect((await getDevnetStatus(home)).chainId).toBeNull();
    expect(await resetDevnet(home)).toBe(false);
  });

  test("a taken port is named with its use, and nothing starts", async () => {
    const srv: Server = createServer();
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const port = (srv.address() as { port: number }).port;
    try {
      expect(await isPortFree("127.0.0.1", port)).toBe(false);
      await expect(assertPortsFree("127.0.0.1", [{ port, what: "node0 API" }])).rejects.toMatchObject({
        code: "DEVNET_PORT_TAKEN",
        message: expect.stringMatching(new RegExp(`port ${port} \\(node0 API\\) on 127\\.0\\.0\\.1 is in use.*Nothing was started`)),
      });
      await expect(assertPortsFree("127.0.0.1", [{ port: port + 1, what: "a" }, { port: port + 1, what: "b" }])).rejects.toThrow(/planned twice \(a and b\)/);
      const home = join(dir, "net");
      const devnet = new Devnet({ home, validators: 2, host: "127.0.0.1", p2pBasePort: port - 1, apiBasePort: port + 100, consumers: 0, zkCircuit: null, dashboardPort: null, log: () => {} });
      await expect(devnet.start()).rejects.toMatchObject({ code: "DEVNET_PORT_TAKEN", message: expect.stringContaining(`${port} (node1 p2p)`) });
      expect(existsSync(join(home, "devnet.json"))).toBe(false);
      expect(existsSync(join(home, DEVNET_PID_FILE))).toBe(false);
    } finally {
      srv.close();
    }
    expect(portOf("http://127.0.0.1:26756")).toBe(26756);
    expect(portOf("/ip4/127.0.0.1/tcp/26656/p2p/12D3KooW")).toBe(26656);
  });
});

describe("supervisor", () => {
  const fast: RestartPolicy = { quickExitMs: 2000, maxQuickExits: 3, restartDelayMs: 50, backoffBaseMs: 20, maxRestartDelayMs: 80 };

  test("restart delays: at once after a node that ran, backing off after crashes at start, capped", () => {
    expect(restartDelayMs(0)).toBe(500);
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => restartDelayMs(n))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    expect([0, 1, 2, 3].map((n) => restartDelayMs(n, fast))).toEqual([50, 20, 40, 80]);
  });

  test("a process that keeps crashing at start is given up on with a reason, after maxQuickExits starts", async () => {
    const log: string[] = [];
    const reason = await new Promise<string>((res) => {
      const p = new SupervisedProcess("crasher", ["-e", "console.error('no config'); process.exit(3)"], join(dir, "crasher.log"), (l) => log.push(l), (_p, why) => res(why), fast);
      p.start();
    });
    expect(reason).toMatch(/crasher exited \(code 3\) within 2 s of starting 3 times in a row — see .*crasher\.log/);
    expect(log).toHaveLength(2);
    expect(log[0]).toMatch(/crasher exited \(code 3\); restarting in 20 ms/);
    expect(await readFile(join(dir, "crasher.log"), "utf8")).toBe("no config\n".repeat(3));
  });

  test("a killed process is restarted (kill -9), and stop ends it for good", async () => {
    const log: string[] = [];
    const p = new SupervisedProcess("sleeper", ["-e", "setInterval(() => {}, 1000)"], join(dir, "sleeper.log"), (l) => log.push(l), () => {}, fast);
    p.start();
    const first = p.pid!;
    process.kill(first, "SIGKILL");
    const deadline = Date.now() + 10_000;
    while ((p.pid === undefined || p.pid === first) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(p.pid).toBeDefined();
    expect(p.pid).not.toBe(first);
    expect(p.starts).toBe(2);
    expect(log[0]).toMatch(/sleeper exited \(SIGKILL\); restarting in 20 ms/);
    await p.stop(2000);
    expect(p.pid).toBeUndefined();
    await new Promise((r) => setTimeout(r, 200));
    expect(p.starts).toBe(2);
  });
});

describe("wallet files", () => {
  const input = { chainId: "aegis-devnet-1", denom: "uaeg", bech32Prefix: "aegis", rpc: ["http://127.0.0.1:26756/rpc"], rest: ["http://127.0.0.1:26756"], minGasPrice: 0.025 };

  test("Keplr chain info names the endpoints, prefixes, coin type and the fee currency with gas price steps", () => {
    const k = buildKeplrChainInfo(input) as Record<string, any>;
    expect(k).toMatchObject({
      chainId: "aegis-devnet-1",
      rpc: "http://127.0.0.1:26756/rpc",
      rest: "http://127.0.0.1:26756",
      bip44: { coinType: 118 },
      bech32Config: { bech32PrefixAccAddr: "aegis", bech32PrefixValAddr: "aegisvaloper", bech32PrefixConsPub: "aegisvalconspub" },
      stakeCurrency: { coinDenom: "AEG", coinMinimalDenom: "uaeg", coinDecimals: 6 },
    });
    expect(k.feeCurrencies[0].gasPriceStep).toEqual({ low: 0.025, average: 0.05, high: 0.1 });
  });

  test("the chain-registry chain.json carries the schema's required fields", () => {
    const c = buildChainRegistryJson(input) as Record<string, any>;
    for (const f of ["chain_name", "chain_type", "chain_id", "bech32_prefix", "slip44", "fees", "staking", "apis"]) expect(c[f]).toBeDefined();
    expect(c.chain_name).toBe("aegisdevnet1");
    expect(c.fees.fee_tokens[0]).toMatchObject({ denom: "uaeg", fixed_min_gas_price: 0.025 });
    expect(c.apis.rpc[0].address).toBe("http://127.0.0.1:26756/rpc");
    expect(displayDenom("uaeg")).toEqual({ display: "AEG", decimals: 6 });
    expect(displayDenom("stake")).toEqual({ display: "STAKE", decimals: 0 });
  });
});

test("first-start progress without a terminal: the build's own stages once each, none of snarkjs's chunk lines", () => {
  const out = new PassThrough();
  let text = "";
  out.on("data", (d: Buffer) => (text += d.toString()));
  const p = createStageProgressLogger({ title: "ZK circuit quorum4", estimateSeconds: 49, stream: out as unknown as NodeJS.WriteStream });
  p.info("quorum4: compiling QuorumCertificate(4) with circom2 --O2");
  p.debug("Writing points start C: 3/10");
  p.info("Reading r1cs");
  p.info("Circuit hash: abc");
  p.info("quorum4: phase 2 setup on ptau/aegis-test-pot16.ptau");
  p.warn("quorum4: cached build does not match its hashes; compiling again");
  p.finish();
  const lines = text.replace(/\n$/, "").split("\n");
  expect(lines[0]).toBe("  ZK circuit quorum4 (est. 49 s)");
  expect(lines[1]).toMatch(/^ {2}0 s: compiling QuorumCertificate\(4\) with circom2 --O2$/);
  expect(lines[2]).toMatch(/^ {2}0 s: phase 2 setup on ptau/);
  expect(lines[3]).toBe("warning: quorum4: cached build does not match its hashes; compiling again");
  expect(lines).toHaveLength(4);
});
