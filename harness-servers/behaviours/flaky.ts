import type { BehaviourImplFor } from '../behaviour.js';
import type { ParamsOf } from './params.js';

// One behaviour for a seeded fraction of requests, another for the rest. Logged as "flaky:<inner>".
export default {
  name: 'flaky',
  description: 'one behaviour for a seeded fraction of requests, another for the rest',
  kind: 'mixed',
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
} satisfies BehaviourImplFor<ParamsOf<'flaky'>>;
