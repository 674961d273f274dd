/**
 * What a stand-in sees the target do, whatever the protocol: each accepted connection tagged with
 * its ConnState and kept in the log ring until it closes (who closed, bytes, pending request), and
 * the dep-* timeline events of connections and requests. A failing sink never breaks the stand-in.
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { monotonicMs } from '../src/timeline/clock.js';
import type { EventSink, TimelineEvent } from '../src/timeline/events.js';
import { ConnState, type ConnRing, type RequestRecord } from './log.js';
import type { RequestTags } from './idempotency.js';

const kConn = Symbol('crumple.conn');
type TaggedSocket = Socket & { [kConn]?: ConnState };

/** The state of a connection this stand-in accepted (undefined for any other socket). */
export function connOf(socket: Duplex): ConnState | undefined {
  return (socket as TaggedSocket)[kConn];
}

// Shared listener functions (the socket is `this`), not closures per connection: at 10,000
// held connections each closure and once-wrapper costs about 0.3 KB more per connection.
function onSocketEnd(this: TaggedSocket): void {
  this[kConn]?.markClient(monotonicMs());
}

function onSocketError(this: TaggedSocket, e: NodeJS.ErrnoException): void {
  const conn = this[kConn];
  if (!conn) return;
  conn.rec.error ??= e.code ?? e.message;
  conn.markClient(monotonicMs());
}

export class Observer {
  readonly open = new Set<ConnState>();
  private seq = 0;
  /** One function per stand-in for every socket's 'close' (see onSocketEnd). */
  private readonly onSocketClose: (this: TaggedSocket) => void;

  constructor(
    private readonly dependency: string,
    readonly ring: ConnRing,
    private readonly sink: EventSink | undefined,
    /** A replica of a replicated dependency: every event says which. */
    private readonly replica?: number,
  ) {
    const observer = this;
    this.onSocketClose = function (this: TaggedSocket): void {
      const conn = this[kConn];
      if (conn && conn.socket === this) observer.closed(conn);
    };
  }

  /** A new connection, logged under the behaviour in force now. */
  accept(socket: Socket, behaviour: string): ConnState {
    const t = monotonicMs();
    const conn = new ConnState(++this.seq, socket, t, behaviour);
    (socket as TaggedSocket)[kConn] = conn;
    this.open.add(conn);
    this.ring.add(conn);
    if (this.sink) this.emit({ kind: 'dep-open', t, dependency: this.dependency, conn: conn.rec.conn, behaviour });
    socket.on('end', onSocketEnd);
    socket.on('error', onSocketError);
    socket.on('close', this.onSocketClose);
    return conn;
  }

  /** A request head was read (rec.behaviour already set). */
  request(conn: ConnState, rec: RequestRecord, tags?: RequestTags): void {
    if (this.sink) this.emit({ kind: 'dep-request', t: rec.t, dependency: this.dependency, conn: conn.rec.conn, method: rec.method, path: rec.path, behaviour: rec.behaviour, bytes: rec.bytes, ...tags });
  }

  /** A response is complete (rec.responseEnd set). */
  responded(conn: ConnState, rec: RequestRecord): void {
    if (!this.sink) return;
    const e: TimelineEvent = { kind: 'dep-response', t: rec.responseEnd!, dependency: this.dependency, conn: conn.rec.conn, startedMs: rec.responseStart ?? rec.responseEnd!, bytes: rec.bytesOut ?? 0 };
    if (rec.status !== undefined) e.status = rec.status;
    this.emit(e);
  }

  /** `ok` found no contract pair for the request. */
  missed(conn: ConnState, rec: RequestRecord): void {
    rec.miss = true;
    if (this.sink) this.emit({ kind: 'dep-miss', t: rec.t, dependency: this.dependency, conn: conn.rec.conn, method: rec.method, path: rec.path });
  }

  /** Destroys every open connection (logged as closed by the stand-in); resolves once all have closed. */
  destroyAll(): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const c of this.open) {
      const s = c.socket;
      if (!s) continue;
      c.markOurs(monotonicMs());
      waits.push(new Promise((r) => s.once('close', () => r())));
      s.destroy();
    }
    return Promise.all(waits).then(() => {});
  }

  private closed(conn: ConnState): void {
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
      const e: TimelineEvent = { kind: 'dep-close', t: rec.closedAt, dependency: this.dependency, conn: rec.conn, by, pending, bytesIn: rec.bytesIn, bytesOut: rec.bytesOut };
      if (pending) e.pendingSince = conn.pendingSince!;
      if (rec.error) e.error = rec.error;
      this.emit(e);
    }
  }

  private emit(e: TimelineEvent): void {
    try {
      this.sink!(this.replica === undefined ? e : ({ ...e, replica: this.replica } as TimelineEvent));
    } catch {
      // A failing sink must never break the stand-in.
    }
  }
}
