import { AegisError } from "@aegis/consumer-sdk";

export interface Coin {
  denom: string;
  amount: bigint;
}

/** Cosmos SDK denom rule. */
export const DENOM_RE = /^[a-zA-Z][a-zA-Z0-9/:._-]{2,127}$/;
/** Amounts are bounded like the Cosmos SDK's sdk.Int (256 bits). */
export const MAX_AMOUNT = (1n << 256n) - 1n;

export type CoinErrorType = { code: "COIN_ERROR_INVALID"; reason: string };
export class CoinError extends AegisError<CoinErrorType> {}

/** Parses "123" into a non-negative bounded bigint. */
export function parseAmount(s: string): bigint {
  if (!/^[0-9]{1,78}$/.test(s)) throw new CoinError({ code: "COIN_ERROR_INVALID", reason: `invalid amount ${JSON.stringify(s.slice(0, 80))}` });
  const n = BigInt(s);
  if (n > MAX_AMOUNT) throw new CoinError({ code: "COIN_ERROR_INVALID", reason: "amount out of range" });
  return n;
}

/** Checks and normalizes a coin list: valid denoms, positive amounts, no duplicates; sorted by denom. */
export function normalizeCoins(coins: readonly { denom: string; amount: string | bigint }[], opts: { allowZero?: boolean } = {}): Coin[] {
  const seen = new Set<string>();
  const out: Coin[] = [];
  for (const c of coins) {
    if (!DENOM_RE.test(c.denom)) throw new CoinError({ code: "COIN_ERROR_INVALID", reason: `invalid denom ${JSON.stringify(c.denom.slice(0, 130))}` });
    if (seen.has(c.denom)) throw new CoinError({ code: "COIN_ERROR_INVALID", reason: `duplicate denom ${c.denom}` });
    seen.add(c.denom);
    const amount = typeof c.amount === "bigint" ? c.amount : parseAmount(c.amount);
    if (amount < 0n || amount > MAX_AMOUNT) throw new CoinError({ code: "COIN_ERROR_INVALID", reason: "amount out of range" });
    if (amount === 0n && !opts.allowZero) throw new CoinError({ code: "COIN_ERROR_INVALID", reason: `zero amount of ${c.denom}` });
    out.push({ denom: c.denom, amount });
  }
  return out.sort((a, b) => (a.denom < b.denom ? -1 : a.denom > b.denom ? 1 : 0));
}

export function formatCoins(coins: readonly Coin[]): string {
  return coins.map((c) => `${c.amount}${c.denom}`).join(",");
}
