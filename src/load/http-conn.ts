import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { ErrorClass } from '../timeline/events.js';
import { ResponseParser, type KeptBody } from './http-parse.js';

const IDEMPOTENT = /^(GET|HEAD|PUT|DELETE|OPTIONS) /;

/** Where and how to connect. */
export interface Target {
  host: string;
  port: number;
  tls: boolean;
}

export interface Outcome {
  status?: number;
  error?: ErrorClass;
  bytes: number;
  /** The body's first bytes, when the connection was asked to keep them (a load's `digest`). */
  body?: KeptBody;
  /** The answer carried a Retry-After header. */
  retryAfter?: true;
}

/** Maps a socket error to the timeline's classes. */
export function errorClass(e: unknown): ErrorClass {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ECONNRESET' || code === 'ECONNREFUSED' || code === 'EPIPE') return code;
  if (code === 'ETIMEDOUT') return 'timeout';
  if (code === 'HPE_INVALID_CONSTANT' || code?.startsWith('HPE_') || code?.startsWith('ERR_SSL')) return 'parse';
  return 'other';
}

/**
 * One keep-alive HTTP/1.1 connection with at most one request in flight. The request deadline
 * covers connect + response, so a hanging server ends as `timeout`; a reset, a refusal, a clean
 * close mid-response and bytes that are not HTTP each end as their own class.
 */
export class HttpConn {
  private socket: Socket | undefined;
  private connected = false;
  private parser: ResponseParser | undefined;
  private pending: ((o: Outcome) => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private waiters: ((err?: ErrorClass) => void)[] = [];
  /** Requests written on the current socket: a reused one may have been closed by the server while idle. */
  private sentOnSocket = 0;
  private req: Buffer | undefined;
  private noBody = false;
  private mayRetry = false;

  constructor(
    private readonly target: Target,
    private readonly timeoutMs: number,
    /** Keep each response body's first this-many bytes on its Outcome (0: count only). */
    private readonly keepBody = 0,
  ) {}

  get busy(): boolean {
    return this.pending !== undefined;
  }

  get isConnected(): boolean {
    return this.connected;
  }

  /** Opens the socket (if not open); resolves undefined when connected, or the error class. */
  connect(): Promise<ErrorClass | undefined> {
    if (this.connected) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      if (!this.socket) this.open();
    });
  }

  private open(): void {
    const { host, port } = this.target;
    const s = this.target.tls ? tlsConnect({ host, port, servername: host }) : netConnect({ host, port });
    this.socket = s;
    s.setNoDelay(true);
    const connectTimer = setTimeout(() => this.fail(s, 'timeout'), this.timeoutMs);
    s.once(this.target.tls ? 'secureConnect' : 'connect', () => {
      clearTimeout(connectTimer);
      this.connected = true;
      for (const w of this.waiters.splice(0)) w(undefined);
    });
    s.on('data', (chunk: Buffer) => this.onData(s, chunk));
    s.on('error', (e) => {
      clearTimeout(connectTimer);
      this.fail(s, errorClass(e));
    });
    s.on('close', () => {
      clearTimeout(connectTimer);
      this.fail(s, 'closed');
    });
  }

  /** Sends a prepared request; `done` is called exactly once. */
  request(req: Buffer, done: (o: Outcome) => void, noBody = false): void {
    this.arm(done, noBody);
    this.send(req, done);
  }

  private send(req: Buffer, done: (o: Outcome) => void): void {
    if (this.connected) this.write(req);
    else
      this.connect().then((err) => {
        if (!err && this.pending === done) this.write(req);
      });
  }

  /**
   * Two-step send for a dogpile: `arm` does the per-request bookkeeping (parser, deadline) ahead of
   * the release, so the release loop is only `write`s. `write` needs a connected socket.
   */
  arm(done: (o: Outcome) => void, noBody = false): void {
    if (this.pending) throw new Error('HttpConn: one request at a time');
    this.pending = done;
    this.noBody = noBody;
    this.parser = new ResponseParser(noBody, this.keepBody);
    this.timer = setTimeout(() => this.socket && this.fail(this.socket, 'timeout'), this.timeoutMs);
  }

  write(req: Buffer): void {
    this.req = req;
    // Idempotent requests on a reused connection get one transparent retry if the server had
    // already closed it (the keep-alive race); a fresh connection's failure is always recorded.
    this.mayRetry = this.sentOnSocket > 0;
    this.sentOnSocket += 1;
    if (this.socket && this.connected) this.socket.write(req);
    else if (this.socket) this.fail(this.socket, 'closed');
    else this.finish({ error: 'closed', bytes: 0 });
  }

  destroy(): void {
    this.pending = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.socket?.destroy();
    this.socket = undefined;
    this.connected = false;
  }

  private onData(s: Socket, chunk: Buffer): void {
    if (s !== this.socket) return;
    const p = this.parser;
    if (!this.pending || !p) {
      // Bytes nobody asked for: the connection's framing is lost, start afresh next time.
      this.reset(s);
      return;
    }
    const r = p.feed(chunk);
    if (r.state === 'more') return;
    if (r.state === 'error') return this.fail(s, 'parse');
    if (r.rest || !r.keepAlive) this.reset(s); // extra bytes or connection: close
    if (!r.body && !r.retryAfter) return this.finish({ status: r.status, bytes: r.bytes });
    this.finish({ status: r.status, bytes: r.bytes, ...(r.body ? { body: r.body } : {}), ...(r.retryAfter ? { retryAfter: true } : {}) });
  }

  private fail(s: Socket, error: ErrorClass): void {
    if (s !== this.socket) return;
    const p = this.parser;
    this.reset(s);
    for (const w of this.waiters.splice(0)) w(error);
    if (!this.pending) return;
    const stale = error === 'closed' || error === 'ECONNRESET' || error === 'EPIPE';
    if (stale && this.mayRetry && (p?.bytes ?? 0) === 0 && this.req && IDEMPOTENT.test(this.req.toString('latin1', 0, 8))) {
      this.mayRetry = false;
      this.parser = new ResponseParser(this.noBody, this.keepBody);
      return this.send(this.req, this.pending);
    }
    if (error === 'closed' && p) {
      const r = p.end(); // a body delimited by the close is complete now
      if (r.state === 'done') return this.finish({ status: r.status, bytes: r.bytes, ...(r.body ? { body: r.body } : {}), ...(r.retryAfter ? { retryAfter: true } : {}) });
    }
    this.finish({ error, bytes: p?.bytes ?? 0 });
  }

  private reset(s: Socket): void {
    s.destroy();
    if (this.socket === s) {
      this.socket = undefined;
      this.sentOnSocket = 0;
      this.connected = false;
    }
  }

  private finish(o: Outcome): void {
    const done = this.pending;
    this.pending = undefined;
    this.parser = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    done?.(o);
  }
}
