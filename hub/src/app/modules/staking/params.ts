import { MAX_TOTAL_POWER } from "@aegis/consumer-sdk";
import { aegis } from "@aegis/proto";
import type { KVStore, ReadonlyKVStore } from "../../../state/index.js";
import { isValidDenom } from "../../../tx/index.js";
import { DEC_ONE } from "./dec.js";
import { PARAMS_KEY } from "./keys.js";

/** Staking parameters, set at genesis. */
export interface StakingParams {
  bondDenom: string;
  /** Unbonding period (ms). */
  unbondingTimeMs: number;
  /** Size of the active validator set. */
  maxValidators: number;
  /** Entries per unbonding delegation (per delegator/validator pair) and per redelegation triple. */
  maxEntries: number;
  /** Floor for a validator's min_self_delegation (Int). */
  minSelfDelegation: bigint;
  /** Tokens per unit of consensus power. */
  powerReduction: bigint;
  /** Floor for commission rates (Dec atomics). */
  minCommissionRate: bigint;
}

export const DEFAULT_STAKING_PARAMS: Readonly<StakingParams> = Object.freeze({
  bondDenom: "uaeg",
  unbondingTimeMs: 21 * 24 * 3600 * 1000,
  maxValidators: 100,
  maxEntries: 7,
  minSelfDelegation: 1n,
  powerReduction: 1_000_000n,
  minCommissionRate: 0n,
});

export class StakingParamsError extends Error {
  override name = "StakingParamsError";
}

/** Throws StakingParamsError for parameters the module cannot work with. */
export function validateStakingParams(p: StakingParams): void {
  const bad = (field: string, reason: string) => new StakingParamsError(`staking params: ${field} ${reason}`);
  if (!isValidDenom(p.bondDenom)) throw bad("bondDenom", "is not a valid denom");
  if (!Number.isSafeInteger(p.unbondingTimeMs) || p.unbondingTimeMs < 0) throw bad("unbondingTimeMs", "must be a non-negative safe integer");
  if (!Number.isSafeInteger(p.maxValidators) || p.maxValidators < 1 || p.maxValidators > 0xffffffff) throw bad("maxValidators", "must be >= 1");
  if (!Number.isSafeInteger(p.maxEntries) || p.maxEntries < 1 || p.maxEntries > 0xffffffff) throw bad("maxEntries", "must be >= 1");
  if (p.minSelfDelegation < 1n) throw bad("minSelfDelegation", "must be positive");
  if (p.powerReduction < 1n) throw bad("powerReduction", "must be positive");
  if (p.minCommissionRate < 0n || p.minCommissionRate > DEC_ONE) throw bad("minCommissionRate", "must be in [0, 1]");
}

/**
 * The most tokens that may be staked: (MAX_TOTAL_POWER + 1) × powerReduction − 1, the largest amount
 * whose power (tokens / powerReduction, truncated) is at most MAX_TOTAL_POWER. An active set's total
 * power is the sum of its members' tokens / powerReduction, so it never exceeds the staked tokens /
 * powerReduction: with at most this many staked, no epoch end can compute a set over the cap.
 */
export function computeMaxStakedTokens(powerReduction: bigint): bigint {
  return (MAX_TOTAL_POWER + 1n) * powerReduction - 1n;
}

/** The stored parameters, or the defaults before genesis wrote any. */
export function getStakingParams(store: ReadonlyKVStore): StakingParams {
  const raw = store.get(PARAMS_KEY);
  if (!raw) return { ...DEFAULT_STAKING_PARAMS };
  const m = aegis.staking.v1.Params.decode(raw);
  return {
    bondDenom: m.bond_denom,
    unbondingTimeMs: Number(m.unbonding_time_ms.toString()),
    maxValidators: m.max_validators,
    maxEntries: m.max_entries,
    minSelfDelegation: BigInt(m.min_self_delegation),
    powerReduction: BigInt(m.power_reduction),
    minCommissionRate: BigInt(m.min_commission_rate),
  };
}

export function setStakingParams(store: KVStore, p: StakingParams): void {
  validateStakingParams(p);
  store.set(
    PARAMS_KEY,
    aegis.staking.v1.Params.encode({
      bond_denom: p.bondDenom,
      unbonding_time_ms: p.unbondingTimeMs,
      max_validators: p.maxValidators,
      max_entries: p.maxEntries,
      min_self_delegation: p.minSelfDelegation.toString(),
      power_reduction: p.powerReduction.toString(),
      min_commission_rate: p.minCommissionRate.toString(),
    }).finish(),
  );
}
