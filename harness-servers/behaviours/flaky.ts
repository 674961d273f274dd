import { z } from 'zod';
import { nestedSchema, type Behaviour } from '../behaviour.js';
import { real, nested } from '../../src/faults/kind.js';

// One behaviour for a seeded fraction of requests, another for the rest. Logged as "flaky:<inner>".
const params = z.strictObject({
  /** Share of requests (0..1) that get `fault`. */
  fraction: z.number().min(0).max(1).default(0.5),
  fault: nestedSchema.prefault({ behaviour: 'status', params: { status: 500 } }),
  otherwise: nestedSchema.prefault({ behaviour: 'ok' }),
});

export default {
  name: 'flaky',
  description: 'one behaviour for a seeded fraction of requests, another for the rest',
  kind: 'mixed',
  params,
  explore: { fraction: real(0.05, 0.95), fault: nested, otherwise: nested },
  create(p, env) {
    const rng = env.rng();
    const fault = env.create(p.fault);
    const otherwise = env.create(p.otherwise);
    return {
      label: 'flaky',
      pick: () => (rng() < p.fraction ? fault : otherwise),
      request: (x) => otherwise.request(x),
    };
  },
} satisfies Behaviour<typeof params>;
