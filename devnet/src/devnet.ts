import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { initHomes, writeFileAtomic, type InitializedNode } from "@aegis/hub";

export interface DevnetOpts {
  home: string;
  validators: number;
  chainId: string;
  host: string;
  p2pBasePort: number;
  apiBasePort: number;
  /** Written into each new node's config; ignored when resuming. */
  createEmptyBlocksIntervalMs?: number;
  log?: (line: string) => void;
}

/** DIR/devnet.json: what other tools read to find the network. */
export interface DevnetFile {
  chainId: string;
  home: string;
  /** Fee and staking denom, account address prefix, and a funded account for clients to start from. */
  denom?: string;
  bech32Prefix?: string;
  faucet?: { mnemonic: string; address: string } | null;
  /** `rpc`: the CometBFT-compatible JSON-RPC endpoint (cosmjs StargateClient.connect(rpc)). */
  nodes: { moniker: string; api: string; rpc: string; p2p: string; peerId: string; home: string }[];
}

const require = createRequire(import.meta.url);
export const AEGIS_BIN = join(dirname(require.resolve("@aegis/hub/package.json")), "bin", "aegis.js");

interface Child {
  node: InitializedNode;
  proc: ChildProcess | null;
  restarts: number;
}

/**
 * Runs a local multi-validator hub: one `aegis hub start` process per validator on loopback, data under
 * `home`. A second run with the same home resumes the same chain. A node that dies is restarted.
 */
export class Devnet {
  private children: Child[] = [];
  private stopping = false;
  private readonly log: (line: string) => void;
  file: DevnetFile | null = null;

  constructor(private readonly opts: DevnetOpts) {
    this.log = opts.log ?? ((l) => console.log(l));
  }

  async start(): Promise<DevnetFile> {
    const home = resolve(this.opts.home);
    const devnetPath = join(home, "devnet.json");
    let nodes: InitializedNode[];
    let chainId: string;
    let extra: Pick<DevnetFile, "denom" | "bech32Prefix" | "faucet"> = {};
    if (existsSync(devnetPath)) {
      const existing = JSON.parse(await readFile(devnetPath, "utf8")) as DevnetFile;
      if (existing.nodes.length !== this.opts.validators) {
        throw new Error(`${home} holds a devnet of ${existing.nodes.length} validators, not ${this.opts.validators}: use that count, another --home, or delete the folder`);
      }
      nodes = existing.nodes;
      chainId = existing.chainId;
      extra = { denom: existing.denom, bech32Prefix: existing.bech32Prefix, faucet: existing.faucet };
      this.log(`resuming devnet ${chainId} from ${home}`);
    } else {
      const res = await initHomes({
        home,
        validators: this.opts.validators,
        chainId: this.opts.chainId,
        host: this.opts.host,
        p2pBasePort: this.opts.p2pBasePort,
        apiBasePort: this.opts.apiBasePort,
        force: true,
        consensus: this.opts.createEmptyBlocksIntervalMs !== undefined ? { createEmptyBlocksIntervalMs: this.opts.createEmptyBlocksIntervalMs } : {},
      });
      nodes = res.nodes;
      chainId = res.chainId;
      extra = { denom: res.denom, bech32Prefix: res.bech32Prefix, faucet: res.faucet };
      this.log(`created devnet ${chainId} with ${nodes.length} validators in ${home}`);
    }
    this.file = {
      chainId,
      home,
      ...extra,
      nodes: nodes.map((n) => ({ moniker: n.moniker, api: n.api, rpc: `${n.api}/rpc`, p2p: n.p2p, peerId: n.peerId, home: n.home })),
    };
    await writeFileAtomic(devnetPath, JSON.stringify(this.file, null, 2) + "\n");
    this.children = nodes.map((node) => ({ node, proc: null, restarts: 0 }));
    for (const c of this.children) this.spawn(c);
    await Promise.all(nodes.map((n) => waitForApi(n.api, 60_000)));
    return this.file;
  }

  private spawn(c: Child): void {
    const logFile = createWriteStream(join(c.node.home, "node.log"), { flags: "a" });
    const proc = spawn(process.execPath, [AEGIS_BIN, "hub", "start", "--home", c.node.home], { stdio: ["ignore", "pipe", "pipe"] });
    proc.stdout!.pipe(logFile);
    proc.stderr!.pipe(logFile);
    c.proc = proc;
    proc.on("exit", (code, signal) => {
      c.proc = null;
      logFile.end();
      if (this.stopping) return;
      c.restarts++;
      const delay = Math.min(30_000, 1000 * 2 ** Math.min(c.restarts - 1, 5));
      this.log(`${c.node.moniker} exited (${signal ?? `code ${code}`}); restarting in ${delay} ms — see ${join(c.node.home, "node.log")}`);
      setTimeout(() => !this.stopping && this.spawn(c), delay).unref();
    });
  }

  /** Stops every node (SIGTERM, then SIGKILL after `graceMs`). */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    await Promise.all(
      this.children.map(
        (c) =>
          new Promise<void>((res) => {
            const p = c.proc;
            if (!p || p.exitCode !== null) return res();
            const kill = setTimeout(() => p.kill("SIGKILL"), graceMs);
            p.once("exit", () => {
              clearTimeout(kill);
              res();
            });
            p.kill("SIGTERM");
          }),
      ),
    );
  }
}

export async function waitForApi(api: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await fetch(`${api}/status`);
      if (r.ok) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`${api} did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
