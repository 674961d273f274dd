/**
 * The observation log: what clients (the target) did to a stand-in, per connection.
 * Memory is bounded: a ring of the last `capacity` connections (default 10,000; open ones included),
 * each keeping the last REQUESTS_PER_CONN requests in detail (older ones are only counted).
 */
import type { Socket } from 'node:net';

export const DEFAULT_LOG_CAPACITY = 10_000;
export const REQUESTS_PER_CONN = 10;

export interface RequestRecord {
  /** Arrival of the request head (monotonic ms, src/timeline/clock.ts). */
  t: number;
  method: string;
  path: string;
  /** Selected headers only (LOGGED_HEADERS), never credentials. */
  headers: Record<string, string>;
  /** Request body bytes. */
  bytes: number;
  /** The behaviour that answered it ("sequence:hang" for a composite's step). */
  behaviour: string;
  responseStart?: number;
  responseEnd?: number;
  status?: number;
  /** Response body bytes sent. */
  bytesOut?: number;
  /** `ok` had no contract pair for it (answered 404). */
  miss?: true;
}

export interface ConnRecord {
  conn: number;
  acceptedAt: number;
  /** Behaviour in force when the connection was accepted. */
  behaviour: string;
  remote: string;
  /** Requests seen on this connection (the last REQUESTS_PER_CONN are in `requests`). */
  requestCount: number;
  requests: RequestRecord[];
  /** WebSocket stand-ins: messages each way. */
  messagesIn?: number;
  messagesOut?: number;
  closedAt?: number;
  closedBy?: 'client' | 'stand-in';
  /** A request was read and not fully answered when the connection closed. */
  pendingAtClose?: boolean;
  /** Arrival of that request: closedAt − pendingSince is how long the client waited. */
  pendingSince?: number;
  bytesIn: number;
  bytesOut: number;
  error?: string;
}

export interface ObservationLog {
  capacity: number;
  /** Connections evicted from the ring (oldest first). */
  dropped: number;
  /** Oldest first. */
  connections: ConnRecord[];
}

/** Headers worth seeing in a retry or trace investigation; credentials are never logged. */
export const LOGGED_HEADERS = [
  'content-type',
  'user-agent',
  'x-request-id',
  'x-correlation-id',
  'traceparent',
  'idempotency-key',
  'x-retry-attempt',
  'connection',
] as const;

/**
 * The record as kept while live: `remote` is composed only in a snapshot. A "host:port" string per
 * connection costs about 110 bytes: 1 MB at 10,000 held connections, which the bare server has not.
 */
export type LiveConnRecord = Omit<ConnRecord, 'remote'>;

/**
 * One string per distinct value, so that the log's 10,000 connections × 10 requests do not each hold a
 * copy of "keep-alive" or "/items/1" (node:http gives every request fresh strings; ~40 B each).
 * Bounded: past `limit` distinct values a new one is no longer shared.
 */
export function interner(limit: number): (s: string) => string {
  const known = new Map<string, string>();
  return (s) => {
    const k = known.get(s);
    if (k !== undefined) return k;
    if (known.size < limit && s.length <= 256) known.set(s, s);
    return s;
  };
}

/** Client addresses (connections from one host share one string). */
const internAddress = interner(1000);

/** Live per-connection state: the record plus what only matters while it is open. */
export class ConnState {
  readonly rec: LiveConnRecord;
  socket: Socket | undefined;
  /** The client's address (shared string) and port, read once at accept: `remote` in a snapshot. */
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Arrival time of the request not yet fully answered, if any. */
  pendingSince: number | undefined = undefined;
  /** Who closed first, decided by the first of: our close, the client's FIN or RST. */
  closedBy: 'client' | 'stand-in' | undefined = undefined;
  closeSeenAt = 0;
  /** Upgraded to WebSocket: the client closes unless we said otherwise. */
  wsOpen = false;

  constructor(conn: number, socket: Socket, t: number, behaviour: string) {
    this.socket = socket;
    this.remoteAddress = internAddress(socket.remoteAddress ?? '?');
    this.remotePort = socket.remotePort ?? 0;
    this.rec = {
      conn,
      acceptedAt: t,
      behaviour,
      requestCount: 0,
      requests: [],
      bytesIn: 0,
      bytesOut: 0,
    };
  }

  addRequest(r: RequestRecord): void {
    const rs = this.rec.requests;
    // A one-element literal on the first request: push onto [] would reserve 17 slots at once.
    if (rs.length === 0) this.rec.requests = [r];
    else {
      if (rs.length >= REQUESTS_PER_CONN) rs.shift();
      rs.push(r);
    }
    this.rec.requestCount++;
  }

  /** We are about to close or reset it ourselves. */
  markOurs(now: number): void {
    if (this.closedBy === undefined) {
      this.closedBy = 'stand-in';
      this.closeSeenAt = now;
    }
  }

  markClient(now: number): void {
    if (this.closedBy === undefined) {
      this.closedBy = 'client';
      this.closeSeenAt = now;
    }
  }
}

/** Ring buffer of connection states; snapshots copy so callers never see later mutation. */
export class ConnRing {
  private buf: (ConnState | undefined)[];
  private head = 0; // next write
  private size = 0;
  dropped = 0;

  constructor(readonly capacity: number = DEFAULT_LOG_CAPACITY) {
    this.buf = new Array<ConnState | undefined>(capacity);
  }

  add(c: ConnState): void {
    if (this.size === this.capacity) this.dropped++;
    else this.size++;
    this.buf[this.head] = c;
    this.head = (this.head + 1) % this.capacity;
  }

  clear(): void {
    this.buf = new Array<ConnState | undefined>(this.capacity);
    this.head = 0;
    this.size = 0;
    this.dropped = 0;
  }

  snapshot(limit = Infinity): ObservationLog {
    const n = Math.min(this.size, Math.max(0, limit));
    const out: ConnRecord[] = [];
    for (let i = this.size - n; i < this.size; i++) {
      const c = this.buf[(this.head - this.size + i + this.capacity) % this.capacity];
      if (!c) continue;
      const s = c.socket;
      const { conn, acceptedAt, behaviour, ...rest } = c.rec;
      const requests = c.rec.requests.map((r) => ({ ...r, headers: { ...r.headers } }));
      const rec: ConnRecord = { conn, acceptedAt, behaviour, remote: `${c.remoteAddress}:${c.remotePort}`, ...rest, requests };
      if (s) {
        // Still open: the live byte counts.
        rec.bytesIn = s.bytesRead;
        rec.bytesOut = s.bytesWritten;
      }
      out.push(rec);
    }
    return { capacity: this.capacity, dropped: this.dropped, connections: out };
  }
}
