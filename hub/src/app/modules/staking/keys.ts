import { concatBytes } from "@aegis/consumer-sdk";
import { encodeU64 } from "../../storeKeys.js";

/**
 * Key layout of the staking module (prefixes 0x20–0x2f). Addresses are 20 bytes, times are Unix
 * milliseconds as u64 big-endian (so a prefix iteration walks a queue in time order), token amounts
 * in the power index are 32 bytes big-endian.
 */
export const StakingKeyPrefix = {
  /** 0x20 -> aegis.staking.v1.Params */
  Params: 0x20,
  /** 0x21 | operator(20) -> cosmos.staking.v1beta1.Validator */
  Validator: 0x21,
  /** 0x22 | operator(20) -> aegis.staking.v1.ValidatorExtra (attestation key, tombstoned) */
  ValidatorExtra: 0x22,
  /** 0x23 | consensus address(20) = sha256(bls key)[0..20] -> operator(20) (BLS key uniqueness, evidence lookup) */
  ValidatorByConsensusAddress: 0x23,
  /** 0x24 | attestation key(32) -> operator(20) */
  ValidatorByAttestationKey: 0x24,
  /** 0x25 | (2^256-1 - tokens)(32) | operator(20) -> 0x01: not-jailed validators with tokens, by tokens descending */
  ValidatorsByPower: 0x25,
  /** 0x26 | delegator(20) | operator(20) -> cosmos.staking.v1beta1.Delegation */
  Delegation: 0x26,
  /** 0x27 | delegator(20) | operator(20) -> cosmos.staking.v1beta1.UnbondingDelegation */
  UnbondingDelegation: 0x27,
  /** 0x28 | operator(20) | delegator(20) -> 0x01 (unbonding delegations of a validator, for slashing) */
  UnbondingDelegationByValidator: 0x28,
  /** 0x29 | completion time(8) | delegator(20) | operator(20) -> 0x01 (unbonding queue) */
  UnbondingQueue: 0x29,
  /** 0x2a | delegator(20) | src(20) | dst(20) -> cosmos.staking.v1beta1.Redelegation */
  Redelegation: 0x2a,
  /** 0x2b | src(20) | delegator(20) | dst(20) -> 0x01 (redelegations from a validator, for slashing) */
  RedelegationBySrc: 0x2b,
  /** 0x2c | delegator(20) | dst(20) | src(20) -> 0x01 (receiving redelegations: the transitive rule) */
  RedelegationByDst: 0x2c,
  /** 0x2d | completion time(8) | delegator(20) | src(20) | dst(20) -> 0x01 (redelegation queue) */
  RedelegationQueue: 0x2d,
  /**
   * 0x2e 0x00 | epoch(8) -> aegis.staking.v1.ValidatorSetRecord;
   * 0x2e 0x01 | start height(8) -> epoch(8) (which set signs height h: last start height <= h)
   */
  ValidatorSet: 0x2e,
  /**
   * 0x2f 0x01 -> last epoch (u64); 0x2f 0x02 -> next unbonding id (u64);
   * 0x2f 0x03 | unbonding time(8) | operator(20) -> 0x01 (validators leaving the set: unbonding queue)
   */
  Misc: 0x2f,
} as const;

export const INDEX_MARKER = Uint8Array.of(1);

const p = (b: number) => Uint8Array.of(b);

export const PARAMS_KEY = p(StakingKeyPrefix.Params);
export const LAST_EPOCH_KEY = Uint8Array.of(StakingKeyPrefix.Misc, 0x01);
export const NEXT_UNBONDING_ID_KEY = Uint8Array.of(StakingKeyPrefix.Misc, 0x02);
export const VALIDATOR_QUEUE_PREFIX = Uint8Array.of(StakingKeyPrefix.Misc, 0x03);
export const VALIDATOR_SET_BY_EPOCH_PREFIX = Uint8Array.of(StakingKeyPrefix.ValidatorSet, 0x00);
export const VALIDATOR_SET_BY_HEIGHT_PREFIX = Uint8Array.of(StakingKeyPrefix.ValidatorSet, 0x01);

export const VALIDATOR_PREFIX = p(StakingKeyPrefix.Validator);
export const POWER_INDEX_PREFIX = p(StakingKeyPrefix.ValidatorsByPower);
export const UNBONDING_QUEUE_PREFIX = p(StakingKeyPrefix.UnbondingQueue);
export const REDELEGATION_QUEUE_PREFIX = p(StakingKeyPrefix.RedelegationQueue);
export const DELEGATION_PREFIX = p(StakingKeyPrefix.Delegation);
export const UNBONDING_DELEGATION_PREFIX = p(StakingKeyPrefix.UnbondingDelegation);
export const REDELEGATION_PREFIX = p(StakingKeyPrefix.Redelegation);

export function validatorKey(operator: Uint8Array): Uint8Array {
  return concatBytes(p(StakingKeyPrefix.Validator), operator);
}
export function validatorExtraKey(operator: Uint8Array): Uint8Array {
  return concatBytes(p(StakingKeyPrefix.ValidatorExtra), operator);
}
export function validatorByConsensusAddressKey(consensusAddress: Uint8Array): Uint8Array {
  return concatBytes(p(StakingKeyPrefix.ValidatorByConsensusAddress), consensusAddress);
}
export function validatorByAttestationKeyKey(attestationKey: Uint8Array): Uint8Array {
  return concatBytes(p(StakingKeyPrefix.ValidatorByAttestationKey), attestationKey);
}

const U256_MAX = (1n << 256n) - 1n;
function u256(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  let v = n;
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** Ascending iteration gives tokens descending, then operator ascending. */
export function powerIndexKey(tokens: bigint, operator: Uint8Array): Uint8Array {
  const t = tokens > U256_MAX ? U256_MAX : tokens;
  return concatBytes(p(StakingKeyPrefix.ValidatorsByPower), u256(U256_MAX - t), operator);
}
export function tokensOfPowerIndexKey(key: Uint8Array): bigint {
  let v = 0n;
  for (let i = 1; i < 33; i++) v = (v << 8n) | BigInt(key[i]!);
  return U256_MAX - v;
}

export function delegationPrefix(delegator: Uint8Array): Uint8Array {
  return concatBytes(p(StakingKeyPrefix.Delegation), delegator);
}
export function delegationKey(delegator: Uint8Array, operator: Uint8Array): Uint8Array {
  return concatBytes(p(StakingKeyPrefix.Delegation), delegator, operator);
}

export function unbondingDelegationPrefix(delegator: Uint8Array): Uint8Array {
  return concatBytes(p(StakingKeyPrefix.UnbondingDelegation), delegator);
}
export function unbondingDelegationKey(delegator: Uint8Array, operator: Uint8Array): Uint8Array {
  return concatBytes(p(StakingKeyPrefix.UnbondingDelegation), delegator, operator);
}
export function unbondingByValidatorPrefix(operator: Uint8Array): Uint8Array {
  return concatBytes(p(StakingKeyPrefix.UnbondingDelegationByValidator), operator);
}
export function unbondingByValidatorKey(operator: Uint8Array, delegator: Uint8Array): Uint8Array {
  return concatBytes(p(StakingKeyPrefix.UnbondingDelegationByValidator), operator, delegator);
}
export function unbondingQueueKey(timeMs: number, delegator: Uint8Array, operator: Uint8Array): Uint8Array {
  return concatBytes(p(StakingKeyPrefix.UnbondingQueue), encodeU64(BigInt(timeMs)), delegator, operator);
}

export function redelegationKey(delegator: Uint8Array, src: Uint8Array, dst: Uint8Array): Uint8Array {
  return concatBytes(p(StakingKeyPrefix.Redelegation), delegator, src, dst);
}
export function redelegationBySrcPrefix(src: Uint8Array): Uint8Array {
  return concatBytes(p(StakingKeyPrefix.RedelegationBySrc), src);
}
export function redelegationBySrcKey(src: Uint8Array, delegator: Uint8Array, dst: Uint8Array): Uint8Array {
  return concatBytes(p(StakingKeyPrefix.RedelegationBySrc), src, delegator, dst);
}
export function redelegationByDstPrefix(delegator: Uint8Array, dst: Uint8Array): Uint8Array {
  return concatBytes(p(StakingKeyPrefix.RedelegationByDst), delegator, dst);
}
export function redelegationByDstKey(delegator: Uint8Array, dst: Uint8Array, src: Uint8Array): Uint8Array {
  return concatBytes(p(StakingKeyPrefix.RedelegationByDst), delegator, dst, src);
}
export function redelegationQueueKey(timeMs: number, delegator: Uint8Array, src: Uint8Array, dst: Uint8Array): Uint8Array {
  return concatBytes(p(StakingKeyPrefix.RedelegationQueue), encodeU64(BigInt(timeMs)), delegator, src, dst);
}

export function validatorQueueKey(timeMs: number, operator: Uint8Array): Uint8Array {
  return concatBytes(VALIDATOR_QUEUE_PREFIX, encodeU64(BigInt(timeMs)), operator);
}

export function validatorSetByEpochKey(epoch: number): Uint8Array {
  return concatBytes(VALIDATOR_SET_BY_EPOCH_PREFIX, encodeU64(BigInt(epoch)));
}
export function validatorSetByHeightKey(height: number): Uint8Array {
  return concatBytes(VALIDATOR_SET_BY_HEIGHT_PREFIX, encodeU64(BigInt(height)));
}
