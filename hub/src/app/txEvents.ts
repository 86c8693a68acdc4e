import type { Coin } from "../tx/index.js";

/** An ABCI event as cosmjs reads it from `tx_result.events`. */
export interface TxEvent {
  type: string;
  attributes: { key: string; value: string }[];
}

export function formatCoins(coins: readonly Coin[]): string {
  return coins.map((c) => `${c.amount}${c.denom}`).join(",");
}
