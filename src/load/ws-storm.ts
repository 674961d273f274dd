import { z } from 'zod';
import WebSocket from 'ws';
import { monotonicMs } from '../timeline/clock.js';
import type { ErrorClass } from '../timeline/events.js';
import { LIMITS, Tally, boundedDuration, deadlineOf, intIn } from './common.js';
import { sleep } from '../safety.js';
import { errorClass } from './http-conn.js';
import type { LoadShape, WsStorm } from './shape.js';

const spec = z
  .object({
    path: z.string().startsWith('/', 'must start with /').default('/'),
    headers: z.record(z.string(), z.string()).default({}),
    clients: intIn(1, 20_000).default(100),
    /** Per connect attempt (TCP + upgrade): past it the attempt is a `timeout`. */
    timeout: boundedDuration(1, LIMITS.timeoutMs).default(10_000),
    /**
     * How dropped clients come back. `immediate`: all at once (the thundering herd), then every
     * `initial` while failing. `backoff`: initial × multiplier^attempt, capped at `max`, with jitter
     * (`full`: random in [0, d]; `equal`: d/2 + random in [0, d/2]; `none`).
     */
    reconnect: z
      .object({
        mode: z.enum(['immediate', 'backoff']).default('immediate'),
        initial: boundedDuration(0, 600_000).default(100),
        max: boundedDuration(0, 3_600_000).default(10_000),
        multiplier: z.number().min(1, 'must be at least 1').max(10, 'must be at most 10').default(2),
        jitter: z.enum(['none', 'full', 'equal']).default('full'),
      })
      .strict()
      .default({ mode: 'immediate', initial: 100, max: 10_000, multiplier: 2, jitter: 'full' }),
    /** The clients drop every connection themselves this long after all are up (else: wait for the server to drop them). */
    dropAfter: boundedDuration(0, 3_600_000).optional(),
    /** Stop after this many drop-and-reconnect waves. */
    cycles: intIn(1, 1000).default(1),
    duration: boundedDuration(1, LIMITS.durationMs).optional(),
    /** Most connect attempts in total (default 50 per client). */
    maxAttempts: intIn(1, 10_000_000).optional(),
  })
  .strict();

type Spec = z.output<typeof spec>;

function delayFor(r: Spec['reconnect'], attempt: number): number {
  if (r.mode === 'immediate') return attempt === 0 ? 0 : r.initial;
  const d = Math.min(r.max, r.initial * r.multiplier ** attempt);
  return r.jitter === 'full' ? Math.random() * d : r.jitter === 'equal' ? d / 2 + (Math.random() * d) / 2 : d;
}

function wsError(e: unknown): ErrorClass {
  const code = (e as { code?: string } | undefined)?.code;
  if (code?.startsWith('WS_ERR_')) return 'parse';
  const c = errorClass(e);
  if (c !== 'other') return c;
  if (/Opening handshake has timed out/.test(String((e as Error)?.message))) return 'timeout';
  if (/Invalid Sec-WebSocket-Accept|Invalid WebSocket frame/.test(String((e as Error)?.message))) return 'parse';
  return 'other';
}

/**
 * N WebSocket clients connect, hold, get dropped (by the server, the stand-in behind it, or
 * `dropAfter`), and reconnect as the policy says. A wave starts at the first drop after all were
 * up and ends when all are back: its `allBackMs` is the time to recover.
 */
export default {
  name: 'ws-storm',
  description: 'N WebSocket clients that connect, get dropped, and reconnect at once or with backoff and jitter',
  spec,
  async run(ctx) {
    const s = ctx.spec;
    const tally = new Tally();
    const deadline = deadlineOf(tally.started, s.duration, ctx.runMs);
    const maxAttempts = s.maxAttempts ?? s.clients * 50;
    const url = new URL(ctx.baseUrl.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.pathname = url.pathname.replace(/\/$/, '') + s.path.split('?')[0];
    if (s.path.includes('?')) url.search = s.path.slice(s.path.indexOf('?'));
    const sockets: (WebSocket | undefined)[] = new Array(s.clients);
    const timers = new Set<NodeJS.Timeout>();
    const failures = new Array<number>(s.clients).fill(0);
    const storms: WsStorm[] = [];
    let wave: WsStorm | undefined;
    let connected = 0;
    let attempts = 0;
    let stopped: 'duration' | 'count' | 'done' | 'signal' | undefined;
    let everAllUp = false;
    let dropTimer: NodeJS.Timeout | undefined;
    let finish: () => void = () => {};
    const finished = new Promise<void>((r) => (finish = r));

    const stop = (why: NonNullable<typeof stopped>) => {
      if (stopped) return;
      stopped = why;
      finish();
    };

    const later = (ms: number, fn: () => void) => {
      const t = setTimeout(() => {
        timers.delete(t);
        fn();
      }, ms);
      timers.add(t);
    };

    const scheduleReconnect = (i: number) => {
      if (stopped) return;
      later(delayFor(s.reconnect, failures[i]!), () => connect(i));
    };

    const allUp = () => {
      if (wave) {
        wave.allBackMs = Math.round((monotonicMs() - wave.droppedAt) * 1000) / 1000;
        wave = undefined;
        if (storms.length >= s.cycles) return stop('done');
      }
      everAllUp = true;
      if (s.dropAfter !== undefined) {
        dropTimer = setTimeout(() => {
          for (const w of sockets) w?.terminate();
        }, s.dropAfter);
      }
    };

    const connect = (i: number) => {
      if (stopped) return;
      if (attempts >= maxAttempts) return stop('count');
      attempts += 1;
      if (wave) wave.attempts += 1;
      const t = monotonicMs();
      let open = false;
      let failed = false;
      const w = new WebSocket(url, { headers: s.headers, handshakeTimeout: s.timeout, perMessageDeflate: false });
      sockets[i] = w;
      const fail = (error: ErrorClass, code?: number) => {
        if (open || failed || stopped) return;
        failed = true;
        const latencyMs = monotonicMs() - t;
        tally.add({ error, bytes: 0 }, latencyMs);
        ctx.sink({ kind: 'ws', t, load: ctx.name, client: i, action: 'connect-failed', latencyMs, error, ...(code ? { code } : {}) });
        if (wave) wave.failures += 1;
        failures[i]! += 1;
        w.terminate();
        scheduleReconnect(i);
      };
      w.on('unexpected-response', (_req, res) => {
        res.resume();
        fail('other', res.statusCode);
      });
      w.on('error', (e) => fail(wsError(e)));
      w.on('open', () => {
        if (stopped) return w.terminate();
        open = true;
        failures[i] = 0;
        const latencyMs = monotonicMs() - t;
        tally.add({ status: 101, bytes: 0 }, latencyMs);
        ctx.sink({ kind: 'ws', t, load: ctx.name, client: i, action: 'connect', latencyMs });
        connected += 1;
        if (connected === s.clients) allUp();
      });
      w.on('close', (code) => {
        if (!open || stopped) {
          if (!open) fail('closed');
          return;
        }
        open = false;
        connected -= 1;
        ctx.sink({ kind: 'ws', t: monotonicMs(), load: ctx.name, client: i, action: 'closed', code });
        if (dropTimer) clearTimeout(dropTimer);
        if (everAllUp && !wave && storms.length < s.cycles) {
          wave = { droppedAt: monotonicMs(), dropped: 0, attempts: 0, failures: 0 };
          storms.push(wave);
        }
        if (wave) wave.dropped += 1;
        scheduleReconnect(i);
      });
    };

    const onAbort = () => stop('signal');
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    const deadlineTimer = setTimeout(() => stop('duration'), Math.max(0, deadline - monotonicMs()));
    for (let i = 0; i < s.clients; i++) connect(i);
    await finished;
    clearTimeout(deadlineTimer);
    if (dropTimer) clearTimeout(dropTimer);
    ctx.signal.removeEventListener('abort', onAbort);
    for (const t of timers) clearTimeout(t);
    for (const w of sockets) w?.terminate();
    await sleep(0, ctx.signal);
    return tally.summary(ctx.name, 'ws-storm', stopped ?? 'done', { storms });
  },
} satisfies LoadShape<typeof spec>;
