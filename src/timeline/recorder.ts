import { monotonicMs } from './clock.js';
import type { EventKind, EventSink, ResponseEvent, TimelineEvent } from './events.js';
import type { DepSecond, LoadSecond, SecondSummary, Timeline } from './timeline.js';
import { Histogram, countAttempt, emptyLoadSecond, percentiles } from './summary.js';

/**
 * Raw events are kept up to a memory budget, then only the per-second summaries keep counting.
 * Measured in a real run (bench/memory.bench.ts: 300 req/s, ~900 events/s): an event arriving from a
 * load worker costs ~200 B of heap as cloned (its strings are fresh copies), ~150 B once its strings
 * are interned here. The budget is what README's bound is built on; the count cap is a second limit.
 */
export const DEFAULT_RAW_BUDGET_BYTES = 48 * 1024 * 1024;
export const DEFAULT_RAW_CAP = 500_000;
/** Estimated heap of one kept event: the object and its fields (doubles are boxed), strings apart. */
const EVENT_BYTES = 40;
const FIELD_BYTES = 16;
/** Distinct short strings shared between events (names, methods, paths, error classes). */
const INTERN_MAX = 4096;
const INTERN_MAX_LENGTH = 128;

/**
 * Low-volume kinds that checks need whole (phase edges, faults, target samples and exit, lag) are
 * kept outside rawCap, under their own cap: at a few per second, 100k covers a day.
 */
export const DEFAULT_CONTROL_CAP = 100_000;
/**
 * Seconds whose latency histograms stay open for late responses (an event's t is its request
 * start; it arrives up to a client timeout later). Older seconds are frozen into numbers: a response
 * arriving later still counts, but no longer moves that second's percentiles.
 */
export const OPEN_SECONDS = 120;

/**
 * Plain response events (status, no other optional field but correctedMs) of one load, as columns:
 * a load worker sends them so (typed arrays, transferred) instead of one cloned object each.
 * Row i is the event responseEventAt(b, i); correctedMs is NaN where the event has none.
 */
export interface ResponseColumns {
  load: string;
  n: number;
  t: Float64Array;
  latencyMs: Float64Array;
  correctedMs: Float64Array;
  status: Uint16Array;
  bytes: Float64Array;
}

/** Row i of a batch as the event it stands for (field order as the load records it one by one). */
export function responseEventAt(b: ResponseColumns, i: number): ResponseEvent {
  const c = b.correctedMs[i]!;
  return c === c
    ? { kind: 'response', t: b.t[i]!, load: b.load, latencyMs: b.latencyMs[i]!, correctedMs: c, status: b.status[i]!, bytes: b.bytes[i]! }
    : { kind: 'response', t: b.t[i]!, load: b.load, latencyMs: b.latencyMs[i]!, status: b.status[i]!, bytes: b.bytes[i]! };
}

/** The recorder's sink; `responses` takes a batch of columns (the same events record() would get one by one). */
export type RecorderSink = EventSink & { responses(b: ResponseColumns): void };

const CONTROL_KINDS: ReadonlySet<EventKind> = new Set<EventKind>(['phase', 'fault', 'target-sample', 'target-exit', 'target-control', 'lag', 'load-pulse', 'load-step', 'journal', 'queue']);

interface DepAcc extends DepSecond {
  closed: number; // closes of any side, for `open`
}

interface SecondAcc {
  loads: Map<string, LoadSecond>;
  /** Open histograms; deleted when the second is frozen. */
  hists: Map<string, Histogram> | undefined;
  deps: Map<string, DepAcc>;
  rssBytes?: number;
  fds?: number;
  threads?: number;
  rssAt?: number;
  lagMaxMs?: number;
}

/**
 * Records a run's events with bounded memory: raw events up to `rawBudgetBytes` (and `rawCap`; then
 * counted per kind in `dropped`), and a summary per second that is always complete.
 * Memory: the raw budget (48 MiB, ~320,000 events at ~150 B) + the frozen seconds (measured: ~0.5 KB per second for
 * three loads and a dependency, ~2 MB per hour) + one 6.5 KB histogram per load per open second
 * (OPEN_SECONDS of them: ~0.8 MB per load).
 */
export class Recorder {
  readonly startMs: number;
  readonly rawCap: number;
  readonly rawBudgetBytes: number;
  readonly controlCap: number;
  readonly record: RecorderSink;

  private readonly raw: TimelineEvent[] = [];
  private rawBytes = 0;
  private readonly strings = new Map<string, string>();
  private readonly control: TimelineEvent[] = [];
  private readonly dropped: Partial<Record<EventKind, number>> = {};
  private readonly seconds: (SecondAcc | undefined)[] = [];
  /** Seconds below this index are frozen. */
  private frozenBelow = 0;
  private lastMs: number;

  constructor(opts: { startMs?: number; rawCap?: number; rawBudgetBytes?: number; controlCap?: number } = {}) {
    this.startMs = opts.startMs ?? monotonicMs();
    this.rawCap = Math.max(0, Math.floor(opts.rawCap ?? DEFAULT_RAW_CAP));
    this.rawBudgetBytes = Math.max(0, opts.rawBudgetBytes ?? DEFAULT_RAW_BUDGET_BYTES);
    this.controlCap = Math.max(0, Math.floor(opts.controlCap ?? DEFAULT_CONTROL_CAP));
    this.lastMs = this.startMs;
    this.record = Object.assign((e: TimelineEvent) => this.add(e), { responses: (b: ResponseColumns) => this.recordResponses(b) });
  }

  /** Batched intake: each row is recorded as the event it stands for, so every reader sees the same timeline. */
  recordResponses(b: ResponseColumns): void {
    for (let i = 0; i < b.n; i++) this.add(responseEventAt(b, i));
  }

  private add(e: TimelineEvent): void {
    if (e.t > this.lastMs) this.lastMs = e.t;
    if (CONTROL_KINDS.has(e.kind)) {
      if (this.control.length < this.controlCap) this.control.push(e);
      else this.dropped[e.kind] = (this.dropped[e.kind] ?? 0) + 1;
    } else if (this.raw.length < this.rawCap && this.rawBytes < this.rawBudgetBytes) {
      this.rawBytes += this.compact(e);
      this.raw.push(e);
    } else this.dropped[e.kind] = (this.dropped[e.kind] ?? 0) + 1;
    this.aggregate(e);
  }

  /**
   * Shares the event's short strings with earlier events (a worker's events arrive with fresh copies
   * of "checkout", "GET", "/items/1"...) and returns its estimated heap cost.
   */
  private compact(e: TimelineEvent): number {
    const o = e as unknown as Record<string, unknown>;
    let bytes = EVENT_BYTES;
    for (const k in o) {
      bytes += FIELD_BYTES;
      const v = o[k];
      if (typeof v !== 'string') continue;
      const shared = this.strings.get(v);
      if (shared !== undefined) o[k] = shared;
      else if (v.length <= INTERN_MAX_LENGTH && this.strings.size < INTERN_MAX) this.strings.set(v, v);
      else bytes += 24 + v.length;
    }
    return bytes;
  }

  private second(t: number): SecondAcc {
    const i = Math.max(0, Math.floor((t - this.startMs) / 1000));
    let s = this.seconds[i];
    if (!s) {
      // Fill the gap so the array stays dense (seconds are few; a day is 86,400 entries).
      for (let j = this.seconds.length; j < i; j++) this.seconds[j] ??= undefined;
      s = { loads: new Map(), hists: i >= this.frozenBelow ? new Map() : undefined, deps: new Map() };
      this.seconds[i] = s;
    }
    return s;
  }

  private aggregate(e: TimelineEvent): void {
    switch (e.kind) {
      case 'response':
      case 'ws': {
        const s = this.second(e.t);
        let ls = s.loads.get(e.load);
        if (!ls) s.loads.set(e.load, (ls = emptyLoadSecond()));
        const ms = countAttempt(ls, e);
        if (ms !== undefined && s.hists) {
          let h = s.hists.get(e.load);
          if (!h) s.hists.set(e.load, (h = new Histogram()));
          h.record(ms);
        }
        this.freezeOld();
        return;
      }
      case 'dep-open':
      case 'dep-request':
      case 'dep-miss':
      case 'dep-close': {
        const s = this.second(e.t);
        let d = s.deps.get(e.dependency);
        if (!d) s.deps.set(e.dependency, (d = { opened: 0, requests: 0, closedByClient: 0, misses: 0, open: 0, closed: 0 }));
        if (e.kind === 'dep-open') d.opened += 1;
        else if (e.kind === 'dep-request') d.requests += 1;
        else if (e.kind === 'dep-miss') d.misses += 1;
        else {
          d.closed += 1;
          if (e.by === 'client') d.closedByClient += 1;
        }
        return;
      }
      case 'target-sample': {
        const s = this.second(e.t);
        if (s.rssAt === undefined || e.t >= s.rssAt) {
          s.rssBytes = e.rssBytes;
          if (e.fds !== undefined) s.fds = e.fds;
          if (e.threads !== undefined) s.threads = e.threads;
          s.rssAt = e.t;
        }
        return;
      }
      case 'lag': {
        const s = this.second(e.t);
        s.lagMaxMs = Math.max(s.lagMaxMs ?? 0, e.maxMs);
        return;
      }
      default:
        this.second(e.t); // keeps the seconds dense up to the last event
    }
  }

  /** Freezes seconds that fell out of the open window: their histograms become numbers. */
  private freezeOld(): void {
    const newest = Math.floor((this.lastMs - this.startMs) / 1000);
    while (this.frozenBelow < newest - OPEN_SECONDS) {
      const s = this.seconds[this.frozenBelow];
      if (s?.hists) {
        for (const [load, h] of s.hists) Object.assign(s.loads.get(load)!, percentiles(h));
        s.hists = undefined;
      }
      this.frozenBelow += 1;
    }
  }

  /** A snapshot: raw events in time order, every second from 0 to the last event, dropped counts. */
  timeline(): Timeline {
    const events = [...this.control, ...this.raw].sort((a, b) => a.t - b.t);
    const seconds: SecondSummary[] = [];
    const open = new Map<string, number>();
    const last = Math.max(this.seconds.length, Math.floor((this.lastMs - this.startMs) / 1000) + 1);
    for (let i = 0; i < last; i++) {
      const s = this.seconds[i];
      const out: SecondSummary = { second: i, loads: {}, deps: {} };
      if (s) {
        for (const [load, ls] of s.loads) {
          const h = s.hists?.get(load);
          out.loads[load] = { ...ls, status: { ...ls.status }, errors: { ...ls.errors }, ...(h ? percentiles(h) : {}) };
        }
        for (const [dep, d] of s.deps) open.set(dep, (open.get(dep) ?? 0) + d.opened - d.closed);
        if (s.rssBytes !== undefined) out.rssBytes = s.rssBytes;
        if (s.fds !== undefined) out.fds = s.fds;
        if (s.threads !== undefined) out.threads = s.threads;
        if (s.lagMaxMs !== undefined) out.lagMaxMs = s.lagMaxMs;
      }
      // Every dependency seen so far appears in every later second (open connections persist).
      for (const [dep, n] of open) {
        const d = s?.deps.get(dep);
        out.deps[dep] = { opened: d?.opened ?? 0, requests: d?.requests ?? 0, closedByClient: d?.closedByClient ?? 0, misses: d?.misses ?? 0, open: Math.max(0, n) };
      }
      seconds.push(out);
    }
    return { startMs: this.startMs, endMs: this.lastMs, events, seconds, dropped: { ...this.dropped } };
  }
}
