import { bytesEqual, computeValidatorSetRoot, toHex } from "@aegis/consumer-sdk";
import { encodeDuplicateVoteEvidence, encodeProposalMessage, encodeTxBatch, encodeVote } from "../codec/index.js";
import { ConsensusEngine, type CommitEvent } from "../consensus/consensusEngine.js";
import { VoteBatchVerifier } from "../consensus/voteBatchVerifier.js";
import { HubDb } from "../db/index.js";
import type { Genesis } from "../genesis.js";
import { nullLogger, type Logger } from "../logger.js";
import { HubNetwork } from "../network/index.js";
import { PrivValidator } from "../signer/index.js";
import { SyncService } from "../sync/index.js";
import { Mempool } from "./mempool.js";
import { HubApplication, parseGasPrice, PlaceholderApplication, type Application } from "../app/index.js";
import { DEFAULT_NODE_CONFIG, type NodeConfig } from "./nodeConfig.js";
import { NodeMetrics } from "./nodeMetrics.js";
import type { AttestationKeyPair } from "../attestation/index.js";
import { ZkService } from "../zk/zkService.js";
import { createZkCertificateSubmission, SUBMIT_ZK_CERTIFICATE_GAS } from "../zk/certificateSubmitter.js";
import type { ZkCertificate } from "@aegis/consumer-sdk";
import { ConfigError } from "./nodeConfig.js";
import { AccountSigner } from "./accountSigner.js";
import { NodeAccount } from "./nodeAccount.js";
import { ForkCaseResponder } from "./forkCaseResponder.js";
import { HubGossip } from "./hubGossip.js";
import { NodeEvidence } from "./nodeEvidence.js";
import { TxAdmission, type SubmitTxResult } from "./txAdmission.js";

export interface HubNodeOpts {
  genesis: Genesis;
  config: NodeConfig;
  /** Folder of the node's LevelDB database. */
  dataDir: string;
  /** BLS secret key; null for a node that follows without voting. */
  blsSecretKey: Uint8Array | null;
  /** libp2p private key (protobuf); generated when absent. */
  nodeKey?: Uint8Array;
  /** The validator's attestation key (succinct certificates); absent or null: the node does not attest. */
  attestationKey?: AttestationKeyPair | null;
  /** A prover's account mnemonic: certificates it proves are submitted for the reward (MsgSubmitZkCertificate); absent: not submitted. */
  proverMnemonic?: string;
  /**
   * The validator's operator account mnemonic (keys/operator.json): the node posts, from it, the polkas
   * a fork case asks for (MsgPostPolka, decision 52); absent: the node cannot defend its validator in a case.
   */
  operatorMnemonic?: string;
}

export interface HubNodeModules {
  logger?: Logger;
  metrics?: NodeMetrics;
  /** The state machine; default: PlaceholderApplication (opaque transactions). */
  createApp?: (db: HubDb, genesis: Genesis) => Promise<Application>;
}

export const GENESIS_HASH_META_KEY = "genesisHash";

/**
 * One hub node: database, signer, consensus engine, p2p, sync and mempool, wired together — assembly
 * only. Mempool admission and batching are TxAdmission's, the gossip topics HubGossip's, evidence
 * from outside consensus NodeEvidence's. The HTTP API is separate (api/apiServer.ts) and reads from here.
 */
export class HubNode {
  readonly genesis: Genesis;
  readonly config: NodeConfig;
  readonly logger: Logger;
  readonly metrics: NodeMetrics;
  readonly mempool: Mempool;
  db!: HubDb;
  engine!: ConsensusEngine;
  network!: HubNetwork;
  sync!: SyncService;
  /** The succinct-certificate tier; null when the genesis has no `zk` section. */
  zk: ZkService | null = null;
  /** Posts the polkas fork cases ask for; null without the application or without an operator account. */
  forkCaseResponder: ForkCaseResponder | null = null;
  /** Client and gossiped transactions into the mempool. */
  readonly txs: TxAdmission;
  private evidence!: NodeEvidence;
  /** The gossip topics' validation and delivery (after start). */
  gossip!: HubGossip;
  private readonly verifier: VoteBatchVerifier;
  private started = false;
  private readonly createApp: (db: HubDb, genesis: Genesis) => Promise<Application>;
  /** The state machine (after start). */
  app!: Application;
  /** The last commits with their finality latency (newest last), for the API and benchmarks. */
  readonly recentCommits: { height: number; round: number; time: number; finalityMs: number | null; txCount: number }[] = [];

  constructor(
    private readonly opts: HubNodeOpts,
    modules: HubNodeModules = {},
  ) {
    this.genesis = opts.genesis;
    this.config = opts.config ?? DEFAULT_NODE_CONFIG;
    this.logger = (modules.logger ?? nullLogger).child({ moniker: this.config.moniker });
    this.metrics = modules.metrics ?? new NodeMetrics();
    this.mempool = new Mempool({ maxTxs: this.config.mempool.maxTxs });
    this.verifier = new VoteBatchVerifier({ chainId: opts.genesis.chainId });
    this.txs = new TxAdmission({
      mempool: this.mempool,
      checkTx: () => this.app?.checkTx?.bind(this.app),
      publishBatch: (batch) => this.publish("tx", encodeTxBatch(batch)),
      notifyTx: () => this.engine.notifyTx(),
    });
    this.createApp = modules.createApp ?? ((db, genesis) => createDefaultApp(db, genesis, this.config, this.logger));
  }

  get chainId(): string {
    return this.genesis.chainId;
  }

  async start(): Promise<void> {
    if (this.started) return;
    const { genesis, config } = this;
    this.db = await HubDb.open(this.opts.dataDir);
    try {
      const stored = await this.db.meta.getMeta(GENESIS_HASH_META_KEY);
      if (stored && !bytesEqual(stored, genesis.hash)) {
        throw new Error(`data folder ${this.opts.dataDir} belongs to another genesis (${toHex(stored)}), not ${toHex(genesis.hash)}`);
      }
      if (!stored) await this.db.meta.putMeta(GENESIS_HASH_META_KEY, genesis.hash);
      const app = await this.createApp(this.db, genesis);
      this.app = app;
      const privValidator = this.opts.blsSecretKey ? await PrivValidator.load({ blsSecretKey: this.opts.blsSecretKey }, { db: this.db }) : null;
      this.network = new HubNetwork(
        {
          chainId: genesis.chainId,
          listen: config.p2p.listen,
          bootstrap: config.p2p.bootstrap,
          privateKey: this.opts.nodeKey,
          ...(config.p2p.denyPeersFile !== undefined ? { denyPeersFile: config.p2p.denyPeersFile } : {}),
        },
        { logger: this.logger.child({ module: "p2p" }) },
      );
      this.engine = new ConsensusEngine(
        {
          genesis,
          createEmptyBlocksIntervalMs: config.consensus.createEmptyBlocksIntervalMs,
          rebroadcastIntervalMs: config.consensus.rebroadcastIntervalMs,
          maxBlockTxs: config.consensus.maxBlockTxs,
          maxBlockBytes: config.consensus.maxBlockBytes,
          polkaRetentionHeights: config.consensus.polkaRetentionHeights,
        },
        {
          db: this.db,
          mempool: this.mempool,
          privValidator,
          app,
          logger: this.logger,
          outbox: {
            proposal: (msg) => this.publish("proposal", encodeProposalMessage(msg)),
            vote: (vote) => this.publish("vote", encodeVote(vote)),
            evidence: (e) => this.publish("evidence", encodeDuplicateVoteEvidence(e)),
            requestSync: (reason) => {
              this.logger.debug("sync requested", { reason });
              this.sync?.trigger();
            },
          },
        },
      );
      this.engine.on("commit", (c) => this.onCommit(c));
      if (app.forkCases) {
        const forkCases = app.forkCases.bind(app);
        if (this.opts.operatorMnemonic) {
          const account = await this.nodeAccount(this.opts.operatorMnemonic);
          const logger = this.logger.child({ module: "fork-cases" });
          this.forkCaseResponder = new ForkCaseResponder({}, { forkCases, getPolkas: (h) => this.db.polkas.getPolkas(h), getCommit: (h) => this.db.blocks.getCertificate(h), account, logger });
        } else if (privValidator) {
          this.logger.warn("no operator account (keys/operator.json): this node cannot defend its validator in a fork case (it will not post the polkas a case asks for)");
        }
      }
      if (genesis.zk) {
        const { prover, wasm, zkey } = config.zk;
        if (prover && (!wasm || !zkey)) {
          throw new ConfigError({ code: "CONFIG_ERROR_INVALID", path: "config.json", field: "zk", reason: "a prover needs zk.wasm and zk.zkey (the circuit's artifacts)" });
        }
        if (prover && this.opts.proverMnemonic) this.proverAccount = await this.nodeAccount(this.opts.proverMnemonic);
        else if (prover) this.logger.info("no prover account (keys/prover.json): certificates are proved and gossiped, they name no prover and pay no reward");
        // The proof commits to the prover's account: its reward goes there, whoever submits it.
        const proverAddress = this.proverAccount?.addressBytes ?? new Uint8Array(20);
        this.zk = new ZkService(
          {
            chainId: genesis.chainId,
            genesisTime: genesis.genesisTime,
            zk: genesis.zk,
            attestationKey: this.opts.attestationKey ?? null,
            prover: prover ? { wasmPath: wasm, zkeyPath: zkey, address: proverAddress } : null,
          },
          {
            db: this.db,
            app,
            committedHeight: () => this.engine.height,
            publish: (kind, data) => this.publish(kind, data),
            logger: this.logger,
            count: (kind, result) => this.metrics.zk.inc({ kind, result }),
            onProved: (cert) => void this.submitZkCertificate(cert),
            request: (peer, name, data) => this.network.request(peer, name, data, { timeoutMs: 10_000 }),
            peers: () => this.network.connectedPeers(),
            onEvidence: (e) => void this.evidence.addOwnDoubleAttestation(e),
          },
        );
        await this.zk.start();
      }
      this.engine.on("fatal", (e) => this.logger.error("consensus stopped", { error: e.message }));
      this.sync = new SyncService({}, { network: this.network, engine: this.engine, db: this.db, logger: this.logger });
      this.sync.registerHandlers();
      this.evidence = new NodeEvidence({
        db: this.db,
        engine: this.engine,
        verifier: this.verifier,
        zk: this.zk,
        publishDoubleAttestation: (data) => this.publish("attestation-evidence", data),
        logger: this.logger,
      });
      this.gossip = new HubGossip({
        chainId: genesis.chainId,
        network: this.network,
        engine: this.engine,
        verifier: this.verifier,
        txs: this.txs,
        evidence: this.evidence,
        zk: this.zk,
        metrics: this.metrics,
        logger: this.logger,
        triggerSync: () => this.sync?.trigger(),
      });
      this.gossip.subscribe();
      await this.engine.start();
      await this.network.start();
      this.network.on("peer:connect", () => this.metrics.peers.set(this.network.connectedPeers().length));
      this.network.on("peer:disconnect", () => this.metrics.peers.set(this.network.connectedPeers().length));
      this.sync.start();
      this.forkCaseResponder?.start(this.engine.height);
      this.started = true;
      this.logger.info("hub node started", { chainId: genesis.chainId, peerId: this.network.peerId, addrs: this.network.multiaddrs });
    } catch (e) {
      await this.shutdown();
      throw e;
    }
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.shutdown();
    this.logger.info("hub node stopped");
  }

  private async shutdown(): Promise<void> {
    await this.forkCaseResponder?.stop();
    await this.zk?.stop();
    this.txs.stop();
    this.sync?.stop();
    await this.engine?.stop();
    await this.network?.stop().catch(() => {});
    await this.engine?.whenIdle();
    if (this.db?.isOpen) await this.db.close();
  }

  /**
   * Admits a client's transaction (CheckTx, then the mempool) and gossips it (TxAdmission.submit).
   * `code` is the CheckTx result (0 = accepted); a duplicate of a pending transaction is accepted
   * again without effect.
   */
  submitTx(tx: Uint8Array): Promise<SubmitTxResult> {
    return this.txs.submit(tx);
  }

  private proverAccount: NodeAccount | null = null;
  /** The accounts this node signs its own transactions with, by address (a prover that is also the operator is one account, one sequence). */
  private readonly accounts = new Map<string, NodeAccount>();

  private async nodeAccount(mnemonic: string): Promise<NodeAccount> {
    const signer = await AccountSigner.fromMnemonic(mnemonic);
    const known = this.accounts.get(signer.address);
    if (known) return known;
    const price = this.config.app.minGasPrices[0];
    const account = new NodeAccount(
      { chainId: this.chainId, gasPrice: price ? parseGasPrice(price) : null },
      { signer, checkAccount: (a) => this.app.checkAccount?.(a), submitTx: (tx) => this.submitTx(tx) },
    );
    this.accounts.set(signer.address, account);
    return account;
  }

  /**
   * Claims the reward of a certificate this node proved: MsgSubmitZkCertificate from the prover
   * account (NodeAccount: its next sequence as CheckTx sees it, the node's own minimum gas price),
   * submitted like any client transaction. A failure is logged, never thrown (the certificate stands either way).
   */
  private async submitZkCertificate(cert: ZkCertificate): Promise<void> {
    const s = this.proverAccount;
    if (!s || !this.started) return;
    try {
      const res = await s.send([createZkCertificateSubmission(s.address, cert)], SUBMIT_ZK_CERTIFICATE_GAS);
      if (res.status === "no_account") this.logger.warn("prover account does not exist on the hub (fund it first)", { address: s.address });
      else if (res.status === "refused") this.logger.warn("certificate submission refused", { height: cert.height, code: res.code, log: res.log });
      else this.logger.info("certificate submitted for the reward", { height: cert.height, tx: res.hash });
    } catch (e) {
      this.logger.warn("certificate submission failed", { height: cert.height, error: (e as Error).message });
    }
  }

  private publish(kind: "proposal" | "vote" | "evidence" | "tx" | "attestation" | "attestation-evidence" | "certificate", data: Uint8Array): void {
    this.network.publish(kind, data).catch((e) => this.logger.debug("publish failed", { kind, error: (e as Error).message }));
  }

  private onCommit(c: CommitEvent): void {
    // The check state restarted from the new committed state: re-admit what is still pending, drop the rest.
    this.txs.recheck();
    this.recentCommits.push({ height: c.height, round: c.round, time: Date.now(), finalityMs: c.finalityMs, txCount: c.txCount });
    if (this.recentCommits.length > 1000) this.recentCommits.splice(0, this.recentCommits.length - 1000);
    this.metrics.height.set(c.height);
    this.metrics.committedTxs.inc(c.txCount);
    if (c.finalityMs !== null) this.metrics.finality.observe(c.finalityMs / 1000);
    // Fork cases: looked at once the commit's own work is done (a block without transactions is skipped while none is open).
    if (this.forkCaseResponder) {
      const responder = this.forkCaseResponder;
      setImmediate(() => responder.onCommit(c.height, c.txCount));
    }
    // Signing an attestation (~30 ms) waits until the commit's own work is done. Blocks that come from
    // sync (a node catching up) are not attested: their attestations would come too late to matter.
    if (this.zk) {
      const zk = this.zk;
      setImmediate(() => zk.onCommit(c.height, c.block.header.time, c.blockHash, { attest: c.finalityMs !== null }).catch((e) => this.logger.warn("attestation failed", { height: c.height, error: (e as Error).message })));
    }
  }
}

/**
 * The default state machine: the hub's application (auth, bank, ...) when the genesis has an app state,
 * otherwise opaque transactions resumed from the last stored header.
 */
async function createDefaultApp(db: HubDb, genesis: Genesis, config: NodeConfig, logger: Logger): Promise<Application> {
  if (genesis.appState) {
    return HubApplication.open(
      {
        chainId: genesis.chainId,
        genesis: genesis.appState,
        genesisTime: genesis.genesisTime,
        consensusGenesisRoot: computeValidatorSetRoot(genesis.validatorSet),
        minGasPrices: config.app.minGasPrices.map(parseGasPrice),
        ...(genesis.zk ? { zk: genesis.zk } : {}),
      },
      { db, logger },
    );
  }
  const latest = await db.blocks.latestHeight();
  const block = latest > 0 ? await db.blocks.getBlock(latest) : undefined;
  return new PlaceholderApplication({ genesisHash: genesis.hash, latest: block && { height: latest, stateRoot: block.header.stateRoot } });
}
