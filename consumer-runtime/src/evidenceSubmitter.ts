import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { SigningStargateClient, StargateClient, type StdFee } from "@cosmjs/stargate";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { toHex, type HubForkEvidence } from "@aegis/consumer-sdk";
import { MSG_SUBMIT_FORK_EVIDENCE_TYPE_URL } from "@aegis/consumer-sdk/hub-tx";
import type { Logger } from "@aegis/p2p";
import { createConsumerRegistry } from "./checkpointSubmitter.js";

export interface EvidenceSubmitterOptions {
  hubChainId: string;
  /** Every hub node (CometBFT RPC URL) the node knows: each gets the evidence, so one side of a fork cannot swallow it. */
  hubRpcUrls: readonly string[];
  /** The hub account that signs and pays (BIP-39 mnemonic, bech32 prefix "aegis"). */
  mnemonic: string;
  /** Fee of one evidence transaction (two certificate checks: the hub charges ~0.2M gas for BLS, ~0.6M for ZK). */
  fee: StdFee;
  /** How often a piece of evidence not yet on chain is looked for and sent again (default 5000 ms). */
  retryMs?: number;
}

/** What happened to one piece of evidence. */
export interface EvidenceStatus {
  tier: "bls" | "zk";
  hubHeight: number;
  /** Transactions sent (each attempt is signed anew: the account's sequence may have moved). */
  attempts: number;
  /** "pending" until a hub block holds it: "slashed" (its transaction succeeded) or "already" (the hub refused it because those it names were already tombstoned, by this or other evidence). */
  state: "pending" | "slashed" | "already";
  txHash?: string;
  lastError?: string;
}

const ALREADY = /already tombstoned/;

/**
 * Submits hub-fork evidence (decision 50) to every hub node the consumer node knows, automatically,
 * retrying until a hub block holds it: each round signs a MsgSubmitForkEvidence with the current
 * sequence, broadcasts it to every node (a node on the forked side may drop it; one on the other side
 * takes it), then looks the transaction up on every node. Done when it succeeded, or when the hub
 * refused it because the validators it names are already tombstoned (someone's evidence got there
 * first). Pure I/O around the SDK's rule: the follower builds the evidence only from certificates it
 * verified.
 */
export class EvidenceSubmitter {
  private readonly items: { evidence: HubForkEvidence; status: EvidenceStatus; sent: string[] }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private wallet: DirectSecp256k1HdWallet | undefined;
  private address = "";
  readonly retryMs: number;

  constructor(
    private readonly opts: EvidenceSubmitterOptions,
    private readonly log: Logger,
  ) {
    if (opts.hubRpcUrls.length === 0) throw new RangeError("EvidenceSubmitter: at least one hub RPC URL");
    this.retryMs = opts.retryMs ?? 5000;
  }

  async start(): Promise<void> {
    this.wallet = await DirectSecp256k1HdWallet.fromMnemonic(this.opts.mnemonic, { prefix: "aegis" });
    this.address = (await this.wallet.getAccounts())[0]!.address;
    this.timer = setInterval(() => void this.round(), this.retryMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  get statuses(): readonly EvidenceStatus[] {
    return this.items.map((i) => i.status);
  }

  /** Queues `evidence` (the same evidence twice is kept once) and starts a round at once. */
  submit(evidence: HubForkEvidence): void {
    const key = keyOf(evidence);
    if (this.items.some((i) => keyOf(i.evidence) === key)) return;
    const hubHeight = evidence.bls ? evidence.bls.a.certificate.height : evidence.zk!.a.height;
    this.items.push({ evidence, status: { tier: evidence.bls ? "bls" : "zk", hubHeight, attempts: 0, state: "pending" }, sent: [] });
    void this.round();
  }

  /** One round over the pending evidence: look up what was sent, send again what is not on chain. */
  async round(): Promise<void> {
    if (this.busy || !this.wallet) return;
    this.busy = true;
    try {
      for (const item of this.items.filter((i) => i.status.state === "pending")) {
        try {
          if (await this.settled(item)) continue;
          await this.send(item);
        } catch (e) {
          item.status.lastError = e instanceof Error ? e.message : String(e);
          this.log.warn("fork evidence: a round failed", { hubHeight: item.status.hubHeight, err: item.status.lastError });
        }
      }
    } finally {
      this.busy = false;
    }
  }

  /** Whether a transaction sent for `item` is in a hub block on any node (and what it did). */
  private async settled(item: { status: EvidenceStatus; sent: string[] }): Promise<boolean> {
    for (const hash of item.sent) {
      for (const url of this.opts.hubRpcUrls) {
        const tx = await withClient(url, (c) => c.getTx(hash)).catch(() => null);
        if (!tx) continue;
        if (tx.code === 0) item.status.state = "slashed";
        else if (ALREADY.test(tx.rawLog ?? "")) item.status.state = "already";
        else {
          item.status.lastError = `refused (code ${tx.code}): ${tx.rawLog ?? ""}`;
          continue;
        }
        item.status.txHash = hash;
        this.log.info("fork evidence on chain", { hubHeight: item.status.hubHeight, tier: item.status.tier, state: item.status.state, txHash: hash, height: tx.height });
        return true;
      }
    }
    return false;
  }

  private async send(item: { evidence: HubForkEvidence; status: EvidenceStatus; sent: string[] }): Promise<void> {
    const msg = { typeUrl: MSG_SUBMIT_FORK_EVIDENCE_TYPE_URL, value: { submitter: this.address, ...item.evidence } };
    // Signed with the sequence the first answering node reports (a refused or dropped attempt leaves it unchanged).
    let raw: TxRaw | undefined;
    let lastError: unknown;
    for (const url of this.opts.hubRpcUrls) {
      try {
        const client = await SigningStargateClient.connectWithSigner(url, this.wallet!, { registry: createConsumerRegistry() });
        try {
          raw = await client.sign(this.address, [msg], this.opts.fee, "", undefined);
        } finally {
          client.disconnect();
        }
        break;
      } catch (e) {
        lastError = e;
      }
    }
    if (!raw) throw lastError instanceof Error ? lastError : new Error(String(lastError));
    const bytes = TxRaw.encode(raw).finish();
    const results = await Promise.allSettled(this.opts.hubRpcUrls.map((url) => withClient(url, (c) => c.broadcastTxSync(bytes))));
    const hashes = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    if (hashes.length === 0) throw new Error(`no hub node took the evidence: ${results.map((r) => (r.status === "rejected" ? String(r.reason) : "")).join("; ")}`);
    const hash = hashes[0]!;
    if (!item.sent.includes(hash)) item.sent.push(hash);
    item.status.attempts++;
    this.log.info("fork evidence sent", { hubHeight: item.status.hubHeight, tier: item.status.tier, txHash: hash, nodes: hashes.length });
  }
}

async function withClient<T>(url: string, f: (c: StargateClient) => Promise<T>): Promise<T> {
  const c = await StargateClient.connect(url);
  try {
    return await f(c);
  } finally {
    c.disconnect();
  }
}

function keyOf(e: HubForkEvidence): string {
  if (e.bls) return `bls/${e.bls.a.certificate.height}/${[toHex(e.bls.a.certificate.blockHash), toHex(e.bls.b.certificate.blockHash)].sort().join("/")}`;
  return `zk/${e.zk!.a.height}/${[toHex(e.zk!.a.blockHash), toHex(e.zk!.b.blockHash)].sort().join("/")}`;
}
