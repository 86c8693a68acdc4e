import { aegis } from "@aegis/proto";
import { computeValidatorAddress } from "@aegis/consumer-sdk";
import type { Timestamp } from "cosmjs-types/google/protobuf/timestamp";
import {
  BondStatus,
  Delegation as CosmosDelegation,
  Redelegation as CosmosRedelegation,
  UnbondingDelegation as CosmosUnbondingDelegation,
  Validator as CosmosValidator,
  type Description,
} from "cosmjs-types/cosmos/staking/v1beta1/staking";
import type { KVStore, ReadonlyKVStore } from "../../../state/index.js";
import { ACCOUNT_ADDRESS_PREFIX, toBech32, VALIDATOR_OPERATOR_ADDRESS_PREFIX } from "../../../tx/index.js";
import { decodeU64, encodeU64 } from "../../storeKeys.js";
import {
  delegationKey,
  NEXT_UNBONDING_ID_KEY,
  powerIndexKey,
  redelegationKey,
  unbondingDelegationKey,
  validatorByAttestationKeyKey,
  validatorByConsensusAddressKey,
  validatorExtraKey,
  validatorKey,
} from "./keys.js";

export { BondStatus };

/** Type URL of the BLS key in a stored Validator's consensus_pubkey. */
export const BLS_PUBLIC_KEY_TYPE_URL = "/aegis.staking.v1.BlsPublicKey";

/** A validator in domain form (amounts as bigint, Dec fields as atomics, times in Unix ms). */
export interface StakingValidator {
  /** Operator address bytes (20): the operator account's address. */
  operator: Uint8Array;
  /** aegisvaloper… */
  operatorAddress: string;
  blsPublicKey: Uint8Array;
  /** sha256(blsPublicKey)[0..20]: the address in consumer-sdk validator sets. */
  consensusAddress: Uint8Array;
  attestationPublicKey: Uint8Array;
  jailed: boolean;
  tombstoned: boolean;
  status: BondStatus;
  tokens: bigint;
  /** Dec atomics. */
  delegatorShares: bigint;
  description: Description;
  unbondingHeight: bigint;
  unbondingTimeMs: number;
  commission: { rate: bigint; maxRate: bigint; maxChangeRate: bigint; updateTimeMs: number };
  minSelfDelegation: bigint;
}

export interface StakingDelegation {
  delegator: Uint8Array;
  operator: Uint8Array;
  /** Dec atomics. */
  shares: bigint;
}

export function msToTimestamp(ms: number): Timestamp {
  const seconds = Math.floor(ms / 1000);
  return { seconds: BigInt(seconds), nanos: (ms - seconds * 1000) * 1_000_000 };
}

export function timestampToMs(t: Timestamp | undefined): number {
  if (!t) return 0;
  return Number(t.seconds) * 1000 + Math.floor(t.nanos / 1_000_000);
}

/** RFC 3339 without fractional seconds when there are none (Go's time.RFC3339 in SDK events). */
export function formatTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith(".000Z") ? `${iso.slice(0, -5)}Z` : iso;
}

export function accountBech32(address: Uint8Array): string {
  return toBech32(ACCOUNT_ADDRESS_PREFIX, address);
}

export function operatorBech32(operator: Uint8Array): string {
  return toBech32(VALIDATOR_OPERATOR_ADDRESS_PREFIX, operator);
}

// ---------------------------------------------------------------------------------------------------
// Validators

function encodeBlsAny(key: Uint8Array): { typeUrl: string; value: Uint8Array } {
  return { typeUrl: BLS_PUBLIC_KEY_TYPE_URL, value: aegis.staking.v1.BlsPublicKey.encode({ key }).finish() };
}

export function toCosmosValidator(v: StakingValidator): CosmosValidator {
  return {
    operatorAddress: v.operatorAddress,
    consensusPubkey: encodeBlsAny(v.blsPublicKey),
    jailed: v.jailed,
    status: v.status,
    tokens: v.tokens.toString(),
    delegatorShares: v.delegatorShares.toString(),
    description: v.description,
    unbondingHeight: v.unbondingHeight,
    unbondingTime: msToTimestamp(v.unbondingTimeMs),
    commission: {
      commissionRates: { rate: v.commission.rate.toString(), maxRate: v.commission.maxRate.toString(), maxChangeRate: v.commission.maxChangeRate.toString() },
      updateTime: msToTimestamp(v.commission.updateTimeMs),
    },
    minSelfDelegation: v.minSelfDelegation.toString(),
    unbondingOnHoldRefCount: 0n,
    unbondingIds: [],
  };
}

/** The stored cosmos.staking.v1beta1.Validator bytes (what the Validator query returns). */
export function getValidatorBytes(store: ReadonlyKVStore, operator: Uint8Array): Uint8Array | undefined {
  return store.get(validatorKey(operator));
}

function inPowerIndex(jailed: boolean, tokens: bigint): boolean {
  return !jailed && tokens > 0n;
}

export function decodeValidator(operator: Uint8Array, raw: Uint8Array, extraRaw: Uint8Array | undefined): StakingValidator {
  const c = CosmosValidator.decode(raw);
  const bls = c.consensusPubkey ? aegis.staking.v1.BlsPublicKey.decode(c.consensusPubkey.value).key : new Uint8Array(0);
  const extra = extraRaw ? aegis.staking.v1.ValidatorExtra.decode(extraRaw) : undefined;
  return {
    operator,
    operatorAddress: c.operatorAddress,
    blsPublicKey: new Uint8Array(bls),
    consensusAddress: computeValidatorAddress(bls),
    attestationPublicKey: new Uint8Array(extra?.attestation_public_key ?? []),
    jailed: c.jailed,
    tombstoned: extra?.tombstoned ?? false,
    status: c.status,
    tokens: BigInt(c.tokens || "0"),
    delegatorShares: BigInt(c.delegatorShares || "0"),
    description: c.description,
    unbondingHeight: c.unbondingHeight,
    unbondingTimeMs: timestampToMs(c.unbondingTime),
    commission: {
      rate: BigInt(c.commission.commissionRates.rate || "0"),
      maxRate: BigInt(c.commission.commissionRates.maxRate || "0"),
      maxChangeRate: BigInt(c.commission.commissionRates.maxChangeRate || "0"),
      updateTimeMs: timestampToMs(c.commission.updateTime),
    },
    minSelfDelegation: BigInt(c.minSelfDelegation || "0"),
  };
}

export function getValidator(store: ReadonlyKVStore, operator: Uint8Array): StakingValidator | undefined {
  const raw = store.get(validatorKey(operator));
  if (!raw) return undefined;
  return decodeValidator(operator, raw, store.get(validatorExtraKey(operator)));
}

/**
 * Writes the validator record and keeps the power index in step (the previous record's index entry,
 * read back from the store, is removed). The extra record and the key indexes are written by
 * `setValidatorExtra` / `setValidatorKeyIndexes`.
 */
export function setValidator(store: KVStore, v: StakingValidator): void {
  const key = validatorKey(v.operator);
  const prevRaw = store.get(key);
  if (prevRaw) {
    const prev = CosmosValidator.decode(prevRaw);
    const prevTokens = BigInt(prev.tokens || "0");
    if (inPowerIndex(prev.jailed, prevTokens)) store.delete(powerIndexKey(prevTokens, v.operator));
  }
  store.set(key, CosmosValidator.encode(toCosmosValidator(v)).finish());
  if (inPowerIndex(v.jailed, v.tokens)) store.set(powerIndexKey(v.tokens, v.operator), Uint8Array.of(1));
}

export function setValidatorExtra(store: KVStore, v: StakingValidator): void {
  store.set(
    validatorExtraKey(v.operator),
    aegis.staking.v1.ValidatorExtra.encode({ attestation_public_key: v.attestationPublicKey, tombstoned: v.tombstoned }).finish(),
  );
}

export function setValidatorKeyIndexes(store: KVStore, v: StakingValidator): void {
  store.set(validatorByConsensusAddressKey(v.consensusAddress), v.operator);
  store.set(validatorByAttestationKeyKey(v.attestationPublicKey), v.operator);
}

/** Operator of the validator whose BLS key hashes to `consensusAddress` (consumer-sdk Validator.address). */
export function getOperatorByConsensusAddress(store: ReadonlyKVStore, consensusAddress: Uint8Array): Uint8Array | undefined {
  return store.get(validatorByConsensusAddressKey(consensusAddress));
}

export function getValidatorByConsensusAddress(store: ReadonlyKVStore, consensusAddress: Uint8Array): StakingValidator | undefined {
  const op = getOperatorByConsensusAddress(store, consensusAddress);
  return op ? getValidator(store, op) : undefined;
}

export function getOperatorByAttestationKey(store: ReadonlyKVStore, attestationKey: Uint8Array): Uint8Array | undefined {
  return store.get(validatorByAttestationKeyKey(attestationKey));
}

// ---------------------------------------------------------------------------------------------------
// Delegations

export function getDelegation(store: ReadonlyKVStore, delegator: Uint8Array, operator: Uint8Array): StakingDelegation | undefined {
  const raw = store.get(delegationKey(delegator, operator));
  if (!raw) return undefined;
  return { delegator, operator, shares: BigInt(CosmosDelegation.decode(raw).shares || "0") };
}

export function getDelegationBytes(store: ReadonlyKVStore, delegator: Uint8Array, operator: Uint8Array): Uint8Array | undefined {
  return store.get(delegationKey(delegator, operator));
}

/** Writes the delegation; zero shares removes it. */
export function setDelegation(store: KVStore, d: StakingDelegation): void {
  const key = delegationKey(d.delegator, d.operator);
  if (d.shares === 0n) {
    store.delete(key);
    return;
  }
  store.set(
    key,
    CosmosDelegation.encode({ delegatorAddress: accountBech32(d.delegator), validatorAddress: operatorBech32(d.operator), shares: d.shares.toString() }).finish(),
  );
}

// ---------------------------------------------------------------------------------------------------
// Unbonding delegations and redelegations (kept in their cosmjs-types form)

export function getUnbondingDelegation(store: ReadonlyKVStore, delegator: Uint8Array, operator: Uint8Array): CosmosUnbondingDelegation | undefined {
  const raw = store.get(unbondingDelegationKey(delegator, operator));
  return raw ? CosmosUnbondingDelegation.decode(raw) : undefined;
}

export function getRedelegation(store: ReadonlyKVStore, delegator: Uint8Array, src: Uint8Array, dst: Uint8Array): CosmosRedelegation | undefined {
  const raw = store.get(redelegationKey(delegator, src, dst));
  return raw ? CosmosRedelegation.decode(raw) : undefined;
}

/** Hands out the next unbonding id (shared by unbonding and redelegation entries, as in the SDK). */
export function processNextUnbondingId(store: KVStore): bigint {
  const raw = store.get(NEXT_UNBONDING_ID_KEY);
  const id = raw ? decodeU64(raw) : 1n;
  store.set(NEXT_UNBONDING_ID_KEY, encodeU64(id + 1n));
  return id;
}
