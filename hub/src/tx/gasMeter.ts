import { TxError } from "./txError.js";

const MAX_UINT64 = (1n << 64n) - 1n;

/**
 * A transaction gas meter with the Cosmos SDK's semantics (`store/types/gas.go` basicGasMeter):
 * consumption is added first, then exceeding the limit throws TX_ERROR_OUT_OF_GAS (ErrOutOfGas, log
 * "out of gas in location: <descriptor>; gasWanted: <limit>, gasUsed: <consumed>: out of gas"), so
 * `consumed` may end above `limit` exactly as the SDK reports gasUsed. In-memory only; no I/O.
 */
export class GasMeter {
  readonly limit: bigint;
  #consumed = 0n;

  constructor(limit: bigint) {
    if (typeof limit !== "bigint" || limit < 0n || limit > MAX_UINT64) {
      throw new TxError({ code: "TX_ERROR_INTERNAL", reason: "gas limit must be a uint64 bigint" });
    }
    this.limit = limit;
  }

  get consumed(): bigint {
    return this.#consumed;
  }

  /** Gas left before the limit (0 once past it). */
  get remaining(): bigint {
    return this.#consumed >= this.limit ? 0n : this.limit - this.#consumed;
  }

  /** consumed > limit. */
  get isPastLimit(): boolean {
    return this.#consumed > this.limit;
  }

  /** consumed >= limit (the SDK's IsOutOfGas). */
  get isOutOfGas(): boolean {
    return this.#consumed >= this.limit;
  }

  consume(amount: bigint, descriptor: string): void {
    if (typeof amount !== "bigint" || amount < 0n) {
      throw new TxError({ code: "TX_ERROR_INTERNAL", reason: `gas amount must be a non-negative bigint (${descriptor})` });
    }
    this.#consumed += amount;
    if (this.#consumed > this.limit) {
      throw new TxError({
        code: "TX_ERROR_OUT_OF_GAS",
        descriptor,
        gasWanted: this.limit,
        gasUsed: this.#consumed,
      });
    }
  }
}
