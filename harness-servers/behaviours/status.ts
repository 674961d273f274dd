import { z } from 'zod';
import type { Behaviour } from '../behaviour.js';
import { oneOf, fixed, ERROR_STATUSES } from '../../src/faults/kind.js';

// Any status, with optional Retry-After (seconds or an HTTP date) and body: 500, 503, 429...
const params = z.strictObject({
  status: z.number().int().min(100).max(599).default(503),
  retryAfter: z.union([z.number().int().min(0), z.string().min(1)]).optional(),
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
    if (p.retryAfter !== undefined) headers.push('retry-after', String(p.retryAfter));
    headers.push('content-length', String(body.length));
    return { label: 'status', request: (x) => x.send(p.status, headers, body) };
  },
} satisfies Behaviour<typeof params>;
