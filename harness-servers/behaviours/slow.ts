import { z } from 'zod';
import { durationSchema } from '../../src/unit-schemas.js';
import { monotonicMs } from '../../src/timeline/clock.js';
import type { Behaviour } from '../behaviour.js';
import { contractAnswer } from './ok.js';
import { oneOf, fixed, log, real } from '../../src/faults/kind.js';

// Answers like `ok`, late. The delay is drawn per request (seeded) from a distribution and measured
// from the request's arrival, so body upload time is not added on top.
const MAX_DELAY = 24 * 3_600_000;
const params = z
  .strictObject({
    distribution: z.enum(['fixed', 'uniform', 'normal', 'lognormal']).default('fixed'),
    /** fixed: the delay; normal: the mean; lognormal: the median. */
    delay: durationSchema.default(1000),
    /** uniform: bounds; every distribution is also clamped to [min, max] when max is given. */
    min: durationSchema.default(0),
    max: durationSchema.optional(),
    /** normal: standard deviation. */
    stddev: durationSchema.default(100),
    /** lognormal: shape (sigma of the underlying normal). */
    sigma: z.number().min(0).max(5).default(0.5),
    /** Status/body when there is no contract (as `ok`). */
    status: z.number().int().min(100).max(599).default(200),
    json: z.unknown().default({ ok: true }),
  })
  .refine((p) => p.max === undefined || p.min <= p.max, { error: 'min must not exceed max', path: ['min'] })
  .refine((p) => p.distribution !== 'uniform' || p.max !== undefined, { error: 'uniform needs max', path: ['max'] })
  .refine((p) => p.delay <= MAX_DELAY && (p.max ?? 0) <= MAX_DELAY, { error: 'delays are capped at 24h', path: ['delay'] });

type P = z.output<typeof params>;

/** Box-Muller standard normal from a uniform generator. */
function gauss(rng: () => number): number {
  const u = 1 - rng();
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

export function sampler(p: P, rng: () => number): () => number {
  const lo = p.min;
  const hi = p.max ?? MAX_DELAY;
  const clamp = (v: number) => Math.min(hi, Math.max(lo, v));
  switch (p.distribution) {
    case 'fixed':
      return () => clamp(p.delay);
    case 'uniform':
      return () => lo + rng() * (hi - lo);
    case 'normal':
      return () => clamp(p.delay + gauss(rng) * p.stddev);
    case 'lognormal':
      return () => clamp(p.delay * Math.exp(gauss(rng) * p.sigma));
  }
}

export default {
  name: 'slow',
  description: 'answers like ok after a delay: fixed, uniform, normal or lognormal (seeded)',
  kind: 'holds',
  params,
  explore: { distribution: oneOf('fixed', 'normal', 'lognormal'), delay: log(10, 10_000, 'ms'), min: fixed('a clamp, not a fault'), max: fixed('a clamp, not a fault'), stddev: log(10, 2000, 'ms'), sigma: real(0.1, 2), status: oneOf(200), json: fixed('the body a healthy answer carries') },
  create(p, env) {
    const answer = contractAnswer(env.contract, p.status, p.json);
    const next = sampler(p, env.rng());
    return {
      label: 'slow',
      request(x) {
        // Whole milliseconds: node keeps one timer list per distinct duration, and fractional delays
        // would make one list per request (measurably slower at thousands of requests a second).
        const wait = Math.round(next() - (monotonicMs() - x.rec.t));
        const timer = setTimeout(answer, Math.max(0, wait), x);
        x.onGone(() => clearTimeout(timer));
      },
    };
  },
} satisfies Behaviour<typeof params>;
