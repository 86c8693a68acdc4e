// EvidenceSubmitter keeps each piece of evidence on disk before it sends it: a restarted node (a new
// submitter on the same folder) has the pending evidence again, BLS and ZK alike, the same evidence
// is kept once, and an unreadable file is left alone and logged. Sending against real hub nodes is in
// test/e2e/consumers.test.ts (one round) and test/e2e/hubForkCrossRound.test.ts (across rounds).
// Evidence across rounds and the polka relay (decision 52) against fake hub nodes started here (an
// HTTP server with the hub API's /fork-cases and /polkas and the CometBFT RPC cosmjs uses; a
// transaction lands when the test commits that node's mempool): the evidence settles as a case,
// the relay posts exactly what each node's open case wants to exactly that node, nothing while it is
// pending, a dropped one again, and stops once every node answers without an open case.
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { BaseAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { QueryAccountResponse } from "cosmjs-types/cosmos/auth/v1beta1/query";
import { AuthInfo, TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import {
  assertValidPolkaCertificate,
  blsAggregateSignatures,
  blsSign,
  bytesEqual,
  computeBlockHash,
  computeVoteSignBytes,
  createSignerBitmap,
  encodeCertificateResponseJson,
  encodeForkCasesJson,
  encodePolkasJson,
  FORK_OBLIGATION_EXPIRED,
  FORK_OBLIGATION_MET,
  FORK_OBLIGATION_OPEN,
  getSignerIndices,
  isCommitWantedByForkCase,
  isPolkaWantedByForkCase,
  sha256,
  toHex,
  VoteType,
  type CommitCertificate,
  type ForkCase,
  type HubForkEvidence,
  type PolkaCertificate,
  type ValidatorSet,
} from "@aegis/consumer-sdk";
import { AegisMsgPostCommit, AegisMsgPostPolka, MSG_POST_COMMIT_TYPE_URL, MSG_POST_POLKA_TYPE_URL, MSG_SUBMIT_FORK_EVIDENCE_TYPE_URL } from "@aegis/consumer-sdk/hub-tx";
import { EvidenceSubmitter, POLKA_PENDING_ROUNDS } from "../src/index.js";
import { buildHubChain, fill, hubKeys, makeValidatorSet } from "../../consumer-sdk/test/helpers/hubChain.js";
import { readZkVector, zkCertificateOfVector } from "../../consumer-sdk/test/helpers/zkVectors.js";

const CHAIN = "aegis-evidence-1";
const set = makeValidatorSet(hubKeys.slice(0, 4), [10n, 10n, 10n, 10n]);
const chain = buildHubChain({ chainId: CHAIN, genesisTime: 1_750_000_000_000, setAt: () => set }, 3);
const forked = chain.makeHeader(3, chain.hashOf(2), { stateRoot: fill(0xfe) });
const bls: HubForkEvidence = { bls: { a: { header: chain.headers[3]!, certificate: chain.certs[3]! }, b: { header: forked, certificate: chain.sign(set, 3, computeBlockHash(forked)) } } };
const v = readZkVector("zkFork.json");
const zk: HubForkEvidence = { zk: { a: zkCertificateOfVector(v.a, CHAIN), b: zkCertificateOfVector(v.b, CHAIN) } };
/** Across tiers (decision 52): a BLS commit and a ZK certificate (the file keeps what it is given; the hub judges it). */
const mixed: HubForkEvidence = { mixed: { bls: { header: chain.headers[3]!, certificate: chain.certs[3]! }, zk: zkCertificateOfVector(v.b, CHAIN) } };

let dir: string;
let mnemonic: string;
beforeAll(async () => {
  mnemonic = (await DirectSecp256k1HdWallet.generate(12, { prefix: "aegis" })).mnemonic;
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "aegis-evidence-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function submitter(errors: string[] = []) {
  const log = { debug() {}, info() {}, warn() {}, error: (m: string) => errors.push(m), child: () => log };
  // No hub node answers (port 1): sending fails and is retried; only what is kept matters here.
  return new EvidenceSubmitter({ hubChainId: CHAIN, hubRpcUrls: ["http://127.0.0.1:1"], mnemonic, fee: { amount: [{ denom: "uaeg", amount: "1" }], gas: "1" }, retryMs: 600_000, dir }, log as never);
}

test("evidence is on disk before it is sent; a restarted submitter has it pending again, once", async () => {
  const first = submitter();
  await first.start();
  await first.submit(bls);
  await first.submit(zk);
  await first.submit(mixed);
  await first.submit(bls); // kept once
  first.stop();
  expect((await readdir(dir)).filter((f) => f.endsWith(".json"))).toHaveLength(3);
  const again = submitter();
  await again.start();
  again.stop();
  expect(again.statuses.map((s) => [s.tier, s.hubHeight, s.state]).sort()).toEqual([
    ["bls", 3, "pending"],
    ["mixed", 3, "pending"],
    ["zk", 42, "pending"],
  ]);
  // What was read back is the same evidence, field for field; submitting it again adds nothing.
  expect(again.evidence.find((e) => e.bls)).toEqual(bls);
  expect(again.evidence.find((e) => e.zk)).toEqual(zk);
  expect(again.evidence.find((e) => e.mixed)).toEqual(mixed);
  await again.submit(bls);
  await again.submit(zk);
  await again.submit(mixed);
  expect(again.statuses).toHaveLength(3);
});

test("an unreadable file is left as it is and logged; the rest is read", async () => {
  const first = submitter();
  await first.start();
  await first.submit(bls);
  first.stop();
  await writeFile(join(dir, "broken.json"), "{ not json");
  await writeFile(join(dir, "other.json"), JSON.stringify({ version: 1, evidence: { bls: { a: {} } }, status: {}, sent: [] }));
  const errors: string[] = [];
  const again = submitter(errors);
  await again.start();
  again.stop();
  expect(again.statuses.map((s) => s.tier)).toEqual(["bls"]);
  expect(errors.filter((e) => e.includes("unreadable"))).toHaveLength(2);
  expect((await readdir(dir)).sort()).toEqual(expect.arrayContaining(["broken.json", "other.json"]));
});

// ---------------------------------------------------------------------------------------------
// Across rounds: the case and the polka relay, against fake hub nodes
// ---------------------------------------------------------------------------------------------

const H = 3;
/** The fork across rounds at height 3: v (vLow) in round 0 (signed by 0, 1, 2), v' (vHigh) in round 2 (by 0, 1, 3). */
const headerV = chain.headers[H]!;
const headerV2 = chain.makeHeader(H, chain.hashOf(H - 1), { stateRoot: fill(0xcd) });
const vLow = computeBlockHash(headerV);
const vHigh = computeBlockHash(headerV2);
const crossRound: HubForkEvidence = {
  bls: {
    a: { header: headerV, certificate: chain.sign(set, H, vLow, { round: 0, signers: [0, 1, 2] }) },
    b: { header: headerV2, certificate: chain.sign(set, H, vHigh, { round: 2, signers: [0, 1, 3] }) },
  },
};

/** A real polka: the aggregate of `signers`' prevotes for `blockHash` in `round` at H. */
function signPolka(s: ValidatorSet, round: number, blockHash: Uint8Array, signers: number[]): PolkaCertificate {
  const msg = computeVoteSignBytes({ chainId: CHAIN, height: H, round, type: VoteType.Prevote, blockHash });
  const secret = (i: number) => hubKeys.find((k) => bytesEqual(k.publicKey, s.validators[i]!.blsPublicKey))!.secretKey;
  return { height: H, round, blockHash, signers: createSignerBitmap(s.validators.length, signers), signature: blsAggregateSignatures(signers.map((i) => blsSign(secret(i), msg))) };
}
const P0v = signPolka(set, 0, vLow, [0, 1, 2]);
const P1v2 = signPolka(set, 1, vHigh, [0, 1, 3]);
const P2v2 = signPolka(set, 2, vHigh, [0, 1, 3]);
/** A polka no case wants (another block in round 0). */
const P0other = signPolka(set, 0, fill(0x77), [0, 1, 2, 3]);

/** The case the hub opens for `crossRound` (its obligations O_high and O_low). */
function openedCase(id: number): ForkCase {
  const deadlineMs = Date.now() + 3_600_000;
  return {
    id,
    height: H,
    kind: "rounds",
    low: { round: 0, blockHash: vLow, signers: [0, 1, 2] },
    high: { round: 2, blockHash: vHigh, signers: [0, 1, 3] },
    openedMs: Date.now(),
    polkas: [],
    obligations: [
      { blockHash: vHigh, minRound: 2, maxRound: 2, owers: [0, 1, 3], deadlineMs, status: FORK_OBLIGATION_OPEN },
      { blockHash: vLow, minRound: 0, maxRound: 0, owers: [0, 1, 2], deadlineMs, status: FORK_OBLIGATION_OPEN },
    ],
    convicted: [],
  };
}

interface Delivered {
  typeUrl: string;
  polka?: PolkaCertificate;
  code: number;
}

/**
 * One fake hub node: the API's GET /fork-cases and GET /polkas/:height (the SDK's encoders) and the
 * CometBFT JSON-RPC cosmjs uses (status, abci_query for the account, broadcast_tx_sync with the
 * sequence CheckTx expects, tx_search). Transactions wait in `mempool` until `commit()`, which applies
 * them as the hub would for what these tests need: a polka is checked (assertValidPolkaCertificate)
 * and posted to the open cases that want it (meeting obligations, opening L_ρ), else refused; the
 * evidence answers `onEvidence`.
 */
class FakeHubNode {
  cases: ForkCase[] = [];
  polkas: PolkaCertificate[] = [];
  /** This node's commit at H (served at /certificates/H), when it has a block there. */
  certificate: CommitCertificate | undefined;
  /** What MsgSubmitForkEvidence does: open case `id`, or be refused because the fork already has it. */
  onEvidence: { open: number } | { already: number } = { open: 1 };
  /** Answers HTTP 500 to everything. */
  down = false;
  sequence = 0;
  mempool: Uint8Array[] = [];
  readonly delivered: Delivered[] = [];
  readonly requests: string[] = [];
  private readonly committed = new Map<string, { height: number; tx: Uint8Array; code: number; log: string; events: { type: string; attributes: { key: string; value: string }[] }[] }>();
  private blockHeight = 10;
  private server!: Server;
  url = "";

  async listen(): Promise<this> {
    this.server = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        const reply = (status: number, json: unknown) => {
          res.writeHead(status, { "content-type": "application/json" });
          res.end(JSON.stringify(json));
        };
        if (this.down) return reply(500, { error: "down" });
        const u = new URL(req.url ?? "/", "http://x");
        if (req.method === "GET") {
          this.requests.push(`GET ${u.pathname}${u.search}`);
          if (u.pathname === "/fork-cases") return reply(200, encodeForkCasesJson(this.cases.filter((c) => String(c.height) === u.searchParams.get("height"))));
          if (u.pathname === `/polkas/${H}`) return reply(200, encodePolkasJson(H, this.polkas));
          if (u.pathname === `/certificates/${H}` && this.certificate) return reply(200, encodeCertificateResponseJson({ certificate: this.certificate, validatorSet: set, zk: null, zkFinalizedBy: null }));
          return reply(404, { code: "API_ERROR_NOT_FOUND", message: "no such route" });
        }
        const rpc = JSON.parse(body) as { id: number; method: string; params: Record<string, string> };
        this.requests.push(`RPC ${rpc.method}`);
        reply(200, { jsonrpc: "2.0", id: rpc.id, result: this.rpc(rpc.method, rpc.params) });
      });
    });
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
    return this;
  }

  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }

  private rpc(method: string, p: Record<string, string>): unknown {
    const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");
    switch (method) {
      case "status":
        return {
          node_info: { protocol_version: { p2p: "8", block: "11", app: "0" }, id: "00".repeat(20), listen_addr: "tcp://0.0.0.0:26656", network: CHAIN, version: "0.38.17", channels: "", moniker: "fake", other: { tx_index: "on", rpc_address: "" } },
          sync_info: { latest_block_hash: "00".repeat(32), latest_app_hash: "00".repeat(32), latest_block_height: String(this.blockHeight), latest_block_time: new Date().toISOString(), catching_up: false },
          validator_info: { address: "00".repeat(20), pub_key: { type: "tendermint/PubKeyEd25519", value: b64(new Uint8Array(32)) }, voting_power: "0" },
        };
      case "abci_query": {
        const account = BaseAccount.fromPartial({ address: "", accountNumber: 7n, sequence: BigInt(this.sequence) });
        const value = QueryAccountResponse.encode({ account: { typeUrl: "/cosmos.auth.v1beta1.BaseAccount", value: BaseAccount.encode(account).finish() } }).finish();
        return { response: { code: 0, log: "", info: "", index: "0", key: null, value: b64(value), proofOps: null, height: String(this.blockHeight), codespace: "" } };
      }
      case "broadcast_tx_sync": {
        const tx = new Uint8Array(Buffer.from(p.tx!, "base64"));
        const hash = toHex(sha256(tx)).toUpperCase();
        const got = Number(AuthInfo.decode(TxRaw.decode(tx).authInfoBytes).signerInfos[0]!.sequence);
        const expected = this.sequence + this.mempool.length;
        const duplicate = this.mempool.some((m) => bytesEqual(m, tx));
        if (!duplicate && got !== expected) return { code: 32, data: "", log: `account sequence mismatch, expected ${expected}, got ${got}: incorrect account sequence`, codespace: "sdk", hash };
        if (!duplicate) this.mempool.push(tx);
        return { code: 0, data: "", log: "", codespace: "", hash };
      }
      case "tx_search": {
        const hash = /^tx\.hash='([0-9A-F]+)'$/.exec(p.query ?? "")?.[1] ?? "";
        const r = this.committed.get(hash);
        if (!r) return { txs: [], total_count: "0" };
        const events = r.events.map((e) => ({ type: e.type, attributes: e.attributes.map((a) => ({ ...a, index: true })) }));
        const result = { code: r.code, data: "", log: r.log, info: "", gas_wanted: "1", gas_used: "1", events, codespace: r.code ? "sdk" : "" };
        return { txs: [{ hash, height: String(r.height), index: 0, tx: b64(r.tx), tx_result: result }], total_count: "1" };
      }
      default:
        throw new Error(`fake hub: no RPC method ${method}`);
    }
  }

  /** The messages in the mempool (decoded), in order. */
  pending(): { typeUrl: string; polka?: PolkaCertificate }[] {
    return this.mempool.map((tx) => decodeMessage(tx));
  }

  /** A block holding the whole mempool. */
  commit(): void {
    this.blockHeight++;
    for (const tx of this.mempool) {
      this.sequence++;
      const m = decodeMessage(tx);
      let code = 0;
      let log = "";
      const events: { type: string; attributes: { key: string; value: string }[] }[] = [];
      if (m.typeUrl === MSG_SUBMIT_FORK_EVIDENCE_TYPE_URL) {
        if ("open" in this.onEvidence) events.push({ type: "hub_fork_case", attributes: [{ key: "case_id", value: String(this.onEvidence.open) }, { key: "height", value: String(H) }] });
        else [code, log] = [18, `failed to execute message; message index: 0: invalid message: this fork at height ${H} already has case ${this.onEvidence.already}`];
      } else if (m.typeUrl === MSG_POST_COMMIT_TYPE_URL) {
        // A case across tiers: the commit of the block it asks for meets it (the pair it makes is the hub's to judge).
        const wanting = this.cases.filter((c) => isCommitWantedByForkCase(c, m.commit!.blockHash));
        if (wanting.length === 0) [code, log] = [18, `invalid message: no open fork case at height ${H} asks for a commit of that block`];
        for (const c of wanting) for (const o of c.obligations) o.status = FORK_OBLIGATION_MET;
      } else {
        const p = m.polka!;
        const wanting = this.cases.filter((c) => isPolkaWantedByForkCase(c, p));
        let valid = true;
        try {
          assertValidPolkaCertificate(p, { chainId: CHAIN, validatorSet: set });
        } catch (e) {
          valid = false;
          [code, log] = [18, `invalid message: polka: ${(e as Error).message}`];
        }
        if (valid && wanting.length === 0) [code, log] = [18, `invalid message: no open fork case at height ${p.height} wants a polka for round ${p.round} of that block`];
        if (valid) for (const c of wanting) postPolka(c, p);
      }
      this.delivered.push({ typeUrl: m.typeUrl, ...(m.polka ? { polka: m.polka } : {}), code });
      this.committed.set(toHex(sha256(tx)).toUpperCase(), { height: this.blockHeight, tx, code, log, events });
    }
    this.mempool = [];
  }
}

function decodeMessage(tx: Uint8Array): { typeUrl: string; polka?: PolkaCertificate; commit?: CommitCertificate } {
  const any = TxBody.decode(TxRaw.decode(tx).bodyBytes).messages[0]!;
  if (any.typeUrl === MSG_POST_COMMIT_TYPE_URL) {
    const c = AegisMsgPostCommit.decode(any.value).commit!;
    return { typeUrl: any.typeUrl, commit: { height: Number(String(c.height)), round: c.round ?? 0, blockHash: c.block_hash!, signers: c.signers!, signature: c.signature! } };
  }
  if (any.typeUrl !== MSG_POST_POLKA_TYPE_URL) return { typeUrl: any.typeUrl };
  const c = AegisMsgPostPolka.decode(any.value).polka!;
  return { typeUrl: any.typeUrl, polka: { height: Number(String(c.height)), round: c.round ?? 0, blockHash: c.block_hash!, signers: c.signers!, signature: c.signature! } };
}

/** The hub's posting, as far as these tests need it: obligations met, and L_ρ for a polka of the higher block above the lower round. */
function postPolka(c: ForkCase, p: PolkaCertificate): void {
  const ref = { round: p.round, blockHash: p.blockHash, signers: getSignerIndices(p.signers) };
  const answers = (o: ForkCase["obligations"][number], q: { round: number; blockHash: Uint8Array }) => bytesEqual(o.blockHash, q.blockHash) && q.round >= o.minRound && q.round <= o.maxRound;
  for (const o of c.obligations) if (o.status === FORK_OBLIGATION_OPEN && answers(o, ref)) o.status = FORK_OBLIGATION_MET;
  c.polkas.push(ref);
  if (bytesEqual(p.blockHash, c.high.blockHash) && p.round > c.low.round) {
    const l = { blockHash: c.high.blockHash, minRound: c.low.round, maxRound: p.round - 1, owers: c.low.signers.filter((i) => ref.signers.includes(i)), deadlineMs: Date.now() + 3_600_000, status: FORK_OBLIGATION_OPEN as ForkCase["obligations"][number]["status"] };
    if (c.polkas.some((q) => answers(l, q))) l.status = FORK_OBLIGATION_MET;
    c.obligations.push(l);
  }
}

const quiet = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
const fee = { amount: [{ denom: "uaeg", amount: "1" }], gas: "1" };
const posted = (m: { polka?: PolkaCertificate }[]) => m.map((x) => `${x.polka!.round}/${bytesEqual(x.polka!.blockHash, vLow) ? "v" : bytesEqual(x.polka!.blockHash, vHigh) ? "v'" : "other"}`).sort();

let fakes: FakeHubNode[] = [];
let running: EvidenceSubmitter[] = [];
afterEach(async () => {
  for (const s of running) s.stop();
  running = [];
  await Promise.all(fakes.map((f) => f.close()));
  fakes = [];
});

async function startFakes(n: number): Promise<FakeHubNode[]> {
  const started = await Promise.all(Array.from({ length: n }, () => new FakeHubNode().listen()));
  fakes.push(...started);
  return started;
}

async function relayer(nodes: FakeHubNode[], withDir = false): Promise<EvidenceSubmitter> {
  const s = new EvidenceSubmitter({ hubChainId: CHAIN, hubRpcUrls: nodes.map((f) => f.url), mnemonic, fee, retryMs: 600_000, ...(withDir ? { dir } : {}) }, quiet as never);
  running.push(s);
  await s.start();
  return s;
}

test("evidence across rounds settles as a case (its id kept on disk); evidence of a fork that already has a case is settled too", async () => {
  const [x, y] = await startFakes(2);
  x!.onEvidence = { open: 7 };
  y!.onEvidence = { already: 4 };
  x!.cases = [openedCase(7)]; // open, with no polka anywhere: the relay keeps looking, sends nothing
  const s = await relayer([x!, y!], true);
  await s.submit(crossRound);
  await s.round();
  // One MsgSubmitForkEvidence in each node's mempool: the same bytes (one sequence, deterministic signature).
  expect(x!.pending().map((m) => m.typeUrl)).toEqual([MSG_SUBMIT_FORK_EVIDENCE_TYPE_URL]);
  expect(y!.mempool).toEqual(x!.mempool);
  // Two rounds (submit's and this one) each sent it: the same bytes again, so still one transaction.
  expect(s.statuses[0]).toMatchObject({ tier: "bls", hubHeight: H, state: "pending", attempts: 2 });
  x!.commit();
  await s.round();
  expect(s.statuses[0]).toMatchObject({ state: "case", caseId: 7, relay: { state: "relaying", posts: [] } });
  const file = (await readdir(dir)).find((f) => f.endsWith(".json"))!;
  const kept = JSON.parse(await readFile(join(dir, file), "utf8"));
  expect(kept.status).toMatchObject({ state: "case", caseId: 7 });
  expect(kept.status.relay).toBeUndefined(); // the relay is not kept: a restart relays again until it sees no open case
  s.stop();
  expect(x!.mempool.length + y!.mempool.length).toBe(1); // y's copy of the evidence, never committed; no polka
  // Restarted after the case closed: the case is read back, the relay runs again and is done at once.
  x!.cases[0]!.obligations.forEach((o) => (o.status = FORK_OBLIGATION_EXPIRED));
  const again = await relayer([x!, y!], true);
  await again.round();
  expect(again.statuses[0]).toMatchObject({ state: "case", caseId: 7, relay: { state: "done", posts: [] } });

  // Someone else's evidence opened the case first: "already has case 4" settles it as "already".
  const [z] = await startFakes(1);
  z!.onEvidence = { already: 4 };
  const late = await relayer([z!]);
  await late.submit(crossRound);
  await late.round();
  z!.commit();
  await late.round();
  expect(late.statuses[0]).toMatchObject({ state: "already", caseId: 4, relay: { state: "done" } });
  expect(z!.delivered.map((d) => [d.typeUrl, d.code])).toEqual([[MSG_SUBMIT_FORK_EVIDENCE_TYPE_URL, 18]]);
});

/** Three nodes: A (side X) whose case already has P(0, v), B (side Y) whose case has nothing, C (side Y) with no case. */
async function relayScenario() {
  const [a, b, c] = await startFakes(3);
  a!.cases = [openedCase(1)];
  postPolka(a!.cases[0]!, P0v);
  a!.polkas = [P0v, P0other].sort(byRoundThenHash);
  b!.cases = [openedCase(1)];
  b!.polkas = [P1v2, P2v2];
  c!.polkas = [P2v2]; // the same polka as B's: sent once to each node that wants it
  const s = await relayer([a!, b!, c!]);
  await s.submit(crossRound);
  await s.round();
  a!.commit(); // the evidence lands on A (the copies in B's and C's mempools are dropped)
  b!.mempool = [];
  c!.mempool = [];
  await s.round(); // settles as a case and relays in the same round
  return { a: a!, b: b!, c: c!, s };
}

function byRoundThenHash(p: PolkaCertificate, q: PolkaCertificate): number {
  return p.round - q.round || (toHex(p.blockHash) < toHex(q.blockHash) ? -1 : 1);
}

test("the relay posts exactly the polkas each node's open case wants, to exactly those nodes", async () => {
  const { a, b, c, s } = await relayScenario();
  expect(s.statuses[0]!.state).toBe("case");
  // A already has P(0, v): it gets the polkas of v' in rounds 0..2 that exist (1 and 2, from B and C).
  expect(posted(a.pending())).toEqual(["1/v'", "2/v'"]);
  // B wants everything of the case: P(0, v) from A, and P(1, v'), P(2, v').
  expect(posted(b.pending())).toEqual(["0/v", "1/v'", "2/v'"]);
  // C has no case: nothing goes there. The polka of another block goes nowhere.
  expect(c.pending()).toEqual([]);
  // Each posted polka is the served one, untouched (the fake hub checks it as the hub does on delivery).
  for (const m of [...a.pending(), ...b.pending()]) {
    const served = [P0v, P1v2, P2v2].find((p) => p.round === m.polka!.round && bytesEqual(p.blockHash, m.polka!.blockHash))!;
    expect(m.polka).toEqual(served);
  }
  const posts = s.statuses[0]!.relay!.posts;
  expect(posts.map((p) => [p.url, p.round, p.state])).toEqual(
    expect.arrayContaining([
      [a.url, 1, "pending"],
      [a.url, 2, "pending"],
      [b.url, 0, "pending"],
      [b.url, 1, "pending"],
      [b.url, 2, "pending"],
    ]),
  );
  expect(posts).toHaveLength(5);
  expect(posts.find((p) => p.url === b.url && p.round === 0)!.from).toBe(a.url);
  // They land: each is posted, the cases met O_high and O_low and the L obligations L_1 (asks P(0, v'),
  // which nobody has) and L_2 (met by P(1, v')).
  a.commit();
  b.commit();
  await s.round();
  expect(s.statuses[0]!.relay!.posts.map((p) => p.state)).toEqual(["posted", "posted", "posted", "posted", "posted"]);
  expect([...a.delivered, ...b.delivered].filter((d) => d.typeUrl === MSG_POST_POLKA_TYPE_URL).every((d) => d.code === 0)).toBe(true);
  for (const n of [a, b]) {
    expect(n.cases[0]!.obligations.map((o) => [o.minRound, o.maxRound, o.status])).toEqual([
      [2, 2, FORK_OBLIGATION_MET],
      [0, 0, FORK_OBLIGATION_MET],
      [0, 0, FORK_OBLIGATION_OPEN], // L_1
      [0, 1, FORK_OBLIGATION_MET], // L_2
    ]);
  }
  // Still open (L_1) but nothing left that it wants: the relay keeps looking and sends nothing.
  await s.round();
  expect(a.mempool.length + b.mempool.length + c.mempool.length).toBe(0);
  expect(s.statuses[0]!.relay!.state).toBe("relaying");
});

test("nothing is sent again while its transaction is pending; one in no block after POLKA_PENDING_ROUNDS rounds is sent again", async () => {
  const { a, b, s } = await relayScenario();
  const first = { a: a.pending().length, b: b.pending().length };
  expect(first).toEqual({ a: 2, b: 3 });
  // Rounds with the transactions still in the mempools: nothing new is signed or sent.
  for (let i = 0; i < 3; i++) await s.round();
  expect({ a: a.pending().length, b: b.pending().length }).toEqual(first);
  expect(s.statuses[0]!.relay!.posts).toHaveLength(5);
  // A's land; B drops its mempool (the transactions are gone): after POLKA_PENDING_ROUNDS rounds from
  // the sending, B's are sent again (signed with the sequence B's CheckTx expects), A's are not.
  a.commit();
  b.mempool = [];
  let since = 3; // rounds since the one that sent them
  while (b.mempool.length === 0 && since < 3 * POLKA_PENDING_ROUNDS) {
    await s.round();
    since++;
  }
  expect(since).toBe(POLKA_PENDING_ROUNDS);
  expect(posted(b.pending())).toEqual(["0/v", "1/v'", "2/v'"]);
  expect(a.mempool).toEqual([]);
  const states = s.statuses[0]!.relay!.posts.map((p) => `${p.url === a.url ? "A" : "B"}${p.round}:${p.state}`);
  expect(states).toEqual(["A1:posted", "A2:posted", "B0:dropped", "B1:dropped", "B2:dropped", "B0:pending", "B1:pending", "B2:pending"]);
  b.commit();
  await s.round();
  expect(b.delivered.filter((d) => d.typeUrl === MSG_POST_POLKA_TYPE_URL).map((d) => d.code)).toEqual([0, 0, 0]);
});

test("the relay stops once every node answers and none reports an open case at the height; a node that does not answer keeps it going", async () => {
  const { a, b, c, s } = await relayScenario();
  a.commit();
  b.commit();
  await s.round();
  expect(s.statuses[0]!.relay!.state).toBe("relaying"); // L_1 is open on A and B
  // L_1 expires on A and B (its owers convicted): no case at the height is open any more. C does not answer.
  for (const n of [a, b]) {
    for (const o of n.cases[0]!.obligations) if (o.status === FORK_OBLIGATION_OPEN) o.status = FORK_OBLIGATION_EXPIRED;
    n.cases[0]!.convicted = [0, 1];
  }
  c.down = true;
  await s.round();
  expect(s.statuses[0]!.relay!.state).toBe("relaying");
  c.down = false;
  await s.round();
  expect(s.statuses[0]!.relay!.state).toBe("done");
  // Done: later rounds ask nobody anything.
  const asked = [a, b, c].map((n) => n.requests.length);
  for (let i = 0; i < 3; i++) await s.round();
  expect([a, b, c].map((n) => n.requests.length)).toEqual(asked);
  expect(a.mempool.length + b.mempool.length + c.mempool.length).toBe(0);
});

test("a polka a node refuses is not sent to it again: the next one served for that round and block is", async () => {
  const [a, b] = await startFakes(2);
  a!.cases = [openedCase(1)];
  // B serves a forged P(1, v') naming every validator (most signers: tried first) and C the real one.
  const forged = { ...signPolka(set, 1, vHigh, [0, 1, 2, 3]), signature: P0other.signature };
  b!.polkas = [P0v, forged];
  const [c] = await startFakes(1);
  c!.polkas = [P1v2];
  const s = await relayer([a!, b!, c!]);
  await s.submit(crossRound);
  await s.round();
  a!.commit();
  b!.mempool = [];
  c!.mempool = [];
  await s.round();
  expect(a!.pending().map((m) => m.polka)).toEqual([P0v, forged]);
  a!.commit();
  expect(a!.delivered.filter((d) => d.typeUrl === MSG_POST_POLKA_TYPE_URL).map((d) => d.code)).toEqual([0, 18]);
  await s.round();
  // The refusal is recorded; the real P(1, v') goes instead, and the forged one never again.
  expect(a!.pending().map((m) => m.polka)).toEqual([P1v2]);
  const posts = s.statuses[0]!.relay!.posts;
  expect(posts.map((p) => [p.round, p.state, p.from === b!.url ? "B" : "C"])).toEqual([
    [0, "posted", "B"],
    [1, "refused", "B"],
    [1, "pending", "C"],
  ]);
  expect(posts[1]!.log).toMatch(/polka/);
  a!.commit();
  await s.round();
  await s.round();
  expect(a!.mempool).toEqual([]);
  expect(a!.delivered.filter((d) => d.typeUrl === MSG_POST_POLKA_TYPE_URL).map((d) => d.code)).toEqual([0, 18, 0]);
});

test("across tiers: the node whose case asks for a BLS commit of the ZK certificate's block gets the commit another node serves for it, once", async () => {
  const [a, b] = await startFakes(2);
  // The evidence: A's BLS commit of v (round 0) against a ZK certificate of v' (the mixed fixture's ZK side is another block).
  const zkBlock = vHigh;
  const tiers: ForkCase = {
    id: 4,
    height: H,
    kind: "tiers",
    low: { round: 0, blockHash: vLow, signers: [0, 1, 2] },
    high: { round: 0, blockHash: zkBlock, signers: [0, 1, 3] },
    openedMs: Date.now(),
    polkas: [],
    obligations: [{ blockHash: zkBlock, minRound: 0, maxRound: 0xffffffff, owers: [0, 1, 3], deadlineMs: Date.now() + 3_600_000, status: FORK_OBLIGATION_OPEN }],
    convicted: [],
  };
  a!.cases = [tiers];
  a!.certificate = chain.sign(set, H, vLow, { round: 0, signers: [0, 1, 2] });
  b!.certificate = chain.sign(set, H, zkBlock, { round: 1, signers: [0, 1, 3] }); // the other side's block, its commit
  const s = await relayer([a!, b!]);
  await s.submit(mixed);
  await s.round();
  a!.commit();
  b!.mempool = [];
  await s.round();
  expect(s.statuses[0]!.state).toBe("case");
  const sent = a!.pending().filter((m) => m.typeUrl === MSG_POST_COMMIT_TYPE_URL);
  expect(sent).toHaveLength(1);
  expect(sent[0]!.commit).toEqual(b!.certificate);
  expect(b!.pending()).toEqual([]); // B has no case: nothing goes there
  await s.round();
  expect(a!.pending().filter((m) => m.typeUrl === MSG_POST_COMMIT_TYPE_URL)).toHaveLength(1); // pending: not sent again
  a!.commit();
  expect(a!.delivered.find((d) => d.typeUrl === MSG_POST_COMMIT_TYPE_URL)?.code).toBe(0);
  await s.round();
  await s.round();
  expect(s.statuses[0]!.relay!.state).toBe("done");
  expect(s.statuses[0]!.relay!.posts.map((p) => [p.kind, p.state])).toEqual([["commit", "posted"]]);
});
