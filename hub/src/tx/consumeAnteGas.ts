import type { DecodedTx } from "./decodeTx.js";
import { GAS_DESCRIPTORS, SIG_VERIFY_COST_SECP256K1, TX_SIZE_COST_PER_BYTE } from "./gasCosts.js";
import type { GasMeter } from "./gasMeter.js";

export interface AnteGasParams {
  readonly txSizeCostPerByte: bigint;
  readonly sigVerifyCostSecp256k1: bigint;
}

export const DEFAULT_ANTE_GAS_PARAMS: AnteGasParams = Object.freeze({
  txSizeCostPerByte: TX_SIZE_COST_PER_BYTE,
  sigVerifyCostSecp256k1: SIG_VERIFY_COST_SECP256K1,
});

/**
 * Charge what the SDK's ante handler charges before messages run: TxSizeCostPerByte × tx size
 * ("txSize"), then SigVerifyCostSecp256k1 per signature ("ante verify: secp256k1"). Throws
 * TX_ERROR_OUT_OF_GAS like the meter.
 */
export function consumeAnteGas(
  meter: GasMeter,
  tx: Pick<DecodedTx, "size" | "signatures">,
  params: AnteGasParams = DEFAULT_ANTE_GAS_PARAMS,
): void {
  meter.consume(params.txSizeCostPerByte * BigInt(tx.size), GAS_DESCRIPTORS.txSize);
  for (let i = 0; i < tx.signatures.length; i++) {
    meter.consume(params.sigVerifyCostSecp256k1, GAS_DESCRIPTORS.sigVerifySecp256k1);
  }
}
