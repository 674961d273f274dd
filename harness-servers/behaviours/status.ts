import type { BehaviourImplFor } from '../behaviour.js';
import type { ParamsOf } from './params.js';

// Any status, with optional Retry-After and body: 500, 503, 429... Retry-After is delta-seconds (5), an
// HTTP-date relative to the moment of the answer ({ date: +1s }), or any text sent as is.
export default {
  name: 'status',
  description: 'any status with optional Retry-After and body (500, 503, 429...)',
  kind: 'fails-fast',
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
} satisfies BehaviourImplFor<ParamsOf<'status'>>;
