import { DirectSecp256k1HdWallet, Registry, type OfflineSigner } from "@cosmjs/proto-signing";
import { defaultRegistryTypes, SigningStargateClient, type SigningStargateClientOptions, type StdFee } from "@cosmjs/stargate";
import {
  computeCheckpointHash,
  decodeConsumerJson,
  decodeInclusionProofJson,
  signCheckpoint,
  ZERO_CHECKPOINT_HASH,
  type ConsumerCheckpoint,
} from "@aegis/consumer-sdk";
import {
  AegisMsgPostCommit,
  AegisMsgPostPolka,
  AegisMsgSubmitForkEvidence,
  CONSUMER_COSMJS_TYPES,
  MSG_POST_COMMIT_TYPE_URL,
  MSG_POST_POLKA_TYPE_URL,
  MSG_REGISTER_CONSUMER_TYPE_URL,
  MSG_SUBMIT_CHECKPOINT_TYPE_URL,
  MSG_SUBMIT_FORK_EVIDENCE_TYPE_URL,
} from "@aegis/consumer-sdk/hub-tx";
import type { Logger } from "@aegis/p2p";
import type { ConsumerChain } from "./chain.js";
import type { HubClient } from "./hubClient.js";

export interface CheckpointSubmitterOptions {
  hubChainId: string;
  /** A hub node's RPC/API URL (CometBFT RPC, what cosmjs connects to). */
  hubRpcUrl: string;
  /** The hub account that signs the transactions and pays the fees (BIP-39 mnemonic, bech32 prefix "aegis"). */
  mnemonic: string;
  /** The fee per checkpoint transaction, e.g. { amount: [{ denom: "uaegis", amount: "10000" }], gas: "400000" }. */
  fee: StdFee;
  producerIndex: number;
  /** The producer's ed25519 secret key (the checkpoint is signed with it). */
  producerSecretKey: Uint8Array;
  /** How often to look for a new head to checkpoint (default 500 ms). */
  intervalMs?: number;
  /** Re-submit when a sent checkpoint has not reached the hub after this long (default 6000 ms). */
  resubmitAfterMs?: number;
  /**
   * The wait before connecting again after `hubRpcUrl` did not answer (default 1000 ms), doubled after
   * each failure in a row up to `connectRetryMaxMs` (default 30 000 ms).
   */
  connectRetryMs?: number;
  connectRetryMaxMs?: number;
  /** A connection attempt that has not succeeded after this long counts as failed (default 10 000 ms). */
  connectTimeoutMs?: number;
}

/** Makes the signing client (SigningStargateClient.connectWithSigner): what the submitter calls to reach the hub. */
export type ConnectSigningClient = (url: string, signer: OfflineSigner, options: SigningStargateClientOptions) => Promise<SigningStargateClient>;

export interface CheckpointSubmitterModules {
  /** SigningStargateClient.connectWithSigner by default. */
  connect?: ConnectSigningClient;
}

/** The cosmjs registry with the hub's consumer messages and its fork evidence. */
export function createConsumerRegistry(): Registry {
  return new Registry([
    ...defaultRegistryTypes,
    ...(CONSUMER_COSMJS_TYPES as never),
    [MSG_SUBMIT_FORK_EVIDENCE_TYPE_URL, AegisMsgSubmitForkEvidence as never],
    [MSG_POST_POLKA_TYPE_URL, AegisMsgPostPolka as never],
    [MSG_POST_COMMIT_TYPE_URL, AegisMsgPostCommit as never],
  ]);
}

/**
 * Checkpoints the consumer's head into the hub: one checkpoint covers every block since the last one
 * (batched), names the hub's latest checkpoint of this consumer as its parent (so the hub's chain of
 * checkpoints is the source of truth after any restart), is signed with the producer key and sent by a
 * hub account that pays the fee. Retried: a checkpoint not on the hub after `resubmitAfterMs` is sent
 * again (for the head then); a new one is sent only once the previous one landed, so the account's
 * sequence never races.
 *
 * The hub node at `hubRpcUrl` need not answer when the node starts: start() only derives the account
 * and starts the timer, and the rounds connect (at most one attempt at a time, each bounded by
 * `connectTimeoutMs`, backing off from `connectRetryMs` to `connectRetryMaxMs` while it fails, the
 * reason in `lastError`). Checkpoints begin once it answers. stop() ends a pending attempt: the client
 * it still brings is disconnected, and no timer is left.
 */
export class CheckpointSubmitter {
  private client: SigningStargateClient | undefined;
  private wallet: DirectSecp256k1HdWallet | undefined;
  private address = "";
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private again = false;
  private pending: { height: number; at: number } | undefined;
  private parentCache: { height: number; hash: Uint8Array } | undefined;
  /** Bumped by start() and stop(): a connection attempt of an older run keeps nothing it brings. */
  private run = 0;
  private connectFailures = 0;
  private nextConnectAt = 0;
  /** Ends the pending connection attempt's wait (stop()). */
  private abortConnect: (() => void) | undefined;
  private readonly connectSigningClient: ConnectSigningClient;
  readonly intervalMs: number;
  readonly resubmitAfterMs: number;
  readonly connectRetryMs: number;
  readonly connectRetryMaxMs: number;
  readonly connectTimeoutMs: number;
  /** Checkpoints sent, and the last error (for status). Nothing is sent before start() or after stop(). */
  submitted = 0;
  lastError: string | undefined;

  constructor(
    private readonly chain: ConsumerChain,
    private readonly hub: HubClient,
    private readonly opts: CheckpointSubmitterOptions,
    private readonly now: () => number,
    private readonly log: Logger,
    modules: CheckpointSubmitterModules = {},
  ) {
    this.intervalMs = opts.intervalMs ?? 500;
    this.resubmitAfterMs = opts.resubmitAfterMs ?? 6000;
    this.connectRetryMs = opts.connectRetryMs ?? 1000;
    this.connectRetryMaxMs = Math.max(opts.connectRetryMaxMs ?? 30_000, this.connectRetryMs);
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 10_000;
    this.connectSigningClient = modules.connect ?? ((url, signer, options) => SigningStargateClient.connectWithSigner(url, signer, options));
  }

  /** Derives the hub account and starts the rounds; the first one connects to the hub at once. Does not wait for the hub. */
  async start(): Promise<void> {
    if (this.timer) return;
    const run = ++this.run;
    const wallet = await DirectSecp256k1HdWallet.fromMnemonic(this.opts.mnemonic, { prefix: "aegis" });
    const address = (await wallet.getAccounts())[0]!.address;
    if (run !== this.run) return; // stopped meanwhile
    this.wallet = wallet;
    this.address = address;
    this.connectFailures = 0;
    this.nextConnectAt = 0;
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    void this.tick();
  }

  stop(): void {
    this.run++;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.abortConnect?.();
    this.client?.disconnect();
    this.client = undefined;
  }

  get relayer(): string {
    return this.address;
  }

  /** Whether the submitter has a client of the hub node (it connected since start()). */
  get connected(): boolean {
    return this.client !== undefined;
  }

  async tick(): Promise<void> {
    if (!this.timer || this.chain.misbehaviour) return;
    if (this.busy) {
      this.again = true; // a wake-up during a round: one more right after it
      return;
    }
    this.busy = true;
    this.again = false;
    try {
      const client = this.client ?? (await this.connect());
      if (!client) return;
      const consumer = await this.hub.get("consumer", { id: this.chain.consumerId }, {}, (j) => decodeConsumerJson(j));
      if (!consumer || consumer.status !== "active") return;
      const head = this.chain.head;
      const hubHeight = consumer.latestHeight;
      if (head.header.height <= hubHeight) return;
      if (this.pending && this.pending.height > hubHeight && this.now() - this.pending.at < this.resubmitAfterMs) return;
      const parent = await this.parentHash(hubHeight);
      if (!parent) return;
      const cp: ConsumerCheckpoint = {
        consumerId: this.chain.consumerId,
        height: head.header.height,
        blockHash: head.hash,
        parentCheckpointHash: parent,
        stateRoot: head.header.stateRoot,
      };
      const msg = {
        typeUrl: MSG_SUBMIT_CHECKPOINT_TYPE_URL,
        value: { relayer: this.address, checkpoint: cp, producerIndex: this.opts.producerIndex, signature: signCheckpoint(this.opts.producerSecretKey, this.opts.hubChainId, cp) },
      };
      await client.signAndBroadcastSync(this.address, [msg], this.opts.fee);
      this.pending = { height: cp.height, at: this.now() };
      this.submitted++;
      this.lastError = undefined;
      this.log.debug("checkpoint sent", { height: cp.height, parentHeight: hubHeight });
    } catch (e) {
      this.lastError = e instanceof Error ? e.message : String(e);
      this.log.warn("checkpoint submission failed", { err: this.lastError });
    } finally {
      this.busy = false;
      if (this.again && this.timer) void this.tick();
    }
  }

  /**
   * Connects to the hub node when an attempt is due: the client, or undefined (not due yet, failed —
   * `lastError` says why and the next attempt waits longer — or stopped meanwhile). A client that
   * comes after its attempt was given up (timed out, stopped) is disconnected at once.
   */
  private async connect(): Promise<SigningStargateClient | undefined> {
    if (!this.wallet || this.now() < this.nextConnectAt) return undefined;
    const run = this.run;
    const url = this.opts.hubRpcUrl;
    const attempt = this.connectSigningClient(url, this.wallet, { registry: createConsumerRegistry() });
    let timeout: NodeJS.Timeout | undefined;
    let abort!: () => void;
    const givenUp = new Promise<never>((_, reject) => {
      timeout = setTimeout(() => reject(new Error(`no answer within ${this.connectTimeoutMs} ms`)), this.connectTimeoutMs);
      abort = () => reject(new Error("stopped"));
    });
    this.abortConnect = abort;
    let client: SigningStargateClient;
    try {
      client = await Promise.race([attempt, givenUp]);
    } catch (e) {
      attempt.then(
        (late) => late.disconnect(),
        () => {},
      );
      if (run !== this.run) return undefined;
      this.connectFailures++;
      const waitMs = Math.min(this.connectRetryMs * 2 ** Math.min(this.connectFailures - 1, 30), this.connectRetryMaxMs);
      this.nextConnectAt = this.now() + waitMs;
      this.lastError = `cannot connect to the hub at ${url}: ${errorText(e)}`;
      this.log.warn("hub not reachable for checkpoints", { url, err: errorText(e), failures: this.connectFailures, retryInMs: waitMs });
      return undefined;
    } finally {
      clearTimeout(timeout);
      if (this.abortConnect === abort) this.abortConnect = undefined;
    }
    if (run !== this.run) {
      client.disconnect();
      return undefined;
    }
    this.client = client;
    this.connectFailures = 0;
    this.nextConnectAt = 0;
    this.lastError = undefined;
    this.log.info("connected to the hub for checkpoints", { url });
    return client;
  }

  /** The hash of the hub's checkpoint at consumer height `height` (zeros for none), from any hub node. */
  private async parentHash(height: number): Promise<Uint8Array | undefined> {
    if (height === 0) return ZERO_CHECKPOINT_HASH;
    if (this.parentCache?.height === height) return this.parentCache.hash;
    const p = await this.hub.get("inclusion", { id: this.chain.consumerId, height }, {}, (j) => decodeInclusionProofJson(j, { chainId: this.opts.hubChainId }));
    if (!p) return undefined;
    const hash = computeCheckpointHash(p.checkpoint);
    this.parentCache = { height, hash };
    return hash;
  }
}

/**
 * An error's message with its cause's (fetch failures say "fetch failed", the cause says why). Read by
 * shape, not instanceof: fetch's errors may come from another realm.
 */
function errorText(e: unknown): string {
  const messageOf = (x: unknown): string | undefined =>
    typeof x === "object" && x !== null && typeof (x as Error).message === "string" ? (x as Error).message || (x as NodeJS.ErrnoException).code : undefined;
  const message = messageOf(e) ?? String(e);
  const cause = typeof e === "object" && e !== null ? messageOf((e as Error).cause) : undefined;
  return cause && !message.includes(cause) ? `${message} (${cause})` : message;
}

export interface RegisterConsumerOptions {
  hubRpcUrl: string;
  mnemonic: string;
  consumerId: string;
  vm: string;
  genesisHash: Uint8Array;
  producerKeys: Uint8Array[];
  bond: { denom: string; amount: string };
  fee: StdFee | "auto";
}

/** Registers a consumer on the hub (MsgRegisterConsumer) and waits for the block; throws with the hub's log when refused. */
export async function registerConsumer(o: RegisterConsumerOptions): Promise<{ txHash: string; height: number }> {
  const wallet = await DirectSecp256k1HdWallet.fromMnemonic(o.mnemonic, { prefix: "aegis" });
  const owner = (await wallet.getAccounts())[0]!.address;
  const client = await SigningStargateClient.connectWithSigner(o.hubRpcUrl, wallet, { registry: createConsumerRegistry(), broadcastPollIntervalMs: 200 });
  try {
    const r = await client.signAndBroadcast(
      owner,
      [{ typeUrl: MSG_REGISTER_CONSUMER_TYPE_URL, value: { owner, consumerId: o.consumerId, vm: o.vm, genesisHash: o.genesisHash, producerKeys: o.producerKeys, bond: o.bond } }],
      o.fee,
    );
    if (r.code !== 0) throw new Error(`MsgRegisterConsumer refused (code ${r.code}): ${r.rawLog ?? ""}`);
    return { txHash: r.transactionHash, height: r.height };
  } finally {
    client.disconnect();
  }
}
