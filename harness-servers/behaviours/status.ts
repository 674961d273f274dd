import { z } from 'zod';
import { parseDuration } from '../../src/units.js';
import type { Behaviour } from '../behaviour.js';
import { oneOf, fixed, ERROR_STATUSES } from '../../src/faults/kind.js';

/**
 * `{ date: +1s }`: an HTTP-date this far from the moment of each answer ("-5s" is in the past). A fixed
 * date string would be in the past, or far in the future, by the time a run uses it.
 */
const relativeDate = z.strictObject({
  date: z.union([z.number(), z.string()]).transform((v, ctx) => {
    const m = typeof v === 'string' ? /^\s*([+-]?)\s*(.+)$/.exec(v) : null;
    const ms = parseDuration(m ? m[2] : typeof v === 'number' ? Math.abs(v) : v);
    if (typeof ms === 'string') {
      ctx.addIssue({ code: 'custom', message: `retryAfter.date: ${ms} (write e.g. +1s or -5s)` });
      return z.NEVER;
    }
    return (m ? m[1] === '-' : typeof v === 'number' && v < 0) ? -ms : ms;
  }),
});

// Any status, with optional Retry-After and body: 500, 503, 429... Retry-After is delta-seconds (5), an
// HTTP-date relative to the moment of the answer ({ date: +1s }), or any text sent as is.
const params = z.strictObject({
  status: z.number().int().min(100).max(599).default(503),
  retryAfter: z.union([z.number().int().min(0), z.string().min(1), relativeDate]).optional(),
  /** JSON (object/array/number...) or text. Default: {"error": "<reason phrase>"}. */
  body: z.unknown().optional(),
  headers: z.record(z.string(), z.string()).optional(),
});

export default {
  name: 'status',
  description: 'any status with optional Retry-After and body (500, 503, 429...)',
  kind: 'fails-fast',
  params,
  explore: { status: oneOf(...ERROR_STATUSES), retryAfter: oneOf(undefined, 0, 1, 30), body: fixed('the error body rarely matters to a caller'), headers: fixed('extra headers are scenario-specific') },
  create(p) {
    const isText = typeof p.body === 'string';
    const body = Buffer.from(isText ? (p.body as string) : JSON.stringify(p.body ?? { error: `status ${p.status}` }));
    const headers: string[] = [];
    for (const [k, v] of Object.entries(p.headers ?? {})) if (k.toLowerCase() !== 'content-length') headers.push(k, v);
    if (!headers.some((h, i) => i % 2 === 0 && h.toLowerCase() === 'content-type')) headers.push('content-type', isText ? 'text/plain; charset=utf-8' : 'application/json');
    const ra = p.retryAfter;
    if (ra !== undefined && typeof ra !== 'object') headers.push('retry-after', String(ra));
    headers.push('content-length', String(body.length));
    // A relative date is written per answer: IMF-fixdate (RFC 9110), whole seconds of the wall clock.
    const dated = (): readonly string[] => (typeof ra === 'object' ? [...headers, 'retry-after', new Date(Date.now() + ra.date).toUTCString()] : headers);
    return { label: 'status', request: (x) => x.send(p.status, dated(), body) };
  },
} satisfies Behaviour<typeof params>;
