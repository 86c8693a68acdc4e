/**
 * Cosmos `LegacyDec` on bigint: a decimal is its integer "atomics" scaled by 10^18. The operations
 * round exactly as the SDK does (math/dec.go), so share and token amounts match a Cosmos chain:
 * `decMul` and `decQuo` round half to even at the 18th decimal (`chopPrecisionAndRound`), the
 * `*Truncate` variants and `decQuoInt` truncate toward zero.
 */
export const DEC_PRECISION = 18;
export const DEC_ONE = 10n ** 18n;
const SQUARED = DEC_ONE * DEC_ONE;
const HALF = DEC_ONE / 2n;

/** Round half to even after removing 18 decimals (the SDK's chopPrecisionAndRound). */
function chopPrecisionAndRound(d: bigint): bigint {
  if (d < 0n) return -chopPrecisionAndRound(-d);
  const quo = d / DEC_ONE;
  const rem = d % DEC_ONE;
  if (rem === 0n || rem < HALF) return quo;
  if (rem > HALF) return quo + 1n;
  return quo % 2n === 0n ? quo : quo + 1n;
}

/** Int -> Dec. */
export function decFromInt(i: bigint): bigint {
  return i * DEC_ONE;
}

/** Dec × Dec, rounded half-even. */
export function decMul(a: bigint, b: bigint): bigint {
  return chopPrecisionAndRound(a * b);
}

/** Dec × Dec, truncated. */
export function decMulTruncate(a: bigint, b: bigint): bigint {
  return (a * b) / DEC_ONE;
}

/** Dec × Int (exact). */
export function decMulInt(a: bigint, i: bigint): bigint {
  return a * i;
}

/** Dec ÷ Dec, rounded half-even (after a truncating division by the divisor, as the SDK). */
export function decQuo(a: bigint, b: bigint): bigint {
  if (b === 0n) throw new RangeError("division by zero");
  return chopPrecisionAndRound((a * SQUARED) / b);
}

/** Dec ÷ Dec, truncated. */
export function decQuoTruncate(a: bigint, b: bigint): bigint {
  if (b === 0n) throw new RangeError("division by zero");
  return (a * DEC_ONE) / b;
}

/** Dec ÷ Int, truncated. */
export function decQuoInt(a: bigint, i: bigint): bigint {
  if (i === 0n) throw new RangeError("division by zero");
  return a / i;
}

/** Dec -> Int, truncated toward zero. */
export function decTruncateInt(a: bigint): bigint {
  return a / DEC_ONE;
}

const ATOMICS_RE = /^(0|[1-9][0-9]*)$/;
const POINT_RE = /^(0|[1-9][0-9]*)\.([0-9]{1,18})$/;

/**
 * Parses a non-negative Dec string: atomics (digits only, as the SDK marshals LegacyDec in protobuf,
 * "100000000000000000" = 0.1) or a decimal with a point and at most 18 fractional digits ("0.1").
 * Returns the atomics, or undefined when the string is neither.
 */
export function parseDec(s: string): bigint | undefined {
  if (typeof s !== "string" || s.length > 100) return undefined;
  if (ATOMICS_RE.test(s)) return BigInt(s);
  const m = POINT_RE.exec(s);
  if (!m) return undefined;
  return BigInt(m[1]!) * DEC_ONE + BigInt(m[2]!.padEnd(DEC_PRECISION, "0"));
}

/** Atomics as the protobuf wire carries them (no point). */
export function formatDecAtomics(a: bigint): string {
  return a.toString();
}

/** Human form with 18 decimals ("0.100000000000000000"), as the SDK's LegacyDec.String(). */
export function formatDec(a: bigint): string {
  const neg = a < 0n;
  const abs = neg ? -a : a;
  const s = `${abs / DEC_ONE}.${(abs % DEC_ONE).toString().padStart(DEC_PRECISION, "0")}`;
  return neg ? `-${s}` : s;
}
