import type { Verdict, VerdictStatus } from '../checks/check.js';
import { isThresholdKey } from './failure-modes.js';
import type { LoadResult, RunOutcome, RunResult } from './result.js';
import { formatClock, formatValue, humanKey } from './text.js';
import { formatMs } from '../units.js';

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
  inconclusive: number;
  untrustworthy: number;
}

export function counts(r: RunResult): Counts {
  const n = (s: VerdictStatus) => r.verdicts.filter((v) => v.status === s).length;
  return { total: r.verdicts.length, passed: n('pass'), failed: n('fail'), inconclusive: n('inconclusive'), untrustworthy: r.verdicts.filter((v) => v.untrustworthy).length };
}

/** "3 passed, 1 failed, 2 inconclusive" (inconclusive only when there are some). */
export function tallyText(c: Counts): string {
  return `${c.passed} passed, ${c.failed} failed${c.inconclusive ? `, ${c.inconclusive} inconclusive` : ''}`;
}

/** The word each format shows for a status. */
export const STATUS_LABEL = { pass: 'pass', fail: 'FAIL', inconclusive: 'INCONCLUSIVE' } as const satisfies Record<VerdictStatus, string>;

/**
 * The exit code of a run that ended so: 0 pass; 1 a check failed, the target was not healthy, or a
 * check was inconclusive (0 with `allowInconclusive`); 2 bad input, a harness error or an interrupt.
 */
export function exitCodeFor(outcome: RunOutcome, allowInconclusive = false): 0 | 1 | 2 {
  switch (outcome) {
    case 'pass':
      return 0;
    case 'inconclusive':
      return allowInconclusive ? 0 : 1;
    case 'fail':
    case 'not-healthy':
      return 1;
    default:
      return 2;
  }
}

/** Exit code a re-rendered run stands for: 1 when any check failed, else what the run itself ended with. */
export function exitCodeOf(r: RunResult): 0 | 1 | 2 {
  if (r.verdicts.some((v) => v.status === 'fail')) return 1;
  return r.exitCode;
}

export function harnessLine(r: RunResult): string {
  const h = r.harness;
  const lag = h.lagP99Ms === null ? 'lag not measured' : `lag p99 ${formatValue(h.lagP99Ms, 'ms')}, max ${formatValue(h.lagMaxMs, 'ms')}`;
  const dropped = h.droppedEvents > 0 ? `, ${h.droppedEvents} raw events aggregated away` : '';
  return h.lagged ? `harness LAGGED (${lag}) — latency figures may be distorted${dropped}` : `harness kept up (${lag})${dropped}`;
}

export function outcomeLabel(r: RunResult): string {
  // `crumple run` refuses an empty expect; a plan built in code may still judge nothing.
  if (r.outcome === 'pass' && r.verdicts.length === 0) return 'nothing was judged (no expectations)';
  return (
    {
      pass: 'all checks passed',
      fail: 'checks failed',
      inconclusive: 'no check failed, but some could not judge (inconclusive)',
      'not-healthy': 'target not healthy before faults',
      error: 'run failed',
      interrupted: 'interrupted',
    } as const satisfies Record<RunOutcome, string>
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

/**
 * What a load's shape found, beyond its counts: a headline (ramp capacity, dogpile limit or pulses,
 * ws-storm waves) and one row per step/pulse/wave. Empty for a plain steady load. Pure; every format
 * prints these, so terminal, report.md and report.html say the same.
 */
export interface LoadFindings {
  load: string;
  shape: string;
  headline: string;
  /** Column names, then one row per step, pulse or wave. */
  columns: string[];
  rows: string[][];
}

const ms = (v: number) => formatMs(v);
const rate = (r: number) => `${+r.toFixed(2)}/s`;

export function loadFindings(l: LoadResult): LoadFindings | undefined {
  if (l.steps?.length) {
    const c = l.capacity;
    const headline = !c
      ? `${l.steps.length} steps`
      : c.exceededAt
        ? `capacity ${rate(c.rate)} (step ${c.step + 1} of ${l.steps.length}); step ${c.exceededAt.step + 1} at ${rate(c.exceededAt.rate)} crossed: ${c.exceededAt.reason}`
        : `capacity at least ${rate(c.rate)} (no step crossed the limits)`;
    return {
      load: l.name,
      shape: l.shape,
      headline,
      columns: ['step', 'offered', 'achieved', 'ok', 'errors', 'p99', ''],
      rows: l.steps.map((st) => [String(st.step + 1), rate(st.rate), rate(st.rps), String(st.ok), String(st.errors), ms(st.p99Ms), c?.exceededAt?.step === st.step ? 'past capacity' : c?.step === st.step ? 'capacity' : '']),
    };
  }
  if (l.pulses?.length) {
    const lim = l.limit;
    const headline = lim
      ? lim.shedAt !== undefined
        ? `sheds from ~${lim.acceptedAtShed} concurrent (a pile of ${lim.shedAt} got 429/503s)`
        : `no shedding up to ${lim.largest} concurrent${lim.boundedBy ? ` (bound ${lim.upTo}, held by the ${lim.boundedBy} limit)` : ''}`
      : `${l.pulses.length} pulse(s) of ${l.pulses[0]!.sent}`;
    return {
      load: l.name,
      shape: l.shape,
      headline,
      columns: ['pulse', 'at', 'sent', 'ok', 'failed', ...(lim ? ['shed'] : []), 'p50', 'p99', 'release spread'],
      rows: l.pulses.map((p) => [String(p.pulse + 1), formatClock(p.t), String(p.sent), String(p.ok), String(p.failed), ...(lim ? [String(p.rejected ?? 0)] : []), ms(p.p50Ms), ms(p.p99Ms), ms(p.releaseSpreadMs)]),
    };
  }
  if (l.storms?.length) {
    const back = l.storms.filter((w) => w.allBackMs !== undefined).map((w) => w.allBackMs!);
    return {
      load: l.name,
      shape: l.shape,
      headline: `${l.storms.length} reconnect wave(s)${back.length ? `, all clients back within ${ms(Math.max(...back))}` : ''}${back.length < l.storms.length ? `; ${l.storms.length - back.length} never fully back` : ''}`,
      columns: ['wave', 'at', 'dropped', 'reconnect attempts', 'failed', 'all back after'],
      rows: l.storms.map((w, i) => [String(i + 1), formatClock(w.droppedAt), String(w.dropped), String(w.attempts), String(w.failures), w.allBackMs === undefined ? 'never (by the end)' : ms(w.allBackMs)]),
    };
  }
  return undefined;
}
