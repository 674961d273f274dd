import { z } from 'zod';
import { boundSchema } from './bounds.js';
import { formatMs } from '../units.js';
import { durationSchema } from '../unit-schemas.js';
import type { Check, CheckContext } from './check.js';
import { formatPercent } from './bounds.js';
import { defaultP99Limit } from './bulkhead.js';
import { at, eventsOf, faultWindows, isSuccess, num, quantile, referenceWindow, responses } from './query.js';
import { ev, inconclusive, verdict } from './verdict.js';

export const recoveryExpectation = z.strictObject({
  /** After the last fault clears, success rate and p99 are back to baseline within this. */
  within: durationSchema,
  /** Judge this load only (default: every load together). */
  load: z.string().optional(),
  /** Absolute p99 a recovered second may have (default: 2× the baseline p99 + 50 ms). */
  p99: boundSchema('duration').optional(),
});
export type RecoveryExpectation = z.infer<typeof recoveryExpectation>;

/** Sliding one-second windows, stepped by this. */
const STEP_MS = 250;
/** Success rate may be this much (absolute) under the baseline's and still count as recovered. */
export const SUCCESS_SLACK = 0.02;

/**
 * MTTR: from the moment the last fault cleared to the start of the first one-second window after
 * which every window (stepped 250 ms, to the end of the run) has the baseline's success rate (within
 * 2 points) and a p99 within 2× baseline + 50 ms. Windows without responses neither help nor hurt.
 */
function run(ctx: CheckContext, x: RecoveryExpectation, key: string) {
  const faulty = faultWindows(ctx);
  const last = faulty[faulty.length - 1];
  if (!last) return inconclusive(ctx, 'recovery', key, 'the run has no faulty phase to recover from');
  const cleared = eventsOf(ctx, 'fault')
    .filter((f) => f.action === 'cleared' && f.t >= last.startMs)
    .reduce((m, f) => Math.max(m, f.t), last.endMs);
  const base = referenceWindow(ctx);
  const bs = base ? responses(ctx, [base], x.load) : [];
  if (!bs.length) return inconclusive(ctx, 'recovery', key, 'no baseline responses to recover to');
  const baseRate = bs.filter(isSuccess).length / bs.length;
  const baseP99 = quantile(bs.map((r) => r.latencyMs).sort((a, b) => a - b), 0.99);
  const p99Limit = x.p99 ? x.p99.value : defaultP99Limit(baseP99);
  const end = ctx.timeline.endMs;
  const after = responses(ctx, [{ startMs: cleared, endMs: end, label: 'after' }], x.load).sort((a, b) => a.t - b.t);
  if (ctx.stopped && (end - cleared < 1000 || !after.length)) return inconclusive(ctx, 'recovery', key, `nothing to judge after the last fault cleared at ${at(ctx, cleared)}`);
  if (end - cleared < 1000 || !after.length) return inconclusive(ctx, 'recovery', key, `only ${formatMs(end - cleared)} and ${after.length} responses after the last fault cleared at ${at(ctx, cleared)}: add a recovery phase`);

  type Win = { start: number; n: number; healthy: boolean; rate: number; p99: number };
  const wins: Win[] = [];
  let lo = 0;
  let hi = 0;
  for (let s = cleared; s + 1000 <= end; s += STEP_MS) {
    while (lo < after.length && after[lo]!.t < s) lo++;
    while (hi < after.length && after[hi]!.t < s + 1000) hi++;
    const inWin = after.slice(lo, hi);
    const rate = inWin.length ? inWin.filter(isSuccess).length / inWin.length : NaN;
    const p99 = quantile(inWin.map((r) => r.latencyMs).sort((a, b) => a - b), 0.99);
    wins.push({ start: s, n: inWin.length, rate, p99, healthy: inWin.length === 0 || (rate >= baseRate - SUCCESS_SLACK && p99 <= p99Limit) });
  }
  let k = wins.length;
  while (k > 0 && wins[k - 1]!.healthy) k--;
  const recovered = wins.slice(k).some((w) => w.n > 0);
  const mttr = recovered ? wins[k]!.start - cleared : NaN;
  const worst = wins.filter((w) => w.n > 0).reduce<Win | undefined>((a, w) => (!a || w.rate < a.rate ? w : a), undefined);
  const lastUnhealthy = k > 0 ? wins[k - 1] : undefined;
  const ok = recovered && mttr <= x.within;
  return verdict(ctx, 'recovery', key, {
    ok,
    summary: recovered
      ? `back to baseline ${formatMs(mttr)} after the last fault cleared (bound ${formatMs(x.within)}; baseline ${formatPercent(baseRate)} ok, p99 ${formatMs(baseP99)})`
      : `not back to baseline in the ${formatMs(end - cleared)} after the last fault cleared${lastUnhealthy ? ` (last second: ${formatPercent(lastUnhealthy.rate)} ok, p99 ${formatMs(lastUnhealthy.p99)})` : ''}`,
    measured: {
      recoveryMs: num(mttr),
      withinMs: x.within,
      baselineSuccessRate: num(baseRate, 4),
      baselineP99Ms: num(baseP99),
      p99LimitMs: num(p99Limit),
      observedAfterMs: num(end - cleared),
    },
    evidence: [
      ev('last fault cleared at', at(ctx, cleared)),
      ev('baseline', `${base!.label}: ${formatPercent(baseRate)} ok, p99 ${formatMs(baseP99)}`),
      ev('recovered when', recovered ? `success ≥ ${formatPercent(baseRate - SUCCESS_SLACK)} and p99 ≤ ${formatMs(p99Limit)} from ${at(ctx, wins[k]!.start)} on` : null),
      ev('worst second after clearing', worst ? `${formatPercent(worst.rate)} ok, p99 ${formatMs(worst.p99)} at ${at(ctx, worst.start)}` : null),
      ev('responses after clearing', after.length),
    ],
    windows: [{ startMs: cleared, endMs: end, label: 'after the last fault' }],
    failureMode: {
      id: 'no-recovery',
      trigger: `the last fault cleared at ${at(ctx, cleared)}`,
      spread: recovered ? `the target took ${formatMs(mttr)} to get back to baseline` : 'the target stayed degraded',
      result: lastUnhealthy ? `at ${at(ctx, lastUnhealthy.start)}: ${formatPercent(lastUnhealthy.rate)} ok, p99 ${formatMs(lastUnhealthy.p99)} (baseline ${formatPercent(baseRate)}, ${formatMs(baseP99)})` : 'degraded after the fault',
    },
  });
}

export default {
  name: 'recovery',
  description: 'after the last fault clears, success rate and p99 return to baseline within the bound (measured MTTR)',
  expectation: recoveryExpectation,
  run,
} satisfies Check<typeof recoveryExpectation>;
