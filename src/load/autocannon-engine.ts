/**
 * The `steady` shape driven by autocannon (engine: autocannon), inside the load worker thread.
 *
 * autocannon's own numbers are not what crumple records: its histogram holds whole milliseconds and
 * its error counters have no request behind them. Each autocannon client's public events give the
 * per-request picture instead: `request` (written), `response` (status, bytes), `connError` (socket
 * error code) and `timeout`. With one request in flight per client, the request that ended is the
 * client's current one, timed on monotonicMs() with µs resolution.
 *
 * What autocannon cannot report (measured, see test/net/load-autocannon.test.ts):
 * - bytes that are not HTTP: its parser's error is dropped, the request ends as `timeout`;
 * - a close before a full response: it reconnects and re-sends silently. The abandoned request is
 *   recorded as `closed` (a `request` for a client whose previous one got no event), but a close
 *   mid-body can leave its parser mid-message and a later response is then miscounted;
 * - timeouts shorter than 1 s; rates are held per second per connection (bursts at each second).
 */
import { createRequire } from 'node:module';
import type { EventEmitter } from 'node:events';
import type autocannonFn from 'autocannon';
import { monotonicMs } from '../timeline/clock.js';
import type { ErrorClass, EventSink } from '../timeline/events.js';
import { Tally, deadlineOf, recordOutcome, type RequestSpec } from './common.js';
import { errorClass, type Outcome } from './http-conn.js';
import type { LoadSummary } from './shape.js';

/** The parts of autocannon's per-connection Client this engine uses (public events, the cap, destroy). */
interface AcClient extends EventEmitter {
  reqsMade: number;
  responseMax?: number;
  destroyed: boolean;
  destroy(): void;
}

export interface AutocannonSteadyOptions extends RequestSpec {
  name: string;
  baseUrl: URL;
  sink: EventSink;
  signal: AbortSignal;
  runMs: number | undefined;
  timeout: number;
  rate?: number | undefined;
  connections?: number | undefined;
  duration?: number | undefined;
  count: number;
}

/** autocannon is CommonJS; loaded on first use so the raw engine's users never pay for it. */
let cached: typeof autocannonFn | undefined;
function loadAutocannon(): typeof autocannonFn {
  cached ??= createRequire(import.meta.url)('autocannon') as typeof autocannonFn;
  return cached;
}

/** Per client: the request in flight (its start), and one abandoned by a reconnect, awaiting its class. */
interface Slot {
  cur?: number | undefined;
  orphan?: number | undefined;
}

export function runAutocannonSteady(o: AutocannonSteadyOptions): Promise<LoadSummary> {
  const autocannon = loadAutocannon();
  const tally = new Tally();
  const until = deadlineOf(tally.started, o.duration, o.runMs);
  const rate = o.rate === undefined ? undefined : Math.max(1, Math.round(o.rate));
  // autocannon refuses more connections than the count, and opens no more than the rate.
  const connections = Math.max(1, Math.min(o.connections ?? 10, o.count, rate ?? Infinity));
  const clients = new Map<AcClient, Slot>();
  let stopping: LoadSummary['stoppedBy'] | undefined;

  let ended = false;
  const record = (t: number, out: Outcome) => {
    if (stopping !== 'signal' && !ended) recordOutcome(o.sink, tally, o.name, t, out);
  };
  const fail = (t: number | undefined, error: ErrorClass) => {
    if (t !== undefined) record(t, { error, bytes: 0 });
  };

  const setupClient = (raw: unknown) => {
    const c = raw as AcClient;
    const s: Slot = {};
    clients.set(c, s);
    // autocannon drops a request without an event when the peer closes first (it reconnects and
    // re-sends, or ends the client if its cap is reached); a `timeout` for it follows synchronously.
    const abandon = () => {
      const t = s.cur;
      if (t === undefined) return;
      s.cur = undefined;
      s.orphan = t;
      queueMicrotask(() => {
        if (s.orphan === t) {
          s.orphan = undefined;
          fail(t, 'closed');
        }
      });
    };
    c.on('request', () => {
      abandon();
      s.cur = monotonicMs();
    });
    c.on('done', abandon);
    c.on('response', (status: number, bytes: number) => {
      const t = s.cur;
      s.cur = undefined;
      if (t !== undefined) record(t, { status, bytes });
    });
    c.on('connError', (e: unknown) => {
      const t = s.cur;
      s.cur = undefined;
      fail(t, errorClass(e));
    });
    c.on('timeout', () => {
      const t = s.orphan ?? s.cur;
      if (s.orphan !== undefined) s.orphan = undefined;
      else s.cur = undefined;
      fail(t, 'timeout');
    });
  };

  const body = o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
  const headers: Record<string, string> = { 'user-agent': 'crumple', ...o.headers };
  if (body !== undefined && typeof o.body !== 'string' && !Object.keys(o.headers).some((k) => k.toLowerCase() === 'content-type')) {
    headers['content-type'] = 'application/json';
  }

  return new Promise<LoadSummary>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    let hardStop: NodeJS.Timeout | undefined;
    let finished = false;
    const instance = autocannon(
      {
        url: o.baseUrl.href.replace(/\/$/, '') + o.path,
        method: o.method as autocannonFn.Request['method'],
        headers,
        ...(body === undefined ? {} : { body }),
        connections,
        amount: o.count,
        ...(rate === undefined ? {} : { overallRate: rate }),
        timeout: o.timeout / 1000,
        // autocannon only notices its stop flag on a sample tick: short ticks end a load promptly.
        sampleInt: 50,
        // Stopping is ours (deadline, count, signal); this only keeps autocannon's own timer out of the way.
        duration: Math.max(1, (until - tally.started) / 1000 + 60),
        setupClient,
      },
      (err) => {
        finished = true;
        ended = true;
        if (timer) clearTimeout(timer);
        if (hardStop) clearTimeout(hardStop);
        o.signal.removeEventListener('abort', onAbort);
        if (err) return reject(err);
        resolve(tally.summary(o.name, 'steady', stopping ?? 'count'));
      },
    );

    // Past the deadline no new request is sent; the ones in flight end (bounded by the timeout) and are recorded.
    const drain = (why: LoadSummary['stoppedBy']) => {
      if (stopping) return;
      stopping = why;
      for (const [c, s] of clients) {
        if (c.destroyed) continue;
        c.responseMax = Math.max(1, c.reqsMade); // its next send destroys it instead
        if (s.cur === undefined) c.destroy();
      }
      hardStop = setTimeout(() => instance.stop(), o.timeout + 1000);
    };
    const onAbort = () => {
      stopping = 'signal';
      instance.stop();
    };
    if (finished) return; // autocannon refused its options (reported through the callback)
    o.signal.addEventListener('abort', onAbort, { once: true });
    if (o.signal.aborted) onAbort();
    timer = setTimeout(() => drain('duration'), Math.max(0, until - monotonicMs()));
  });
}
