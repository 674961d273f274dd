import { z } from 'zod';
import type { Check, CheckContext } from './check.js';
import { boundSchema } from './bounds.js';
import { ERROR_CLASSES, phaseWindow, scope } from './query.js';
import { judgeBounds } from './judge-bounds.js';
import { inconclusive } from './verdict.js';

const errorClass = z.enum(ERROR_CLASSES);

export const errorsExpectation = z.strictObject({
  load: z.string().optional(),
  phase: z.string().optional(),
  /** Share of requests that are errors of the chosen classes: "< 1%". */
  rate: boundSchema('ratio'),
  /**
   * Which errors count (default all): `status` (answered 5xx/429), `timeout` (never answered within
   * crumple's client timeout), `closed`, `reset`, `refused`, `other`. "Every request answered" is
   * `{ class: timeout, rate: 0% }`.
   */
  class: z.union([errorClass, z.array(errorClass).min(1)]).optional(),
});
export type ErrorsExpectation = z.infer<typeof errorsExpectation>;

function run(ctx: CheckContext, x: ErrorsExpectation, key: string) {
  const ws = scope(ctx, x.phase, () => ctx.phases.map(phaseWindow));
  if (typeof ws === 'string') return inconclusive(ctx, 'errors', key, ws);
  const classes = x.class === undefined ? undefined : Array.isArray(x.class) ? x.class : [x.class];
  return judgeBounds(ctx, 'errors', key, ws, x.load, { errors: x.rate, errorClasses: classes });
}

export default {
  name: 'errors',
  description: 'the error rate (5xx, 429, no answer; or only the classes given) of a load (or all) in a phase (or the whole run) stays within a bound',
  expectation: errorsExpectation,
  run,
} satisfies Check<typeof errorsExpectation>;
