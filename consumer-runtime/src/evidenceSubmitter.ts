import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { SigningStargateClient, StargateClient, type StdFee } from "@cosmjs/stargate";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import {
  decodeBlockHeaderJson,
  decodeCommitCertificateJson,
  decodeZkCertificateJson,
  encodeBlockHeaderJson,
  encodeCommitCertificateJson,
  encodeZkCertificateJson,
  readObject,
  toHex,
  type HubForkEvidence,
} from "@aegis/consumer-sdk";
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
  /**
   * Where each piece of evidence is kept (one JSON file each, written before it is sent, updated when
   * it settles): a restarted node sends what was still pending. Absent: memory only.
   */
  dir?: string;
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
    if (this.opts.dir) await this.load(this.opts.dir);
    this.timer = setInterval(() => void this.round(), this.retryMs);
    if (this.items.some((i) => i.status.state === "pending")) void this.round();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  get statuses(): readonly EvidenceStatus[] {
    return this.items.map((i) => i.status);
  }

  /** Every piece of evidence kept, in the order it came (read back from disk after a restart). */
  get evidence(): readonly HubForkEvidence[] {
    return this.items.map((i) => i.evidence);
  }

  /**
   * Queues `evidence` (the same evidence twice is kept once), keeps it on disk (with `dir`) and starts
   * a round. Resolves once it is kept.
   */
  async submit(evidence: HubForkEvidence): Promise<void> {
    const key = keyOf(evidence);
    if (this.items.some((i) => keyOf(i.evidence) === key)) return;
    const hubHeight = evidence.bls ? evidence.bls.a.certificate.height : evidence.zk!.a.height;
    const item = { evidence, status: { tier: evidence.bls ? ("bls" as const) : ("zk" as const), hubHeight, attempts: 0, state: "pending" as EvidenceStatus["state"] }, sent: [] as string[] };
    this.items.push(item);
    await this.persist(item);
    void this.round();
  }

  /** Writes an item's file (temp file, then rename: a crash leaves the old file or the new one). */
  private async persist(item: { evidence: HubForkEvidence; status: EvidenceStatus; sent: string[] }): Promise<void> {
    const dir = this.opts.dir;
    if (!dir) return;
    const name = createHash("sha256").update(keyOf(item.evidence)).digest("hex");
    const tmp = join(dir, `${name}.json.tmp`);
    await writeFile(tmp, JSON.stringify({ version: 1, evidence: encodeEvidenceJson(item.evidence), status: item.status, sent: item.sent }, null, 2) + "\n");
    await rename(tmp, join(dir, `${name}.json`));
  }

  private async load(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    for (const f of (await readdir(dir)).filter((n) => n.endsWith(".json")).sort()) {
      try {
        const j = readObject(JSON.parse(await readFile(join(dir, f), "utf8")), f, ["version", "evidence", "status", "sent"]);
        const evidence = decodeEvidenceJson(j.evidence, this.opts.hubChainId);
        // The status as written, each field checked (what the file says is only a record of this node's own sending).
        const st = (typeof j.status === "object" && j.status !== null ? j.status : {}) as Record<string, unknown>;
        const status: EvidenceStatus = {
          tier: evidence.bls ? "bls" : "zk",
          hubHeight: evidence.bls ? evidence.bls.a.certificate.height : evidence.zk!.a.height,
          attempts: Number.isSafeInteger(st.attempts) && (st.attempts as number) >= 0 ? (st.attempts as number) : 0,
          state: st.state === "slashed" || st.state === "already" ? st.state : "pending",
          ...(typeof st.txHash === "string" ? { txHash: st.txHash } : {}),
        };
        const sent = Array.isArray(j.sent) ? j.sent.filter((x): x is string => typeof x === "string") : [];
        if (!this.items.some((i) => keyOf(i.evidence) === keyOf(evidence))) this.items.push({ evidence, status, sent });
      } catch (e) {
        this.log.error("fork evidence file unreadable: left as it is", { file: f, err: e instanceof Error ? e.message : String(e) });
      }
    }
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
  private async settled(item: { evidence: HubForkEvidence; status: EvidenceStatus; sent: string[] }): Promise<boolean> {
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
        await this.persist(item);
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
    await this.persist(item);
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

/** The evidence as JSON (the hub API's shapes for headers and certificates). */
function encodeEvidenceJson(e: HubForkEvidence): unknown {
  if (e.bls) {
    const side = (x: NonNullable<HubForkEvidence["bls"]>["a"]) => ({ header: encodeBlockHeaderJson(x.header), certificate: encodeCommitCertificateJson(x.certificate) });
    return { bls: { a: side(e.bls.a), b: side(e.bls.b) } };
  }
  return { zk: { a: encodeZkCertificateJson(e.zk!.a), b: encodeZkCertificateJson(e.zk!.b) } };
}

function decodeEvidenceJson(json: unknown, chainId: string): HubForkEvidence {
  const o = readObject(json, "$.evidence", [], ["bls", "zk"]);
  if (o.bls !== undefined) {
    const b = readObject(o.bls, "$.evidence.bls", ["a", "b"]);
    const side = (x: unknown, p: string) => {
      const s = readObject(x, p, ["header", "certificate"]);
      return { header: decodeBlockHeaderJson(s.header, `${p}.header`), certificate: decodeCommitCertificateJson(s.certificate, `${p}.certificate`) };
    };
    return { bls: { a: side(b.a, "$.evidence.bls.a"), b: side(b.b, "$.evidence.bls.b") } };
  }
  const z = readObject(o.zk, "$.evidence.zk", ["a", "b"]);
  return { zk: { a: decodeZkCertificateJson(z.a, { chainId }, "$.evidence.zk.a"), b: decodeZkCertificateJson(z.b, { chainId }, "$.evidence.zk.b") } };
}

