import { z } from 'zod';
import { rateSchema } from '../unit-schemas.js';
import { LIMITS, Tally, boundedDuration, buildRequest, deadlineOf, intIn, recordOutcome, targetOf } from './common.js';
import { Pool, drive } from './engine.js';
import type { LoadShape } from './shape.js';

/** Messages one enqueue load sends at most: a queue stand-in holds at most 100,000. */
export const MAX_ENQUEUE = 100_000;

const spec = z
  .object({
    /** The dependency with `queue:` to send to (its stand-in directly, never through the fault proxy: crumple is not the target). */
    queue: z.string().min(1),
    /** Messages to send (default 100). */
    count: intIn(1, MAX_ENQUEUE).default(100),
    /** Messages per second (default 50/s). */
    rate: rateSchema.refine((r) => r <= 10_000, 'must be at most 10000/s').default(50),
    /** Each message is this JSON object with `n` (1, 2, ...) added, so a consumer can tell them apart. */
    body: z.record(z.string(), z.unknown()).default({}),
    /** Per send. */
    timeout: boundedDuration(1, LIMITS.timeoutMs).default(5000),
    duration: boundedDuration(1, LIMITS.durationMs).optional(),
  })
  .strict();

/** A producer: `count` messages into a queue stand-in at a fixed rate (POST /messages); each send a response event. */
export default {
  name: 'enqueue',
  description: 'sends count messages to a queue dependency at a fixed rate (crumple as the producer)',
  spec,
  sendsTo: 'queue',
  async run(ctx) {
    const s = ctx.spec;
    const tally = new Tally();
    const pool = new Pool(targetOf(ctx.baseUrl), s.timeout, 64);
    const r = await drive({
      pool,
      req: (n) => buildRequest(ctx.baseUrl, { path: '/messages', method: 'POST', headers: {}, body: { ...s.body, n } }),
      noBody: false,
      rate: s.rate,
      concurrency: pool.max,
      until: deadlineOf(tally.started, s.duration, ctx.runMs),
      budget: { left: s.count },
      signal: ctx.signal,
      onOutcome: (t, o, intended) => recordOutcome(ctx.sink, tally, ctx.name, t, o, intended),
    });
    pool.destroyAll();
    return tally.summary(ctx.name, 'enqueue', r.stoppedBy, { missed: r.missed });
  },
} satisfies LoadShape<typeof spec>;
