import { z } from 'zod';
import { formatMs } from '../units.js';
import type { CheckContext, Evidence, Verdict } from './check.js';
import { type Bound, formatFor, formatPercent, meets } from './bounds.js';
import { at, isError, label, num, responses, stats, type Window } from './query.js';
import { ev, noData, verdict } from './verdict.js';
import type { ResponseEvent } from '../timeline/events.js';

/** Service-level bounds shared by latency, errors and steady-state. */
export interface SloBounds {
  p50?: Bound | undefined;
  p90?: Bound | undefined;
  p99?: Bound | undefined;
  max?: Bound | undefined;
  errors?: Bound | undefined;
  /**
   * Which latency the percentiles judge: `service` (default: from the actual send) or `corrected`
   * (fixed-rate loads: from each request's intended send time, coordinated omission corrected).
   */
  latency?: 'service' | 'corrected' | undefined;
}

/** The expectation field choosing the latency a percentile bound judges. */
export const latencyKindSchema = z.enum(['service', 'corrected']).default('service');

const PERCENTILES = ['p50', 'p90', 'p99', 'max'] as const;

/**
 * A request sent in the last moment of a window and answered after it met the next phase's faults:
 * it is evidence of neither phase. Requests in flight longer than this at the window's end still count.
 */
export const SPILL_MS = 1000;

function straddles(r: ResponseEvent, ws: readonly Window[]): boolean {
  const w = ws.find((x) => r.t >= x.startMs && r.t < x.endMs);
  return w !== undefined && r.t + r.latencyMs > w.endMs && r.t > w.endMs - SPILL_MS;
}

/** Judges responses (of `load`, or all) in `ws` against every bound given. */
export function judgeSlo(ctx: CheckContext, check: string, key: string, ws: Window[], load: string | undefined, b: SloBounds): Verdict {
  const rs = responses(ctx, ws, load).filter((r) => !straddles(r, ws));
  const scopeText = `${load ? `'${load}'` : 'all loads'} in ${label(ws)}`;
  if (!rs.length) return noData(ctx, check, key, `no responses of ${scopeText}`);
  const corrected = b.latency === 'corrected';
  const s = stats(rs.map((r) => (corrected ? (r.correctedMs ?? r.latencyMs) : r.latencyMs)));
  const unscheduled = corrected ? rs.filter((r) => r.correctedMs === undefined).length : 0;
  const errors = rs.filter(isError);
  const rate = errors.length / rs.length;
  const parts: string[] = [];
  const broken: string[] = [];
  const measured: Verdict['measured'] = { requests: rs.length };
  for (const p of PERCENTILES) {
    const bound = b[p];
    measured[`${p}Ms`] = num(s[p]);
    if (!bound) continue;
    measured[`${p}BoundMs`] = bound.value;
    const okP = meets(bound, s[p]);
    parts.push(`${p} ${formatMs(s[p])} (${bound.text})`);
    if (!okP) broken.push(`${p} ${formatMs(s[p])} breaks ${bound.text}`);
  }
  const judgesLatency = PERCENTILES.some((p) => b[p]);
  // Say which latency was judged: the service time, or the time from the intended send (wrk2's correction).
  const basis = !judgesLatency
    ? ''
    : corrected
      ? ` (corrected latency: from each request\u2019s intended send time${unscheduled ? `; ${unscheduled} of ${rs.length} requests had no schedule, their service time is used` : ''})`
      : ' (service time: from the actual send)';
  measured.errorRate = num(rate, 4);
  if (b.errors) {
    measured.errorRateBound = b.errors.value;
    parts.push(`errors ${formatFor(b.errors, rate)} (${b.errors.text})`);
    if (!meets(b.errors, rate)) broken.push(`errors ${formatPercent(rate)} break ${b.errors.text}`);
  }
  const byKind = new Map<string, number>();
  for (const r of errors) {
    const k = r.status !== undefined ? String(r.status) : (r.error ?? 'error');
    byKind.set(k, (byKind.get(k) ?? 0) + 1);
  }
  const evidence: Evidence[] = [
    ev('scope', scopeText),
    ev('requests', rs.length),
    ev(`latency p50 / p90 / p99 / max (${corrected ? 'corrected' : 'service time'})`, `${formatMs(s.p50)} / ${formatMs(s.p90)} / ${formatMs(s.p99)} / ${formatMs(s.max)}`),
    ev('errors (5xx, 429, no answer)', errors.length),
    ev('errors by kind', byKind.size ? [...byKind].map(([k, n]) => `${k}: ${n}`).join(', ') : null),
  ];
  return verdict(ctx, check, key, {
    ok: broken.length === 0,
    summary: `${scopeText}: ${parts.join(', ')}${basis}`,
    measured,
    evidence,
    windows: ws,
    failureMode: {
      id: 'slo-breach',
      trigger: `${label(ws)} from ${at(ctx, ws[0]!.startMs)}`,
      spread: `${rs.length} requests of ${load ? `'${load}'` : 'all loads'}`,
      result: broken.join('; '),
    },
  });
}
