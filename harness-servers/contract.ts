/**
 * Contracts: what `ok` answers while a dependency is healthy. Request/response pairs, matched in
 * order; the first pair whose method, path (":name" captures one segment, a trailing "*" the rest),
 * headers (exact, case-insensitive names) and body (JSON subset) match answers. Matchers and response
 * bytes are compiled once so the hot path does no parsing or serialising.
 *
 * The same pairs are what `crumple contract verify` checks against the real dependency, and what
 * `crumple contract record` writes: the optional `example`, `contentType`, `shape` and `latencyMs`
 * fields serve verification (and are ignored by matching, except `contentType`, which `ok` sends).
 */
import { z } from 'zod';
import { durationSchema } from '../src/unit-schemas.js';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

export const contractRequestSchema = z.strictObject({
  method: z
    .string()
    .transform((m) => m.toUpperCase())
    .pipe(z.enum(METHODS, { error: `method must be one of ${METHODS.join(', ')}` }))
    .optional(),
  path: z.string().startsWith('/', { error: 'path must start with "/"' }),
  headers: z.record(z.string(), z.string()).optional(),
  /** JSON the request body must contain (a subset match). */
  body: z.unknown().optional(),
  /** A concrete request for `verify` to send when `path` has parameters: its path (query allowed) and body. */
  example: z
    .strictObject({
      path: z.string().startsWith('/', { error: 'example.path must start with "/"' }),
      body: z.unknown().optional(),
    })
    .optional(),
});

/**
 * The JSON shape of a body: a type name ("string", "number", "boolean", "null", "any", or several
 * joined by "|": "string|null"), a list of one shape (an array whose items have it; [] = an empty
 * array seen), or an object mapping field names to shapes; a name ending in "?" is optional.
 */
export type JsonShape = string | JsonShape[] | { [field: string]: JsonShape };
const SHAPE_TYPES = new Set(['string', 'number', 'boolean', 'null', 'any']);
export const jsonShapeSchema: z.ZodType<JsonShape, JsonShape> = z.lazy(() =>
  z.union([
    z.string().refine((t) => t.split('|').every((x) => SHAPE_TYPES.has(x)), { error: `a shape type is one of ${[...SHAPE_TYPES].join(', ')} (or several joined by "|")` }),
    z.array(jsonShapeSchema).max(1, { error: 'an array shape lists one item shape (or none)' }),
    z.record(z.string(), jsonShapeSchema),
  ]),
);

export const contractResponseSchema = z
  .strictObject({
    status: z.number().int().min(100).max(599).default(200),
    headers: z.record(z.string(), z.string()).optional(),
    json: z.unknown().optional(),
    text: z.string().optional(),
    /** Extra time before answering (ms or "250ms"). */
    delay: durationSchema.optional(),
    /** The Content-Type `ok` sends (unless `headers` has one); `verify` compares its media type. */
    contentType: z.string().min(1).optional(),
    /** The body's JSON shape for `verify` (default: the shape of `json`). */
    shape: jsonShapeSchema.optional(),
    /** How long the real dependency took when recorded (ms); `verify` compares. `ok` never waits for it (that is `delay`). */
    latencyMs: z.number().min(0).optional(),
  })
  .refine((r) => !(r.json !== undefined && r.text !== undefined), { error: 'give either json or text, not both', path: ['json'] });

export const contractPairSchema = z.strictObject({
  request: contractRequestSchema,
  response: contractResponseSchema.default({ status: 200 }),
});
export const contractSchema = z.array(contractPairSchema);

/**
 * A contract file: the list of pairs, or an object with the list under `contract` and what recorded
 * it (`recorded`, informational). Scenario dependencies (`contract: ./contracts/x.yaml`), `serve
 * --config` and `crumple contract verify` all read this one format.
 */
export const contractFileObjectSchema = z.strictObject({
  recorded: z.looseObject({ upstream: z.string().optional(), at: z.string().optional() }).optional(),
  contract: contractSchema,
});
export const contractFileSchema = z.union([contractSchema, contractFileObjectSchema]);
export type ContractFile = z.input<typeof contractFileObjectSchema>;

export type ContractPair = z.input<typeof contractPairSchema>;
export type ContractPairParsed = z.output<typeof contractPairSchema>;

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

/** Validated pairs → matcher. Throws the zod error for invalid input (callers turn it into BAD_INPUT). */
export function compileContract(pairs: readonly ContractPair[] | undefined): CompiledContract {
  const parsed = contractSchema.parse(pairs ?? []);
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
