import { existsSync } from "node:fs";
import { copyFile, mkdir, readFile, rename } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { initHomes, writeFileAtomic, type InitializedNode, type ZkGenesis } from "@aegis/hub";
import { getCircuit, setupCircuit, terminateCurve } from "@aegis/circuits/scripts/build.mjs";
import { createProgressLogger } from "@aegis/circuits/scripts/progress.mjs";
import { DevnetConsumers, type DevnetConsumer } from "./consumers.js";
import { SupervisedProcess } from "./supervisor.js";

export interface DevnetOpts {
  home: string;
  validators: number;
  chainId: string;
  host: string;
  p2pBasePort: number;
  apiBasePort: number;
  /** Written into each new node's config; ignored when resuming. */
  createEmptyBlocksIntervalMs?: number;
  /**
   * The circuit of the succinct (ZK) certificates of a new devnet (circuits/circuits.json; default
   * "quorum8"), null for none. Its phase 2 runs on the test phase-1 file once and is cached; node0 proves.
   */
  zkCircuit?: string | null;
  /** Indexes of the nodes of a new devnet that prove ZK certificates (default [0]; [] for none: validators still attest). */
  zkProvers?: number[];
  /** Reference consumer chains to run (ledger, utxo, … in turn), each a producer and a full node; default 0. */
  consumers?: number;
  /** First API and p2p ports of the consumer nodes (default: the hub's + CONSUMER_PORT_OFFSET); consumer i uses base + 2i and + 2i + 1. */
  consumerApiBasePort?: number;
  consumerP2pBasePort?: number;
  /** Extra Node.js flags for every node process (profiling, V8 options). */
  nodeArgs?: string[];
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
  /** The succinct certificates: circuit, capacity and the node that proves (null: the devnet makes none). */
  zk?: { circuit: string; capacity: number; provers: string[] } | null;
  /** `rpc`: the CometBFT-compatible JSON-RPC endpoint (cosmjs StargateClient.connect(rpc)). */
  nodes: { moniker: string; api: string; rpc: string; p2p: string; peerId: string; home: string }[];
  /** The consumer chains (producer and full node each; `api` is the producer's). */
  consumers?: DevnetConsumer[];
}

/** Consumer node ports start this far above the hub's (API and p2p alike). */
export const CONSUMER_PORT_OFFSET = 1000;

const require = createRequire(import.meta.url);
/** Minted to the prover for each certificate recorded on the devnet (1 AEG). */
export const DEVNET_PROVER_REWARD = "1000000";
export const AEGIS_BIN = join(dirname(require.resolve("@aegis/hub/package.json")), "bin", "aegis.js");

/**
 * Runs a local multi-validator hub: one `aegis hub start` process per validator on loopback, data under
 * `home`. A second run with the same home resumes the same chain. A node that dies is restarted.
 */
export class Devnet {
  private children: SupervisedProcess[] = [];
  private consumerSet: DevnetConsumers | undefined;
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
    let extra: Pick<DevnetFile, "denom" | "bech32Prefix" | "faucet" | "zk"> = {};
    let existingConsumers: DevnetConsumer[] | undefined;
    if (existsSync(devnetPath)) {
      const existing = JSON.parse(await readFile(devnetPath, "utf8")) as DevnetFile;
      if (existing.nodes.length !== this.opts.validators) {
        throw new Error(`${home} holds a devnet of ${existing.nodes.length} validators, not ${this.opts.validators}: use that count, another --home, or delete the folder`);
      }
      nodes = existing.nodes;
      chainId = existing.chainId;
      extra = { denom: existing.denom, bech32Prefix: existing.bech32Prefix, faucet: existing.faucet, zk: existing.zk ?? null };
      existingConsumers = existing.consumers;
      this.log(`resuming devnet ${chainId} from ${home}`);
    } else {
      const zk = await this.prepareZk(home);
      const res = await initHomes({
        home,
        validators: this.opts.validators,
        chainId: this.opts.chainId,
        host: this.opts.host,
        p2pBasePort: this.opts.p2pBasePort,
        apiBasePort: this.opts.apiBasePort,
        force: true,
        consensus: this.opts.createEmptyBlocksIntervalMs !== undefined ? { createEmptyBlocksIntervalMs: this.opts.createEmptyBlocksIntervalMs } : {},
        ...(zk ? { zk } : {}),
      });
      nodes = res.nodes;
      chainId = res.chainId;
      extra = { denom: res.denom, bech32Prefix: res.bech32Prefix, faucet: res.faucet, zk: zk ? { circuit: zk.circuit, capacity: zk.capacity, provers: zk.provers.map((i) => nodes[i]!.moniker) } : null };
      this.log(`created devnet ${chainId} with ${nodes.length} validators in ${home}`);
    }
    this.file = {
      chainId,
      home,
      ...extra,
      nodes: nodes.map((n) => ({ moniker: n.moniker, api: n.api, rpc: `${n.api}/rpc`, p2p: n.p2p, peerId: n.peerId, home: n.home })),
    };
    await writeFileAtomic(devnetPath, JSON.stringify(this.file, null, 2) + "\n");
    this.children = nodes.map((n) => new SupervisedProcess(n.moniker, [...(this.opts.nodeArgs ?? []), AEGIS_BIN, "hub", "start", "--home", n.home], join(n.home, "node.log"), this.log));
    for (const c of this.children) c.start();
    await Promise.all(nodes.map((n) => waitForApi(n.api, 60_000)));
    const count = this.opts.consumers ?? existingConsumers?.length ?? 0;
    if (count > 0) {
      if (!this.file.faucet || !this.file.denom) throw new Error("consumer chains need a hub with an application (a faucet pays their registration)");
      const first = nodes[0]!;
      const port = (addr: string, re: RegExp) => Number(re.exec(addr)![1]);
      this.consumerSet = new DevnetConsumers({
        home,
        host: this.opts.host,
        count,
        apiBasePort: this.opts.consumerApiBasePort ?? port(first.api, /:(\d+)$/) + CONSUMER_PORT_OFFSET,
        p2pBasePort: this.opts.consumerP2pBasePort ?? port(first.p2p, /\/tcp\/(\d+)/) + CONSUMER_PORT_OFFSET,
        hubNodes: nodes,
        hubFaucet: this.file.faucet,
        denom: this.file.denom,
        zk: !!this.file.zk,
        log: this.log,
      });
      this.file.consumers = await this.consumerSet.start(existingConsumers);
      await writeFileAtomic(devnetPath, JSON.stringify(this.file, null, 2) + "\n");
    }
    return this.file;
  }

  /**
   * Builds (or takes from the cache) the ZK circuit of a new devnet and copies its proving artifacts
   * into `home/zk/`, so the devnet keeps working with the proving key that matches its genesis even
   * when the cache is cleared (a new phase 2 would make another key). Null when there is none.
   */
  private async prepareZk(home: string): Promise<(ZkGenesis & { wasm: string; zkey: string; provers: number[] }) | null> {
    const name = this.opts.zkCircuit === undefined ? "quorum8" : this.opts.zkCircuit;
    if (name === null) return null;
    const circuit = await getCircuit(name);
    const capacity = circuit.params[0]!;
    const provers = this.opts.zkProvers ?? [0];
    const bad = provers.find((i) => !Number.isInteger(i) || i < 0 || i >= this.opts.validators);
    if (bad !== undefined) throw new RangeError(`zkProvers: ${bad} is not a node index of a ${this.opts.validators}-validator devnet`);
    if (this.opts.validators > capacity) {
      this.log(`no ZK certificates: ${this.opts.validators} validators do not fit ${name} (${capacity} slots); pass a larger --zk-circuit`);
      return null;
    }
    this.log(`preparing ZK circuit ${name} (compiled and set up once, then cached)…`);
    let built;
    try {
      built = await setupCircuit(circuit, { logger: createProgressLogger() });
    } finally {
      await terminateCurve();
    }
    const dir = join(home, "zk");
    await mkdir(dir, { recursive: true });
    const copy = async (from: string, to: string) => {
      await copyFile(from, `${to}.tmp`);
      await rename(`${to}.tmp`, to);
    };
    const wasm = join(dir, `${name}.wasm`);
    const zkey = join(dir, `${name}.zkey`);
    await copy(built.wasm, wasm);
    await copy(built.zkey, zkey);
    return { circuit: name, capacity, verificationKey: built.vkey as unknown as ZkGenesis["verificationKey"], proverReward: DEVNET_PROVER_REWARD, wasm, zkey, provers };
  }

  /** Stops every node (SIGTERM, then SIGKILL after `graceMs`). */
  async stop(graceMs = 10_000): Promise<void> {
    await this.consumerSet?.stop(graceMs);
    await Promise.all(this.children.map((c) => c.stop(graceMs)));
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
