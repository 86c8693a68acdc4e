import { concatBytes } from "@aegis/consumer-sdk";
import { encodeU64 } from "../../storeKeys.js";

/**
 * Key layout of the distribution module (prefixes 0x30–0x3f). Operators and delegators are 20-byte
 * addresses, periods u64 big-endian. Values are the cosmos.distribution.v1beta1 protobuf records
 * (Dec amounts as 18-decimal atomics, as the SDK stores them), except Params (JSON).
 */
export const DistributionKeyPrefix = {
  /** 0x30 -> params JSON {"blockReward": "<int>"} (and "withdrawAddrEnabled": false when disabled) */
  Params: 0x30,
  /** 0x31 | operator(20) -> ValidatorOutstandingRewards (rewards + commission not yet withdrawn) */
  OutstandingRewards: 0x31,
  /** 0x32 | operator(20) -> ValidatorAccumulatedCommission */
  AccumulatedCommission: 0x32,
  /** 0x33 | operator(20) | period(8) -> ValidatorHistoricalRewards (cumulative reward ratio, reference count) */
  HistoricalRewards: 0x33,
  /** 0x34 | operator(20) -> ValidatorCurrentRewards (rewards of the open period, its number) */
  CurrentRewards: 0x34,
  /** 0x35 | operator(20) | delegator(20) -> DelegatorStartingInfo */
  DelegatorStartingInfo: 0x35,
  /** 0x36 | operator(20) | period(8) -> ValidatorSlashEvent (the period the slash ended) */
  SlashEvent: 0x36,
  /** 0x37 -> FeePool (community pool: undistributed remainders) */
  FeePool: 0x37,
  /** 0x38 | delegator(20) -> withdraw address(20) (MsgSetWithdrawAddress; absent: the delegator itself) */
  DelegatorWithdrawAddress: 0x38,
} as const;

const p = (b: number) => Uint8Array.of(b);

export const DISTRIBUTION_PARAMS_KEY = p(DistributionKeyPrefix.Params);
export const FEE_POOL_KEY = p(DistributionKeyPrefix.FeePool);
export const OUTSTANDING_REWARDS_PREFIX = p(DistributionKeyPrefix.OutstandingRewards);

export const outstandingRewardsKey = (op: Uint8Array) => concatBytes(p(DistributionKeyPrefix.OutstandingRewards), op);
export const accumulatedCommissionKey = (op: Uint8Array) => concatBytes(p(DistributionKeyPrefix.AccumulatedCommission), op);
export const historicalRewardsKey = (op: Uint8Array, period: bigint) => concatBytes(p(DistributionKeyPrefix.HistoricalRewards), op, encodeU64(period));
export const currentRewardsKey = (op: Uint8Array) => concatBytes(p(DistributionKeyPrefix.CurrentRewards), op);
export const delegatorStartingInfoKey = (op: Uint8Array, delegator: Uint8Array) => concatBytes(p(DistributionKeyPrefix.DelegatorStartingInfo), op, delegator);
export const slashEventPrefix = (op: Uint8Array) => concatBytes(p(DistributionKeyPrefix.SlashEvent), op);
export const slashEventKey = (op: Uint8Array, period: bigint) => concatBytes(p(DistributionKeyPrefix.SlashEvent), op, encodeU64(period));
export const delegatorWithdrawAddressKey = (delegator: Uint8Array) => concatBytes(p(DistributionKeyPrefix.DelegatorWithdrawAddress), delegator);
