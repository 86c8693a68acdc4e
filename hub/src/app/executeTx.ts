import { getTxHash } from "../tx/txHash.js";
import { toHex } from "@aegis/consumer-sdk";
import { PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import { TxMsgData } from "cosmjs-types/cosmos/base/abci/v1beta1/abci";
import type { StateView } from "../state/index.js";
import {
  ACCOUNT_ADDRESS_PREFIX,
  checkTxTimeoutHeight,
  consumeAnteGas,
  decodeTx,
  fromBech32,
  GasMeter,
  SECP256K1_PUBKEY_TYPE_URL,
  TX_SIZE_COST_PER_BYTE,
  toBech32,
  TxError,
  validateBasicTx,
  verifyTxSignatures,
  type Coin,
  type DecodedTx,
} from "../tx/index.js";
import { GasKVStore } from "./gasKVStore.js";
import { computeModuleAddress, FEE_COLLECTOR, getAccount, setAccount } from "./modules/auth.js";
import { processTransfer } from "./modules/bank.js";
import type { MsgHandler, MsgRegistry } from "./msgRegistry.js";
import { formatCoins, type TxEvent } from "./txEvents.js";
import { balanceKey } from "./storeKeys.js";

/**
 * check: mempool admission (CheckTx) — ante only, with the node's minimum gas prices.
 * deliver: in a block — ante, then the messages.
 * simulate: cosmjs' fee "auto" — no signature or fee checks, unlimited gas, on a throw-away branch.
 */
export type ExecMode = "check" | "deliver" | "simulate";

/** A minimum gas price: `amount / 10^decimals` of `denom` per unit of gas. */
export interface GasPrice {
  denom: string;
  /** Price scaled by 10^PRICE_DECIMALS. */
  scaled: bigint;
}
export const PRICE_DECIMALS = 6n;

export function parseGasPrice(s: string): GasPrice {
  const m = /^([0-9]+)(?:\.([0-9]{1,6}))?([a-zA-Z][a-zA-Z0-9/:._-]{2,127})$/.exec(s);
  if (!m) throw new RangeError(`invalid gas price ${JSON.stringify(s)} (e.g. "0.025uaeg")`);
  return { denom: m[3]!, scaled: BigInt(m[1]!) * 10n ** PRICE_DECIMALS + BigInt((m[2] ?? "").padEnd(6, "0")) };
}

export interface ExecTxContext {
  chainId: string;
  height: number;
  time: number;
  mode: ExecMode;
  registry: MsgRegistry;
  /** Checked in "check" mode only (a node's own admission policy, not a consensus rule). */
  minGasPrices: readonly GasPrice[];
  /**
   * Signatures this node already verified, by (tx hash, account numbers, keys): a block's execution
   * skips the checks CheckTx already made for the same bytes, keys and accounts.
   */
  sigCache?: { has(key: string): boolean; add(key: string): void };
  /**
   * Transactions already decoded and checked without state, by the SHA-256 of their bytes (hex): the
   * mempool's CheckTx, its re-check after every commit, the proposer and every validator executing the
   * block see the same bytes; only the first decodes them. Not used when simulating.
   */
  preparedCache?: { get(hash: string): PreparedTx | undefined; set(hash: string, p: PreparedTx): void };
}

/** What a transaction's bytes alone determine (decoding, message checks, signers): the same in every execution. */
export interface PreparedTx {
  tx: DecodedTx;
  msgs: { handler: MsgHandler<unknown>; msg: unknown }[];
  /** Required signers, in order: the messages' signers, then a fee payer who is not one of them. */
  signers: Uint8Array[];
  /** Index in `signers` of who pays the fee. */
  payerIndex: number;
}

/**
 * The stateless part of the ante step: decode, message decoding and validateBasic, signers, the
 * transaction's own checks (chain id in signer data, signer count, memo, fee shape). Throws TxError.
 * Pure: its result depends only on the bytes, the chain id, the registry and `simulate`.
 */
export function prepareTx(bytes: Uint8Array, ctx: { chainId: string; registry: MsgRegistry; simulate: boolean }): PreparedTx {
  const decoded = decodeTx(bytes, { simulate: ctx.simulate });
  // Each message's bytes are checked against its wire schema before they are decoded (unknown fields
  // inside a message are refused as in TxBody): CheckTx and block execution both come through here.
  const msgs = decoded.messages.map((m) => ctx.registry.decode(m.typeUrl, m.value));
  const tx = msgs.some((m) => m.hasUnknownNonCritical) ? { ...decoded, hasNonCriticalExtensions: true } : decoded;
  const signers: Uint8Array[] = [];
  const seen = new Set<string>();
  for (const { handler, msg } of msgs) {
    handler.validateBasic(msg);
    for (const s of handler.getSigners(msg)) {
      const k = Buffer.from(s).toString("hex");
      if (!seen.has(k)) {
        seen.add(k);
        signers.push(s);
      }
    }
  }
  // As in the SDK (x/tx GetSigners): a fee payer other than the messages' signers is one more required
  // signer, and it is the payer that pays. Fee grants need the feegrant module, which the hub has not.
  if (tx.fee.granter !== "") throw new TxError({ code: "TX_ERROR_UNSUPPORTED_FEATURE", feature: "fee grants" });
  let payerIndex = 0;
  if (tx.fee.payer !== "") {
    const payer = fromBech32(tx.fee.payer, ACCOUNT_ADDRESS_PREFIX, { lengths: [20] });
    const k = Buffer.from(payer).toString("hex");
    if (!seen.has(k)) {
      seen.add(k);
      signers.push(payer);
    }
    payerIndex = signers.findIndex((s) => Buffer.from(s).toString("hex") === k);
  }
  validateBasicTx(tx, { chainId: ctx.chainId, signers, addressPrefix: ACCOUNT_ADDRESS_PREFIX });
  return { tx, msgs, signers, payerIndex };
}

/** prepareTx through ctx.preparedCache (by the bytes' hash); simulation never uses the cache. */
export function prepareCached(bytes: Uint8Array, ctx: ExecTxContext): PreparedTx {
  const simulate = ctx.mode === "simulate";
  if (simulate || !ctx.preparedCache) return prepareTx(bytes, { chainId: ctx.chainId, registry: ctx.registry, simulate });
  const hash = getTxHash(bytes);
  let p = ctx.preparedCache.get(hash);
  if (!p) {
    p = prepareTx(bytes, { chainId: ctx.chainId, registry: ctx.registry, simulate });
    ctx.preparedCache.set(hash, p);
  }
  return p;
}

export interface TxResult {
  code: number;
  codespace: string;
  log: string;
  gasWanted: bigint;
  gasUsed: bigint;
  events: TxEvent[];
  /** TxMsgData bytes. */
  data: Uint8Array;
}

export type TxOutcome =
  /** The transaction cannot go in a block (decode, signature, sequence, fee ...); nothing changed. */
  | { kind: "rejected"; error: TxError; gasUsed: bigint }
  /** The transaction goes in (or went in) a block: fee paid, sequence bumped; messages applied when code = 0. */
  | { kind: "included"; tx: DecodedTx; result: TxResult };

const UNLIMITED_GAS = (1n << 63n) - 1n;
const EMPTY = new Uint8Array(0);
const SIMULATED_SIGNATURE_BYTES = 64n;

/**
 * Executes one transaction on `view` (Cosmos SDK semantics): the ante step (signatures, sequence, fee)
 * on a branch, then the messages on a nested branch. A failed ante leaves `view` unchanged; a failed
 * message keeps the fee and the sequence bump (so the signed bytes cannot be replayed) and drops the
 * messages' effects.
 */
export function executeTx(view: StateView, bytes: Uint8Array, ctx: ExecTxContext): TxOutcome {
  const simulate = ctx.mode === "simulate";
  let tx: DecodedTx;
  let msgs: { handler: MsgHandler<unknown>; msg: unknown }[];
  let meter: GasMeter;
  let feePayer = "";
  const ante = view.branch();
  try {
    const prepared = prepareCached(bytes, ctx);
    tx = prepared.tx;
    msgs = prepared.msgs;
    const { signers, payerIndex } = prepared;
    checkTxTimeoutHeight(tx, ctx.height);
    meter = new GasMeter(simulate ? UNLIMITED_GAS : tx.fee.gasLimit);
    consumeAnteGas(meter, tx);
    if (simulate) meter.consume(TX_SIZE_COST_PER_BYTE * SIMULATED_SIGNATURE_BYTES, "txSize"); // the real signature's bytes
    const store = new GasKVStore(ante, meter);
    const accounts = signers.map((addr) => {
      const a = getAccount(store, addr);
      if (!a) throw new TxError({ code: "TX_ERROR_UNKNOWN_ADDRESS", address: toBech32(ACCOUNT_ADDRESS_PREFIX, addr) });
      return a;
    });
    feePayer = accounts[payerIndex]!.bech32;
    accounts.forEach((a, i) => {
      const got = tx.signerInfos[i]!.sequence;
      if (got !== a.sequence) throw new TxError({ code: "TX_ERROR_WRONG_SEQUENCE", expected: a.sequence, got });
    });
    if (!simulate) {
      const signerAccounts = accounts.map((a) => ({ accountNumber: a.accountNumber, publicKey: a.pubKey ? PubKey.decode(a.pubKey.value).key : null }));
      const cacheKey = `${tx.hashHex}:${signerAccounts.map((a, i) => `${a.accountNumber}/${toHex(a.publicKey ?? tx.signerInfos[i]!.publicKey ?? EMPTY)}`).join(",")}`;
      if (!ctx.sigCache?.has(cacheKey)) {
        verifyTxSignatures(tx, { chainId: ctx.chainId, accounts: signerAccounts });
        ctx.sigCache?.add(cacheKey);
      }
    }
    accounts.forEach((a, i) => {
      const pk = tx.signerInfos[i]!.publicKey;
      setAccount(store, {
        ...a,
        sequence: a.sequence + 1n,
        pubKey: a.pubKey ?? (pk ? { typeUrl: SECP256K1_PUBKEY_TYPE_URL, value: PubKey.encode({ key: pk }).finish() } : null),
      });
    });
    if (!simulate) {
      if (ctx.mode === "check") assertFeeCoversGas(tx.fee.amount, tx.fee.gasLimit, ctx.minGasPrices);
      const fee = tx.fee.amount.filter((c) => c.amount > 0n);
      if (fee.length > 0) processTransfer(store, accounts[payerIndex]!.address, computeModuleAddress(FEE_COLLECTOR), fee);
    } else {
      // cosmjs simulates with an empty fee, but the real transaction pays one: charge the gas of that
      // transfer (payer and collector balance, read and written) so "auto" gas (simulated × 1.4) holds.
      chargeFeeTransferGas(store, accounts[payerIndex]!.address);
    }
  } catch (e) {
    ante.discard();
    if (e instanceof TxError) return { kind: "rejected", error: e, gasUsed: 0n };
    throw e;
  }

  const events: TxEvent[] = [{ type: "tx", attributes: [{ key: "fee", value: formatCoins(tx.fee.amount) }, { key: "fee_payer", value: feePayer }] }];
  const msgResponses: { typeUrl: string; value: Uint8Array }[] = [];
  let failure: TxError | null = null;
  if (ctx.mode !== "check") {
    const branch = ante.branch();
    const msgEvents: TxEvent[] = [];
    try {
      const store = new GasKVStore(branch, meter);
      for (const { handler, msg } of msgs) {
        msgResponses.push(handler.process({ store, chainId: ctx.chainId, height: ctx.height, time: ctx.time, events: msgEvents, consumeGas: (a, d) => meter.consume(a, d) }, msg).response);
      }
      branch.commit();
      events.push(...msgEvents);
    } catch (e) {
      branch.discard();
      msgResponses.length = 0;
      failure = e instanceof TxError ? e : new TxError({ code: "TX_ERROR_INTERNAL", reason: (e as Error).message });
    }
  }
  ante.commit();
  const abci = failure?.toAbci();
  return {
    kind: "included",
    tx,
    result: {
      code: abci?.code ?? 0,
      codespace: abci?.codespace ?? "",
      log: abci?.log ?? "",
      gasWanted: tx.fee.gasLimit,
      gasUsed: meter.consumed,
      events,
      data: TxMsgData.encode({ data: [], msgResponses }).finish(),
    },
  };
}

/** The least fee (base units, as a decimal string) that `price` asks for `gasLimit`: ceil(price × gasLimit). */
export function computeFeeAmount(price: GasPrice, gasLimit: bigint): string {
  const scale = 10n ** PRICE_DECIMALS;
  return ((price.scaled * gasLimit + scale - 1n) / scale).toString();
}

/** fee(denom) >= ceil(price × gasLimit) for one of the accepted denoms (no prices: anything goes). */
function assertFeeCoversGas(fee: readonly Coin[], gasLimit: bigint, prices: readonly GasPrice[]): void {
  if (prices.length === 0) return;
  const required = prices.map((p) => ({ denom: p.denom, amount: BigInt(computeFeeAmount(p, gasLimit)) }));
  const ok = required.some((r) => r.amount === 0n || (fee.find((c) => c.denom === r.denom)?.amount ?? 0n) >= r.amount);
  if (!ok) throw new TxError({ code: "TX_ERROR_INSUFFICIENT_FEE", got: formatCoins(fee) || "0", required: required.map((r) => `${r.amount}${r.denom}`).join(" or ") });
}

/** Gas of a fee transfer (two balance reads and writes), charged on a branch that is discarded. */
function chargeFeeTransferGas(store: GasKVStore, payer: Uint8Array): void {
  const FEE_BALANCE = new TextEncoder().encode("1000000000000");
  for (const addr of [payer, computeModuleAddress(FEE_COLLECTOR)]) {
    const key = balanceKey(addr, "simulated-fee-denom");
    store.get(key);
    store.set(key, FEE_BALANCE);
  }
}
