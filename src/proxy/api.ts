import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { ApiError, Proxy, ProxyRegistry, toxicJson, type ProxyJson } from './proxy.js';
import { toxics, toxicAttributes, isToxicType } from './toxics/index.js';
import type { ToxicSpec } from './link.js';

/** What /version answers: Toxiproxy's API level, and that this is crumple's server. */
export const API_VERSION = '2.12.0+crumple';
const MAX_BODY = 1 << 20;

type Handler = (req: IncomingMessage, params: string[], body: () => Promise<unknown>) => Promise<Reply>;
type Reply = { status: number; json?: unknown } | { status: 204 };

/**
 * The Toxiproxy 2.x HTTP API over a registry. Every handler throws ApiError for a client error;
 * the one gate below turns it into Toxiproxy's error body.
 */
export function apiHandler(registry: ProxyRegistry): (req: IncomingMessage, res: ServerResponse) => void {
  const routes: { pattern: string[]; methods: Record<string, Handler> }[] = [
    { pattern: ['proxies'], methods: { GET: listProxies, POST: createProxy } },
    { pattern: ['populate'], methods: { POST: populate } },
    { pattern: ['reset'], methods: { POST: reset } },
    { pattern: ['version'], methods: { GET: async () => ({ status: 200 }) } },
    { pattern: ['proxies', '*'], methods: { GET: getProxy, POST: updateProxy, PATCH: updateProxy, DELETE: deleteProxy } },
    { pattern: ['proxies', '*', 'toxics'], methods: { GET: listToxics, POST: createToxic } },
    { pattern: ['proxies', '*', 'toxics', '*'], methods: { GET: getToxic, POST: updateToxic, PATCH: updateToxic, DELETE: deleteToxic } },
  ];

  async function listProxies(): Promise<Reply> {
    const out: Record<string, ProxyJson> = {};
    for (const p of registry.sorted()) out[p.name] = p.json();
    return { status: 200, json: out };
  }

  async function createProxy(_req: IncomingMessage, _p: string[], body: () => Promise<unknown>): Promise<Reply> {
    const b = proxyBody(await body(), true);
    if (!b.name) throw new ApiError(400, 'missing required field: name');
    if (!b.upstream) throw new ApiError(400, 'missing required field: upstream');
    if (registry.proxies.has(b.name)) throw new ApiError(409, 'proxy already exists');
    const p = await newProxy(b.name, b.listen ?? '', b.upstream, b.enabled ?? true);
    registry.proxies.set(b.name, p);
    return { status: 201, json: p.json() };
  }

  async function newProxy(name: string, listen: string, upstream: string, enabled: boolean): Promise<Proxy> {
    const p = new Proxy(name, listen, upstream);
    if (enabled) await p.start();
    return p;
  }

  async function populate(_req: IncomingMessage, _p: string[], body: () => Promise<unknown>): Promise<Reply> {
    const raw = await body();
    if (!Array.isArray(raw)) throw new PopulateError(400, `bad request body: json: cannot unmarshal ${kind(raw)} into Go value of type []proxy`, null);
    const items = raw.map((r) => proxyBody(r, true));
    items.forEach((b, i) => {
      if (!b.name) throw new PopulateError(400, `missing required field: name at proxy ${i + 1}`, null);
      if (!b.upstream) throw new PopulateError(400, `missing required field: upstream at proxy ${i + 1}`, null);
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

  async function reset(): Promise<Reply> {
    for (const p of registry.sorted()) {
      p.removeAllToxics();
      if (!p.enabled) await p.start();
    }
    return { status: 204 };
  }

  async function getProxy(_r: IncomingMessage, [name]: string[]): Promise<Reply> {
    return { status: 200, json: registry.get(name!).json() };
  }

  async function updateProxy(_r: IncomingMessage, [name]: string[], body: () => Promise<unknown>): Promise<Reply> {
    const p = registry.get(name!);
    const b = proxyBody(await body(), false);
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
    return { status: 200, json: p.json() };
  }

  async function deleteProxy(_r: IncomingMessage, [name]: string[]): Promise<Reply> {
    const p = registry.get(name!);
    registry.proxies.delete(name!);
    await p.stop();
    return { status: 204 };
  }

  async function listToxics(_r: IncomingMessage, [name]: string[]): Promise<Reply> {
    return { status: 200, json: registry.get(name!).orderedToxics().map(toxicJson) };
  }

  function findToxic(p: Proxy, name: string): ToxicSpec {
    const t = p.toxics.find((x) => x.name === name);
    if (!t) throw new ApiError(404, 'toxic not found');
    return t;
  }

  async function createToxic(_r: IncomingMessage, [name]: string[], body: () => Promise<unknown>): Promise<Reply> {
    const p = registry.get(name!);
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
    return { status: 200, json: toxicJson(spec) };
  }

  async function getToxic(_r: IncomingMessage, [name, toxic]: string[]): Promise<Reply> {
    return { status: 200, json: toxicJson(findToxic(registry.get(name!), toxic!)) };
  }

  async function updateToxic(_r: IncomingMessage, [name, toxic]: string[], body: () => Promise<unknown>): Promise<Reply> {
    const p = registry.get(name!);
    const b = object(await body());
    const toxicity = field(b, 'toxicity', 'number');
    const spec = findToxic(p, toxic!);
    const attrs = toxicAttributes(spec.type, b.attributes, spec.attributes); // merged: only keys sent change
    if (!attrs.ok) throw new ApiError(400, attrs.error);
    spec.attributes = attrs.attributes;
    if (toxicity !== undefined) spec.toxicity = toxicity;
    p.updateToxic(spec);
    return { status: 200, json: toxicJson(spec) };
  }

  async function deleteToxic(_r: IncomingMessage, [name, toxic]: string[]): Promise<Reply> {
    const p = registry.get(name!);
    p.removeToxic(findToxic(p, toxic!));
    return { status: 204 };
  }

  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const segments = path.split('/').slice(1);
    let match: { route: (typeof routes)[number]; params: string[] } | undefined;
    for (const route of routes) {
      if (route.pattern.length !== segments.length) continue;
      const params: string[] = [];
      let ok = true;
      route.pattern.forEach((p, i) => {
        const seg = segments[i]!;
        if (p === '*') {
          const name = safeDecode(seg);
          // Names with "/" are unreachable upstream too (even as %2F).
          if (name === undefined || name === '' || name.includes('/')) ok = false;
          else params.push(name);
        } else if (p !== seg) ok = false;
      });
      if (ok) {
        match = { route, params };
        break;
      }
    }
    if (!match) {
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
    const handler = match.route.methods[req.method ?? ''];
    if (!handler) {
      res.writeHead(405).end();
      req.resume();
      return;
    }
    const isPopulate = match.route.pattern[0] === 'populate';
    const isVersion = match.route.pattern[0] === 'version';
    handler(req, match.params, () => readJson(req)).then(
      (reply) => {
        if (isVersion) {
          res.writeHead(200, { 'Content-Type': 'application/json;charset=utf-8' });
          res.end(`{"version": "${API_VERSION}"}\n`);
        } else if (reply.status === 204) res.writeHead(204).end();
        else send(res, reply.status, (reply as { json: unknown }).json);
      },
      // The one error gate: known errors answer as Toxiproxy does; anything else is a 500 naming the cause.
      (e: unknown) => {
        req.resume();
        if (e instanceof PopulateError) send(res, e.status, { error: e.message, status: e.status, proxies: e.proxies });
        else if (e instanceof ApiError) sendError(res, e.status, e.message);
        else sendError(res, 500, e instanceof Error ? e.message : String(e));
      },
    );
  };
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

function proxyBody(raw: unknown, _create: boolean): { name?: string; listen?: string; upstream?: string; enabled?: boolean } {
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
