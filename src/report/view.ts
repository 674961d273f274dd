import type { Verdict } from '../checks/check.js';
import { isThresholdKey } from './failure-modes.js';
import type { RunResult } from './result.js';
import { formatValue, humanKey } from './text.js';

/** What every format shows of a run: counts and the numbers worth a glance. Pure. */

export interface Figure {
  key: string;
  label: string;
  text: string;
  threshold: boolean;
}

/** The verdict's measured numbers, thresholds marked, in the check's order. */
export function figures(v: Verdict): Figure[] {
  return Object.entries(v.measured).map(([key, value]) => ({
    key,
    label: humanKey(key) || key,
    text: formatValue(value, key),
    threshold: isThresholdKey(key),
  }));
}

/** "give up p50 1003 ms, bound 1.00 s" — measured first, then thresholds; at most `max` figures. */
export function keyNumbers(v: Verdict, max = 4): string {
  const f = figures(v);
  const measured = f.filter((x) => !x.threshold).slice(0, max);
  const bounds = f.filter((x) => x.threshold).slice(0, 2);
  return [...measured, ...bounds].map((x) => `${x.label} ${x.text}`).join(', ');
}

export interface Counts {
  total: number;
  passed: number;
  failed: number;
  untrustworthy: number;
}

export function counts(r: RunResult): Counts {
  const passed = r.verdicts.filter((v) => v.ok).length;
  return { total: r.verdicts.length, passed, failed: r.verdicts.length - passed, untrustworthy: r.verdicts.filter((v) => v.untrustworthy).length };
}

/** Exit code a re-rendered run stands for: 1 when any check failed, else what the run itself ended with. */
export function exitCodeOf(r: RunResult): 0 | 1 | 2 {
  if (r.verdicts.some((v) => !v.ok)) return 1;
  return r.exitCode;
}

export function harnessLine(r: RunResult): string {
  const h = r.harness;
  const lag = h.lagP99Ms === null ? 'lag not measured' : `lag p99 ${formatValue(h.lagP99Ms, 'ms')}, max ${formatValue(h.lagMaxMs, 'ms')}`;
  const dropped = h.droppedEvents > 0 ? `, ${h.droppedEvents} raw events aggregated away` : '';
  return h.lagged ? `harness LAGGED (${lag}) — latency figures may be distorted${dropped}` : `harness kept up (${lag})${dropped}`;
}

export function outcomeLabel(r: RunResult): string {
  return (
    { pass: 'all checks passed', fail: 'checks failed', 'not-healthy': 'target not healthy before faults', error: 'run failed', interrupted: 'interrupted' } as const
  )[r.outcome] ?? r.outcome;
}

/** Seconds → "45.0 s" / "2:00:00". */
export function durationText(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const t = Math.round(ms / 1000);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const s = t % 60;
  return h ? `${h} h ${m} min` : `${m} min ${s} s`;
}
