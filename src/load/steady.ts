import { z } from 'zod';
import { rateSchema } from '../units.js';
import { LIMITS, Tally, boundedDuration, buildRequest, deadlineOf, intIn, recordOutcome, requestFields, targetOf } from './common.js';
import { Pool, drive } from './engine.js';
import type { LoadShape } from './shape.js';

const spec = z
  .object({
    ...requestFields,
    /** Requests per second. Without it: as fast as `connections` allow (closed loop). */
    rate: rateSchema.refine((r) => r <= LIMITS.ratePerSecond, `must be at most ${LIMITS.ratePerSecond}/s`).optional(),
    /** Closed loop: connections kept busy (default 10). Fixed rate: most in flight at once (default 256). */
    connections: intIn(1, LIMITS.connections).optional(),
    /** Default: the run's length, or 30 s standalone. */
    duration: boundedDuration(1, LIMITS.durationMs).optional(),
    /** Most requests to send (default 10,000,000). */
    count: intIn(1, LIMITS.count).default(10_000_000),
  })
  .strict();

/** A fixed rate (open model) or a fixed concurrency (closed loop), for a duration or a count. */
export default {
  name: 'steady',
  description: 'a fixed request rate or a fixed number of busy connections, for a duration or a count',
  spec,
  async run(ctx) {
    const s = ctx.spec;
    const tally = new Tally();
    const pool = new Pool(targetOf(ctx.baseUrl), s.timeout, s.connections ?? (s.rate === undefined ? 10 : 256));
    const r = await drive({
      pool,
      req: buildRequest(ctx.baseUrl, s),
      noBody: s.method === 'HEAD',
      ...(s.rate === undefined ? {} : { rate: s.rate }),
      concurrency: pool.max,
      until: deadlineOf(tally.started, s.duration, ctx.runMs),
      budget: { left: s.count },
      signal: ctx.signal,
      onOutcome: (t, o) => recordOutcome(ctx.sink, tally, ctx.name, t, o),
    });
    pool.destroyAll();
    return tally.summary(ctx.name, 'steady', r.stoppedBy, s.rate === undefined ? {} : { missed: r.missed });
  },
} satisfies LoadShape<typeof spec>;
