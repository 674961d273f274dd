import { z } from 'zod';
import type { Check, CheckContext } from './check.js';
import { boundSchema } from './bounds.js';
import { baselineWindow, scope } from './query.js';
import { judgeBounds, latencyKindSchema } from './judge-bounds.js';
import { inconclusive } from './verdict.js';

/**
 * Chaos Toolkit's steady-state hypothesis: before any fault, the target meets these bounds. The runner
 * calls this when the baseline phase ends; if it fails the run stops ("target not healthy before
 * faults") and no other verdicts are given.
 */
export const steadyStateExpectation = z
  .strictObject({
    /** Default: the last fault-free phase before the first fault (usually "baseline"). */
    phase: z.string().optional(),
    load: z.string().optional(),
    errors: boundSchema('ratio').optional(),
    p50: boundSchema('duration').optional(),
    p90: boundSchema('duration').optional(),
    p99: boundSchema('duration').optional(),
    /** service (default) or corrected: latency from each request's intended send time (fixed-rate loads). */
    latency: latencyKindSchema,
  })
  .refine((x) => x.errors || x.p50 || x.p90 || x.p99, { error: 'give at least one of errors, p50, p90, p99' });
export type SteadyStateExpectation = z.infer<typeof steadyStateExpectation>;

function run(ctx: CheckContext, x: SteadyStateExpectation, key: string) {
  const ws = scope(ctx, x.phase, () => {
    const b = baselineWindow(ctx);
    return b ? [b] : [];
  });
  if (typeof ws === 'string') return inconclusive(ctx, 'steady-state', key, ws);
  if (!ws.length) return inconclusive(ctx, 'steady-state', key, 'the run has no fault-free phase before its faults');
  return judgeBounds(ctx, 'steady-state', key, ws, x.load, x);
}

export default {
  name: 'steady-state',
  description: 'before any fault, the baseline phase meets its error and latency bounds (else the run stops)',
  expectation: steadyStateExpectation,
  run,
} satisfies Check<typeof steadyStateExpectation>;
