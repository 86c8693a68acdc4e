/**
 * Shared helpers of the staking tests: an empty in-memory state, funded accounts, deterministic BLS
 * keys, messages run on a branch (committed on success, discarded on error), and the module's
 * invariants checked from the raw state.
 */
import { createBlsKeyPair, createBlsProofOfPossession, toHex, type BlsKeyPair } from "@aegis/consumer-sdk";
import { toBech32 } from "@cosmjs/encoding";
import { createAttestationKeyPair, createAttestationProofOfPossession, type AttestationKeyPair } from "../../../src/attestation/index.js";
import { Delegation, UnbondingDelegation, Validator, BondStatus } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import type { MsgHandler, MsgResult } from "../../../src/app/msgRegistry.js";
import { getBalance, getSupply, processMint } from "../../../src/app/modules/bank.js";
import {
  BONDED_POOL_ADDRESS,
  DEFAULT_STAKING_PARAMS,
  DELEGATION_PREFIX,
  NOT_BONDED_POOL_ADDRESS,
  setStakingParams,
  UNBONDING_DELEGATION_PREFIX,
  VALIDATOR_PREFIX,
  type MsgCreateValidator,
  type StakingParams,
} from "../../../src/app/modules/staking/index.js";
import type { TxEvent } from "../../../src/app/txEvents.js";
import { StateView, type IterateOptions, type ReadonlyKVStore } from "../../../src/state/index.js";
import { isTxError, TxError } from "../../../src/tx/index.js";

export const DENOM = "uaeg";
export const T0 = 1_700_000_000_000;
export const DAY = 24 * 3600 * 1000;

/** A store with nothing in it, as the base of a StateView. */
const EMPTY: ReadonlyKVStore = {
  get: () => undefined,
  has: () => false,
  *iterate(_prefix: Uint8Array, _opts?: IterateOptions): IterableIterator<[Uint8Array, Uint8Array]> {},
};

export function emptyState(): StateView {
  return new StateView(new StateView(EMPTY));
}

export const TEST_PARAMS: StakingParams = {
  ...DEFAULT_STAKING_PARAMS,
  bondDenom: DENOM,
  unbondingTimeMs: 1000,
  maxValidators: 3,
  maxEntries: 7,
  minSelfDelegation: 1n,
  powerReduction: 1_000_000n,
};

export function addr(i: number): Uint8Array {
  return Uint8Array.from({ length: 20 }, (_, j) => (j === 0 ? 0xa0 : (i * 7 + j) & 0xff)).map((b, j) => (j === 19 ? i & 0xff : b));
}
export const acc = (i: number) => toBech32("aegis", addr(i));
export const valoper = (i: number) => toBech32("aegisvaloper", addr(i));

const keyCache = new Map<number, BlsKeyPair & { pop: Uint8Array }>();
/** Validator i's BLS key pair (deterministic) with its proof of possession for operator addr(i). */
export function blsKey(i: number): BlsKeyPair & { pop: Uint8Array } {
  let k = keyCache.get(i);
  if (!k) {
    const pair = createBlsKeyPair(Uint8Array.from({ length: 32 }, (_, j) => (i * 31 + j + 1) & 0xff));
    k = { ...pair, pop: createBlsProofOfPossession(pair.secretKey, addr(i)) };
    keyCache.set(i, k);
  }
  return k;
}

const attestationCache = new Map<number, AttestationKeyPair & { pop: Uint8Array }>();
/** Validator i's BabyJubJub attestation key pair (deterministic) with its proof of possession for operator addr(i). */
export function attestationKeyPair(i: number): AttestationKeyPair & { pop: Uint8Array } {
  let k = attestationCache.get(i);
  if (!k) {
    const pair = createAttestationKeyPair(Uint8Array.from({ length: 32 }, (_, j) => (i * 13 + j * 3 + 5) & 0xff));
    k = { ...pair, pop: createAttestationProofOfPossession(pair.secretKey, addr(i)) };
    attestationCache.set(i, k);
  }
  return k;
}
export function attestationKey(i: number): Uint8Array {
  return attestationKeyPair(i).publicKey;
}

export function createValidatorMsg(i: number, amount: bigint, over: Partial<MsgCreateValidator> = {}): MsgCreateValidator {
  const k = blsKey(i);
  return {
    description: { moniker: `val-${i}`, identity: "", website: "", securityContact: "", details: "" },
    commission: { rate: "0.1", maxRate: "0.2", maxChangeRate: "0.01" },
    minSelfDelegation: "1",
    delegatorAddress: acc(i),
    validatorAddress: valoper(i),
    value: { denom: DENOM, amount: amount.toString() },
    blsPublicKey: k.publicKey,
    blsProofOfPossession: k.pop,
    attestationPublicKey: attestationKey(i),
    attestationProofOfPossession: attestationKeyPair(i).pop,
    ...over,
  };
}

/** Params set, accounts 1..n funded with `balance` each. */
export function setup(opts: { params?: Partial<StakingParams>; accounts?: number; balance?: bigint } = {}): StateView {
  const store = emptyState();
  setStakingParams(store, { ...TEST_PARAMS, ...(opts.params ?? {}) });
  for (let i = 1; i <= (opts.accounts ?? 10); i++) processMint(store, addr(i), [{ denom: DENOM, amount: opts.balance ?? 1_000_000_000_000n }]);
  return store;
}

export interface RunOutcome {
  ok: boolean;
  error?: TxError;
  result?: MsgResult;
  events: TxEvent[];
}

/**
 * Runs a message as executeTx does (validateBasic, then process on a branch of `store`): committed on
 * success, discarded on a TxError.
 */
export function run<M>(store: StateView, handler: MsgHandler<M>, msg: M, ctx: { height?: number; time?: number } = {}): RunOutcome {
  const events: TxEvent[] = [];
  const branch = store.branch();
  try {
    handler.getSigners(msg);
    handler.validateBasic(msg);
    const result = handler.process({ store: branch, chainId: "aegis-test", height: ctx.height ?? 1, time: ctx.time ?? T0, events }, msg);
    branch.commit();
    return { ok: true, result, events };
  } catch (e) {
    branch.discard();
    if (isTxError(e)) return { ok: false, error: e, events };
    throw e;
  }
}

export function mustRun<M>(store: StateView, handler: MsgHandler<M>, msg: M, ctx: { height?: number; time?: number } = {}): RunOutcome {
  const out = run(store, handler, msg, ctx);
  if (!out.ok) throw new Error(`message failed: ${out.error!.log}`);
  return out;
}

/** Every entry of the state as hex, for before/after comparisons. */
export function snapshot(store: ReadonlyKVStore): string[] {
  return [...store.iterate(new Uint8Array(0))].map(([k, v]) => `${toHex(k)}=${toHex(v)}`);
}

/** Runs `fn` on a branch and discards it: a read-only look at what a change would do. */
export function onBranch<T>(store: StateView, fn: (b: StateView) => T): T {
  const b = store.branch();
  try {
    return fn(b);
  } finally {
    b.discard();
  }
}

export interface InvariantReport {
  bondedPool: bigint;
  notBondedPool: bigint;
  supply: bigint;
}

/**
 * The staking invariants, from the raw state:
 * - per validator: delegations' shares sum to delegator_shares exactly; their token value (exact
 *   rational, floored per delegation) sums to at most the validator's tokens and loses less than one
 *   token per delegation (rounding never creates tokens);
 * - bonded pool == tokens of BONDED validators; not-bonded pool == unbonding entries' balances +
 *   tokens of the other validators;
 * - supply == sum of all balances.
 */
export function checkInvariants(store: ReadonlyKVStore, denom = DENOM): InvariantReport {
  const validators = new Map<string, Validator>();
  for (const [, v] of store.iterate(VALIDATOR_PREFIX)) {
    const val = Validator.decode(v);
    validators.set(val.operatorAddress, val);
  }
  const shares = new Map<string, bigint[]>();
  for (const [, v] of store.iterate(DELEGATION_PREFIX)) {
    const d = Delegation.decode(v);
    const s = BigInt(d.shares);
    if (s <= 0n) throw new Error(`delegation with non-positive shares ${d.shares}`);
    if (!validators.has(d.validatorAddress)) throw new Error(`delegation to unknown validator ${d.validatorAddress}`);
    shares.set(d.validatorAddress, [...(shares.get(d.validatorAddress) ?? []), s]);
  }
  let bonded = 0n;
  let notBonded = 0n;
  for (const [op, val] of validators) {
    const tokens = BigInt(val.tokens);
    const total = BigInt(val.delegatorShares);
    const list = shares.get(op) ?? [];
    const sum = list.reduce((a, b) => a + b, 0n);
    if (sum !== total) throw new Error(`${op}: delegation shares ${sum} != delegator_shares ${total}`);
    if (tokens < 0n) throw new Error(`${op}: negative tokens`);
    if (total > 0n) {
      const value = list.reduce((a, s) => a + (s * tokens) / total, 0n);
      if (value > tokens) throw new Error(`${op}: delegations worth ${value} > tokens ${tokens}`);
      if (tokens - value > BigInt(list.length)) throw new Error(`${op}: delegations worth ${value}, tokens ${tokens}: more than rounding lost`);
    }
    if (val.status === BondStatus.BOND_STATUS_BONDED) bonded += tokens;
    else notBonded += tokens;
  }
  for (const [, v] of store.iterate(UNBONDING_DELEGATION_PREFIX)) {
    for (const e of UnbondingDelegation.decode(v).entries) notBonded += BigInt(e.balance);
  }
  const bondedPool = getBalance(store as never, BONDED_POOL_ADDRESS, denom);
  const notBondedPool = getBalance(store as never, NOT_BONDED_POOL_ADDRESS, denom);
  if (bondedPool !== bonded) throw new Error(`bonded pool ${bondedPool} != bonded validators' tokens ${bonded}`);
  if (notBondedPool !== notBonded) throw new Error(`not-bonded pool ${notBondedPool} != unbonding entries + other validators' tokens ${notBonded}`);
  let balances = 0n;
  for (const [k, v] of store.iterate(Uint8Array.of(0x10))) {
    if (new TextDecoder().decode(k.subarray(21)) === denom) balances += BigInt(new TextDecoder().decode(v));
  }
  const supply = getSupply(store as never, denom);
  if (balances !== supply) throw new Error(`balances ${balances} != supply ${supply}`);
  return { bondedPool, notBondedPool, supply };
}

export { BondStatus };
