import type { CheckContext, PhaseWindow } from './check.js';
import type { EventKind, EventOf, ResponseEvent } from '../timeline/events.js';
import { formatMs } from '../units.js';

/**
 * Pure questions checks ask of a timeline: which windows, which events in them, which percentiles.
 * Times are absolute monotonic ms (as events and PhaseWindow); `at()` turns them into run time.
 */

export interface Window {
  startMs: number;
  endMs: number;
  /** For summaries: a phase name, or "phases a..b". */
  label: string;
}

export const phaseWindow = (p: PhaseWindow): Window => ({ startMs: p.startMs, endMs: p.endMs, label: p.name });

export function phaseNamed(ctx: CheckContext, name: string): PhaseWindow | undefined {
  return ctx.phases.find((p) => p.name === name);
}

/** Adjacent windows merged (a fault spanning two phases is one window). */
export function merge(ws: readonly Window[]): Window[] {
  const out: Window[] = [];
  for (const w of [...ws].sort((a, b) => a.startMs - b.startMs)) {
    const last = out[out.length - 1];
    if (last && w.startMs <= last.endMs + 1) {
      last.endMs = Math.max(last.endMs, w.endMs);
      last.label = last.label === w.label ? last.label : `${last.label.split(' .. ')[0]} .. ${w.label}`;
    } else out.push({ ...w });
  }
  return out;
}

type Fault = PhaseWindow['faults'][number];

/** Windows of the phases with a fault on `dependency` (any dependency when undefined) matching `which`. */
export function faultWindows(ctx: CheckContext, dependency?: string, which: (f: Fault) => boolean = () => true): Window[] {
  return merge(
    ctx.phases.filter((p) => p.faults.some((f) => (dependency === undefined || f.dependency === dependency) && which(f))).map(phaseWindow),
  );
}

/**
 * The steady state to compare against: the last fault-free phase before the first faulty one
 * (usually "baseline"); without faults, the first phase.
 */
export function baselineWindow(ctx: CheckContext): Window | undefined {
  const firstFault = ctx.phases.findIndex((p) => p.faults.length > 0);
  const before = (firstFault < 0 ? ctx.phases : ctx.phases.slice(0, firstFault)).filter((p) => p.faults.length === 0);
  const p = firstFault < 0 ? before[0] : before[before.length - 1];
  return p ? phaseWindow(p) : undefined;
}

/** What a recovery gets back to: the context's reference (a soak's first baseline) or its own baseline. */
export function referenceWindow(ctx: CheckContext): Window | undefined {
  return ctx.reference ? { ...ctx.reference } : baselineWindow(ctx);
}

/** The window(s) an expectation scopes to: its named phase, else `fallback`. A string is an error. */
export function scope(ctx: CheckContext, phase: string | undefined, fallback: () => Window[]): Window[] | string {
  if (phase === undefined) return fallback();
  const p = phaseNamed(ctx, phase);
  if (!p) {
    const ran = `phases: ${ctx.phases.map((x) => x.name).join(', ') || 'none'}`;
    return ctx.stopped ? `phase '${phase}' never ran (${ran})` : `no phase named '${phase}' in this run (${ran})`;
  }
  return [phaseWindow(p)];
}

export const inside = (t: number, ws: readonly Window[]): boolean => ws.some((w) => t >= w.startMs && t < w.endMs);
export const span = (ws: readonly Window[]): number => ws.reduce((s, w) => s + (w.endMs - w.startMs), 0);
export const label = (ws: readonly Window[]): string => ws.map((w) => w.label).join(', ');

/** Events of one kind whose `t` falls in the windows (all of them when `ws` is undefined). */
export function eventsOf<K extends EventKind>(ctx: CheckContext, kind: K, ws?: readonly Window[]): EventOf<K>[] {
  const out: EventOf<K>[] = [];
  for (const e of ctx.timeline.events) if (e.kind === kind && (!ws || inside(e.t, ws))) out.push(e as EventOf<K>);
  return out;
}

/**
 * A request sent in the last moment of a window and answered after the next phase's faults began is
 * evidence of neither phase. One in flight longer than this at the window's end (a call the fault
 * hung, a queue the fault filled) had its fate sealed inside the window and still counts for it.
 */
export const SPILL_MS = 1000;

/**
 * THE phase-edge rule, for every check: a request counts for the window it started in, unless it
 * straddles the window's end (sent in its last SPILL_MS and answered after it): that one saw two
 * fault settings and counts for neither phase. (Adjacent windows merged by `merge` are one window.)
 */
export function responses(ctx: CheckContext, ws?: readonly Window[], load?: string): ResponseEvent[] {
  return splitAtEdges(ctx, ws, load).counted;
}

/**
 * Requests of the windows split by the phase-edge rule: `counted` for the windows, and `straddling`:
 * in flight inside the windows but not counted for them (sent in a window's last SPILL_MS and answered
 * after it, or sent before a window and still in flight when it began). Checks that attribute
 * dependency calls to requests (retries) leave out the calls of straddling ones too.
 */
export function splitAtEdges(ctx: CheckContext, ws?: readonly Window[], load?: string): { counted: ResponseEvent[]; straddling: ResponseEvent[] } {
  const counted: ResponseEvent[] = [];
  const straddling: ResponseEvent[] = [];
  for (const e of ctx.timeline.events) {
    if (e.kind !== 'response' || (load !== undefined && e.load !== load)) continue;
    if (!ws) {
      counted.push(e);
      continue;
    }
    const end = e.t + e.latencyMs;
    const w = ws.find((x) => e.t >= x.startMs && e.t < x.endMs);
    if (w) (end > w.endMs && e.t > w.endMs - SPILL_MS ? straddling : counted).push(e);
    else if (ws.some((x) => e.t < x.startMs && end > x.startMs)) straddling.push(e);
  }
  return { counted, straddling };
}

/**
 * Why a request counts as an error, by class: `status` answered 5xx or 429; `timeout` never answered
 * within crumple's client timeout; `closed` the connection ended (FIN, EPIPE) before a full answer;
 * `reset` ECONNRESET; `refused` ECONNREFUSED; `other` bytes that were not HTTP, anything else.
 */
export const ERROR_CLASSES = ['status', 'timeout', 'closed', 'reset', 'refused', 'other'] as const;
export type ErrorClassName = (typeof ERROR_CLASSES)[number];

/** The error class of a response, or undefined when it is not an error (status < 500 and not 429). */
export function errorClassOf(r: ResponseEvent): ErrorClassName | undefined {
  if (r.status !== undefined) return r.status >= 500 || r.status === 429 ? 'status' : undefined;
  switch (r.error) {
    case 'timeout':
      return 'timeout';
    case 'closed':
    case 'EPIPE':
      return 'closed';
    case 'ECONNRESET':
      return 'reset';
    case 'ECONNREFUSED':
      return 'refused';
    default:
      return 'other';
  }
}

/** A response the client would call a success: a status below 400. */
export const isSuccess = (r: ResponseEvent): boolean => r.status !== undefined && r.status < 400;
/** An error for an SLO: no status (connection error, our timeout), a 5xx or a 429. */
export const isError = (r: ResponseEvent): boolean => errorClassOf(r) !== undefined;
/** Shed: the target refused the work on purpose. */
export const isRejection = (r: ResponseEvent): boolean => r.status === 429 || r.status === 503;

/** Nearest-rank quantile of an ascending array; NaN when empty. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

export interface Stats {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  min: number;
}

export function stats(values: readonly number[]): Stats {
  const s = [...values].sort((a, b) => a - b);
  return { n: s.length, p50: quantile(s, 0.5), p90: quantile(s, 0.9), p99: quantile(s, 0.99), max: s.length ? s[s.length - 1]! : NaN, min: s.length ? s[0]! : NaN };
}

export const median = (values: readonly number[]): number => quantile([...values].sort((a, b) => a - b), 0.5);

/** A measured number for `measured`: rounded to µs, NaN/undefined become null. */
export function num(x: number | undefined, digits = 3): number | null {
  if (x === undefined || !Number.isFinite(x)) return null;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Run-relative seconds for summaries: "10.0 s". */
export const at = (ctx: CheckContext, t: number): string => `${((t - ctx.timeline.startMs) / 1000).toFixed(1)} s`;

/** Thresholds for "the harness lagged enough to distort what was measured". */
export const LAG_P99_MS = 50;
export const LAG_MAX_MS = 200;

/**
 * Why a check's numbers over `ws` cannot be trusted, or undefined: the harness's event loop lagged
 * (its timestamps are late), or raw events in the window were dropped by the recorder's cap.
 */
export function distrust(ctx: CheckContext, ws: readonly Window[]): string | undefined {
  const reasons: string[] = [];
  // A lag sample covers the second before its t.
  const lags = eventsOf(ctx, 'lag').filter((l) => ws.some((w) => l.t > w.startMs && l.t - 1000 < w.endMs));
  const bad = lags.filter((l) => l.p99Ms >= LAG_P99_MS || l.maxMs >= LAG_MAX_MS);
  if (bad.length) {
    const worst = bad.reduce((a, b) => (b.maxMs > a.maxMs ? b : a));
    reasons.push(`harness event loop lagged in ${bad.length} sample(s) (worst p99 ${Math.round(worst.p99Ms)} ms, max ${Math.round(worst.maxMs)} ms at ${at(ctx, worst.t)})`);
  }
  const dropped = Object.values(ctx.timeline.dropped).reduce((s, n) => s + (n ?? 0), 0);
  if (dropped > 0) {
    const events = ctx.timeline.events;
    let lastRaw = -Infinity;
    for (let i = events.length - 1; i >= 0; i--) {
      const k = events[i]!.kind;
      if (k === 'response' || k.startsWith('dep-') || k === 'ws') {
        lastRaw = events[i]!.t;
        break;
      }
    }
    const lastEnd = Math.max(...ws.map((w) => w.endMs));
    if (lastRaw < lastEnd) reasons.push(`${dropped} raw events were dropped by the recorder's cap; events after ${at(ctx, lastRaw)} are missing`);
  }
  return reasons.length ? reasons.join('; ') : undefined;
}

/** The client timeout of one load (its own `timeout`), else the longest of the run's. */
export function timeoutOf(ctx: CheckContext, load: string | undefined): number {
  return (load !== undefined ? ctx.loadTimeoutsMs?.[load] : undefined) ?? ctx.clientTimeoutMs;
}

/** "5.00 s" (or "2.00 s or 5.00 s"): after how long crumple's client gave up on these responses. */
export function gaveUpAfter(ctx: CheckContext, rs: readonly ResponseEvent[]): string {
  const ms = [...new Set(rs.map((r) => timeoutOf(ctx, r.load)))].sort((a, b) => a - b);
  return (ms.length ? ms : clientTimeouts(ctx).sort((a, b) => a - b)).map((t) => formatMs(t)).join(' or ');
}

/** Every client timeout of the run's loads (distinct, ms): a close at one of them is crumple giving up. */
export function clientTimeouts(ctx: CheckContext): number[] {
  const own = Object.values(ctx.loadTimeoutsMs ?? {});
  return [...new Set(own.length ? own : [ctx.clientTimeoutMs])];
}
