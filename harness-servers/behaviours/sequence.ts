import { z } from 'zod';
import { durationSchema } from '../../src/unit-schemas.js';
import { checkNested, type Behaviour, type Handler } from '../behaviour.js';
import { oneOf, nested } from '../../src/faults/kind.js';

// Steps of (behaviour, count or duration), e.g. 5× ok, then hang for 10 s, then ok: what breaker and
// retry checks need. Counts are per request across all connections; a duration runs from the step's
// start. After the last step: stay on it (default) or loop. Logged as "sequence:<inner>".
const step = z
  .strictObject({
    behaviour: z.string(),
    params: z.unknown().optional(),
    /** Requests this step answers. */
    count: z.number().int().min(1).optional(),
    /** How long this step lasts (ms or "5s"). */
    for: durationSchema.optional(),
  })
  .refine((s) => !(s.count !== undefined && s.for !== undefined), { error: 'give count or for, not both', path: ['count'] })
  .transform((s, ctx) => {
    const n = checkNested(s, ctx);
    return { ...n, count: s.count, for: s.for };
  });

const params = z.strictObject({
  steps: z
    .array(step)
    .min(1, { error: 'steps needs at least one step' })
    .prefault([
      { behaviour: 'ok', count: 5 },
      { behaviour: 'status', params: { status: 503 }, count: 5 },
      { behaviour: 'ok' },
    ]),
  /** After the last step, start again from the first (else stay on the last). */
  loop: z.boolean().default(false),
});

export default {
  name: 'sequence',
  description: 'a list of (behaviour, count or duration) steps, e.g. 5x ok, then hang, then ok',
  kind: 'mixed',
  params,
  explore: { steps: nested, loop: oneOf(false, true) },
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
} satisfies Behaviour<typeof params>;
