/**
 * The EVM reference consumer chain: Ethereum's execution (@ethereumjs/vm 10, Prague rules) over the
 * runtime's content-addressed StateDb. The state is Ethereum's secure Merkle Patricia trie
 * (@ethereumjs/mpt with keccak-hashed keys, MerkleStateManager on top: accounts, storage tries, code
 * by hash), so a block's state root is the Ethereum state root of its state. Every execution starts
 * by opening the trie at the parent's root: a reorg executes the new branch from its parent, nothing
 * is undone.
 *
 * Writes are staged in memory while a block executes and written to the StateDb in one batch once
 * the whole block is valid: a refused block, a mempool check and a query write nothing.
 *
 * Chain parameters (chain id from the genesis, 30M block gas limit, fixed 1 gwei base fee, header
 * fields): see evmConfig.ts. Receipts, queries and their JSON: below.
 */
import { createBlock, type Block } from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import type { EVMMockBlockchainInterface } from "@ethereumjs/evm";
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { MerkleStateManager } from "@ethereumjs/statemanager";
import {
  Account,
  Address,
  bigIntToHex,
  bytesToHex,
  createAccount,
  createAddressFromString,
  equalsBytes,
  KECCAK256_NULL,
  setLengthLeft,
  ValueEncoding,
  type BatchDBOp,
  type DB,
} from "@ethereumjs/util";
import { createVM, runTx, type RunTxResult, type VM } from "@ethereumjs/vm";
import { bytesEqual, fromHex, toHex, utf8 } from "@aegis/consumer-sdk";
import {
  EMPTY_STATE_ROOT,
  ExecutionError,
  executionError,
  type BlockContext,
  type BuiltBlock,
  type ExecutionEnvironment,
  type ExecutionResult,
  type StateDb,
  type TxReceipt,
} from "@aegis/consumer-runtime";
import { checkConsumerId } from "../common/genesis.js";
import { createEvmCommon, EVM_BASE_FEE_PER_GAS, EVM_BLOCK_GAS_LIMIT, EVM_MAX_NONCE_AHEAD, parseEvmGenesis, type EvmGenesis, type EvmGenesisConfig } from "./evmConfig.js";
import { decodeEvmTx, type DecodedEvmTx } from "./evmTransaction.js";

/** Receipt codes (TxReceipt.code). */
export const EVM_RECEIPT_OK = 0;
/** The call ended with REVERT (its revert data is the receipt's `returnData`). */
export const EVM_RECEIPT_REVERTED = 1;
/** Any other exceptional halt: out of gas, invalid opcode, stack errors, code size limits... */
export const EVM_RECEIPT_FAILED = 2;

/**
 * Gas an eth_call query may use: 10M, a third of a block (plenty for the finality contracts' views,
 * ~20k), bounding what one query costs the node (@ethereumjs runs a few million gas a second).
 */
export const EVM_CALL_GAS_LIMIT = 10_000_000n;
/**
 * The caller of eth_call queries: an address nobody has the key of (keccak256("aegis/evm/call")'s
 * last 20 bytes), made a fresh zero-balance account for each call.
 */
export const EVM_CALL_SENDER = "0xd8e809c9ecffa3f1763ee3f8774e0a03f9b436a5";

/** One log as the receipt keeps it. */
export interface EvmLogJson {
  address: string;
  topics: string[];
  data: string;
}

/**
 * TxReceipt.data of the EVM chain. JSON-safe, as Ethereum's JSON-RPC writes receipts: quantities
 * as 0x-hex ("0x5208"), bytes as 0x-hex.
 */
export interface EvmReceiptData {
  /** keccak256 of the raw transaction. */
  hash: string;
  /** "0x1" success, "0x0" failure. */
  status: "0x1" | "0x0";
  /** Gas charged for the transaction (after refunds; EIP-7623's floor included). */
  gasUsed: string;
  /** The created contract, when a creation succeeded. */
  contractAddress?: string;
  /** Empty for a failed transaction. */
  logs: EvmLogJson[];
  /** A reverted transaction's revert data (e.g. a custom error). */
  returnData?: string;
}

/** `["accounts", addr]`. */
export interface EvmAccountJson {
  address: string;
  nonce: string;
  balance: string;
  codeHash: string;
}

/** `["storage", addr, slot]`. */
export interface EvmStorageJson {
  address: string;
  /** 32 bytes. */
  slot: string;
  /** 32 bytes (zero when unset). */
  value: string;
}

/** `["code", addr]`. */
export interface EvmCodeJson {
  address: string;
  codeHash: string;
  /** "0x" for an account without code. */
  code: string;
}

/** `["call", to, data]`: eth_call. */
export interface EvmCallJson {
  returnData: string;
  reverted: boolean;
  /** Execution gas (without the 21,000 and calldata a transaction would add). */
  gasUsed: string;
}

const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/;
const SLOT_RE = /^0x[0-9a-fA-F]{1,64}$/;
const DATA_RE = /^0x([0-9a-fA-F]{2})*$/;
/** Longest eth_call data accepted (bytes). */
const MAX_CALL_DATA = 128 * 1024;
const ZERO_ADDRESS = new Address(new Uint8Array(20));
/** How many recent (state root → block) pairs are kept for eth_call's block context. */
const BLOCK_CONTEXTS_KEPT = 1024;

const hex = (b: Uint8Array) => bytesToHex(b);
const quantity = (n: bigint) => bigIntToHex(n);
const invalidTx = (reason: string) => executionError({ code: "EXECUTION_ERROR_INVALID_TX", reason });
const badQuery = (reason: string) => executionError({ code: "EXECUTION_ERROR_BAD_QUERY", reason });
const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e)).split("\n")[0]!.slice(0, 300);

/**
 * Writes kept in memory over the StateDb: reads see them first, `flush` writes them in one batch.
 * Shallow copies (the state manager's storage tries) share the same writes. Deletes are ignored:
 * nodes are never deleted (no pruning), and the trie only deletes with pruning on.
 */
class StagedDb implements DB<string | Uint8Array, string | Uint8Array> {
  constructor(
    private readonly base: StateDb,
    private readonly writes: Map<string, { key: string | Uint8Array; value: Uint8Array }> = new Map(),
  ) {}

  private static id(key: string | Uint8Array): string {
    return typeof key === "string" ? `s${key}` : `b${toHex(key)}`;
  }

  async get(key: string | Uint8Array): Promise<Uint8Array | undefined> {
    return this.writes.get(StagedDb.id(key))?.value ?? (await this.base.get(key));
  }

  async put(key: string | Uint8Array, value: string | Uint8Array): Promise<void> {
    this.writes.set(StagedDb.id(key), { key, value: typeof value === "string" ? utf8(value) : value });
  }

  async del(): Promise<void> {}

  async batch(ops: BatchDBOp<string | Uint8Array, string | Uint8Array>[]): Promise<void> {
    for (const op of ops) if (op.type === "put") await this.put(op.key, op.value);
  }

  shallowCopy(): StagedDb {
    return new StagedDb(this.base, this.writes);
  }

  async open(): Promise<void> {}

  async flush(): Promise<void> {
    if (this.writes.size === 0) return;
    await this.base.batch([...this.writes.values()].map(({ key, value }) => ({ type: "put" as const, key, value })));
    this.writes.clear();
  }
}

/** BLOCKHASH: the consumer parent block's hash for height − 1, zero for any other height. */
function blockHashes(height: number, parentHash: Uint8Array): EVMMockBlockchainInterface {
  const zero = new Uint8Array(32);
  return {
    async getBlock(n: number) {
      return { hash: () => (height > 1 && n === height - 1 ? parentHash : zero) };
    },
    async putBlock() {},
    shallowCopy() {
      return this;
    },
  };
}

/** What a block's execution has open: the VM over a staged state at the parent's root. */
interface OpenBlock {
  vm: VM;
  state: MerkleStateManager;
  staged: StagedDb;
  block: Block;
  gasUsed: bigint;
}

export interface EvmEnvironmentOptions {
  /** The chain's consumer id (checked; the chain id comes from the genesis). */
  consumerId: string;
  /** EvmGenesisConfig (JSON), checked here: GenesisError naming the field. */
  genesis: EvmGenesisConfig | unknown;
}

/** The EVM chain's ExecutionEnvironment (`vm: "evm"`). */
export class EvmEnvironment implements ExecutionEnvironment {
  readonly vm = "evm";
  readonly consumerId: string;
  readonly genesis: EvmGenesis;
  readonly chainId: bigint;
  readonly common: Common;
  #db: StateDb | undefined;
  /** State root (hex) → the block that produced it, most recent last: eth_call's block context. */
  readonly #contexts = new Map<string, { height: number; time: number; parentHash: Uint8Array }>();

  constructor(opts: EvmEnvironmentOptions) {
    this.consumerId = checkConsumerId(opts.consumerId);
    this.genesis = parseEvmGenesis(opts.genesis);
    this.chainId = this.genesis.chainId;
    this.common = createEvmCommon(this.chainId);
  }

  async open(db: StateDb): Promise<void> {
    this.#db = db;
  }

  private get db(): StateDb {
    if (!this.#db) throw new Error("EvmEnvironment: open() was not called");
    return this.#db;
  }

  /** The state at `root` (throws EXECUTION_ERROR_MISSING_STATE), its writes staged. */
  async #openState(root: Uint8Array): Promise<{ state: MerkleStateManager; staged: StagedDb }> {
    const staged = new StagedDb(this.db);
    const trie = new MerklePatriciaTrie({ db: staged, useKeyHashing: true, valueEncoding: ValueEncoding.Bytes, common: this.common });
    if (!(root instanceof Uint8Array) || root.length !== 32) throw executionError({ code: "EXECUTION_ERROR_MISSING_STATE", root: root instanceof Uint8Array ? toHex(root) : String(root) });
    if (!bytesEqual(root, EMPTY_STATE_ROOT) && !(await trie.checkRoot(root))) throw executionError({ code: "EXECUTION_ERROR_MISSING_STATE", root: toHex(root) });
    trie.root(root);
    return { state: new MerkleStateManager({ trie, common: this.common }), staged };
  }

  /** The Ethereum block a consumer block executes in. */
  #block(height: number, time: number, parentHash: Uint8Array): Block {
    return createBlock(
      {
        header: {
          number: BigInt(height),
          timestamp: BigInt(Math.floor(time / 1000)),
          gasLimit: EVM_BLOCK_GAS_LIMIT,
          coinbase: ZERO_ADDRESS,
          baseFeePerGas: EVM_BASE_FEE_PER_GAS,
          parentHash: parentHash.length === 32 ? parentHash : new Uint8Array(32),
        },
      },
      { common: this.common },
    );
  }

  async #openBlock(parentStateRoot: Uint8Array, ctx: BlockContext): Promise<OpenBlock> {
    if (!Number.isSafeInteger(ctx.height) || ctx.height < 0 || !Number.isSafeInteger(ctx.time) || ctx.time < 0) throw new TypeError("EvmEnvironment: a block context with a non-negative height and time");
    const { state, staged } = await this.#openState(parentStateRoot);
    const vm = await createVM({ common: this.common.copy(), stateManager: state, blockchain: blockHashes(ctx.height, ctx.parentHash) });
    return { vm, state, staged, block: this.#block(ctx.height, ctx.time, ctx.parentHash), gasUsed: 0n };
  }

  /** Writes the block's state and returns its root. */
  async #closeBlock(b: OpenBlock, ctx: BlockContext): Promise<Uint8Array> {
    const root = Uint8Array.from(await b.state.getStateRoot());
    await b.staged.flush();
    this.#remember(root, ctx);
    return root;
  }

  #remember(root: Uint8Array, ctx: BlockContext): void {
    const key = toHex(root);
    this.#contexts.delete(key);
    this.#contexts.set(key, { height: ctx.height, time: ctx.time, parentHash: ctx.parentHash });
    if (this.#contexts.size > BLOCK_CONTEXTS_KEPT) this.#contexts.delete(this.#contexts.keys().next().value!);
  }

  async initGenesis(): Promise<Uint8Array> {
    const { state, staged } = await this.#openState(EMPTY_STATE_ROOT);
    for (const a of this.genesis.alloc) {
      const address = new Address(a.address);
      await state.putAccount(address, createAccount({ nonce: a.nonce, balance: a.balance }));
      if (a.code.length > 0) await state.putCode(address, a.code);
      for (const { slot, value } of a.storage) await state.putStorage(address, slot, value);
    }
    const root = Uint8Array.from(await state.getStateRoot());
    await staged.flush();
    return root;
  }

  /**
   * The checks against the state before running a transaction, each EXECUTION_ERROR_INVALID_TX:
   * nonce (exactly the account's in a block; in the mempool, from the account's to
   * EVM_MAX_NONCE_AHEAD ahead of it, so a client may send several before the first is in a block;
   * the balance is then checked for this transaction alone), a sender without code
   * (EIP-3607), a fee cap not below the base fee, a gas limit within the block's and above the
   * intrinsic gas (EIP-7623 floor included), a balance covering value + gas limit × fee cap.
   */
  async #checkState(state: MerkleStateManager, d: DecodedEvmTx, nonceAhead: bigint): Promise<void> {
    const { tx, sender } = d;
    const account = (await state.getAccount(sender)) ?? new Account();
    if (tx.nonce < account.nonce) throw invalidTx(`nonce too low: the account's is ${account.nonce}, the transaction's ${tx.nonce}`);
    if (tx.nonce > account.nonce + nonceAhead) throw invalidTx(`nonce too high: the account's is ${account.nonce}, the transaction's ${tx.nonce}`);
    if (!equalsBytes(account.codeHash, KECCAK256_NULL)) throw invalidTx("the sender is a contract (EIP-3607)");
    const feeCap = "maxFeePerGas" in tx ? tx.maxFeePerGas : tx.gasPrice;
    if (feeCap < EVM_BASE_FEE_PER_GAS) throw invalidTx(`fee cap ${feeCap} below the base fee ${EVM_BASE_FEE_PER_GAS}`);
    if (tx.gasLimit > EVM_BLOCK_GAS_LIMIT) throw invalidTx(`gas limit ${tx.gasLimit} above the block gas limit ${EVM_BLOCK_GAS_LIMIT}`);
    const minimum = tx.getMinimumGasLimit();
    if (tx.gasLimit < minimum) throw invalidTx(`intrinsic gas too low: gas limit ${tx.gasLimit}, at least ${minimum} needed`);
    const maxCost = tx.value + tx.gasLimit * feeCap;
    if (account.balance < maxCost) throw invalidTx(`insufficient balance for value + gas: ${account.balance} < ${maxCost}`);
  }

  /** Runs a checked transaction in the open block and returns its receipt. */
  async #run(b: OpenBlock, d: DecodedEvmTx, parentStateRoot: Uint8Array): Promise<TxReceipt> {
    if (d.tx.gasLimit > EVM_BLOCK_GAS_LIMIT - b.gasUsed) throw invalidTx(`gas limit ${d.tx.gasLimit} above the block's remaining gas ${EVM_BLOCK_GAS_LIMIT - b.gasUsed}`);
    let r: RunTxResult;
    try {
      r = await runTx(b.vm, { tx: d.tx, block: b.block });
    } catch (e) {
      // The checks above are runTx's own; what it still refuses is refused the same way on every node.
      if (e instanceof ExecutionError) throw e;
      if (/Missing node/i.test(messageOf(e))) throw executionError({ code: "EXECUTION_ERROR_MISSING_STATE", root: toHex(parentStateRoot) });
      throw invalidTx(messageOf(e));
    }
    b.gasUsed += r.totalGasSpent;
    return receiptOf(d, r);
  }

  async checkTx(stateRoot: Uint8Array, tx: Uint8Array): Promise<void> {
    const d = decodeEvmTx(tx, this.common);
    const { state } = await this.#openState(stateRoot);
    await this.#checkState(state, d, EVM_MAX_NONCE_AHEAD);
  }

  /**
   * Includes, in order, each candidate that is valid after the ones before it. Left out: invalid
   * ones (in `rejected`, typed), and — without being rejected, as they may fit a later block — those
   * whose nonce is ahead of the account's and those whose gas limit exceeds what the block has left.
   */
  async buildBlock(parentStateRoot: Uint8Array, candidates: readonly Uint8Array[], ctx: BlockContext): Promise<BuiltBlock> {
    const b = await this.#openBlock(parentStateRoot, ctx);
    const txs: Uint8Array[] = [];
    const receipts: TxReceipt[] = [];
    const rejected: BuiltBlock["rejected"] = [];
    for (const raw of candidates) {
      try {
        const d = decodeEvmTx(raw, this.common);
        const account = await b.state.getAccount(d.sender);
        if (d.tx.nonce > (account?.nonce ?? 0n)) continue; // a gap: perhaps later
        if (d.tx.gasLimit <= EVM_BLOCK_GAS_LIMIT && d.tx.gasLimit > EVM_BLOCK_GAS_LIMIT - b.gasUsed) continue; // the next block
        await this.#checkState(b.state, d, 0n);
        receipts.push(await this.#run(b, d, parentStateRoot));
        txs.push(raw);
      } catch (e) {
        if (!(e instanceof ExecutionError) || e.code === "EXECUTION_ERROR_MISSING_STATE") throw e;
        rejected.push({ tx: raw, error: e });
      }
    }
    return { txs, receipts, rejected, stateRoot: await this.#closeBlock(b, ctx) };
  }

  async executeBlock(parentStateRoot: Uint8Array, txs: readonly Uint8Array[], ctx: BlockContext): Promise<ExecutionResult> {
    const b = await this.#openBlock(parentStateRoot, ctx);
    const receipts: TxReceipt[] = [];
    for (const raw of txs) {
      const d = decodeEvmTx(raw, this.common);
      await this.#checkState(b.state, d, 0n);
      receipts.push(await this.#run(b, d, parentStateRoot));
    }
    return { stateRoot: await this.#closeBlock(b, ctx), receipts };
  }

  /**
   * Reads at `stateRoot`; undefined when the account does not exist:
   * - `["accounts", addr]` → EvmAccountJson
   * - `["storage", addr, slot]` → EvmStorageJson (slot: 0x-hex, up to 32 bytes, left-padded)
   * - `["code", addr]` → EvmCodeJson
   * - `["call", to, data]` → EvmCallJson: eth_call from EVM_CALL_SENDER (a fresh zero-balance
   *   account), value 0, EVM_CALL_GAS_LIMIT gas, in the block that produced the root when this
   *   process executed it (else number 0, timestamp 0); nothing it does is kept. Never undefined.
   * Addresses are 0x + 40 hex digits, data 0x-hex; anything else is EXECUTION_ERROR_BAD_QUERY.
   */
  async query(stateRoot: Uint8Array, path: readonly string[]): Promise<unknown | undefined> {
    const [kind, ...args] = path;
    const address = (s: string | undefined, what: string): Address => {
      if (typeof s !== "string" || !ADDRESS_RE.test(s)) throw badQuery(`${what}: not 0x + 40 hex digits`);
      return createAddressFromString(s.toLowerCase());
    };
    const arity = (n: number) => {
      if (args.length !== n) throw badQuery(`${kind} takes ${n} argument${n === 1 ? "" : "s"}`);
    };
    switch (kind) {
      case "accounts": {
        arity(1);
        const a = address(args[0], "address");
        const { state } = await this.#openState(stateRoot);
        const account = await state.getAccount(a);
        if (!account) return undefined;
        return { address: a.toString(), nonce: quantity(account.nonce), balance: quantity(account.balance), codeHash: hex(account.codeHash) } satisfies EvmAccountJson;
      }
      case "storage": {
        arity(2);
        const a = address(args[0], "address");
        if (!SLOT_RE.test(args[1]!)) throw badQuery("slot: not a 0x-hex word of at most 32 bytes");
        const slot = setLengthLeft(fromHex(args[1]!.length % 2 ? `0x0${args[1]!.slice(2)}` : args[1]!), 32);
        const { state } = await this.#openState(stateRoot);
        if (!(await state.getAccount(a))) return undefined;
        const value = setLengthLeft(await state.getStorage(a, slot), 32);
        return { address: a.toString(), slot: hex(slot), value: hex(value) } satisfies EvmStorageJson;
      }
      case "code": {
        arity(1);
        const a = address(args[0], "address");
        const { state } = await this.#openState(stateRoot);
        const account = await state.getAccount(a);
        if (!account) return undefined;
        return { address: a.toString(), codeHash: hex(account.codeHash), code: hex(await state.getCode(a)) } satisfies EvmCodeJson;
      }
      case "call": {
        arity(2);
        const to = address(args[0], "to");
        if (!DATA_RE.test(args[1]!)) throw badQuery("data: not 0x-hex bytes");
        const data = fromHex(args[1]!);
        if (data.length > MAX_CALL_DATA) throw badQuery(`data: longer than ${MAX_CALL_DATA} bytes`);
        return this.#call(stateRoot, to, data);
      }
      default:
        throw badQuery(`unknown query ${JSON.stringify(kind ?? "")} (accounts, storage, code, call)`);
    }
  }

  /** eth_call over a staged state that is never written. */
  async #call(stateRoot: Uint8Array, to: Address, data: Uint8Array): Promise<EvmCallJson> {
    const { state } = await this.#openState(stateRoot);
    const ctx = this.#contexts.get(toHex(stateRoot)) ?? { height: 0, time: 0, parentHash: new Uint8Array(32) };
    const vm = await createVM({ common: this.common.copy(), stateManager: state, blockchain: blockHashes(ctx.height, ctx.parentHash) });
    const caller = createAddressFromString(EVM_CALL_SENDER);
    await state.putAccount(caller, new Account());
    const r = await vm.evm.runCall({ to, caller, origin: caller, data, value: 0n, gasLimit: EVM_CALL_GAS_LIMIT, block: this.#block(ctx.height, ctx.time, ctx.parentHash) });
    return { returnData: hex(r.execResult.returnValue), reverted: r.execResult.exceptionError !== undefined, gasUsed: quantity(r.execResult.executionGasUsed) };
  }
}

function receiptOf(d: DecodedEvmTx, r: RunTxResult): TxReceipt {
  const failure = r.execResult.exceptionError;
  const reverted = failure?.error === "revert";
  const data: EvmReceiptData = {
    hash: hex(d.hash),
    status: failure ? "0x0" : "0x1",
    gasUsed: quantity(r.totalGasSpent),
    logs: failure ? [] : (r.execResult.logs ?? []).map(([address, topics, logData]) => ({ address: hex(address), topics: topics.map(hex), data: hex(logData) })),
  };
  if (!failure && r.createdAddress) data.contractAddress = r.createdAddress.toString();
  if (reverted) data.returnData = hex(r.execResult.returnValue);
  if (!failure) return { code: EVM_RECEIPT_OK, log: "", data };
  return reverted ? { code: EVM_RECEIPT_REVERTED, log: "execution reverted", data } : { code: EVM_RECEIPT_FAILED, log: `execution failed: ${failure.error}`, data };
}
