import type { DecCoin } from "cosmjs-types/cosmos/base/v1beta1/coin";
import type { Coin } from "../../../tx/index.js";
import { DEC_ONE } from "../staking/dec.js";

/** DecCoins on bigint: sorted by denom, no zero or negative amounts; amounts are Dec atomics (10^18). */
export type DecCoins = readonly { denom: string; amount: bigint }[];

function normalize(m: Map<string, bigint>): DecCoins {
  return [...m.entries()].filter(([, a]) => a !== 0n).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([denom, amount]) => ({ denom, amount }));
}

function toMap(a: DecCoins): Map<string, bigint> {
  return new Map(a.map((c) => [c.denom, c.amount]));
}

export function decCoinsAdd(a: DecCoins, b: DecCoins): DecCoins {
  const m = toMap(a);
  for (const c of b) m.set(c.denom, (m.get(c.denom) ?? 0n) + c.amount);
  return normalize(m);
}

/** a - b; throws on a negative result (an accounting bug: the caller's branch is discarded). */
export function decCoinsSub(a: DecCoins, b: DecCoins): DecCoins {
  const m = toMap(a);
  for (const c of b) m.set(c.denom, (m.get(c.denom) ?? 0n) - c.amount);
  for (const [d, v] of m) if (v < 0n) throw new RangeError(`negative DecCoins result for ${d}`);
  return normalize(m);
}

/** Per denom min(a, b) (SDK DecCoins.Intersect). */
export function decCoinsMin(a: DecCoins, b: DecCoins): DecCoins {
  const mb = toMap(b);
  const m = new Map<string, bigint>();
  for (const c of a) {
    const o = mb.get(c.denom) ?? 0n;
    m.set(c.denom, c.amount < o ? c.amount : o);
  }
  return normalize(m);
}

/** Each amount × dec, truncated (SDK MulDecTruncate). */
export function decCoinsMulDecTruncate(a: DecCoins, dec: bigint): DecCoins {
  return normalize(new Map(a.map((c) => [c.denom, (c.amount * dec) / DEC_ONE])));
}

/** Each amount × dec, rounded half to even (SDK MulDec). */
export function decCoinsMulDec(a: DecCoins, dec: bigint): DecCoins {
  return normalize(
    new Map(
      a.map((c) => {
        const x = c.amount * dec;
        const q = x / DEC_ONE;
        const r = x % DEC_ONE;
        const half = DEC_ONE / 2n;
        return [c.denom, r > half || (r === half && q % 2n === 1n) ? q + 1n : q];
      }),
    ),
  );
}

/** Each amount ÷ dec, truncated (SDK QuoDecTruncate). */
export function decCoinsQuoDecTruncate(a: DecCoins, dec: bigint): DecCoins {
  if (dec <= 0n) throw new RangeError("division by a non-positive Dec");
  return normalize(new Map(a.map((c) => [c.denom, (c.amount * DEC_ONE) / dec])));
}

/** Integer part and the decimal remainder (SDK TruncateDecimal). */
export function decCoinsTruncate(a: DecCoins): { coins: Coin[]; remainder: DecCoins } {
  const coins: Coin[] = [];
  const rem = new Map<string, bigint>();
  for (const c of a) {
    const i = c.amount / DEC_ONE;
    if (i > 0n) coins.push({ denom: c.denom, amount: i });
    rem.set(c.denom, c.amount - i * DEC_ONE);
  }
  return { coins, remainder: normalize(rem) };
}

export function decCoinsFromCoins(coins: readonly Coin[]): DecCoins {
  return normalize(new Map(coins.map((c) => [c.denom, c.amount * DEC_ONE])));
}

export function decCoinsFromProto(list: readonly DecCoin[]): DecCoins {
  return normalize(new Map(list.map((c) => [c.denom, BigInt(c.amount)])));
}

export function decCoinsToProto(a: DecCoins): DecCoin[] {
  return a.map((c) => ({ denom: c.denom, amount: c.amount.toString() }));
}

export function decCoinsIsZero(a: DecCoins): boolean {
  return a.length === 0;
}

export function amountOf(a: DecCoins, denom: string): bigint {
  return a.find((c) => c.denom === denom)?.amount ?? 0n;
}
