import type { RunResult } from './result.js';
import { printable } from './text.js';
import { SERIES, driftSeries, driftWindow, formatRate, type SeriesName } from '../checks/drift.js';
import { theilSen } from '../checks/trend.js';

/**
 * The chart data report.html draws: columnar per-second series built from RunResult.seconds, so the
 * page holds one number per series per second (a 2-hour soak is 7,200 points a series) and never raw
 * events. Pure; the browser side only lays it out.
 */

export type Unit = 'ms' | 'per-second' | 'count' | 'bytes';

export interface SeriesData {
  label: string;
  color: string;
  dash?: boolean;
  values: (number | null)[];
}

export interface ChartData {
  id: string;
  title: string;
  note: string;
  unit: Unit;
  log?: boolean;
  stacked?: boolean;
  series: SeriesData[];
}

export interface Band {
  name: string;
  from: number;
  to: number;
  faults: string;
}

/**
 * A ramp's knee: throughput and p99 against the offered rate, one point per step, with the capacity
 * step (the last within the limits) and the first step past it marked.
 */
export interface KneeData {
  id: string;
  title: string;
  note: string;
  offered: number[];
  throughput: number[];
  p99: number[];
  capacityRate?: number;
  exceededRate?: number;
}

/**
 * A drift series as the drift check fitted it: one point per bucket (x: run seconds at the bucket's
 * middle), the Theil–Sen line, and the band of its confidence interval (lines of the low and high
 * slopes through the fit at the series' middle).
 */
export interface TrendData {
  id: string;
  title: string;
  note: string;
  unit: 'bytes' | 'ms' | 'count' | 'ratio';
  failed: boolean;
  x: number[];
  values: number[];
  fit: number[];
  low: number[];
  high: number[];
}

export interface ChartsPayload {
  x: number[];
  bands: Band[];
  charts: ChartData[];
  knees: KneeData[];
  trends: TrendData[];
}

const TREND_UNIT: Record<SeriesName, TrendData['unit']> = { rss: 'bytes', fds: 'count', threads: 'count', p99: 'ms', errors: 'ratio', connections: 'count' };
const TREND_TITLE: Record<SeriesName, string> = { rss: 'Target RSS', fds: 'Target open file descriptors', threads: 'Target threads', p99: 'p99 latency', errors: 'Error rate', connections: 'Connections open to dependencies' };

/** The trend charts of every drift verdict, rebuilt from the per-second summary the check read. */
export function buildTrends(r: RunResult): TrendData[] {
  const out: TrendData[] = [];
  const phases = r.phases.map((p) => ({ startMs: p.startMs, endMs: p.endMs }));
  for (const v of r.verdicts.filter((x) => x.check === 'drift')) {
    const every = v.measured.everyMs;
    const warmup = v.measured.warmupMs;
    if (typeof every !== 'number' || typeof warmup !== 'number') continue;
    const load = typeof v.measured.load === 'string' ? v.measured.load : undefined;
    const w = driftWindow({ startMs: 0, endMs: r.durationMs }, phases, every, warmup);
    for (const name of SERIES) {
      if (v.measured[`${name}Points`] === undefined) continue;
      const pts = driftSeries(r.seconds, 0, w, name, load);
      const t = theilSen(pts, (v.measured.confidence as 0.9 | 0.95 | 0.99 | undefined) ?? 0.95);
      if (!t) continue;
      const xm = (pts[0]!.x + pts[pts.length - 1]!.x) / 2;
      const ym = t.intercept + t.slope * xm;
      const bound = v.measured[`${name}Bound`];
      const failed = v.measured[`${name}Trend`] === 'drifting';
      out.push({
        id: `trend-${out.length}`,
        title: printable(`${TREND_TITLE[name]}${load ? ` ('${load}')` : ''} per ${every / 1000} s: ${v.key}`),
        note: printable(
          `${failed ? 'DRIFTING' : 'steady'}: slope ${formatRate(name, t.slope, false)}, ${Math.round(t.confidence * 100)}% band ${formatRate(name, t.lo, false)} … ${formatRate(name, t.hi, false)}` +
            (typeof bound === 'string' ? ` (bound ${bound})` : '') +
            '; points: bucket medians, solid: Theil–Sen fit, dashed: its band',
        ),
        unit: TREND_UNIT[name],
        failed,
        x: pts.map((p) => Math.round((w.fromMs / 1000 + p.x * 3600) * 10) / 10),
        values: pts.map((p) => p.y),
        fit: pts.map((p) => t.intercept + t.slope * p.x),
        low: pts.map((p) => ym + t.lo * (p.x - xm)),
        high: pts.map((p) => ym + t.hi * (p.x - xm)),
      });
    }
  }
  return out;
}

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f', '#d62728'];
const color = (i: number) => PALETTE[i % PALETTE.length]!;

const STATUS_COLORS: Record<string, string> = {
  '2xx': '#2ca02c',
  '3xx': '#17becf',
  '4xx': '#bcbd22',
  '429': '#ff7f0e',
  '5xx': '#d62728',
  '503': '#e377c2',
  timeout: '#7f3fbf',
  ECONNRESET: '#8c564b',
  ECONNREFUSED: '#555555',
  EPIPE: '#a0522d',
  closed: '#9e9e9e',
  parse: '#000000',
  other: '#c7a17a',
};

const round1 = (n: number) => Math.round(n * 10) / 10;

function sortedKeys(seconds: RunResult['seconds'], pick: (s: RunResult['seconds'][number]) => Record<string, unknown>): string[] {
  const names = new Set<string>();
  for (const s of seconds) for (const k of Object.keys(pick(s))) names.add(k);
  return [...names].sort();
}

export function buildCharts(r: RunResult): ChartsPayload {
  const seconds = [...r.seconds].sort((a, b) => a.second - b.second);
  const x = seconds.map((s) => s.second);
  const loads = sortedKeys(seconds, (s) => s.loads);
  const deps = sortedKeys(seconds, (s) => s.deps);
  const charts: ChartData[] = [];

  const latency: SeriesData[] = [];
  const throughput: SeriesData[] = [];
  loads.forEach((name, i) => {
    const label = printable(name);
    const at = (f: (l: NonNullable<(typeof seconds)[number]['loads'][string]>) => number) =>
      seconds.map((s) => {
        const l = s.loads[name];
        return l && l.count > 0 ? f(l) : null;
      });
    // Log scale needs positive values: a sub-0.1 ms latency is drawn at 0.1 ms.
    latency.push({ label: `${label} p99`, color: color(i), values: at((l) => Math.max(0.1, round1(l.p99Ms))) });
    latency.push({ label: `${label} p50`, color: color(i), dash: true, values: at((l) => Math.max(0.1, round1(l.p50Ms))) });
    throughput.push({ label: `${label} responses/s`, color: color(i), values: seconds.map((s) => s.loads[name]?.count ?? 0) });
    throughput.push({ label: `${label} ok/s`, color: color(i), dash: true, values: seconds.map((s) => s.loads[name]?.ok ?? 0) });
  });
  if (loads.length) {
    charts.push({ id: 'latency', title: 'Target latency (client side)', note: 'p99 solid, p50 dashed; log scale', unit: 'ms', log: true, series: latency });
    charts.push({ id: 'throughput', title: 'Throughput', note: 'responses per second by load; ok (status < 400) dashed', unit: 'per-second', series: throughput });
  }

  // Status classes and error classes, summed over loads. The timeline counts 429/503 inside 4xx/5xx
  // as well; they are split out here so the stack adds up to the responses.
  const classRows = seconds.map((s) => {
    const row: Record<string, number> = {};
    for (const l of Object.values(s.loads)) {
      for (const [k, n] of Object.entries(l.status)) row[k] = (row[k] ?? 0) + n;
      for (const [k, n] of Object.entries(l.errors)) row[k] = (row[k] ?? 0) + (n ?? 0);
    }
    row['4xx'] = Math.max(0, (row['4xx'] ?? 0) - (row['429'] ?? 0));
    row['5xx'] = Math.max(0, (row['5xx'] ?? 0) - (row['503'] ?? 0));
    return row;
  });
  const classes = Object.keys(STATUS_COLORS).filter((k) => classRows.some((row) => (row[k] ?? 0) > 0));
  for (const row of classRows) for (const k of Object.keys(row)) if (!(k in STATUS_COLORS) && row[k]! > 0 && !classes.includes(k)) classes.push(k);
  if (classes.length) {
    charts.push({
      id: 'status',
      title: 'Responses by status and error class',
      note: 'stacked per second, all loads; errors = no status came back',
      unit: 'per-second',
      stacked: true,
      series: classes.map((k, i) => ({ label: printable(k), color: STATUS_COLORS[k] ?? color(i), values: classRows.map((row) => row[k] ?? 0) })),
    });
  }

  if (deps.length) {
    const calls: SeriesData[] = [];
    const open: SeriesData[] = [];
    deps.forEach((name, i) => {
      const label = printable(name);
      calls.push({ label: `${label} requests/s`, color: color(i + 3), values: seconds.map((s) => s.deps[name]?.requests ?? 0) });
      calls.push({ label: `${label} connections opened/s`, color: color(i + 3), dash: true, values: seconds.map((s) => s.deps[name]?.opened ?? 0) });
      open.push({ label: `${label} open`, color: color(i + 3), values: seconds.map((s) => s.deps[name]?.open ?? null) });
      open.push({ label: `${label} closed by target/s`, color: color(i + 3), dash: true, values: seconds.map((s) => s.deps[name]?.closedByClient ?? 0) });
    });
    charts.push({ id: 'dep-calls', title: 'Calls reaching each stand-in', note: 'what the target did to its dependencies: breakers and retry storms show here', unit: 'per-second', series: calls });
    charts.push({ id: 'dep-open', title: 'Open connections to each stand-in', note: 'open at the end of each second (solid); closed by the target per second (dashed)', unit: 'count', series: open });
  }

  if (seconds.some((s) => s.rssBytes !== undefined)) {
    charts.push({ id: 'rss', title: 'Target memory (RSS)', note: 'resident set size of the target process', unit: 'bytes', series: [{ label: 'RSS', color: '#1f77b4', values: seconds.map((s) => s.rssBytes ?? null) }] });
  }
  if (seconds.some((s) => s.lagMaxMs !== undefined)) {
    charts.push({ id: 'lag', title: 'Harness event-loop lag', note: 'crumple\u2019s own delay; large values distort latency', unit: 'ms', series: [{ label: 'lag max', color: '#7f7f7f', values: seconds.map((s) => (s.lagMaxMs === undefined ? null : round1(s.lagMaxMs))) }] });
  }

  const bands: Band[] = r.phases.map((p) => ({
    name: printable(p.name),
    from: p.startMs / 1000,
    to: p.endMs / 1000,
    faults: printable(p.faults.map((f) => `${f.dependency}: ${f.fault}`).join(', ')),
  }));
  const knees: KneeData[] = r.loads
    .filter((l) => l.steps?.length)
    .map((l, i) => {
      const c = l.capacity;
      const head = c?.exceededAt ? `capacity ${c.rate}/s; step ${c.exceededAt.step + 1} at ${c.exceededAt.rate}/s crossed: ${c.exceededAt.reason}` : c ? `capacity at least ${c.rate}/s` : '';
      return {
        id: `knee-${i}`,
        title: printable(`Knee of '${l.name}': throughput and p99 against the offered rate`),
        note: printable(`one point per ramp step; ${head}${c && c.step >= 0 ? ' (green: the capacity step' : ''}${c?.exceededAt ? ', red: the first step past it' : ''}${c && c.step >= 0 ? ')' : ''}`),
        offered: l.steps!.map((st) => st.rate),
        throughput: l.steps!.map((st) => st.rps),
        p99: l.steps!.map((st) => Math.max(0.1, round1(st.p99Ms))),
        ...(c && c.step >= 0 ? { capacityRate: c.rate } : {}),
        ...(c?.exceededAt ? { exceededRate: c.exceededAt.rate } : {}),
      };
    });
  return { x, bands, charts, knees, trends: buildTrends(r) };
}
