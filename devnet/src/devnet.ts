import { existsSync } from "node:fs";
import { copyFile, mkdir, readdir, readFile, rename } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { decodeZkInfoJson, encodeHubTrustRootJson, type Groth16VerificationKey } from "@aegis/consumer-sdk";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { GasPrice, SigningStargateClient } from "@cosmjs/stargate";
import { activateZk, computeHubTrustRoot, DEFAULT_MIN_GAS_PRICE, initHomes, loadGenesis, prepareFullNodeHome, writeFileAtomic, type InitializedNode, type ZkGenesis } from "@aegis/hub";
import { cacheDir, getCircuit, isCircuitSetUp, setupCircuit, terminateCurve } from "@aegis/circuits/scripts/build.mjs";
import { createStageProgressLogger } from "@aegis/circuits/scripts/progress.mjs";
import { DevnetConsumers, type DevnetConsumer } from "./consumers.js";
import { startDashboard, type DashboardServer } from "./dashboard/server.js";
import { DevnetError } from "./errors.js";
import { acquireDevnetLock, DEVNET_PID_FILE } from "./lock.js";
import { assertPortsFree, portOf } from "./ports.js";
import { SupervisedProcess } from "./supervisor.js";
import { buildChainRegistryJson, buildKeplrChainInfo } from "./wallets.js";

export interface DevnetOpts {
  home: string;
  validators: number;
  /** Chain id of a new devnet (default DEFAULT_DEVNET_CHAIN_ID); when given, a home of another chain is refused. */
  chainId?: string;
  host: string;
  p2pBasePort: number;
  apiBasePort: number;
  /** Written into each new node's config; ignored when resuming. */
  createEmptyBlocksIntervalMs?: number;
  /** Blocks per epoch of a new devnet's genesis (default 100); ignored when resuming. */
  epochLength?: number;
  /**
   * The circuit of the succinct (ZK) certificates of a new devnet (circuits/circuits.json; default
   * "quorum8"), null for none. Its phase 2 runs on the test phase-1 file once and is cached; the
   * prover process (or the `zkProvers`) proves.
   */
  zkCircuit?: string | null;
  /**
   * When a new devnet's ZK key is set (decision 58): "genesis" (the circuit is built before the chain
   * starts), "later" (the chain starts at once; the circuit is built in the background and the faucet,
   * the genesis's zk.authority, activates it with MsgActivateZk), "auto" (default: "genesis" when the
   * circuit is in the cache, else "later").
   */
  zkActivation?: "genesis" | "later" | "auto";
  /**
   * How often a new devnet's validators attest, in ms of block time (the genesis's
   * zk.attestationIntervalMs; default 2000): one ZK certificate at most that often. A longer interval
   * costs the prover less CPU.
   */
  zkIntervalMs?: number;
  /** Indexes of the nodes of a new devnet that prove ZK certificates (default [0]; [] for none: validators still attest). */
  zkProvers?: number[];
  /**
   * A separate prover process (a hub full node, not a validator, with --prover) for a new devnet with
   * ZK certificates; default: when `zkProvers` is not given. Its account is funded from the faucet.
   */
  proverNode?: boolean;
  /** Reference consumer chains to run (ledger, utxo, evm, … in turn), each a producer and a full node; default: a new devnet 3 (DEFAULT_DEVNET_CONSUMERS), a resumed one as many as it had. */
  consumers?: number;
  /** First API and p2p ports of the consumer nodes (default: the hub's + CONSUMER_PORT_OFFSET); consumer i uses base + 2i and + 2i + 1. */
  consumerApiBasePort?: number;
  consumerP2pBasePort?: number;
  /** Port of the dashboard (default DEFAULT_DASHBOARD_PORT), null for none. */
  dashboardPort?: number | null;
  /** Extra Node.js flags for every node process (profiling, V8 options). */
  nodeArgs?: string[];
  log?: (line: string) => void;
  /** A node that keeps crashing at start (the supervisor gave up on it): the devnet cannot go on. */
  onFatal?: (err: DevnetError, logPath: string) => void;
}

/** DIR/devnet.json: what other tools read to find the network. */
export interface DevnetFile {
  chainId: string;
  home: string;
  /** Fee and staking denom, account address prefix, and a funded account for clients to start from. */
  denom?: string;
  bech32Prefix?: string;
  faucet?: { mnemonic: string; address: string } | null;
  /**
   * The succinct certificates: circuit, capacity, the nodes that prove, and whether the key is in the
   * genesis or set after it by the faucet (MsgActivateZk; GET /zk `fromHeight` says from which height). Null: none.
   */
  zk?: { circuit: string; capacity: number; provers: string[]; activation?: "genesis" | "later" } | null;
  /** The prover: a hub full node (not a validator) that proves the ZK certificates and claims their rewards to `address`. */
  prover?: { moniker: string; api: string; rpc: string; p2p: string; peerId: string; home: string; address: string } | null;
  /** `rpc`: the CometBFT-compatible JSON-RPC endpoint (cosmjs StargateClient.connect(rpc)). */
  nodes: { moniker: string; api: string; rpc: string; p2p: string; peerId: string; home: string }[];
  /** The consumer chains (producer and full node each; `api` is the producer's). */
  consumers?: DevnetConsumer[];
  /** Files wallets and explorers read to add the hub: a Cosmos chain-registry chain.json and a Keplr chain info. */
  wallets?: { chainRegistry: string; keplr: string };
  /** hub-trust-root.json: the trust root a consumer chain's config names (`hub.trust`), from the hub's genesis. */
  hubTrustRoot?: string;
  /** The dashboard's URL, while the devnet runs with one. */
  dashboard?: string;
}

export const DEFAULT_DEVNET_CHAIN_ID = "aegis-devnet-1";
/** The dashboard's port unless told otherwise (below the hub's p2p ports). */
export const DEFAULT_DASHBOARD_PORT = 26600;
/** Consumer chains a new devnet runs unless told otherwise: the three reference chains. */
export const DEFAULT_DEVNET_CONSUMERS = 3;

/** Consumer node ports start this far above the hub's (API and p2p alike). */
export const CONSUMER_PORT_OFFSET = 1000;

const require = createRequire(import.meta.url);
/** Minted to the prover for each certificate recorded on the devnet (1 AEG). */
export const DEVNET_PROVER_REWARD = "1000000";
/** Sent from the faucet to the prover's account at its first start: fees for its certificate transactions (their rewards pay them back). */
export const DEVNET_PROVER_FUNDING = "100000000";
export const AEGIS_BIN = join(dirname(require.resolve("@aegis/hub/package.json")), "bin", "aegis.js");

/**
 * Runs a local network on loopback, data under `home`: one `aegis hub start` process per validator, a
 * prover (a hub full node with --prover) when the chain makes ZK certificates, the reference consumer
 * chains (a producer and a full node each) and the dashboard. The home is locked while it runs; a
 * second run with the same home resumes the same chains. A node that dies is restarted (supervisor.ts).
 */
export class Devnet {
  private children: SupervisedProcess[] = [];
  private consumerSet: DevnetConsumers | undefined;
  private releaseLock: (() => void) | undefined;
  private dashboard: DashboardServer | undefined;
  /** The background build and activation of a devnet whose ZK key is set after genesis. */
  private zkTask: Promise<void> | undefined;
  private zkDone = false;
  private stopping = false;
  private readonly log: (line: string) => void;
  file: DevnetFile | null = null;

  constructor(private readonly opts: DevnetOpts) {
    this.log = opts.log ?? ((l) => console.log(l));
  }

  /** Whether the ZK circuit is being built and activated in the background (the key is set after genesis, decision 58). */
  get zkPending(): boolean {
    return this.zkTask !== undefined && !this.zkDone;
  }

  async start(): Promise<DevnetFile> {
    const home = resolve(this.opts.home);
    const devnetPath = join(home, "devnet.json");
    const bad = (this.opts.zkProvers ?? []).find((i) => !Number.isInteger(i) || i < 0 || i >= this.opts.validators);
    if (bad !== undefined) throw new RangeError(`zkProvers: ${bad} is not a node index of a ${this.opts.validators}-validator devnet`);
    await assertDevnetHome(home);
    this.releaseLock = await acquireDevnetLock(home);
    try {
      return await this.startLocked(home, devnetPath);
    } catch (e) {
      await this.stop(2000);
      throw e;
    }
  }

  private wantsProverNode(): boolean {
    return this.opts.proverNode ?? this.opts.zkProvers === undefined;
  }

  /** The prover's home: a full node of the new chain with --prover and a fresh reward account (funded at its first start). */
  private async createProverHome(home: string, nodes: InitializedNode[], zk: { wasm: string; zkey: string }): Promise<NonNullable<DevnetFile["prover"]>> {
    const proverHome = join(home, "prover");
    const account = await DirectSecp256k1HdWallet.generate(24, { prefix: "aegis" });
    const address = (await account.getAccounts())[0]!.address;
    const p2pPort = this.opts.p2pBasePort + nodes.length;
    const apiPort = this.opts.apiBasePort + nodes.length;
    const made = await prepareFullNodeHome({
      home: proverHome,
      genesisJson: await readFile(join(nodes[0]!.home, "genesis.json"), "utf8"),
      peers: nodes.map((n) => n.p2p),
      moniker: "prover",
      host: this.opts.host,
      p2pPort,
      apiPort,
      zk: { wasm: zk.wasm, zkey: zk.zkey, prover: true },
      proverMnemonic: account.mnemonic,
    });
    const api = `http://${this.opts.host}:${apiPort}`;
    return { moniker: "prover", api, rpc: `${api}/rpc`, p2p: `/ip4/${this.opts.host}/tcp/${p2pPort}/p2p/${made.peerId}`, peerId: made.peerId, home: proverHome, address };
  }

  /** Sends the prover's account its fees from the faucet, once (an account that exists is left alone). */
  private async fundProver(hubRpc: string, prover: NonNullable<DevnetFile["prover"]>): Promise<void> {
    const f = this.file!;
    const faucet = await DirectSecp256k1HdWallet.fromMnemonic(f.faucet!.mnemonic, { prefix: "aegis" });
    const client = await SigningStargateClient.connectWithSigner(hubRpc, faucet, { gasPrice: GasPrice.fromString(`${DEFAULT_MIN_GAS_PRICE}${f.denom}`), broadcastPollIntervalMs: 200 });
    try {
      if ((await client.getAccount(prover.address)) !== null) return;
      const sent = await client.sendTokens(f.faucet!.address, prover.address, [{ denom: f.denom!, amount: DEVNET_PROVER_FUNDING }], "auto");
      if (sent.code !== 0) throw new Error(`funding the prover's account failed (code ${sent.code}): ${sent.rawLog ?? ""}`);
    } finally {
      client.disconnect();
    }
  }

  private async startLocked(home: string, devnetPath: string): Promise<DevnetFile> {
    let nodes: InitializedNode[];
    let chainId: string;
    let extra: Pick<DevnetFile, "denom" | "bech32Prefix" | "faucet" | "zk" | "prover"> = {};
    let existingConsumers: DevnetConsumer[] | undefined;
    const existing = existsSync(devnetPath) ? (JSON.parse(await readFile(devnetPath, "utf8")) as DevnetFile) : null;
    if (existing) {
      if (this.opts.chainId !== undefined && existing.chainId !== this.opts.chainId) {
        throw new DevnetError("DEVNET_FOREIGN_HOME", `${home} holds the devnet of chain ${existing.chainId}, not ${this.opts.chainId}: drop --chain-id to resume it, pass another --home, or \`npm run devnet -- reset\` to delete it`);
      }
      if (existing.nodes.length !== this.opts.validators) {
        throw new DevnetError("DEVNET_WRONG_SHAPE", `${home} holds a devnet of ${existing.nodes.length} validators, not ${this.opts.validators}: use that count, another --home, or \`npm run devnet -- reset\``);
      }
      const missing = existing.nodes.find((n) => !existsSync(join(n.home, "genesis.json")));
      if (missing) throw new DevnetError("DEVNET_FOREIGN_HOME", `${home}/devnet.json names ${missing.home}, which holds no genesis.json: the folder was changed by hand; \`npm run devnet -- reset\` starts afresh`);
    }
    const consumerCount = this.opts.consumers ?? existing?.consumers?.length ?? (existing ? 0 : DEFAULT_DEVNET_CONSUMERS);
    const hubPorts = existing
      ? existing.nodes.map((n) => ({ p2p: portOf(n.p2p), api: portOf(n.api) }))
      : Array.from({ length: this.opts.validators }, (_, i) => ({ p2p: this.opts.p2pBasePort + i, api: this.opts.apiBasePort + i }));
    const consumerApiBase = this.opts.consumerApiBasePort ?? hubPorts[0]!.api + CONSUMER_PORT_OFFSET;
    const consumerP2pBase = this.opts.consumerP2pBasePort ?? hubPorts[0]!.p2p + CONSUMER_PORT_OFFSET;
    const dashboardPort = this.opts.dashboardPort === undefined ? DEFAULT_DASHBOARD_PORT : this.opts.dashboardPort;
    await assertPortsFree(this.opts.host, [
      ...(dashboardPort !== null ? [{ port: dashboardPort, what: "dashboard" }] : []),
      ...hubPorts.flatMap((p, i) => [
        { port: p.p2p, what: `node${i} p2p` },
        { port: p.api, what: `node${i} API` },
      ]),
      ...(existing?.prover
        ? [
            { port: portOf(existing.prover.p2p), what: "prover p2p" },
            { port: portOf(existing.prover.api), what: "prover API" },
          ]
        : !existing && this.opts.zkCircuit !== null && this.wantsProverNode()
          ? [
              { port: this.opts.p2pBasePort + this.opts.validators, what: "prover p2p" },
              { port: this.opts.apiBasePort + this.opts.validators, what: "prover API" },
            ]
          : []),
      ...Array.from({ length: consumerCount }, (_, i) => {
        const prior = existing?.consumers?.[i];
        const ports = prior ? prior.nodes.map((n) => ({ api: portOf(n.api), p2p: portOf(n.p2p) })) : [0, 1].map((k) => ({ api: consumerApiBase + 2 * i + k, p2p: consumerP2pBase + 2 * i + k }));
        return ports.flatMap((p, k) => [
          { port: p.api, what: `consumer ${i} ${k === 0 ? "producer" : "full node"} API` },
          { port: p.p2p, what: `consumer ${i} ${k === 0 ? "producer" : "full node"} p2p` },
        ]);
      }).flat(),
    ]);
    if (existing) {
      nodes = existing.nodes;
      chainId = existing.chainId;
      extra = { denom: existing.denom, bech32Prefix: existing.bech32Prefix, faucet: existing.faucet, zk: existing.zk ?? null, prover: existing.prover ?? null };
      existingConsumers = existing.consumers;
      this.log(`resuming devnet ${chainId} from ${home}`);
    } else {
      const zk = await this.prepareZk(home);
      const faucetMnemonic = zk?.authority ? zk.faucetMnemonic : undefined;
      const res = await initHomes({
        home,
        validators: this.opts.validators,
        chainId: this.opts.chainId ?? DEFAULT_DEVNET_CHAIN_ID,
        host: this.opts.host,
        p2pBasePort: this.opts.p2pBasePort,
        apiBasePort: this.opts.apiBasePort,
        force: true,
        consensus: this.opts.createEmptyBlocksIntervalMs !== undefined ? { createEmptyBlocksIntervalMs: this.opts.createEmptyBlocksIntervalMs } : {},
        ...(this.opts.epochLength !== undefined ? { epochLength: this.opts.epochLength } : {}),
        ...(zk ? { zk } : {}),
        ...(faucetMnemonic ? { faucetMnemonic } : {}),
      });
      nodes = res.nodes;
      chainId = res.chainId;
      const prover = zk && this.wantsProverNode() ? await this.createProverHome(home, res.nodes, zk) : null;
      extra = {
        denom: res.denom,
        bech32Prefix: res.bech32Prefix,
        faucet: res.faucet,
        zk: zk
          ? { circuit: zk.circuit, capacity: zk.capacity, provers: [...zk.provers.map((i) => res.nodes[i]!.moniker), ...(prover ? [prover.moniker] : [])], activation: zk.authority ? "later" : "genesis" }
          : null,
        prover,
      };
      this.log(`created devnet ${chainId} with ${nodes.length} validators in ${home}`);
    }
    this.file = {
      chainId,
      home,
      ...extra,
      nodes: nodes.map((n) => ({ moniker: n.moniker, api: n.api, rpc: `${n.api}/rpc`, p2p: n.p2p, peerId: n.peerId, home: n.home })),
    };
    if (this.file.denom && this.file.bech32Prefix) this.file.wallets = await writeWalletFiles(home, this.file);
    // What a consumer chain trusts the hub by: its genesis validator set (and ZK keys), chain id, periods.
    this.file.hubTrustRoot = join(home, "hub-trust-root.json");
    await writeFileAtomic(this.file.hubTrustRoot, JSON.stringify(encodeHubTrustRootJson(computeHubTrustRoot(await loadGenesis(nodes[0]!.home))), null, 2) + "\n");
    await writeFileAtomic(devnetPath, JSON.stringify(this.file, null, 2) + "\n");
    const giveUp = (p: SupervisedProcess, reason: string) => this.opts.onFatal?.(new DevnetError("DEVNET_NODE_CRASH_LOOP", reason), p.logPath);
    this.children = nodes.map((n) => new SupervisedProcess(n.moniker, [...(this.opts.nodeArgs ?? []), AEGIS_BIN, "hub", "start", "--home", n.home], join(n.home, "node.log"), this.log, giveUp));
    for (const c of this.children) c.start();
    await Promise.all(nodes.map((n) => waitForApi(n.api, 60_000)));
    // A key set after genesis and not yet set: everything else starts now; the circuit is built and
    // activated in the background, and the prover starts once it is (decision 58).
    const zkPending = !!this.file.zk && (await getZkFromHeight(nodes[0]!.api)) === null;
    if (this.file.prover && !zkPending) await this.startProver(giveUp);
    if (consumerCount > 0) {
      if (!this.file.faucet || !this.file.denom) throw new Error("consumer chains need a hub with an application (a faucet pays their registration)");
      this.consumerSet = new DevnetConsumers({
        home,
        host: this.opts.host,
        count: consumerCount,
        apiBasePort: consumerApiBase,
        p2pBasePort: consumerP2pBase,
        hubNodes: nodes,
        hubFaucet: this.file.faucet,
        denom: this.file.denom,
        zk: !!this.file.zk,
        log: this.log,
        onGiveUp: giveUp,
      });
      this.file.consumers = await this.consumerSet.start(existingConsumers);
      await writeFileAtomic(devnetPath, JSON.stringify(this.file, null, 2) + "\n");
    }
    if (zkPending) this.zkTask = this.activateZkLater(home, giveUp).finally(() => (this.zkDone = true));
    if (dashboardPort !== null) {
      this.dashboard = await startDashboard({ host: this.opts.host, port: dashboardPort, devnetJsonPath: devnetPath, log: this.log });
      this.file.dashboard = this.dashboard.url;
    } else {
      delete this.file.dashboard;
    }
    await writeFileAtomic(devnetPath, JSON.stringify(this.file, null, 2) + "\n");
    return this.file;
  }

  /**
   * The ZK section of a new devnet (null: none). With the key at genesis (`zkActivation`, default
   * when the circuit is cached), the circuit is built (or taken from the cache) and its artifacts
   * copied now; otherwise the genesis names the faucet as zk.authority (a new faucet mnemonic is made
   * here for it) and activateZkLater builds and activates it once the chain runs. The artifacts live
   * in `home/zk/`, so the devnet keeps the proving key that matches its chain even when the cache is
   * cleared (a new phase 2 would make another key).
   */
  private async prepareZk(home: string): Promise<(ZkGenesis & { wasm: string; zkey: string; provers: number[]; faucetMnemonic?: string }) | null> {
    const name = this.opts.zkCircuit === undefined ? "quorum8" : this.opts.zkCircuit;
    if (name === null) return null;
    const circuit = await getCircuit(name);
    const capacity = circuit.params[0]!;
    const provers = this.opts.zkProvers ?? [];
    if (this.opts.validators > capacity) {
      this.log(`no ZK certificates: ${this.opts.validators} validators do not fit ${name} (${capacity} slots); pass a larger --zk-circuit`);
      return null;
    }
    const when = this.opts.zkActivation ?? "auto";
    const interval = this.opts.zkIntervalMs !== undefined ? { attestationIntervalMs: this.opts.zkIntervalMs } : {};
    const paths = { wasm: join(home, "zk", `${name}.wasm`), zkey: join(home, "zk", `${name}.zkey`) };
    if (when === "genesis" || (when === "auto" && (await isCircuitSetUp(circuit)))) {
      const vkey = await this.buildZkArtifacts(home, name);
      return { circuit: name, capacity, verificationKey: vkey, proverReward: DEVNET_PROVER_REWARD, ...interval, ...paths, provers };
    }
    const faucet = await DirectSecp256k1HdWallet.generate(24, { prefix: "aegis" });
    const authority = (await faucet.getAccounts())[0]!.address;
    this.log(`ZK circuit ${name} is not built yet: the chain starts now, and ZK certificates join once it is (the faucet activates its key)`);
    return { circuit: name, capacity, authority, proverReward: DEVNET_PROVER_REWARD, ...interval, ...paths, provers, faucetMnemonic: faucet.mnemonic };
  }

  /** Builds (or takes from the cache) circuit `name`, behind a progress bar, and copies its proving artifacts into `home/zk/`; resolves its verification key. */
  private async buildZkArtifacts(home: string, name: string): Promise<Groth16VerificationKey> {
    const circuit = await getCircuit(name);
    const capacity = circuit.params[0]!;
    this.log(`preparing ZK circuit ${name} (compiled and set up once, then cached in ${cacheDir()})…`);
    // Compiling ~1.2 s a slot, phase 2 ~10 s a slot on two cores (measured: quorum4 49 s in all).
    const progress = createStageProgressLogger({ title: `ZK circuit ${name}`, estimateSeconds: Math.round(5 + 11 * capacity) });
    let built;
    try {
      built = await setupCircuit(circuit, { logger: progress });
    } finally {
      progress.finish();
      await terminateCurve();
    }
    const dir = join(home, "zk");
    await mkdir(dir, { recursive: true });
    const copy = async (from: string, to: string) => {
      await copyFile(from, `${to}.tmp`);
      await rename(`${to}.tmp`, to);
    };
    await copy(built.wasm, join(dir, `${name}.wasm`));
    await copy(built.zkey, join(dir, `${name}.zkey`));
    return built.vkey as unknown as Groth16VerificationKey;
  }

  /** Starts the prover process (its account funded from the faucet once). */
  private async startProver(giveUp: (p: SupervisedProcess, reason: string) => void): Promise<void> {
    const prover = this.file!.prover!;
    if (this.file!.faucet && this.file!.denom) await this.fundProver(this.file!.nodes[0]!.rpc, prover);
    if (this.stopping) return; // stop() has read (or will read) the children: spawn nothing it would miss
    const p = new SupervisedProcess(prover.moniker, [...(this.opts.nodeArgs ?? []), AEGIS_BIN, "hub", "start", "--home", prover.home], join(prover.home, "node.log"), this.log, giveUp);
    this.children.push(p);
    p.start();
    await waitForApi(prover.api, 60_000);
  }

  /**
   * A devnet whose ZK key is set after genesis, not set yet: builds the circuit (or takes it from the
   * cache) while the chain runs, copies its artifacts, sends MsgActivateZk from the faucet (the
   * genesis's zk.authority), and starts the prover. Never throws: a failure is logged, and blocks,
   * BLS certificates and consumers go on; the next start of the devnet tries again.
   */
  private async activateZkLater(home: string, giveUp: (p: SupervisedProcess, reason: string) => void): Promise<void> {
    const f = this.file!;
    const zk = f.zk!;
    try {
      const vkey = await this.buildZkArtifacts(home, zk.circuit);
      if (this.stopping) return;
      if ((await getZkFromHeight(f.nodes[0]!.api)) === null) {
        const r = await activateZk({ hubRpc: f.nodes[0]!.rpc, mnemonic: f.faucet!.mnemonic, circuit: zk.circuit, verificationKey: vkey, denom: f.denom! });
        this.log(`ZK certificates start at hub height ${r.fromHeight} (MsgActivateZk ${r.txHash})`);
      }
      if (this.stopping) return;
      if (f.prover) await this.startProver(giveUp);
    } catch (e) {
      if (!this.stopping) this.log(`ZK activation failed: ${(e as Error).message}; blocks, BLS certificates and consumers go on (the next start of the devnet tries again)`);
    }
  }

  /** Stops every node (SIGTERM, then SIGKILL after `graceMs`) and releases the home. */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    await this.dashboard?.close();
    this.dashboard = undefined;
    await this.consumerSet?.stop(graceMs);
    await Promise.all(this.children.map((c) => c.stop(graceMs)));
    this.releaseLock?.();
    this.releaseLock = undefined;
  }
}

/**
 * Refuses a folder that is not a devnet's: one that exists, is not empty, and holds neither
 * devnet.json nor a devnet.pid (the latter: a first start stopped before devnet.json was written).
 */
export async function assertDevnetHome(home: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(home);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
    if ((e as NodeJS.ErrnoException).code === "ENOTDIR") throw new DevnetError("DEVNET_FOREIGN_HOME", `${home} is a file, not a folder: pass another --home`);
    throw e;
  }
  if (entries.length === 0 || entries.includes("devnet.json") || entries.includes(DEVNET_PID_FILE)) return;
  throw new DevnetError("DEVNET_FOREIGN_HOME", `${home} is not a devnet folder (no devnet.json; it holds ${entries.slice(0, 3).join(", ")}${entries.length > 3 ? ", …" : ""}): pass another --home, or empty it`);
}

async function writeWalletFiles(home: string, f: DevnetFile): Promise<NonNullable<DevnetFile["wallets"]>> {
  const input = {
    chainId: f.chainId,
    denom: f.denom!,
    bech32Prefix: f.bech32Prefix!,
    rpc: f.nodes.map((n) => n.rpc),
    rest: f.nodes.map((n) => n.api),
    minGasPrice: Number(DEFAULT_MIN_GAS_PRICE),
  };
  const out = { chainRegistry: join(home, "chain.json"), keplr: join(home, "keplr-chain-info.json") };
  await writeFileAtomic(out.chainRegistry, JSON.stringify(buildChainRegistryJson(input), null, 2) + "\n");
  await writeFileAtomic(out.keplr, JSON.stringify(buildKeplrChainInfo(input), null, 2) + "\n");
  return out;
}

/** The first height a ZK certificate may be of, from a hub node's GET /zk; null while the key is not set (decision 58). */
export async function getZkFromHeight(api: string): Promise<number | null> {
  const r = await fetch(`${api}/zk`);
  if (!r.ok) throw new Error(`${api}/zk answered HTTP ${r.status}`);
  return decodeZkInfoJson(await r.json()).fromHeight;
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
