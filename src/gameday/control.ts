/**
 * The game day's control API, for a second terminal (`crumple fault`, `crumple note`): a route table
 * and one gate. 127.0.0.1 unless allowed, a bearer token always (compared in constant time), bodies at
 * most 64 KB, every error one line of JSON `{"error": "..."}` naming the field: 400 bad body, 401
 * token, 404 unknown route or fault, 405 wrong method, 413 body too large, 500 a bug (never a crash).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { isCrumpleError } from '../errors.js';
import { parseDuration } from '../units.js';
import { monotonicMs } from '../timeline/clock.js';
import type { GameDay } from './state.js';

const MAX_BODY = 64 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

interface Call {
  day: GameDay;
  /** The `:id` segment, when the route has one. */
  id: string;
  query: URLSearchParams;
  body(): Promise<Record<string, unknown>>;
}
type Handler = (c: Call) => Promise<[number, unknown]>;

/** Who asked: the `by` field (a terminal's name), kept short and printable. */
function who(b: Record<string, unknown>): string {
  const by = typeof b.by === 'string' ? b.by.replace(/[^\x20-\x7e]/g, '').slice(0, 60).trim() : '';
  return by || 'control API';
}

// ── the handlers ─────────────────────────────────────────────────────────────────────────────────
const health: Handler = async ({ day }) => [200, { ok: true, gameDay: day.view({ target: { url: '', alive: null }, maxMs: 0 }).name }];

/** The active faults, each with the time it has left. */
const active = (day: GameDay) => {
  const now = monotonicMs();
  return day.faults().map((f) => ({ ...f, leftMs: Math.max(0, Math.round(f.expiresAt - now)) }));
};

const listFaults: Handler = async ({ day }) => [200, { faults: active(day) }];

const state: Handler = async ({ day }) => {
  const v = day.view({ target: { url: '', alive: null }, maxMs: 0 });
  return [200, { name: v.name, faults: active(day), steady: v.steady, halts: v.halts, steps: v.steps ?? null, journal: v.journal }];
};

const inject: Handler = async ({ day, body }) => {
  const b = await body();
  const { for: forRaw, by: _by, faults, ...single } = b;
  let forMs: number | undefined;
  if (forRaw !== undefined) {
    const d = parseDuration(forRaw);
    if (typeof d === 'string') throw new HttpError(400, `for: ${d}`);
    forMs = d;
  }
  if (faults !== undefined && !Array.isArray(faults)) throw new HttpError(400, 'faults: expected a list of faults');
  if (faults !== undefined && Object.keys(single).length) throw new HttpError(400, `${Object.keys(single)[0]}: give either faults: [...] or one fault's fields, not both`);
  const list = (faults as unknown[] | undefined) ?? [single];
  const x = await day.inject({ faults: list, by: who(b), ...(forMs !== undefined ? { forMs } : {}) });
  return [201, x];
};

const clearOne: Handler = async ({ day, id, body }) => {
  const n = Number(id.replace(/^#/, ''));
  if (!Number.isInteger(n) || n < 1) throw new HttpError(400, `id: '${id}' is not a fault number (see GET /faults)`);
  return [200, { cleared: [await day.clear(n, who(await body()))] }];
};

const clearSome: Handler = async ({ day, query, body }) => {
  const dep = query.get('dependency') ?? undefined;
  if (dep === undefined) throw new HttpError(400, 'dependency: name one (?dependency=NAME), or use POST /kill for every fault');
  return [200, { cleared: await day.clearWhere(who(await body()), dep) }];
};

const kill: Handler = async ({ day, body }) => [200, { cleared: await day.kill(who(await body())) }];

const note: Handler = async ({ day, body }) => {
  const b = await body();
  if (typeof b.text !== 'string') throw new HttpError(400, 'text: required, the note');
  return [201, day.note(who(b), b.text)];
};

const nextStep: Handler = async ({ day, body }) => [200, { step: await day.nextStep(who(await body())) }];

// ── the route table ─────────────────────────────────────────────────────────────────────────────
const routes: { method: string; path: string[]; handler: Handler }[] = [
  ['GET /health', health],
  ['GET /state', state],
  ['GET /faults', listFaults],
  ['POST /faults', inject],
  ['DELETE /faults', clearSome],
  ['DELETE /faults/:id', clearOne],
  ['POST /kill', kill],
  ['POST /notes', note],
  ['POST /steps/next', nextStep],
].map(([spec, handler]) => {
  const [method, path] = (spec as string).split(' ') as [string, string];
  return { method, path: path.split('/').filter(Boolean), handler: handler as Handler };
});

function match(parts: string[]): { methods: typeof routes; id: string } | undefined {
  const hits = routes.filter((r) => r.path.length === parts.length && r.path.every((p, i) => p.startsWith(':') || p === parts[i]));
  if (!hits.length) return undefined;
  const at = hits[0]!.path.findIndex((p) => p.startsWith(':'));
  return { methods: hits, id: at >= 0 ? parts[at]! : '' };
}

// ── the gate ─────────────────────────────────────────────────────────────────────────────────────
function tokenOk(req: IncomingMessage, token: string): boolean {
  const h = req.headers.authorization ?? '';
  const got = Buffer.from(h.startsWith('Bearer ') ? h.slice(7) : '');
  const want = Buffer.from(token);
  return got.length === want.length && timingSafeEqual(got, want);
}

function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('error', reject);
    req.on('end', () => {
      if (size > MAX_BODY) return reject(new HttpError(413, `body: larger than ${MAX_BODY} bytes`));
      const text = Buffer.concat(chunks).toString('utf8');
      if (!text.trim()) return resolve({});
      let v: unknown;
      try {
        v = JSON.parse(text);
      } catch (e) {
        return reject(new HttpError(400, `body: not valid JSON (${(e as Error).message})`));
      }
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return reject(new HttpError(400, 'body: expected a JSON object'));
      resolve(v as Record<string, unknown>);
    });
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const b = Buffer.from(`${JSON.stringify(body)}\n`);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': b.length, 'cache-control': 'no-store' });
  res.end(b);
}

/** One line: messages never carry a newline (details are joined). */
const oneLine = (s: string) => s.replace(/\s*\n\s*/g, '; ');

export interface ControlServer {
  url: string;
  close(): Promise<void>;
}

export async function startControl(day: GameDay, opts: { token: string; host?: string; port?: number }): Promise<ControlServer> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://gameday');
    let parts: string[];
    try {
      parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    } catch {
      req.resume();
      return send(res, 400, { error: `path: malformed percent-encoding in ${url.pathname}` });
    }
    if (!tokenOk(req, opts.token)) {
      req.resume();
      res.setHeader('www-authenticate', 'Bearer');
      return send(res, 401, { error: 'authorization: missing or wrong bearer token (the game day wrote it to its control file)' });
    }
    const m = match(parts);
    if (!m) {
      req.resume();
      return send(res, 404, { error: `no route ${url.pathname} (routes: ${routes.map((r) => `${r.method} /${r.path.join('/')}`).join(', ')})` });
    }
    const route = m.methods.find((r) => r.method === req.method);
    if (!route) {
      req.resume();
      return send(res, 405, { error: `${req.method} not allowed on ${url.pathname} (use ${m.methods.map((r) => r.method).join(' or ')})` });
    }
    let body: Promise<Record<string, unknown>> | undefined;
    const call: Call = { day, id: m.id, query: url.searchParams, body: () => (body ??= readBody(req)) };
    route.handler(call).then(
      ([status, json]) => {
        req.resume();
        send(res, status, json);
      },
      (e: unknown) => {
        req.resume();
        if (e instanceof HttpError) send(res, e.status, { error: oneLine(e.message) });
        else if (isCrumpleError(e)) send(res, e.code === 'NOT_FOUND' ? 404 : e.code === 'BAD_INPUT' ? 400 : 500, { error: oneLine([e.message, ...e.details].join('; ')) });
        else send(res, 500, { error: oneLine(`internal: ${e instanceof Error ? e.message : String(e)}`) });
      },
    );
  });
  server.on('clientError', (_e, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host ?? '127.0.0.1';
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
