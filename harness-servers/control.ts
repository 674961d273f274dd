/**
 * The control API: list stand-ins, read and switch a behaviour (with params), read the observation
 * log, reset. JSON over HTTP on its own port, 127.0.0.1 by default, optional bearer token. Every
 * error is JSON naming the cause: 400 bad path or body (field named), 401 token, 404 unknown route or
 * stand-in, 405 wrong method, 413 body too large; a handler failure is a 500, never a crash.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { isCrumpleError } from '../src/errors.js';
import { behaviourImpls } from './behaviours/impl.js';
import { wsBehaviourImpls } from './ws/impl.js';
import type { StandIn } from './server.js';

export interface StandInRegistry {
  list(): StandIn[];
  get(name: string): StandIn | undefined;
}

export interface ControlApi {
  url: string;
  port: number;
  close(): Promise<void>;
}

const MAX_BODY = 1 << 20;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function registryOf(standIns: StandIn[] | StandInRegistry): StandInRegistry {
  if (!Array.isArray(standIns)) return standIns;
  const list = [...standIns];
  return { list: () => list, get: (n) => list.find((s) => s.name === n) };
}

export function describeStandIn(s: StandIn) {
  const b = s.behaviour();
  return { name: s.name, protocol: s.protocol, port: s.port, url: s.url, behaviour: b.name, params: b.params, open: s.openConnections() };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c); // past the cap: drain, keep nothing, answer 413 at the end
    });
    req.on('end', () => (size > MAX_BODY ? reject(new HttpError(413, `body: larger than ${MAX_BODY} bytes`)) : resolve(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

async function jsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = await readBody(req);
  if (text.trim() === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new HttpError(400, `body: not valid JSON (${(e as Error).message})`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new HttpError(400, 'body: expected a JSON object');
  return v as Record<string, unknown>;
}

/** The non-empty segments of a path, percent-decoded; undefined when an escape is malformed. */
function decodePath(pathname: string): string[] | undefined {
  try {
    return pathname.split('/').filter(Boolean).map((p) => decodeURIComponent(p));
  } catch {
    return undefined;
  }
}

function tokenOk(req: IncomingMessage, token: string | undefined): boolean {
  if (!token) return true;
  const h = req.headers.authorization ?? '';
  const got = Buffer.from(h.startsWith('Bearer ') ? h.slice(7) : '');
  const want = Buffer.from(token);
  return got.length === want.length && timingSafeEqual(got, want);
}

export async function startControlApi(
  standIns: StandIn[] | StandInRegistry,
  opts: { host?: string; port?: number; token?: string } = {},
): Promise<ControlApi> {
  const registry = registryOf(standIns);
  const host = opts.host ?? '127.0.0.1';

  const find = (name: string): StandIn => {
    const s = registry.get(name);
    if (!s) throw new HttpError(404, `no stand-in named '${name}'`, { known: registry.list().map((x) => x.name) });
    return s;
  };

  /** `parts`: the path's segments, already percent-decoded. */
  async function route(req: IncomingMessage, url: URL, parts: string[]): Promise<[number, unknown]> {
    const method = req.method ?? 'GET';
    const only = (...allowed: string[]) => {
      if (!allowed.includes(method)) throw new HttpError(405, `${method} not allowed on ${url.pathname} (use ${allowed.join(' or ')})`);
    };
    if (parts.length === 0 || (parts.length === 1 && parts[0] === 'health')) {
      only('GET');
      return [200, { ok: true, standIns: registry.list().length }];
    }
    if (parts[0] === 'behaviours' && parts.length === 1) {
      only('GET');
      const list = (t: Record<string, { name: string; description: string }>) => Object.values(t).map((b) => ({ name: b.name, description: b.description }));
      return [200, { http: list(behaviourImpls), ws: list(wsBehaviourImpls) }];
    }
    if (parts[0] !== 'standins') throw new HttpError(404, `no route ${url.pathname} (try GET /standins)`);
    if (parts.length === 1) {
      only('GET');
      return [200, registry.list().map(describeStandIn)];
    }
    const s = find(parts[1]!);
    const action = parts[2];
    if (parts.length === 2) {
      only('GET');
      return [200, describeStandIn(s)];
    }
    if (parts.length === 3 && action === 'behaviour') {
      if (method === 'GET') return [200, s.behaviour()];
      only('PUT', 'POST');
      const body = await jsonBody(req);
      if (typeof body.behaviour !== 'string' || body.behaviour === '') throw new HttpError(400, 'behaviour: required, a behaviour name (see GET /behaviours)');
      for (const k of Object.keys(body)) if (k !== 'behaviour' && k !== 'params') throw new HttpError(400, `${k}: unknown field (expected behaviour, params)`);
      if (body.params !== undefined && (body.params === null || typeof body.params !== 'object' || Array.isArray(body.params))) {
        throw new HttpError(400, 'params: expected a JSON object');
      }
      try {
        await s.setBehaviour(body.behaviour, body.params);
      } catch (e) {
        if (isCrumpleError(e) && e.code === 'BAD_INPUT') throw new HttpError(400, e.message, e.details.length ? { details: e.details } : {});
        throw e;
      }
      try {
        await s.settled();
      } catch (e) {
        throw new HttpError(409, e instanceof Error ? e.message : String(e));
      }
      return [200, describeStandIn(s)];
    }
    if (parts.length === 3 && action === 'log') {
      only('GET');
      const raw = url.searchParams.get('limit');
      let limit: number | undefined;
      if (raw !== null) {
        limit = Number(raw);
        if (!Number.isInteger(limit) || limit < 0) throw new HttpError(400, `limit: expected a non-negative integer, got '${raw}'`);
      }
      return [200, { name: s.name, behaviour: s.behaviour().name, ...s.log(limit) }];
    }
    if (parts.length === 3 && action === 'reset') {
      only('POST');
      s.reset();
      await s.settled().catch(() => {});
      return [200, describeStandIn(s)];
    }
    throw new HttpError(404, `no route ${url.pathname} (stand-in routes: /standins/${s.name}[/behaviour|/log|/reset])`);
  }

  const send = (res: ServerResponse, status: number, body: unknown) => {
    if (res.headersSent || res.destroyed) return;
    const b = Buffer.from(JSON.stringify(body));
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': b.length });
    res.end(b);
  };

  const server = createServer((req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://control');
    } catch {
      send(res, 400, { error: 'url: not a valid request target' });
      return;
    }
    const parts = decodePath(url.pathname);
    if (!parts) {
      req.resume();
      send(res, 400, { error: `path: malformed percent-encoding in ${url.pathname}` });
      return;
    }
    if (!tokenOk(req, opts.token)) {
      res.setHeader('www-authenticate', 'Bearer');
      send(res, 401, { error: 'authorization: missing or wrong bearer token' });
      return;
    }
    // A body the route did not read (a GET with one, a 405) is drained first: answering with it
    // still unread made node close the connection under the client before it saw the answer.
    const answer = (status: number, body: unknown) => {
      if (req.complete) return send(res, status, body);
      req.once('end', () => send(res, status, body));
      req.resume();
    };
    route(req, url, parts).then(
      ([status, body]) => answer(status, body),
      (e: unknown) => {
        if (e instanceof HttpError) answer(e.status, { error: e.message, ...e.extra });
        else answer(500, { error: `internal: ${e instanceof Error ? e.message : String(e)}` });
      },
    );
  });
  // Bytes that are not HTTP get a 400 where the socket can still take one. Data after a request that
  // said `Connection: close` (a GET with a body and no length) is ignored: that request's answer is in flight.
  server.on('clientError', (e: NodeJS.ErrnoException, socket) => {
    if (e.code === 'HPE_CLOSED_CONNECTION') return;
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const h = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${h}:${port}`,
    port,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
