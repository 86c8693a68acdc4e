import { aegis } from "@aegis/proto";
import { computeValidatorAddress, computeValidatorSetRoot, createValidatorSet, MAX_TOTAL_POWER, toHex, type ValidatorSet } from "@aegis/consumer-sdk";
import type { KVStore, ReadonlyKVStore } from "../../../state/index.js";
import { TxError } from "../../../tx/index.js";
import { decodeU64, encodeU64 } from "../../storeKeys.js";
import { processBeginUnbondingValidator, processBondValidator } from "./keeper.js";
import {
  LAST_EPOCH_KEY,
  POWER_INDEX_PREFIX,
  tokensOfPowerIndexKey,
  validatorSetByEpochKey,
  validatorSetByHeightKey,
  VALIDATOR_SET_BY_HEIGHT_PREFIX,
} from "./keys.js";
import { getStakingParams, type StakingParams } from "./params.js";
import { BondStatus, getValidator, operatorBech32, type StakingValidator } from "./state.js";

/** A member of an active set, in the order of the consumer-sdk ValidatorSet. */
export interface ActiveValidator {
  /** Operator address bytes (20). */
  operator: Uint8Array;
  /** aegisvaloper… */
  operatorAddress: string;
  /** sha256(blsPublicKey)[0..20]: ValidatorSet.validators[i].address. */
  consensusAddress: Uint8Array;
  blsPublicKey: Uint8Array;
  /** BabyJubJub key (32 bytes) for the attestation circuit. */
  attestationPublicKey: Uint8Array;
  /** tokens / powerReduction. */
  power: bigint;
  tokens: bigint;
}

export interface ComputedValidatorSet {
  /** Same order as `set.validators`. */
  validators: ActiveValidator[];
  /** null when no validator is eligible. */
  set: ValidatorSet | null;
  /** computeValidatorSetRoot(set); null when no validator is eligible. */
  root: Uint8Array | null;
}

export interface EpochValidatorSet {
  epoch: number;
  /** First height this set signs. */
  startHeight: number;
  /** Height at whose end the set was computed. */
  computedHeight: number;
  validators: ActiveValidator[];
  set: ValidatorSet;
  root: Uint8Array;
}

function internal(reason: string): never {
  throw new TxError({ code: "TX_ERROR_INTERNAL", reason });
}

/** Orders `chosen` as createValidatorSet does and builds the set and its root. */
function buildSet(chosen: readonly { v: StakingValidator; power: bigint }[]): ComputedValidatorSet {
  if (chosen.length === 0) return { validators: [], set: null, root: null };
  // Keys and proofs of possession were checked when each validator was created.
  const set = createValidatorSet(
    chosen.map((c) => ({ blsPublicKey: c.v.blsPublicKey, power: c.power })),
    { skipProofOfPossession: true },
  );
  const byAddress = new Map(chosen.map((c) => [toHex(c.v.consensusAddress), c]));
  const validators = set.validators.map((sv) => {
    const c = byAddress.get(toHex(sv.address))!;
    return {
      operator: c.v.operator,
      operatorAddress: c.v.operatorAddress,
      consensusAddress: c.v.consensusAddress,
      blsPublicKey: c.v.blsPublicKey,
      attestationPublicKey: c.v.attestationPublicKey,
      power: c.power,
      tokens: c.v.tokens,
    };
  });
  return { validators, set, root: computeValidatorSetRoot(set) };
}

/**
 * The next active set: the top `maxValidators` validators by tokens (ties: operator address
 * ascending) that are not jailed and have at least `powerReduction` tokens, each with power =
 * tokens / powerReduction, in createValidatorSet order (power descending, consensus address
 * ascending), with the set's root. Reads the power index only up to the set size.
 *
 * The set's total power stays within MAX_TOTAL_POWER (createValidatorSet would throw, and every node
 * would fail the block): the messages that bring tokens into staking keep the staked total within
 * it (assertValidStakeIncrease), and should a set still reach it, the set ends before the first
 * validator that would take it over (a prefix of the order, never a throw; with none left, the
 * epoch end keeps the previous set).
 */
export function computeNextValidatorSet(store: ReadonlyKVStore, params: StakingParams = getStakingParams(store)): ComputedValidatorSet {
  const chosen: { v: StakingValidator; power: bigint }[] = [];
  let total = 0n;
  for (const [k] of store.iterate(POWER_INDEX_PREFIX)) {
    if (chosen.length >= params.maxValidators) break;
    const tokens = tokensOfPowerIndexKey(k);
    if (tokens < params.powerReduction) break;
    const v = getValidator(store, k.slice(33, 53));
    if (!v || v.jailed || v.tombstoned) continue; // the index holds neither; defensive
    const power = v.tokens / params.powerReduction;
    if (total + power > MAX_TOTAL_POWER) break; // unreachable while assertValidStakeIncrease holds; never throw at epoch end
    total += power;
    chosen.push({ v, power });
  }
  return buildSet(chosen);
}

function encodeRecord(r: EpochValidatorSet): Uint8Array {
  return aegis.staking.v1.ValidatorSetRecord.encode({
    epoch: r.epoch,
    start_height: r.startHeight,
    computed_height: r.computedHeight,
    root: r.root,
    validators: r.validators.map((v) => ({
      operator: v.operator,
      bls_public_key: v.blsPublicKey,
      attestation_public_key: v.attestationPublicKey,
      power: v.power.toString(),
      tokens: v.tokens.toString(),
    })),
  }).finish();
}

function decodeRecord(raw: Uint8Array): EpochValidatorSet {
  const m = aegis.staking.v1.ValidatorSetRecord.decode(raw);
  const validators: ActiveValidator[] = m.validators.map((v) => {
    const bls = new Uint8Array(v.bls_public_key ?? []);
    const operator = new Uint8Array(v.operator ?? []);
    return {
      operator,
      operatorAddress: operatorBech32(operator),
      consensusAddress: computeValidatorAddress(bls),
      blsPublicKey: bls,
      attestationPublicKey: new Uint8Array(v.attestation_public_key ?? []),
      power: BigInt(v.power ?? "0"),
      tokens: BigInt(v.tokens ?? "0"),
    };
  });
  // Stored in canonical order and checked when computed: rebuild the set without re-checking keys.
  const set: ValidatorSet = {
    validators: validators.map((v) => ({ address: v.consensusAddress, blsPublicKey: v.blsPublicKey, power: v.power })),
    totalPower: validators.reduce((s, v) => s + v.power, 0n),
  };
  return {
    epoch: Number(m.epoch.toString()),
    startHeight: Number(m.start_height.toString()),
    computedHeight: Number(m.computed_height.toString()),
    validators,
    set,
    root: new Uint8Array(m.root),
  };
}

export function getLastEpoch(store: ReadonlyKVStore): number | undefined {
  const raw = store.get(LAST_EPOCH_KEY);
  return raw ? Number(decodeU64(raw)) : undefined;
}

/** The active set chosen at the end of `epoch` (epoch 0: genesis). */
export function getValidatorSetForEpoch(store: ReadonlyKVStore, epoch: number): EpochValidatorSet | undefined {
  const raw = store.get(validatorSetByEpochKey(epoch));
  return raw ? decodeRecord(raw) : undefined;
}

/** The set that signs `height`: the stored set with the greatest start height <= height. */
export function getValidatorSetForHeight(store: ReadonlyKVStore, height: number): EpochValidatorSet | undefined {
  const epoch = getEpochForHeight(store, height);
  return epoch === undefined ? undefined : getValidatorSetForEpoch(store, epoch);
}

/** The epoch whose set signs `height` (one index lookup, no set decoding), or undefined before any set. */
export function getEpochForHeight(store: ReadonlyKVStore, height: number): number | undefined {
  for (const [, v] of store.iterate(VALIDATOR_SET_BY_HEIGHT_PREFIX, { reverse: true, start: validatorSetByHeightKey(height), limit: 1 })) {
    return Number(decodeU64(v));
  }
  return undefined;
}

export interface EpochEndContext {
  /** Height of the block whose end closes the epoch (0 at genesis). */
  height: number;
  /** Block time (Unix ms). */
  time: number;
  /** Number of the epoch whose set this computes; default: last + 1 (0 when none). */
  epoch?: number;
  /** First height the new set signs; default height + 1. */
  startHeight?: number;
}

export interface EpochEndResult extends EpochValidatorSet {
  /** Operators that became BONDED. */
  joined: Uint8Array[];
  /** Operators that left the set (now UNBONDING). */
  left: Uint8Array[];
  /** True when no validator was eligible and the previous set was kept. */
  carriedOver: boolean;
}

/**
 * Called by the app at the last block of an epoch: computes the next active set, bonds its members
 * (tokens to the bonded pool), starts unbonding the validators that left it (tokens to the not-bonded
 * pool, unbonding for unbondingTimeMs), stores the set under its epoch number and start height, and
 * returns it. When no validator is eligible the previous set is kept (a chain with no signers
 * cannot go on); with no previous set (genesis) that is an error.
 */
export function processEpochEnd(store: KVStore, ctx: EpochEndContext): EpochEndResult {
  const params = getStakingParams(store);
  const last = getLastEpoch(store);
  const epoch = ctx.epoch ?? (last === undefined ? 0 : last + 1);
  if (!Number.isSafeInteger(epoch) || epoch < 0 || (last !== undefined && epoch <= last)) internal(`epoch ${epoch} does not follow epoch ${last}`);
  const startHeight = ctx.startHeight ?? ctx.height + 1;
  const prev = last === undefined ? undefined : getValidatorSetForEpoch(store, last);

  let next = computeNextValidatorSet(store, params);
  let carriedOver = false;
  if (next.set === null || next.root === null) {
    if (!prev) internal("no validator is eligible for the active set");
    next = { validators: prev.validators, set: prev.set, root: prev.root };
    carriedOver = true;
  }
  const nextOps = new Set(next.validators.map((v) => toHex(v.operator)));
  const left: Uint8Array[] = [];
  for (const pv of prev?.validators ?? []) {
    if (nextOps.has(toHex(pv.operator))) continue;
    const v = getValidator(store, pv.operator);
    if (!v || v.status !== BondStatus.BOND_STATUS_BONDED) continue;
    processBeginUnbondingValidator(store, params, v, ctx);
    left.push(pv.operator);
  }
  const joined: Uint8Array[] = [];
  for (const nv of next.validators) {
    const v = getValidator(store, nv.operator);
    if (!v || v.status === BondStatus.BOND_STATUS_BONDED) continue;
    processBondValidator(store, params, v);
    joined.push(nv.operator);
  }
  const record: EpochValidatorSet = { epoch, startHeight, computedHeight: ctx.height, validators: next.validators, set: next.set!, root: next.root! };
  store.set(validatorSetByEpochKey(epoch), encodeRecord(record));
  store.set(validatorSetByHeightKey(startHeight), encodeU64(BigInt(epoch)));
  store.set(LAST_EPOCH_KEY, encodeU64(BigInt(epoch)));
  return { ...record, joined, left, carriedOver };
}
