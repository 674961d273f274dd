import { z } from 'zod';
import type { Check, CheckContext } from './check.js';
import { boundSchema } from './bounds.js';
import { phaseWindow, scope } from './query.js';
import { judgeSlo } from './slo.js';
import { noData } from './verdict.js';

export const errorsExpectation = z.strictObject({
  load: z.string().optional(),
  phase: z.string().optional(),
  /** Share of requests answered 5xx or 429, or not answered at all: "< 1%". */
  rate: boundSchema('ratio'),
});
export type ErrorsExpectation = z.infer<typeof errorsExpectation>;

function run(ctx: CheckContext, x: ErrorsExpectation, key: string) {
  const ws = scope(ctx, x.phase, () => ctx.phases.map(phaseWindow));
  if (typeof ws === 'string') return noData(ctx, 'errors', key, ws);
  return judgeSlo(ctx, 'errors', key, ws, x.load, { errors: x.rate });
}

export default {
  name: 'errors',
  description: 'the error rate (5xx, 429, no answer) of a load (or all) in a phase (or the whole run) stays within a bound',
  expectation: errorsExpectation,
  run,
} satisfies Check<typeof errorsExpectation>;
