import { AegisError } from "./errors.js";
import { BLS_PUBLIC_KEY_LENGTH, isValidBlsProofOfPossession, isValidBlsPublicKey } from "./bls.js";
import { bytesEqual, toHex } from "./bytes.js";
import { CanonicalWriter } from "./canonicalWriter.js";
import { sha256 } from "./hash.js";
import { ADDRESS_LENGTH } from "./header.js";

export interface Validator {
  /** sha256(blsPublicKey)[0..20] */
  address: Uint8Array;
  blsPublicKey: Uint8Array;
  /** Voting power; > 0. */
  power: bigint;
}

/** An ordered validator set: index i in a signer bitmap means `validators[i]`. */
export interface ValidatorSet {
  readonly validators: readonly Validator[];
  readonly totalPower: bigint;
}

/** Upper bound on total power so tallies stay well inside 64-bit arithmetic in every VM (as CometBFT's MaxTotalVotingPower). */
export const MAX_TOTAL_POWER = (1n << 60n) - 1n;
const VALSET_DOMAIN = "aegis/validator-set/v1";

export type ValidatorSetErrorType =
  | { code: "VALSET_ERROR_EMPTY" }
  | { code: "VALSET_ERROR_INVALID_PUBLIC_KEY"; index: number }
  | { code: "VALSET_ERROR_INVALID_PROOF_OF_POSSESSION"; index: number }
  | { code: "VALSET_ERROR_DUPLICATE_KEY"; index: number }
  | { code: "VALSET_ERROR_INVALID_POWER"; index: number }
  | { code: "VALSET_ERROR_TOTAL_POWER_TOO_LARGE"; total: bigint };

export class ValidatorSetError extends AegisError<ValidatorSetErrorType> {}

export function computeValidatorAddress(blsPublicKey: Uint8Array): Uint8Array {
  return sha256(blsPublicKey).slice(0, ADDRESS_LENGTH);
}

export interface ValidatorInput {
  blsPublicKey: Uint8Array;
  power: bigint;
  /** BLS proof of possession for `operator`; required unless `skipProofOfPossession` (for sets already checked once). */
  proofOfPossession?: Uint8Array;
  /** The operator address (20 bytes) the proof of possession is bound to; required with it. */
  operator?: Uint8Array;
}

/**
 * Builds the canonical ordered set (power descending, then address ascending) and checks it:
 * valid keys with proofs of possession (each bound to its operator), no duplicates, positive power, bounded total.
 */
export function createValidatorSet(inputs: readonly ValidatorInput[], opts: { skipProofOfPossession?: boolean } = {}): ValidatorSet {
  if (inputs.length === 0) throw new ValidatorSetError({ code: "VALSET_ERROR_EMPTY" });
  const seen = new Set<string>();
  let total = 0n;
  const validators: Validator[] = inputs.map((v, index) => {
    if (v.blsPublicKey.length !== BLS_PUBLIC_KEY_LENGTH || !isValidBlsPublicKey(v.blsPublicKey)) {
      throw new ValidatorSetError({ code: "VALSET_ERROR_INVALID_PUBLIC_KEY", index });
    }
    if (!opts.skipProofOfPossession && !(v.proofOfPossession && v.operator && isValidBlsProofOfPossession(v.blsPublicKey, v.operator, v.proofOfPossession))) {
      throw new ValidatorSetError({ code: "VALSET_ERROR_INVALID_PROOF_OF_POSSESSION", index });
    }
    const hex = toHex(v.blsPublicKey);
    if (seen.has(hex)) throw new ValidatorSetError({ code: "VALSET_ERROR_DUPLICATE_KEY", index });
    seen.add(hex);
    if (typeof v.power !== "bigint" || v.power <= 0n) throw new ValidatorSetError({ code: "VALSET_ERROR_INVALID_POWER", index });
    total += v.power;
    return { address: computeValidatorAddress(v.blsPublicKey), blsPublicKey: v.blsPublicKey, power: v.power };
  });
  if (total > MAX_TOTAL_POWER) throw new ValidatorSetError({ code: "VALSET_ERROR_TOTAL_POWER_TOO_LARGE", total });
  validators.sort(compareValidators);
  return { validators, totalPower: total };
}

function compareValidators(a: Validator, b: Validator): number {
  if (a.power !== b.power) return a.power > b.power ? -1 : 1;
  for (let i = 0; i < ADDRESS_LENGTH; i++) {
    if (a.address[i] !== b.address[i]) return a.address[i]! - b.address[i]!;
  }
  return 0;
}

const rootCache = new WeakMap<ValidatorSet, Uint8Array>();

/**
 * Commitment to the ordered set: SHA-256 over the canonical list of (BLS key, power). Sets are
 * immutable values, so the root is computed once per set object (every block checks it).
 */
export function computeValidatorSetRoot(set: ValidatorSet): Uint8Array {
  let root = rootCache.get(set);
  if (!root) {
    const w = new CanonicalWriter().string(VALSET_DOMAIN).u32(set.validators.length, "count");
    for (const v of set.validators) w.fixed(v.blsPublicKey, BLS_PUBLIC_KEY_LENGTH, "blsPublicKey").u64(v.power, "power");
    root = sha256(w.finish());
    rootCache.set(set, root);
  }
  return root.slice();
}

export function findValidatorIndex(set: ValidatorSet, address: Uint8Array): number {
  return set.validators.findIndex((v) => bytesEqual(v.address, address));
}

/** More than two thirds of the total power: 3·power > 2·total. */
export function hasQuorum(power: bigint, totalPower: bigint): boolean {
  return 3n * power > 2n * totalPower;
}

/** More than one third of the total power: at least one honest validator is among them. */
export function hasOneThird(power: bigint, totalPower: bigint): boolean {
  return 3n * power > totalPower;
}
