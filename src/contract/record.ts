/**
 * The recording proxy: the target (or curl) talks to crumple, crumple forwards to the real
 * dependency and answers with what it got, and each distinct request → response becomes a contract
 * pair the stand-in can serve as is. Guarantees: credentials are forwarded but never recorded (see
 * redact.ts); memory and the file are bounded (entries, bytes, body sizes); a failure of the
 * upstream is answered 502 to the caller and reported, never recorded.
 *
 * Distinct = method + path template: id-like segments (numbers, UUIDs, long hex, "sku-42") become
 * ":id", ":id2"... A second status on one template is kept as a literal-path pair placed before the
 * template (so `GET /items/999 → 404` survives next to `GET /items/:id → 200`); the template keeps
 * a 2xx answer when one was seen. Later answers of a known pair widen its shape (fields seen only
 * sometimes become optional) and keep the first example.
 */
import { request as httpRequest, createServer, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import type { ContractPair, JsonShape } from '../../harness-servers/contract.js';
import { CrumpleError, describeError } from '../errors.js';
import { monotonicMs } from '../timeline/clock.js';
import { isSecretName, isVolatileHeader, publicQuery, scrubJson, scrubString, secretsOf } from './redact.js';
import { mergeShapes, shapeOf } from './shape.js';

export interface RecordLimits {
  /** Pairs recorded at most. */
  maxEntries: number;
  /** Serialised size of all pairs at most (≈ the file's size). */
  maxBytes: number;
  /** Request or response body kept for recording at most; larger ones are forwarded, not recorded. */
  maxBodyBytes: number;
}
export const DEFAULT_LIMITS: RecordLimits = { maxEntries: 500, maxBytes: 2_000_000, maxBodyBytes: 1_048_576 };
/** An example body written at most this size; beyond it its arrays are cut to their first items. */
const MAX_EXAMPLE_BYTES = 16_384;
/** Request bodies the proxy accepts at all (it buffers them to forward with a length). */
const MAX_FORWARD_REQUEST_BYTES = 16 * 1024 * 1024;

export type ExchangeNote = 'new' | 'widened' | 'seen' | 'not recorded (limit)' | 'not recorded (body too large)' | 'not recorded (bad method)';

export interface RecordOptions {
  /** The real dependency (origin; a path prefix is kept in front of every request path). */
  upstream: URL;
  host?: string;
  port?: number;
  limits?: Partial<RecordLimits>;
  /** Per upstream request, connect included. */
  timeoutMs?: number;
  /** After each exchange that reached the upstream. */
  onExchange?(e: { method: string; path: string; status: number; route: string; note: ExchangeNote }): void;
  /** The upstream failed for one request (answered 502). One line. */
  onUpstreamError?(message: string): void;
  /** A limit was reached: nothing more is recorded (the caller usually stops). */
  onLimit?(reason: string): void;
}

export interface Recording {
  readonly url: string;
  readonly port: number;
  /** Pairs in serving order. */
  pairs(): ContractPair[];
  stats(): { exchanges: number; entries: number; bytes: number; upstreamErrors: number; notRecorded: number };
  close(): Promise<void>;
}

interface Entry {
  key: string;
  pair: ContractPair;
  /** The same answer as a pair for its literal path (no ":id" in it), should it become a variant. */
  literal: ContractPair;
  bytes: number;
  /** Literal-path pairs for other statuses of this template, served before it. */
  variants: Entry[];
}

const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'accept-encoding', 'content-length', 'expect']);
const RESPONSE_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'trailer', 'upgrade']);
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

const ID_LIKE = [
  /^\d+$/,
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  /^(?=.*\d)[0-9a-f]{12,}$/i,
  /^[A-Za-z]{1,12}[-_]\d+$/,
  /^(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9_-]{16,}$/,
];
export const isIdLike = (segment: string): boolean => ID_LIKE.some((r) => r.test(segment));

/** "/items/42/stock" → { template: "/items/:id/stock", params: { id: "42" } }. */
export function templateOf(pathname: string): { template: string; params: Record<string, string> } {
  const params: Record<string, string> = {};
  let n = 0;
  const segs = pathname.split('/').map((s, i) => {
    if (i === 0 || !isIdLike(s)) return s;
    n += 1;
    const name = n === 1 ? 'id' : `id${n}`;
    params[name] = decodeURIComponentSafe(s);
    return `:${name}`;
  });
  return { template: segs.join('/') || '/', params };
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** String values equal to a captured id become ":id": the stand-in echoes the requested id back. */
function templateJson(v: unknown, params: Record<string, string>): unknown {
  const byValue = new Map(Object.entries(params).map(([k, x]) => [x, `:${k}`]));
  if (!byValue.size) return v;
  const walk = (x: unknown): unknown => {
    if (typeof x === 'string') return byValue.get(x) ?? x;
    if (Array.isArray(x)) return x.map(walk);
    if (x !== null && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, y]) => [k, walk(y)]));
    return x;
  };
  return walk(v);
}

/** An example small enough to keep: arrays cut to their first items until it fits. */
function smallExample(v: unknown): unknown {
  if (JSON.stringify(v).length <= MAX_EXAMPLE_BYTES) return v;
  for (const keep of [10, 3, 1, 0]) {
    const cut = (x: unknown): unknown =>
      Array.isArray(x) ? x.slice(0, keep).map(cut) : x !== null && typeof x === 'object' ? Object.fromEntries(Object.entries(x).map(([k, y]) => [k, cut(y)])) : typeof x === 'string' && x.length > 256 ? `${x.slice(0, 256)}…` : x;
    const c = cut(v);
    if (JSON.stringify(c).length <= MAX_EXAMPLE_BYTES) return c;
  }
  return undefined;
}

const isJsonType = (ct: string | undefined) => !!ct && /\bjson\b|\+json\b/i.test(ct);
const isTextType = (ct: string | undefined) => !!ct && (/^text\//i.test(ct) || /\b(xml|javascript|x-www-form-urlencoded)\b/i.test(ct));

function decodeBody(body: Buffer, encoding: string | undefined): Buffer | undefined {
  const e = (encoding ?? 'identity').toLowerCase().trim();
  try {
    if (e === 'identity' || e === '') return body;
    if (e === 'gzip' || e === 'x-gzip') return gunzipSync(body);
    if (e === 'deflate') return inflateSync(body);
    if (e === 'br') return brotliDecompressSync(body);
  } catch {
    return undefined;
  }
  return undefined;
}

interface Observed {
  method: string;
  pathname: string;
  query: URLSearchParams;
  requestBody: Buffer | undefined;
  requestType: string | undefined;
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer | undefined;
  latencyMs: number;
  secrets: string[];
}

/** One observed exchange → the pair it would be, scrubbed. `shape` unscrubbed types (a redacted number stays a number). */
export function pairOf(o: Observed, literal = false): { route: string; template: string; pair: ContractPair; shape?: JsonShape } {
  const { template, params } = literal ? { template: o.pathname, params: {} } : templateOf(o.pathname);
  const examplePath = scrubString(`${o.pathname}${publicQuery(o.query)}`, o.secrets);
  const contentType = typeof o.headers['content-type'] === 'string' ? o.headers['content-type'] : undefined;
  const response: NonNullable<ContractPair['response']> = { status: o.status };
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(o.headers)) {
    if (v === undefined || isVolatileHeader(k) || isSecretName(k)) continue;
    const value = Array.isArray(v) ? v.join(', ') : v;
    if (o.secrets.some((s) => value.includes(s))) continue;
    headers[k] = value;
  }
  if (Object.keys(headers).length) response.headers = headers;
  if (contentType) response.contentType = scrubString(contentType, o.secrets);
  let shape: JsonShape | undefined;
  const body = o.body && o.body.length && o.method !== 'HEAD' ? decodeBody(o.body, o.headers['content-encoding'] as string | undefined) : undefined;
  if (body && body.length) {
    let json: unknown;
    let parsed = false;
    if (isJsonType(contentType)) {
      try {
        json = JSON.parse(body.toString('utf8'));
        parsed = true;
      } catch {
        parsed = false;
      }
    }
    if (parsed) {
      shape = shapeOf(json);
      const example = smallExample(scrubJson(templateJson(json, params), o.secrets));
      if (example !== undefined) response.json = example;
      response.shape = shape;
    } else if (isTextType(contentType) || isJsonType(contentType)) {
      const text = body.toString('utf8');
      response.text = scrubString(text.length > MAX_EXAMPLE_BYTES ? text.slice(0, MAX_EXAMPLE_BYTES) : text, o.secrets);
    }
  }
  response.latencyMs = Math.round(o.latencyMs * 10) / 10;
  const request: ContractPair['request'] = { method: o.method, path: template };
  const example: NonNullable<ContractPair['request']['example']> = { path: examplePath };
  if (o.requestBody && o.requestBody.length) {
    if (isJsonType(o.requestType)) {
      try {
        example.body = smallExample(scrubJson(JSON.parse(o.requestBody.toString('utf8')), o.secrets));
      } catch {
        /* not JSON: the example carries no body */
      }
    } else if (isTextType(o.requestType)) example.body = scrubString(o.requestBody.toString('utf8').slice(0, MAX_EXAMPLE_BYTES), o.secrets);
  }
  if (example.path !== template || example.body !== undefined) request.example = example;
  return { route: `${o.method} ${template}`, template, pair: { request, response }, ...(shape ? { shape } : {}) };
}

const is2xx = (s: number) => s >= 200 && s < 300;
const sizeOf = (p: ContractPair) => Buffer.byteLength(JSON.stringify(p));

/** The pairs of a recording, kept bounded. Separate from the proxy so it can be tested without sockets. */
export class ContractBook {
  private readonly entries = new Map<string, Entry>();
  private readonly order: Entry[] = [];
  private count = 0;
  private bytes = 0;
  full: string | undefined;

  constructor(private readonly limits: RecordLimits) {}

  stats() {
    return { entries: this.count, bytes: this.bytes };
  }

  /** Adds what one exchange showed; says what became of it. */
  add(o: Observed): { route: string; note: ExchangeNote } {
    const { route, pair } = pairOf(o);
    const existing = this.entries.get(route);
    const literalKey = `${o.method} ${o.pathname}`;
    if (existing) {
      const status = existing.pair.response?.status;
      if (status === o.status) return { route, note: this.widen(existing, pair) ? 'widened' : 'seen' };
      if (literalKey === route || existing.variants.some((v) => v.key === literalKey)) return { route, note: 'seen' };
      // Another status on this template: a literal pair before it (and the template prefers 2xx).
      const literal = pairOf(o, true).pair;
      if (!is2xx(status ?? 200) && is2xx(o.status)) {
        const demoted = existing.literal;
        if (!this.reserve(sizeOf(pair) + sizeOf(demoted) - existing.bytes, 1)) return { route, note: 'not recorded (limit)' };
        existing.variants.push({ key: `${o.method} ${demoted.request.path}`, pair: demoted, literal: demoted, bytes: sizeOf(demoted), variants: [] });
        Object.assign(existing, { pair, literal, bytes: sizeOf(pair) });
        return { route, note: 'new' };
      }
      if (!this.reserve(sizeOf(literal), 1)) return { route: literalKey, note: 'not recorded (limit)' };
      existing.variants.push({ key: literalKey, pair: literal, literal, bytes: sizeOf(literal), variants: [] });
      return { route: literalKey, note: 'new' };
    }
    const bytes = sizeOf(pair);
    if (!this.reserve(bytes, 1)) return { route, note: 'not recorded (limit)' };
    const e: Entry = { key: route, pair, literal: literalKey === route ? pair : pairOf(o, true).pair, bytes, variants: [] };
    this.entries.set(route, e);
    this.order.push(e);
    return { route, note: 'new' };
  }

  /** Widens a known pair's shape with a new answer's; true when it changed. */
  private widen(e: Entry, next: ContractPair): boolean {
    const a = e.pair.response?.shape;
    const b = next.response?.shape;
    if (a === undefined || b === undefined) return false;
    const merged = mergeShapes(a, b);
    if (JSON.stringify(merged) === JSON.stringify(a)) return false;
    const pair = { ...e.pair, response: { ...e.pair.response!, shape: merged } };
    const bytes = sizeOf(pair);
    if (!this.reserve(bytes - e.bytes, 0)) return false;
    e.pair = pair;
    e.bytes = bytes;
    return true;
  }

  private reserve(bytes: number, entries: number): boolean {
    if (this.full) return false;
    if (this.count + entries > this.limits.maxEntries) this.full = `${this.limits.maxEntries} entries (--max-entries)`;
    else if (this.bytes + bytes > this.limits.maxBytes) this.full = `${this.limits.maxBytes} bytes (--max-bytes)`;
    if (this.full) return false;
    this.count += entries;
    this.bytes += bytes;
    return true;
  }

  /** Serving order: each template after its literal-path variants. */
  pairs(): ContractPair[] {
    return this.order.flatMap((e) => [...e.variants.map((v) => v.pair), e.pair]);
  }
}

/** Starts the recording proxy on `host:port` (127.0.0.1:0 by default). */
export async function startRecording(opts: RecordOptions): Promise<Recording> {
  const limits: RecordLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const book = new ContractBook(limits);
  const upstream = opts.upstream;
  const prefix = upstream.pathname.replace(/\/+$/, '');
  const send = upstream.protocol === 'https:' ? httpsRequest : httpRequest;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  let exchanges = 0;
  let upstreamErrors = 0;
  let notRecorded = 0;
  let limitSaid = false;
  const sockets = new Set<Socket>();

  const fail = (res: ServerResponse, what: string, e: unknown) => {
    upstreamErrors += 1;
    const why = describeUpstreamError(e, timeoutMs);
    opts.onUpstreamError?.(`${what}: ${why}`);
    if (!res.headersSent) {
      const body = JSON.stringify({ error: `crumple record: the upstream ${upstream.origin} failed: ${why}` });
      res.writeHead(502, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
    } else res.destroy();
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://recorded.invalid');
    const what = `${method} ${url.pathname}`;
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_FORWARD_REQUEST_BYTES) chunks.push(c);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      if (size > MAX_FORWARD_REQUEST_BYTES) {
        res.writeHead(413, { 'content-type': 'text/plain' }).end('request body too large for crumple record\n');
        return;
      }
      const requestBody = Buffer.concat(chunks);
      const headers: OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP.has(k)) headers[k] = v;
      headers.host = upstream.host;
      if (requestBody.length || !['GET', 'HEAD', 'OPTIONS', 'DELETE'].includes(method)) headers['content-length'] = String(requestBody.length);
      const started = monotonicMs();
      const up = send(
        { protocol: upstream.protocol, hostname: upstream.hostname.replace(/^\[|\]$/g, ''), port: upstream.port || undefined, method, path: `${prefix}${url.pathname}${url.search}`, headers, timeout: timeoutMs, agent: false },
        (ures) => {
          const out: Buffer[] = [];
          let got = 0;
          const status = ures.statusCode ?? 502;
          const passHeaders: OutgoingHttpHeaders = {};
          for (const [k, v] of Object.entries(ures.headers)) if (v !== undefined && !RESPONSE_HOP.has(k)) passHeaders[k] = v;
          res.writeHead(status, passHeaders);
          ures.on('data', (c: Buffer) => {
            got += c.length;
            if (got <= limits.maxBodyBytes) out.push(c);
            res.write(c);
          });
          ures.on('error', (e) => fail(res, what, e));
          ures.on('end', () => {
            res.end();
            exchanges += 1;
            const latencyMs = monotonicMs() - started;
            let note: ExchangeNote;
            let route = what;
            if (!METHODS.has(method)) note = 'not recorded (bad method)';
            else if (got > limits.maxBodyBytes || size > limits.maxBodyBytes) note = 'not recorded (body too large)';
            else {
              const r = book.add({
                method,
                pathname: url.pathname,
                query: url.searchParams,
                requestBody,
                requestType: req.headers['content-type'],
                status,
                headers: ures.headers,
                body: Buffer.concat(out),
                latencyMs,
                secrets: secretsOf(req.headers, url.searchParams),
              });
              note = r.note;
              route = r.route;
            }
            if (note.startsWith('not recorded')) notRecorded += 1;
            opts.onExchange?.({ method, path: url.pathname, status, route, note });
            if (book.full && !limitSaid) {
              limitSaid = true;
              opts.onLimit?.(book.full);
            }
          });
        },
      );
      up.on('timeout', () => up.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
      up.on('error', (e) => fail(res, what, e));
      up.end(requestBody);
    });
  };

  const server = createServer(handle);
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('clientError', (_e, s) => s.destroy());
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(new CrumpleError(e.code === 'EADDRINUSE' ? 'PORT_IN_USE' : 'HARNESS_FAILED', `cannot listen on ${host}:${opts.port ?? 0}: ${describeError(e)}`)),
    );
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    pairs: () => book.pairs(),
    stats: () => ({ exchanges, ...book.stats(), upstreamErrors, notRecorded }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

/** "connection refused", "answered bytes that are not HTTP"... for one failed upstream request. */
export function describeUpstreamError(e: unknown, timeoutMs: number): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code ?? '';
  if (code === 'ECONNREFUSED') return 'connection refused (is it running?)';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'connection reset before a full answer';
  if (code === 'ETIMEDOUT') return `no answer within ${timeoutMs} ms`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  if (code.startsWith('HPE_')) return `answered bytes that are not HTTP (${code})`;
  if (/socket hang up/i.test(String((e as Error | undefined)?.message))) return 'closed the connection before answering';
  return describeError(e);
}
