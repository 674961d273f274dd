/**
 * Contract matching, compiled once: the first pair whose method, path, headers and body match answers
 * (see contract.ts for the format). No zod here: a stand-in compiles pairs its caller already parsed.
 */
import type { ContractPairParsed } from './contract.js';

/** A response ready to write: headers and body computed at compile time. */
export interface CompiledResponse {
  status: number;
  /** Flat [name, value, name, value...] for res.writeHead, content-length included when static. */
  headers: string[];
  body: Buffer;
  delayMs: number;
  /** Path params substituted into a JSON body: serialise per request (only then). */
  template?: (params: Record<string, string>) => Buffer;
}

export interface MatchResult {
  response: CompiledResponse;
  params: Record<string, string>;
}

export interface CompiledContract {
  readonly size: number;
  /** Needs the request body to decide (some pair matches on body). */
  readonly needsBody: boolean;
  match(method: string, path: string, headers: Record<string, string | string[] | undefined>, body: Buffer | undefined): MatchResult | undefined;
  /** "GET /items/:id" for the 404 body. */
  readonly known: string[];
}

type Segment = { lit: string } | { param: string } | { rest: true };

function compilePath(path: string): Segment[] {
  return path
    .split('/')
    .slice(1)
    .map((s): Segment => (s === '*' ? { rest: true } : s.startsWith(':') && s.length > 1 ? { param: s.slice(1) } : { lit: s }));
}

function matchPath(segs: Segment[], path: string, out: Record<string, string>): boolean {
  // path already has its query removed and begins with "/".
  let pos = 1;
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i]!;
    if ('rest' in seg) return true;
    const next = path.indexOf('/', pos);
    const end = next === -1 ? path.length : next;
    const part = path.slice(pos, end);
    if ('lit' in seg) {
      if (part !== seg.lit) return false;
    } else {
      if (part === '') return false;
      out[seg.param] = decodeURIComponentSafe(part);
    }
    if (i === segs.length - 1) return end === path.length;
    if (next === -1) return false;
    pos = next + 1;
  }
  return path === '/' && segs.length === 0;
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** `expected` is contained in `actual`: objects by key (recursively), everything else by equality. */
export function jsonContains(actual: unknown, expected: unknown): boolean {
  if (expected === null || typeof expected !== 'object') return actual === expected;
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => jsonContains(actual[i], e));
  }
  if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false;
  const a = actual as Record<string, unknown>;
  return Object.entries(expected as Record<string, unknown>).every(([k, v]) => jsonContains(a[k], v));
}

function compileResponse(r: ContractPairParsed['response'], paramNames: string[]): CompiledResponse {
  const userHeaders = Object.entries(r.headers ?? {});
  const hasType = userHeaders.some(([k]) => k.toLowerCase() === 'content-type');
  let body: Buffer;
  let type: string | undefined;
  let template: CompiledResponse['template'];
  if (r.text !== undefined) {
    body = Buffer.from(r.text);
    type = 'text/plain; charset=utf-8';
  } else if (r.json !== undefined) {
    const text = JSON.stringify(r.json);
    body = Buffer.from(text);
    type = 'application/json';
    // ":id" as a whole JSON string value becomes the captured path segment.
    const used = paramNames.filter((p) => text.includes(JSON.stringify(`:${p}`)));
    if (used.length) {
      template = (params) => {
        let t = text;
        for (const p of used) t = t.split(JSON.stringify(`:${p}`)).join(JSON.stringify(params[p] ?? ''));
        return Buffer.from(t);
      };
    }
  } else {
    body = Buffer.alloc(0);
  }
  const headers: string[] = [];
  for (const [k, v] of userHeaders) {
    if (k.toLowerCase() !== 'content-length') headers.push(k, v);
  }
  if (!hasType && (r.contentType ?? type)) headers.push('content-type', (r.contentType ?? type)!);
  if (!template) headers.push('content-length', String(body.length));
  const res: CompiledResponse = { status: r.status, headers, body, delayMs: r.delay ?? 0 };
  if (template) res.template = template;
  return res;
}

/** Parsed pairs (contractSchema's output) → matcher. */
export function compileParsedContract(parsed: readonly ContractPairParsed[]): CompiledContract {
  const compiled = parsed.map((p) => {
    const segs = compilePath(p.request.path.split('?')[0]!);
    const paramNames = segs.flatMap((s) => ('param' in s ? [s.param] : []));
    const hdrs = Object.entries(p.request.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v] as const);
    return { method: p.request.method, segs, hdrs, body: p.request.body, response: compileResponse(p.response, paramNames) };
  });
  const needsBody = compiled.some((c) => c.body !== undefined);
  return {
    size: compiled.length,
    needsBody,
    known: parsed.map((p) => `${p.request.method ?? '*'} ${p.request.path}`),
    match(method, rawPath, headers, body) {
      const q = rawPath.indexOf('?');
      const path = q === -1 ? rawPath : rawPath.slice(0, q);
      let parsedBody: unknown;
      let bodyParsed = false;
      for (const c of compiled) {
        if (c.method !== undefined && c.method !== method && !(c.method === 'GET' && method === 'HEAD')) continue;
        const params: Record<string, string> = {};
        if (!matchPath(c.segs, path, params)) continue;
        if (c.hdrs.length && !c.hdrs.every(([k, v]) => headers[k] === v)) continue;
        if (c.body !== undefined) {
          if (!bodyParsed) {
            bodyParsed = true;
            try {
              parsedBody = body && body.length ? JSON.parse(body.toString('utf8')) : undefined;
            } catch {
              parsedBody = undefined;
            }
          }
          if (!jsonContains(parsedBody, c.body)) continue;
        }
        return { response: c.response, params };
      }
      return undefined;
    },
  };
}
