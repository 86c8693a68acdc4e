import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createPeerPrivateKey, nullLogger, type Logger } from "@aegis/p2p";
import { toHex } from "@aegis/consumer-sdk";
import { ConsumerApiServer } from "./apiServer.js";
import { ConsumerChain } from "./chain.js";
import { ChainStore } from "./chainStore.js";
import { CheckpointSubmitter } from "./checkpointSubmitter.js";
import type { ConsumerNodeConfig } from "./config.js";
import { ConsumerNetwork } from "./consumerNetwork.js";
import type { ExecutionEnvironment } from "./executionEnvironment.js";
import { HubClient } from "./hubClient.js";
import { HubFollower } from "./hubFollower.js";
import { EvidenceSubmitter } from "./evidenceSubmitter.js";
import { HubStream } from "./hubStream.js";
import { Mempool } from "./mempool.js";
import { ConsumerMetrics } from "./metrics.js";
import { BlockProducer } from "./producer.js";

export interface ConsumerNodeModules {
  logger?: Logger;
  /** The clock (Unix ms); Date.now by default. */
  now?: () => number;
}

/**
 * One consumer node: the chain over its store, the mempool, libp2p, and the optional roles: producer
 * (makes blocks), hub follower (hub finality through the light client), checkpoint submitter (the
 * producer's checkpoints into the hub). Files in `home`: `data/` (level), `node-key` (libp2p identity).
 */
export class ConsumerNode {
  readonly chain: ConsumerChain;
  readonly mempool: Mempool;
  readonly network: ConsumerNetwork;
  readonly metrics: ConsumerMetrics;
  readonly api: ConsumerApiServer;
  readonly producer: BlockProducer | undefined;
  readonly follower: HubFollower | undefined;
  readonly submitter: CheckpointSubmitter | undefined;
  /** Submits the evidence of each hub fork the follower proves (with `hub.evidence` configured). */
  readonly evidence: EvidenceSubmitter | undefined;
  readonly hubStream: HubStream | undefined;
  private stopped = false;
  private metricsTimer: NodeJS.Timeout | undefined;

  private constructor(
    readonly config: ConsumerNodeConfig,
    readonly store: ChainStore,
    chain: ConsumerChain,
    networkKey: Uint8Array,
    private readonly log: Logger,
    private readonly now: () => number,
    home: string,
  ) {
    this.chain = chain;
    this.metrics = new ConsumerMetrics(config.consumerId);
    this.mempool = new Mempool(chain);
    this.network = new ConsumerNetwork(chain, this.mempool, { listen: config.p2p.listen, bootstrap: config.p2p.bootstrap, privateKey: networkKey }, now, log);
    if (config.producer) {
      this.producer = new BlockProducer(
        chain,
        this.mempool,
        { producerIndex: config.producer.index, secretKey: config.producer.secretKey, ...pick(config.producer, ["blockIntervalMs", "emptyBlockIntervalMs"]) },
        (b) => this.network.publishBlock(b),
        now,
        log.child({ module: "producer" }),
      );
    }
    if (config.hub) {
      const client = new HubClient({ urls: config.hub.apiUrls });
      this.hubStream = new HubStream(config.hub.apiUrls, log.child({ module: "hub-stream" }));
      this.follower = new HubFollower(chain, client, config.hub.trust, now, log.child({ module: "hub-follower" }), config.hub.followIntervalMs, pick(config.hub, ["resumeFrom"]));
      if (config.hub.evidence) {
        const e = config.hub.evidence;
        // Kept in <home>/fork-evidence: a restart sends what was still pending.
        this.evidence = new EvidenceSubmitter(
          { hubChainId: config.hub.trust.chainId, hubRpcUrls: config.hub.apiUrls, mnemonic: e.mnemonic, fee: e.fee, dir: join(home, "fork-evidence"), ...pick(e, ["retryMs"]) },
          log.child({ module: "fork-evidence" }),
        );
        const evidence = this.evidence;
        this.follower.onForkEvidence((ev) => void evidence.submit(ev).catch((err) => log.error("fork evidence not kept", { err: err instanceof Error ? err.message : String(err) })));
      }
      if (config.hub.checkpoints && config.producer) {
        const c = config.hub.checkpoints;
        this.submitter = new CheckpointSubmitter(
          chain,
          client,
          { hubChainId: config.hub.trust.chainId, hubRpcUrl: c.rpcUrl, mnemonic: c.mnemonic, fee: c.fee, producerIndex: config.producer.index, producerSecretKey: config.producer.secretKey, ...pick(c, ["intervalMs"]) },
          now,
          log.child({ module: "checkpoints" }),
        );
      }
    }
    // Look at the hub at once on each hub commit and each new head, not only on the timers.
    const follower = this.follower;
    const submitter = this.submitter;
    this.hubStream?.onCommit(() => {
      if (follower) void follower.tick();
      if (submitter) void submitter.tick();
    });
    if (submitter) chain.on((e) => e.type === "head" && void submitter.tick());
    this.api = new ConsumerApiServer(this, log.child({ module: "api" }));
    chain.on((e) => {
      if (e.type === "head") this.metrics.headHeight.set(e.height);
      if (e.type === "reorg-refused") {
        this.metrics.blocksRefused.inc({ code: e.code });
        log.warn("refused a branch that would drop hub-final blocks", { height: e.height, hash: toHex(e.hash), code: e.code });
      }
      if (e.type === "misbehaviour") log.error("hub misbehaviour: the node halts", { event: e.event.kind });
      if (e.type === "resumed") log.warn("the node resumes after hub misbehaviour", { event: e.after.kind, hubHeight: e.hubHeight });
    });
  }

  /** Opens the store (creating the chain on first start), then starts networking, roles and the API. */
  static async start(config: ConsumerNodeConfig, env: ExecutionEnvironment, home: string, modules: ConsumerNodeModules = {}): Promise<ConsumerNode> {
    const log = (modules.logger ?? nullLogger).child({ consumer: config.consumerId });
    const now = modules.now ?? Date.now;
    if (env.vm !== config.vm) throw new Error(`the configuration is for a "${config.vm}" chain, the environment is "${env.vm}"`);
    await mkdir(home, { recursive: true });
    const keyPath = join(home, "node-key");
    let key: Uint8Array;
    try {
      key = new Uint8Array(await readFile(keyPath));
    } catch {
      key = await createPeerPrivateKey();
      await writeFile(keyPath, key, { mode: 0o600 });
    }
    const store = await ChainStore.open(join(home, "data"));
    let node: ConsumerNode | undefined;
    try {
      const chain = await ConsumerChain.open({ consumerId: config.consumerId, producerKeys: config.producerKeys, genesisTime: config.genesisTime }, env, store);
      node = new ConsumerNode(config, store, chain, key, log, now, home);
      await node.network.start();
      await node.api.listen(config.api.host, config.api.port);
      node.producer?.start();
      await node.follower?.start();
      await node.submitter?.start();
      await node.evidence?.start();
      node.hubStream?.start();
      node.metricsTimer = setInterval(() => node!.sampleMetrics(), 1000);
      log.info("consumer node started", { vm: env.vm, height: chain.head.header.height, hubFinalHeight: chain.finalHeight, api: node.api.url, peerId: node.network.p2p.peerId });
      return node;
    } catch (e) {
      if (node) await node.stop().catch(() => {});
      else await store.close().catch(() => {});
      throw e;
    }
  }

  private sampleMetrics(): void {
    this.metrics.finalHeight.set(this.chain.finalHeight);
    this.metrics.mempoolSize.set(this.mempool.size);
    this.metrics.peers.set(this.network.p2p.connectedPeers().length);
    if (this.follower) this.metrics.hubVerifiedHeight.set(this.follower.status.verifiedHubHeight);
    if (this.submitter) this.metrics.checkpointsSent.set(this.submitter.submitted);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.metricsTimer) clearInterval(this.metricsTimer);
    this.producer?.stop();
    this.follower?.stop();
    this.submitter?.stop();
    this.evidence?.stop();
    this.hubStream?.stop();
    await this.api.close().catch(() => {});
    await this.network.stop().catch(() => {});
    // Let a block being added finish before the store closes.
    await this.chain.exclusive(async () => {});
    await this.chain.env.close?.();
    await this.store.close();
  }
}

function pick<T extends object, K extends keyof T>(o: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
