import { z } from 'zod';
import { formatMs } from '../units.js';
import type { Check, CheckContext } from './check.js';
import { boundSchema, formatPercent, meets } from './bounds.js';
import { at, baselineWindow, isError, num, phaseNamed, phaseWindow, responses, stats } from './query.js';
import { ev, inconclusive, verdict } from './verdict.js';

export const bulkheadExpectation = z.strictObject({
  /** A load that does not use the faulty dependency. */
  load: z.string(),
  /** The phase during which it must keep its baseline. */
  during: z.string(),
  /** Absolute p99 bound (default: within 2× the baseline p99 + 50 ms). */
  p99: boundSchema('duration').optional(),
  /** Absolute error-rate bound (default: the baseline's rate + 1 percentage point). */
  errors: boundSchema('ratio').optional(),
});
export type BulkheadExpectation = z.infer<typeof bulkheadExpectation>;

/** Default p99 allowance over the baseline: loopback p99s are small and noisy on a busy machine. */
export const defaultP99Limit = (baselineP99: number): number => baselineP99 * 2 + 50;

function run(ctx: CheckContext, x: BulkheadExpectation, key: string) {
  const phase = phaseNamed(ctx, x.during);
  if (!phase) return inconclusive(ctx, 'bulkhead', key, `no phase named '${x.during}' in this run`);
  const w = phaseWindow(phase);
  const base = baselineWindow(ctx);
  const rs = responses(ctx, [w], x.load);
  if (!rs.length) return inconclusive(ctx, 'bulkhead', key, `no responses of load '${x.load}' during '${x.during}'`);
  const bs = base ? responses(ctx, [base], x.load) : [];
  if (!bs.length && (x.p99 === undefined || x.errors === undefined)) {
    return inconclusive(ctx, 'bulkhead', key, `no baseline responses of load '${x.load}' to compare with (give absolute p99 and errors bounds)`);
  }
  const d = stats(rs.map((r) => r.latencyMs));
  const b = stats(bs.map((r) => r.latencyMs));
  const errRate = rs.filter(isError).length / rs.length;
  const baseErr = bs.length ? bs.filter(isError).length / bs.length : 0;
  const p99Limit = x.p99 ? x.p99.value : defaultP99Limit(b.p99);
  const p99Ok = x.p99 ? meets(x.p99, d.p99) : d.p99 <= p99Limit;
  const errLimit = x.errors ? x.errors.value : baseErr + 0.01;
  const errOk = x.errors ? meets(x.errors, errRate) : errRate <= errLimit;
  const measured = {
    p99Ms: num(d.p99),
    p50Ms: num(d.p50),
    baselineP99Ms: num(b.p99),
    p99BoundMs: num(p99Limit),
    errorRate: num(errRate, 4),
    baselineErrorRate: num(baseErr, 4),
    errorRateBound: num(errLimit, 4),
    requests: rs.length,
  };
  const faults = phase.faults.map((f) => `${f.fault} on ${f.dependency}`).join(', ') || 'no faults';
  return verdict(ctx, 'bulkhead', key, {
    ok: p99Ok && errOk,
    summary: `'${x.load}' during '${x.during}': p99 ${formatMs(d.p99)} (baseline ${bs.length ? formatMs(b.p99) : 'n/a'}, bound ${formatMs(p99Limit)}), errors ${formatPercent(errRate)} (bound ${formatPercent(errLimit)})`,
    measured,
    evidence: [
      ev('phase', `${x.during} (${faults})`),
      ev('baseline', base?.label ?? null),
      ev(`requests of '${x.load}'`, rs.length),
      ev('latency during (p50 / p99)', `${formatMs(d.p50)} / ${formatMs(d.p99)}`),
      ev('latency at baseline (p50 / p99)', bs.length ? `${formatMs(b.p50)} / ${formatMs(b.p99)}` : null),
      ev('error rate during / baseline', `${formatPercent(errRate)} / ${formatPercent(baseErr)}`),
    ],
    windows: [w],
    failureMode: {
      id: p99Ok ? 'cascading-failure' : 'chain-reaction',
      trigger: `${faults} from ${at(ctx, w.startMs)} ('${x.during}')`,
      spread: `load '${x.load}', which should not need it, ${p99Ok ? 'started failing' : 'slowed down'} with it`,
      result: `p99 ${formatMs(d.p99)} (baseline ${bs.length ? formatMs(b.p99) : 'n/a'}), errors ${formatPercent(errRate)} (baseline ${formatPercent(baseErr)})`,
    },
  });
}

export default {
  name: 'bulkhead',
  description: 'a load that does not use the faulty dependency keeps its baseline latency and error rate during the fault',
  expectation: bulkheadExpectation,
  run,
} satisfies Check<typeof bulkheadExpectation>;
