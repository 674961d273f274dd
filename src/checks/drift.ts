import { z } from 'zod';
import type { Check, CheckContext, FailureModeId } from './check.js';
import { type Op, formatBytes, formatPercent, meets } from './bounds.js';
import { formatMs } from '../units.js';
import { durationSchema } from '../unit-schemas.js';
import { median, num } from './query.js';
import { ev, inconclusive, verdict } from './verdict.js';
import { firstEvident, MIN_POINTS, theilSen, type Point, type Trend } from './trend.js';
import type { SecondSummary, Timeline } from '../timeline/timeline.js';
import type { PhaseWindow } from './check.js';

/**
 * Drift over a soak: per-minute (or per-`every`) series after a warm-up — the target's RSS, open file
 * descriptors and threads, p99, error rate, connections it keeps open to its dependencies — each
 * fitted with a robust slope (Theil–Sen) and its confidence interval. A series fails only when even
 * the interval's lower bound is past its bound: a leak of 2 MB a minute shows within a few points,
 * while a garbage collector's sawtooth (up, drop, up) gives a band around zero and is no leak.
 * Bounds are rates per hour (or /m, /s): "< 5MB/h", "< 10/h", "< 20ms/h", or relative to the series'
 * level "< 10%/h"; for `errors` a percentage is points of error rate ("< 1%/h").
 */

export const SERIES = ['rss', 'fds', 'threads', 'p99', 'errors', 'connections'] as const;
export type SeriesName = (typeof SERIES)[number];

/** A per-hour bound on a series' slope: absolute (in the series' unit) or relative to its level. */
export interface RateBound {
  op: Op;
  /** Per hour: bytes, ms, a count, an error-rate fraction, or (relative) a fraction of the level. */
  value: number;
  relative: boolean;
  unit: 'number';
  text: string;
}

const SIZE: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30 };
const PER: Record<string, number> = { h: 1, m: 60, min: 60, s: 3600 };
const RATE = /^\s*(<=|<|≤)?\s*(\d+(?:\.\d+)?)\s*([A-Za-z%]*)\s*\/\s*(h|m|min|s)\s*$/;

/** What unit each series' absolute bound is written in. */
const UNIT: Record<SeriesName, 'size' | 'duration' | 'count' | 'ratio'> = { rss: 'size', fds: 'count', threads: 'count', p99: 'duration', errors: 'ratio', connections: 'count' };

export function parseRateBound(v: unknown, series: SeriesName): RateBound | string {
  const m = typeof v === 'string' ? RATE.exec(v) : null;
  const hint = { size: '"< 5MB/h"', duration: '"< 20ms/h"', count: '"< 10/h"', ratio: '"< 1%/h"' }[UNIT[series]];
  if (!m) return `'${String(v)}' is not a drift bound (write e.g. ${hint}${series === 'errors' ? '' : ' or "< 10%/h"'}: a rate per h, m or s)`;
  const op: Op = m[1] === '<' ? '<' : '<=';
  const n = Number(m[2]);
  const unit = m[3]!.toLowerCase();
  const per = PER[m[4]!]!;
  const make = (value: number, relative: boolean): RateBound => ({ op, value: value * per, relative, unit: 'number', text: `${op} ${m[2]}${m[3]}/${m[4]}` });
  const kind = UNIT[series];
  if (unit === '%') return kind === 'ratio' ? make(n / 100, false) : make(n / 100, true);
  if (kind === 'size' && unit in SIZE) return make(n * SIZE[unit]!, false);
  if (kind === 'duration' && (unit === 'ms' || unit === 's')) return make(unit === 's' ? n * 1000 : n, false);
  if (kind === 'count' && unit === '') return make(n, false);
  if (kind === 'ratio' && unit === '' && n <= 1) return make(n, false);
  return `'${String(v)}': ${series} drift is written like ${hint}${series === 'errors' ? '' : ' or "< 10%/h"'}`;
}

const rateBound = (series: SeriesName) =>
  z.union([z.string(), z.number()]).transform((v, ctx): RateBound => {
    const r = parseRateBound(v, series);
    if (typeof r === 'string') {
      ctx.addIssue({ code: 'custom', message: r });
      return z.NEVER;
    }
    return r;
  });

export const driftExpectation = z
  .strictObject({
    /** Bucket length of each series (default 1m): one point per bucket. */
    every: durationSchema.refine((ms) => ms >= 1000, { error: 'every is at least 1s (the timeline keeps one summary per second)' }).default(60_000),
    /** Left out from the first phase's start (default two buckets): start-up, JIT, pools filling. */
    warmup: durationSchema.optional(),
    /** p99 and errors of this load only (default: every load). */
    load: z.string().optional(),
    confidence: z.union([z.literal(0.9), z.literal(0.95), z.literal(0.99)]).default(0.95),
    rss: rateBound('rss').optional(),
    fds: rateBound('fds').optional(),
    threads: rateBound('threads').optional(),
    p99: rateBound('p99').optional(),
    errors: rateBound('errors').optional(),
    connections: rateBound('connections').optional(),
  })
  .refine((x) => SERIES.some((s) => x[s] !== undefined), { error: `give at least one series to watch: ${SERIES.join(', ')}` });
export type DriftExpectation = z.infer<typeof driftExpectation>;

/** One bucket's value of a series, or undefined when the bucket has none. */
function bucketValue(series: SeriesName, secs: readonly SecondSummary[], load: string | undefined): number | undefined {
  const vals: number[] = [];
  if (series === 'errors') {
    let count = 0;
    let bad = 0;
    for (const s of secs) {
      for (const [name, l] of Object.entries(s.loads)) {
        if (load !== undefined && name !== load) continue;
        count += l.count;
        bad += Object.values(l.errors).reduce((a, b) => a + (b ?? 0), 0) + (l.status['5xx'] ?? 0) + (l.status['429'] ?? 0);
      }
    }
    return count > 0 ? bad / count : undefined;
  }
  for (const s of secs) {
    if (series === 'rss' && s.rssBytes !== undefined) vals.push(s.rssBytes);
    else if (series === 'fds' && s.fds !== undefined) vals.push(s.fds);
    else if (series === 'threads' && s.threads !== undefined) vals.push(s.threads);
    else if (series === 'connections') {
      const deps = Object.values(s.deps);
      if (deps.length) vals.push(deps.reduce((a, d) => a + d.open, 0));
    } else if (series === 'p99') {
      let p = -1;
      for (const [name, l] of Object.entries(s.loads)) if ((load === undefined || name === load) && l.count > 0) p = Math.max(p, l.p99Ms);
      if (p >= 0) vals.push(p);
    }
  }
  return vals.length ? median(vals) : undefined;
}

export interface DriftWindow {
  /** Absolute ms where the first bucket starts (after warm-up) and where the last full bucket ends. */
  fromMs: number;
  toMs: number;
  everyMs: number;
  warmupMs: number;
}

/** Where the buckets lie: from the first phase's start + warm-up to the last phase's end. */
export function driftWindow(timeline: Pick<Timeline, 'startMs' | 'endMs'>, phases: readonly Pick<PhaseWindow, 'startMs' | 'endMs'>[], everyMs: number, warmupMs: number | undefined): DriftWindow {
  const start = phases[0]?.startMs ?? timeline.startMs;
  const end = phases.length ? phases[phases.length - 1]!.endMs : timeline.endMs;
  const warm = warmupMs ?? 2 * everyMs;
  return { fromMs: start + warm, toMs: end, everyMs, warmupMs: warm };
}

/**
 * A series as points: x = hours since the first bucket's start (bucket midpoints), y = the bucket's
 * value (median of its seconds; for errors the bad share of its requests). Pure: the drift check and
 * report.html's trend charts both draw from this.
 */
export function driftSeries(seconds: readonly SecondSummary[], startMs: number, w: DriftWindow, series: SeriesName, load?: string): Point[] {
  const out: Point[] = [];
  const bySecond = new Map<number, SecondSummary>();
  for (const s of seconds) bySecond.set(s.second, s);
  for (let b = w.fromMs; b + w.everyMs <= w.toMs + 1; b += w.everyMs) {
    const secs: SecondSummary[] = [];
    // Seconds wholly inside the bucket (second k covers [startMs + k·1000, +1000)).
    for (let k = Math.ceil((b - startMs) / 1000); startMs + (k + 1) * 1000 <= b + w.everyMs; k++) {
      const s = bySecond.get(k);
      if (s) secs.push(s);
    }
    const y = bucketValue(series, secs, load);
    if (y !== undefined) out.push({ x: (b + w.everyMs / 2 - w.fromMs) / 3_600_000, y });
  }
  return out;
}

/** The series' slope, its band and the bound, in the bound's terms (relative ones divided by the level). */
export interface SeriesJudgement {
  series: SeriesName;
  points: number;
  trend?: Trend;
  /** Median of the series (what a relative bound is relative to). */
  level: number;
  /** Slope and band per hour in the bound's terms. */
  slope: number;
  lo: number;
  hi: number;
  bound: RateBound;
  failed: boolean;
  /** Points after which the lower bound first passed the bound (undefined: never). */
  evidentAfter?: number;
  /** Set when the series could not be judged. */
  why?: string;
}

export function judgeSeries(points: readonly Point[], series: SeriesName, bound: RateBound, confidence: 0.9 | 0.95 | 0.99): SeriesJudgement {
  const level = median(points.map((p) => p.y));
  const scale = bound.relative ? (level > 0 ? 1 / level : NaN) : 1;
  const trend = theilSen(points, confidence);
  const base = { series, points: points.length, level, bound };
  if (!trend) return { ...base, slope: NaN, lo: NaN, hi: NaN, failed: false, why: `${series} has ${points.length} point(s)` };
  if (!Number.isFinite(scale)) return { ...base, slope: NaN, lo: NaN, hi: NaN, failed: false, why: `${series} is 0: a relative bound (${bound.text}) has no level to be relative to` };
  const slope = trend.slope * scale;
  const lo = trend.lo * scale;
  const hi = trend.hi * scale;
  const failed = Number.isFinite(lo) && !meets(bound, lo);
  const evidentAfter = failed ? firstEvident(points, (t) => !meets(bound, t.lo * scale)) : undefined;
  return { ...base, trend, slope, lo, hi, failed, ...(evidentAfter !== undefined ? { evidentAfter } : {}) };
}

/** "2.0 MB/h", "12/h", "8.0 ms/h", "0.5 points/h", "12%/h". */
export function formatRate(series: SeriesName, perHour: number, relative: boolean): string {
  if (!Number.isFinite(perHour)) return 'n/a';
  if (relative) return `${formatPercent(perHour)}/h`;
  switch (UNIT[series]) {
    case 'size':
      return `${formatBytes(perHour)}/h`;
    case 'duration':
      return `${formatMs(perHour)}/h`;
    case 'ratio':
      return `${(perHour * 100).toFixed(2)} points/h`;
    default:
      return `${+perHour.toPrecision(3)}/h`;
  }
}

/** "1 min", "5 s", "1.5 s": bucket and warm-up lengths as written. */
const span = (ms: number): string => (ms >= 60_000 && ms % 60_000 === 0 ? `${ms / 60_000} min` : ms % 1000 === 0 ? `${ms / 1000} s` : formatMs(ms));

const MODE: Record<SeriesName, FailureModeId> = { rss: 'memory-growth', fds: 'resource-leak', threads: 'resource-leak', connections: 'resource-leak', p99: 'slow-responses', errors: 'slo-breach' };
const WHAT: Record<SeriesName, string> = { rss: 'RSS', fds: 'open file descriptors', threads: 'threads', p99: 'p99', errors: 'error rate', connections: 'connections open to dependencies' };

function run(ctx: CheckContext, x: DriftExpectation, key: string) {
  const w = driftWindow(ctx.timeline, ctx.phases, x.every, x.warmup);
  const chosen = SERIES.filter((s) => x[s] !== undefined);
  const js = chosen.map((s) => judgeSeries(driftSeries(ctx.timeline.seconds, ctx.timeline.startMs, w, s, x.load), s, x[s]!, x.confidence));
  const every = span(x.every);
  const short = js.filter((j) => j.why !== undefined);
  const failed = js.filter((j) => j.failed);
  const measured: Record<string, number | string | null> = { everyMs: x.every, warmupMs: w.warmupMs, confidence: x.confidence, ...(x.load ? { load: x.load } : {}) };
  const evidence = [ev('buckets', `${every} each from ${((w.fromMs - ctx.timeline.startMs) / 1000).toFixed(0)} s (warm-up ${span(w.warmupMs)}) to ${((w.toMs - ctx.timeline.startMs) / 1000).toFixed(0)} s`)];
  for (const j of js) {
    const r = (v: number) => formatRate(j.series, v, j.bound.relative);
    measured[`${j.series}Points`] = j.points;
    measured[`${j.series}Trend`] = j.why !== undefined ? 'not judged' : j.failed ? 'drifting' : 'steady';
    measured[`${j.series}SlopePerHour`] = num(j.slope, 6);
    measured[`${j.series}LowPerHour`] = num(j.lo, 6);
    measured[`${j.series}HighPerHour`] = num(j.hi, 6);
    measured[`${j.series}LimitPerHour`] = j.bound.value;
    measured[`${j.series}Bound`] = j.bound.text;
    if (j.evidentAfter !== undefined) measured[`${j.series}EvidentAfterMs`] = w.warmupMs + j.evidentAfter * x.every;
    evidence.push(
      ev(
        WHAT[j.series],
        j.trend
          ? `${r(j.slope)} (${Math.round(x.confidence * 100)}% band ${r(j.lo)} … ${r(j.hi)}) over ${j.points} points, bound ${j.bound.text}${j.evidentAfter !== undefined ? `; evident after ${j.evidentAfter} points (${formatMs(w.warmupMs + j.evidentAfter * x.every)} into the run)` : ''}`
          : `${j.why}: not judged (${MIN_POINTS} points needed)`,
      ),
    );
  }
  const line = (j: SeriesJudgement) => {
    const r = (v: number) => formatRate(j.series, v, j.bound.relative);
    return `${j.series} ${r(j.slope)} [${r(j.lo)}, ${r(j.hi)}] (${j.bound.text})`;
  };
  if (!failed.length && short.length) {
    return inconclusive(ctx, 'drift', key, `${short.map((j) => `${j.why} of ${every}`).join(', ')} after the warm-up; ${MIN_POINTS} are needed (a longer soak, or a shorter every:)`, measured, evidence);
  }
  const worst = failed[0];
  const windows = [{ startMs: w.fromMs, endMs: w.toMs, label: 'after warm-up' }];
  return verdict(ctx, 'drift', key, {
    ok: failed.length === 0,
    summary: failed.length
      ? `drifting: ${failed.map((j) => `${line(j)}${j.evidentAfter !== undefined ? `, evident after ${j.evidentAfter} points` : ''}`).join('; ')}${js.length > failed.length ? `; steady: ${js.filter((j) => !j.failed).map((j) => j.series).join(', ')}` : ''}`
      : `no drift past the bounds per ${every} after ${span(w.warmupMs)} warm-up: ${js.map(line).join('; ')}`,
    measured,
    evidence,
    windows,
    ...(worst
      ? {
          failureMode: {
            id: MODE[worst.series],
            trigger: `${js[0]!.points} buckets of ${every} after a ${span(w.warmupMs)} warm-up`,
            spread: `${WHAT[worst.series]} climbed ${formatRate(worst.series, worst.slope, worst.bound.relative)}, at least ${formatRate(worst.series, worst.lo, worst.bound.relative)} (${Math.round(x.confidence * 100)}% band)`,
            result: `${failed.map((j) => `${j.series} breaks ${j.bound.text}`).join('; ')}; given time the target runs out of ${worst.series === 'p99' || worst.series === 'errors' ? 'headroom' : WHAT[worst.series]}`,
          },
        }
      : {}),
  });
}

export default {
  name: 'drift',
  description: 'robust slopes (Theil–Sen with a confidence band) of RSS, fds, threads, p99, errors and open dependency connections per minute after warm-up stay under their bounds',
  expectation: driftExpectation,
  judges: 'run',
  run,
} satisfies Check<typeof driftExpectation>;
