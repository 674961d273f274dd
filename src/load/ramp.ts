import { z } from 'zod';
import { rateSchema } from '../unit-schemas.js';
import { Histogram, roundUs } from '../timeline/summary.js';
import { monotonicMs } from '../timeline/clock.js';
import { LIMITS, Tally, boundedDuration, buildRequest, deadlineOf, intIn, recordOutcome, requestFields, targetOf } from './common.js';
import { Pool, drive } from './engine.js';
import type { LoadShape, LoadSummary, RampStep } from './shape.js';

const boundedRate = rateSchema.refine((r) => r <= LIMITS.ratePerSecond, `must be at most ${LIMITS.ratePerSecond}/s`);
/** 0.01 or "1%". */
const fraction = z.union([
  z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1'),
  z
    .string()
    .regex(/^\s*\d+(\.\d+)?\s*%\s*$/, 'must be a fraction like 0.01 or a percentage like "1%"')
    .transform((v) => Number.parseFloat(v) / 100),
]);

const spec = z
  .object({
    ...requestFields,
    from: boundedRate,
    to: boundedRate,
    /** Steps from `from` to `to`, both included. */
    steps: intIn(2, 100).default(5),
    /** How long each step holds its rate. */
    stepFor: boundedDuration(100, 3_600_000).default(5_000),
    /** Most requests in flight at once (default 512). */
    connections: intIn(1, LIMITS.connections).default(512),
    count: intIn(1, LIMITS.count).default(10_000_000),
    /** A step past either limit is past capacity. */
    limits: z.object({ p99: boundedDuration(0, LIMITS.timeoutMs).optional(), errors: fraction.optional() }).strict().default({}),
  })
  .strict();

/**
 * A rate rising in steps. The step at which p99 or the error rate crosses a limit is the target's
 * capacity (Release It!: maximum throughput with acceptable performance).
 */
export default {
  name: 'ramp',
  description: 'a rate rising in steps; reports the step where p99 or errors cross the limits (capacity)',
  spec,
  async run(ctx) {
    const s = ctx.spec;
    const tally = new Tally();
    const deadline = deadlineOf(tally.started, s.steps * s.stepFor, ctx.runMs);
    const pool = new Pool(targetOf(ctx.baseUrl), s.timeout, s.connections);
    const req = buildRequest(ctx.baseUrl, s);
    const budget = { left: s.count };
    const steps: RampStep[] = [];
    let stoppedBy: LoadSummary['stoppedBy'] = 'done';
    let missed = 0;
    let capacity: LoadSummary['capacity'];
    for (let i = 0; i < s.steps; i++) {
      const rate = s.from + ((s.to - s.from) * i) / (s.steps - 1);
      const stepStart = monotonicMs();
      // On the timeline too, so the capacity check can judge the steps from the recorded responses.
      const limits = { ...(s.limits.p99 !== undefined ? { p99Ms: s.limits.p99 } : {}), ...(s.limits.errors !== undefined ? { errors: s.limits.errors } : {}) };
      ctx.sink({ kind: 'load-step', t: stepStart, load: ctx.name, step: i, rate: Math.round(rate * 100) / 100, stepForMs: s.stepFor, limits });
      const h = new Histogram();
      let ok = 0;
      let errors = 0;
      const r = await drive({
        pool,
        req,
        noBody: s.method === 'HEAD',
        rate,
        concurrency: s.connections,
        until: Math.min(stepStart + s.stepFor, deadline),
        budget,
        signal: ctx.signal,
        onOutcome: (t, o, intended) => {
          recordOutcome(ctx.sink, tally, ctx.name, t, o, intended);
          h.record(monotonicMs() - t);
          if (o.error || (o.status ?? 0) >= 500) errors += 1;
          else ok += 1;
        },
      });
      missed += r.missed;
      // Missed slots are failures too: the target could not take the offered rate.
      const requests = h.total + r.missed;
      const step: RampStep = {
        step: i,
        rate: Math.round(rate * 100) / 100,
        requests: h.total,
        ok,
        errors,
        p99Ms: roundUs(h.quantile(0.99)),
        rps: Math.round((h.total / Math.max(1, monotonicMs() - stepStart)) * 1000 * 10) / 10,
      };
      steps.push(step);
      const reasons: string[] = [];
      if (s.limits.p99 !== undefined && step.p99Ms > s.limits.p99) reasons.push(`p99 ${step.p99Ms} ms > ${s.limits.p99} ms`);
      if (s.limits.errors !== undefined && requests > 0 && (errors + r.missed) / requests > s.limits.errors) {
        reasons.push(`errors ${(((errors + r.missed) / requests) * 100).toFixed(1)}% > ${(s.limits.errors * 100).toFixed(1)}%`);
      }
      if (reasons.length && !capacity?.exceededAt) {
        const prev = steps[i - 1];
        capacity = { rate: prev?.rate ?? 0, step: prev?.step ?? -1, exceededAt: { rate: step.rate, step: i, reason: reasons.join(', ') } };
      }
      if (r.stoppedBy !== 'duration' || monotonicMs() >= deadline) {
        stoppedBy = r.stoppedBy === 'duration' && i === s.steps - 1 ? 'done' : r.stoppedBy;
        break;
      }
    }
    pool.destroyAll();
    if (!capacity && steps.length) {
      const last = steps[steps.length - 1]!;
      capacity = { rate: last.rate, step: last.step };
    }
    return tally.summary(ctx.name, 'ramp', stoppedBy, { steps, missed, ...(capacity ? { capacity } : {}) });
  },
} satisfies LoadShape<typeof spec>;
