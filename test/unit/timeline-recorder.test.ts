import { describe, expect, it } from 'vitest';
import { Recorder, OPEN_SECONDS } from '../../src/timeline/recorder.js';
import { Histogram, bucketOf, valueOf } from '../../src/timeline/summary.js';
import { startLagSampler } from '../../src/timeline/lag.js';
import type { TimelineEvent } from '../../src/timeline/events.js';

const T0 = 1_000_000;
const resp = (t: number, load: string, latencyMs: number, status?: number, error?: 'timeout' | 'ECONNRESET'): TimelineEvent =>
  error ? { kind: 'response', t, load, latencyMs, error, bytes: 0 } : { kind: 'response', t, load, latencyMs, status: status ?? 200, bytes: 10 };

describe('histogram', () => {
  it('reads quantiles within 1% across microseconds to minutes', () => {
    for (const ms of [0.001, 0.05, 0.127, 0.7, 3.3, 42, 999, 12_345, 600_000]) {
      const h = new Histogram();
      for (let i = 0; i < 100; i++) h.record(ms);
      expect(Math.abs(h.quantile(0.5) - ms) / ms).toBeLessThan(0.01);
    }
  });
  it('bucket index and value are consistent and monotonic', () => {
    let prev = -1;
    for (let us = 0; us < 5_000_000; us = Math.floor(us * 1.01) + 1) {
      const b = bucketOf(us);
      expect(b).toBeGreaterThanOrEqual(prev);
      prev = b;
      expect(Math.abs(valueOf(b) - us)).toBeLessThanOrEqual(Math.max(0.5, us * 0.008));
    }
  });
  it('a 0.7 ms median reads as 0.7 ms, not 0 or 1', () => {
    const h = new Histogram();
    for (let i = 0; i < 1000; i++) h.record(0.6 + (i % 200) / 1000);
    expect(h.quantile(0.5)).toBeGreaterThan(0.68);
    expect(h.quantile(0.5)).toBeLessThan(0.72);
  });
});

describe('Recorder', () => {
  it('counts every response per second exactly, with status and error classes', () => {
    const r = new Recorder({ startMs: T0 });
    for (let i = 0; i < 1000; i++) r.record(resp(T0 + i, 'a', 1 + (i % 10), i % 100 === 0 ? 503 : 200));
    for (let i = 0; i < 10; i++) r.record(resp(T0 + 1500 + i, 'a', 10_000, undefined, 'timeout'));
    r.record(resp(T0 + 1600, 'b', 2, 404));
    const tl = r.timeline();
    expect(tl.seconds).toHaveLength(2);
    const s0 = tl.seconds[0]!.loads['a']!;
    expect(s0.count).toBe(1000);
    expect(s0.ok).toBe(990);
    expect(s0.status).toEqual({ '2xx': 990, '5xx': 10, '503': 10 });
    expect(s0.maxMs).toBe(10);
    expect(s0.p50Ms).toBeGreaterThan(4.9);
    expect(s0.p50Ms).toBeLessThan(6.1);
    expect(tl.seconds[1]!.loads['a']!.errors).toEqual({ timeout: 10 });
    expect(tl.seconds[1]!.loads['b']!.status).toEqual({ '4xx': 1 });
    expect(tl.events).toHaveLength(1011);
  });

  it('orders raw events by time even when they arrive out of order', () => {
    const r = new Recorder({ startMs: T0 });
    r.record(resp(T0 + 500, 'a', 1));
    r.record(resp(T0 + 100, 'a', 1));
    r.record({ kind: 'phase', t: T0, index: 0, name: 'baseline', edge: 'start' });
    expect(r.timeline().events.map((e) => e.t)).toEqual([T0, T0 + 100, T0 + 500]);
  });

  it('keeps seconds complete with empty gaps, dependency open counts, rss and lag', () => {
    const r = new Recorder({ startMs: T0 });
    r.record({ kind: 'dep-open', t: T0 + 10, dependency: 'inv', conn: 1, behaviour: 'ok' });
    r.record({ kind: 'dep-open', t: T0 + 20, dependency: 'inv', conn: 2, behaviour: 'ok' });
    r.record({ kind: 'dep-request', t: T0 + 30, dependency: 'inv', conn: 1, method: 'GET', path: '/', behaviour: 'ok', bytes: 0 });
    r.record({ kind: 'dep-miss', t: T0 + 31, dependency: 'inv', conn: 1, method: 'GET', path: '/x' });
    r.record({ kind: 'dep-close', t: T0 + 2500, dependency: 'inv', conn: 1, by: 'client', pending: false, bytesIn: 1, bytesOut: 1 });
    r.record({ kind: 'target-sample', t: T0 + 3100, rssBytes: 1 });
    r.record({ kind: 'target-sample', t: T0 + 3900, rssBytes: 2 });
    r.record({ kind: 'lag', t: T0 + 3500, p50Ms: 0, p99Ms: 1, maxMs: 7 });
    const s = r.timeline().seconds;
    expect(s.map((x) => x.second)).toEqual([0, 1, 2, 3]);
    expect(s[0]!.deps['inv']).toEqual({ opened: 2, requests: 1, closedByClient: 0, misses: 1, open: 2 });
    expect(s[1]!.deps['inv']).toEqual({ opened: 0, requests: 0, closedByClient: 0, misses: 0, open: 2 });
    expect(s[2]!.deps['inv']!.closedByClient).toBe(1);
    expect(s[2]!.deps['inv']!.open).toBe(1);
    expect(s[3]!.rssBytes).toBe(2);
    expect(s[3]!.lagMaxMs).toBe(7);
  });

  it('past rawCap keeps counting in seconds and reports dropped events per kind; control events are kept', () => {
    const r = new Recorder({ startMs: T0, rawCap: 100 });
    for (let i = 0; i < 1000; i++) r.record(resp(T0 + i * 3, 'a', 1));
    r.record({ kind: 'phase', t: T0 + 2999, index: 1, name: 'fault', edge: 'start' });
    const tl = r.timeline();
    expect(tl.events.filter((e) => e.kind === 'response')).toHaveLength(100);
    expect(tl.events.some((e) => e.kind === 'phase')).toBe(true);
    expect(tl.dropped).toEqual({ response: 900 });
    expect(tl.seconds.reduce((n, s) => n + (s.loads['a']?.count ?? 0), 0)).toBe(1000);
  });

  it('freezes old seconds into numbers; late responses still count', () => {
    const r = new Recorder({ startMs: T0 });
    for (let i = 0; i < 100; i++) r.record(resp(T0 + i, 'a', 2));
    r.record(resp(T0 + (OPEN_SECONDS + 5) * 1000, 'a', 1));
    r.record(resp(T0 + 50, 'a', 30_000, undefined, 'timeout')); // late: arrives long after its second froze
    const s0 = r.timeline().seconds[0]!.loads['a']!;
    expect(s0.count).toBe(101);
    expect(s0.errors).toEqual({ timeout: 1 });
    expect(s0.p50Ms).toBeCloseTo(2, 1);
    expect(s0.maxMs).toBe(30_000);
  });

  it('memory stays bounded over a long synthetic stream (2M events, one hour)', () => {
    const r = new Recorder({ startMs: T0, rawCap: 20_000 });
    const feed = (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const t = T0 + i * 1.8; // 2M events over one hour, 3 loads, one dependency
        r.record(resp(t, i % 3 === 0 ? 'a' : i % 3 === 1 ? 'b' : 'c', 0.5 + (i % 97) / 10, i % 50 ? 200 : 500));
        if (i % 10 === 0) r.record({ kind: 'dep-request', t, dependency: 'inv', conn: i, method: 'GET', path: '/', behaviour: 'ok', bytes: 0 });
      }
    };
    feed(0, 200_000);
    globalThis.gc?.();
    const before = process.memoryUsage().heapUsed;
    feed(200_000, 2_000_000);
    globalThis.gc?.();
    const grown = process.memoryUsage().heapUsed - before;
    const tl = r.timeline();
    expect(tl.seconds.length).toBe(3600);
    expect(tl.seconds.reduce((n, s) => n + (s.loads['a']?.count ?? 0) + (s.loads['b']?.count ?? 0) + (s.loads['c']?.count ?? 0), 0)).toBe(2_000_000);
    expect((tl.dropped.response ?? 0) + (tl.dropped['dep-request'] ?? 0)).toBe(2_200_000 - 20_000);
    expect(tl.events).toHaveLength(20_000);
    // 1.8M more events after the cap: everything beyond it is aggregated. Raw storage would be ~300 MB.
    expect(grown).toBeLessThan(60 * 1024 * 1024);
  });
});

describe('lag sampler', () => {
  it('writes lag events, and a blocked loop shows up as lag', async () => {
    const events: TimelineEvent[] = [];
    const stop = startLagSampler((e) => events.push(e), 50);
    await new Promise((r) => setTimeout(r, 120));
    const until = Date.now() + 200;
    while (Date.now() < until) { /* block the loop */ }
    await new Promise((r) => setTimeout(r, 80));
    stop();
    const lags = events.filter((e) => e.kind === 'lag');
    expect(lags.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...lags.map((e) => (e.kind === 'lag' ? e.maxMs : 0)))).toBeGreaterThan(50);
  });

  it('raw events stop at the memory budget (estimated per event), whatever their count; the seconds stay complete', () => {
    const r = new Recorder({ startMs: T0, rawBudgetBytes: 100 * 1024 });
    for (let i = 0; i < 10_000; i++) r.record(resp(T0 + i, 'a', 1));
    const tl = r.timeline();
    const kept = tl.events.length;
    // ~170 B estimated per response event: about 600 fit in 100 KiB.
    expect(kept).toBeGreaterThan(300);
    expect(kept).toBeLessThan(1200);
    expect(tl.dropped.response).toBe(10_000 - kept);
    expect(tl.seconds.reduce((n, s) => n + (s.loads['a']?.count ?? 0), 0)).toBe(10_000);
  });

  it('events arriving with fresh copies of the same strings (from a worker) end up sharing one', () => {
    const r = new Recorder({ startMs: T0 });
    const a = structuredClone(resp(T0 + 1, 'checkout', 1));
    const b = structuredClone(resp(T0 + 2, 'checkout', 1));
    r.record(a);
    r.record(b);
    const [x, y] = r.timeline().events as unknown as { load: string }[];
    expect(x!.load).toBe('checkout');
    expect(y!.load).toBe('checkout');
  });
});
