import type { BehaviourImplFor, Handler } from '../behaviour.js';
import type { ParamsOf } from './params.js';

// Steps of (behaviour, count or duration), e.g. 5× ok, then hang for 10 s, then ok: what breaker and
// retry checks need. Counts are per request across all connections; a duration runs from the step's
// start. After the last step: stay on it (default) or loop. Logged as "sequence:<inner>".
export default {
  name: 'sequence',
  description: 'a list of (behaviour, count or duration) steps, e.g. 5x ok, then hang, then ok',
  kind: 'mixed',
  create(p, env) {
    const steps = p.steps.map((s) => ({ handler: env.create(s), count: s.count, for: s.for }));
    let i = 0;
    let used = 0;
    let began: number | undefined; // the first step starts with the first request
    const stepDone = (now: number): number | undefined => {
      const s = steps[i]!;
      if (s.count !== undefined && used >= s.count) return now;
      if (s.for !== undefined && began !== undefined && now - began >= s.for) return began + s.for;
      return undefined;
    };
    return {
      label: 'sequence',
      pick(x): Handler {
        const now = x.rec.t;
        began ??= now;
        for (let guard = 0; guard < 100_000; guard++) {
          const end = stepDone(now);
          if (end === undefined) break;
          if (i === steps.length - 1 && !p.loop) break; // the last step holds
          i = (i + 1) % steps.length;
          used = 0;
          began = end;
        }
        used++;
        return steps[i]!.handler;
      },
      request: (x) => steps[i]!.handler.request(x),
    };
  },
} satisfies BehaviourImplFor<ParamsOf<'sequence'>>;
