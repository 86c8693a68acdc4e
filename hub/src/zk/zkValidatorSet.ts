import { computeZkValidatorSetRoot, type ZkValidatorSlot } from "@aegis/consumer-sdk";
import { getAttestationPoint } from "../attestation/index.js";

/**
 * The ZK view of an epoch's active set: one slot per validator in consensus order (slot i is
 * validator index i, so the certificate's signer bitmap and the BLS bitmap name the same validators),
 * with the validator's attestation key and power. Throws
 * AttestationError for a key that is not a valid attestation key (staking refuses those at
 * create-validator, so a stored set never has one) and ZkError for a set the circuit cannot hold
 * (more validators than `capacity`, a key in two slots, a power of 2^64 or more).
 */
export function computeZkValidatorSlots(validators: readonly { attestationPublicKey: Uint8Array; power: bigint }[]): ZkValidatorSlot[] {
  return validators.map((v) => ({ ...getAttestationPoint(v.attestationPublicKey), power: v.power }));
}

/** The Poseidon root of an epoch's set for a circuit of `capacity` slots: what attestations and certificates name. */
export function computeZkValidatorSetRootOf(validators: readonly { attestationPublicKey: Uint8Array; power: bigint }[], capacity: number): bigint {
  return computeZkValidatorSetRoot(computeZkValidatorSlots(validators), capacity);
}

/**
 * computeZkValidatorSetRootOf of epoch sets, computed once per epoch number (a stored epoch's set never
 * changes): what the zk module and fork evidence check certificates against.
 */
export function createEpochZkRootCache(capacity: number): (set: { epoch: number; validators: readonly { attestationPublicKey: Uint8Array; power: bigint }[] }) => bigint {
  const roots = new Map<number, bigint>();
  return (set) => {
    let root = roots.get(set.epoch);
    if (root === undefined) {
      root = computeZkValidatorSetRootOf(set.validators, capacity);
      roots.set(set.epoch, root);
    }
    return root;
  };
}
