/**
 * The HTTP side of a stand-in: accepted sockets go to a never-listening node:http server (so `ok`
 * runs node's own hot path), and each parsed request becomes an HttpExchange that the behaviour in
 * force answers. Unparseable bytes get node's 400, and the log says why.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { monotonicMs } from '../src/timeline/clock.js';
import type { Exchange, Handler } from './behaviour.js';
import { interner, LOGGED_HEADERS, type ConnState, type RequestRecord } from './log.js';
import { connOf, type Observer } from './observe.js';
import type { RequestTags } from './idempotency.js';

/** Request bodies are counted in full but kept (for contract body matching) only up to this. */
export const MAX_BODY = 1 << 20;

/** Records without any logged header share this one (never mutated; snapshots copy headers). */
const NO_HEADERS: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** Paths and the header values that repeat from request to request, shared in the log (ids are not: each is new). */
const internPath = interner(1000);
const internValue = interner(1000);
const REPEATING: ReadonlySet<string> = new Set<(typeof LOGGED_HEADERS)[number]>(['content-type', 'user-agent', 'connection']);

/** The log record of a request head: arrival, method, path and the LOGGED_HEADERS it carried. */
export function newRecord(req: IncomingMessage, t: number): RequestRecord {
  const h = req.headers;
  let headers: Record<string, string> = NO_HEADERS;
  for (const k of LOGGED_HEADERS) {
    const v = h[k];
    if (typeof v !== 'string') continue;
    if (headers === NO_HEADERS) headers = {};
    headers[k] = REPEATING.has(k) ? internValue(v) : v;
  }
  return { t, method: req.method ?? 'GET', path: internPath(req.url ?? '/'), headers, bytes: 0, behaviour: '' };
}

export class HttpSide {
  /** Answers every request from now on; the stand-in swaps it live. */
  handler: Handler = { label: '', request: () => {} };
  /** Parses the sockets handed to it; also where WebSocket upgrades arrive. */
  readonly server: Server;

  constructor(
    private readonly obs: Observer,
    /** A dependency with `idempotency:`: what to record of each request (harness-servers/idempotency.ts). */
    private readonly tag?: (h: IncomingMessage['headers'], body: Buffer | undefined, bytes: number) => RequestTags,
  ) {
    this.server = createServer({ requestTimeout: 0 }, (req, res) => this.onRequest(req, res));
    this.server.keepAliveTimeout = 5000;
    this.server.on('clientError', onClientError);
  }

  /** A new connection: a socket-level behaviour may take it at accept, else node:http parses it. */
  take(socket: Socket, conn: ConnState): void {
    if (this.handler.accept?.(socket, conn)) return;
    this.server.emit('connection', socket);
  }

  close(): void {
    this.server.close();
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const conn = connOf(req.socket);
    if (!conn) {
      res.destroy();
      return;
    }
    const t = monotonicMs();
    const rec = newRecord(req, t);
    conn.addRequest(rec);
    conn.pendingSince = t;
    const h = req.headers;
    const cl = h['content-length'];
    if ((cl === undefined || cl === '0') && h['transfer-encoding'] === undefined) {
      this.dispatch(req, res, conn, rec, undefined);
      return;
    }
    const chunks: Buffer[] = [];
    let kept = 0;
    req.on('data', (c: Buffer) => {
      rec.bytes += c.length;
      if (kept < MAX_BODY) {
        chunks.push(c);
        kept += c.length;
      }
    });
    req.once('end', () => this.dispatch(req, res, conn, rec, Buffer.concat(chunks)));
    req.on('error', () => {}); // the connection's close records what happened
  }

  private dispatch(req: IncomingMessage, res: ServerResponse, conn: ConnState, rec: RequestRecord, body: Buffer | undefined): void {
    const x = new HttpExchange(this.obs, req, res, conn, rec, body);
    let h = this.handler;
    let label = h.label;
    while (h.pick) {
      h = h.pick(x);
      label += ':' + h.label;
    }
    rec.behaviour = label;
    this.obs.request(conn, rec, this.tag?.(req.headers, body, rec.bytes));
    h.request(x);
  }
}

function onClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  // Unparseable request bytes: answer 400 like node would, and remember why.
  const conn = connOf(socket);
  if (conn) conn.rec.error ??= err.code ?? 'HPE_INVALID';
  if (socket.writable && err.code !== 'ECONNRESET') {
    conn?.markOurs(monotonicMs());
    socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
  } else socket.destroy();
}

/** One request in flight: what a behaviour gets. A class so the hot path allocates one small object. */
export class HttpExchange implements Exchange {
  constructor(
    private readonly obs: Observer,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly conn: ConnState,
    readonly rec: RequestRecord,
    readonly body: Buffer | undefined,
  ) {}

  began(status: number): void {
    this.rec.responseStart = monotonicMs();
    this.rec.status = status;
  }

  finished(bytes: number): void {
    const rec = this.rec;
    rec.responseEnd = monotonicMs();
    rec.bytesOut = bytes;
    if (this.conn.pendingSince === rec.t) this.conn.pendingSince = undefined;
    this.obs.responded(this.conn, rec);
  }

  send(status: number, headers: readonly string[], body: Buffer): void {
    const rec = this.rec;
    rec.responseStart = monotonicMs();
    rec.status = status;
    this.res.writeHead(status, headers as string[]);
    this.res.end(body);
    this.finished(body.length);
  }

  close(how: 'fin' | 'rst'): void {
    const s = this.req.socket;
    this.conn.markOurs(monotonicMs());
    if (how === 'rst' && typeof s.resetAndDestroy === 'function' && !s.destroyed) s.resetAndDestroy();
    else if (how === 'rst') s.destroy();
    else s.end();
  }

  onGone(fn: () => void): void {
    this.res.once('close', fn);
  }

  miss(): void {
    this.obs.missed(this.conn, this.rec);
  }
}
