import { z } from 'zod';
import { rateSchema } from '../unit-schemas.js';
import { LIMITS, Tally, boundedDuration, buildRequest, taggedRequest, deadlineOf, intIn, recordOutcome, requestFields, targetOf } from './common.js';
import { Pool, drive } from './engine.js';
import { runAutocannonSteady } from './autocannon-engine.js';
import type { LoadShape } from './shape.js';
import { DIGEST_BODY_BYTES, jsonPathSchema, parsePath } from '../timeline/digest.js';
import { clientPicker, clientsSchema } from './clients.js';

const spec = z
  .object({
    ...requestFields,
    /** Requests per second. Without it: as fast as `connections` allow (closed loop). */
    rate: rateSchema.refine((r) => r <= LIMITS.ratePerSecond, `must be at most ${LIMITS.ratePerSecond}/s`).optional(),
    /** Closed loop: connections kept busy (default 10). Fixed rate: most in flight at once (raw default 256, autocannon 10). */
    connections: intIn(1, LIMITS.connections).optional(),
    /** Default: the run's length, or 30 s standalone. */
    duration: boundedDuration(1, LIMITS.durationMs).optional(),
    /** Most requests to send (default 10,000,000). */
    count: intIn(1, LIMITS.count).default(10_000_000),
    /**
     * raw: crumple's own HTTP/1.1 client (every error class, any timeout, evenly spaced rate).
     * autocannon: autocannon's clients in the same worker; see autocannon-engine.ts for what it cannot report.
     */
    engine: z.enum(['raw', 'autocannon']).default('raw'),
    /**
     * Record a digest of each answer's body: the value at this JSON path (e.g. $.source), as short
     * JSON text on the response event; bodies are read up to 16 KiB for it, never kept whole.
     */
    digest: jsonPathSchema.optional(),
    /**
     * A header each request carries with a fresh value (`<load>-<n>`): a target that forwards it lets a
     * stand-in tell a retry of one request from a new request (the idempotency check).
     */
    requestId: z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'a header name like x-request-id').optional(),
    /** Send as several clients, each request one client's, its id in a header; heavy ones send more (load/clients.ts). */
    clients: clientsSchema.optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    // A client's requests are built once per client; a fresh id per request would rebuild each one.
    if (s.clients !== undefined && s.requestId !== undefined) ctx.addIssue({ code: 'custom', path: ['requestId'], message: 'a load with clients: sends each client\'s fixed request; requestId needs a load without clients' });
    if (s.engine !== 'autocannon') return;
    if (s.timeout < 1000) ctx.addIssue({ code: 'custom', path: ['timeout'], message: 'the autocannon engine cannot time out sooner than 1s (use engine: raw)' });
    if (s.rate !== undefined && s.rate < 1) ctx.addIssue({ code: 'custom', path: ['rate'], message: 'the autocannon engine needs at least 1/s (use engine: raw)' });
    if (s.method === 'HEAD') ctx.addIssue({ code: 'custom', path: ['method'], message: 'the autocannon engine cannot read HEAD responses (use engine: raw)' });
    if (s.digest !== undefined) ctx.addIssue({ code: 'custom', path: ['digest'], message: 'the autocannon engine does not read bodies (use engine: raw)' });
    if (s.requestId !== undefined) ctx.addIssue({ code: 'custom', path: ['requestId'], message: 'the autocannon engine sends one fixed request (use engine: raw)' });
    if (s.clients !== undefined) ctx.addIssue({ code: 'custom', path: ['clients'], message: 'the autocannon engine sends one request for everyone (use engine: raw)' });
  });

/** A fixed rate (open model) or a fixed concurrency (closed loop), for a duration or a count. */
export default {
  name: 'steady',
  description: 'a fixed request rate or a fixed number of busy connections, for a duration or a count',
  spec,
  async run(ctx) {
    const s = ctx.spec;
    if (s.engine === 'autocannon') {
      return runAutocannonSteady({ ...s, name: ctx.name, baseUrl: ctx.baseUrl, sink: ctx.sink, signal: ctx.signal, runMs: ctx.runMs });
    }
    const tally = new Tally();
    const digest = s.digest !== undefined ? parsePath(s.digest) : undefined;
    const pool = new Pool(targetOf(ctx.baseUrl), s.timeout, s.connections ?? (s.rate === undefined ? 10 : 256), digest ? DIGEST_BODY_BYTES : 0);
    const r = await drive({
      pool,
      req: s.requestId !== undefined ? taggedRequest(ctx.baseUrl, s, s.requestId, ctx.name) : buildRequest(ctx.baseUrl, s),
      ...(s.clients ? { clients: clientPicker(ctx.baseUrl, s, s.clients) } : {}),
      noBody: s.method === 'HEAD',
      ...(s.rate === undefined ? {} : { rate: s.rate }),
      concurrency: pool.max,
      until: deadlineOf(tally.started, s.duration, ctx.runMs),
      budget: { left: s.count },
      signal: ctx.signal,
      onOutcome: (t, o, intended, client) => recordOutcome(ctx.sink, tally, ctx.name, t, o, intended, digest, client),
    });
    pool.destroyAll();
    return tally.summary(ctx.name, 'steady', r.stoppedBy, s.rate === undefined ? {} : { missed: r.missed });
  },
} satisfies LoadShape<typeof spec>;
