import { bytesEqual, utf8 } from "@aegis/consumer-sdk";
import {
  DelegatorStartingInfo,
  FeePool,
  ValidatorAccumulatedCommission,
  ValidatorCurrentRewards,
  ValidatorHistoricalRewards,
  ValidatorOutstandingRewards,
  ValidatorSlashEvent,
} from "cosmjs-types/cosmos/distribution/v1beta1/distribution";
import type { KVStore, ReadonlyKVStore } from "../../../state/index.js";
import { fromBech32, TxError, VALIDATOR_OPERATOR_ADDRESS_PREFIX, type Coin } from "../../../tx/index.js";
import { decodeU64 } from "../../storeKeys.js";
import type { TxEvent } from "../../txEvents.js";
import { formatCoins } from "../../txEvents.js";
import { computeModuleAddress, FEE_COLLECTOR, processEnsureAccount } from "../auth.js";
import { getAllBalances, processMint, processTransfer } from "../bank.js";
import { isModuleAccountAddress } from "../moduleAccounts.js";
import { DEC_ONE, decMulInt, decQuoTruncate } from "../staking/dec.js";
import { getStakingParams } from "../staking/params.js";
import { getDelegation, getValidator, operatorBech32, accountBech32, type StakingValidator } from "../staking/state.js";
import {
  decCoinsAdd,
  decCoinsFromCoins,
  decCoinsFromProto,
  decCoinsMin,
  decCoinsMulDec,
  decCoinsMulDecTruncate,
  decCoinsQuoDecTruncate,
  decCoinsSub,
  decCoinsToProto,
  decCoinsTruncate,
  decCoinsIsZero,
  type DecCoins,
} from "./decCoins.js";
import {
  accumulatedCommissionKey,
  currentRewardsKey,
  delegatorStartingInfoKey,
  delegatorWithdrawAddressKey,
  DISTRIBUTION_PARAMS_KEY,
  FEE_POOL_KEY,
  historicalRewardsKey,
  outstandingRewardsKey,
  slashEventKey,
  slashEventPrefix,
} from "./keys.js";

/**
 * F1 fee distribution (Cosmos x/distribution), lazily accounted: per validator a current period
 * accumulating rewards, the cumulative reward ratio (rewards per token) at the end of each period,
 * and per delegation its starting period and stake. A delegation's rewards are
 * stake × (ratio(end) − ratio(start)), split at slash events (stake × (1 − fraction)). Commission
 * accrues separately; outstanding rewards bound what a validator's delegators and operator can take.
 */
export const DISTRIBUTION_MODULE_NAME = "distribution";
export const DISTRIBUTION_MODULE_ADDRESS = computeModuleAddress(DISTRIBUTION_MODULE_NAME);
export const FEE_COLLECTOR_ADDRESS = computeModuleAddress(FEE_COLLECTOR);

/** Stores a record; an empty encoding (all defaults) is stored as no entry (values must not be empty). */
function put(store: KVStore, key: Uint8Array, value: Uint8Array): void {
  if (value.length === 0) store.delete(key);
  else store.set(key, value);
}

function internal(reason: string): never {
  throw new TxError({ code: "TX_ERROR_INTERNAL", reason: `distribution: ${reason}` });
}

// ---------------------------------------------------------------------------------------------------
// Params

export interface DistributionParams {
  /** Tokens of the bond denom minted to the reward pool at every allocation (Int). */
  blockReward: bigint;
  /** Whether MsgSetWithdrawAddress is allowed (the SDK's withdraw_addr_enabled, default true). */
  withdrawAddrEnabled: boolean;
}
export const DEFAULT_DISTRIBUTION_PARAMS: Readonly<DistributionParams> = Object.freeze({ blockReward: 0n, withdrawAddrEnabled: true });

export function getDistributionParams(store: ReadonlyKVStore): DistributionParams {
  const raw = store.get(DISTRIBUTION_PARAMS_KEY);
  if (!raw) return { ...DEFAULT_DISTRIBUTION_PARAMS };
  const j = JSON.parse(new TextDecoder().decode(raw)) as { blockReward: string; withdrawAddrEnabled?: boolean };
  return { blockReward: BigInt(j.blockReward), withdrawAddrEnabled: j.withdrawAddrEnabled !== false };
}

/** Stores the params (withdrawAddrEnabled only when false, so records written before it existed read the same). */
export function setDistributionParams(store: KVStore, p: Partial<DistributionParams> & Pick<DistributionParams, "blockReward">): void {
  if (p.blockReward < 0n) throw new RangeError("distribution params: blockReward must be >= 0");
  const json: { blockReward: string; withdrawAddrEnabled?: false } = { blockReward: p.blockReward.toString() };
  if (p.withdrawAddrEnabled === false) json.withdrawAddrEnabled = false;
  store.set(DISTRIBUTION_PARAMS_KEY, utf8(JSON.stringify(json)));
}

// ---------------------------------------------------------------------------------------------------
// Withdraw addresses

/** Where a delegator's rewards (and an operator's commission) are paid: the address it set, else itself (SDK GetDelegatorWithdrawAddr). */
export function getDelegatorWithdrawAddress(store: ReadonlyKVStore, delegator: Uint8Array): Uint8Array {
  return store.get(delegatorWithdrawAddressKey(delegator)) ?? delegator;
}

/**
 * Sets a delegator's withdraw address (SDK SetWithdrawAddr): refused for a module account
 * (TX_ERROR_BLOCKED_RECIPIENT, ErrUnauthorized) and while withdraw_addr_enabled is false
 * (TX_ERROR_WITHDRAW_ADDRESS_DISABLED, distribution code 5). Setting the delegator itself is stored
 * like any other, as the SDK does.
 */
export function processSetWithdrawAddress(store: KVStore, delegator: Uint8Array, withdraw: Uint8Array): void {
  if (isModuleAccountAddress(withdraw)) throw new TxError({ code: "TX_ERROR_BLOCKED_RECIPIENT", address: accountBech32(withdraw), external: true });
  if (!getDistributionParams(store).withdrawAddrEnabled) throw new TxError({ code: "TX_ERROR_WITHDRAW_ADDRESS_DISABLED" });
  store.set(delegatorWithdrawAddressKey(delegator), withdraw);
}

/** Sends `coins` from the distribution module account to `owner`'s withdraw address (created as an account if new, as the SDK's SendCoins); returns that address. */
function processPayOut(store: KVStore, owner: Uint8Array, coins: readonly Coin[]): Uint8Array {
  const to = getDelegatorWithdrawAddress(store, owner);
  if (coins.length === 0) return to;
  if (!bytesEqual(to, owner)) processEnsureAccount(store, to, accountBech32(to)); // the owner signed or operates: it has an account
  processTransfer(store, DISTRIBUTION_MODULE_ADDRESS, to, coins);
  return to;
}

// ---------------------------------------------------------------------------------------------------
// Records

export function getOutstandingRewards(store: ReadonlyKVStore, op: Uint8Array): DecCoins {
  const raw = store.get(outstandingRewardsKey(op));
  return raw ? decCoinsFromProto(ValidatorOutstandingRewards.decode(raw).rewards) : [];
}
function setOutstandingRewards(store: KVStore, op: Uint8Array, r: DecCoins): void {
  put(store, outstandingRewardsKey(op), ValidatorOutstandingRewards.encode({ rewards: decCoinsToProto(r) }).finish());
}

export function getAccumulatedCommission(store: ReadonlyKVStore, op: Uint8Array): DecCoins {
  const raw = store.get(accumulatedCommissionKey(op));
  return raw ? decCoinsFromProto(ValidatorAccumulatedCommission.decode(raw).commission) : [];
}
function setAccumulatedCommission(store: KVStore, op: Uint8Array, c: DecCoins): void {
  put(store, accumulatedCommissionKey(op), ValidatorAccumulatedCommission.encode({ commission: decCoinsToProto(c) }).finish());
}

export function getCommunityPool(store: ReadonlyKVStore): DecCoins {
  const raw = store.get(FEE_POOL_KEY);
  return raw ? decCoinsFromProto(FeePool.decode(raw).communityPool) : [];
}
function addToCommunityPool(store: KVStore, c: DecCoins): void {
  if (decCoinsIsZero(c)) return;
  put(store, FEE_POOL_KEY, FeePool.encode({ communityPool: decCoinsToProto(decCoinsAdd(getCommunityPool(store), c)) }).finish());
}

interface Historical {
  ratio: DecCoins;
  referenceCount: number;
}
function getHistorical(store: ReadonlyKVStore, op: Uint8Array, period: bigint): Historical | undefined {
  const raw = store.get(historicalRewardsKey(op, period));
  if (!raw) return undefined;
  const h = ValidatorHistoricalRewards.decode(raw);
  return { ratio: decCoinsFromProto(h.cumulativeRewardRatio), referenceCount: h.referenceCount };
}
function setHistorical(store: KVStore, op: Uint8Array, period: bigint, h: Historical): void {
  put(store, historicalRewardsKey(op, period), ValidatorHistoricalRewards.encode({ cumulativeRewardRatio: decCoinsToProto(h.ratio), referenceCount: h.referenceCount }).finish());
}
function mustGetHistorical(store: ReadonlyKVStore, op: Uint8Array, period: bigint): Historical {
  return getHistorical(store, op, period) ?? internal(`no historical rewards for period ${period}`);
}
function incrementReferenceCount(store: KVStore, op: Uint8Array, period: bigint): void {
  const h = mustGetHistorical(store, op, period);
  if (h.referenceCount > 2) internal("reference count should never exceed 2");
  setHistorical(store, op, period, { ...h, referenceCount: h.referenceCount + 1 });
}
function decrementReferenceCount(store: KVStore, op: Uint8Array, period: bigint): void {
  const h = mustGetHistorical(store, op, period);
  if (h.referenceCount === 0) internal("cannot set negative reference count");
  if (h.referenceCount === 1) store.delete(historicalRewardsKey(op, period));
  else setHistorical(store, op, period, { ...h, referenceCount: h.referenceCount - 1 });
}

interface Current {
  rewards: DecCoins;
  period: bigint;
}
export function getCurrentRewards(store: ReadonlyKVStore, op: Uint8Array): Current | undefined {
  const raw = store.get(currentRewardsKey(op));
  if (!raw) return undefined;
  const c = ValidatorCurrentRewards.decode(raw);
  return { rewards: decCoinsFromProto(c.rewards), period: c.period };
}
function setCurrentRewards(store: KVStore, op: Uint8Array, c: Current): void {
  store.set(currentRewardsKey(op), ValidatorCurrentRewards.encode({ rewards: decCoinsToProto(c.rewards), period: c.period }).finish());
}

export interface StartingInfo {
  previousPeriod: bigint;
  /** Dec atomics. */
  stake: bigint;
}
export function getStartingInfo(store: ReadonlyKVStore, op: Uint8Array, delegator: Uint8Array): StartingInfo | undefined {
  const raw = store.get(delegatorStartingInfoKey(op, delegator));
  if (!raw) return undefined;
  const s = DelegatorStartingInfo.decode(raw);
  return { previousPeriod: s.previousPeriod, stake: BigInt(s.stake) };
}

/** Cosmos TokensFromSharesTruncated: shares × tokens / delegatorShares as a Dec, truncated. */
function stakeOf(v: StakingValidator, shares: bigint): bigint {
  if (v.delegatorShares === 0n) return 0n;
  return decQuoTruncate(decMulInt(shares, v.tokens), v.delegatorShares);
}

// ---------------------------------------------------------------------------------------------------
// Periods

/** Cosmos initializeValidator: period 0 with a zero ratio, the open period 1, nothing accrued. */
export function initializeValidator(store: KVStore, op: Uint8Array): void {
  setHistorical(store, op, 0n, { ratio: [], referenceCount: 1 });
  setCurrentRewards(store, op, { rewards: [], period: 1n });
  setAccumulatedCommission(store, op, []);
  setOutstandingRewards(store, op, []);
}

/** The validator's open period (initialising its records if it has none yet: validators from before this module). */
function ensureValidator(store: KVStore, op: Uint8Array): Current {
  const cur = getCurrentRewards(store, op);
  if (cur) return cur;
  initializeValidator(store, op);
  return getCurrentRewards(store, op)!;
}

/**
 * Closes the open period (Cosmos IncrementValidatorPeriod): its rewards per token are added to the
 * cumulative ratio (a validator without tokens gives them to the community pool). Returns the
 * closed period's number.
 */
export function incrementValidatorPeriod(store: KVStore, op: Uint8Array): bigint {
  const cur = ensureValidator(store, op);
  const v = getValidator(store, op);
  const tokens = v?.tokens ?? 0n;
  let current: DecCoins = [];
  if (tokens === 0n) {
    if (!decCoinsIsZero(cur.rewards)) {
      addToCommunityPool(store, cur.rewards);
      setOutstandingRewards(store, op, decCoinsSub(getOutstandingRewards(store, op), cur.rewards));
    }
  } else {
    current = decCoinsQuoDecTruncate(cur.rewards, tokens * DEC_ONE);
  }
  const prev = mustGetHistorical(store, op, cur.period - 1n);
  decrementReferenceCount(store, op, cur.period - 1n);
  setHistorical(store, op, cur.period, { ratio: decCoinsAdd(prev.ratio, current), referenceCount: 1 });
  setCurrentRewards(store, op, { rewards: [], period: cur.period + 1n });
  return cur.period;
}

/** Cosmos initializeDelegation: the delegation starts after the last closed period with its current stake. */
export function initializeDelegation(store: KVStore, op: Uint8Array, delegator: Uint8Array): void {
  const cur = ensureValidator(store, op);
  const v = getValidator(store, op) ?? internal("unknown validator");
  const d = getDelegation(store, delegator, op) ?? internal("unknown delegation");
  const previousPeriod = cur.period - 1n;
  incrementReferenceCount(store, op, previousPeriod);
  store.set(delegatorStartingInfoKey(op, delegator), DelegatorStartingInfo.encode({ previousPeriod, stake: stakeOf(v, d.shares).toString(), height: 0n }).finish());
}

function slashEvents(store: ReadonlyKVStore, op: Uint8Array, after: bigint): { period: bigint; fraction: bigint }[] {
  const prefix = slashEventPrefix(op);
  const out: { period: bigint; fraction: bigint }[] = [];
  for (const [k, v] of store.iterate(prefix)) {
    const period = decodeU64(k.subarray(prefix.length));
    if (period <= after) continue;
    out.push({ period, fraction: BigInt(ValidatorSlashEvent.decode(v).fraction) });
  }
  return out;
}

/**
 * Rewards of a delegation up to a cumulative ratio `endRatio` (Cosmos CalculateDelegationRewards):
 * stake × ratio differences, the stake reduced by each slash event after the starting period. The
 * stake is capped by the delegation's current worth (truncation can only lower rewards).
 */
function calculateRewards(store: ReadonlyKVStore, op: Uint8Array, delegator: Uint8Array, endRatio: DecCoins): DecCoins {
  const info = getStartingInfo(store, op, delegator);
  if (!info) return [];
  let start = info.previousPeriod;
  let stake = info.stake;
  let rewards: DecCoins = [];
  const between = (from: bigint, to: DecCoins, s: bigint) => decCoinsMulDecTruncate(decCoinsSub(to, mustGetHistorical(store, op, from).ratio), s);
  for (const e of slashEvents(store, op, start)) {
    rewards = decCoinsAdd(rewards, between(start, mustGetHistorical(store, op, e.period).ratio, stake));
    stake = (stake * (DEC_ONE - e.fraction)) / DEC_ONE;
    start = e.period;
  }
  const v = getValidator(store, op);
  const d = getDelegation(store, delegator, op);
  if (v && d) {
    const worth = stakeOf(v, d.shares);
    if (stake > worth) stake = worth;
  }
  return decCoinsAdd(rewards, between(start, endRatio, stake));
}

/** What a delegation could withdraw now, without writing (the open period is closed virtually). */
export function getPendingDelegationRewards(store: ReadonlyKVStore, op: Uint8Array, delegator: Uint8Array): DecCoins {
  const cur = getCurrentRewards(store, op);
  if (!cur || !getStartingInfo(store, op, delegator)) return [];
  const v = getValidator(store, op);
  const tokens = v?.tokens ?? 0n;
  const last = mustGetHistorical(store, op, cur.period - 1n).ratio;
  const end = tokens === 0n ? last : decCoinsAdd(last, decCoinsQuoDecTruncate(cur.rewards, tokens * DEC_ONE));
  return decCoinsMin(calculateRewards(store, op, delegator, end), getOutstandingRewards(store, op));
}

/**
 * Pays a delegation's rewards (Cosmos withdrawDelegationRewards): closes the validator's period,
 * sends the integer part to the delegator's withdraw address from the distribution module account (the decimal
 * remainder goes to the community pool, as in the SDK), removes the starting info. The caller
 * re-initialises the delegation if it still exists. Returns the coins sent.
 */
export function processWithdrawDelegationRewards(store: KVStore, op: Uint8Array, delegator: Uint8Array): Coin[] {
  if (!getStartingInfo(store, op, delegator)) return [];
  const endingPeriod = incrementValidatorPeriod(store, op);
  const info = getStartingInfo(store, op, delegator)!;
  const outstanding = getOutstandingRewards(store, op);
  const rewards = decCoinsMin(calculateRewards(store, op, delegator, mustGetHistorical(store, op, endingPeriod).ratio), outstanding);
  const { coins, remainder } = decCoinsTruncate(rewards);
  processPayOut(store, delegator, coins);
  setOutstandingRewards(store, op, decCoinsSub(outstanding, rewards));
  addToCommunityPool(store, remainder);
  decrementReferenceCount(store, op, info.previousPeriod);
  store.delete(delegatorStartingInfoKey(op, delegator));
  return coins;
}

/** Pays the integer part of the accumulated commission to the operator account's withdraw address; the decimals stay accrued. */
export function processWithdrawValidatorCommission(store: KVStore, op: Uint8Array): Coin[] {
  const { coins, remainder } = decCoinsTruncate(getAccumulatedCommission(store, op));
  if (coins.length === 0) return [];
  setAccumulatedCommission(store, op, remainder);
  setOutstandingRewards(store, op, decCoinsSub(getOutstandingRewards(store, op), decCoinsFromCoins(coins)));
  processPayOut(store, op, coins);
  return coins;
}

// ---------------------------------------------------------------------------------------------------
// Staking hooks (called by the staking module around every change of a delegation's shares)

/** A validator was created: its distribution records start. */
export function afterValidatorCreated(store: KVStore, operator: Uint8Array): void {
  initializeValidator(store, operator);
}

/**
 * Before a delegation's shares change (delegate, undelegate, redelegate, slash of a redelegation):
 * pays its rewards so far, or, for a new delegation, closes the validator's period.
 */
export function beforeDelegationSharesModified(store: KVStore, delegator: Uint8Array, operator: Uint8Array): void {
  if (getStartingInfo(store, operator, delegator)) processWithdrawDelegationRewards(store, operator, delegator);
  else incrementValidatorPeriod(store, operator);
}

/** After a delegation changed: it restarts from the current period with its new stake (nothing when it was removed). */
export function afterDelegationModified(store: KVStore, delegator: Uint8Array, operator: Uint8Array): void {
  if (!getDelegation(store, delegator, operator)) return;
  if (getStartingInfo(store, operator, delegator)) {
    // not settled by beforeDelegationSharesModified (defensive): settle now, then restart
    processWithdrawDelegationRewards(store, operator, delegator);
  }
  initializeDelegation(store, operator, delegator);
}

/**
 * Before a validator's tokens are slashed by `fraction` (Dec atomics) of its tokens (Cosmos
 * updateValidatorSlashFraction): closes the period and records the event, so stakes of delegations
 * that started before it are scaled by (1 − fraction) from that period on.
 */
export function beforeValidatorSlashed(store: KVStore, operator: Uint8Array, fraction: bigint): void {
  if (fraction <= 0n) return;
  if (fraction > DEC_ONE) internal(`slash fraction ${fraction} > 1`);
  const period = incrementValidatorPeriod(store, operator);
  incrementReferenceCount(store, operator, period);
  store.set(slashEventKey(operator, period), ValidatorSlashEvent.encode({ validatorPeriod: period, fraction: fraction.toString() }).finish());
}

// ---------------------------------------------------------------------------------------------------
// Allocation (block end)

export interface AllocateRewardsInput {
  height: number;
  /** The validators of the block (the bonded set) and their voting power. */
  votes: { operator: string; power: bigint }[];
  /** Account whose whole balance is distributed (default: the fee collector). */
  rewardsPool?: Uint8Array;
}

export interface AllocateRewardsResult {
  /** Everything collected this block (fees + minted block reward). */
  collected: DecCoins;
  /** Part of it that went to the community pool (no power, unknown validators, rounding). */
  toCommunityPool: DecCoins;
  events: TxEvent[];
}

/** Gives `tokens` to a validator: commission first, the rest to its delegators' current period. */
export function allocateTokensToValidator(store: KVStore, op: Uint8Array, v: StakingValidator, tokens: DecCoins, events: TxEvent[]): void {
  const cur = ensureValidator(store, op);
  const commission = decCoinsMulDec(tokens, v.commission.rate);
  const shared = decCoinsSub(tokens, commission);
  setAccumulatedCommission(store, op, decCoinsAdd(getAccumulatedCommission(store, op), commission));
  setCurrentRewards(store, op, { ...cur, rewards: decCoinsAdd(cur.rewards, shared) });
  setOutstandingRewards(store, op, decCoinsAdd(getOutstandingRewards(store, op), tokens));
  const fmt = (c: DecCoins) => c.map((x) => `${x.amount}${x.denom}`).join(",");
  events.push(
    { type: "commission", attributes: [{ key: "amount", value: fmt(commission) }, { key: "validator", value: v.operatorAddress }] },
    { type: "rewards", attributes: [{ key: "amount", value: fmt(tokens) }, { key: "validator", value: v.operatorAddress }] },
  );
}

/**
 * Called by the app at the end of every block (Cosmos AllocateTokens): mints the block reward to
 * the pool, moves everything in the pool to the distribution module account and gives it to the
 * voters in proportion to power (power / total, truncated); what is left goes to the community pool.
 * O(voters): no delegator is visited.
 */
export function processAllocateRewards(store: KVStore, input: AllocateRewardsInput): AllocateRewardsResult {
  const events: TxEvent[] = [];
  const pool = input.rewardsPool ?? FEE_COLLECTOR_ADDRESS;
  const { blockReward } = getDistributionParams(store);
  if (blockReward > 0n) processMint(store, pool, [{ denom: getStakingParams(store).bondDenom, amount: blockReward }]);
  const coins = getAllBalances(store, pool);
  if (coins.length === 0) return { collected: [], toCommunityPool: [], events };
  processTransfer(store, pool, DISTRIBUTION_MODULE_ADDRESS, coins);
  const collected = decCoinsFromCoins(coins);
  let remaining = collected;
  const total = input.votes.reduce((a, v) => a + (v.power > 0n ? v.power : 0n), 0n);
  if (total > 0n) {
    for (const vote of input.votes) {
      if (vote.power <= 0n) continue;
      let op: Uint8Array;
      try {
        op = fromBech32(vote.operator, VALIDATOR_OPERATOR_ADDRESS_PREFIX, { lengths: [20] });
      } catch {
        continue;
      }
      const v = getValidator(store, op);
      if (!v) continue;
      const reward = decCoinsMulDecTruncate(collected, decQuoTruncate(vote.power * DEC_ONE, total * DEC_ONE));
      if (decCoinsIsZero(reward)) continue;
      allocateTokensToValidator(store, op, v, reward, events);
      remaining = decCoinsSub(remaining, reward);
    }
  }
  addToCommunityPool(store, remaining);
  return { collected, toCommunityPool: remaining, events };
}

/** The slash events recorded for a validator, in period order (each one closes a period: ValidatorSlashEvent{validator_period, fraction}). */
export function getValidatorSlashEvents(store: ReadonlyKVStore, op: Uint8Array): { period: bigint; fraction: bigint }[] {
  return slashEvents(store, op, 0n);
}

export function withdrawRewardsEvent(coins: readonly Coin[], op: Uint8Array, delegator: Uint8Array): TxEvent {
  return {
    type: "withdraw_rewards",
    attributes: [
      { key: "amount", value: formatCoins(coins) },
      { key: "validator", value: operatorBech32(op) },
      { key: "delegator", value: accountBech32(delegator) },
    ],
  };
}
