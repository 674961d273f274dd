import { Column, Columns } from './columns.js';
import type { DepOpenEvent, DepRequestEvent, DepMissEvent, DepCloseEvent, ResponseEvent, TargetSampleEvent, WsEvent } from './events.js';
import type { DepSecond, LoadSecond, SecondSummary } from './timeline.js';
import { HISTOGRAM_BUCKETS, Histogram, attemptOf, percentiles, roundUs } from './summary.js';

/**
 * The per-second summaries of a run, stored as columns (src/timeline/columns.ts): per load its counts,
 * status and error classes and percentiles, per dependency its connection counts, and the target's
 * last sample and the harness lag, each one number per second. Measured (bench/soak.bench.ts) the
 * objects this replaces cost ~3 KB per second for two loads and a dependency; columns cost 8 bytes
 * per figure per second. Latency histograms are kept only while a second is open (late responses
 * still move its percentiles), then frozen into numbers and their buffers reused.
 */

class LoadColumns {
  readonly seen = new Column();
  readonly count = new Column();
  readonly ok = new Column();
  readonly p50 = new Column();
  readonly p90 = new Column();
  readonly p99 = new Column();
  readonly max = new Column();
  readonly status = new Columns();
  readonly errors = new Columns();
  readonly slow = new Columns();
}

class DepColumns {
  readonly seen = new Column();
  readonly opened = new Column();
  readonly requests = new Column();
  readonly closedByClient = new Column();
  readonly misses = new Column();
  readonly closed = new Column();
  /** Connections open at the end of each second, valid below Seconds.openValid. */
  readonly open = new Column();
  /** The first second this dependency was seen in (it appears in every second from then on). */
  first = Infinity;
}

type DepEvent = DepOpenEvent | DepRequestEvent | DepMissEvent | DepCloseEvent;

export class Seconds {
  private readonly loads = new Map<string, LoadColumns>();
  private readonly deps = new Map<string, DepColumns>();
  private readonly rss = new Column(NaN);
  private readonly fds = new Column(NaN);
  private readonly threads = new Column(NaN);
  private readonly rssAt = new Column(NaN);
  private readonly lagMax = new Column(NaN);
  /** Open seconds' histograms, by second then load. */
  private readonly hists = new Map<number, Map<string, Histogram>>();
  private readonly pool: Histogram[] = [];
  /** Seconds below this are frozen: their percentiles are numbers. */
  private frozenBelow = 0;
  private used = 0;
  /**
   * Seconds whose running open-connection counts (DepColumns.open) are up to date: a snapshot of
   * a cycle late in a soak reads them instead of summing every second since the run's start. A
   * dependency event (late ones included) in an earlier second makes the counts from there on stale.
   */
  private openValid = 0;

  /** `slowMs`: latency thresholds whose slow answers are counted per second (a latency objective's). */
  constructor(private readonly slowMs: readonly number[] = []) {}

  /** Seconds seen: 1 + the highest second any event fell in. */
  get length(): number {
    return this.used;
  }

  touch(i: number): void {
    if (i >= this.used) this.used = i + 1;
  }

  response(i: number, e: ResponseEvent | WsEvent): void {
    this.touch(i);
    let l = this.loads.get(e.load);
    if (!l) this.loads.set(e.load, (l = new LoadColumns()));
    l.seen.set(i, 1);
    const a = attemptOf(e);
    if (!a) return;
    l.count.add(i, 1);
    if (a.error) l.errors.of(a.error).add(i, 1);
    for (const k of a.status) l.status.of(k).add(i, 1);
    if (a.ok) l.ok.add(i, 1);
    if (this.slowMs.length && a.status.length && !a.status.includes('5xx') && !a.status.includes('429')) for (const ms of this.slowMs) if (a.ms > ms) l.slow.of(String(ms)).add(i, 1);
    if (a.ms > l.max.get(i)) l.max.set(i, roundUs(a.ms));
    if (i < this.frozenBelow) return;
    let hs = this.hists.get(i);
    if (!hs) this.hists.set(i, (hs = new Map()));
    let h = hs.get(e.load);
    if (!h) hs.set(e.load, (h = this.pool.pop() ?? new Histogram()));
    h.record(a.ms);
  }

  dep(i: number, e: DepEvent): void {
    this.touch(i);
    let d = this.deps.get(e.dependency);
    if (!d) this.deps.set(e.dependency, (d = new DepColumns()));
    d.seen.set(i, 1);
    if (i < d.first) d.first = i;
    if (i < this.openValid) this.openValid = i;
    if (e.kind === 'dep-open') d.opened.add(i, 1);
    else if (e.kind === 'dep-request') d.requests.add(i, 1);
    else if (e.kind === 'dep-miss') d.misses.add(i, 1);
    else {
      d.closed.add(i, 1);
      if (e.by === 'client') d.closedByClient.add(i, 1);
    }
  }

  /** The target's last sample in the second wins. */
  sample(i: number, e: TargetSampleEvent): void {
    this.touch(i);
    const at = this.rssAt.get(i);
    if (!Number.isNaN(at) && e.t < at) return;
    this.rss.set(i, e.rssBytes);
    if (e.fds !== undefined) this.fds.set(i, e.fds);
    if (e.threads !== undefined) this.threads.set(i, e.threads);
    this.rssAt.set(i, e.t);
  }

  lag(i: number, maxMs: number): void {
    this.touch(i);
    const m = this.lagMax.get(i);
    this.lagMax.set(i, Math.max(Number.isNaN(m) ? 0 : m, maxMs));
  }

  /** Freezes every second below `limit`: its histograms become numbers, their buffers go back to the pool. */
  freezeBelow(limit: number): void {
    while (this.frozenBelow < limit) {
      const hs = this.hists.get(this.frozenBelow);
      if (hs) {
        for (const [load, h] of hs) {
          this.setPercentiles(this.loads.get(load)!, this.frozenBelow, h);
          h.reset();
          this.pool.push(h);
        }
        this.hists.delete(this.frozenBelow);
      }
      this.frozenBelow += 1;
    }
  }

  private setPercentiles(l: LoadColumns, i: number, h: Histogram): void {
    const p = percentiles(h);
    l.p50.set(i, p.p50Ms);
    l.p90.set(i, p.p90Ms);
    l.p99.set(i, p.p99Ms);
    l.max.set(i, p.maxMs);
  }

  /**
   * Summaries of seconds 0..last-1, or of those inside `ranges` (inclusive [first, last] seconds,
   * in any order, overlaps allowed), as objects in second order. A dependency seen so far appears in
   * every later second (its open connections persist): its open count runs from second 0 whatever
   * is wanted, read from the cached running counts.
   */
  summaries(last: number, ranges: readonly (readonly [number, number])[] = [[0, last - 1]]): SecondSummary[] {
    const out: SecondSummary[] = [];
    this.openUpTo(last);
    const loads = [...this.loads];
    // In the order a walk from second 0 meets them: by first second seen, then by creation.
    const deps = [...this.deps].sort((a, b) => a[1].first - b[1].first);
    for (const [a, b] of mergeRanges(ranges, last)) {
      for (let i = a; i <= b; i++) {
        const s: SecondSummary = { second: i, loads: {}, deps: {} };
        for (const [name, l] of loads) if (l.seen.get(i)) s.loads[name] = this.loadSecond(name, l, i);
        const rss = this.rss.get(i);
        if (!Number.isNaN(rss)) s.rssBytes = rss;
        const fds = this.fds.get(i);
        if (!Number.isNaN(fds)) s.fds = fds;
        const threads = this.threads.get(i);
        if (!Number.isNaN(threads)) s.threads = threads;
        const lag = this.lagMax.get(i);
        if (!Number.isNaN(lag)) s.lagMaxMs = lag;
        for (const [name, d] of deps) {
          if (d.first > i) continue;
          s.deps[name] = { opened: d.opened.get(i), requests: d.requests.get(i), closedByClient: d.closedByClient.get(i), misses: d.misses.get(i), open: Math.max(0, d.open.get(i)) };
        }
        out.push(s);
      }
    }
    return out;
  }

  /** Brings the running open-connection counts up to date for seconds below `last`. */
  private openUpTo(last: number): void {
    if (this.openValid >= last) return;
    for (const d of this.deps.values()) {
      let n = this.openValid > 0 ? d.open.get(this.openValid - 1) : 0;
      for (let i = this.openValid; i < last; i++) {
        n += d.opened.get(i) - d.closed.get(i);
        d.open.set(i, n);
      }
    }
    this.openValid = last;
  }

  private loadSecond(name: string, l: LoadColumns, i: number): LoadSecond {
    const status: Record<string, number> = {};
    for (const [k, c] of l.status.byKey) if (c.get(i)) status[k] = c.get(i);
    const errors: LoadSecond['errors'] = {};
    for (const [k, c] of l.errors.byKey) if (c.get(i)) errors[k as keyof LoadSecond['errors']] = c.get(i);
    const h = this.hists.get(i)?.get(name);
    const p = h ? percentiles(h) : { p50Ms: l.p50.get(i), p90Ms: l.p90.get(i), p99Ms: l.p99.get(i), maxMs: l.max.get(i) };
    const out: LoadSecond = { count: l.count.get(i), ok: l.ok.get(i), status, errors, ...p };
    if (this.slowMs.length) out.slow = Object.fromEntries(this.slowMs.map((ms) => [String(ms), l.slow.byKey.get(String(ms))?.get(i) ?? 0]));
    return out;
  }

  /** Bytes held: the columns' capacity and the open histograms (pooled ones included). */
  get bytes(): number {
    let b = 0;
    for (const l of this.loads.values()) b += l.seen.bytes + l.count.bytes + l.ok.bytes + l.p50.bytes + l.p90.bytes + l.p99.bytes + l.max.bytes + l.status.bytes + l.errors.bytes + l.slow.bytes;
    for (const d of this.deps.values()) b += d.seen.bytes + d.opened.bytes + d.requests.bytes + d.closedByClient.bytes + d.misses.bytes + d.closed.bytes + d.open.bytes;
    b += this.rss.bytes + this.fds.bytes + this.threads.bytes + this.rssAt.bytes + this.lagMax.bytes;
    let hs = this.pool.length;
    for (const m of this.hists.values()) hs += m.size;
    return b + hs * HISTOGRAM_BUCKETS * Uint32Array.BYTES_PER_ELEMENT;
  }
}

/** Inclusive second ranges clipped to [0, last) and merged, in order. */
export function mergeRanges(ranges: readonly (readonly [number, number])[], last: number): [number, number][] {
  const out: [number, number][] = [];
  const sorted = ranges.map(([a, b]) => [Math.max(0, a), Math.min(last - 1, b)] as [number, number]).filter(([a, b]) => a <= b).sort((x, y) => x[0] - y[0]);
  for (const [a, b] of sorted) {
    const prev = out[out.length - 1];
    if (prev && a <= prev[1] + 1) prev[1] = Math.max(prev[1], b);
    else out.push([a, b]);
  }
  return out;
}
