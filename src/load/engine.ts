import { monotonicMs } from '../timeline/clock.js';
import { HttpConn, type Outcome, type Target } from './http-conn.js';
import type { ClientPicker } from './clients.js';

/** A bounded set of keep-alive connections, opened on demand up to `max`. */
export class Pool {
  readonly conns: HttpConn[] = [];
  private free: HttpConn[] = [];
  constructor(
    private readonly target: Target,
    private readonly timeoutMs: number,
    readonly max: number,
    /** Keep each body's first this-many bytes (a load's `digest`); 0: count only. */
    private readonly keepBody = 0,
  ) {}

  /** An idle connection, a new one if below max, or undefined when all are busy. */
  take(): HttpConn | undefined {
    const c = this.free.pop();
    if (c) return c;
    if (this.conns.length >= this.max) return undefined;
    const n = new HttpConn(this.target, this.timeoutMs, this.keepBody);
    this.conns.push(n);
    return n;
  }

  give(c: HttpConn): void {
    this.free.push(c);
  }

  destroyAll(): void {
    for (const c of this.conns) c.destroy();
    this.conns.length = 0;
    this.free = [];
  }
}

export interface DriveOptions {
  pool: Pool;
  /** The request bytes; a function builds each request (its sequence number from 1) when requests differ (a load's requestId). */
  req: Buffer | ((n: number) => Buffer);
  noBody: boolean;
  /** Requests per second (open model: a slot that finds every connection busy is `missed`). Without it: closed loop, one request per connection at a time. */
  rate?: number;
  /** Closed-loop concurrency (connections kept busy). */
  concurrency: number;
  /** Absolute monotonic time to stop sending. */
  until: number;
  /** Requests left in the whole load's budget (shared across ramp steps). */
  budget: { left: number };
  signal: AbortSignal;
  /** A load with client identities: each request is one client's (its own `req`), in the picker's order. */
  clients?: ClientPicker;
  /**
   * `intended`: a fixed-rate request's slot in the schedule (absolute ms), ≤ t; closed loop: undefined.
   * `client`: the sending client's index (with `clients`).
   */
  onOutcome(t: number, o: Outcome, intended?: number, client?: number): void;
}

export interface DriveResult {
  stoppedBy: 'duration' | 'count' | 'signal';
  missed: number;
}

/**
 * Sends requests until the deadline, the budget or the signal; then waits for the ones in flight
 * (each bounded by the request timeout). On abort, in-flight requests are dropped unrecorded.
 */
export function drive(o: DriveOptions): Promise<DriveResult> {
  return new Promise((resolve) => {
    let inFlight = 0;
    let missed = 0;
    let stopping: DriveResult['stoppedBy'] | undefined;
    let timer: NodeJS.Timeout | undefined;
    let seq = 0;
    const startedAt = monotonicMs();

    const stopReason = (): DriveResult['stoppedBy'] | undefined =>
      o.signal.aborted ? 'signal' : o.budget.left <= 0 ? 'count' : monotonicMs() >= o.until ? 'duration' : undefined;

    const finish = () => {
      if (timer) clearTimeout(timer);
      o.signal.removeEventListener('abort', onAbort);
      resolve({ stoppedBy: stopping ?? 'duration', missed });
    };
    const onAbort = () => {
      stopping = 'signal';
      o.pool.destroyAll();
      inFlight = 0;
      finish();
    };
    o.signal.addEventListener('abort', onAbort, { once: true });
    if (o.signal.aborted) return onAbort();

    const fire = (c: HttpConn, then?: (c: HttpConn, failed: boolean) => void, intended?: number, client?: number) => {
      const t = monotonicMs();
      // Closed loop: the next client that is sending now (an ordinary one always is).
      if (o.clients && client === undefined) while ((client = o.clients.pick(t - startedAt)) < 0);
      inFlight += 1;
      o.budget.left -= 1;
      c.request(
        client !== undefined ? o.clients!.reqs[client]! : typeof o.req === 'function' ? o.req(++seq) : o.req,
        (out) => {
          inFlight -= 1;
          o.onOutcome(t, out, intended, client);
          if (then) then(c, out.error !== undefined);
          else o.pool.give(c);
          if (stopping && inFlight === 0) finish();
        },
        o.noBody,
      );
    };

    const stop = (why: DriveResult['stoppedBy']) => {
      if (stopping) return;
      stopping = why;
      if (timer) clearTimeout(timer);
      if (inFlight === 0) finish();
    };

    if (o.rate === undefined) {
      // Closed loop: each connection sends its next request when the previous one ends.
      const again = (c: HttpConn, failed: boolean) => {
        const why = stopping ?? stopReason();
        if (why) {
          o.pool.give(c);
          return stop(why);
        }
        // After a connection-level failure, a 1 ms pause keeps a refusing target from becoming a hot loop.
        // The budget and deadline are checked again when the pause ends (another connection may have used them).
        if (failed) setTimeout(() => again(c, false), 1);
        else fire(c, again);
      };
      let started = 0;
      for (; started < o.concurrency && !stopReason(); started++) {
        const c = o.pool.take();
        if (!c) break;
        fire(c, again);
      }
      if (started === 0) stop(stopReason() ?? 'count');
      // The duration ends even while every request hangs.
      timer = setTimeout(() => stop(stopReason() ?? 'duration'), Math.max(0, o.until - monotonicMs()));
      return;
    }

    const start = monotonicMs();
    const interval = 1000 / o.rate;
    let slots = 0;
    const tick = () => {
      const why = stopReason();
      if (why) return stop(why);
      const now = monotonicMs();
      const due = Math.floor((now - start) / interval) + 1;
      while (slots < due && o.budget.left > 0) {
        // Slot k is due at start + k·interval; a late timer or a catch-up batch sends it later than that.
        const intended = start + slots * interval;
        slots += 1;
        const client = o.clients?.pick(intended - start);
        if (client !== undefined && client < 0) continue; // a heavy client's slot while it is not sending
        const c = o.pool.take();
        if (c) fire(c, undefined, intended, client);
        else missed += 1;
      }
      if (o.budget.left <= 0) return stop('count');
      const next = start + slots * interval;
      timer = setTimeout(tick, Math.max(0, Math.min(next, o.until) - monotonicMs()));
    };
    tick();
  });
}
