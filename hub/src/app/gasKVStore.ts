import type { KVStore } from "../state/index.js";
import { consumeKvDeleteGas, consumeKvHasGas, consumeKvIterNextGas, consumeKvReadGas, consumeKvWriteGas, type GasMeter } from "../tx/index.js";

/** A KVStore that charges gas for every access, as the Cosmos SDK's gaskv store does. */
export class GasKVStore implements KVStore {
  constructor(
    private readonly inner: KVStore,
    private readonly meter: GasMeter,
  ) {}

  get(key: Uint8Array): Uint8Array | undefined {
    const v = this.inner.get(key);
    consumeKvReadGas(this.meter, key.length, v?.length ?? 0);
    return v;
  }
  has(key: Uint8Array): boolean {
    consumeKvHasGas(this.meter);
    return this.inner.has(key);
  }
  set(key: Uint8Array, value: Uint8Array): void {
    consumeKvWriteGas(this.meter, key.length, value.length);
    this.inner.set(key, value);
  }
  delete(key: Uint8Array): void {
    consumeKvDeleteGas(this.meter);
    this.inner.delete(key);
  }
  *iterate(prefix: Uint8Array, opts?: Parameters<KVStore["iterate"]>[1]): IterableIterator<[Uint8Array, Uint8Array]> {
    for (const [k, v] of this.inner.iterate(prefix, opts)) {
      consumeKvIterNextGas(this.meter, k.length, v.length);
      yield [k, v];
    }
  }
}
