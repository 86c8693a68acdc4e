/** Display helpers of the page (pure). */

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "–";
  if (Math.abs(ms) < 1000) return `${Math.round(ms)} ms`;
  if (Math.abs(ms) < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function formatClock(t: number | null | undefined): string {
  if (t === null || t === undefined) return "–";
  return new Date(t).toLocaleTimeString([], { hour12: false });
}

export function formatAgo(t: number | null | undefined, now: number): string {
  if (t === null || t === undefined) return "–";
  return `${formatMs(Math.max(0, now - t))} ago`;
}

export function shortHex(hex: string | null | undefined, n = 10): string {
  if (!hex) return "–";
  return hex.length <= n ? hex : `${hex.slice(0, n)}…`;
}

const group = (s: string) => s.replace(/\B(?=(\d{3})+(?!\d))/g, "\u202f");

/** A decimal amount of `denom`: micro-denoms (uaeg) are shown in whole units (AEG). */
export function formatAmount(amount: string | null, denom: string | null): string {
  if (amount === null) return "–";
  if (denom && /^u[a-z]+$/.test(denom)) {
    const v = BigInt(amount);
    const whole = v / 1_000_000n;
    const frac = (v % 1_000_000n).toString().padStart(6, "0").replace(/0+$/, "");
    return `${group(whole.toString())}${frac ? `.${frac}` : ""} ${denom.slice(1).toUpperCase()}`;
  }
  return `${group(amount)}${denom ? ` ${denom}` : ""}`;
}

/** part / total as a percentage with one decimal (decimal strings, any size). */
export function formatShare(part: string | null, total: string | null): string {
  if (part === null || total === null || BigInt(total) === 0n) return "–";
  const permille = (BigInt(part) * 1000n) / BigInt(total);
  return `${(Number(permille) / 10).toFixed(1)} %`;
}
