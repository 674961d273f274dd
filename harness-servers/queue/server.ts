/**
 * A queue stand-in: MessageQueue (queue.ts) served over HTTP/JSON on one loopback port, in the style
 * of SQS. It is a StandIn like the behaviour stand-ins (a run, `crumple serve` and the control API treat
 * it alike) but has no behaviours: a queue is faulted on the network (toxics, down) or through its
 * consumer (target: kill). Routes:
 *   POST   /messages                          body = the message (text)   → 201 {"id"}; 413 too large; 503 full
 *   POST   /receive?max=10&wait=1s&visibility=2s                          → 200 {"messages": [{"id","receipt","body","receives"}]}
 *   DELETE /messages/<receipt>                                            → 200 {"deleted": true | false}; 404 unknown receipt
 *   GET    /stats                                                         → 200 {"held","visible","hidden","sent","deleted"}
 *   GET    /health                                                        → 200 {"ok": true}
 * A receive long-polls up to `wait` (at most 20 s) while nothing is visible; a consumer that went away
 * during the poll is given nothing (its messages would only wait out a visibility timeout).
 */
import type { z } from 'zod';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { CrumpleError } from '../../src/errors.js';
import { monotonicMs } from '../../src/timeline/clock.js';
import type { EventSink } from '../../src/timeline/events.js';
import { parseDuration } from '../../src/units.js';
import { zodLines } from '../behaviour.js';
import type { ObservationLog } from '../log.js';
import type { StandIn } from '../server.js';
import { MAX_RECEIVE, MAX_WAIT_MS, MessageQueue, queueSpecSchema, type QueueSpec } from './queue.js';

export interface QueueStandInOptions {
  name: string;
  /** visibility, maxMessages, maxBody (queue.ts); defaults as SQS's where they are bounded. */
  queue?: z.input<typeof queueSpecSchema>;
  host?: string;
  port?: number;
  onEvent?: EventSink;
}

const POLL_MS = 25;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startQueueStandIn(opts: QueueStandInOptions): Promise<StandIn & { queue: MessageQueue }> {
  if (typeof opts.name !== 'string' || opts.name === '') throw new CrumpleError('BAD_INPUT', 'name: a stand-in needs a non-empty name');
  const r = queueSpecSchema.safeParse(opts.queue ?? {});
  if (!r.success) throw new CrumpleError('BAD_INPUT', `queue stand-in '${opts.name}': ${zodLines(r.error, 'queue')[0]}`);
  const s = new QueueServer(opts, r.data);
  await s.listen(opts.host ?? '127.0.0.1', opts.port ?? 0);
  return s;
}

class QueueServer implements StandIn {
  readonly name: string;
  readonly protocol = 'http' as const;
  readonly queue: MessageQueue;
  private readonly server = createServer({ requestTimeout: 0 }, (req, res) => void this.route(req, res));
  private readonly sockets = new Set<Socket>();
  private host = '127.0.0.1';
  private closed = false;

  constructor(opts: QueueStandInOptions, spec: QueueSpec) {
    this.name = opts.name;
    const sink = opts.onEvent;
    this.queue = new MessageQueue(spec, monotonicMs, (e) => {
      try {
        sink?.({ kind: 'queue', t: monotonicMs(), dependency: opts.name, ...e });
      } catch {
        // A failing sink must never break the stand-in.
      }
    });
    this.server.keepAliveTimeout = 5000;
    this.server.on('connection', (sock: Socket) => {
      this.sockets.add(sock);
      sock.once('close', () => this.sockets.delete(sock));
    });
  }

  listen(host: string, port: number): Promise<void> {
    this.host = host;
    return new Promise((resolve, reject) => {
      this.server.once('error', (e: NodeJS.ErrnoException) => reject(new CrumpleError('BAD_INPUT', `queue stand-in '${this.name}': cannot listen on ${host}:${port} (${e.code ?? e.message})`)));
      this.server.listen(port, host, () => resolve());
    });
  }

  get port(): number {
    return (this.server.address() as AddressInfo | null)?.port ?? 0;
  }

  get url(): string {
    const h = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `http://${h}:${this.port}`;
  }

  behaviour(): { name: string; params: unknown } {
    return { name: 'queue', params: this.queue.spec };
  }

  setBehaviour(name: string): never {
    throw new CrumpleError('BAD_INPUT', `behaviour: '${this.name}' is a queue stand-in, which has no behaviours (not '${name}'); fault it with a toxic or down, or fault its consumer (target: kill)`);
  }

  settled(): Promise<void> {
    return Promise.resolve();
  }

  log(): ObservationLog {
    return { capacity: 0, dropped: 0, connections: [] };
  }

  openConnections(): number {
    return this.sockets.size;
  }

  reset(): void {
    this.queue.clear();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const done = new Promise<void>((r) => this.server.close(() => r()));
    for (const s of this.sockets) s.destroy();
    await done;
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://queue');
      const method = req.method ?? 'GET';
      const parts = url.pathname.split('/').filter(Boolean);
      const only = (m: string) => {
        if (method !== m) throw new HttpError(405, `${method} not allowed on ${url.pathname} (use ${m})`);
      };
      if ((parts[0] === 'health' || parts[0] === 'stats') && parts.length === 1) {
        only('GET');
        return send(res, 200, parts[0] === 'health' ? { ok: true } : this.queue.stats());
      }
      if (parts[0] === 'messages' && parts.length === 1) {
        only('POST');
        const body = await readBody(req, this.queue.spec.maxBody);
        const r = this.queue.send(body.text, body.bytes);
        if ('refused' in r) throw new HttpError(r.refused === 'full' ? 503 : 413, r.refused === 'full' ? `queue full (${this.queue.spec.maxMessages} messages held)` : `body: larger than ${this.queue.spec.maxBody} bytes`);
        return send(res, 201, { id: r.id });
      }
      if (parts[0] === 'messages' && parts.length === 2) {
        only('DELETE');
        drain(req);
        const r = this.queue.delete(decodeURIComponent(parts[1]!));
        if (r === undefined) throw new HttpError(404, `no message has receipt '${parts[1]}'`);
        return send(res, 200, { deleted: r });
      }
      if (parts[0] === 'receive' && parts.length === 1) {
        only('POST');
        drain(req);
        const max = intParam(url, 'max', 1, MAX_RECEIVE, 1);
        const wait = msParam(url, 'wait', MAX_WAIT_MS, 0);
        const visibility = msParam(url, 'visibility', 12 * 3_600_000, this.queue.spec.visibility);
        const messages = await this.receive(req, max, wait, visibility);
        if (messages === undefined) return; // the consumer went away while it waited
        return send(res, 200, { messages });
      }
      throw new HttpError(404, `no route ${method} ${url.pathname} (POST /messages, POST /receive, DELETE /messages/<receipt>, GET /stats)`);
    } catch (e) {
      if (e instanceof HttpError) send(res, e.status, { error: e.message });
      else send(res, 500, { error: e instanceof Error ? e.message : String(e) });
    }
  }

  /** Long poll: visible messages now, else wait until some are (sent, or their visibility ran out) or `wait` passes. */
  private receive(req: IncomingMessage, max: number, waitMs: number, visibility: number): Promise<ReturnType<MessageQueue['receive']> | undefined> {
    const until = monotonicMs() + waitMs;
    return new Promise((resolve) => {
      const attempt = () => {
        if (req.socket.destroyed || this.closed) return resolve(undefined);
        const got = this.queue.receive(max, visibility);
        if (got.length || monotonicMs() >= until) return resolve(got);
        setTimeout(attempt, Math.min(POLL_MS, Math.max(1, until - monotonicMs())));
      };
      attempt();
    });
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const b = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': b.length });
  res.end(b);
}

function drain(req: IncomingMessage): void {
  req.resume();
}

/** The body as text and its size; past `max` bytes it is counted, not kept (the queue refuses it). */
function readBody(req: IncomingMessage, max: number): Promise<{ text: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    req.on('data', (c: Buffer) => {
      bytes += c.length;
      if (bytes <= max) chunks.push(c);
    });
    req.on('end', () => resolve({ text: bytes > max ? '' : Buffer.concat(chunks).toString('utf8'), bytes }));
    req.on('error', reject);
  });
}

function intParam(url: URL, name: string, min: number, max: number, dflt: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null) return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new HttpError(400, `${name}: expected a whole number ${min}-${max}, got '${raw}'`);
  return n;
}

function msParam(url: URL, name: string, max: number, dflt: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null) return dflt;
  const ms = /^\d+$/.test(raw) ? Number(raw) : parseDuration(raw);
  if (typeof ms === 'string' || ms < 0 || ms > max) throw new HttpError(400, `${name}: expected a duration up to ${max / 1000} s (e.g. 1s, 500ms), got '${raw}'`);
  return ms;
}
