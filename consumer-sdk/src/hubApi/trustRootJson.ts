import type { ValidatorSet } from "../validatorSet.js";
import { isZkCircuitName, type Groth16VerificationKey } from "../zkCertificate.js";
import { BN254_SCALAR_FIELD, ZK_MAX_CAPACITY } from "../zkFinality.js";
import { encodeValidatorSetJson, decodeGroth16VerificationKeyJson, decodeValidatorSetJson, type ValidatorSetJson } from "./nodeJson.js";
import { inconsistent, malformed, readChainId, readDecimal, readInt, readObject, readString } from "./jsonCodec.js";

/**
 * What a consumer trusts about its hub, from a source its operator trusts (the hub's genesis file,
 * never a hub node's answer): the chain id, the genesis time and the set that signs height 1, the
 * epoch length (sets change only after its multiples), the unbonding period and the trusting period
 * (shorter), and optionally the succinct tier's key. The hub computes it from its genesis
 * (`computeHubTrustRoot`; the devnet writes it into each consumer node's configuration); a consumer's
 * light client starts from it.
 */
export interface HubTrustRoot {
  chainId: string;
  genesisTime: number;
  validatorSet: ValidatorSet;
  epochLength: number;
  unbondingPeriodMs: number;
  trustingPeriodMs: number;
  zk?: { verificationKeys: Record<string, Groth16VerificationKey>; capacities: Record<string, number>; genesisValidatorSetRoot: bigint };
  /**
   * Instead of `zk`: the hub's genesis names its circuit but not its key, which is set later on the
   * hub (MsgActivateZk, decision 58). A light client follows the BLS tier and adopts the key, and the
   * point the ZK tier starts from, with a state proof under a header it verified (verifyZkActivationProof).
   */
  zkActivation?: { circuit: string; capacity: number };
}

export interface HubTrustRootJson {
  chainId: string;
  /** Unix ms. */
  genesisTime: number;
  validators: ValidatorSetJson;
  epochLength: number;
  unbondingPeriodMs: number;
  trustingPeriodMs: number;
  zk?: { circuit: string; capacity: number; verificationKey: Groth16VerificationKey; genesisValidatorSetRoot: string };
  zkActivation?: { circuit: string; capacity: number };
}

export function encodeHubTrustRootJson(t: HubTrustRoot): HubTrustRootJson {
  const json: HubTrustRootJson = {
    chainId: t.chainId,
    genesisTime: t.genesisTime,
    validators: encodeValidatorSetJson(t.validatorSet, new Map()),
    epochLength: t.epochLength,
    unbondingPeriodMs: t.unbondingPeriodMs,
    trustingPeriodMs: t.trustingPeriodMs,
  };
  if (t.zk) {
    const [circuit, verificationKey] = Object.entries(t.zk.verificationKeys)[0]!;
    json.zk = { circuit, capacity: t.zk.capacities[circuit]!, verificationKey, genesisValidatorSetRoot: t.zk.genesisValidatorSetRoot.toString() };
  }
  if (t.zkActivation) json.zkActivation = { circuit: t.zkActivation.circuit, capacity: t.zkActivation.capacity };
  return json;
}

/** Shapes, and the trusting period shorter than the unbonding period (HUB_API_ERROR_INCONSISTENT otherwise). */
export function decodeHubTrustRootJson(json: unknown, path = "$"): HubTrustRoot {
  const t = readObject(json, path, ["chainId", "genesisTime", "validators", "epochLength", "unbondingPeriodMs", "trustingPeriodMs"], ["zk", "zkActivation"]);
  const trust: HubTrustRoot = {
    chainId: readChainId(t.chainId, `${path}.chainId`),
    genesisTime: readInt(t.genesisTime, `${path}.genesisTime`, 0),
    validatorSet: decodeValidatorSetJson(t.validators, `${path}.validators`).validatorSet,
    epochLength: readInt(t.epochLength, `${path}.epochLength`, 1),
    unbondingPeriodMs: readInt(t.unbondingPeriodMs, `${path}.unbondingPeriodMs`, 1),
    trustingPeriodMs: readInt(t.trustingPeriodMs, `${path}.trustingPeriodMs`, 1),
  };
  if (trust.trustingPeriodMs >= trust.unbondingPeriodMs) throw inconsistent(`${path}.trustingPeriodMs`, "must be shorter than the unbonding period");
  if (t.zk !== undefined) {
    const z = readObject(t.zk, `${path}.zk`, ["circuit", "capacity", "verificationKey", "genesisValidatorSetRoot"]);
    const circuit = readString(z.circuit, `${path}.zk.circuit`, 64, 1);
    // A field element in the API's decimal form (no leading zeros: one string per root).
    const root = readDecimal(z.genesisValidatorSetRoot, `${path}.zk.genesisValidatorSetRoot`, BN254_SCALAR_FIELD - 1n);
    trust.zk = {
      verificationKeys: { [circuit]: decodeGroth16VerificationKeyJson(z.verificationKey, `${path}.zk.verificationKey`) },
      capacities: { [circuit]: readInt(z.capacity, `${path}.zk.capacity`, 1) },
      genesisValidatorSetRoot: root,
    };
  }
  if (t.zkActivation !== undefined) {
    if (t.zk !== undefined) throw inconsistent(`${path}.zkActivation`, "either zk (the genesis key) or zkActivation (a key set later), not both");
    const z = readObject(t.zkActivation, `${path}.zkActivation`, ["circuit", "capacity"]);
    const circuit = readString(z.circuit, `${path}.zkActivation.circuit`, 64, 1);
    if (!isZkCircuitName(circuit)) throw malformed(`${path}.zkActivation.circuit`, "not a circuit name (1-64 of a-z 0-9 _ -)");
    const capacity = readInt(z.capacity, `${path}.zkActivation.capacity`, 1, ZK_MAX_CAPACITY);
    if ((capacity & (capacity - 1)) !== 0) throw malformed(`${path}.zkActivation.capacity`, "not a power of two");
    trust.zkActivation = { circuit, capacity };
  }
  return trust;
}
