import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DirectSecp256k1HdWallet, type EncodeObject } from "@cosmjs/proto-signing";
import { BroadcastTxError, SigningStargateClient, StargateClient, type StdFee } from "@cosmjs/stargate";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import {
  computeHubApiPath,
  decodeBlockHeaderJson,
  decodeCertificateResponseJson,
  decodeCommitCertificateJson,
  decodeForkCasesJson,
  decodePolkasJson,
  decodeZkCertificateJson,
  encodeBlockHeaderJson,
  encodeCommitCertificateJson,
  encodeZkCertificateJson,
  getForkEvidenceHeight,
  getSignerIndices,
  isCommitWantedByForkCase,
  isForkCaseOpen,
  isPolkaWantedByForkCase,
  readObject,
  toHex,
  type CommitCertificate,
  type ForkCase,
  type HubForkEvidence,
  type PolkaCertificate,
} from "@aegis/consumer-sdk";
import { MSG_POST_COMMIT_TYPE_URL, MSG_POST_POLKA_TYPE_URL, MSG_SUBMIT_FORK_EVIDENCE_TYPE_URL } from "@aegis/consumer-sdk/hub-tx";
import type { Logger } from "@aegis/p2p";
import { createConsumerRegistry } from "./checkpointSubmitter.js";

export interface EvidenceSubmitterOptions {
  hubChainId: string;
  /**
   * Every hub node the node knows (its API URL, which also answers CometBFT RPC): each gets the
   * evidence, so one side of a fork cannot swallow it, and for a fork across rounds each is asked for
   * its fork cases and polkas (the polka relay).
   */
  hubRpcUrls: readonly string[];
  /** The hub account that signs and pays (BIP-39 mnemonic, bech32 prefix "aegis"). */
  mnemonic: string;
  /** Fee of one evidence transaction (two certificate checks: the hub charges ~0.2M gas for BLS, ~0.6M for ZK); also of each MsgPostPolka (one check). */
  fee: StdFee;
  /** How often a piece of evidence not yet on chain is looked for and sent again, and how often the polka relay looks at the cases (default 5000 ms). */
  retryMs?: number;
  /**
   * Where each piece of evidence is kept (one JSON file each, written before it is sent, updated when
   * it settles): a restarted node sends what was still pending, and relays polkas again for evidence
   * across rounds that settled. Absent: memory only.
   */
  dir?: string;
}

/** One MsgPostPolka (or, for a case across tiers, MsgPostCommit) the relay sent. */
export interface PolkaPost {
  /** "polka" (default) or "commit": a BLS commit of the block a case across tiers asks for. */
  kind?: "polka" | "commit";
  /** The hub node it was sent to: one whose open case wanted it. */
  url: string;
  round: number;
  /** The polka's block (hex). */
  blockHash: string;
  /** The prevoters the polka names (set indices). */
  signers: number[];
  /** The hub node it was fetched from. */
  from: string;
  txHash: string;
  /**
   * "pending" until a block of `url` holds the transaction: "posted" (it succeeded) or "refused" (its
   * log in `log`; that polka is not sent to that node again). "dropped": in no block after
   * POLKA_PENDING_ROUNDS rounds, so it may be sent again.
   */
  state: "pending" | "posted" | "refused" | "dropped";
  log?: string;
}

/**
 * The polka relay of one piece of evidence across rounds (decision 52): "relaying" while a hub node it
 * knows reports an open case at the evidence's height (or a node did not answer), "done" once every
 * node answered and none did. Kept in memory only: a restarted submitter relays again until it sees
 * that.
 */
export interface PolkaRelayStatus {
  state: "relaying" | "done";
  posts: PolkaPost[];
}

/** What happened to one piece of evidence. */
export interface EvidenceStatus {
  /** "mixed": a BLS commit and a ZK certificate of another block (decision 52: a case across tiers). */
  tier: "bls" | "zk" | "mixed";
  hubHeight: number;
  /** Rounds in which the evidence was sent (each signed anew for each node: the account's sequence may have moved, and may differ between the two sides of a fork). */
  attempts: number;
  /**
   * "pending" until a hub block holds it: "slashed" (its transaction succeeded and slashed those it
   * names), "case" (evidence across rounds: its transaction opened fork case `caseId`), or "already"
   * (the hub refused it because those it names were already tombstoned, or because the fork already
   * has a case, `caseId`: someone's evidence got there first).
   */
  state: "pending" | "slashed" | "case" | "already";
  /** The fork case the evidence opened or found (evidence across rounds). */
  caseId?: number;
  txHash?: string;
  lastError?: string;
  /** Evidence that opens a case (across rounds, or across tiers), once it settled: the polkas relayed to the hub nodes whose case wants them. */
  relay?: PolkaRelayStatus;
}

const ALREADY_TOMBSTONED = /already tombstoned/;
const ALREADY_HAS_CASE = /already has case (\d+)/;
const SEQUENCE_MISMATCH = /account sequence mismatch, expected (\d+)/;
/** A polka transaction in no block after this many rounds is taken as dropped and may be sent again. */
export const POLKA_PENDING_ROUNDS = 12;
/** Per hub API request. */
const HTTP_TIMEOUT_MS = 5000;

interface Item {
  evidence: HubForkEvidence;
  status: EvidenceStatus;
  sent: string[];
  /** The relay's memory: each post in flight (the round it was sent in, the polka's content key), and the (node, polka) pairs a node refused. */
  relay?: { inFlight: Map<PolkaPost, { round: number; content: string }>; refused: Set<string> };
}

/**
 * Submits hub-fork evidence (decisions 50 and 52) to every hub node the consumer node knows,
 * automatically, retrying until a hub block holds it: each round signs a MsgSubmitForkEvidence for
 * each node with the sequence that node reports (the two sides of a fork keep the account apart),
 * broadcasts it, then looks the transactions up on every node. Done when one succeeded (it slashed,
 * or across rounds, opened a case), or when the hub refused it because the validators it names are
 * already tombstoned or the fork already has a case (someone's evidence got there first).
 *
 * The polka relay (decision 52): a case across rounds asks for polkas, and the honest signers of one
 * side live on the other branch, which never sees the case. So, once evidence that opens a case
 * settled (across rounds; across tiers too, whose case may lead to one across rounds at that height),
 * each round asks every node for its fork cases at that height (GET /fork-cases?height=h); while one
 * reports an open case, it fetches the polkas of that height from every node (GET /polkas/h) and sends
 * each node, as a MsgPostPolka, every polka one of that node's open cases wants (the SDK's
 * isPolkaWantedByForkCase), unless one for that round and block is pending there. It stops when every
 * node answered and none reports an open case at that height. Answers are decoded strictly (the SDK's
 * decoders); the polkas are checked by the hub, not here. Pure I/O around the SDK's rules: the
 * follower builds the evidence only from certificates it verified.
 */
export class EvidenceSubmitter {
  private readonly items: Item[] = [];
  private readonly urls: string[];
  private timer: NodeJS.Timeout | undefined;
  private inflight: Promise<void> | undefined;
  private rounds = 0;
  private signer: SigningStargateClient | undefined;
  private address = "";
  readonly retryMs: number;

  constructor(
    private readonly opts: EvidenceSubmitterOptions,
    private readonly log: Logger,
  ) {
    if (opts.hubRpcUrls.length === 0) throw new RangeError("EvidenceSubmitter: at least one hub RPC URL");
    this.urls = opts.hubRpcUrls.map((u) => u.replace(/\/+$/, ""));
    this.retryMs = opts.retryMs ?? 5000;
  }

  async start(): Promise<void> {
    const wallet = await DirectSecp256k1HdWallet.fromMnemonic(this.opts.mnemonic, { prefix: "aegis" });
    this.address = (await wallet.getAccounts())[0]!.address;
    this.signer = await SigningStargateClient.offline(wallet, { registry: createConsumerRegistry() });
    if (this.opts.dir) await this.load(this.opts.dir);
    this.timer = setInterval(() => {
      if (!this.inflight) void this.round();
    }, this.retryMs);
    if (this.items.some((i) => i.status.state === "pending" || i.status.relay?.state === "relaying")) void this.round();
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
    const item: Item = { evidence, status: { tier: tierOf(evidence), hubHeight: getForkEvidenceHeight(evidence), attempts: 0, state: "pending" }, sent: [] };
    this.items.push(item);
    await this.persist(item);
    void this.round();
  }

  /** Writes an item's file (temp file, then rename: a crash leaves the old file or the new one). The relay is not kept. */
  private async persist(item: Item): Promise<void> {
    const dir = this.opts.dir;
    if (!dir) return;
    const name = createHash("sha256").update(keyOf(item.evidence)).digest("hex");
    const tmp = join(dir, `${name}.json.tmp`);
    const { relay: _relay, ...status } = item.status;
    await writeFile(tmp, JSON.stringify({ version: 1, evidence: encodeEvidenceJson(item.evidence), status, sent: item.sent }, null, 2) + "\n");
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
          tier: tierOf(evidence),
          hubHeight: getForkEvidenceHeight(evidence),
          attempts: Number.isSafeInteger(st.attempts) && (st.attempts as number) >= 0 ? (st.attempts as number) : 0,
          state: st.state === "slashed" || st.state === "already" || st.state === "case" ? st.state : "pending",
          ...(Number.isSafeInteger(st.caseId) && (st.caseId as number) >= 1 ? { caseId: st.caseId as number } : {}),
          ...(typeof st.txHash === "string" ? { txHash: st.txHash } : {}),
        };
        const sent = Array.isArray(j.sent) ? j.sent.filter((x): x is string => typeof x === "string") : [];
        if (this.items.some((i) => keyOf(i.evidence) === keyOf(evidence))) continue;
        const item: Item = { evidence, status, sent };
        if (status.state !== "pending") this.startRelay(item);
        this.items.push(item);
      } catch (e) {
        this.log.error("fork evidence file unreadable: left as it is", { file: f, err: e instanceof Error ? e.message : String(e) });
      }
    }
  }

  /**
   * One round: looks up what was sent, sends again the evidence not on chain, then relays polkas for
   * the settled evidence across rounds. One round at a time: a call during a round waits for it, then
   * runs one of its own.
   */
  async round(): Promise<void> {
    while (this.inflight) await this.inflight;
    if (!this.signer) return;
    const run = this.runRound().finally(() => {
      this.inflight = undefined;
    });
    this.inflight = run;
    await run;
  }

  private async runRound(): Promise<void> {
    this.rounds++;
    for (const item of this.items.filter((i) => i.status.state === "pending")) {
      try {
        if (await this.settled(item)) continue;
        await this.send(item);
      } catch (e) {
        item.status.lastError = e instanceof Error ? e.message : String(e);
        this.log.warn("fork evidence: a round failed", { hubHeight: item.status.hubHeight, err: item.status.lastError });
      }
    }
    for (const item of this.items.filter((i) => i.status.relay?.state === "relaying")) {
      try {
        await this.relayPolkas(item);
      } catch (e) {
        item.status.lastError = e instanceof Error ? e.message : String(e);
        this.log.warn("polka relay: a round failed", { hubHeight: item.status.hubHeight, err: item.status.lastError });
      }
    }
  }

  /** Whether a transaction sent for `item` is in a hub block on any node (and what it did). */
  private async settled(item: Item): Promise<boolean> {
    for (const hash of item.sent) {
      for (const url of this.urls) {
        const tx = await withClient(url, (c) => c.getTx(hash)).catch(() => null);
        if (!tx) continue;
        if (tx.code === 0) {
          const opened = tx.events.find((e) => e.type === "hub_fork_case")?.attributes.find((a) => a.key === "case_id")?.value;
          if (opened !== undefined && /^[0-9]{1,15}$/.test(opened)) {
            item.status.state = "case";
            item.status.caseId = Number(opened);
          } else item.status.state = "slashed";
        } else if (ALREADY_TOMBSTONED.test(tx.rawLog ?? "")) item.status.state = "already";
        else if (ALREADY_HAS_CASE.test(tx.rawLog ?? "")) {
          item.status.state = "already";
          item.status.caseId = Number(ALREADY_HAS_CASE.exec(tx.rawLog ?? "")![1]);
        } else {
          item.status.lastError = `refused (code ${tx.code}): ${tx.rawLog ?? ""}`;
          continue;
        }
        item.status.txHash = hash;
        this.startRelay(item);
        await this.persist(item);
        this.log.info("fork evidence on chain", { hubHeight: item.status.hubHeight, tier: item.status.tier, state: item.status.state, caseId: item.status.caseId, txHash: hash, height: tx.height });
        return true;
      }
    }
    return false;
  }

  /** Sends the evidence to every node, each signed with the sequence that node reports (identical bytes where they agree). */
  private async send(item: Item): Promise<void> {
    const msg = { typeUrl: MSG_SUBMIT_FORK_EVIDENCE_TYPE_URL, value: { submitter: this.address, ...item.evidence } };
    const results = await Promise.allSettled(this.urls.map((url) => this.broadcastTo(url, [msg])));
    const hashes = [...new Set(results.flatMap((r) => (r.status === "fulfilled" ? [r.value.hash] : [])))];
    if (hashes.length === 0) throw new Error(`no hub node took the evidence: ${results.map((r) => (r.status === "rejected" ? String(r.reason) : "")).join("; ")}`);
    for (const hash of hashes) if (!item.sent.includes(hash)) item.sent.push(hash);
    item.status.attempts++;
    await this.persist(item);
    this.log.info("fork evidence sent", { hubHeight: item.status.hubHeight, tier: item.status.tier, txHashes: hashes, nodes: results.filter((r) => r.status === "fulfilled").length });
  }

  /** Evidence across rounds that settled gets a relay (once). */
  private startRelay(item: Item): void {
    if (item.relay || !isCaseEvidence(item.evidence) || item.status.state === "pending") return;
    item.status.relay = { state: "relaying", posts: [] };
    item.relay = { inFlight: new Map(), refused: new Set() };
  }

  /** One relay round for `item` (see the class comment). */
  private async relayPolkas(item: Item): Promise<void> {
    const relay = item.status.relay!;
    const mem = item.relay!;
    const h = item.status.hubHeight;
    // 1. What became of the polkas in flight: looked up before the cases are read, so that one landing
    //    in between shows as posted in the cases, never as still wanted with nothing pending.
    for (const post of relay.posts.filter((p) => p.state === "pending")) {
      const sent = mem.inFlight.get(post);
      const tx = await withClient(post.url, (c) => c.getTx(post.txHash)).catch(() => null);
      if (tx) {
        post.state = tx.code === 0 ? "posted" : "refused";
        if (tx.code !== 0) {
          post.log = tx.rawLog ?? "";
          if (sent) mem.refused.add(`${post.url}|${sent.content}`);
        }
        mem.inFlight.delete(post);
        this.log.info("polka on chain", { hubHeight: h, url: post.url, round: post.round, blockHash: post.blockHash, state: post.state, txHash: post.txHash, height: tx.height, log: post.log });
      } else if (this.rounds - (sent?.round ?? 0) >= POLKA_PENDING_ROUNDS) {
        post.state = "dropped";
        mem.inFlight.delete(post);
        this.log.warn("polka transaction in no block: may be sent again", { hubHeight: h, url: post.url, round: post.round, txHash: post.txHash });
      }
    }
    // 2. The open cases of the height, on each node.
    const caseAnswers = await Promise.all(
      this.urls.map((url) => this.getFrom(url, computeHubApiPath("forkCases", {}, { height: h }), (json) => decodeForkCasesJson(json).filter((c) => c.height === h && isForkCaseOpen(c)), [])),
    );
    const open = new Map<string, ForkCase[]>();
    let unanswered = 0;
    caseAnswers.forEach((a, i) => {
      if (a === undefined) unanswered++;
      else if (a.length > 0) open.set(this.urls[i]!, a);
    });
    if (open.size === 0) {
      if (unanswered === 0) {
        relay.state = "done";
        this.log.info("polka relay done: no hub node reports an open case at the height", { hubHeight: h, posts: relay.posts.length });
      }
      return;
    }
    // 3. The polkas of the height, from every node: for each (round, block), the distinct ones served, most signers first.
    const served = await Promise.all(this.urls.map((url) => this.getFrom(url, computeHubApiPath("polkas", { height: h }, {}), (json) => decodePolkasJson(json), { height: h, polkas: [] })));
    const groups = new Map<string, { polka: PolkaCertificate; from: string }[]>();
    served.forEach((a, i) => {
      if (!a || a.height !== h) return;
      for (const polka of a.polkas) {
        const g = `${polka.round}/${toHex(polka.blockHash)}`;
        const list = groups.get(g) ?? [];
        if (!list.some((x) => contentKey(x.polka) === contentKey(polka))) list.push({ polka, from: this.urls[i]! });
        groups.set(g, list);
      }
    });
    for (const list of groups.values()) list.sort((a, b) => getSignerIndices(b.polka.signers).length - getSignerIndices(a.polka.signers).length);
    // 4. Each node gets what one of its open cases wants, unless it is pending there.
    for (const [url, cases] of open) {
      let next: SignerData | undefined;
      for (const list of groups.values()) {
        const { round, blockHash } = list[0]!.polka;
        if (!cases.some((c) => isPolkaWantedByForkCase(c, { round, blockHash }))) continue;
        const hex = toHex(blockHash);
        if (relay.posts.some((p) => p.url === url && p.state === "pending" && p.round === round && p.blockHash === hex)) continue;
        const pick = list.find((x) => !mem.refused.has(`${url}|${contentKey(x.polka)}`));
        if (!pick) continue;
        try {
          const msg = { typeUrl: MSG_POST_POLKA_TYPE_URL, value: { submitter: this.address, polka: pick.polka } };
          const sent = await this.broadcastTo(url, [msg], next);
          next = { accountNumber: sent.signer.accountNumber, sequence: sent.signer.sequence + 1 };
          const post: PolkaPost = { url, round, blockHash: hex, signers: getSignerIndices(pick.polka.signers), from: pick.from, txHash: sent.hash, state: "pending" };
          relay.posts.push(post);
          mem.inFlight.set(post, { round: this.rounds, content: contentKey(pick.polka) });
          this.log.info("polka sent", { hubHeight: h, url, round, blockHash: hex, from: pick.from, txHash: sent.hash });
        } catch (e) {
          next = undefined;
          item.status.lastError = e instanceof Error ? e.message : String(e);
          this.log.warn("polka not sent", { hubHeight: h, url, round, err: item.status.lastError });
        }
      }
      // A case across tiers asks the ZK signers for a BLS commit of their block: the node whose block at h it is serves it.
      for (const c of cases.filter((x) => x.kind === "tiers")) {
        const hex = toHex(c.high.blockHash);
        if (relay.posts.some((p) => p.kind === "commit" && p.url === url && p.state === "pending" && p.blockHash === hex)) continue;
        const commit = (await this.commitsAt(h)).find((x) => isCommitWantedByForkCase(c, x.blockHash) && !mem.refused.has(`${url}|commit|${contentKey(x)}`));
        if (!commit) continue;
        try {
          const sent = await this.broadcastTo(url, [{ typeUrl: MSG_POST_COMMIT_TYPE_URL, value: { submitter: this.address, commit } }], next);
          next = { accountNumber: sent.signer.accountNumber, sequence: sent.signer.sequence + 1 };
          const post: PolkaPost = { kind: "commit", url, round: commit.round, blockHash: hex, signers: getSignerIndices(commit.signers), from: "", txHash: sent.hash, state: "pending" };
          relay.posts.push(post);
          mem.inFlight.set(post, { round: this.rounds, content: `commit|${contentKey(commit)}` });
          this.log.info("commit sent", { hubHeight: h, url, round: commit.round, blockHash: hex, txHash: sent.hash });
        } catch (e) {
          next = undefined;
          item.status.lastError = e instanceof Error ? e.message : String(e);
          this.log.warn("commit not sent", { hubHeight: h, url, err: item.status.lastError });
        }
      }
    }
  }

  /** The BLS commit certificates every hub node serves at height `h` (one per distinct block). */
  private async commitsAt(h: number): Promise<CommitCertificate[]> {
    const answers = await Promise.all(this.urls.map((url) => this.getFrom(url, computeHubApiPath("certificates", { height: h }, {}), (json) => decodeCertificateResponseJson(json, { chainId: this.opts.hubChainId }).bls.certificate, undefined)));
    const out: CommitCertificate[] = [];
    for (const c of answers) if (c && !out.some((x) => toHex(x.blockHash) === toHex(c.blockHash))) out.push(c);
    return out;
  }

  /**
   * Signs `msgs` with the sequence `url` reports (or `signer`, when the caller knows the next one) and
   * broadcasts them there; when the node's CheckTx expects another sequence (a transaction of ours is
   * still in its mempool), signs once more with that one.
   */
  private async broadcastTo(url: string, msgs: EncodeObject[], signer?: SignerData): Promise<{ hash: string; signer: SignerData }> {
    return withClient(url, async (client) => {
      let data = signer ?? (await client.getSequence(this.address));
      for (let attempt = 0; ; attempt++) {
        const raw = await this.signer!.sign(this.address, msgs, this.opts.fee, "", { ...data, chainId: this.opts.hubChainId });
        try {
          return { hash: await client.broadcastTxSync(TxRaw.encode(raw).finish()), signer: data };
        } catch (e) {
          const expected = e instanceof BroadcastTxError ? SEQUENCE_MISMATCH.exec(e.log ?? "") : null;
          if (!expected || attempt > 0) throw e;
          data = { accountNumber: data.accountNumber, sequence: Number(expected[1]) };
        }
      }
    });
  }

  /** One node's answer to a GET, decoded; `notFound` for a 404; undefined when it gave no usable answer. */
  private async getFrom<T>(url: string, path: string, decode: (json: unknown) => T, notFound: T): Promise<T | undefined> {
    try {
      const res = await fetch(url + path, { signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
      if (res.status === 404) {
        await res.body?.cancel();
        return notFound;
      }
      if (!res.ok) {
        await res.body?.cancel();
        this.log.debug("hub node answered an error", { url, path, status: res.status });
        return undefined;
      }
      return decode(await res.json());
    } catch (e) {
      this.log.debug("hub node gave no usable answer", { url, path, err: e instanceof Error ? e.message : String(e) });
      return undefined;
    }
  }
}

interface SignerData {
  accountNumber: bigint;
  sequence: number;
}

function tierOf(e: HubForkEvidence): EvidenceStatus["tier"] {
  return e.bls ? "bls" : e.zk ? "zk" : "mixed";
}

/**
 * Evidence that opens a case rather than slashing: BLS across rounds, or across tiers (whose case, once
 * a commit is posted to it, may open a case across rounds at that height; the relay posts polkas only).
 */
function isCaseEvidence(e: HubForkEvidence): boolean {
  return e.mixed !== undefined || (e.bls !== undefined && e.bls.a.certificate.round !== e.bls.b.certificate.round);
}

function contentKey(p: PolkaCertificate): string {
  return `${p.round}/${toHex(p.blockHash)}/${toHex(p.signers)}/${toHex(p.signature)}`;
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
  if (e.zk) return `zk/${e.zk.a.height}/${[toHex(e.zk.a.blockHash), toHex(e.zk.b.blockHash)].sort().join("/")}`;
  return `mixed/${e.mixed!.bls.certificate.height}/${toHex(e.mixed!.bls.certificate.blockHash)}/${toHex(e.mixed!.zk.blockHash)}`;
}

/** The evidence as JSON (the hub API's shapes for headers and certificates). */
function encodeEvidenceJson(e: HubForkEvidence): unknown {
  if (e.bls) {
    const side = (x: NonNullable<HubForkEvidence["bls"]>["a"]) => ({ header: encodeBlockHeaderJson(x.header), certificate: encodeCommitCertificateJson(x.certificate) });
    return { bls: { a: side(e.bls.a), b: side(e.bls.b) } };
  }
  if (e.zk) return { zk: { a: encodeZkCertificateJson(e.zk.a), b: encodeZkCertificateJson(e.zk.b) } };
  const m = e.mixed!;
  return { mixed: { bls: { header: encodeBlockHeaderJson(m.bls.header), certificate: encodeCommitCertificateJson(m.bls.certificate) }, zk: encodeZkCertificateJson(m.zk) } };
}

function decodeEvidenceJson(json: unknown, chainId: string): HubForkEvidence {
  const o = readObject(json, "$.evidence", [], ["bls", "zk", "mixed"]);
  if (Object.keys(o).length !== 1) throw new TypeError("$.evidence: exactly one of bls, zk and mixed");
  const side = (x: unknown, p: string) => {
    const s = readObject(x, p, ["header", "certificate"]);
    return { header: decodeBlockHeaderJson(s.header, `${p}.header`), certificate: decodeCommitCertificateJson(s.certificate, `${p}.certificate`) };
  };
  if (o.bls !== undefined) {
    const b = readObject(o.bls, "$.evidence.bls", ["a", "b"]);
    return { bls: { a: side(b.a, "$.evidence.bls.a"), b: side(b.b, "$.evidence.bls.b") } };
  }
  if (o.mixed !== undefined) {
    const m = readObject(o.mixed, "$.evidence.mixed", ["bls", "zk"]);
    return { mixed: { bls: side(m.bls, "$.evidence.mixed.bls"), zk: decodeZkCertificateJson(m.zk, { chainId }, "$.evidence.mixed.zk") } };
  }
  const z = readObject(o.zk, "$.evidence.zk", ["a", "b"]);
  return { zk: { a: decodeZkCertificateJson(z.a, { chainId }, "$.evidence.zk.a"), b: decodeZkCertificateJson(z.b, { chainId }, "$.evidence.zk.b") } };
}
