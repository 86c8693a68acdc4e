import { GAS_DESCRIPTORS, KV_GAS_CONFIG, type KvGasConfig } from "./gasCosts.js";
import type { GasMeter } from "./gasMeter.js";

/*
 * Gas of KV store operations, charged exactly as the Cosmos SDK gas KV store (store/gaskv/store.go)
 * charges them, for the state layer to call around its reads and writes.
 */

/** Gas of a KV read, as the SDK's gaskv.Store.Get: flat + per byte of key + per byte of value. */
export function consumeKvReadGas(
  meter: GasMeter,
  keyLength: number,
  valueLength: number,
  config: KvGasConfig = KV_GAS_CONFIG,
): void {
  meter.consume(config.readCostFlat, GAS_DESCRIPTORS.readFlat);
  meter.consume(config.readCostPerByte * BigInt(keyLength), GAS_DESCRIPTORS.readPerByte);
  meter.consume(config.readCostPerByte * BigInt(valueLength), GAS_DESCRIPTORS.readPerByte);
}

/** Gas of a KV write, as gaskv.Store.Set: flat + per byte of key + per byte of value. */
export function consumeKvWriteGas(
  meter: GasMeter,
  keyLength: number,
  valueLength: number,
  config: KvGasConfig = KV_GAS_CONFIG,
): void {
  meter.consume(config.writeCostFlat, GAS_DESCRIPTORS.writeFlat);
  meter.consume(config.writeCostPerByte * BigInt(keyLength), GAS_DESCRIPTORS.writePerByte);
  meter.consume(config.writeCostPerByte * BigInt(valueLength), GAS_DESCRIPTORS.writePerByte);
}

/** Gas of gaskv.Store.Has. */
export function consumeKvHasGas(meter: GasMeter, config: KvGasConfig = KV_GAS_CONFIG): void {
  meter.consume(config.hasCost, GAS_DESCRIPTORS.has);
}

/** Gas of gaskv.Store.Delete. */
export function consumeKvDeleteGas(meter: GasMeter, config: KvGasConfig = KV_GAS_CONFIG): void {
  meter.consume(config.deleteCost, GAS_DESCRIPTORS.delete);
}

/** Gas of one iterator step over a valid entry: per byte of key + value, then the flat step cost. */
export function consumeKvIterNextGas(
  meter: GasMeter,
  keyLength: number,
  valueLength: number,
  config: KvGasConfig = KV_GAS_CONFIG,
): void {
  meter.consume(config.readCostPerByte * BigInt(keyLength), GAS_DESCRIPTORS.valuePerByte);
  meter.consume(config.readCostPerByte * BigInt(valueLength), GAS_DESCRIPTORS.valuePerByte);
  meter.consume(config.iterNextCostFlat, GAS_DESCRIPTORS.iterNextFlat);
}
