import { bytesEqual } from "@aegis/consumer-sdk";
import type { KVStore } from "../../../state/index.js";
import { TxError } from "../../../tx/index.js";
import { processBurn } from "../bank.js";
// distribution hook: rewards across a slash are scaled (F1 slash events)
import { beforeValidatorSlashed } from "../distribution/keeper.js";
import { DEC_ONE, decFromInt, decMul, decTruncateInt } from "./dec.js";
import {
  failMessage,
  NOT_BONDED_POOL_ADDRESS,
  poolAddressOf,
  processUnbond,
  setUnbondingDelegation,
  tokensFromSharesTruncated,
} from "./keeper.js";
import { redelegationBySrcPrefix, unbondingByValidatorPrefix } from "./keys.js";
import { getStakingParams } from "./params.js";
import {
  getDelegation,
  getRedelegation,
  getUnbondingDelegation,
  getValidator,
  setValidator,
  setValidatorExtra,
  timestampToMs,
  type StakingValidator,
} from "./state.js";
import { getValidatorSetForHeight } from "./validatorSet.js";

/** Type URL used in the errors of processUnjail (the slashing module's message). */
export const MSG_UNJAIL_TYPE_URL = "/cosmos.slashing.v1beta1.MsgUnjail";

function internal(reason: string): never {
  throw new TxError({ code: "TX_ERROR_INTERNAL", reason });
}

function mustGetValidator(store: KVStore, operator: Uint8Array): StakingValidator {
  return getValidator(store, operator) ?? internal("slashing: unknown validator");
}

export interface SlashResult {
  /** Tokens the slash should take (power at the infraction × powerReduction × fraction). */
  slashAmount: bigint;
  /** Tokens burned in all (validator, unbonding entries, redelegated delegations). */
  burned: bigint;
  burnedFromValidator: bigint;
  burnedFromUnbondings: bigint;
  burnedFromRedelegations: bigint;
}

/**
 * Slashes `fraction` (Dec atomics, 0..1) of the stake a validator had at `infractionHeight`, as the
 * Cosmos SDK's Keeper.Slash: the amount is power-at-infraction × powerReduction × fraction (the
 * power from the stored set that signed that height, or `opts.power`; the validator's current
 * tokens if it was in no stored set). Unbonding entries and redelegation entries from the validator
 * created at or after the infraction height and not yet mature lose `fraction` of their initial
 * balance (capped by what is left; a redelegation's shares at the destination are unbonded and
 * burned); the validator's tokens lose the rest (capped by its tokens). Burned tokens leave the
 * supply. Infractions in the current block slash only the validator.
 */
export function processSlash(
  store: KVStore,
  operator: Uint8Array,
  infractionHeight: number,
  fraction: bigint,
  ctx: { height: number; time: number },
  opts: { power?: bigint } = {},
): SlashResult {
  if (fraction < 0n || fraction > DEC_ONE) internal(`slash fraction ${fraction} is outside [0, 1]`);
  if (!Number.isSafeInteger(infractionHeight) || infractionHeight < 0 || infractionHeight > ctx.height) {
    internal(`cannot slash infractions in the future: infraction height ${infractionHeight}, current height ${ctx.height}`);
  }
  const params = getStakingParams(store);
  const v = mustGetValidator(store, operator);
  let base: bigint;
  if (opts.power !== undefined) base = opts.power * params.powerReduction;
  else {
    const member = getValidatorSetForHeight(store, infractionHeight)?.validators.find((m) => bytesEqual(m.operator, operator));
    base = member ? member.power * params.powerReduction : v.tokens;
  }
  const slashAmount = decTruncateInt(decMul(decFromInt(base), fraction));
  let totalSlashed = 0n;
  let burnedFromUnbondings = 0n;
  let burnedFromRedelegations = 0n;

  if (infractionHeight < ctx.height && fraction > 0n) {
    const h = BigInt(infractionHeight);
    const ubdPrefix = unbondingByValidatorPrefix(operator);
    const delegators = [...store.iterate(ubdPrefix)].map(([k]) => k.slice(ubdPrefix.length));
    for (const delegator of delegators) {
      const ubd = getUnbondingDelegation(store, delegator, operator);
      if (!ubd) continue;
      let changed = false;
      for (const e of ubd.entries) {
        if (e.creationHeight < h) continue; // unbonding started before the infraction: not slashable
        if (timestampToMs(e.completionTime) <= ctx.time) continue; // mature, paid out at this block's end
        const entrySlash = decTruncateInt(decMul(decFromInt(BigInt(e.initialBalance)), fraction));
        totalSlashed += entrySlash;
        const balance = BigInt(e.balance);
        const take = entrySlash < balance ? entrySlash : balance;
        if (take === 0n) continue;
        e.balance = (balance - take).toString();
        burnedFromUnbondings += take;
        changed = true;
      }
      if (changed) setUnbondingDelegation(store, delegator, operator, ubd);
    }
    if (burnedFromUnbondings > 0n) processBurn(store, NOT_BONDED_POOL_ADDRESS, [{ denom: params.bondDenom, amount: burnedFromUnbondings }]);

    const redPrefix = redelegationBySrcPrefix(operator);
    const pairs = [...store.iterate(redPrefix)].map(([k]) => ({ delegator: k.slice(redPrefix.length, redPrefix.length + 20), dst: k.slice(redPrefix.length + 20) }));
    for (const { delegator, dst } of pairs) {
      const red = getRedelegation(store, delegator, operator, dst);
      if (!red) continue;
      for (const e of red.entries) {
        if (e.creationHeight < h) continue;
        if (timestampToMs(e.completionTime) <= ctx.time) continue;
        totalSlashed += decTruncateInt(decMul(decFromInt(BigInt(e.initialBalance)), fraction));
        let shares = decMul(fraction, BigInt(e.sharesDst));
        if (shares === 0n) continue;
        const d = getDelegation(store, delegator, dst);
        if (!d) continue; // already undelegated from the destination (its unbonding entry is slashed there)
        if (shares > d.shares) shares = d.shares;
        if (shares === 0n) continue;
        const { amount, validator: dstAfter } = processUnbond(store, delegator, dst, shares, "slash");
        if (amount > 0n) processBurn(store, poolAddressOf(dstAfter.status), [{ denom: params.bondDenom, amount }]);
        burnedFromRedelegations += amount;
      }
    }
  }

  let remaining = slashAmount - totalSlashed;
  if (remaining < 0n) remaining = 0n;
  const cur = mustGetValidator(store, operator);
  const burnedFromValidator = remaining < cur.tokens ? remaining : cur.tokens;
  if (burnedFromValidator > 0n) {
    // distribution hook: effective fraction of the validator's tokens burned, rounded up (Cosmos QuoRoundUp)
    beforeValidatorSlashed(store, operator, (burnedFromValidator * DEC_ONE + cur.tokens - 1n) / cur.tokens);
    setValidator(store, { ...cur, tokens: cur.tokens - burnedFromValidator });
    processBurn(store, poolAddressOf(cur.status), [{ denom: params.bondDenom, amount: burnedFromValidator }]);
  }
  return {
    slashAmount,
    burned: burnedFromValidator + burnedFromUnbondings + burnedFromRedelegations,
    burnedFromValidator,
    burnedFromUnbondings,
    burnedFromRedelegations,
  };
}

/** Jails a validator (out of the power index: not in the next set). False when it already was. */
export function processJail(store: KVStore, operator: Uint8Array): boolean {
  const v = mustGetValidator(store, operator);
  if (v.jailed) return false;
  setValidator(store, { ...v, jailed: true });
  return true;
}

/**
 * Unjails a validator (the staking side of the slashing module's MsgUnjail; the jail period is that
 * module's). Refused unless jailed, not tombstoned, and self-delegating at least min_self_delegation.
 */
export function processUnjail(store: KVStore, operator: Uint8Array, typeUrl: string = MSG_UNJAIL_TYPE_URL): void {
  const v = getValidator(store, operator) ?? failMessage(typeUrl, "address is not associated with any known validator");
  const self = getDelegation(store, operator, operator) ?? failMessage(typeUrl, "validator has no self-delegation; cannot be unjailed");
  if (tokensFromSharesTruncated(v, self.shares) < v.minSelfDelegation) failMessage(typeUrl, "validator's self delegation less than minimum; cannot be unjailed");
  if (!v.jailed) failMessage(typeUrl, "validator not jailed; cannot be unjailed");
  if (v.tombstoned) failMessage(typeUrl, "validator is tombstoned; cannot be unjailed");
  setValidator(store, { ...v, jailed: false });
}

/** Tombstones a validator (double sign): jailed for good. False when it already was tombstoned. */
export function processTombstone(store: KVStore, operator: Uint8Array): boolean {
  const v = mustGetValidator(store, operator);
  if (v.tombstoned) return false;
  const after = { ...v, jailed: true, tombstoned: true };
  setValidator(store, after);
  setValidatorExtra(store, after);
  return true;
}

export function isTombstoned(store: KVStore, operator: Uint8Array): boolean {
  return getValidator(store, operator)?.tombstoned ?? false;
}
