/**
 * The Toxiproxy 2.x HTTP API over a registry: a route table (method + path -> handler) and one
 * gate that decodes the path, finds the route and turns whatever a handler throws into the status
 * and body Toxiproxy answers (test/net/proxy-api.test.ts pins the wire behaviour).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { ApiError, Proxy, ProxyRegistry, toxicJson, type ProxyJson } from './proxy.js';
import { toxics, toxicAttributes, isToxicType } from './toxics/index.js';
import type { ToxicSpec } from './link.js';

/** What /version answers: Toxiproxy's API level, and that this is crumple's server. */
export const API_VERSION = '2.12.0+crumple';
const MAX_BODY = 1 << 20;

/** What a handler gets: the registry, the decoded `{proxy}`/`{toxic}` path segments, the JSON body on demand. */
interface Call {
  registry: ProxyRegistry;
  proxy: string;
  toxic: string;
  body(): Promise<unknown>;
}
type Reply = { status: 200 | 201; json: unknown } | { status: 204 } | { status: 200; text: string; type: string };
type Handler = (c: Call) => Promise<Reply>;

const ok = (json: unknown): Reply => ({ status: 200, json });
const NO_CONTENT: Reply = { status: 204 };

// ---- the handlers, one per route; each throws ApiError (Toxiproxy's wording) for a client error ----

async function listProxies({ registry }: Call): Promise<Reply> {
  const out: Record<string, ProxyJson> = {};
  for (const p of registry.sorted()) out[p.name] = p.json();
  return ok(out);
}

async function createProxy({ registry, body }: Call): Promise<Reply> {
  const b = proxyBody(await body());
  if (!b.name) throw new ApiError(400, 'missing required field: name');
  if (!b.upstream) throw new ApiError(400, 'missing required field: upstream');
  const bad = nameProblem(b.name, '');
  if (bad) throw new ApiError(400, bad);
  if (registry.proxies.has(b.name)) throw new ApiError(409, 'proxy already exists');
  const p = await newProxy(b.name, b.listen ?? '', b.upstream, b.enabled ?? true);
  registry.proxies.set(b.name, p);
  return { status: 201, json: p.json() };
}

async function populate({ registry, body }: Call): Promise<Reply> {
  const raw = await body();
  if (!Array.isArray(raw)) throw new PopulateError(400, `bad request body: json: cannot unmarshal ${kind(raw)} into Go value of type []proxy`, null);
  const items = raw.map((r) => proxyBody(r));
  items.forEach((b, i) => {
    const at = ` at proxy ${i + 1}`;
    const bad = !b.name ? `missing required field: name${at}` : !b.upstream ? `missing required field: upstream${at}` : nameProblem(b.name, at);
    if (bad) throw new PopulateError(400, bad, null);
  });
  const done: ProxyJson[] = [];
  for (const b of items) {
    try {
      const existing = registry.proxies.get(b.name!);
      if (existing && !existing.differs(b.listen ?? '', b.upstream!)) {
        done.push(existing.json()); // same listen and upstream: left untouched, as upstream
        continue;
      }
      if (existing) {
        await existing.stop();
        registry.proxies.delete(b.name!);
      }
      const p = await newProxy(b.name!, b.listen ?? '', b.upstream!, b.enabled ?? true);
      registry.proxies.set(b.name!, p);
      done.push(p.json());
    } catch (e) {
      if (e instanceof ApiError) throw new PopulateError(e.status, e.message, done.length ? done : null);
      throw e;
    }
  }
  // Deviation: `[]` answers proxies: [] (Toxiproxy says null, which crashes toxiproxy-node-client).
  return { status: 201, json: { proxies: done } };
}

async function reset({ registry }: Call): Promise<Reply> {
  for (const p of registry.sorted()) {
    p.removeAllToxics();
    if (!p.enabled) await p.start();
  }
  return NO_CONTENT;
}

async function version(): Promise<Reply> {
  return { status: 200, type: 'application/json;charset=utf-8', text: `{"version": "${API_VERSION}"}\n` };
}

async function getProxy({ registry, proxy }: Call): Promise<Reply> {
  return ok(registry.get(proxy).json());
}

async function updateProxy({ registry, proxy, body }: Call): Promise<Reply> {
  const p = registry.get(proxy);
  const b = proxyBody(await body());
  const listen = b.listen ?? p.listen;
  const upstream = b.upstream ?? p.upstream;
  const enabled = b.enabled ?? p.enabled;
  if (p.differs(listen, upstream)) {
    await p.stop();
    p.listen = listen;
    p.upstream = upstream;
    if (enabled) await p.start(); // a bind failure leaves it disabled with the new listen stored
  } else if (enabled !== p.enabled) {
    if (enabled) await p.start();
    else await p.stop();
  }
  return ok(p.json());
}

async function deleteProxy({ registry, proxy }: Call): Promise<Reply> {
  const p = registry.get(proxy);
  registry.proxies.delete(proxy);
  await p.stop();
  return NO_CONTENT;
}

async function listToxics({ registry, proxy }: Call): Promise<Reply> {
  return ok(registry.get(proxy).orderedToxics().map(toxicJson));
}

async function createToxic({ registry, proxy, body }: Call): Promise<Reply> {
  const p = registry.get(proxy);
  const b = object(await body());
  const typeRaw = field(b, 'type', 'string');
  const nameRaw = field(b, 'name', 'string');
  const streamRaw = field(b, 'stream', 'string');
  const toxicity = field(b, 'toxicity', 'number');
  const stream = streamRaw ?? 'downstream';
  const direction = stream.toLowerCase();
  if (direction !== 'upstream' && direction !== 'downstream') throw new ApiError(400, 'stream was invalid, can be either upstream or downstream');
  const type = typeRaw ?? '';
  const toxicName = nameRaw || `${type}_${stream}`;
  if (!isToxicType(type)) throw new ApiError(400, 'invalid toxic type');
  if (p.toxics.some((t) => t.name === toxicName)) throw new ApiError(409, 'toxic already exists');
  const attrs = toxicAttributes(type, b.attributes);
  if (!attrs.ok) throw new ApiError(400, attrs.error);
  const spec: ToxicSpec = {
    name: toxicName, type, stream, direction, toxicity: toxicity ?? 1, attributes: attrs.attributes, toxic: toxics[type]!,
  };
  p.addToxic(spec);
  return ok(toxicJson(spec));
}

async function getToxic({ registry, proxy, toxic }: Call): Promise<Reply> {
  return ok(toxicJson(findToxic(registry.get(proxy), toxic)));
}

async function updateToxic({ registry, proxy, toxic, body }: Call): Promise<Reply> {
  const p = registry.get(proxy);
  const b = object(await body());
  const toxicity = field(b, 'toxicity', 'number');
  const spec = findToxic(p, toxic);
  const attrs = toxicAttributes(spec.type, b.attributes, spec.attributes); // merged: only keys sent change
  if (!attrs.ok) throw new ApiError(400, attrs.error);
  spec.attributes = attrs.attributes;
  if (toxicity !== undefined) spec.toxicity = toxicity;
  p.updateToxic(spec);
  return ok(toxicJson(spec));
}

async function deleteToxic({ registry, proxy, toxic }: Call): Promise<Reply> {
  const p = registry.get(proxy);
  p.removeToxic(findToxic(p, toxic));
  return NO_CONTENT;
}

// ---- the route table ----

interface Route {
  method: string;
  /** Segments: a literal, or `{proxy}` / `{toxic}` (one decoded, non-empty segment). */
  path: string[];
  handler: Handler;
}
const route = (spec: `${string} /${string}`, handler: Handler): Route => {
  const [method, path] = spec.split(' ') as [string, string];
  return { method, path: path.split('/').slice(1), handler };
};

const routes: Route[] = [
  route('GET /proxies', listProxies),
  route('POST /proxies', createProxy),
  route('POST /populate', populate),
  route('POST /reset', reset),
  route('GET /version', version),
  route('GET /proxies/{proxy}', getProxy),
  route('POST /proxies/{proxy}', updateProxy), // "deprecated" upstream, but what toxiproxy-node-client sends
  route('PATCH /proxies/{proxy}', updateProxy),
  route('DELETE /proxies/{proxy}', deleteProxy),
  route('GET /proxies/{proxy}/toxics', listToxics),
  route('POST /proxies/{proxy}/toxics', createToxic),
  route('GET /proxies/{proxy}/toxics/{toxic}', getToxic),
  route('POST /proxies/{proxy}/toxics/{toxic}', updateToxic),
  route('PATCH /proxies/{proxy}/toxics/{toxic}', updateToxic),
  route('DELETE /proxies/{proxy}/toxics/{toxic}', deleteToxic),
];

type Params = Pick<Call, 'proxy' | 'toxic'>;

/** The params when `segments` (raw and decoded) fit `path`, else undefined. */
function fit(path: string[], raw: string[], decoded: string[]): Params | undefined {
  if (path.length !== raw.length) return undefined;
  const params: Params = { proxy: '', toxic: '' };
  for (let i = 0; i < path.length; i++) {
    const p = path[i]!;
    if (p === '{proxy}' || p === '{toxic}') {
      const name = decoded[i]!;
      // Names with "/" are unreachable upstream too (even as %2F).
      if (name === '' || name.includes('/')) return undefined;
      params[p === '{proxy}' ? 'proxy' : 'toxic'] = name;
    } else if (p !== raw[i]) return undefined;
  }
  return params;
}

// ---- the gate ----

/** The request handler for node:http: decode, route, run, answer (errors as Toxiproxy words them). */
export function apiHandler(registry: ProxyRegistry): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const raw = path.split('/').slice(1);
    const decoded = raw.map(safeDecode);
    if (decoded.includes(undefined)) {
      req.resume();
      sendError(res, 400, `bad path ${path}: malformed percent-encoding`);
      return;
    }
    let params: Params | undefined;
    const methods: Route[] = [];
    for (const r of routes) {
      const p = fit(r.path, raw, decoded as string[]);
      if (!p) continue;
      params = p;
      methods.push(r);
    }
    if (!params) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
      res.end('404 page not found\n');
      return;
    }
    res.setHeader('X-Toxiproxy-Request-Id', randomBytes(10).toString('hex'));
    if ((req.headers['user-agent'] ?? '').startsWith('Mozilla/')) {
      // Toxiproxy refuses browsers: a web page must not be able to drive the proxy (no auth, no CSRF guard).
      res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('User agent not allowed\n');
      req.resume();
      return;
    }
    const route = methods.find((r) => r.method === req.method);
    if (!route) {
      res.writeHead(405).end();
      req.resume();
      return;
    }
    route.handler({ registry, ...params, body: () => readJson(req) }).then(
      (reply) => answer(res, reply),
      (e: unknown) => {
        req.resume();
        if (e instanceof PopulateError) send(res, e.status, { error: e.message, status: e.status, proxies: e.proxies });
        else if (e instanceof ApiError) sendError(res, e.status, e.message);
        else sendError(res, 500, e instanceof Error ? e.message : String(e));
      },
    );
  };
}

function answer(res: ServerResponse, reply: Reply): void {
  if (reply.status === 204) res.writeHead(204).end();
  else if ('text' in reply) {
    res.writeHead(reply.status, { 'Content-Type': reply.type });
    res.end(reply.text);
  } else send(res, reply.status, reply.json);
}

/**
 * Proxy names the API can address again (a name with "/" or NUL could be created and never deleted):
 * one URL path segment needing no escape and no dot-segment normalisation. Real Toxiproxy takes any
 * name; the names toxiproxy-node-client users and crumple make (crumple-<dependency>) all fit.
 */
const NAME = /^[A-Za-z0-9_.:-]{1,255}$/;

/** Why `name` is refused (400), or undefined when it is fine. */
function nameProblem(name: string, where: string): string | undefined {
  if (NAME.test(name) && name !== '.' && name !== '..') return undefined;
  const shown = JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}...` : name);
  return `invalid field: name${where}: ${shown} cannot be addressed in a URL (letters, digits and - _ . : only, at most 255)`;
}

function findToxic(p: Proxy, name: string): ToxicSpec {
  const t = p.toxics.find((x) => x.name === name);
  if (!t) throw new ApiError(404, 'toxic not found');
  return t;
}

async function newProxy(name: string, listen: string, upstream: string, enabled: boolean): Promise<Proxy> {
  const p = new Proxy(name, listen, upstream);
  if (enabled) await p.start();
  return p;
}

/** /populate errors carry the proxies applied so far and are JSON (no trailing newline). */
class PopulateError extends ApiError {
  constructor(status: number, message: string, readonly proxies: ProxyJson[] | null) {
    super(status, message);
  }
}

function send(res: ServerResponse, status: number, json: unknown): void {
  const body = JSON.stringify(json);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** Toxiproxy's error body: JSON, but sent as text/plain by Go's http.Error, with a newline. */
function sendError(res: ServerResponse, status: number, message: string): void {
  const body = `${JSON.stringify({ error: message, status })}\n`;
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
  res.end(body);
}

function safeDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_BODY) throw new ApiError(400, 'bad request body: http: request body too large');
    chunks.push(c);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw new ApiError(400, 'bad request body: EOF');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ApiError(400, `bad request body: ${(e as Error).message}`);
  }
}

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v;
}

function object(v: unknown): Record<string, unknown> {
  if (v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new ApiError(400, `bad request body: json: cannot unmarshal ${kind(v)} into Go value of type map[string]interface {}`);
  return v as Record<string, unknown>;
}

function field<T extends 'string' | 'number' | 'boolean'>(
  b: Record<string, unknown>,
  key: string,
  type: T,
): (T extends 'string' ? string : T extends 'number' ? number : boolean) | undefined {
  const v = b[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== type) {
    const go = type === 'boolean' ? 'bool' : type === 'number' ? 'float32' : 'string';
    throw new ApiError(400, `bad request body: json: cannot unmarshal ${kind(v)} into Go struct field .${key} of type ${go}`);
  }
  return v as never;
}

function proxyBody(raw: unknown): { name?: string; listen?: string; upstream?: string; enabled?: boolean } {
  const b = object(raw);
  const out: { name?: string; listen?: string; upstream?: string; enabled?: boolean } = {};
  const name = field(b, 'name', 'string');
  const listen = field(b, 'listen', 'string');
  const upstream = field(b, 'upstream', 'string');
  const enabled = field(b, 'enabled', 'boolean');
  if (name !== undefined) out.name = name;
  if (listen !== undefined) out.listen = listen;
  if (upstream !== undefined) out.upstream = upstream;
  if (enabled !== undefined) out.enabled = enabled;
  return out;
}
