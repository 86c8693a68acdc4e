import { createHash } from "node:crypto";
import { initZkCertificateVerifier, toHex, ZK_ACTIVATION_STATE_KEY, type ConsumerCheckpoint, type ForkCase, type ValidatorSet } from "@aegis/consumer-sdk";
import { BaseAccount } from "cosmjs-types/cosmos/auth/v1beta1/auth";
import { QueryAccountRequest, QueryAccountResponse, QueryParamsResponse as QueryAuthParamsResponse } from "cosmjs-types/cosmos/auth/v1beta1/query";
import { GetTxRequest, GetTxResponse, SimulateRequest, SimulateResponse } from "cosmjs-types/cosmos/tx/v1beta1/service";
import { Tx } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import type { TxResponse } from "cosmjs-types/cosmos/base/abci/v1beta1/abci";
import { QueryHistoricalInfoRequest } from "cosmjs-types/cosmos/staking/v1beta1/query";
import { answerError, answerInvalidArgument, answerInvalidRequest, answerNotFound } from "./queryAnswers.js";
import type { CheckpointHistoryEntry, HubDb, IndexedTx } from "../db/index.js";
import { DEFAULT_EPOCH_LENGTH, parseProverSharePermille, type AppGenesis, type Genesis, type GenesisValidator } from "../genesis.js";
import { createZkHandlers, createZkKeyReader, getLastCertifiedHeight, processRecordBlock, type ZkKey } from "./modules/zk/index.js";
import {
  CONSUMER_HANDLERS,
  DEFAULT_PROVER_SHARE_PERMILLE,
  decodeCheckpointRecord,
  encodeCheckpointRecord,
  getLatestCheckpoint,
  getConsumer,
  getConsumerCheckpointRoot,
  listConsumers,
  MSG_SUBMIT_CHECKPOINT_TYPE_URL,
  type MsgSubmitCheckpoint,
  processConsumersGenesis,
  processMatureConsumerBonds,
  queryConsumers,
  type CheckpointRecord,
  type Consumer,
} from "./modules/consumers/index.js";
import type { Logger } from "../logger.js";
import { StateStore, type ReadonlyKVStore, type StateProof, type StateView } from "../state/index.js";
import {
  ACCOUNT_ADDRESS_PREFIX,
  DEFAULT_DECODE_TX_LIMITS,
  fromBech32,
  parseCoins,
  SIG_VERIFY_COST_ED25519,
  SIG_VERIFY_COST_SECP256K1,
  toBech32,
  TX_SIZE_COST_PER_BYTE,
  TxError,
  VALIDATOR_OPERATOR_ADDRESS_PREFIX,
} from "../tx/index.js";
import { ApplicationError, type Application, type BlockExecutionContext, type ExecutionResult } from "./application.js";
import { getTxHash } from "../tx/txHash.js";
import { executeTx, prepareCached, type GasPrice, type PreparedTx, type TxResult } from "./executeTx.js";
import { getAccount, getAccountBytes, processEnsureAccount } from "./modules/auth.js";
import { createDefaultDenomMetadata, processMint, setDenomMetadata, type DenomMetadata } from "./modules/bank.js";
import { queryBank } from "./modules/bankQuery.js";
import { DEFAULT_HANDLERS, MsgRegistry, type MsgHandler } from "./msgRegistry.js";
import {
  encodeHistoricalInfo,
  getEpochForHeight,
  HISTORICAL_ENTRIES,
  HISTORICAL_INFO_QUERY_PATH,
  getValidatorByConsensusAddress,
  getValidatorSetForEpoch,
  getValidatorSetForHeight,
  parseDec,
  processEpochEnd,
  processMatureUnbondings,
  processStakingGenesis,
  queryStaking,
  STAKING_HANDLERS,
  type MsgCreateValidator,
} from "./modules/staking/index.js";
import { DISTRIBUTION_HANDLERS, processAllocateRewards, queryDistribution } from "./modules/distribution/index.js";
import {
  processBlockSignatures,
  processDoubleAttestationEvidence,
  processDuplicateVoteEvidence,
  processSlashingGenesis,
  querySlashing,
  type SlashingParams,
  SLASHING_HANDLERS,
  createForkEvidenceHandler,
  createPostCommitHandler,
  createPostPolkaHandler,
  getForkCases,
  processForkCaseDeadlines,
} from "./modules/slashing/index.js";
import { computeEvidenceHash } from "../consensus/blockRules.js";
import { isDoubleAttestationEvidence } from "../consensus/evidence.js";
import type { Evidence } from "../consensus/types.js";
import type { TxEvent } from "./txEvents.js";

export interface HubApplicationOpts {
  chainId: string;
  genesis: AppGenesis;
  /** Unix ms of the genesis (staking genesis state). */
  genesisTime?: number;
  /**
   * Root of the consensus genesis validator set. When the app genesis has validators, epoch 0's
   * staking set must have exactly this root (one validator set, two descriptions of it).
   */
  consensusGenesisRoot?: Uint8Array;
  /** Mempool admission: fee >= price × gas for one of these (empty: no minimum). */
  minGasPrices?: GasPrice[];
  /** The genesis zk section: certificates are recorded and rewarded (MsgSubmitZkCertificate); absent: none. */
  zk?: Genesis["zk"];
}

export interface HubApplicationModules {
  db: HubDb;
  logger: Logger;
}

export interface QueryResult {
  code: number;
  codespace?: string;
  log?: string;
  value?: Uint8Array;
  height: number;
}

/** What an execution gives the header: state root, next set root (at an epoch's end), consumer-checkpoint root. */
function executionResultOf(e: Executed): ExecutionResult {
  return { stateRoot: e.root, consumerCheckpointRoot: e.consumerCheckpointRoot, ...(e.nextValidatorSetRoot ? { nextValidatorSetRoot: e.nextValidatorSetRoot } : {}) };
}

interface Executed {
  view: StateView;
  root: Uint8Array;
  results: TxResult[];
  nextValidatorSetRoot?: Uint8Array;
  /** Root of every consumer's latest checkpoint after the block (the header's consumerCheckpointRoot). */
  consumerCheckpointRoot: Uint8Array;
  /** Events of the block's begin (liveness, evidence): logged at commit. */
  blockEvents: TxEvent[];
}

const NOT_FOUND = 22;
const UNKNOWN_REQUEST = 6;
/** gas_wanted of a Simulate answer: the limit of the SDK's infinite gas meter (math.MaxUint64). */
export const SIMULATE_GAS_WANTED = 2n ** 64n - 1n;
/** x/auth's Params as the hub applies them: the decoder's memo and signature limits, the ante handler's gas costs. */
const AUTH_PARAMS = {
  maxMemoCharacters: BigInt(DEFAULT_DECODE_TX_LIMITS.maxMemoBytes),
  txSigLimit: BigInt(DEFAULT_DECODE_TX_LIMITS.maxSignatures),
  txSizeCostPerByte: TX_SIZE_COST_PER_BYTE,
  sigVerifyCostEd25519: SIG_VERIFY_COST_ED25519,
  sigVerifyCostSecp256k1: SIG_VERIFY_COST_SECP256K1,
};
const INVALID_REQUEST = 18;

/**
 * The hub's state machine: auth and bank over the authenticated state store, Cosmos SDK transactions.
 * Blocks are executed on views of the committed state (several candidates per height may be), the
 * decided one is committed; transaction results go to the tx index for `tx_search`.
 */
export class HubApplication implements Application {
  private readonly registry: MsgRegistry;
  private readonly executed = new Map<string, Executed>();
  /** CheckTx state: committed state plus the ante effects of transactions admitted to the mempool. */
  private checkView: StateView;
  private readonly log: Logger;
  private readonly verifiedSigs = new BoundedSet(200_000);
  /** Decoded, statelessly checked transactions by hash (mempool, re-check, proposal and block share them). */
  private readonly preparedTxs = new BoundedMap<PreparedTx>(20_000);
  private readonly zkKeyOf: ((store: ReadonlyKVStore) => ZkKey | undefined) | undefined;
  private readonly epochSets = new Map<number, { set: ValidatorSet; startHeight: number; validators: readonly { attestationPublicKey: Uint8Array; power: bigint }[] }>();

  private constructor(
    private readonly opts: HubApplicationOpts,
    private readonly modules: HubApplicationModules,
    private readonly state: StateStore,
  ) {
    this.log = modules.logger.child({ module: "app" });
    this.checkView = state.createView();
    const zk = opts.zk ? createZkHandlers(opts.zk, opts.genesis.denom, opts.genesisTime ?? 0) : [];
    this.zkKeyOf = opts.zk ? createZkKeyReader(opts.zk) : undefined;
    const forkEvidence = createForkEvidenceHandler(opts.zk) as unknown as MsgHandler<never>;
    const postPolka = createPostPolkaHandler() as unknown as MsgHandler<never>;
    const postCommit = createPostCommitHandler() as unknown as MsgHandler<never>;
    this.registry = new MsgRegistry([...DEFAULT_HANDLERS, ...STAKING_HANDLERS, ...DISTRIBUTION_HANDLERS, ...SLASHING_HANDLERS, forkEvidence, postPolka, postCommit, ...CONSUMER_HANDLERS, ...zk]);
  }

  /** Opens the state (writing the genesis state as version 0 on first start). */
  static async open(opts: HubApplicationOpts, modules: HubApplicationModules): Promise<HubApplication> {
    if (opts.zk) await initZkCertificateVerifier(); // MsgSubmitZkCertificate verifies the certificate it carries
    const state = await StateStore.open({}, { db: modules.db });
    if (!state.hasVersion) {
      const view = state.createView();
      for (const acc of opts.genesis.accounts) {
        const address = fromBech32(acc.address, ACCOUNT_ADDRESS_PREFIX, { lengths: [20] });
        processEnsureAccount(view, address, acc.address);
        const coins = parseCoins(acc.coins, "genesis").filter((c) => c.amount > 0n);
        if (coins.length > 0) processMint(view, address, coins);
      }
      for (const m of denomMetadataOf(opts.genesis)) setDenomMetadata(view, m);
      const epoch0 = processStakingGenesis(
        view,
        { params: { bondDenom: opts.genesis.denom, ...(opts.genesis.staking ?? {}) }, validators: (opts.genesis.validators ?? []).map((v) => toMsgCreateValidator(v, opts.genesis.denom)) },
        { chainId: opts.chainId, time: opts.genesisTime ?? 0, startHeight: 1 },
      );
      processSlashingGenesis(view, slashingParamsOf(opts.genesis));
      processConsumersGenesis(view, consumersGenesisOf(opts.genesis, opts.zk));
      if (epoch0 && opts.consensusGenesisRoot && toHex(epoch0.root) !== toHex(opts.consensusGenesisRoot)) {
        throw new ApplicationError({
          code: "APP_ERROR_INVALID_BLOCK",
          reason: `the genesis validators (staking) give set root ${toHex(epoch0.root)}, the consensus genesis set has ${toHex(opts.consensusGenesisRoot)}`,
        });
      }
      await state.commit(0, view);
    }
    return new HubApplication(opts, modules, state);
  }

  get height(): number {
    return this.state.height;
  }

  private get epochLength(): number {
    return this.opts.genesis.epochLength ?? DEFAULT_EPOCH_LENGTH;
  }

  /** The staking set that signs `height` (epoch sets never change once stored: cached by epoch). */
  validatorSetAt(height: number): { set: ValidatorSet; startHeight: number } | undefined {
    const e = this.epochSetAt(height);
    return e && { set: e.set, startHeight: e.startHeight };
  }

  zkValidatorsAt(height: number): { validators: readonly { attestationPublicKey: Uint8Array; power: bigint }[]; startHeight: number } | undefined {
    const e = this.epochSetAt(height);
    return e && { validators: e.validators, startHeight: e.startHeight };
  }

  private epochSetAt(height: number) {
    const store = this.state.committed;
    const epoch = getEpochForHeight(store, height);
    if (epoch === undefined) return undefined;
    let hit = this.epochSets.get(epoch);
    if (!hit) {
      const s = getValidatorSetForEpoch(store, epoch)!;
      hit = { set: s.set, startHeight: s.startHeight, validators: s.validators.map((v) => ({ attestationPublicKey: v.attestationPublicKey, power: v.power })) };
      this.epochSets.set(epoch, hit);
    }
    return hit;
  }

  get stateRoot(): Uint8Array {
    return this.state.root;
  }

  /** Identifies one execution (block content and context): one streamed hash, not a Merkle tree of 1,000 tx hashes. */
  private key(ctx: BlockExecutionContext, txs: readonly Uint8Array[], evidence: readonly Evidence[]): string {
    const lc = ctx.lastCommit ? `${ctx.lastCommit.height}:${toHex(ctx.lastCommit.signers)}` : "-";
    const h = createHash("sha256");
    const len = Buffer.alloc(4);
    for (const t of txs) {
      len.writeUInt32BE(t.length);
      h.update(len).update(t);
    }
    for (const e of evidence) h.update(computeEvidenceHash(e));
    return `${ctx.height}/${ctx.time}/${toHex(ctx.proposer)}/${txs.length}/${evidence.length}/${h.digest("hex")}/${lc}`;
  }

  private remember(key: string, e: Executed): void {
    if (this.executed.size >= 16) this.executed.delete(this.executed.keys().next().value!);
    this.executed.set(key, e);
  }

  async prepareBlock(
    ctx: BlockExecutionContext,
    candidates: readonly Uint8Array[],
  ): Promise<{ txs: Uint8Array[]; evidence: Evidence[] } & ExecutionResult> {
    this.assertNextHeight(ctx);
    const { executed, txs, evidence } = await this.runBlock(ctx, candidates, "prepare");
    this.remember(this.key(ctx, txs, evidence), executed);
    return { txs, evidence, ...executionResultOf(executed) };
  }

  /**
   * Begin (liveness, evidence), the transactions, end (rewards, unbondings, epoch) on a new view of the
   * committed state. "prepare" leaves out evidence and transactions that cannot go in (e.g. a sequence
   * an earlier one used) and returns what it kept; "execute" refuses the block for them.
   */
  private async runBlock(
    ctx: BlockExecutionContext,
    candidates: readonly Uint8Array[],
    mode: "prepare" | "execute",
  ): Promise<{ executed: Executed; txs: Uint8Array[]; evidence: Evidence[] }> {
    const view = this.state.createView();
    const begin = this.processBeginBlock(view, ctx, mode);
    const txs: Uint8Array[] = [];
    const results: TxResult[] = [];
    for (const [i, tx] of candidates.entries()) {
      const out = executeTx(view, tx, { ...this.execContext(ctx), mode: "deliver" });
      if (out.kind === "rejected") {
        if (mode === "prepare") continue;
        throw new ApplicationError({ code: "APP_ERROR_INVALID_BLOCK", reason: `tx ${i} cannot be included: ${out.error.log}` });
      }
      txs.push(tx);
      results.push(out.result);
    }
    const end = processEndBlock(view, ctx, this.epochLength);
    const nextValidatorSetRoot = end.nextValidatorSetRoot;
    // After the block's end: its checkpoints (and any bond returned) are in the root the header carries.
    const consumerCheckpointRoot = getConsumerCheckpointRoot(view);
    const executed: Executed = { view, root: await this.state.computeRoot(view), results, nextValidatorSetRoot, consumerCheckpointRoot, blockEvents: [...begin.events, ...end.events] };
    return { executed, txs, evidence: begin.evidence };
  }

  /**
   * Work at the start of every block, before its transactions: liveness from the previous height's
   * certificate, then each piece of double-sign or double-attestation evidence (slash and tombstone),
   * each on its own branch. Invalid evidence refuses the block ("execute") or is left out ("prepare").
   */
  private processBeginBlock(view: StateView, ctx: BlockExecutionContext, mode: "prepare" | "execute"): { evidence: Evidence[]; events: TxEvent[] } {
    const events: TxEvent[] = [];
    if (this.opts.zk) processRecordBlock(view, ctx.height, ctx.parentHash, ctx.time);
    const lc = ctx.lastCommit;
    if (lc) {
      const set = getValidatorSetForHeight(view, lc.height);
      if (set) events.push(...processBlockSignatures(view, { height: lc.height, time: ctx.time, set, signers: lc.signers }));
    }
    const evidence: Evidence[] = [];
    for (const [i, ev] of ctx.evidence.entries()) {
      const branch = view.branch();
      try {
        const ectx = { height: ctx.height, time: ctx.time, chainId: this.opts.chainId };
        const r = isDoubleAttestationEvidence(ev) ? processDoubleAttestationEvidence(branch, ev, ectx) : processDuplicateVoteEvidence(branch, ev, ectx);
        branch.commit();
        evidence.push(ev);
        events.push(...r.events);
      } catch (e) {
        branch.discard();
        if (!(e instanceof TxError)) throw e;
        if (mode === "execute") throw new ApplicationError({ code: "APP_ERROR_INVALID_BLOCK", reason: `evidence ${i}: ${e.log}` });
      }
    }
    return { evidence, events };
  }

  async executeBlock(ctx: BlockExecutionContext, txs: readonly Uint8Array[]): Promise<ExecutionResult> {
    return executionResultOf(await this.execute(ctx, txs));
  }

  /** The execution of a block: the remembered one (the proposer's, or an earlier executeBlock) or a new one. */
  private async execute(ctx: BlockExecutionContext, txs: readonly Uint8Array[]): Promise<Executed> {
    this.assertNextHeight(ctx);
    const key = this.key(ctx, txs, ctx.evidence);
    const cached = this.executed.get(key);
    if (cached) return cached;
    const { executed } = await this.runBlock(ctx, txs, "execute");
    this.remember(key, executed);
    return executed;
  }

  async commitBlock(ctx: BlockExecutionContext, txs: readonly Uint8Array[]): Promise<{ stateRoot: Uint8Array }> {
    const e = await this.execute(ctx, txs);
    for (const ev of e.blockEvents) {
      if (ev.type === "slash") this.log.warn("validator slashed", Object.fromEntries(ev.attributes.map((a) => [a.key, a.value])));
    }
    const indexed: IndexedTx[] = txs.map((tx, index) => ({ hash: getTxHash(tx).toUpperCase(), height: ctx.height, index, tx, result: e.results[index]! }));
    await this.modules.db.txs.putBlock(ctx.height, indexed);
    await this.modules.db.checkpoints.putBlock(this.checkpointHistoryOf(ctx, txs, e.results));
    const root = await this.state.commit(ctx.height, e.view);
    this.executed.clear();
    this.checkView = this.state.createView();
    return { stateRoot: root };
  }

  /** Mempool admission (CheckTx): the ante checks on the check state, which keeps their effects. */
  checkTx(tx: Uint8Array): { code: number; codespace: string; log: string; gasWanted: bigint } {
    const out = executeTx(this.checkView, tx, { ...this.execContext({ height: this.height + 1, time: Date.now() }), mode: "check" });
    if (out.kind === "rejected") return { ...out.error.toAbci(), gasWanted: 0n };
    return { code: 0, codespace: "", log: "", gasWanted: out.result.gasWanted };
  }

  zkKey(): ZkKey | undefined {
    return this.zkKeyOf?.(this.state.committed);
  }

  async zkActivationProof(height: number): Promise<StateProof | undefined> {
    return this.state.getProofAt(height, ZK_ACTIVATION_STATE_KEY);
  }

  zkRecordedHeight(): number {
    return getLastCertifiedHeight(this.state.committed);
  }

  consumers(): Consumer[] {
    return listConsumers(this.state.committed);
  }

  validatorMoniker(consensusAddress: Uint8Array): string | undefined {
    return getValidatorByConsensusAddress(this.state.committed, consensusAddress)?.description.moniker || undefined;
  }

  forkCases(): ForkCase[] {
    return getForkCases(this.state.committed);
  }

  consumer(consumerId: string): Consumer | undefined {
    return getConsumer(this.state.committed, consumerId);
  }

  /**
   * The checkpoints a block's successful transactions recorded, in block order, for the node's
   * checkpoint history (the state keeps each consumer's latest only: decision 49).
   */
  private checkpointHistoryOf(ctx: BlockExecutionContext, txs: readonly Uint8Array[], results: readonly TxResult[]): CheckpointHistoryEntry[] {
    const hubHeight = ctx.height;
    const exec = { ...this.execContext(ctx), mode: "deliver" as const };
    const out: CheckpointHistoryEntry[] = [];
    txs.forEach((tx, i) => {
      if (results[i]!.code !== 0) return;
      for (const { handler, msg } of prepareCached(tx, exec).msgs) {
        if (handler.typeUrl !== MSG_SUBMIT_CHECKPOINT_TYPE_URL) continue;
        const m = msg as MsgSubmitCheckpoint;
        const record = encodeCheckpointRecord({ checkpoint: m.checkpoint!, hubHeight, producerIndex: m.producerIndex, signature: m.signature });
        out.push({ consumerId: m.checkpoint!.consumerId, height: m.checkpoint!.height, hubHeight, record });
      }
    });
    return out;
  }

  /** The consumer's latest checkpoint recorded at or before hub height `hubHeight`: from the state when its latest is, else from the history. */
  private async checkpointAtHubHeight(consumerId: string, hubHeight: number): Promise<CheckpointRecord | undefined> {
    const latest = getLatestCheckpoint(this.state.committed, consumerId);
    if (!latest || latest.hubHeight <= hubHeight) return latest;
    const e = await this.modules.db.checkpoints.latestAtHubHeight(consumerId, hubHeight);
    return e && decodeCheckpointRecord(e.record);
  }

  async consumerCheckpoint(consumerId: string, height: number | "latest", atHubHeight?: number): Promise<{ record: CheckpointRecord; rootHubHeight: number; rootCheckpoints: ConsumerCheckpoint[] } | undefined> {
    const store = this.state.committed;
    let record: CheckpointRecord | undefined;
    let rootHubHeight: number;
    if (atHubHeight === undefined) {
      const latest = getLatestCheckpoint(store, consumerId);
      if (height === "latest" || latest?.checkpoint.height === height) record = latest;
      else {
        const e = await this.modules.db.checkpoints.get(consumerId, height);
        record = e && decodeCheckpointRecord(e.record);
      }
      if (!record) return undefined;
      rootHubHeight = record.hubHeight;
    } else {
      // Against a later header: the root at `atHubHeight` holds the consumer's latest checkpoint as of then.
      record = await this.checkpointAtHubHeight(consumerId, atHubHeight);
      if (!record || (height !== "latest" && record.checkpoint.height !== height)) return undefined;
      rootHubHeight = atHubHeight;
    }
    // The leaves of that header's root: every consumer's latest checkpoint as of its hub height.
    const rootCheckpoints: ConsumerCheckpoint[] = [];
    for (const c of listConsumers(store)) {
      const r = await this.checkpointAtHubHeight(c.consumerId, rootHubHeight);
      if (r) rootCheckpoints.push(r.checkpoint);
    }
    return { record, rootHubHeight, rootCheckpoints };
  }

  checkAccount(address: Uint8Array): { accountNumber: bigint; sequence: bigint } | undefined {
    const a = getAccount(this.checkView, address);
    return a && { accountNumber: a.accountNumber, sequence: a.sequence };
  }

  /**
   * Every ABCI query path, those that read the node's block and transaction store included:
   * `cosmos.tx.v1beta1.Service/GetTx` (a committed tx by hash with its TxResponse) and
   * `cosmos.staking.v1beta1.Query/HistoricalInfo` (a recent height's header and signing set). The
   * RPC's abci_query calls this; the other paths are `query`'s.
   */
  async queryAsync(path: string, data: Uint8Array): Promise<QueryResult> {
    const height = Math.max(1, this.height);
    try {
      if (path === GET_TX_QUERY_PATH) return await this.queryGetTx(GetTxRequest.decode(data), height);
      if (path === HISTORICAL_INFO_QUERY_PATH) return await this.queryHistoricalInfo(QueryHistoricalInfoRequest.decode(data), height);
    } catch (e) {
      return answerError(e, height);
    }
    return this.query(path, data);
  }

  /**
   * GetTx as the SDK's tx service answers it (over the node's own tx index): an empty hash is
   * InvalidArgument (18), a hash that is not hex the hex decoder's error (18), an unknown one NotFound
   * (22) "tx not found: <hash>". The TxResponse as the SDK's NewResponseResultTx builds it: data as
   * uppercase hex of the TxMsgData, no parsed logs (v0.50 logs are not JSON), the block's time in RFC
   * 3339 seconds, the tx as Any("/cosmos.tx.v1beta1.Tx") of its bytes as broadcast.
   */
  private async queryGetTx(req: GetTxRequest, height: number): Promise<QueryResult> {
    if (req.hash === "") return answerInvalidArgument("tx hash cannot be empty", height);
    const hexError = getHexDecodeError(req.hash);
    if (hexError) return answerInvalidRequest(hexError, height);
    const r = await this.modules.db.txs.getByHash(req.hash.toUpperCase());
    // The tx index is written before the block's state is committed: beyond the committed height the tx is not visible yet.
    if (!r || r.height > this.height) return answerNotFound(`tx not found: ${req.hash}`, height);
    const block = await this.modules.db.blocks.getBlock(r.height);
    const tx = Tx.decode(r.tx);
    const txResponse: TxResponse = {
      height: BigInt(r.height),
      txhash: r.hash,
      codespace: r.result.codespace,
      code: r.result.code,
      data: Buffer.from(r.result.data).toString("hex").toUpperCase(),
      rawLog: r.result.log,
      logs: [],
      info: "",
      gasWanted: r.result.gasWanted,
      gasUsed: r.result.gasUsed,
      tx: { typeUrl: "/cosmos.tx.v1beta1.Tx", value: r.tx },
      timestamp: block ? formatRfc3339Seconds(block.header.time) : "",
      events: r.result.events.map((e) => ({ type: e.type, attributes: e.attributes.map((a) => ({ key: a.key, value: a.value, index: true })) })),
    };
    return { code: 0, height, value: GetTxResponse.encode({ tx, txResponse }).finish() };
  }

  /**
   * HistoricalInfo for one of the last HISTORICAL_ENTRIES heights, from the stored block and the
   * staking set that signed it (encodeHistoricalInfo says how they map to the SDK's answer); any other
   * height is NotFound "historical info for height <h> not found", as the SDK answers heights it
   * does not keep.
   */
  private async queryHistoricalInfo(req: QueryHistoricalInfoRequest, height: number): Promise<QueryResult> {
    if (req.height < 0n) return answerInvalidArgument("height cannot be negative", height);
    const notFound = () => answerNotFound(`historical info for height ${req.height} not found`, height);
    const current = BigInt(this.height);
    if (req.height < 1n || req.height > current || req.height <= current - BigInt(HISTORICAL_ENTRIES)) return notFound();
    const h = Number(req.height);
    const store = this.state.committed;
    const set = getValidatorSetForHeight(store, h);
    const block = await this.modules.db.blocks.getBlock(h);
    if (!set || !block) return notFound();
    return { code: 0, height, value: encodeHistoricalInfo(store, block.header, set) };
  }

  /** Answers the ABCI queries cosmjs sends (docs/cosmjs-compat.md §2) that need only the committed state. */
  query(path: string, data: Uint8Array): QueryResult {
    const height = Math.max(1, this.height);
    const store = this.state.committed;
    try {
      const module =
        queryBank(store, path, data, height) ??
        queryStaking(store, path, data, height) ??
        queryDistribution(store, path, data, height) ??
        querySlashing(store, path, data, height) ??
        queryConsumers(store, path, data, height);
      if (module) return module;
      switch (path) {
        case "/cosmos.auth.v1beta1.Query/Account": {
          const req = QueryAccountRequest.decode(data);
          const raw = getAccountBytes(store, fromBech32(req.address, ACCOUNT_ADDRESS_PREFIX, { lengths: [20] }));
          if (!raw) return notFound(`account ${req.address} not found`, height);
          return { code: 0, height, value: QueryAccountResponse.encode({ account: { typeUrl: BaseAccount.typeUrl, value: raw } }).finish() };
        }
        case "/cosmos.auth.v1beta1.Query/Params":
          return { code: 0, height, value: QueryAuthParamsResponse.encode({ params: AUTH_PARAMS }).finish() };
        case "/cosmos.tx.v1beta1.Service/Simulate": {
          const req = SimulateRequest.decode(data);
          const view = this.state.createView();
          const out = executeTx(view, req.txBytes, { ...this.execContext({ height: this.height + 1, time: Date.now() }), mode: "simulate" });
          view.discard();
          if (out.kind === "rejected") return { ...out.error.toAbci(), height };
          if (out.result.code !== 0) return { code: out.result.code, codespace: out.result.codespace, log: out.result.log, height };
          return {
            code: 0,
            height,
            value: SimulateResponse.encode({
              // As baseapp: simulation runs on an infinite gas meter, whose Limit() (gas_wanted) is the uint64 maximum.
              gasInfo: { gasWanted: SIMULATE_GAS_WANTED, gasUsed: out.result.gasUsed },
              result: { data: new Uint8Array(0), log: "", events: [], msgResponses: [] },
            }).finish(),
          };
        }
        default:
          return { code: UNKNOWN_REQUEST, codespace: "sdk", log: `unknown query path ${path}: unknown request`, height };
      }
    } catch (e) {
      if (e instanceof TxError) return { ...e.toAbci(), height };
      return { code: INVALID_REQUEST, codespace: "sdk", log: `${(e as Error).message}: invalid request`, height };
    }
  }

  private execContext(ctx: { height: number; time: number }) {
    return {
      chainId: this.opts.chainId,
      height: ctx.height,
      time: ctx.time,
      registry: this.registry,
      minGasPrices: this.opts.minGasPrices ?? [],
      sigCache: this.verifiedSigs,
      preparedCache: this.preparedTxs,
    };
  }

  private assertNextHeight(ctx: BlockExecutionContext): void {
    if (ctx.height !== this.height + 1) throw new ApplicationError({ code: "APP_ERROR_HEIGHT", expected: this.height + 1, actual: ctx.height });
  }
}

/**
 * Work at the end of every block, after its transactions (the same for proposer and validators):
 * the block's fees (and block reward) go to the validators of the set that signs this height, by
 * power (with no staking set yet they go to the community pool); then matured unbondings pay out.
 */
function processEndBlock(view: StateView, ctx: BlockExecutionContext, epochLength: number): { nextValidatorSetRoot: Uint8Array | undefined; events: TxEvent[] } {
  const set = getValidatorSetForHeight(view, ctx.height);
  const votes = (set?.validators ?? []).map((v) => ({ operator: v.operatorAddress, power: v.power }));
  processAllocateRewards(view, { height: ctx.height, votes });
  // Fork cases' obligations past their deadline convict their owers (decision 52), before unbondings mature.
  const events = processForkCaseDeadlines(view, { height: ctx.height, time: ctx.time, chainId: ctx.chainId });
  processMatureUnbondings(view, ctx.time);
  processMatureConsumerBonds(view, ctx.time);
  // The last block of an epoch computes the next epoch's set from stake; its root goes in this
  // block's header (nextValidatorSetRoot) and the set signs from the next height on.
  const nextValidatorSetRoot = set && ctx.height % epochLength === 0 ? processEpochEnd(view, { height: ctx.height, time: ctx.time }).root : undefined;
  return { nextValidatorSetRoot, events };
}

/** The genesis's bank metadata, or the staking denom's default when the genesis gives none (files written before it existed). */
function denomMetadataOf(g: AppGenesis): DenomMetadata[] {
  const given = g.bank?.denomMetadata;
  if (!given) return [createDefaultDenomMetadata(g.denom)];
  return given.map((m) => ({
    description: m.description ?? "",
    denomUnits: m.denomUnits.map((u) => ({ denom: u.denom, exponent: u.exponent, aliases: [...(u.aliases ?? [])] })),
    base: m.base,
    display: m.display,
    name: m.name,
    symbol: m.symbol,
    uri: m.uri ?? "",
    uriHash: m.uriHash ?? "",
  }));
}

function slashingParamsOf(g: AppGenesis): Partial<SlashingParams> {
  const s = g.slashing ?? {};
  const dec = (v: string | undefined) => (v === undefined ? undefined : parseDec(v));
  const out: Partial<SlashingParams> = {
    signedBlocksWindow: s.signedBlocksWindow,
    minSignedPerWindow: dec(s.minSignedPerWindow),
    downtimeJailDurationMs: s.downtimeJailDurationMs,
    slashFractionDoubleSign: dec(s.slashFractionDoubleSign),
    slashFractionDowntime: dec(s.slashFractionDowntime),
    forkCaseResponseMs: s.forkCaseResponseMs,
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
}

/**
 * The consumers module's genesis parameters: minBond and checkpointFee as given (defaults
 * otherwise), the prover share in per mille (default DEFAULT_PROVER_SHARE_PERMILLE) with a zk
 * section, and always 0 without one (no certificates: nobody would be paid the share).
 */
function consumersGenesisOf(g: AppGenesis, zk: Genesis["zk"] | undefined): Parameters<typeof processConsumersGenesis>[1] {
  const c = g.consumers ?? {};
  const share = c.proverShare === undefined ? DEFAULT_PROVER_SHARE_PERMILLE : parseProverSharePermille(c.proverShare);
  if (share === undefined) throw new ApplicationError({ code: "APP_ERROR_INVALID_BLOCK", reason: `genesis appState.consumers.proverShare ${JSON.stringify(c.proverShare)} is not a fraction in [0, 1] with at most 3 decimals` });
  return {
    bondDenom: g.denom,
    ...(c.minBond !== undefined ? { minBond: BigInt(c.minBond) } : {}),
    ...(c.checkpointFee !== undefined ? { checkpointFee: BigInt(c.checkpointFee) } : {}),
    proverSharePermille: zk ? share : 0,
  };
}


/** A genesis validator as the staking genesis takes it (a MsgCreateValidator, like a gentx). */
function toMsgCreateValidator(v: GenesisValidator, denom: string): MsgCreateValidator {
  const op = fromBech32(v.operator, ACCOUNT_ADDRESS_PREFIX, { lengths: [20] });
  const hex = (x: string) => new Uint8Array(Buffer.from(x.replace(/^0x/, ""), "hex"));
  return {
    description: { moniker: v.moniker, identity: "", website: "", securityContact: "", details: "" },
    commission: { rate: v.commissionRate ?? "0.1", maxRate: v.commissionMaxRate ?? "0.2", maxChangeRate: v.commissionMaxChangeRate ?? "0.01" },
    minSelfDelegation: "1",
    delegatorAddress: v.operator,
    validatorAddress: toBech32(VALIDATOR_OPERATOR_ADDRESS_PREFIX, op),
    value: { denom, amount: v.selfDelegation },
    blsPublicKey: hex(v.blsPublicKey),
    blsProofOfPossession: hex(v.blsProofOfPossession),
    attestationPublicKey: hex(v.attestationPublicKey),
    attestationProofOfPossession: hex(v.attestationProofOfPossession),
  };
}

const GET_TX_QUERY_PATH = "/cosmos.tx.v1beta1.Service/GetTx";

/** Go's hex.DecodeString error for `s`, or undefined when it decodes (a bad character first, then an odd length, as Go reports them). */
function getHexDecodeError(s: string): string | undefined {
  for (let i = 0; i < s.length; i++) {
    if (!/[0-9a-fA-F]/.test(s[i]!)) {
      const cp = s.codePointAt(i)!;
      return `encoding/hex: invalid byte: U+${cp.toString(16).toUpperCase().padStart(4, "0")} ${JSON.stringify(String.fromCodePoint(cp)).replace(/^"|"$/g, "'")}`;
    }
  }
  return s.length % 2 === 1 ? "encoding/hex: odd length hex string" : undefined;
}

/** Go's time.RFC3339 of a Unix ms time in UTC: seconds only ("2025-01-01T00:00:00Z"). */
function formatRfc3339Seconds(ms: number): string {
  return `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}

function notFound(what: string, height: number): QueryResult {
  return { code: NOT_FOUND, codespace: "sdk", log: `rpc error: code = NotFound desc = ${what}: key not found`, height };
}

/** A map that forgets everything when full (a cache: forgetting only costs decoding again). */
class BoundedMap<V> {
  private readonly items = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(k: string): V | undefined {
    return this.items.get(k);
  }
  set(k: string, v: V): void {
    if (this.items.size >= this.max) this.items.clear();
    this.items.set(k, v);
  }
}

/** A set that forgets everything when full (a cache: forgetting only costs a re-verification). */
class BoundedSet {
  private readonly items = new Set<string>();
  constructor(private readonly max: number) {}
  has(k: string): boolean {
    return this.items.has(k);
  }
  add(k: string): void {
    if (this.items.size >= this.max) this.items.clear();
    this.items.add(k);
  }
}
