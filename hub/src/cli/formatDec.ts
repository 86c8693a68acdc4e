/**
 * Cosmos `LegacyDec` values as people read them. Over protobuf (gRPC, ABCI queries) a Dec is its
 * integer "atomics", the value × 10^18 ("100000000000000000" is 0.1); its text form has 18 decimals
 * ("0.100000000000000000"). Both print as the shortest exact decimal ("0.1").
 */
export const DEC_PRECISION = 18;

const ATOMICS_RE = /^-?[0-9]+$/;
const DECIMAL_RE = /^-?[0-9]+\.[0-9]+$/;

/** The exact decimal of a Dec given as protobuf atomics ("100000000000000000" → "0.1", "0" → "0"). */
export function formatDec(atomics: string | bigint): string {
  const s = typeof atomics === "bigint" ? atomics.toString() : atomics.trim();
  if (s === "") return "0";
  if (!ATOMICS_RE.test(s)) throw new RangeError(`not a Dec's integer atomics: ${JSON.stringify(s)}`);
  const negative = s.startsWith("-");
  const digits = (negative ? s.slice(1) : s).replace(/^0+/, "").padStart(DEC_PRECISION + 1, "0");
  const whole = digits.slice(0, -DEC_PRECISION);
  const frac = digits.slice(-DEC_PRECISION).replace(/0+$/, "");
  const out = frac ? `${whole}.${frac}` : whole;
  return negative && out !== "0" ? `-${out}` : out;
}

/** A Dec's text form ("0.100000000000000000") without its trailing zeros ("0.1"). */
export function formatDecString(decimal: string): string {
  const s = decimal.trim();
  if (ATOMICS_RE.test(s)) return s.replace(/^(-?)0+(?=\d)/, "$1");
  if (!DECIMAL_RE.test(s)) throw new RangeError(`not a decimal: ${JSON.stringify(s)}`);
  const [whole, frac] = s.split(".") as [string, string];
  const f = frac.replace(/0+$/, "");
  const w = whole.replace(/^(-?)0+(?=\d)/, "$1");
  const out = f ? `${w}.${f}` : w;
  return out === "-0" ? "0" : out;
}

/** A Dec (protobuf atomics) as a percentage: "100000000000000000" → "10%", "5000000000000000" → "0.5%". */
export function formatDecPercent(atomics: string | bigint): string {
  const s = typeof atomics === "bigint" ? atomics.toString() : atomics.trim();
  if (s === "") return "0%";
  if (!ATOMICS_RE.test(s)) throw new RangeError(`not a Dec's integer atomics: ${JSON.stringify(s)}`);
  // × 100 is two fewer decimals.
  return `${formatDec(BigInt(s) * 100n)}%`;
}

/** DecCoins (rewards, commission) from protobuf: each amount as a decimal. */
export function formatDecCoins(coins: readonly { denom: string; amount: string }[]): { denom: string; amount: string }[] {
  return coins.map((c) => ({ denom: c.denom, amount: formatDec(c.amount) }));
}
