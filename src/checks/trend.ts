/**
 * A robust trend: the Theil–Sen slope (the median of the slopes of every pair of points) with Sen's
 * distribution-free confidence interval from Kendall's S. One outlier, a garbage collector's drop or a
 * noisy minute moves the median of n(n−1)/2 slopes very little, where it would tilt a least-squares
 * line; and the interval says how sure the slope is, so a check can fail only when even its lower
 * bound breaks a bound. Pure; x and y in any units (the slope is y-units per x-unit).
 */

export interface Point {
  x: number;
  y: number;
}

export interface Trend {
  /** Points fitted. */
  n: number;
  /** Median pairwise slope. */
  slope: number;
  /** Median of y − slope·x: the line is y = intercept + slope·x. */
  intercept: number;
  /** The confidence interval of the slope (lo ≤ slope ≤ hi). */
  lo: number;
  hi: number;
  /** The confidence level of [lo, hi]. */
  confidence: number;
}

/** Fewest points for which the interval is narrower than the range of all pairwise slopes. */
export const MIN_POINTS = 6;
/** Above this many points they are thinned evenly first: pairs grow as n², and 2,000 points is 2 M pairs. */
export const MAX_POINTS = 1500;

const Z = { 0.9: 1.6449, 0.95: 1.96, 0.99: 2.5758 } as const;

/** Every `k`-th point so that at most MAX_POINTS remain (first and last kept). */
function thin(points: readonly Point[]): readonly Point[] {
  if (points.length <= MAX_POINTS) return points;
  const out: Point[] = [];
  const step = (points.length - 1) / (MAX_POINTS - 1);
  for (let i = 0; i < MAX_POINTS; i++) out.push(points[Math.round(i * step)]!);
  return out;
}

function medianOf(sorted: Float64Array | readonly number[]): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const m = n >> 1;
  return n % 2 ? sorted[m]! : (sorted[m - 1]! + sorted[m]!) / 2;
}

/**
 * The Theil–Sen fit of `points` (x need not be evenly spaced; pairs with equal x are skipped) and its
 * two-sided confidence interval at `confidence` (0.9, 0.95 or 0.99). Undefined under MIN_POINTS
 * points or when every x is the same. Ties in y are treated as distinct (Var S uncorrected): slightly
 * narrower intervals for integer series such as file-descriptor counts.
 */
export function theilSen(input: readonly Point[], confidence: 0.9 | 0.95 | 0.99 = 0.95): Trend | undefined {
  const points = thin(input.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)));
  const n = points.length;
  if (n < MIN_POINTS) return undefined;
  const slopes = new Float64Array((n * (n - 1)) / 2);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const a = points[i]!;
    for (let j = i + 1; j < n; j++) {
      const b = points[j]!;
      if (b.x !== a.x) slopes[k++] = (b.y - a.y) / (b.x - a.x);
    }
  }
  const all = slopes.subarray(0, k).sort();
  if (k === 0) return undefined;
  const slope = medianOf(all);
  const rest = points.map((p) => p.y - slope * p.x).sort((a, b) => a - b);
  const intercept = medianOf(rest);
  // Sen (1968): with C = z·sqrt(Var S), Var S = n(n−1)(2n+5)/18, the interval runs from the
  // M1-th to the (M2+1)-th ordered slope, M1 = (N − C)/2, M2 = (N + C)/2.
  const c = Z[confidence] * Math.sqrt((n * (n - 1) * (2 * n + 5)) / 18);
  const m1 = Math.floor((k - c) / 2);
  const m2 = Math.ceil((k + c) / 2);
  const lo = all[Math.min(k - 1, Math.max(0, m1 - 1))]!;
  const hi = all[Math.min(k - 1, Math.max(0, m2))]!;
  return { n, slope, intercept, lo, hi, confidence };
}

/**
 * The first prefix of `points` (in order) whose fit has its lower bound above `bound`: how early a
 * leak became evident. Returns the number of points, or undefined when no prefix does. Scans at most
 * ~100 prefixes (evenly spaced) so a long series costs a bounded number of fits.
 */
export function firstEvident(points: readonly Point[], exceeds: (t: Trend) => boolean): number | undefined {
  const n = points.length;
  const step = Math.max(1, Math.ceil((n - MIN_POINTS) / 100));
  for (let m = MIN_POINTS; m <= n; m += step) {
    const t = theilSen(points.slice(0, m));
    if (t && exceeds(t)) return m;
  }
  return undefined;
}
