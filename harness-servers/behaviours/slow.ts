import { monotonicMs } from '../../src/timeline/clock.js';
import type { BehaviourImplFor } from '../behaviour.js';
import type { ParamsOf } from './params.js';
import { contractAnswer } from './ok.js';

// Answers like `ok`, late. The delay is drawn per request (seeded) from a distribution and measured
// from the request's arrival, so body upload time is not added on top.

/** The longest delay a schema accepts; also the upper clamp when `max` is not given. */
export const MAX_DELAY = 24 * 3_600_000;

type P = ParamsOf<'slow'>;

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
} satisfies BehaviourImplFor<P>;
