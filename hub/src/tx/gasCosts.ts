/**
 * Default Cosmos SDK gas costs, in gas units.
 * x/auth/types/params.go DefaultParams and store/types/gas.go KVGasConfig.
 */

/** x/auth TxSizeCostPerByte: charged on the raw tx size before any message runs ("txSize"). */
export const TX_SIZE_COST_PER_BYTE = 10n;
/** x/auth SigVerifyCostSecp256k1, per secp256k1 signature ("ante verify: secp256k1"). */
export const SIG_VERIFY_COST_SECP256K1 = 1000n;
/** x/auth SigVerifyCostED25519 (for reference; the hub accepts only secp256k1 account keys). */
export const SIG_VERIFY_COST_ED25519 = 590n;

/** KVGasConfig of store/types/gas.go (persistent KV stores). */
export interface KvGasConfig {
  readonly hasCost: bigint;
  readonly deleteCost: bigint;
  readonly readCostFlat: bigint;
  readonly readCostPerByte: bigint;
  readonly writeCostFlat: bigint;
  readonly writeCostPerByte: bigint;
  readonly iterNextCostFlat: bigint;
}

export const KV_GAS_CONFIG: KvGasConfig = Object.freeze({
  hasCost: 1000n,
  deleteCost: 1000n,
  readCostFlat: 1000n,
  readCostPerByte: 3n,
  writeCostFlat: 2000n,
  writeCostPerByte: 30n,
  iterNextCostFlat: 30n,
});

/** Descriptors the SDK's gas KV store passes to ConsumeGas. */
export const GAS_DESCRIPTORS = Object.freeze({
  txSize: "txSize",
  sigVerifySecp256k1: "ante verify: secp256k1",
  readFlat: "ReadFlat",
  readPerByte: "ReadPerByte",
  writeFlat: "WriteFlat",
  writePerByte: "WritePerByte",
  has: "Has",
  delete: "Delete",
  iterNextFlat: "IterNextFlat",
  valuePerByte: "ValuePerByte",
});
