import { TxError } from "./txError.js";

/** A coin in domain form: integer amount as bigint. */
export interface Coin {
  readonly denom: string;
  readonly amount: bigint;
}

/** Cosmos SDK default denom regex (`reDnmString`), anchored. */
export const DENOM_REGEX = /^[a-zA-Z][a-zA-Z0-9/:._-]{2,127}$/;

/** Cosmos `math.Int` bound: amounts above 2^256 - 1 are rejected. */
export const MAX_COIN_AMOUNT_BITS = 256;
const MAX_COIN_AMOUNT = (1n << BigInt(MAX_COIN_AMOUNT_BITS)) - 1n;

/** Canonical non-negative decimal: no sign, no leading zeros, no base prefix, no separators. */
const AMOUNT_RE = /^(0|[1-9][0-9]*)$/;

export function isValidDenom(denom: string): boolean {
  return typeof denom === "string" && DENOM_REGEX.test(denom);
}

/**
 * Convert wire coins (`{ denom, amount: string }`) to domain coins, rejecting invalid denoms,
 * negative or non-canonical amounts ("-1", "+1", "01", "0x10", "1e3", ""), amounts over 256 bits
 * and repeated denoms. Zero amounts are allowed (a zero fee is legal); callers that need strictly
 * positive coins check that themselves. Throws TX_ERROR_INVALID_COINS (ErrInvalidCoins).
 */
export function parseCoins(coins: readonly { readonly denom: string; readonly amount: string }[], field: string): Coin[] {
  const fail = (reason: string): never => {
    throw new TxError({ code: "TX_ERROR_INVALID_COINS", field, reason });
  };
  const out: Coin[] = [];
  const seen = new Set<string>();
  coins.forEach((c, i) => {
    if (!isValidDenom(c.denom)) fail(`coin ${i}: invalid denom ${JSON.stringify(c.denom)}`);
    if (typeof c.amount !== "string" || !AMOUNT_RE.test(c.amount)) {
      const negative = typeof c.amount === "string" && c.amount.startsWith("-");
      fail(`coin ${i}: ${negative ? "negative" : "invalid"} amount ${JSON.stringify(c.amount)}${c.denom}`);
    }
    if (c.amount.length > 78) fail(`coin ${i}: amount exceeds ${MAX_COIN_AMOUNT_BITS} bits`);
    const amount = BigInt(c.amount);
    if (amount > MAX_COIN_AMOUNT) fail(`coin ${i}: amount exceeds ${MAX_COIN_AMOUNT_BITS} bits`);
    if (seen.has(c.denom)) fail(`duplicate denomination ${c.denom}`);
    seen.add(c.denom);
    out.push({ denom: c.denom, amount });
  });
  return out;
}
