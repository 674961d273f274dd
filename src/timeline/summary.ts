import type { ErrorClass, ResponseEvent, WsEvent } from './events.js';

/**
 * A small log-linear latency histogram in microseconds: exact below 128 µs, then 64 buckets per
 * power of two (relative error <= 0.8% when a bucket is read at its midpoint). Values are clamped at
 * 2^31 µs (~36 min). A fixed Uint32Array of 1,664 counts (6.5 KB), so recording is one index
 * computation and one increment, and memory per histogram is known in advance. hdr-histogram-js
 * at 3 significant digits over the same range needs ~10x more memory per histogram, and the recorder
 * keeps one per load per open second.
 */
const SUB_BITS = 6;
const SUB = 1 << SUB_BITS; // 64 sub-buckets per octave
const LINEAR_MAX = SUB * 2; // values below this are exact
const MAX_US = 2 ** 31 - 1;
export const HISTOGRAM_BUCKETS = (31 - SUB_BITS) * SUB + SUB * 2; // 1664

export function bucketOf(us: number): number {
  const v = us <= 0 ? 0 : us >= MAX_US ? MAX_US : Math.floor(us);
  if (v < LINEAR_MAX) return v;
  const e = 31 - Math.clz32(v); // floor(log2 v) >= 7
  const shift = e - SUB_BITS;
  return shift * SUB + (v >>> shift);
}

/** The value a bucket stands for (its midpoint, in µs). */
export function valueOf(bucket: number): number {
  if (bucket < LINEAR_MAX) return bucket;
  const shift = Math.floor(bucket / SUB) - 1;
  const base = (bucket - shift * SUB) * 2 ** shift;
  return base + 2 ** shift / 2;
}

export class Histogram {
  readonly counts = new Uint32Array(HISTOGRAM_BUCKETS);
  total = 0;
  /** Exact extremes and sum in ms (the buckets round; these do not). */
  maxMs = 0;
  minMs = Infinity;
  sumMs = 0;

  record(ms: number): void {
    this.counts[bucketOf(ms * 1000)]! += 1;
    this.total += 1;
    this.sumMs += ms;
    if (ms > this.maxMs) this.maxMs = ms;
    if (ms < this.minMs) this.minMs = ms;
  }

  /** The q-quantile (0..1) in ms; 0 when empty. Quantiles read the bucket midpoint, capped by max. */
  quantile(q: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    const c = this.counts;
    for (let i = 0; i < c.length; i++) {
      seen += c[i]!;
      if (seen >= rank) return Math.min(Math.max(valueOf(i) / 1000, this.minMs), this.maxMs);
    }
    return this.maxMs;
  }

  meanMs(): number {
    return this.total ? this.sumMs / this.total : 0;
  }

  /** Empties it for reuse (the recorder pools histograms: a fresh 6.5 KB buffer a second is native churn). */
  reset(): void {
    this.counts.fill(0);
    this.total = 0;
    this.maxMs = 0;
    this.minMs = Infinity;
    this.sumMs = 0;
  }

  merge(other: Histogram): void {
    for (let i = 0; i < other.counts.length; i++) this.counts[i]! += other.counts[i]!;
    this.total += other.total;
    this.sumMs += other.sumMs;
    this.maxMs = Math.max(this.maxMs, other.maxMs);
    this.minMs = Math.min(this.minMs, other.minMs);
  }
}

/** Rounds to microseconds: figures are reported at the resolution they were measured with. */
export const roundUs = (ms: number): number => Math.round(ms * 1000) / 1000;

export function percentiles(h: Histogram): { p50Ms: number; p90Ms: number; p99Ms: number; maxMs: number } {
  return { p50Ms: roundUs(h.quantile(0.5)), p90Ms: roundUs(h.quantile(0.9)), p99Ms: roundUs(h.quantile(0.99)), maxMs: roundUs(h.maxMs) };
}

/** "2xx".."5xx" plus the exact codes that mean back-pressure (429, 503), as LoadSecond.status documents. */
export function statusKeys(status: number): string[] {
  const cls = `${Math.floor(status / 100)}xx`;
  return status === 429 || status === 503 ? [cls, String(status)] : [cls];
}

/** What one client-side event adds to its second: an attempt's latency and how it ended. */
export interface Attempt {
  ms: number;
  /** Set when it failed without an answer (a ws connect-failed is `other`). */
  error?: ErrorClass;
  /** The status keys it counts under (statusKeys), empty for errors and ws connects. */
  status: string[];
  /** Answered below 400, or a ws connect. */
  ok: boolean;
}

/**
 * How a client-side event counts in its second's figures (the percentiles come from the histogram),
 * or undefined when the event is not an attempt (a ws `closed` or `message`).
 */
export function attemptOf(e: ResponseEvent | WsEvent): Attempt | undefined {
  if (e.kind === 'ws' && e.action !== 'connect' && e.action !== 'connect-failed') return undefined;
  const ms = e.latencyMs ?? 0;
  const error: ErrorClass | undefined = e.error ?? (e.kind === 'ws' && e.action === 'connect-failed' ? 'other' : undefined);
  if (error) return { ms, error, status: [], ok: false };
  if (e.kind === 'response' && e.status !== undefined) return { ms, status: statusKeys(e.status), ok: e.status < 400 };
  return { ms, status: [], ok: e.kind === 'ws' };
}
