import { fromHex, type HubTrustRoot } from "@aegis/consumer-sdk";
import { DEFAULT_EPOCH_LENGTH, type Genesis } from "../genesis.js";
import { DEFAULT_STAKING_PARAMS } from "../app/modules/staking/params.js";
import { computeZkValidatorSetRootOf } from "../zk/zkValidatorSet.js";

/**
 * The trust root a consumer's light client starts from, read from this hub's genesis (what its
 * operator trusts, not a node's answer): chain id, genesis time and set, epoch length, unbonding
 * period, a trusting period (default two thirds of the unbonding period, as CometBFT recommends), and
 * the succinct tier's key and genesis root when the chain makes ZK certificates.
 */
export function computeHubTrustRoot(genesis: Genesis, opts: { trustingPeriodMs?: number } = {}): HubTrustRoot {
  const unbondingPeriodMs = genesis.appState?.staking?.unbondingTimeMs ?? DEFAULT_STAKING_PARAMS.unbondingTimeMs;
  const trust: HubTrustRoot = {
    chainId: genesis.chainId,
    genesisTime: genesis.genesisTime,
    validatorSet: genesis.validatorSet,
    epochLength: genesis.appState?.epochLength ?? DEFAULT_EPOCH_LENGTH,
    unbondingPeriodMs,
    trustingPeriodMs: opts.trustingPeriodMs ?? Math.floor((unbondingPeriodMs * 2) / 3),
  };
  const zk = genesis.zk;
  const validators = genesis.appState?.validators;
  if (zk && !zk.verificationKey) {
    // The key is set later on the hub (MsgActivateZk): light clients adopt it from the certified state.
    trust.zkActivation = { circuit: zk.circuit, capacity: zk.capacity };
  } else if (zk && zk.verificationKey && validators) {
    // Epoch 0's set is the genesis validators in consensus order (the genesis checks they are the same set).
    const byKey = new Map(validators.map((v) => [v.blsPublicKey.toLowerCase(), v]));
    const ordered = genesis.validatorSet.validators.map((v) => {
      const g = byKey.get(Buffer.from(v.blsPublicKey).toString("hex"));
      if (!g) throw new Error("the genesis validators are not the consensus set");
      return { attestationPublicKey: fromHex(g.attestationPublicKey, "attestationPublicKey"), power: v.power };
    });
    trust.zk = {
      verificationKeys: { [zk.circuit]: zk.verificationKey },
      capacities: { [zk.circuit]: zk.capacity },
      genesisValidatorSetRoot: computeZkValidatorSetRootOf(ordered, zk.capacity),
    };
  }
  return trust;
}
