/**
 * A validator's node defends it in a fork case across rounds (decision 52) by posting the polkas it
 * kept (ForkCaseResponder, MsgPostPolka from its operator account).
 *
 * 1. The responder over a real LevelDB polka store and a real signing account (NodeAccount over
 *    AccountSigner), with the committed state's cases as plain data and a recording mempool: blocks
 *    without transactions are skipped while no case is open; it posts exactly what a case still wants,
 *    signed and paid as the node's own transactions are; not again while the post may be pending; again
 *    after that if still wanted; never once the case has it or is closed; a refusal is logged.
 * 2. Four validators running the application in this process (libp2p on loopback, real BLS, real
 *    LevelDB): a coalition of validators 0, 1 and 2 fabricates a second commit of a committed height in a
 *    higher round and submits both commits. The case opens; the nodes post their polka of the real
 *    commit's round within a few blocks (the lower commit's signers are answered); no polka of the
 *    fabricated block exists, so at the deadline exactly 0, 1 and 2 are slashed and tombstoned
 *    (hub_fork_unanswered) and 3 is not. Node 3 has no keys/operator.json: it says at start that it
 *    cannot defend its validator and posts nothing; no node posts what the case no longer wants.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { toBech32 } from "@cosmjs/encoding";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { QuerySigningInfoRequest, QuerySigningInfoResponse } from "cosmjs-types/cosmos/slashing/v1beta1/query";
import { QueryValidatorRequest, QueryValidatorResponse } from "cosmjs-types/cosmos/staking/v1beta1/query";
import {
  blsAggregateSignatures,
  blsSign,
  bytesEqual,
  computeBlockHash,
  computeHubApiPath,
  computeValidatorSetRoot,
  computeVoteSignBytes,
  createBlsKeyPair,
  createSignerBitmap,
  decodeForkCasesJson,
  FORK_OBLIGATION_EXPIRED,
  FORK_OBLIGATION_MET,
  FORK_OBLIGATION_OPEN,
  getSignerIndices,
  isForkCaseOpen,
  sha256,
  toHex,
  VoteType,
  type BlockHeader,
  type CommitCertificate,
  type ForkCase,
  type PolkaCertificate,
} from "@aegis/consumer-sdk";
import { AegisMsgSubmitForkEvidence, MSG_POST_COMMIT_TYPE_URL, MSG_POST_POLKA_TYPE_URL } from "@aegis/consumer-sdk/hub-tx";
import { computeFeeAmount, parseGasPrice } from "../../src/app/index.js";
import { executeTx } from "../../src/app/executeTx.js";
import { processEnsureAccount } from "../../src/app/modules/auth.js";
import { processMint } from "../../src/app/modules/bank.js";
import { AegisMsgPostCommit, AegisMsgPostPolka, getForkCase, createForkEvidenceHandler, createPostPolkaHandler, FORK_BLS_VERIFY_GAS, processBlockSignatures, processSlashingGenesis } from "../../src/app/modules/slashing/index.js";
import { getValidatorSetForHeight, isTombstoned, msgCreateValidatorHandler, processEpochEnd } from "../../src/app/modules/staking/index.js";
import { MsgRegistry } from "../../src/app/msgRegistry.js";
import { HubDb, type IndexedTx } from "../../src/db/index.js";
import type { Logger } from "../../src/logger.js";
import { AccountSigner, encodeMessage } from "../../src/node/accountSigner.js";
import { computePostPolkaGas, ForkCaseResponder, POST_POLKA_GAS, POST_POLKA_GAS_PER_CONVICTION, POST_POLKA_GAS_PER_VALIDATOR } from "../../src/node/forkCaseResponder.js";
import { initHomes, type InitHomesResult } from "../../src/node/initHomes.js";
import { NodeAccount } from "../../src/node/nodeAccount.js";
import { getHomePaths, readValidatorKeyFile } from "../../src/node/nodeConfig.js";
import { startNodeFromHome, type RunningNode } from "../../src/node/runNode.js";
import { ACCOUNT_ADDRESS_PREFIX, decodeTx, fromBech32, verifyTxSignatures } from "../../src/tx/index.js";
import { addr, blsKey, createValidatorMsg, DENOM, mustRun, setup, T0 } from "../app/staking/stakingFixtures.js";

interface LogEntry {
  level: "info" | "warn" | "error";
  msg: string;
  fields: Record<string, unknown>;
}

/** A logger that keeps what is logged at info and above (with its child fields). */
function createRecordingLogger(entries: LogEntry[], base: Record<string, unknown> = {}): Logger {
  const at = (level: LogEntry["level"]) => (msg: string, fields?: Record<string, unknown>) => void entries.push({ level, msg, fields: { ...base, ...fields } });
  return { debug: () => {}, info: at("info"), warn: at("warn"), error: at("error"), child: (f) => createRecordingLogger(entries, { ...base, ...f }) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const FAKE_HEADER: BlockHeader = {
  chainId: "",
  height: 0,
  time: 0,
  parentHash: new Uint8Array(32).fill(0xe0),
  txRoot: new Uint8Array(32).fill(1),
  stateRoot: new Uint8Array(32),
  consumerCheckpointRoot: new Uint8Array(32).fill(2),
  validatorSetRoot: new Uint8Array(32),
  nextValidatorSetRoot: new Uint8Array(32),
  proposer: new Uint8Array(20).fill(1),
  lastCommitHash: new Uint8Array(32).fill(3),
  evidenceRoot: new Uint8Array(32).fill(4),
};
const hash = (b: number) => new Uint8Array(32).fill(b);
const GAS_PRICE = "0.025uaeg";

describe("ForkCaseResponder over a real polka store and a real signing account", () => {
  const CHAIN_ID = "aegis-responder-unit-1";
  const H = 5;
  const B = hash(0xb0); // the lower commit's block (round 0)
  const X = hash(0xc1); // the higher commit's block (round 1)
  const Y = hash(0xd2); // a block no case is about
  let dir: string;
  let db: HubDb;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "aegis-responder-"));
    db = await HubDb.open(join(dir, "data"));
  });
  afterAll(async () => {
    if (db?.isOpen) await db.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A real aggregate of prevotes by three fresh keys (the responder does not check it; the hub does). */
  const keys = [createBlsKeyPair(), createBlsKeyPair(), createBlsKeyPair()];
  function polka(height: number, round: number, blockHash: Uint8Array): PolkaCertificate {
    const msg = computeVoteSignBytes({ chainId: CHAIN_ID, height, round, type: VoteType.Prevote, blockHash });
    return { height, round, blockHash, signers: createSignerBitmap(4, [0, 1, 2]), signature: blsAggregateSignatures(keys.map((k) => blsSign(k.secretKey, msg))) };
  }

  const openCase = (): ForkCase => ({
    id: 7,
    height: H,
    kind: "rounds",
    low: { round: 0, blockHash: B, signers: [0, 1, 2, 3] },
    high: { round: 1, blockHash: X, signers: [0, 1, 2] },
    openedMs: 1_000,
    polkas: [],
    obligations: [
      { blockHash: X, minRound: 1, maxRound: 1, owers: [0, 1, 2], deadlineMs: 9_000, status: FORK_OBLIGATION_OPEN },
      { blockHash: B, minRound: 0, maxRound: 0, owers: [0, 1, 2, 3], deadlineMs: 9_000, status: FORK_OBLIGATION_OPEN },
    ],
    convicted: [],
  } as ForkCase);

  test("skips quiet blocks while nothing is open, posts what a case wants once, again only after resendAfterBlocks, never what it has; refusals are logged", async () => {
    const stored = [polka(H, 0, B), polka(H, 2, X), polka(H, 0, Y), polka(H + 1, 0, B)];
    for (const p of stored) await db.polkas.putPolka(p);
    const wallet = await DirectSecp256k1HdWallet.generate(12, { prefix: ACCOUNT_ADDRESS_PREFIX });
    const signer = await AccountSigner.fromMnemonic(wallet.mnemonic);
    let sequence = 3n;
    let refuse: { code: number; log: string } | null = null;
    let exists = true;
    const submitted: Uint8Array[] = [];
    const account = new NodeAccount(
      { chainId: CHAIN_ID, gasPrice: parseGasPrice(GAS_PRICE) },
      {
        signer,
        checkAccount: (a) => (exists && bytesEqual(a, signer.addressBytes) ? { accountNumber: 11n, sequence } : undefined),
        submitTx: async (tx) => {
          submitted.push(tx);
          if (refuse) return { hash: "R", ...refuse };
          sequence++;
          return { hash: `T${submitted.length}`, code: 0, log: "" };
        },
      },
    );
    let cases: ForkCase[] = [];
    let looks = 0;
    const logs: LogEntry[] = [];
    const responder = new ForkCaseResponder(
      { resendAfterBlocks: 5 },
      {
        forkCases: () => {
          looks++;
          return cases;
        },
        getPolkas: (h) => db.polkas.getPolkas(h),
        account,
        logger: createRecordingLogger(logs),
      },
    );
    const commit = async (height: number, txCount: number) => {
      responder.onCommit(height, txCount);
      await responder.whenIdle();
    };

    // The first look (start) finds nothing; blocks without transactions are then not even looked at.
    responder.start(10);
    await responder.whenIdle();
    expect(looks).toBe(1);
    await commit(11, 0);
    cases = [openCase()]; // a case opens (in the real chain only a transaction does that)
    await commit(12, 0);
    expect(looks).toBe(1);
    expect(submitted).toHaveLength(0);

    // A block with transactions is looked at: the one stored polka the case wants is posted.
    await commit(13, 2);
    expect(looks).toBe(2);
    expect(submitted).toHaveLength(1);
    const tx = decodeTx(submitted[0]!);
    verifyTxSignatures(tx, { chainId: CHAIN_ID, accounts: [{ accountNumber: 11n, publicKey: null }] });
    expect(tx.signerInfos.map((s) => s.sequence)).toEqual([3n]);
    const gas = POST_POLKA_GAS + 8n * POST_POLKA_GAS_PER_VALIDATOR; // one bitmap byte, nobody to convict
    expect(tx.fee.gasLimit).toBe(gas);
    expect(tx.fee.amount).toEqual([{ denom: "uaeg", amount: BigInt(computeFeeAmount(parseGasPrice(GAS_PRICE), gas)) }]);
    expect(tx.messages.map((m) => m.typeUrl)).toEqual([MSG_POST_POLKA_TYPE_URL]);
    expect(AegisMsgPostPolka.decode(tx.messages[0]!.value)).toEqual({ submitter: signer.address, polka: stored[0] });
    expect(logs.filter((l) => l.msg === "posted a polka a fork case asks for").map((l) => l.fields)).toEqual([
      { caseIds: [7], height: H, round: 0, blockHash: toHex(B), again: false, gasLimit: String(gas), tx: "T1", submitter: signer.address },
    ]);

    // While a case is open every block is looked at; the post may be pending for 5 blocks, then it is sent again.
    for (let h = 14; h <= 17; h++) await commit(h, 0);
    expect(looks).toBe(6);
    expect(submitted).toHaveLength(1);
    await commit(18, 0);
    expect(submitted).toHaveLength(2);
    expect(decodeTx(submitted[1]!).signerInfos[0]!.sequence).toBe(4n);
    expect(decodeTx(submitted[1]!).fee.gasLimit).toBe(2n * gas); // in case the first ran out of gas
    expect(logs.at(-1)!.fields).toMatchObject({ again: true, round: 0, gasLimit: String(2n * gas) });

    // The case has it now: not posted again, however long the case stays open.
    cases = [{ ...openCase(), polkas: [{ round: 0, blockHash: B, signers: [0, 1, 2] }], obligations: openCase().obligations.map((o, i) => (i === 1 ? { ...o, status: FORK_OBLIGATION_MET } : o)) } as ForkCase];
    for (let h = 19; h <= 30; h++) await commit(h, 0);
    expect(submitted).toHaveLength(2);

    // A polka for the higher block inside the case's rounds turns up (this node kept it): posted; the mempool refuses it: logged, tried again 5 blocks later.
    refuse = { code: 13, log: "insufficient fee" };
    await db.polkas.putPolka(polka(H, 1, X));
    await commit(31, 0);
    expect(submitted).toHaveLength(3);
    expect(AegisMsgPostPolka.decode(decodeTx(submitted[2]!).messages[0]!.value).polka).toEqual(polka(H, 1, X));
    expect(logs.at(-1)).toEqual({ level: "warn", msg: "polka post refused", fields: { caseIds: [7], height: H, round: 1, blockHash: toHex(X), again: false, gasLimit: String(gas), tx: "R", code: 13, log: "insufficient fee" } });
    for (let h = 32; h <= 35; h++) await commit(h, 0);
    expect(submitted).toHaveLength(3);
    refuse = null;
    exists = false; // the operator account is gone from the check state: nothing to sign with
    await commit(36, 0);
    expect(submitted).toHaveLength(3);
    expect(logs.at(-1)!.msg).toMatch(/operator account does not exist on the hub/);
    exists = true;
    await commit(41, 0);
    expect(submitted).toHaveLength(4);

    // Closed (its deadline passed): nothing is wanted, and quiet blocks are skipped again.
    cases = [{ ...cases[0]!, obligations: cases[0]!.obligations.map((o) => ({ ...o, status: o.status === FORK_OBLIGATION_OPEN ? FORK_OBLIGATION_EXPIRED : o.status })) } as ForkCase];
    expect(isForkCaseOpen(cases[0]!)).toBe(false);
    const looked = looks;
    await commit(50, 0);
    expect(looks).toBe(looked + 1);
    await commit(51, 0);
    await commit(60, 0);
    expect(looks).toBe(looked + 1);
    expect(submitted).toHaveLength(4);

    // Stopped: nothing more.
    await responder.stop();
    cases = [openCase()];
    await commit(70, 5);
    expect(looks).toBe(looked + 1);
    expect(submitted).toHaveLength(4);
  });
});

test("a case across tiers asks for a BLS commit of the ZK certificate's block: the node posts its own commit when that is its block, once (until the resend delay), never another block's", async () => {
  const CHAIN_ID = "aegis-responder-tiers-1";
  const B = hash(0xb0);
  const keys = [createBlsKeyPair(), createBlsKeyPair(), createBlsKeyPair()];
  const msg = computeVoteSignBytes({ chainId: CHAIN_ID, height: 5, round: 2, type: VoteType.Precommit, blockHash: B });
  const own = { height: 5, round: 2, blockHash: B, signers: createSignerBitmap(4, [0, 1, 3]), signature: blsAggregateSignatures(keys.map((k) => blsSign(k.secretKey, msg))) };
  const tiersCase = (wants: Uint8Array): ForkCase => ({
    id: 9,
    height: 5,
    kind: "tiers",
    low: { round: 0, blockHash: hash(0xa0), signers: [0, 1, 2] },
    high: { round: 0, blockHash: wants, signers: [0, 1, 3] },
    openedMs: 0,
    polkas: [],
    obligations: [{ blockHash: wants, minRound: 0, maxRound: 0xffffffff, owers: [0, 1, 3], deadlineMs: 9_000, status: FORK_OBLIGATION_OPEN }],
    convicted: [],
  });
  const signer = await AccountSigner.fromMnemonic((await DirectSecp256k1HdWallet.generate(12, { prefix: ACCOUNT_ADDRESS_PREFIX })).mnemonic);
  let sequence = 0n;
  const submitted: Uint8Array[] = [];
  const account = new NodeAccount(
    { chainId: CHAIN_ID, gasPrice: parseGasPrice(GAS_PRICE) },
    { signer, checkAccount: () => ({ accountNumber: 1n, sequence }), submitTx: async (tx) => (submitted.push(tx), sequence++, { hash: `T${submitted.length}`, code: 0, log: "" }) },
  );
  let cases = [tiersCase(hash(0xc3))]; // asks for another block's commit: this node's is B
  const responder = new ForkCaseResponder({ resendAfterBlocks: 5 }, { forkCases: () => cases, getPolkas: async () => [], getCommit: async (h) => (h === 5 ? own : undefined), account, logger: createRecordingLogger([]) });
  const commit = async (height: number) => {
    responder.onCommit(height, 1);
    await responder.whenIdle();
  };
  await commit(10);
  expect(submitted).toHaveLength(0);
  cases = [tiersCase(B)];
  await commit(11);
  expect(submitted).toHaveLength(1);
  const tx = decodeTx(submitted[0]!);
  expect(tx.messages.map((m) => m.typeUrl)).toEqual([MSG_POST_COMMIT_TYPE_URL]);
  expect(AegisMsgPostCommit.decode(tx.messages[0]!.value)).toEqual({ submitter: signer.address, commit: own });
  // Signers 0 and 1 are in both commits: the post may convict them, and its gas covers it.
  expect(tx.fee.gasLimit).toBe(POST_POLKA_GAS + 8n * POST_POLKA_GAS_PER_VALIDATOR + 2n * POST_POLKA_GAS_PER_CONVICTION);
  for (let h = 12; h <= 15; h++) await commit(h);
  expect(submitted).toHaveLength(1);
  cases = [{ ...tiersCase(B), obligations: [{ ...tiersCase(B).obligations[0]!, status: FORK_OBLIGATION_MET }] }];
  for (let h = 16; h <= 25; h++) await commit(h);
  expect(submitted).toHaveLength(1);
  await responder.stop();
});

test("computePostPolkaGas: the base and set-size term, plus an allowance for each signer a posted polka of the same round for another block names, not convicted yet, in each case", () => {
  const c = (polkas: ForkCase["polkas"], convicted: number[] = []): ForkCase => ({ id: 1, height: 5, kind: "rounds", low: { round: 0, blockHash: hash(1), signers: [] }, high: { round: 1, blockHash: hash(2), signers: [] }, openedMs: 0, polkas, obligations: [], convicted } as ForkCase);
  const p = (round: number, blockHash: Uint8Array, signers: number[], n = 20): PolkaCertificate => ({ height: 5, round, blockHash, signers: createSignerBitmap(n, signers), signature: new Uint8Array(96) });
  const base = (bytes: number) => POST_POLKA_GAS + POST_POLKA_GAS_PER_VALIDATOR * BigInt(8 * bytes);
  const A = hash(1);
  const Bh = hash(2);
  const rows: [string, PolkaCertificate, ForkCase[], bigint][] = [
    ["nothing posted", p(0, A, [0, 1, 2]), [c([])], base(3)],
    ["a 100-validator bitmap", p(0, A, [0, 1, 2], 100), [c([])], base(13)],
    ["posted: same round, other block, two shared signers", p(0, A, [0, 1, 2, 5]), [c([{ round: 0, blockHash: Bh, signers: [1, 2, 3] }])], base(3) + 2n * POST_POLKA_GAS_PER_CONVICTION],
    ["one of them already convicted", p(0, A, [0, 1, 2, 5]), [c([{ round: 0, blockHash: Bh, signers: [1, 2, 3] }], [2])], base(3) + POST_POLKA_GAS_PER_CONVICTION],
    ["posted in another round", p(0, A, [0, 1, 2]), [c([{ round: 1, blockHash: Bh, signers: [1, 2, 3] }])], base(3)],
    ["posted for the same block", p(0, A, [0, 1, 2]), [c([{ round: 0, blockHash: A, signers: [1, 2, 3] }])], base(3)],
    ["two cases", p(0, A, [0, 1, 2]), [c([{ round: 0, blockHash: Bh, signers: [1] }]), c([{ round: 0, blockHash: Bh, signers: [0, 1] }])], base(3) + 3n * POST_POLKA_GAS_PER_CONVICTION],
  ];
  for (const [what, polka, cases, gas] of rows) expect({ what, gas: computePostPolkaGas(polka, cases) }).toEqual({ what, gas });
});

test("the limit covers what the hub charges for a real signed MsgPostPolka (executeTx), 4 and 100 validators, answering a case or convicting double prevoters", async () => {
  const CHAIN_ID = "aegis-post-polka-gas";
  const H = 3;
  const wallet = await DirectSecp256k1HdWallet.generate(12, { prefix: ACCOUNT_ADDRESS_PREFIX });
  const signer = await AccountSigner.fromMnemonic(wallet.mnemonic);
  const registry = new MsgRegistry([createPostPolkaHandler() as never]);
  const rows: { n: number; scenario: string; convicted: number; gasUsed: bigint; gasLimit: bigint }[] = [];
  for (const n of [4, 100]) {
    for (const scenario of ["answer", "convict"] as const) {
      // n validators (fixtures 1..n, 10 M each) signing heights 1..5; the poster's account funded.
      const s = setup({ params: { maxValidators: n, unbondingTimeMs: 1_000_000 }, accounts: n });
      for (let i = 1; i <= n; i++) mustRun(s, msgCreateValidatorHandler, createValidatorMsg(i, 10_000_000n));
      processEpochEnd(s, { height: 0, time: T0 });
      processSlashingGenesis(s, { forkCaseResponseMs: 1000 });
      for (let h = 1; h <= 5; h++) {
        const set = getValidatorSetForHeight(s, h)!;
        processBlockSignatures(s, { height: h, time: T0 + h, set, signers: createSignerBitmap(n, set.validators.map((_, k) => k)) });
      }
      processEnsureAccount(s, signer.addressBytes, signer.address);
      processMint(s, signer.addressBytes, [{ denom: DENOM, amount: 10n ** 12n }]);
      // A case: the first 2/3+1 precommitted A in round 0, the last 2/3+1 precommitted B in round 1.
      const set = getValidatorSetForHeight(s, H)!;
      const ix = (i: number) => set.validators.findIndex((v) => bytesEqual(v.operator, addr(i)));
      const header = (v: number): BlockHeader => ({ ...FAKE_HEADER, chainId: CHAIN_ID, height: H, time: T0 + H, stateRoot: hash(0x40 + v), validatorSetRoot: computeValidatorSetRoot(set.set), nextValidatorSetRoot: computeValidatorSetRoot(set.set) });
      const votes = (type: VoteType, blockHash: Uint8Array, who: number[], round: number): CommitCertificate => {
        const msg = computeVoteSignBytes({ chainId: CHAIN_ID, height: H, round, type, blockHash });
        return { height: H, round, blockHash, signers: createSignerBitmap(n, who.map(ix)), signature: blsAggregateSignatures(who.map((i) => blsSign(blsKey(i).secretKey, msg))) };
      };
      const q = Math.floor((2 * n) / 3) + 1;
      const all = Array.from({ length: n }, (_, k) => k + 1);
      const [low, high] = [all.slice(0, q), all.slice(n - q)];
      const [ha, hb] = [header(1), header(2)];
      const [A, B] = [computeBlockHash(ha), computeBlockHash(hb)];
      const ctx = { chainId: CHAIN_ID, height: 6, time: T0 + 6 };
      createForkEvidenceHandler(undefined).process({ ...ctx, store: s, events: [] }, { submitter: signer.address, bls: { a: { header: ha, certificate: votes(VoteType.Precommit, A, low, 0) }, b: { header: hb, certificate: votes(VoteType.Precommit, B, high, 1) } } });
      // "convict": the high side already posted a polka for B in round 0, so the polka for A in round 0 shows who prevoted twice.
      if (scenario === "convict") createPostPolkaHandler().process({ ...ctx, store: s, events: [] }, { submitter: signer.address, polka: votes(VoteType.Prevote, B, high, 0) });
      const polka = votes(VoteType.Prevote, A, low, 0);
      const gasLimit = computePostPolkaGas(polka, [getForkCase(s, 1) as unknown as ForkCase]);
      const tx = await signer.signTx([encodeMessage(AegisMsgPostPolka, { submitter: signer.address, polka })], { chainId: CHAIN_ID, accountNumber: 0n, sequence: 0n, fee: [], gasLimit });
      const out = executeTx(s, tx, { ...ctx, height: 7, mode: "deliver", registry, minGasPrices: [] });
      expect(out.kind).toBe("included");
      const result = (out as Extract<typeof out, { kind: "included" }>).result;
      expect({ n, scenario, code: result.code, log: result.log }).toEqual({ n, scenario, code: 0, log: "" });
      const convicted = all.filter((i) => isTombstoned(s, addr(i))).length;
      expect({ n, scenario, convicted: convicted > 0 }).toEqual({ n, scenario, convicted: scenario === "convict" });
      expect(result.gasUsed).toBeLessThan(gasLimit);
      rows.push({ n, scenario, convicted, gasUsed: result.gasUsed, gasLimit });
    }
  }
  // The limit's margin: at least 1.4 times what was used, in every row.
  for (const r of rows) expect({ ...r, margin: Number(r.gasLimit) / Number(r.gasUsed) >= 1.4 }).toEqual({ ...r, margin: true });
}, 30_000);

describe("four validators: a coalition fabricates a commit in a higher round", () => {
  const N = 4;
  const CHAIN_ID = "aegis-fork-responder-1";
  const RESPONSE_MS = 6_000;
  /** Node 3 runs without keys/operator.json. */
  const UNDEFENDED = 3;
  const COALITION = [0, 1, 2];
  /** Each validator's self-delegation (power 100). */
  const GENESIS_TOKENS = 100_000_000n;
  let dir: string;
  let init: InitHomesResult;
  const running: RunningNode[] = [];
  const logs: LogEntry[][] = Array.from({ length: N }, () => []);
  const operators: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "aegis-fork-responder-"));
    init = await initHomes({
      home: dir,
      validators: N,
      chainId: CHAIN_ID,
      p2pBasePort: 1, // each node listens on port 0
      apiBasePort: 1,
      // The set stays for the test (slashes reach it at an epoch boundary); a case answers within RESPONSE_MS.
      epochLength: 100_000,
      slashing: { forkCaseResponseMs: RESPONSE_MS },
      consensus: { createEmptyBlocksIntervalMs: 100, rebroadcastIntervalMs: 300 },
      timeouts: { timeouts: { proposeMs: 1000, proposeDeltaMs: 200, prevoteMs: 300, prevoteDeltaMs: 100, precommitMs: 300, precommitDeltaMs: 100 } },
    });
    for (const n of init.nodes) operators.push((JSON.parse(await readFile(getHomePaths(n.home).operatorKey, "utf8")) as { address: string }).address);
    await rm(getHomePaths(init.nodes[UNDEFENDED]!.home).operatorKey);
    for (let i = 0; i < N; i++) {
      const bootstrap = running.map((r) => r.node.network.multiaddrs[0]!);
      running.push(
        await startNodeFromHome(init.nodes[i]!.home, {
          logger: createRecordingLogger(logs[i]!),
          config: (c) => ({ ...c, api: { host: "127.0.0.1", port: 0 }, p2p: { listen: ["/ip4/127.0.0.1/tcp/0"], bootstrap } }),
        }),
      );
    }
  }, 60_000);

  afterAll(async () => {
    for (const r of running.reverse()) await r.stop().catch(() => {});
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function waitFor<T>(what: string, f: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await f();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (heights ${running.map((r) => r.node.engine.height).join(",")})`);
      await sleep(50);
    }
  }

  /** Every MsgPostPolka any operator sent that reached a block, on node `i`'s index (failed ones too: found by fee payer). */
  async function postsByOperators(i: number): Promise<{ operator: number; tx: IndexedTx; polka: PolkaCertificate }[]> {
    const out: { operator: number; tx: IndexedTx; polka: PolkaCertificate }[] = [];
    for (const [operator, address] of operators.entries()) {
      for (const tx of await running[i]!.node.db.txs.findByEvent("tx.fee_payer", address)) {
        for (const m of decodeTx(tx.tx).messages) if (m.typeUrl === MSG_POST_POLKA_TYPE_URL) out.push({ operator, tx, polka: AegisMsgPostPolka.decode(m.value).polka });
      }
    }
    return out;
  }

  function signingInfo(consPub: Uint8Array) {
    const consAddress = toBech32("aegisvalcons", sha256(consPub).slice(0, 20));
    const out = running[0]!.node.app.query!("/cosmos.slashing.v1beta1.Query/SigningInfo", QuerySigningInfoRequest.encode({ consAddress }).finish());
    expect(out.code).toBe(0);
    return QuerySigningInfoResponse.decode(out.value!).valSigningInfo!;
  }

  function tokensOf(operator: string): bigint {
    const validatorAddr = toBech32("aegisvaloper", fromBech32(operator, ACCOUNT_ADDRESS_PREFIX, { lengths: [20] }));
    const out = running[0]!.node.app.query!("/cosmos.staking.v1beta1.Query/Validator", QueryValidatorRequest.encode({ validatorAddr }).finish());
    expect(out.code).toBe(0);
    return BigInt(QueryValidatorResponse.decode(out.value!).validator!.tokens);
  }

  test("the case opens, the nodes post the real commit's polka, and at the deadline exactly the fabricators are slashed (hub_fork_unanswered)", async () => {
    const n0 = running[0]!.node;
    // Node 3 said at start that it cannot defend its validator; the others did not.
    for (let i = 0; i < N; i++) {
      const said = logs[i]!.filter((l) => /cannot defend its validator in a fork case/.test(l.msg));
      expect({ node: i, said: said.length }).toEqual({ node: i, said: i === UNDEFENDED ? 1 : 0 });
    }
    expect(running.map((r) => r.node.forkCaseResponder !== null)).toEqual([true, true, true, false]);

    await waitFor("height 4 on every node", () => running.every((r) => r.node.engine.height >= 4));
    // A real committed height: its header, its commit certificate C(r_c, B) and its polka on every node.
    const h = 2;
    const block = (await n0.db.blocks.getBlock(h))!;
    const real = (await n0.db.blocks.getCertificate(h))!;
    const B = computeBlockHash(block.header);
    expect(bytesEqual(real.blockHash, B)).toBe(true);
    for (const r of running) {
      const polkas = await r.node.db.polkas.getPolkas(h);
      expect(polkas.some((p) => p.round === real.round && bytesEqual(p.blockHash, B))).toBe(true);
    }

    // The coalition (validators 0, 1, 2: 300 of 400) signs precommits for another block X at h in a higher round.
    const set = n0.engine.getValidatorSet(h);
    const keys = await Promise.all(init.nodes.map((n) => readValidatorKeyFile(getHomePaths(n.home).validatorKey, { attestation: false })));
    const setIndex = keys.map((k) => set.validators.findIndex((v) => bytesEqual(v.blsPublicKey, k.blsPublicKey)));
    expect(setIndex.every((x) => x >= 0)).toBe(true);
    const fakeHeader: BlockHeader = { ...block.header, stateRoot: hash(0x5a) };
    const X = computeBlockHash(fakeHeader);
    const highRound = real.round + 1;
    const sb = computeVoteSignBytes({ chainId: CHAIN_ID, height: h, round: highRound, type: VoteType.Precommit, blockHash: X });
    const fake: CommitCertificate = {
      height: h,
      round: highRound,
      blockHash: X,
      signers: createSignerBitmap(set.validators.length, COALITION.map((i) => setIndex[i]!)),
      signature: blsAggregateSignatures(COALITION.map((i) => blsSign(keys[i]!.blsSecretKey, sb))),
    };

    // Anyone submits both commits (here the faucet): a case opens and names nobody yet.
    const faucet = await AccountSigner.fromMnemonic(init.faucet!.mnemonic);
    const submitter = new NodeAccount({ chainId: CHAIN_ID, gasPrice: parseGasPrice(GAS_PRICE) }, { signer: faucet, checkAccount: (a) => n0.app.checkAccount!(a), submitTx: (tx) => n0.submitTx(tx) });
    const evidence = encodeMessage(AegisMsgSubmitForkEvidence, { submitter: faucet.address, bls: { a: { header: block.header, certificate: real }, b: { header: fakeHeader, certificate: fake } } });
    const sent = await submitter.send([evidence], 2_000_000n);
    expect(sent.status).toBe("submitted");
    const opened = await waitFor("the case on node 0", () => n0.app.forkCases!()[0]);
    const openedAtHeight = n0.engine.height;
    const openedAt = Date.now();
    expect(opened).toMatchObject({ id: 1, height: h, kind: "rounds", low: { round: real.round, blockHash: B }, high: { round: highRound, blockHash: X } });
    expect(opened.obligations.map((o) => ({ block: toHex(o.blockHash), rounds: [o.minRound, o.maxRound], owers: o.owers }))).toEqual([
      { block: toHex(X), rounds: [highRound, highRound], owers: COALITION.map((i) => setIndex[i]!).sort((a, b) => a - b) },
      { block: toHex(B), rounds: [real.round, real.round], owers: getSignerIndices(real.signers) },
    ]);

    // Within a few blocks a node posts its polka of (r_c, B): the lower commit's signers are answered.
    const answered = await waitFor("the lower commit's polka posted", () => {
      const c = n0.app.forkCases!()[0]!;
      return c.obligations[1]!.status === FORK_OBLIGATION_MET ? c : undefined;
    }, 10_000);
    const answeredAfter = { blocks: n0.engine.height - openedAtHeight, ms: Date.now() - openedAt };
    expect(answered.polkas.map((p) => ({ round: p.round, block: toHex(p.blockHash) }))).toEqual([{ round: real.round, block: toHex(B) }]);
    expect(answered.obligations.map((o) => o.status)).toEqual([FORK_OBLIGATION_OPEN, FORK_OBLIGATION_MET]);
    expect(answeredAfter.blocks).toBeLessThanOrEqual(10); // one block unloaded; a loaded machine may take a few
    // The API serves the same case (node 3, which could not post it, sees it answered too).
    await waitFor("node 3 at the answering height", () => running[UNDEFENDED]!.node.app.forkCases!()[0]!.obligations[1]!.status === FORK_OBLIGATION_MET);
    const viaApi = decodeForkCasesJson(await (await fetch(running[UNDEFENDED]!.api.url + computeHubApiPath("forkCases", {}))).json());
    expect(viaApi.map((c) => ({ id: c.id, polkas: c.polkas.length, statuses: c.obligations.map((o) => o.status) }))).toEqual([{ id: 1, polkas: 1, statuses: [FORK_OBLIGATION_OPEN, FORK_OBLIGATION_MET] }]);

    // The successful post: a MsgPostPolka from an operator account of a defended node, in a block, with the case's event.
    const posted = await waitFor("the post in node 0's index", async () => {
      const ok = (await postsByOperators(0)).filter((p) => p.tx.result.code === 0);
      return ok.length > 0 ? ok : undefined;
    });
    expect(posted).toHaveLength(1);
    const [post] = posted;
    expect(post!.operator).not.toBe(UNDEFENDED);
    expect({ round: post!.polka.round, block: toHex(post!.polka.blockHash), height: post!.polka.height }).toEqual({ round: real.round, block: toHex(B), height: h });
    expect(post!.tx.result.events.find((e) => e.type === "hub_fork_case_polka")?.attributes).toEqual(expect.arrayContaining([{ key: "case_id", value: "1" }, { key: "round", value: String(real.round) }]));
    // Gas: the BLS check plus ante and store, well under the limit the responder sets.
    const gasUsed = post!.tx.result.gasUsed;
    expect(post!.tx.result.gasWanted).toBe(computePostPolkaGas(post!.polka, [opened]));
    expect(gasUsed).toBeGreaterThan(FORK_BLS_VERIFY_GAS);
    expect(gasUsed).toBeLessThan(post!.tx.result.gasWanted);
    const responderLogs = logs.slice(0, UNDEFENDED).flatMap((l) => l.filter((e) => e.fields.module === "fork-cases"));
    expect(responderLogs.filter((e) => e.msg === "posted a polka a fork case asks for").length).toBeGreaterThanOrEqual(1);

    // Nothing more is posted once the case has it. The other defended nodes posted the same polka at
    // about the same time (each from its own store): those land within a block or two and are refused
    // there. After that, over more blocks than the responder's resend delay, no operator posts again.
    // Settled: no new post for 3 blocks (the others' posts may take a few blocks to land on a loaded machine).
    let settled = await postsByOperators(0);
    let quietSince = n0.engine.height;
    await waitFor("the posts settled", async () => {
      const now = await postsByOperators(0);
      if (now.length !== settled.length) {
        settled = now;
        quietSince = n0.engine.height;
      }
      return n0.engine.height >= quietSince + 3;
    }, 30_000);
    const answeredAt = n0.engine.height;
    await waitFor("8 more blocks", () => n0.engine.height >= answeredAt + 11);
    const after = await postsByOperators(0);
    expect(after.map((p) => p.tx.hash)).toEqual(settled.map((p) => p.tx.hash));
    const before = after.length;
    // The posts that came second: refused in their block because the case no longer wanted them.
    for (const p of after.filter((p) => p.tx.result.code !== 0)) expect(p.tx.result.log).toMatch(/no open fork case at height \d+ wants/);
    // Each defended node posted once, or twice when its first post was still pending after the resend delay
    // (a loaded machine); node 3 never.
    for (let i = 0; i < N; i++) expect({ node: i, posts: after.filter((p) => p.operator === i).length <= (i === UNDEFENDED ? 0 : 2) }).toEqual({ node: i, posts: true });
    expect(logs[UNDEFENDED]!.filter((e) => e.fields.module === "fork-cases")).toEqual([]);

    // Nobody holds a polka for X: at the deadline the coalition is convicted, slashed and tombstoned; validator 3 is not.
    const tokensBefore = operators.map(() => GENESIS_TOKENS);
    const closed = await waitFor("the case closed", () => {
      const c = n0.app.forkCases!()[0]!;
      return isForkCaseOpen(c) ? undefined : c;
    }, RESPONSE_MS + 10_000);
    expect(closed.obligations.map((o) => o.status)).toEqual([FORK_OBLIGATION_EXPIRED, FORK_OBLIGATION_MET]);
    expect(closed.convicted).toEqual(COALITION.map((i) => setIndex[i]!).sort((a, b) => a - b));
    expect(Date.now() - openedAt).toBeGreaterThanOrEqual(RESPONSE_MS - 1_000);
    for (let i = 0; i < N; i++) {
      const info = signingInfo(keys[i]!.blsPublicKey);
      expect({ validator: i, tombstoned: info.tombstoned }).toEqual({ validator: i, tombstoned: COALITION.includes(i) });
      const lost = tokensBefore[i]! - tokensOf(operators[i]!);
      expect({ validator: i, slashed: lost > 0n }).toEqual({ validator: i, slashed: COALITION.includes(i) });
    }
    // The slash events: three, all hub_fork_unanswered, the same on every node.
    for (let i = 0; i < N; i++) {
      const slashes = logs[i]!.filter((e) => e.msg === "validator slashed");
      expect(slashes.map((e) => e.fields.reason)).toEqual(["hub_fork_unanswered", "hub_fork_unanswered", "hub_fork_unanswered"]);
    }
    // The chain goes on (the set changes at the epoch boundary), and nobody posts anything more.
    const end = n0.engine.height;
    await waitFor("2 blocks after the deadline", () => n0.engine.height >= end + 2);
    expect((await postsByOperators(0)).length).toBe(before);
  }, 60_000);
});
