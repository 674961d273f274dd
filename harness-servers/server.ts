/**
 * One stand-in: one port, one live-switchable behaviour, an observation log and timeline events.
 * A raw net.Server accepts; socket-level behaviours (no-read, reset at accept...) take the socket
 * there, everything else is handed to a never-listening http.Server, so `ok` runs node:http's own
 * hot path. `refuse` closes the listener; switching away re-binds the same port.
 */
import { createServer as createHttp, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createNet, type Server as NetServer, type Socket, type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { WebSocketServer, WebSocket } from 'ws';
import { CrumpleError } from '../src/errors.js';
import { monotonicMs } from '../src/timeline/clock.js';
import type { EventSink, TimelineEvent } from '../src/timeline/events.js';
import { parseParams, seededRandom, zodLines, type Env, type Exchange, type Handler, type NestedSpec } from './behaviour.js';
import { behaviours, getBehaviour } from './behaviours/index.js';
import { compileContract, type CompiledContract, type ContractPair } from './contract.js';
import { ConnRing, ConnState, DEFAULT_LOG_CAPACITY, LOGGED_HEADERS, type ObservationLog, type RequestRecord } from './log.js';
import { getWsBehaviour, wsBehaviours } from './ws/index.js';
import type { WsConn, WsEnv, WsHandler } from './ws/ws-behaviour.js';

export type { ContractPair } from './contract.js';
export type { ObservationLog, ConnRecord, RequestRecord } from './log.js';

export interface StandInOptions {
  /** Dependency name, used in events. */
  name: string;
  protocol?: 'http' | 'ws';
  /** Default 'ok' (ws: 'echo'). */
  behaviour?: string;
  params?: unknown;
  /** Healthy answers for `ok`. */
  contract?: ContractPair[];
  host?: string;
  port?: number;
  /** Every observation also goes here as TimelineEvents. */
  onEvent?: EventSink;
  /** Seed for seeded behaviours (slow, garbage, flaky). Default 1. */
  seed?: number;
  /** Connections kept in the observation log (ring buffer). Default 10,000. */
  logCapacity?: number;
}

export interface StandIn {
  readonly name: string;
  readonly protocol: 'http' | 'ws';
  readonly port: number;
  /** http://host:port or ws://host:port */
  readonly url: string;
  behaviour(): { name: string; params: unknown };
  /** Validates (BAD_INPUT naming the field), then answers new requests with it at once. */
  setBehaviour(name: string, params?: unknown): void;
  /** Resolves once the listener matches the behaviour (after `refuse` or switching away from it). */
  settled(): Promise<void>;
  log(limit?: number): ObservationLog;
  /** Connections open right now. */
  openConnections(): number;
  /** Back to the starting behaviour, log cleared. */
  reset(): void;
  close(): Promise<void>;
}

/** Records without any logged header share this one (never mutated; snapshots copy headers). */
const NO_HEADERS: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** Request bodies are counted in full but kept (for contract body matching) only up to this. */
const MAX_BODY = 1 << 20;
const kConn = Symbol('crumple.conn');
type TaggedSocket = Socket & { [kConn]?: ConnState };

function onSocketEnd(this: TaggedSocket): void {
  this[kConn]?.markClient(monotonicMs());
}

function onSocketError(this: TaggedSocket, e: NodeJS.ErrnoException): void {
  const conn = this[kConn];
  if (!conn) return;
  conn.rec.error ??= e.code ?? e.message;
  conn.markClient(monotonicMs());
}

export async function startStandIn(opts: StandInOptions): Promise<StandIn> {
  if (typeof opts.name !== 'string' || opts.name === '') throw new CrumpleError('BAD_INPUT', 'name: a stand-in needs a non-empty name');
  // ws is loaded only by WebSocket stand-ins: an HTTP stand-in's process stays ~8 MB smaller.
  const wsModule = opts.protocol === 'ws' ? await import('ws') : undefined;
  const s = new StandInServer(opts, wsModule?.WebSocketServer);
  await s.start();
  return s;
}

class StandInServer implements StandIn {
  readonly name: string;
  readonly protocol: 'http' | 'ws';
  port = 0;
  private readonly host: string;
  private readonly sink: EventSink | undefined;
  private readonly contract: CompiledContract;
  private readonly ring: ConnRing;
  private readonly open = new Set<ConnState>();
  private readonly http: HttpServer;
  private readonly wss: WebSocketServer | undefined;
  private readonly wsConns = new Set<WsConn>();
  private readonly start0: { name: string; params: unknown };
  private listener: NetServer | undefined;
  private current: { name: string; params: unknown } = { name: '', params: {} };
  private handler: Handler = { label: '', request: () => {} };
  private wsHandler: WsHandler = { label: '' };
  private seq = 0;
  private rngCount = 0;
  private readonly seed: number;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(opts: StandInOptions, Wss?: typeof WebSocketServer) {
    this.name = opts.name;
    this.protocol = opts.protocol ?? 'http';
    if (this.protocol !== 'http' && this.protocol !== 'ws') throw new CrumpleError('BAD_INPUT', `protocol: expected 'http' or 'ws', got '${String(opts.protocol)}'`);
    this.host = opts.host ?? '127.0.0.1';
    this.port = opts.port ?? 0;
    if (!Number.isInteger(this.port) || this.port < 0 || this.port > 65535) throw new CrumpleError('BAD_INPUT', `port: expected 0-65535, got ${String(opts.port)}`);
    this.sink = opts.onEvent;
    this.seed = opts.seed ?? 1;
    this.ring = new ConnRing(opts.logCapacity ?? DEFAULT_LOG_CAPACITY);
    try {
      this.contract = compileContract(opts.contract);
    } catch (e) {
      const lines = e instanceof Error && 'issues' in e ? zodLines(e as never, 'contract') : [String(e)];
      throw new CrumpleError('BAD_INPUT', `stand-in '${this.name}': ${lines[0]}`, { details: lines.slice(1) });
    }
    this.http = createHttp({ requestTimeout: 0 }, (req, res) => this.onRequest(req, res));
    this.http.keepAliveTimeout = 5000;
    this.http.on('clientError', (err, socket) => this.onClientError(err, socket));
    if (this.protocol === 'ws') {
      this.wss = new Wss!({ noServer: true, autoPong: false, maxPayload: MAX_BODY });
      this.http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket as Socket, head));
    }
    this.start0 = { name: opts.behaviour ?? (this.protocol === 'ws' ? 'echo' : 'ok'), params: opts.params ?? {} };
    this.apply(this.start0.name, this.start0.params); // validates before anything listens
  }

  get url(): string {
    const h = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `${this.protocol}://${h}:${this.port}`;
  }

  async start(): Promise<void> {
    await this.listen();
    if (this.handler.refuses) await this.unlisten(); // the port is known; nothing listens on it
  }

  behaviour(): { name: string; params: unknown } {
    return { name: this.current.name, params: this.current.params };
  }

  setBehaviour(name: string, params?: unknown): void {
    if (this.closed) throw new CrumpleError('BAD_INPUT', `stand-in '${this.name}' is closed`);
    const wasRefusing = this.handler.refuses === true;
    this.apply(name, params ?? {});
    const refusing = this.handler.refuses === true;
    if (refusing !== wasRefusing) this.enqueue(() => (refusing ? this.unlisten() : this.listen()));
  }

  settled(): Promise<void> {
    return this.queue;
  }

  log(limit?: number): ObservationLog {
    return this.ring.snapshot(limit);
  }

  openConnections(): number {
    return this.open.size;
  }

  reset(): void {
    this.setBehaviour(this.start0.name, this.start0.params);
    this.ring.clear();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.catch(() => {});
    const waits: Promise<void>[] = [];
    if (this.listener) {
      const l = this.listener;
      this.listener = undefined;
      waits.push(new Promise((r) => l.close(() => r())));
    }
    for (const c of this.open) {
      const s = c.socket;
      if (!s) continue;
      c.markOurs(monotonicMs());
      waits.push(new Promise((r) => s.once('close', () => r())));
      s.destroy();
    }
    this.wss?.close();
    this.http.close();
    await Promise.all(waits);
  }

  // ---- behaviour switching ----

  private env(): Env {
    return {
      name: this.name,
      contract: this.contract,
      rng: () => seededRandom((this.seed * 2654435761 + ++this.rngCount) >>> 0),
      create: (spec: NestedSpec) => this.createHttpHandler(spec.behaviour, spec.params, false),
    };
  }

  private createHttpHandler(name: string, params: unknown, validate: boolean): Handler {
    const b = getBehaviour(name);
    if (!b) throw new CrumpleError('BAD_INPUT', `behaviour: unknown '${name}' for an HTTP stand-in (known: ${Object.keys(behaviours).join(', ')})`);
    return b.create(validate ? parseParams(b, params) : params, this.env());
  }

  private apply(name: string, params: unknown): void {
    if (typeof name !== 'string') throw new CrumpleError('BAD_INPUT', 'behaviour: expected a behaviour name');
    if (this.protocol === 'http') {
      const b = getBehaviour(name);
      if (!b) throw new CrumpleError('BAD_INPUT', `behaviour: unknown '${name}' for an HTTP stand-in (known: ${Object.keys(behaviours).join(', ')})`);
      const parsed = parseParams(b, params);
      this.handler = b.create(parsed, this.env());
      this.current = { name, params: parsed };
    } else {
      const b = getWsBehaviour(name);
      if (!b) throw new CrumpleError('BAD_INPUT', `behaviour: unknown '${name}' for a WebSocket stand-in (known: ${Object.keys(wsBehaviours).join(', ')})`);
      const parsed = parseParams(b, params);
      const env: WsEnv = { name: this.name, rng: () => seededRandom((this.seed * 2654435761 + ++this.rngCount) >>> 0) };
      this.wsHandler.stop?.();
      this.wsHandler = b.create(parsed, env);
      this.current = { name, params: parsed };
      this.wsHandler.activate?.(this.wsConns);
    }
  }

  private enqueue(job: () => Promise<void>): void {
    // Each job runs after the previous one, even if it failed; settled() reports the last outcome.
    this.queue = this.queue.catch(() => {}).then(job);
    this.queue.catch(() => {});
  }

  private listen(): Promise<void> {
    if (this.listener || this.closed) return Promise.resolve();
    // noDelay as node:http's own listener sets it (its option does not reach sockets we hand it):
    // small answers and drip chunks go out at once instead of waiting on Nagle.
    const l = createNet({ noDelay: true }, (s) => this.onConnection(s as TaggedSocket));
    return new Promise((resolve, reject) => {
      l.once('error', (e: NodeJS.ErrnoException) => {
        reject(new CrumpleError('PORT_IN_USE', `stand-in '${this.name}': cannot listen on ${this.host}:${this.port} (${e.code ?? e.message})`, { cause: e }));
      });
      l.listen({ port: this.port, host: this.host, backlog: 4096 }, () => {
        this.port = (l.address() as AddressInfo).port;
        this.listener = l;
        l.on('error', () => {}); // after listening, errors are per-connection and handled there
        resolve();
      });
    });
  }

  private unlisten(): Promise<void> {
    const l = this.listener;
    this.listener = undefined;
    if (l) l.close(); // stop accepting now; open connections live on
    return Promise.resolve();
  }

  // ---- connections ----

  private emit(e: TimelineEvent): void {
    try {
      this.sink!(e);
    } catch {
      // A failing sink must never break the stand-in.
    }
  }

  private onConnection(socket: TaggedSocket): void {
    const t = monotonicMs();
    const label = this.protocol === 'http' ? this.handler.label : this.wsHandler.label;
    const conn = new ConnState(++this.seq, socket, t, label);
    socket[kConn] = conn;
    this.open.add(conn);
    this.ring.add(conn);
    if (this.sink) this.emit({ kind: 'dep-open', t, dependency: this.name, conn: conn.rec.conn, behaviour: label });
    // Shared listener functions (the socket is `this`), not closures per connection: at 10,000
    // held connections each closure and once-wrapper costs about 0.3 KB more per connection.
    socket.on('end', onSocketEnd);
    socket.on('error', onSocketError);
    socket.on('close', this.onSocketClose);
    if (this.protocol === 'http' && this.handler.accept?.(socket, conn)) return;
    this.http.emit('connection', socket);
  }

  private readonly onSocketClose = ((server: StandInServer) =>
    function (this: TaggedSocket): void {
      const conn = this[kConn];
      if (conn && conn.socket === this) server.onClose(conn);
    })(this);

  private onClose(conn: ConnState): void {
    const now = monotonicMs();
    const s = conn.socket!;
    const rec = conn.rec;
    const by = conn.closedBy ?? (conn.wsOpen ? 'client' : 'stand-in');
    rec.closedAt = conn.closedBy ? conn.closeSeenAt : now;
    rec.closedBy = by;
    rec.bytesIn = s.bytesRead;
    rec.bytesOut = s.bytesWritten;
    const pending = conn.pendingSince !== undefined;
    rec.pendingAtClose = pending;
    if (pending) rec.pendingSince = conn.pendingSince!;
    conn.socket = undefined;
    this.open.delete(conn);
    if (this.sink) {
      const e: TimelineEvent = { kind: 'dep-close', t: rec.closedAt, dependency: this.name, conn: rec.conn, by, pending, bytesIn: rec.bytesIn, bytesOut: rec.bytesOut };
      if (pending) e.pendingSince = conn.pendingSince!;
      if (rec.error) e.error = rec.error;
      this.emit(e);
    }
  }

  private onClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
    // Unparseable request bytes: answer 400 like node would, and remember why.
    const conn = (socket as TaggedSocket)[kConn];
    if (conn) conn.rec.error ??= err.code ?? 'HPE_INVALID';
    if (socket.writable && err.code !== 'ECONNRESET') {
      conn?.markOurs(monotonicMs());
      socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    } else socket.destroy();
  }

  private newRecord(req: IncomingMessage, t: number): RequestRecord {
    const h = req.headers;
    let headers: Record<string, string> = NO_HEADERS;
    for (const k of LOGGED_HEADERS) {
      const v = h[k];
      if (typeof v !== 'string') continue;
      if (headers === NO_HEADERS) headers = {};
      headers[k] = v;
    }
    return { t, method: req.method ?? 'GET', path: req.url ?? '/', headers, bytes: 0, behaviour: '' };
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const conn = (req.socket as TaggedSocket)[kConn];
    if (!conn) {
      res.destroy();
      return;
    }
    const t = monotonicMs();
    const rec = this.newRecord(req, t);
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
    const x = new Ex(this, req, res, conn, rec, body);
    if (this.protocol === 'ws') {
      rec.behaviour = this.wsHandler.label;
      if (this.sink) this.emitRequest(conn, rec);
      const b = Buffer.from(JSON.stringify({ error: 'this stand-in speaks WebSocket: send an Upgrade request' }));
      x.send(426, ['content-type', 'application/json', 'upgrade', 'websocket', 'content-length', String(b.length)], b);
      return;
    }
    let h = this.handler;
    let label = h.label;
    while (h.pick) {
      h = h.pick(x);
      label += ':' + h.label;
    }
    rec.behaviour = label;
    if (this.sink) this.emitRequest(conn, rec);
    h.request(x);
  }

  private emitRequest(conn: ConnState, rec: RequestRecord): void {
    this.emit({ kind: 'dep-request', t: rec.t, dependency: this.name, conn: conn.rec.conn, method: rec.method, path: rec.path, behaviour: rec.behaviour, bytes: rec.bytes });
  }

  /** @internal used by Ex */
  responded(conn: ConnState, rec: RequestRecord): void {
    if (conn.pendingSince === rec.t) conn.pendingSince = undefined;
    if (this.sink) {
      const e: TimelineEvent = { kind: 'dep-response', t: rec.responseEnd!, dependency: this.name, conn: conn.rec.conn, startedMs: rec.responseStart ?? rec.responseEnd!, bytes: rec.bytesOut ?? 0 };
      if (rec.status !== undefined) e.status = rec.status;
      this.emit(e);
    }
  }

  /** @internal used by Ex */
  missed(conn: ConnState, rec: RequestRecord): void {
    rec.miss = true;
    if (this.sink) this.emit({ kind: 'dep-miss', t: rec.t, dependency: this.name, conn: conn.rec.conn, method: rec.method, path: rec.path });
  }

  // ---- WebSocket ----

  private onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const conn = (socket as TaggedSocket)[kConn];
    if (!conn || !this.wss) {
      socket.destroy();
      return;
    }
    const rec = this.newRecord(req, monotonicMs());
    rec.behaviour = this.wsHandler.label;
    conn.addRequest(rec);
    if (this.sink) this.emitRequest(conn, rec);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      rec.responseStart = rec.responseEnd = monotonicMs();
      rec.status = 101;
      if (this.sink) this.responded(conn, rec);
      this.onWs(ws, conn);
    });
  }

  private onWs(ws: WebSocket, conn: ConnState): void {
    conn.wsOpen = true;
    conn.rec.messagesIn = 0;
    conn.rec.messagesOut = 0;
    const c = new WsConnImpl(ws, conn);
    this.wsConns.add(c);
    ws.on('error', () => {}); // protocol errors close the socket; the close records them
    ws.on('close', () => this.wsConns.delete(c));
    ws.on('message', (data, isBinary) => {
      conn.rec.messagesIn!++;
      c.received++;
      this.wsHandler.message?.(c, data as Buffer, isBinary);
    });
    ws.on('ping', (data) => {
      const h = this.wsHandler;
      if (h.ping) h.ping(c, data);
      else ws.pong(data);
    });
    this.wsHandler.open?.(c);
  }
}

/** One request in flight: what a behaviour gets. A class so the hot path allocates one small object. */
class Ex implements Exchange {
  constructor(
    private readonly server: StandInServer,
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
    this.rec.responseEnd = monotonicMs();
    this.rec.bytesOut = bytes;
    this.server.responded(this.conn, this.rec);
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
    this.server.missed(this.conn, this.rec);
  }
}

class WsConnImpl implements WsConn {
  received = 0;
  constructor(
    readonly ws: WebSocket,
    readonly conn: ConnState,
  ) {}
  get socket(): Socket {
    return this.conn.socket!;
  }
  send(data: Buffer | string, binary = typeof data !== 'string'): void {
    if (this.ws.readyState !== 1) return;
    this.conn.rec.messagesOut!++;
    this.ws.send(data, { binary });
  }
  close(code: number, reason = ''): void {
    this.conn.markOurs(monotonicMs());
    this.ws.close(code, reason);
  }
  terminate(): void {
    this.conn.markOurs(monotonicMs());
    this.ws.terminate();
  }
}
