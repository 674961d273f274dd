import { z } from 'zod';
import type { Check, CheckContext } from './check.js';
import { boundSchema } from './bounds.js';
import { phaseWindow, scope } from './query.js';
import { judgeBounds, latencyKindSchema } from './judge-bounds.js';
import { inconclusive } from './verdict.js';

export const latencyExpectation = z
  .strictObject({
    load: z.string().optional(),
    phase: z.string().optional(),
    p50: boundSchema('duration').optional(),
    p90: boundSchema('duration').optional(),
    p99: boundSchema('duration').optional(),
    max: boundSchema('duration').optional(),
    /** service (default) or corrected: latency from each request's intended send time (fixed-rate loads). */
    latency: latencyKindSchema,
  })
  .refine((x) => x.p50 || x.p90 || x.p99 || x.max, { error: 'give at least one of p50, p90, p99, max' });
export type LatencyExpectation = z.infer<typeof latencyExpectation>;

function run(ctx: CheckContext, x: LatencyExpectation, key: string) {
  const ws = scope(ctx, x.phase, () => ctx.phases.map(phaseWindow));
  if (typeof ws === 'string') return inconclusive(ctx, 'latency', key, ws);
  return judgeBounds(ctx, 'latency', key, ws, x.load, x);
}

export default {
  name: 'latency',
  description: 'latency percentiles of a load (or all) in a phase (or the whole run) stay within bounds',
  expectation: latencyExpectation,
  run,
} satisfies Check<typeof latencyExpectation>;
