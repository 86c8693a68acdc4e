import { bytesEqual, computeValidatorSetRoot, toHex } from "@aegis/consumer-sdk";
import {
  CodecError,
  decodeDoubleAttestationEvidence,
  decodeDuplicateVoteEvidence,
  decodeTxBatch,
  encodeDoubleAttestationEvidence,
  encodeDuplicateVoteEvidence,
  encodeProposalMessage,
  encodeTxBatch,
  encodeVote,
} from "../codec/index.js";
import { ConsensusEngine, type CommitEvent } from "../consensus/consensusEngine.js";
import type { DoubleAttestationEvidence, ProposalMessage, Vote } from "../consensus/types.js";
import { VoteBatchVerifier } from "../consensus/voteBatchVerifier.js";
import { HubDb, SerialQueue } from "../db/index.js";
import type { Genesis } from "../genesis.js";
import { nullLogger, type Logger } from "../logger.js";
import { HubNetwork, type ValidationResult } from "../network/index.js";
import { PrivValidator } from "../signer/index.js";
import { SyncService } from "../sync/index.js";
import { Mempool } from "./mempool.js";
import { getTxHash } from "../tx/txHash.js";
import { HubApplication, parseGasPrice, PlaceholderApplication, type Application } from "../app/index.js";
import {
  GossipError,
  getGossipAction,
  validateProposalMessage,
  validateVoteMessage,
  VerifiedCache,
  type MessageValidationContext,
} from "./messageValidation.js";
import { DEFAULT_NODE_CONFIG, type NodeConfig } from "./nodeConfig.js";
import { NodeMetrics } from "./nodeMetrics.js";
import type { AttestationKeyPair } from "../attestation/index.js";
import { ZK_CERTIFICATES_PROTOCOL, ZkService } from "../zk/zkService.js";
import { createZkCertificateSubmission, SUBMIT_ZK_CERTIFICATE_GAS } from "../zk/certificateSubmitter.js";
import type { ZkCertificate } from "@aegis/consumer-sdk";
import { ConfigError } from "./nodeConfig.js";
import { AccountSigner } from "./accountSigner.js";
import { NodeAccount } from "./nodeAccount.js";
import { ForkCaseResponder } from "./forkCaseResponder.js";

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
const MAX_HEIGHT_AHEAD = 2;
/** Client transactions are gossiped in batches of up to this many, or after this long (ms). */
const TX_BATCH_MAX = 256;
const TX_BATCH_DELAY_MS = 5;
/** Transaction admission runs at most this long (ms) before letting other events in. */
const TX_SLICE_MS = 4;

/**
 * One hub node: database, signer, consensus engine, p2p, sync and mempool, wired together.
 * The HTTP API is separate (api/apiServer.ts) and reads from here.
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
  private readonly verifier: VoteBatchVerifier;
  private readonly verified = new VerifiedCache();
  private readonly decodedVotes = new WeakMap<Uint8Array, Vote>();
  private readonly decodedProposals = new WeakMap<Uint8Array, { msg: ProposalMessage; blockHash: Uint8Array }>();
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
            onEvidence: (e) => void this.addDoubleAttestationEvidence(e),
          },
        );
        await this.zk.start();
      }
      this.engine.on("fatal", (e) => this.logger.error("consensus stopped", { error: e.message }));
      this.sync = new SyncService({}, { network: this.network, engine: this.engine, db: this.db, logger: this.logger });
      this.sync.registerHandlers();
      this.subscribeGossip();
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
    if (this.txGossipTimer) clearTimeout(this.txGossipTimer);
    this.txGossipTimer = null;
    this.txGossip = [];
    this.sync?.stop();
    await this.engine?.stop();
    await this.network?.stop().catch(() => {});
    await this.engine?.whenIdle();
    if (this.db?.isOpen) await this.db.close();
  }

  /**
   * Admits a transaction (CheckTx, then the mempool) and gossips it. `code` is the CheckTx result
   * (0 = accepted); a duplicate of a pending transaction is accepted again without effect.
   */
  async submitTx(tx: Uint8Array): Promise<{ hash: string; added: boolean; reason?: string; code: number; codespace: string; log: string }> {
    await this.yieldToConsensus();
    const hash = getTxHash(tx);
    // Ask the mempool first: CheckTx changes the check state (sequence, fee), which must only happen
    // for a transaction that is then admitted.
    const refusal = this.mempool.refusal(tx, hash);
    if (refusal === "duplicate") return { hash, added: false, reason: "duplicate", code: 0, codespace: "", log: "" };
    if (refusal && refusal !== "committed") {
      const code = refusal === "full" ? 20 : refusal === "too_large" ? 21 : 18;
      const log = refusal === "full" ? `mempool is full (${this.mempool.size} transactions pending): try again after the next block` : `transaction not admitted: ${refusal}`;
      return { hash, added: false, reason: refusal, code, codespace: "sdk", log };
    }
    const check = this.app.checkTx?.(tx) ?? { code: 0, codespace: "", log: "" };
    if (check.code !== 0) return { hash, added: false, reason: "check_tx", ...check };
    if (refusal === "committed") return { hash, added: false, reason: "committed", code: 19, codespace: "sdk", log: "tx already in mempool cache: tx already in mempool" };
    this.mempool.add(tx);
    this.queueTxGossip(tx);
    this.engine.notifyTx();
    return { hash, added: true, code: 0, codespace: "", log: "" };
  }

  private sliceStart = 0;
  private readonly txBatches = new SerialQueue();

  /**
   * Transaction admission (CheckTx of submitted and gossiped transactions) yields to the event loop
   * after every TX_SLICE_MS of work, so a flood of transactions never holds back the consensus
   * messages waiting behind it (they are handled in the I/O phase before the yield returns).
   */
  private async yieldToConsensus(): Promise<void> {
    const now = performance.now();
    if (now - this.sliceStart < TX_SLICE_MS) return;
    await new Promise<void>((r) => setImmediate(r));
    this.sliceStart = performance.now();
  }

  /** Admitted client transactions wait here (a few ms) to be gossiped as one TxBatch. */
  private txGossip: Uint8Array[] = [];
  private txGossipTimer: NodeJS.Timeout | null = null;

  private queueTxGossip(tx: Uint8Array): void {
    this.txGossip.push(tx);
    if (this.txGossip.length >= TX_BATCH_MAX) this.flushTxGossip();
    else this.txGossipTimer ??= setTimeout(() => this.flushTxGossip(), TX_BATCH_DELAY_MS);
  }

  private flushTxGossip(): void {
    if (this.txGossipTimer) clearTimeout(this.txGossipTimer);
    this.txGossipTimer = null;
    if (this.txGossip.length === 0 || !this.started) return;
    const batch = this.txGossip;
    this.txGossip = [];
    this.publish("tx", encodeTxBatch(batch));
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

  /**
   * Double-attestation evidence this node found (its ZK service saw one validator attest two
   * statements at one height): stored, offered to this node's proposals and gossiped, so any
   * proposer puts it in a block and the validator is slashed without anyone submitting it.
   */
  private async addDoubleAttestationEvidence(e: DoubleAttestationEvidence): Promise<void> {
    try {
      if (!(await this.db.evidence.add(e))) return;
      this.engine.submitEvidence(e);
      this.publish("attestation-evidence", encodeDoubleAttestationEvidence(e));
    } catch (err) {
      this.logger.warn("double-attestation evidence not stored", { height: e.attestationA.height, error: (err as Error).message });
    }
  }

  private publish(kind: "proposal" | "vote" | "evidence" | "tx" | "attestation" | "attestation-evidence" | "certificate", data: Uint8Array): void {
    this.network.publish(kind, data).catch((e) => this.logger.debug("publish failed", { kind, error: (e as Error).message }));
  }

  private onCommit(c: CommitEvent): void {
    // The check state restarted from the new committed state: re-admit what is still pending, drop the rest.
    if (this.app.checkTx) for (const tx of this.mempool.all()) if (this.app.checkTx(tx).code !== 0) this.mempool.remove(tx);
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

  private validationContext(): MessageValidationContext {
    return {
      chainId: this.genesis.chainId,
      currentHeight: this.engine.height + 1,
      maxHeightAhead: MAX_HEIGHT_AHEAD,
      getValidatorSet: (h) => this.engine.getValidatorSet(h),
      getProposerIndex: (h, r) => this.engine.getProposerIndex(h, r),
      verifier: this.verifier,
      maxMessageBytes: 4 * 1024 * 1024,
    };
  }

  private result(kind: string, e: unknown): ValidationResult {
    if (e instanceof GossipError) {
      const action = getGossipAction(e.code);
      this.metrics.gossip.inc({ kind, result: action, code: e.code });
      if (e.code === "GOSSIP_ERROR_TOO_FAR_AHEAD") this.sync?.trigger();
      if (action === "reject") this.logger.debug("rejected gossip", { kind, code: e.code });
      return action;
    }
    this.logger.warn("gossip validation failed unexpectedly", { kind, error: (e as Error).message });
    return "ignore";
  }

  /** Validates a vote message as gossip validation does (exposed for tests and tools). */
  validateVote(data: Uint8Array): Promise<Vote> {
    return validateVoteMessage(data, this.validationContext(), this.verified);
  }

  /** Validates a proposal message as gossip validation does (exposed for tests and tools). */
  validateProposal(data: Uint8Array): { msg: ProposalMessage; blockHash: Uint8Array } {
    return validateProposalMessage(data, this.validationContext());
  }

  private subscribeGossip(): void {
    const net = this.network;
    net.subscribe(
      "vote",
      async (data) => {
        try {
          this.decodedVotes.set(data, await this.validateVote(data));
          this.metrics.gossip.inc({ kind: "vote", result: "accept", code: "" });
          return "accept";
        } catch (e) {
          return this.result("vote", e);
        }
      },
      (data) => {
        const vote = this.decodedVotes.get(data);
        if (vote) this.engine.submitVote(vote);
      },
    );
    net.subscribe(
      "proposal",
      (data) => {
        try {
          this.decodedProposals.set(data, this.validateProposal(data));
          this.metrics.gossip.inc({ kind: "proposal", result: "accept", code: "" });
          return "accept";
        } catch (e) {
          return this.result("proposal", e);
        }
      },
      (data) => {
        const p = this.decodedProposals.get(data);
        if (p) this.engine.submitProposal(p.msg, p.blockHash);
      },
    );
    net.subscribe(
      "tx",
      async (data) => {
        let txs: Uint8Array[];
        try {
          txs = decodeTxBatch(data);
        } catch (e) {
          if (e instanceof CodecError) return "reject";
          throw e;
        }
        // Forwarded when it brought at least one new admissible transaction. One that fails CheckTx
        // is not penalised: it may be valid on a peer with another pending set. Batches are admitted
        // one at a time, in arrival order (a sender's sequence numbers must reach CheckTx in order).
        const added = await this.txBatches.run(async () => {
          let n = 0;
          for (const tx of txs) {
            await this.yieldToConsensus();
            if (this.mempool.refusal(tx)) continue;
            if (this.app.checkTx && this.app.checkTx(tx).code !== 0) continue;
            this.mempool.add(tx);
            n++;
          }
          return n;
        });
        return added > 0 ? "accept" : "ignore";
      },
      () => this.engine.notifyTx(),
    );
    if (this.zk) {
      const zk = this.zk;
      net.subscribe("attestation", (data) => zk.validateAttestation(data), () => {});
      net.subscribe("certificate", (data) => zk.validateCertificate(data), () => {});
      // Double attestations another node found: both signatures checked against this node's set for
      // the height, then stored and offered to its proposals like duplicate votes.
      net.subscribe(
        "attestation-evidence",
        async (data) => {
          let e: DoubleAttestationEvidence;
          try {
            e = decodeDoubleAttestationEvidence(data);
          } catch {
            return "reject";
          }
          const verdict = zk.checkDoubleAttestationEvidence(e);
          if (verdict !== "valid") return verdict === "unknown" ? "ignore" : "reject";
          if (await this.db.evidence.add(e)) this.engine.submitEvidence(e);
          return "accept";
        },
        () => {},
      );
      net.handle(ZK_CERTIFICATES_PROTOCOL, (req) => zk.serveCertificates(req));
    }
    net.subscribe(
      "evidence",
      async (data) => {
        try {
          const e = decodeDuplicateVoteEvidence(data);
          const ctx = this.validationContext();
          const set = ctx.getValidatorSet(e.voteA.height);
          const a = e.voteA;
          const b = e.voteB;
          const conflicting =
            a.height === b.height && a.round === b.round && a.type === b.type && a.validatorIndex === b.validatorIndex &&
            !(a.blockHash && b.blockHash ? bytesEqual(a.blockHash, b.blockHash) : a.blockHash === b.blockHash);
          if (!conflicting || a.validatorIndex >= set.validators.length) return "reject";
          const [okA, okB] = await Promise.all([this.verifier.verify(a, set), this.verifier.verify(b, set)]);
          if (!okA || !okB) return "reject";
          if (await this.db.evidence.add(e)) this.engine.submitEvidence(e);
          return "accept";
        } catch {
          return "reject";
        }
      },
      () => {},
    );
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
