import { randomBytes } from "node:crypto";

import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { GasPrice, SigningStargateClient } from "@cosmjs/stargate";
import { ed25519 } from "@noble/curves/ed25519.js";
import { encodeHubTrustRootJson, fromHex, toHex } from "@aegis/consumer-sdk";
import { registerConsumer, type ConsumerNodeConfigJson } from "@aegis/consumer-runtime";
import { computeHubTrustRoot, loadGenesis, writeFileAtomic, type InitializedNode } from "@aegis/hub";
import { waitForApi } from "./devnet.js";
import { SupervisedProcess } from "./supervisor.js";

const require = createRequire(import.meta.url);
export const CONSUMER_BIN = join(dirname(require.resolve("@aegis/consumer-chains/package.json")), "bin", "aegis-consumer.js");

/** The reference chains the devnet runs, in order: consumer i is DEVNET_CONSUMER_VMS[i % 3]. */
export const DEVNET_CONSUMER_VMS = ["ledger", "utxo", "evm"] as const;
/** Wei for the EVM chain's faucet and relayer accounts. */
export const DEVNET_EVM_BALANCE = "1000000000000000000000000";
/** Locked on the hub by each registration (the genesis minimum). */
export const DEVNET_CONSUMER_BOND = "10000000";
/** Sent from the hub faucet to each consumer's hub account (bond + years of checkpoint fees). */
export const DEVNET_CONSUMER_FUNDING = "100000000000";
/** Each consumer's own faucet balance in its genesis. */
export const DEVNET_CONSUMER_FAUCET_AMOUNT = "1000000000000000";
export const DEVNET_CHECKPOINT_FEE = { gas: "400000", amountPerGas: 0.025 };
/** Gas of a fork-evidence transaction (two certificate checks: ~0.2M gas for BLS, ~0.6M for ZK, plus the slashing). */
export const DEVNET_EVIDENCE_GAS = "2000000";

/** One consumer chain of the devnet, as devnet.json lists it. */
export interface DevnetConsumer {
  id: string;
  vm: string;
  /** The producer's API (the one to send transactions to; every node answers them). */
  api: string;
  nodes: { role: "producer" | "full"; api: string; p2p: string; home: string }[];
  /** The hub account that owns the registration and pays checkpoint fees. */
  hubAccount: { address: string; mnemonic: string };
  /** A funded key of the consumer chain itself (hex secret key: ed25519, secp256k1 for evm; its address as the chain shows it). */
  faucet: { secretKey: string; address: string };
}

export interface DevnetConsumersOpts {
  home: string;
  host: string;
  count: number;
  /** First consumer API port (consumer i: base + 2i for the producer, + 2i + 1 for its full node); likewise p2p. */
  apiBasePort: number;
  p2pBasePort: number;
  hubNodes: InitializedNode[];
  hubFaucet: { mnemonic: string; address: string };
  denom: string;
  /** Whether the hub makes ZK certificates (an EVM chain then runs the finality relayer). */
  zk: boolean;
  log: (line: string) => void;
  /** Called when a node keeps crashing at start (see SupervisedProcess). */
  onGiveUp?: (p: SupervisedProcess, reason: string) => void;
}

/**
 * The devnet's consumer chains: for each, a producer and a full node (`aegis-consumer start`), its
 * hub account funded from the hub faucet, registered on the hub with the producer's genesis hash, and
 * checkpointing through the producer. Configuration files are written once; a resumed devnet starts
 * the same chains from their data.
 */
export class DevnetConsumers {
  private readonly children: SupervisedProcess[] = [];
  consumers: DevnetConsumer[] = [];

  constructor(private readonly o: DevnetConsumersOpts) {}

  async start(existing: DevnetConsumer[] | undefined): Promise<DevnetConsumer[]> {
    const { o } = this;
    const trust = encodeHubTrustRootJson(computeHubTrustRoot(await loadGenesis(o.hubNodes[0]!.home)));
    const hubUrls = o.hubNodes.map((n) => n.api);
    const list: DevnetConsumer[] = [];
    for (let i = 0; i < o.count; i++) {
      const prior = existing?.[i];
      list.push(prior ?? (await this.create(i, trust, hubUrls)));
    }
    this.consumers = list;
    for (const c of list) this.spawn(`${c.id}/producer`, c.nodes[0]!.home);
    await Promise.all(list.map((c) => waitForApi(c.nodes[0]!.api, 120_000)));
    for (const c of list) await this.register(c);
    for (const c of list) for (const n of c.nodes.slice(1)) this.spawn(`${c.id}/${n.role}`, n.home);
    await Promise.all(list.flatMap((c) => c.nodes.slice(1).map((n) => waitForApi(n.api, 120_000))));
    return list;
  }

  private async create(i: number, trust: unknown, hubUrls: string[]): Promise<DevnetConsumer> {
    const { o } = this;
    const vm = DEVNET_CONSUMER_VMS[i % DEVNET_CONSUMER_VMS.length]!;
    const id = `${vm}-${Math.floor(i / DEVNET_CONSUMER_VMS.length) + 1}`;
    const dir = join(o.home, "consumers", id);
    const producerSk = new Uint8Array(randomBytes(32));
    const chains = await import("@aegis/consumer-chains");
    let faucet: DevnetConsumer["faucet"];
    let genesis: unknown;
    let relayerKey: Uint8Array | undefined;
    if (vm === "evm") {
      const faucetKey = chains.createEvmKey();
      relayerKey = chains.createEvmKey();
      faucet = { secretKey: toHex(faucetKey), address: chains.evmAddress(faucetKey) };
      genesis = {
        chainId: chains.computeEvmChainId(id),
        alloc: [faucet.address, chains.evmAddress(relayerKey)].map((address) => ({ address, balance: DEVNET_EVM_BALANCE })),
      };
    } else {
      const sk = new Uint8Array(randomBytes(32));
      const pk = ed25519.getPublicKey(sk);
      faucet = { secretKey: toHex(sk), address: vm === "ledger" ? chains.ledgerAddress(pk) : chains.utxoAddress(pk) };
      genesis = vm === "ledger" ? { allocations: [{ address: faucet.address, amount: DEVNET_CONSUMER_FAUCET_AMOUNT }] } : { outputs: [{ owner: faucet.address, amount: DEVNET_CONSUMER_FAUCET_AMOUNT }] };
    }
    const wallet = await DirectSecp256k1HdWallet.generate(24, { prefix: "aegis" });
    const hubAccount = { address: (await wallet.getAccounts())[0]!.address, mnemonic: wallet.mnemonic };
    const fee = { amount: [{ denom: o.denom, amount: String(Math.ceil(Number(DEVNET_CHECKPOINT_FEE.gas) * DEVNET_CHECKPOINT_FEE.amountPerGas)) }], gas: DEVNET_CHECKPOINT_FEE.gas };
    const ports = (k: number) => ({ api: o.apiBasePort + 2 * i + k, p2p: o.p2pBasePort + 2 * i + k });
    const base = {
      consumerId: id,
      vm,
      genesisTime: Date.now(),
      producerKeys: [toHex(ed25519.getPublicKey(producerSk))],
      genesis,
    };
    const nodes: DevnetConsumer["nodes"] = [];
    for (const [k, role] of (["producer", "full"] as const).entries()) {
      const home = join(dir, role);
      await mkdir(home, { recursive: true });
      const p = ports(k);
      const cfg: ConsumerNodeConfigJson = {
        ...base,
        p2p: { listen: [`/ip4/${o.host}/tcp/${p.p2p}`], bootstrap: [] },
        api: { host: o.host, port: p.api },
        hub: { apiUrls: role === "producer" ? hubUrls : [...hubUrls].reverse(), trust: trust as never, followIntervalMs: 250 },
      };
      if (role === "producer") {
        cfg.producer = { index: 0, secretKey: toHex(producerSk), blockIntervalMs: 200, emptyBlockIntervalMs: 1000 };
        cfg.hub!.checkpoints = { rpcUrl: hubUrls[0]!, mnemonic: hubAccount.mnemonic, fee, intervalMs: 300 };
        // The same account submits fork evidence (its checkpoints stop when the chain halts on a fork).
        cfg.hub!.evidence = { mnemonic: hubAccount.mnemonic, fee: { amount: [{ denom: o.denom, amount: String(Math.ceil(Number(DEVNET_EVIDENCE_GAS) * DEVNET_CHECKPOINT_FEE.amountPerGas)) }], gas: DEVNET_EVIDENCE_GAS } };
        if (relayerKey && o.zk) await writeFileAtomic(join(home, "relayer.json"), JSON.stringify({ relayerKey: toHex(relayerKey) }, null, 2) + "\n");
      } else {
        cfg.p2p.bootstrap = nodes[0] ? [nodes[0].p2p] : [];
      }
      await writeFileAtomic(join(home, "consumer.json"), JSON.stringify(cfg, null, 2) + "\n");
      // The p2p address needs the node's peer id: its key is made now, as the node would at first start.
      const { createPeerPrivateKey, peerIdFromPrivateKey } = await import("@aegis/p2p");
      const key = await createPeerPrivateKey();
      await writeFile(join(home, "node-key"), key, { mode: 0o600 });
      nodes.push({ role, api: `http://${o.host}:${p.api}`, p2p: `/ip4/${o.host}/tcp/${p.p2p}/p2p/${peerIdFromPrivateKey(key)}`, home });
    }
    // The full node's bootstrap names the producer (written after both keys exist).
    const fullCfgPath = join(nodes[1]!.home, "consumer.json");
    const fullCfg = JSON.parse(await readFile(fullCfgPath, "utf8")) as ConsumerNodeConfigJson;
    fullCfg.p2p.bootstrap = [nodes[0]!.p2p];
    await writeFileAtomic(fullCfgPath, JSON.stringify(fullCfg, null, 2) + "\n");
    this.o.log(`created consumer ${id} (${vm}) in ${dir}`);
    return { id, vm, api: nodes[0]!.api, nodes, hubAccount, faucet };
  }

  /** Funds the consumer's hub account and registers it with its producer's genesis hash, unless the hub knows it already. */
  private async register(c: DevnetConsumer): Promise<void> {
    const { o } = this;
    const hubApi = o.hubNodes[0]!.api;
    const known = await fetch(`${hubApi}/consumers/${c.id}`);
    await known.body?.cancel();
    if (known.status === 200) return;
    const status = (await (await fetch(`${c.nodes[0]!.api}/status`)).json()) as { genesisHash: string };
    const faucet = await DirectSecp256k1HdWallet.fromMnemonic(o.hubFaucet.mnemonic, { prefix: "aegis" });
    const client = await SigningStargateClient.connectWithSigner(hubApi, faucet, { gasPrice: GasPrice.fromString(`0.025${o.denom}`), broadcastPollIntervalMs: 200 });
    try {
      const sent = await client.sendTokens(o.hubFaucet.address, c.hubAccount.address, [{ denom: o.denom, amount: DEVNET_CONSUMER_FUNDING }], "auto");
      if (sent.code !== 0) throw new Error(`funding ${c.id}'s hub account failed (code ${sent.code}): ${sent.rawLog ?? ""}`);
    } finally {
      client.disconnect();
    }
    const producerKey = JSON.parse(await readFile(join(c.nodes[0]!.home, "consumer.json"), "utf8")).producerKeys[0] as string;
    await registerConsumer({
      hubRpcUrl: hubApi,
      mnemonic: c.hubAccount.mnemonic,
      consumerId: c.id,
      vm: c.vm,
      genesisHash: fromHex(status.genesisHash, "genesisHash", 32),
      producerKeys: [fromHex(producerKey, "producerKey", 32)],
      bond: { denom: o.denom, amount: DEVNET_CONSUMER_BOND },
      fee: { amount: [{ denom: o.denom, amount: "10000" }], gas: "400000" },
    });
    o.log(`registered consumer ${c.id} on the hub`);
  }

  private spawn(name: string, home: string): void {
    const p = new SupervisedProcess(`consumer ${name}`, [CONSUMER_BIN, "start", "--home", home], join(home, "node.log"), this.o.log, this.o.onGiveUp);
    this.children.push(p);
    p.start();
  }

  async stop(graceMs = 10_000): Promise<void> {
    await Promise.all(this.children.map((c) => c.stop(graceMs)));
  }
}
