import { z } from 'zod';
import { formatMs } from '../units.js';
import type { CheckContext, Evidence, Verdict } from './check.js';
import { type Bound, formatFor, formatPercent, meets } from './bounds.js';
import { at, ERROR_CLASSES, errorClassOf, label, num, responses, stats, type ErrorClassName, type Window } from './query.js';
import { ev, inconclusive, verdict } from './verdict.js';

/** Percentile and error-rate bounds over windows, shared by latency, errors and steady-state (the slo check is the error budget). */
export interface ServiceBounds {
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
  /** Which error classes the `errors` rate counts (default: all of them). */
  errorClasses?: readonly ErrorClassName[] | undefined;
}

/** The expectation field choosing the latency a percentile bound judges. */
export const latencyKindSchema = z.enum(['service', 'corrected']).default('service');

const PERCENTILES = ['p50', 'p90', 'p99', 'max'] as const;

/**
 * Judges responses (of `load`, or all) in `ws` against every bound given. Requests straddling a phase
 * edge count for neither phase (query.ts `responses`).
 */
export function judgeBounds(ctx: CheckContext, check: string, key: string, ws: Window[], load: string | undefined, b: ServiceBounds): Verdict {
  const rs = responses(ctx, ws, load);
  const scopeText = `${load ? `'${load}'` : 'all loads'} in ${label(ws)}`;
  if (!rs.length) return inconclusive(ctx, check, key, `no request of ${scopeText} (requests sent in a phase's last second and answered after it count for neither phase)`, { requests: 0 });
  const corrected = b.latency === 'corrected';
  const s = stats(rs.map((r) => (corrected ? (r.correctedMs ?? r.latencyMs) : r.latencyMs)));
  const unscheduled = corrected ? rs.filter((r) => r.correctedMs === undefined).length : 0;
  const classes: readonly ErrorClassName[] = b.errorClasses?.length ? b.errorClasses : ERROR_CLASSES;
  const allClasses = classes.length === ERROR_CLASSES.length;
  const errors = rs.filter((r) => {
    const c = errorClassOf(r);
    return c !== undefined && classes.includes(c);
  });
  const rate = errors.length / rs.length;
  const errorsText = allClasses ? 'errors' : `errors (${classes.join(', ')})`;
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
    parts.push(`${errorsText} ${formatFor(b.errors, rate)} (${b.errors.text})`);
    if (!meets(b.errors, rate)) broken.push(`${errorsText} ${formatPercent(rate)} break ${b.errors.text}`);
  }
  const byClass = new Map<ErrorClassName, number>();
  for (const r of rs) {
    const c = errorClassOf(r);
    if (c) byClass.set(c, (byClass.get(c) ?? 0) + 1);
  }
  for (const c of ERROR_CLASSES) if (byClass.has(c) || !allClasses && classes.includes(c)) measured[`${c}Errors`] = byClass.get(c) ?? 0;
  const byKind = new Map<string, number>();
  for (const r of errors) {
    const k = r.status !== undefined ? String(r.status) : (r.error ?? 'error');
    byKind.set(k, (byKind.get(k) ?? 0) + 1);
  }
  const evidence: Evidence[] = [
    ev('scope', scopeText),
    ev('requests', rs.length),
    ev(`latency p50 / p90 / p99 / max (${corrected ? 'corrected' : 'service time'})`, `${formatMs(s.p50)} / ${formatMs(s.p90)} / ${formatMs(s.p99)} / ${formatMs(s.max)}`),
    ev(allClasses ? 'errors (5xx, 429, no answer)' : `errors counted (${classes.join(', ')})`, errors.length),
    ev('errors by class (status = 5xx/429, timeout = never answered within the client timeout)', [...byClass].map(([k, n]) => `${k}: ${n}`).join(', ') || null),
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
