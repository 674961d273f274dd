import { z } from 'zod';
import { formatMs } from '../units.js';
import { durationSchema } from '../unit-schemas.js';
import type { Check, CheckContext, PhaseWindow, Verdict } from './check.js';
import { boundSchema, formatPercent, meets } from './bounds.js';
import { at, baselineWindow, eventsOf, isError, num, phaseNamed, phaseWindow, responses, span } from './query.js';
import { ev, inconclusive, verdict } from './verdict.js';

export const failoverExpectation = z.strictObject({
  /** A dependency with `replicas: N`. */
  dependency: z.string(),
  /** The target stops sending to the faulted replica within this of the fault starting. */
  within: durationSchema,
  /** The phase that faults one replica (default: the first phase that does). */
  phase: z.string().optional(),
  /** Client error rate once failed over, to the end of the phase (default: the baseline's + 1 point). */
  errors: boundSchema('ratio').optional(),
  /** Judge this load's answers only (default: every load). */
  load: z.string().optional(),
  /** Traffic comes back to the replica once its fault clears (default true). */
  returns: z.boolean().default(true),
  /** ... within this of the fault clearing (default: any time before the next fault or the end). */
  'returns-within': durationSchema.optional(),
});
export type FailoverExpectation = z.infer<typeof failoverExpectation>;

const BUCKET_MS = 500;
/** A replica left alone may still get probes: up to this share of its baseline rate, or one call per bucket. */
const PROBE_SHARE = 0.1;
/** Traffic "returned" when a one-second window has at least this share of the replica's baseline rate. */
const RETURN_SHARE = 0.5;

/**
 * Failover across replicas: one replica of a dependency goes bad (hangs, slows, fails) and the target
 * should leave it. Measured at the stand-ins: when the faulted replica's calls fall to probe level
 * (per half second: one call, or 10 % of its baseline rate) for the rest of the phase; the client errors from
 * the fault to then and after; and, when the fault clears, whether its traffic comes back.
 */
function run(ctx: CheckContext, x: FailoverExpectation, key: string): Verdict {
  const isOne = (p: PhaseWindow) => p.faults.find((f) => f.dependency === x.dependency && f.type !== 'target' && f.replica !== undefined);
  const phase = x.phase !== undefined ? phaseNamed(ctx, x.phase) : ctx.phases.find((p) => isOne(p));
  if (!phase) return inconclusive(ctx, 'failover', key, x.phase !== undefined ? `no phase named '${x.phase}' in this run` : `no phase faults a single replica of '${x.dependency}' (add a fault with replica: N)`);
  const fault = isOne(phase);
  if (!fault) return inconclusive(ctx, 'failover', key, `phase '${phase.name}' faults no single replica of '${x.dependency}'`);
  const r = fault.replica!;
  const w = phaseWindow(phase);
  const base = baselineWindow(ctx);
  const calls = eventsOf(ctx, 'dep-request').filter((e) => e.dependency === x.dependency);
  const replicas = new Set(calls.map((c) => c.replica).filter((v) => v !== undefined));
  if (!replicas.size) return inconclusive(ctx, 'failover', key, `no calls to '${x.dependency}' carry a replica: is it declared with replicas: N?`);
  const mine = calls.filter((c) => c.replica === r);
  const baseCalls = base ? mine.filter((c) => c.t >= base.startMs && c.t < base.endMs).length : 0;
  if (!base || baseCalls === 0) return inconclusive(ctx, 'failover', key, `the target never called replica ${r} of '${x.dependency}' in the baseline: does it use every URL of \${deps.${x.dependency}.urls}?`);
  const baseRate = baseCalls / (span([base]) / 1000);
  const allowance = Math.max(1, PROBE_SHARE * baseRate);

  // Buckets over the phase: the last one above probe level ends the stretch of full traffic.
  const during = mine.filter((c) => c.t >= w.startMs && c.t < w.endMs);
  const n = Math.max(1, Math.floor((w.endMs - w.startMs) / BUCKET_MS)); // the remainder joins the last bucket
  const counts = new Array<number>(n).fill(0);
  for (const c of during) counts[Math.min(n - 1, Math.floor((c.t - w.startMs) / BUCKET_MS))]! += 1;
  const lastBucketMs = w.endMs - (w.startMs + (n - 1) * BUCKET_MS);
  // A lone call in a half second is a probe whatever the baseline rate.
  const over = (i: number) => counts[i]! > Math.max(1, allowance * ((i === n - 1 ? lastBucketMs : BUCKET_MS) / 1000));
  let j = n - 1;
  while (j >= 0 && !over(j)) j--;
  const stillSending = j === n - 1;
  const lastFull = j >= 0 ? during.filter((c) => c.t < w.startMs + (j + 1) * BUCKET_MS).at(-1) : undefined;
  const stoppedAt = stillSending ? undefined : (lastFull?.t ?? w.startMs);
  const switchMs = stoppedAt !== undefined ? stoppedAt - w.startMs : undefined;
  const tailRate = stillSending ? counts[n - 1]! / (lastBucketMs / 1000) : undefined;

  // Client side: errors while switching, and once switched.
  const rsOf = (a: number, b: number) => responses(ctx, [{ startMs: a, endMs: b, label: 'part' }], x.load);
  const switching = stoppedAt !== undefined ? rsOf(w.startMs, Math.max(stoppedAt, w.startMs + 1)) : rsOf(w.startMs, w.endMs);
  const switchErrors = switching.filter(isError).length;
  const afterRs = stoppedAt !== undefined && w.endMs - stoppedAt >= 1000 ? rsOf(stoppedAt, w.endMs) : [];
  const bs = responses(ctx, [base], x.load);
  const baseErr = bs.length ? bs.filter(isError).length / bs.length : 0;
  const afterErr = afterRs.length ? afterRs.filter(isError).length / afterRs.length : NaN;
  const errLimit = x.errors ? x.errors.value : baseErr + 0.01;
  const errOk = !afterRs.length || (x.errors ? meets(x.errors, afterErr) : afterErr <= errLimit);
  const others = calls.filter((c) => c.replica !== r && c.t >= (stoppedAt ?? w.startMs) && c.t < w.endMs).length;

  // After the fault: does its traffic come back?
  const next = ctx.phases.find((p) => p.startMs >= w.endMs && p.faults.some((f) => f.dependency === x.dependency && f.type !== 'target'));
  const until = next ? next.startMs : ctx.timeline.endMs;
  let returnedMs: number | undefined;
  const later = mine.filter((c) => c.t >= w.endMs && c.t < until);
  for (let s = w.endMs, lo = 0, hi = 0; s + 1000 <= until; s += 250) {
    while (lo < later.length && later[lo]!.t < s) lo++;
    while (hi < later.length && later[hi]!.t < s + 1000) hi++;
    if (hi - lo >= Math.max(2, RETURN_SHARE * baseRate)) {
      returnedMs = later[lo]!.t - w.endMs; // the first call of the first window back at half its baseline rate
      break;
    }
  }
  const returnJudged = x.returns && until - w.endMs >= 1000;
  const returnOk = !x.returns || !returnJudged || (returnedMs !== undefined && (x['returns-within'] === undefined || returnedMs <= x['returns-within']));
  const switchOk = switchMs !== undefined && switchMs <= x.within;
  const ok = switchOk && errOk && returnOk;

  const faultText = `${fault.fault} on replica ${r} of ${replicas.size}`;
  const parts = [
    switchMs !== undefined
      ? `left replica ${r} of '${x.dependency}' ${formatMs(switchMs)} after it started to ${fault.fault} (bound ${formatMs(x.within)})`
      : `kept sending to replica ${r} of '${x.dependency}' while it ${fault.fault === 'hang' ? 'hung' : `answered ${fault.fault}`}: ${num(tailRate, 1)} calls/s at the end of '${phase.name}' (baseline ${num(baseRate, 1)}/s)`,
    `${switchErrors} of ${switching.length} requests failed meanwhile`,
    afterRs.length ? `then errors ${formatPercent(afterErr)} (bound ${formatPercent(errLimit)})` : '',
    !x.returns ? '' : !returnJudged ? 'return not observable (no fault-free second after the phase)' : returnedMs !== undefined ? `traffic back ${formatMs(returnedMs)} after the fault cleared` : 'traffic never came back after the fault cleared',
  ].filter(Boolean);
  const noReturn = switchOk && errOk && !returnOk;
  return verdict(ctx, 'failover', key, {
    ok,
    summary: parts.join('; '),
    measured: {
      switchMs: num(switchMs),
      withinMs: x.within,
      switchErrors,
      switchRequests: switching.length,
      errorRateAfter: num(afterErr, 4),
      errorRateBound: num(errLimit, 4),
      replicaCallsPerSecondBefore: num(baseRate, 2),
      replicaCallsPerSecondAtEnd: num(tailRate, 2),
      callsToOtherReplicas: others,
      returnedMs: num(returnedMs),
      returnsWithinMs: x['returns-within'] ?? null,
    },
    evidence: [
      ev('fault', `${faultText} from ${at(ctx, w.startMs)} ('${phase.name}')`),
      ev(`calls to replica ${r}`, `${num(baseRate, 1)}/s in ${base.label}; ${during.length} during '${phase.name}'`),
      ev('stopped at', stoppedAt !== undefined ? at(ctx, stoppedAt) : null),
      ev('probe level allowed', `${num(allowance, 2)} calls/s`),
      ev('calls to the other replicas after that', others),
      ev('client errors while switching', `${switchErrors} of ${switching.length}`),
      ev('client error rate once switched / baseline', afterRs.length ? `${formatPercent(afterErr)} / ${formatPercent(baseErr)}` : null),
      ev('traffic back after the fault', returnedMs !== undefined ? formatMs(returnedMs) : null),
    ],
    windows: [{ startMs: w.startMs, endMs: returnJudged ? until : w.endMs, label: phase.name }],
    inconclusive: x.returns && !returnJudged ? `whether traffic returns to replica ${r} was not observable: no fault-free second after '${phase.name}'` : undefined,
    failureMode: noReturn
      ? {
          id: 'no-recovery',
          trigger: `the ${fault.fault} on replica ${r} of '${x.dependency}' cleared at ${at(ctx, w.endMs)}`,
          spread: `the target kept it out of its rotation`,
          result: `replica ${r} got ${later.length} calls in the ${formatMs(until - w.endMs)} after (baseline ${num(baseRate, 1)}/s): ${replicas.size - 1} replicas carry all the load`,
        }
      : {
          id: 'no-failover',
          trigger: `replica ${r} of '${x.dependency}' started to ${fault.fault} at ${at(ctx, w.startMs)} ('${phase.name}')`,
          spread:
            switchMs === undefined
              ? `the target kept sending it its share: ${num(tailRate, 1)} calls/s at the end of the phase (baseline ${num(baseRate, 1)}/s)`
              : switchMs > x.within
                ? `the target took ${formatMs(switchMs)} to leave it`
                : `the target left it after ${formatMs(switchMs)} but its answers stayed worse than the baseline`,
          result: `${switchErrors} of ${switching.length} requests failed${afterRs.length ? `, then ${formatPercent(afterErr)} errors` : ''}`,
        },
  });
}

export default {
  name: 'failover',
  description: 'one replica of a dependency goes bad: the target leaves it within the bound, its clients stay served, and traffic returns once it recovers',
  expectation: failoverExpectation,
  run,
} satisfies Check<typeof failoverExpectation>;
