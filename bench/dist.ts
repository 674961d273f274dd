/** Order statistics of a handful of rounds: what every round-based figure reports. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** Median (the mean of the middle two for an even count); NaN for no values. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The p-th percentile (0–100) by nearest rank below, for latency samples. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

export function spread(xs: readonly number[]): Spread {
  return { median: median(xs), min: xs.length ? Math.min(...xs) : NaN, max: xs.length ? Math.max(...xs) : NaN };
}

/** a[i] / b[i], round by round: both measured at the same moment under the same machine load. */
export function ratios(a: readonly number[], b: readonly number[]): number[] {
  if (a.length !== b.length) throw new Error(`ratios: ${a.length} values against ${b.length} baseline values`);
  return a.map((x, i) => x / b[i]!);
}

/** Rounds that disagree by more than this factor (max / min) make a figure untrustworthy. */
export const DISAGREE_FACTOR = 2;

/**
 * True when the rounds' values (ratios when there is a baseline) are positive and their max / min
 * exceeds DISAGREE_FACTOR. Values at or below zero (a difference, an error near 0) have no
 * meaningful max / min and are never flagged.
 */
export function disagree(xs: readonly number[]): boolean {
  if (xs.length < 2 || xs.some((x) => !(x > 0) || !Number.isFinite(x))) return false;
  return Math.max(...xs) / Math.min(...xs) > DISAGREE_FACTOR;
}
