import { z } from 'zod';
import { formatMs } from '../units.js';
import { durationSchema } from '../unit-schemas.js';
import { monotonicMs } from '../timeline/clock.js';
import type { ErrorClass, EventSink } from '../timeline/events.js';
import { Histogram, roundUs } from '../timeline/summary.js';
import type { LoadSummary } from './shape.js';
import type { Outcome, Target } from './http-conn.js';
import { digestOf, type PathStep } from '../timeline/digest.js';
import type { ColumnSink } from './event-batch.js';

/** Hard ceilings: whatever a scenario or flag says, a load never exceeds these. */
export const LIMITS = {
  durationMs: 24 * 3_600_000,
  timeoutMs: 120_000,
  connections: 10_000,
  count: 100_000_000,
  ratePerSecond: 1_000_000,
} as const;

/** Used when neither the entry nor the run gives a duration. */
export const DEFAULT_DURATION_MS = 30_000;
export const DEFAULT_TIMEOUT_MS = 10_000;

/** A duration field with bounds, its message naming the bound in the user's units. */
export function boundedDuration(min: number, max: number) {
  return durationSchema.refine((v) => v >= min && v <= max, { message: `must be between ${formatMs(min)} and ${formatMs(max)}` });
}

export const intIn = (min: number, max: number) => z.number().int(`must be a whole number`).min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);

/** The request fields every HTTP shape shares. */
export const requestFields = {
  path: z.string().startsWith('/', 'must start with /').default('/'),
  method: z.string().regex(/^[A-Za-z]+$/, 'must be an HTTP method like GET').transform((m) => m.toUpperCase()).default('GET'),
  headers: z
    .record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'header names are tokens like x-request-id'), z.string())
    .refine((h) => Object.values(h).every((v) => !/[\r\n]/.test(v)), 'header values must not contain line breaks')
    .default({}),
  /** A string is sent as is; anything else as JSON (with content-type: application/json). */
  body: z.union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())]).optional(),
  /** Per request, connect included: past it the request is a `timeout`. */
  timeout: boundedDuration(1, LIMITS.timeoutMs).default(DEFAULT_TIMEOUT_MS),
};

export interface RequestSpec {
  path: string;
  method: string;
  headers: Record<string, string>;
  body?: unknown;
}

export function targetOf(base: URL): Target {
  const tls = base.protocol === 'https:' || base.protocol === 'wss:';
  const port = base.port ? Number(base.port) : tls ? 443 : 80;
  return { host: base.hostname.replace(/^\[|\]$/g, ''), port, tls };
}

/** The request bytes, built once and written as is for every request. */
export function buildRequest(base: URL, r: RequestSpec): Buffer {
  const body = r.body === undefined ? undefined : Buffer.from(typeof r.body === 'string' ? r.body : JSON.stringify(r.body));
  const lower = new Set(Object.keys(r.headers).map((k) => k.toLowerCase()));
  const path = base.pathname.replace(/\/$/, '') + r.path;
  let head = `${r.method} ${path} HTTP/1.1\r\n`;
  if (!lower.has('host')) head += `host: ${base.host}\r\n`;
  if (!lower.has('user-agent')) head += 'user-agent: crumple\r\n';
  if (body && typeof r.body !== 'string' && !lower.has('content-type')) head += 'content-type: application/json\r\n';
  for (const [k, v] of Object.entries(r.headers)) head += `${k}: ${v}\r\n`; // validated by the schema
  if (body || !['GET', 'HEAD', 'DELETE', 'OPTIONS'].includes(r.method)) head += `content-length: ${body?.length ?? 0}\r\n`;
  head += '\r\n';
  return body ? Buffer.concat([Buffer.from(head, 'latin1'), body]) : Buffer.from(head, 'latin1');
}

/**
 * The request with a header whose value is fresh per request (`<load>-<n>`, a load's `requestId`):
 * the head is split once around the value, so each request costs one small concat.
 */
export function taggedRequest(base: URL, r: RequestSpec, header: string, prefix: string): (n: number) => Buffer {
  const mark = '\u0000crumple-request-id\u0000';
  const whole = buildRequest(base, { ...r, headers: { ...r.headers, [header]: mark } });
  const at = whole.indexOf(mark, 0, 'latin1');
  const head = whole.subarray(0, at);
  const tail = whole.subarray(at + mark.length);
  return (n) => Buffer.concat([head, Buffer.from(`${prefix}-${n}`, 'latin1'), tail]);
}

/** Effective stop time: the entry's duration, capped by the run's. */
export function deadlineOf(start: number, entryMs: number | undefined, runMs: number | undefined): number {
  const own = entryMs ?? runMs ?? DEFAULT_DURATION_MS;
  return start + Math.min(own, runMs ?? Infinity, LIMITS.durationMs);
}

/** Counts a load's outcomes and turns them into a LoadSummary. */
export class Tally {
  readonly hist = new Histogram();
  /** Latency from the intended send time (fixed-rate loads); empty otherwise. */
  readonly corrected = new Histogram();
  requests = 0;
  ok = 0;
  bytes = 0;
  readonly errors: Partial<Record<ErrorClass, number>> = {};
  readonly status: Record<string, number> = {};
  readonly started = monotonicMs();
  lastMs = this.started;
  /** The last status and its key: almost every answer has the status of the one before. */
  private lastStatus = -1;
  private lastKey = '';

  add(o: Outcome, latencyMs: number, correctedMs?: number): void {
    this.requests += 1;
    this.bytes += o.bytes;
    this.hist.record(latencyMs);
    if (correctedMs !== undefined) this.corrected.record(correctedMs);
    if (o.error) this.errors[o.error] = (this.errors[o.error] ?? 0) + 1;
    else if (o.status !== undefined) {
      if (o.status < 400) this.ok += 1;
      const k = o.status === this.lastStatus ? this.lastKey : ((this.lastStatus = o.status), (this.lastKey = String(o.status)));
      this.status[k] = (this.status[k] ?? 0) + 1;
    }
    this.lastMs = monotonicMs();
  }

  summary(load: string, shape: string, stoppedBy: LoadSummary['stoppedBy'], extra: Partial<LoadSummary> = {}): LoadSummary {
    const elapsedMs = Math.max(this.lastMs, monotonicMs()) - this.started;
    const h = this.hist;
    return {
      load,
      shape,
      stoppedBy,
      elapsedMs: roundUs(elapsedMs),
      requests: this.requests,
      ok: this.ok,
      errors: { ...this.errors },
      status: { ...this.status },
      p50Ms: roundUs(h.quantile(0.5)),
      p90Ms: roundUs(h.quantile(0.9)),
      p99Ms: roundUs(h.quantile(0.99)),
      maxMs: roundUs(h.maxMs),
      meanMs: roundUs(h.meanMs()),
      rps: elapsedMs > 0 ? Math.round((this.requests / elapsedMs) * 1000 * 10) / 10 : 0,
      bytes: this.bytes,
      ...(this.corrected.total > 0
        ? { corrected: { p50Ms: roundUs(this.corrected.quantile(0.5)), p90Ms: roundUs(this.corrected.quantile(0.9)), p99Ms: roundUs(this.corrected.quantile(0.99)), maxMs: roundUs(this.corrected.maxMs) } }
        : {}),
      ...extra,
    };
  }
}

/**
 * Emits the response event and tallies it: the one place a request outcome is recorded. `intended`
 * (fixed-rate loads) is the request's slot in the schedule: its latency from there is recorded too.
 * `client`: the sending client's index (a load with `clients`), recorded as its number from 1.
 */
export function recordOutcome(sink: ColumnSink, tally: Tally, load: string, t: number, o: Outcome, intended?: number, digest?: readonly PathStep[], client?: number): void {
  const now = monotonicMs();
  const latencyMs = now - t;
  const correctedMs = intended === undefined ? undefined : now - Math.min(intended, t);
  tally.add(o, latencyMs, correctedMs);
  // A plain answer (most of them) goes as a row of columns where the sink takes them: the same event, far cheaper to send.
  if (sink.response && !o.error && client === undefined && !digest && !o.retryAfter && o.status !== undefined && o.status >>> 0 === o.status && o.status <= 0xffff && sink.response(load, t, latencyMs, correctedMs ?? NaN, o.status, o.bytes)) return;
  const corrected = correctedMs === undefined ? undefined : { correctedMs };
  const who = client === undefined ? undefined : { client: client + 1 };
  if (o.error) sink({ kind: 'response', t, load, latencyMs, ...corrected, ...who, error: o.error, bytes: o.bytes });
  else sink({ kind: 'response', t, load, latencyMs, ...corrected, ...who, status: o.status!, bytes: o.bytes, ...(digest ? { digest: digestOf(digest, o.body) } : {}), ...(o.retryAfter ? { retryAfter: true } : {}) });
}
