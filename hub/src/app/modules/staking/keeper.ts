import { bytesEqual, MAX_TOTAL_POWER } from "@aegis/consumer-sdk";
import type { UnbondingDelegation as CosmosUnbondingDelegation } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import { UnbondingDelegation, Redelegation } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import type { KVStore, ReadonlyKVStore } from "../../../state/index.js";
import { TxError } from "../../../tx/index.js";
import { balanceKey, decodeU64 } from "../../storeKeys.js";
import type { TxEvent } from "../../txEvents.js";
import { computeModuleAddress } from "../auth.js";
import { processTransfer } from "../bank.js";
// distribution hooks (F1 rewards are settled before a delegation's shares change)
import * as distributionHooks from "../distribution/keeper.js";
import { decFromInt, decMulInt, decQuo, decQuoInt, decTruncateInt } from "./dec.js";
import {
  INDEX_MARKER,
  redelegationByDstKey,
  redelegationByDstPrefix,
  redelegationBySrcKey,
  redelegationKey,
  redelegationQueueKey,
  REDELEGATION_QUEUE_PREFIX,
  unbondingByValidatorKey,
  unbondingDelegationKey,
  unbondingQueueKey,
  UNBONDING_QUEUE_PREFIX,
  validatorQueueKey,
  VALIDATOR_QUEUE_PREFIX,
} from "./keys.js";
import { computeMaxStakedTokens, getStakingParams, type StakingParams } from "./params.js";
import {
  accountBech32,
  BondStatus,
  getDelegation,
  getRedelegation,
  getUnbondingDelegation,
  getValidator,
  msToTimestamp,
  operatorBech32,
  processNextUnbondingId,
  setDelegation,
  setValidator,
  timestampToMs,
  type StakingValidator,
} from "./state.js";

/** Module account holding the tokens of bonded validators. */
export const BONDED_POOL_NAME = "bonded_tokens_pool";
/** Module account holding the tokens of unbonding/unbonded validators and of unbonding entries. */
export const NOT_BONDED_POOL_NAME = "not_bonded_tokens_pool";
export const BONDED_POOL_ADDRESS = computeModuleAddress(BONDED_POOL_NAME);
export const NOT_BONDED_POOL_ADDRESS = computeModuleAddress(NOT_BONDED_POOL_NAME);

/** The rule failed: TX_ERROR_INVALID_MESSAGE for the message being processed (the caller discards the branch). */
export function failMessage(typeUrl: string, reason: string): never {
  throw new TxError({ code: "TX_ERROR_INVALID_MESSAGE", typeUrl, reason });
}

export function poolAddressOf(status: BondStatus): Uint8Array {
  return status === BondStatus.BOND_STATUS_BONDED ? BONDED_POOL_ADDRESS : NOT_BONDED_POOL_ADDRESS;
}

function readBalance(store: ReadonlyKVStore, address: Uint8Array, denom: string): bigint {
  const v = store.get(balanceKey(address, denom));
  return v ? BigInt(new TextDecoder().decode(v)) : 0n;
}

/** Balances of the bonded and not-bonded pools in the bond denom. */
export function getStakingPool(store: ReadonlyKVStore, params: StakingParams): { bonded: bigint; notBonded: bigint } {
  return { bonded: readBalance(store, BONDED_POOL_ADDRESS, params.bondDenom), notBonded: readBalance(store, NOT_BONDED_POOL_ADDRESS, params.bondDenom) };
}

/** Moves `amount` between the pools when the status changes side (bonded vs not bonded). */
export function processMoveBetweenPools(store: KVStore, params: StakingParams, from: BondStatus, to: BondStatus, amount: bigint): void {
  if (amount === 0n) return;
  const a = poolAddressOf(from);
  const b = poolAddressOf(to);
  if (bytesEqual(a, b)) return;
  processTransfer(store, a, b, [{ denom: params.bondDenom, amount }]);
}

/**
 * Refuses (TX_ERROR_TOTAL_POWER_TOO_LARGE) bringing `amount` more tokens into staking when the two
 * pools would then hold more than computeMaxStakedTokens. The pools hold every validator's tokens
 * (plus unbonding entries), so their balance / powerReduction bounds the total power of any set an
 * epoch end can compute, whichever validators it picks: redelegating, unjailing, a validator entering
 * the set in place of a smaller one bring no tokens in. Only a delegation from an account (MsgDelegate,
 * MsgCreateValidator, a genesis validator) does, and each is checked here, so an epoch end never meets
 * a set over MAX_TOTAL_POWER. Two balance reads.
 */
export function assertValidStakeIncrease(store: ReadonlyKVStore, params: StakingParams, amount: bigint, typeUrl: string): void {
  const pool = getStakingPool(store, params);
  const staked = pool.bonded + pool.notBonded + amount;
  if (staked > computeMaxStakedTokens(params.powerReduction)) {
    throw new TxError({ code: "TX_ERROR_TOTAL_POWER_TOO_LARGE", typeUrl, power: staked / params.powerReduction, max: MAX_TOTAL_POWER });
  }
}

// ---------------------------------------------------------------------------------------------------
// Exchange rate (Cosmos x/staking/types/validator.go)

/** Shares for `amount` tokens: delegatorShares × amount / tokens, truncated (SharesFromTokens). */
export function sharesFromTokens(v: StakingValidator, amount: bigint): bigint {
  if (v.tokens === 0n) return 0n;
  return decQuoInt(decMulInt(v.delegatorShares, amount), v.tokens);
}

/** Tokens for `shares` as a Dec: shares × tokens / delegatorShares, rounded half-even (TokensFromShares). */
export function tokensFromShares(v: StakingValidator, shares: bigint): bigint {
  if (v.delegatorShares === 0n) return 0n;
  return decQuo(decMulInt(shares, v.tokens), v.delegatorShares);
}

/** Whole tokens a delegation of `shares` is worth (what the Delegation query reports). */
export function tokensFromSharesTruncated(v: StakingValidator, shares: bigint): bigint {
  return decTruncateInt(tokensFromShares(v, shares));
}

/**
 * Adds `amount` tokens to the validator and `amount`'s shares to the delegation. The tokens come
 * from the delegator's account ("account") or, for a redelegation, from a validator of status
 * `source` (moved between the pools when bonded-ness differs). Returns the shares issued.
 */
export function processDelegate(
  store: KVStore,
  params: StakingParams,
  delegator: Uint8Array,
  amount: bigint,
  operator: Uint8Array,
  source: "account" | BondStatus,
  typeUrl: string,
): bigint {
  const v = getValidator(store, operator) ?? failMessage(typeUrl, "validator does not exist");
  if (v.tokens === 0n && v.delegatorShares > 0n) failMessage(typeUrl, "invalid delegation: validator has no tokens but outstanding shares (delegator share exchange rate is invalid)");
  const issued = v.delegatorShares === 0n ? decFromInt(amount) : sharesFromTokens(v, amount);
  if (issued === 0n) failMessage(typeUrl, `delegation of ${amount}${params.bondDenom} is too small: it issues no shares`);
  if (source === "account") assertValidStakeIncrease(store, params, amount, typeUrl); // tokens into staking: the total-power cap
  // distribution hook: settle the delegation's rewards (or close the validator's period for a new one)
  distributionHooks.beforeDelegationSharesModified(store, delegator, operator);
  if (source === "account") processTransfer(store, delegator, poolAddressOf(v.status), [{ denom: params.bondDenom, amount }]);
  else processMoveBetweenPools(store, params, source, v.status, amount);
  setValidator(store, { ...v, tokens: v.tokens + amount, delegatorShares: v.delegatorShares + issued });
  const d = getDelegation(store, delegator, operator) ?? { delegator, operator, shares: 0n };
  setDelegation(store, { ...d, shares: d.shares + issued });
  distributionHooks.afterDelegationModified(store, delegator, operator); // distribution hook: new starting info
  return issued;
}

/**
 * Shares to remove for `amount` tokens (Cosmos ValidateUnbondAmount): refuses an amount worth more
 * shares than the delegation holds, or worth none.
 */
export function computeUnbondShares(store: ReadonlyKVStore, delegator: Uint8Array, v: StakingValidator, amount: bigint, typeUrl: string): bigint {
  const d = getDelegation(store, delegator, v.operator) ?? failMessage(typeUrl, "no delegation for (address, validator) tuple");
  if (v.tokens === 0n) failMessage(typeUrl, "invalid shares amount: validator has no tokens");
  const shares = sharesFromTokens(v, amount);
  if (shares > d.shares) failMessage(typeUrl, "invalid shares amount");
  if (shares === 0n) failMessage(typeUrl, "invalid shares amount: the amount is worth no shares");
  return shares;
}

/**
 * Removes `shares` from a delegation and the validator (Cosmos Keeper.Unbond + RemoveDelShares): the
 * last shares take all remaining tokens, otherwise the tokens are truncated (excess stays with the
 * validator). An operator whose self-delegation falls below min_self_delegation is jailed. Tokens
 * stay in the validator's pool; the caller moves them. Returns the tokens removed.
 */
export function processUnbond(store: KVStore, delegator: Uint8Array, operator: Uint8Array, shares: bigint, typeUrl: string): { amount: bigint; validator: StakingValidator } {
  const d = getDelegation(store, delegator, operator) ?? failMessage(typeUrl, "no delegation for (address, validator) tuple");
  const v = getValidator(store, operator) ?? failMessage(typeUrl, "validator does not exist");
  if (shares <= 0n || d.shares < shares) failMessage(typeUrl, "invalid shares amount");
  distributionHooks.beforeDelegationSharesModified(store, delegator, operator); // distribution hook: withdraw rewards
  const remainingDel = d.shares - shares;
  let jailed = v.jailed;
  if (bytesEqual(delegator, operator) && !v.jailed && tokensFromSharesTruncated(v, remainingDel) < v.minSelfDelegation) jailed = true;
  setDelegation(store, { ...d, shares: remainingDel });
  const remaining = v.delegatorShares - shares;
  let amount: bigint;
  if (remaining === 0n) amount = v.tokens;
  else {
    amount = tokensFromSharesTruncated(v, shares);
    if (amount > v.tokens) amount = v.tokens; // cannot happen with shares <= delegatorShares; never create tokens
  }
  const after: StakingValidator = { ...v, jailed, tokens: v.tokens - amount, delegatorShares: remaining };
  setValidator(store, after);
  distributionHooks.afterDelegationModified(store, delegator, operator); // distribution hook: restart (no-op when removed)
  return { amount, validator: after };
}

// ---------------------------------------------------------------------------------------------------
// Unbonding delegations

function saveUnbondingDelegation(store: KVStore, delegator: Uint8Array, operator: Uint8Array, ubd: CosmosUnbondingDelegation): void {
  if (ubd.entries.length === 0) {
    store.delete(unbondingDelegationKey(delegator, operator));
    store.delete(unbondingByValidatorKey(operator, delegator));
    return;
  }
  store.set(unbondingDelegationKey(delegator, operator), UnbondingDelegation.encode(ubd).finish());
  store.set(unbondingByValidatorKey(operator, delegator), INDEX_MARKER);
}

export { saveUnbondingDelegation as setUnbondingDelegation };

/**
 * Undelegates `amount` tokens (Cosmos Keeper.Undelegate): at most maxEntries entries per pair; the
 * tokens go to the not-bonded pool and an entry completes at time + unbondingTimeMs (an entry of the
 * same height and completion time is merged, as the SDK does).
 */
export function processUndelegate(
  store: KVStore,
  params: StakingParams,
  ctx: { height: number; time: number },
  delegator: Uint8Array,
  operator: Uint8Array,
  amount: bigint,
  typeUrl: string,
): { completionTimeMs: number; amount: bigint } {
  const v = getValidator(store, operator) ?? failMessage(typeUrl, "validator does not exist");
  const shares = computeUnbondShares(store, delegator, v, amount, typeUrl);
  const existing = getUnbondingDelegation(store, delegator, operator);
  if (existing && existing.entries.length >= params.maxEntries) failMessage(typeUrl, "too many unbonding delegation entries for (delegator, validator) tuple");
  const { amount: returned } = processUnbond(store, delegator, operator, shares, typeUrl);
  if (returned === 0n) failMessage(typeUrl, "the amount undelegates zero tokens");
  processMoveBetweenPools(store, params, v.status, BondStatus.BOND_STATUS_UNBONDED, returned);
  const completionTimeMs = ctx.time + params.unbondingTimeMs;
  const ubd: CosmosUnbondingDelegation = existing ?? { delegatorAddress: accountBech32(delegator), validatorAddress: operatorBech32(operator), entries: [] };
  const height = BigInt(ctx.height);
  const same = ubd.entries.find((e) => e.creationHeight === height && timestampToMs(e.completionTime) === completionTimeMs);
  if (same) {
    same.initialBalance = (BigInt(same.initialBalance) + returned).toString();
    same.balance = (BigInt(same.balance) + returned).toString();
  } else {
    ubd.entries.push({
      creationHeight: height,
      completionTime: msToTimestamp(completionTimeMs),
      initialBalance: returned.toString(),
      balance: returned.toString(),
      unbondingId: processNextUnbondingId(store),
      unbondingOnHoldRefCount: 0n,
    });
  }
  saveUnbondingDelegation(store, delegator, operator, ubd);
  store.set(unbondingQueueKey(completionTimeMs, delegator, operator), INDEX_MARKER);
  return { completionTimeMs, amount: returned };
}

// ---------------------------------------------------------------------------------------------------
// Redelegations

function saveRedelegation(store: KVStore, delegator: Uint8Array, src: Uint8Array, dst: Uint8Array, red: Redelegation): void {
  if (red.entries.length === 0) {
    store.delete(redelegationKey(delegator, src, dst));
    store.delete(redelegationBySrcKey(src, delegator, dst));
    store.delete(redelegationByDstKey(delegator, dst, src));
    return;
  }
  store.set(redelegationKey(delegator, src, dst), Redelegation.encode(red).finish());
  store.set(redelegationBySrcKey(src, delegator, dst), INDEX_MARKER);
  store.set(redelegationByDstKey(delegator, dst, src), INDEX_MARKER);
}

export { saveRedelegation as setRedelegation };

/** True while a redelegation of `delegator` into `dst` has entries (Cosmos HasReceivingRedelegation). */
export function hasReceivingRedelegation(store: ReadonlyKVStore, delegator: Uint8Array, dst: Uint8Array): boolean {
  for (const _ of store.iterate(redelegationByDstPrefix(delegator, dst), { limit: 1 })) return true;
  return false;
}

/**
 * When tokens leaving `v` are free (Cosmos getBeginInfo): a bonded validator's after the unbonding
 * period, an unbonding validator's when it finishes unbonding, an unbonded validator's now.
 */
export function getBeginInfo(v: StakingValidator, params: StakingParams, ctx: { height: number; time: number }): { completionTimeMs: number; height: bigint; completeNow: boolean } {
  switch (v.status) {
    case BondStatus.BOND_STATUS_UNBONDING:
      return { completionTimeMs: v.unbondingTimeMs, height: v.unbondingHeight, completeNow: false };
    case BondStatus.BOND_STATUS_UNBONDED:
      return { completionTimeMs: ctx.time, height: BigInt(ctx.height), completeNow: true };
    default:
      return { completionTimeMs: ctx.time + params.unbondingTimeMs, height: BigInt(ctx.height), completeNow: false };
  }
}

/**
 * Moves `amount` tokens' worth of shares from `src` to `dst` (Cosmos Keeper.BeginRedelegation). A
 * redelegation out of a validator that is still receiving a redelegation from this delegator is
 * refused (no transitive redelegation); entries per triple are bounded by maxEntries.
 */
export function processBeginRedelegate(
  store: KVStore,
  params: StakingParams,
  ctx: { height: number; time: number },
  delegator: Uint8Array,
  src: Uint8Array,
  dst: Uint8Array,
  amount: bigint,
  typeUrl: string,
): { completionTimeMs: number; amount: bigint; sharesDst: bigint } {
  if (bytesEqual(src, dst)) failMessage(typeUrl, "cannot redelegate to the same validator");
  const srcV = getValidator(store, src) ?? failMessage(typeUrl, "redelegation source validator not found");
  if (!getValidator(store, dst)) failMessage(typeUrl, "redelegation destination validator not found");
  const shares = computeUnbondShares(store, delegator, srcV, amount, typeUrl);
  if (hasReceivingRedelegation(store, delegator, src)) {
    failMessage(typeUrl, "redelegation to this validator already in progress; first redelegation to this validator must complete before next redelegation");
  }
  const existing = getRedelegation(store, delegator, src, dst);
  if (existing && existing.entries.length >= params.maxEntries) failMessage(typeUrl, "too many redelegation entries for (delegator, src-validator, dst-validator) tuple");
  const { amount: returned, validator: srcAfter } = processUnbond(store, delegator, src, shares, typeUrl);
  if (returned === 0n) failMessage(typeUrl, "too few tokens to redelegate (truncates to zero tokens)");
  const sharesDst = processDelegate(store, params, delegator, returned, dst, srcAfter.status, typeUrl);
  const begin = getBeginInfo(srcAfter, params, ctx);
  if (begin.completeNow) return { completionTimeMs: begin.completionTimeMs, amount: returned, sharesDst };
  const red: Redelegation = existing ?? {
    delegatorAddress: accountBech32(delegator),
    validatorSrcAddress: operatorBech32(src),
    validatorDstAddress: operatorBech32(dst),
    entries: [],
  };
  red.entries.push({
    creationHeight: begin.height,
    completionTime: msToTimestamp(begin.completionTimeMs),
    initialBalance: returned.toString(),
    sharesDst: sharesDst.toString(),
    unbondingId: processNextUnbondingId(store),
    unbondingOnHoldRefCount: 0n,
  });
  saveRedelegation(store, delegator, src, dst, red);
  store.set(redelegationQueueKey(begin.completionTimeMs, delegator, src, dst), INDEX_MARKER);
  return { completionTimeMs: begin.completionTimeMs, amount: returned, sharesDst };
}

// ---------------------------------------------------------------------------------------------------
// Block end: matured queues, in O(matured)

/** Keys of `prefix` whose u64 time (right after the prefix) is <= now, in time order. */
function maturedKeys(store: ReadonlyKVStore, prefix: Uint8Array, now: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  const n = prefix.length;
  for (const [k] of store.iterate(prefix)) {
    if (decodeU64(k.subarray(n, n + 8)) > BigInt(now)) break;
    out.push(k);
  }
  return out;
}

export interface MatureUnbondingsResult {
  /** complete_unbonding / complete_redelegation events, for the block results. */
  events: TxEvent[];
  /** Validators that finished unbonding (now BOND_STATUS_UNBONDED). */
  unbondedValidators: Uint8Array[];
}

/**
 * Called by the app at the end of every block: pays out unbonding entries with completion time <=
 * `now` from the not-bonded pool, drops matured redelegation entries, and moves validators whose
 * unbonding period is over to UNBONDED. Walks only the matured part of the time-ordered queues.
 */
export function processMatureUnbondings(store: KVStore, now: number, params?: StakingParams): MatureUnbondingsResult {
  const p = params ?? getStakingParams(store);
  const events: TxEvent[] = [];
  for (const key of maturedKeys(store, UNBONDING_QUEUE_PREFIX, now)) {
    store.delete(key);
    const delegator = key.slice(9, 29);
    const operator = key.slice(29, 49);
    const ubd = getUnbondingDelegation(store, delegator, operator);
    if (!ubd) continue; // paid out under an earlier key of the same pair
    let paid = 0n;
    ubd.entries = ubd.entries.filter((e) => {
      if (timestampToMs(e.completionTime) > now) return true;
      paid += BigInt(e.balance);
      return false;
    });
    if (paid > 0n) processTransfer(store, NOT_BONDED_POOL_ADDRESS, delegator, [{ denom: p.bondDenom, amount: paid }]);
    saveUnbondingDelegation(store, delegator, operator, ubd);
    events.push({
      type: "complete_unbonding",
      attributes: [
        { key: "amount", value: `${paid}${p.bondDenom}` },
        { key: "validator", value: operatorBech32(operator) },
        { key: "delegator", value: accountBech32(delegator) },
      ],
    });
  }
  for (const key of maturedKeys(store, REDELEGATION_QUEUE_PREFIX, now)) {
    store.delete(key);
    const delegator = key.slice(9, 29);
    const src = key.slice(29, 49);
    const dst = key.slice(49, 69);
    const red = getRedelegation(store, delegator, src, dst);
    if (!red) continue;
    let balance = 0n;
    red.entries = red.entries.filter((e) => {
      if (timestampToMs(e.completionTime) > now) return true;
      balance += BigInt(e.initialBalance);
      return false;
    });
    saveRedelegation(store, delegator, src, dst, red);
    events.push({
      type: "complete_redelegation",
      attributes: [
        { key: "amount", value: `${balance}${p.bondDenom}` },
        { key: "delegator", value: accountBech32(delegator) },
        { key: "source_validator", value: operatorBech32(src) },
        { key: "destination_validator", value: operatorBech32(dst) },
      ],
    });
  }
  const unbondedValidators: Uint8Array[] = [];
  for (const key of maturedKeys(store, VALIDATOR_QUEUE_PREFIX, now)) {
    store.delete(key);
    const operator = key.slice(VALIDATOR_QUEUE_PREFIX.length + 8);
    const v = getValidator(store, operator);
    if (!v || v.status !== BondStatus.BOND_STATUS_UNBONDING || v.unbondingTimeMs > now) continue;
    setValidator(store, { ...v, status: BondStatus.BOND_STATUS_UNBONDED });
    unbondedValidators.push(operator);
    events.push({ type: "complete_unbonding_validator", attributes: [{ key: "validator", value: operatorBech32(operator) }] });
  }
  return { events, unbondedValidators };
}

/** Validator leaves the active set: UNBONDING until time + unbondingTimeMs, tokens to the not-bonded pool. */
export function processBeginUnbondingValidator(store: KVStore, params: StakingParams, v: StakingValidator, ctx: { height: number; time: number }): StakingValidator {
  const unbondingTimeMs = ctx.time + params.unbondingTimeMs;
  processMoveBetweenPools(store, params, v.status, BondStatus.BOND_STATUS_UNBONDING, v.tokens);
  const after: StakingValidator = { ...v, status: BondStatus.BOND_STATUS_UNBONDING, unbondingTimeMs, unbondingHeight: BigInt(ctx.height) };
  setValidator(store, after);
  store.set(validatorQueueKey(unbondingTimeMs, v.operator), INDEX_MARKER);
  return after;
}

/** Validator joins the active set: BONDED, tokens to the bonded pool, out of the validator queue. */
export function processBondValidator(store: KVStore, params: StakingParams, v: StakingValidator): StakingValidator {
  if (v.status === BondStatus.BOND_STATUS_UNBONDING) store.delete(validatorQueueKey(v.unbondingTimeMs, v.operator));
  processMoveBetweenPools(store, params, v.status, BondStatus.BOND_STATUS_BONDED, v.tokens);
  const after: StakingValidator = { ...v, status: BondStatus.BOND_STATUS_BONDED, unbondingTimeMs: 0, unbondingHeight: 0n };
  setValidator(store, after);
  return after;
}
