/**
 * What a stand-in records of each request for the `idempotency` check: its idempotency key (a header,
 * or a field of a JSON body) and the id of the logical request it serves (a header the target forwards
 * from crumple's load, `x-request-id` by default). Both go on the dep-request event as short strings.
 * Bounded: a body is read for its key up to KEY_BODY_BYTES, a key or id is kept up to KEY_CHARS.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import { CrumpleError } from '../src/errors.js';
import { zodLines } from './behaviour.js';
import { MISSING, NOT_JSON, TOO_LARGE, parsePath, type PathStep } from '../src/timeline/digest.js';

/** Body bytes looked at for a key in a JSON field: a key lives near the top of a request, not past 64 KB. */
export const KEY_BODY_BYTES = 64 * 1024;
/** Longest key or request id recorded; two keys alike in their first KEY_CHARS count as one. */
export const KEY_CHARS = 200;

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const headerName = z.string().regex(TOKEN, { error: 'a header name like x-request-id' }).transform((h) => h.toLowerCase());
/** `$...` is a JSON path into the body; anything else a header name. */
const keyWhere = z.string().transform((k, ctx) => {
  if (k.startsWith('$')) {
    if (!parsePath(k)) ctx.addIssue({ code: 'custom', message: 'a JSON path like $.idempotencyKey (dots and [index] only), or a header name' });
    return k;
  }
  if (!TOKEN.test(k)) ctx.addIssue({ code: 'custom', message: 'a header name like idempotency-key, or a JSON path like $.idempotencyKey' });
  return k.toLowerCase();
});

export const idempotencySpecSchema = z.strictObject({
  /** Where the key is: a header name (default idempotency-key), or a JSON path into the body ($.idempotencyKey). */
  key: keyWhere.default('idempotency-key'),
  /** The header naming the logical request an attempt belongs to: the load's `requestId` header, forwarded by the target. */
  requestId: headerName.default('x-request-id'),
});
export type IdempotencySpec = z.input<typeof idempotencySpecSchema>;

export interface RequestTags {
  /** The key, or a `!` word when the body could not be read for it (not JSON, past KEY_BODY_BYTES, field missing). */
  key?: string;
  requestId?: string;
}

/** The tagger a stand-in runs on each request (headers, and the body when it had one). */
export function compileIdempotency(spec: IdempotencySpec): (headers: IncomingHttpHeaders, body: Buffer | undefined, bodyBytes: number) => RequestTags {
  const r = idempotencySpecSchema.safeParse(spec);
  if (!r.success) throw new CrumpleError('BAD_INPUT', zodLines(r.error, 'idempotency')[0] ?? 'idempotency: invalid');
  const s = r.data;
  const path = s.key.startsWith('$') ? parsePath(s.key) : undefined;
  return (headers, body, bodyBytes) => {
    const out: RequestTags = {};
    const id = headers[s.requestId];
    if (typeof id === 'string' && id !== '') out.requestId = id.slice(0, KEY_CHARS);
    const key = path ? bodyKey(path, body, bodyBytes) : headers[s.key];
    if (typeof key === 'string' && key !== '') out.key = key.slice(0, KEY_CHARS);
    return out;
  };
}

/** A key in a JSON body: a string as is, another value as JSON text; absent when the body has no such field. */
function bodyKey(path: readonly PathStep[], body: Buffer | undefined, bodyBytes: number): string | undefined {
  if (!body || bodyBytes === 0) return undefined;
  if (bodyBytes > KEY_BODY_BYTES) return TOO_LARGE;
  let v: unknown;
  try {
    v = JSON.parse(body.toString('utf8'));
  } catch {
    return NOT_JSON;
  }
  for (const step of path) {
    if (v === null || typeof v !== 'object') return undefined;
    if (typeof step === 'number' ? !Array.isArray(v) || step >= v.length : Array.isArray(v) || !Object.hasOwn(v, step)) return undefined;
    v = (v as Record<string | number, unknown>)[step];
  }
  if (v === null || v === undefined) return undefined;
  return typeof v === 'string' ? v : (JSON.stringify(v) ?? MISSING);
}
