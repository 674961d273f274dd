import { z } from 'zod';
import { formatMs } from '../units.js';
import type { Check, CheckContext } from './check.js';
import { at, baselineWindow, faultWindows, gaveUpAfter, isError, isSuccess, label, num, phaseWindow, responses, scope, stats } from './query.js';
import { ev, inconclusive, verdict } from './verdict.js';

export const failFastExpectation = z.strictObject({
  load: z.string().optional(),
  phase: z.string().optional(),
  /** Error p50 may be at most this multiple of success p50 (default 1: at least as fast). */
  ratio: z.number().positive().optional(),
});
export type FailFastExpectation = z.infer<typeof failFastExpectation>;

/** Loopback successes take a millisecond or two: errors get this much absolute leeway over them. */
export const SLACK_MS = 10;

/**
 * Compares the p50 latency of errors (5xx, 429, connection errors, our client's timeouts) with that of
 * successes in the same windows (default: every faulty phase); without successes there, the
 * baseline's successes of the same load stand in.
 */
function run(ctx: CheckContext, x: FailFastExpectation, key: string) {
  const ws = scope(ctx, x.phase, () => {
    const f = faultWindows(ctx);
    return f.length ? f : ctx.phases.map(phaseWindow);
  });
  if (typeof ws === 'string') return inconclusive(ctx, 'fail-fast', key, ws);
  const rs = responses(ctx, ws, x.load);
  const errors = rs.filter(isError);
  let successes = rs.filter(isSuccess);
  let successesFrom = label(ws);
  const base = baselineWindow(ctx);
  if (!successes.length && base) {
    successes = responses(ctx, [base], x.load).filter(isSuccess);
    successesFrom = `${base.label} (no successes during ${label(ws)})`;
  }
  const ratio = x.ratio ?? 1;
  if (!errors.length) return inconclusive(ctx, 'fail-fast', key, `no error responses${x.load ? ` of load '${x.load}'` : ''} in ${label(ws)}: fail-fast was not exercised`, { errors: 0, successes: successes.length });
  if (!successes.length) return inconclusive(ctx, 'fail-fast', key, `no successful responses to compare errors with`, { errors: errors.length, successes: 0 });
  const e = stats(errors.map((r) => r.latencyMs));
  const s = stats(successes.map((r) => r.latencyMs));
  const limit = s.p50 * ratio + SLACK_MS;
  const ok = e.p50 <= limit;
  const timedOut = errors.filter((r) => r.error === 'timeout');
  const timeouts = timedOut.length;
  return verdict(ctx, 'fail-fast', key, {
    ok,
    summary: `errors took ${formatMs(e.p50)} (p50, p99 ${formatMs(e.p99)}) vs successes ${formatMs(s.p50)} (p50); allowed ${ratio}× + ${SLACK_MS} ms`,
    measured: { errorP50Ms: num(e.p50), errorP99Ms: num(e.p99), successP50Ms: num(s.p50), successP99Ms: num(s.p99), ratio: num(e.p50 / s.p50, 2), ratioBound: ratio, errors: errors.length, successes: successes.length },
    evidence: [
      ev('errors judged over', label(ws)),
      ev('successes from', successesFrom),
      ev('errors (5xx, 429, connection errors, client timeouts)', errors.length),
      ev('of which client timeouts', timeouts),
      ev('error latency (p50 / p99)', `${formatMs(e.p50)} / ${formatMs(e.p99)}`),
      ev('success latency (p50 / p99)', `${formatMs(s.p50)} / ${formatMs(s.p99)}`),
    ],
    windows: ws,
    failureMode: {
      id: 'slow-failure',
      trigger: `requests failed from ${at(ctx, ws[0]!.startMs)} (${label(ws)})`,
      spread: `errors took ${formatMs(e.p50)} (p50) against ${formatMs(s.p50)} for successes`,
      result: `${errors.length} callers waited only to be told no${timeouts ? `; ${timeouts} gave up after ${gaveUpAfter(ctx, timedOut)}` : ''}`,
    },
  });
}

export default {
  name: 'fail-fast',
  description: 'error responses come back at least as fast as successes',
  expectation: failFastExpectation,
  run,
} satisfies Check<typeof failFastExpectation>;
