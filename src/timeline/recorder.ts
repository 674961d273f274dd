import { monotonicMs } from './clock.js';
import type { EventKind, EventSink, TimelineEvent } from './events.js';
import { responseEventAt, type ResponseColumns } from './response-columns.js';
import type { Timeline } from './timeline.js';
import { Seconds } from './seconds.js';
import { SampleColumns } from './samples.js';

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

/** The recorder's sink; `responses` takes a batch of columns (the same events record() would get one by one). */
export type RecorderSink = EventSink & { responses(b: ResponseColumns): void };

const CONTROL_KINDS: ReadonlySet<EventKind> = new Set<EventKind>(['phase', 'fault', 'target-sample', 'target-exit', 'target-control', 'lag', 'load-pulse', 'load-step', 'journal', 'queue']);

/** A span of absolute ms whose raw events a release keeps (a soak's reference baseline). */
export interface KeepWindow {
  startMs: number;
  endMs: number;
}

const inAny = (t: number, keep: readonly KeepWindow[]): boolean => keep.some((w) => t >= w.startMs && t < w.endMs);

/**
 * Records a run's events with bounded memory: raw events up to `rawBudgetBytes` (and `rawCap`; then
 * counted per kind in `dropped`), and a summary per second that is always complete.
 * Memory: the raw budget (48 MiB, ~320,000 events at ~150 B) + the per-second columns (src/timeline/seconds.ts:
 * 8 B per figure per second, ~0.2 KB per second for two loads and a dependency) + one 6.5 KB histogram per
 * load per open second (OPEN_SECONDS of them: ~0.8 MB per load). A soak releases raw events once
 * their cycle is judged (`release`), so the raw budget is never reached by a run's length alone.
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
  /** Arrival order of each control event (parallel to `control`), shared with the sample rows. */
  private readonly controlSeq: number[] = [];
  /** Target samples and lag as columns (the bulk of the control events over a long run). */
  private readonly samples = new SampleColumns();
  private seq = 0;
  private readonly dropped: Partial<Record<EventKind, number>> = {};
  private readonly seconds: Seconds;
  private readonly slowMs: readonly number[];
  private lastMs: number;

  /** `slowMs`: latency thresholds whose slow answers the seconds count (a latency objective's `under`). */
  constructor(opts: { startMs?: number; rawCap?: number; rawBudgetBytes?: number; controlCap?: number; slowMs?: readonly number[] } = {}) {
    this.slowMs = [...new Set(opts.slowMs ?? [])].filter((ms) => Number.isFinite(ms) && ms >= 0);
    this.seconds = new Seconds(this.slowMs);
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
      if (this.control.length + this.samples.length >= this.controlCap) this.dropped[e.kind] = (this.dropped[e.kind] ?? 0) + 1;
      else if (!((e.kind === 'lag' || e.kind === 'target-sample') && this.samples.put(e, this.seq))) {
        this.control.push(e);
        this.controlSeq.push(this.seq);
      }
      this.seq += 1;
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

  private secondOf(t: number): number {
    return Math.max(0, Math.floor((t - this.startMs) / 1000));
  }

  private aggregate(e: TimelineEvent): void {
    const i = this.secondOf(e.t);
    switch (e.kind) {
      case 'response':
      case 'ws':
        this.seconds.response(i, e);
        // Seconds that fell out of the open window: their histograms become numbers.
        this.seconds.freezeBelow(Math.floor((this.lastMs - this.startMs) / 1000) - OPEN_SECONDS);
        return;
      case 'dep-open':
      case 'dep-request':
      case 'dep-miss':
      case 'dep-close':
        this.seconds.dep(i, e);
        return;
      case 'target-sample':
        this.seconds.sample(i, e);
        return;
      case 'lag':
        this.seconds.lag(i, e.maxMs);
        return;
      default:
        this.seconds.touch(i); // keeps the seconds dense up to the last event
    }
  }

  /**
   * Drops the raw events (not the control events, not the summaries) that started before `beforeMs`,
   * but those inside `keep`: a soak's cycle whose verdicts are in needs them no more. Released events
   * are not `dropped`: they were judged. Returns how many were released.
   */
  release(beforeMs: number, keep: readonly KeepWindow[] = []): number {
    const before = this.raw.length;
    let w = 0;
    let bytes = 0;
    for (let r = 0; r < this.raw.length; r++) {
      const e = this.raw[r]!;
      if (e.t < beforeMs && !inAny(e.t, keep)) continue;
      this.raw[w++] = e;
      bytes += this.cost(e);
    }
    this.raw.length = w;
    this.rawBytes = bytes;
    return before - w;
  }

  /** The estimated heap of a kept event, as compact() counted it. */
  private cost(e: TimelineEvent): number {
    const o = e as unknown as Record<string, unknown>;
    let bytes = EVENT_BYTES;
    for (const k in o) {
      bytes += FIELD_BYTES;
      const v = o[k];
      if (typeof v === 'string' && this.strings.get(v) !== v) bytes += 24 + v.length;
    }
    return bytes;
  }

  /** Raw events held now (after releases and the cap). */
  get rawCount(): number {
    return this.raw.length;
  }

  /**
   * A snapshot: raw events in time order, every second from 0 to the last event, dropped counts.
   * With `fromMs`, only the raw events and seconds from then on (and those inside `keep`): what a
   * soak's cycle or a phase's progress line needs, without copying the whole run. Control events
   * (phases, faults, samples, lag) always come whole: phase windows are built from them.
   */
  timeline(opts: { fromMs?: number; keep?: readonly KeepWindow[] } = {}): Timeline {
    const from = opts.fromMs;
    const keep = opts.keep ?? [];
    const raw = from === undefined ? this.raw : this.raw.filter((e) => e.t >= from || inAny(e.t, keep));
    const sampleWanted = from === undefined ? undefined : (t: number) => t >= from || inAny(t, keep);
    const events = [...this.controlEvents(undefined, sampleWanted), ...raw].sort((a, b) => a.t - b.t);
    const last = this.lastSecond();
    const ranges: [number, number][] = from === undefined ? [[0, last - 1]] : [[this.secondOf(from), last - 1], ...this.spans(keep)];
    return this.snapshot(this.lastMs, events, this.seconds.summaries(last, ranges));
  }

  /**
   * Only what lies in a window: raw and control events (phase edges and faults too) with
   * `fromMs` <= t <= `toMs` or inside `keep`, and the seconds those spans touch; `endMs` is `toMs`
   * (or the last event, when earlier). A soak's cycle is judged on this: its cost follows the
   * cycle's own events, not the run's length. Events come in the whole timeline's order.
   */
  window(opts: { fromMs: number; toMs: number; keep?: readonly KeepWindow[] }): Timeline {
    const { fromMs, toMs } = opts;
    const keep = opts.keep ?? [];
    const wanted = (t: number) => (t >= fromMs && t <= toMs) || inAny(t, keep);
    const raw = this.raw.filter((e) => wanted(e.t));
    const events = [...this.controlEvents(wanted, wanted), ...raw].sort((a, b) => a.t - b.t);
    const ranges: [number, number][] = [[this.secondOf(fromMs), this.secondOf(toMs)], ...this.spans(keep)];
    return this.snapshot(Math.min(this.lastMs, toMs), events, this.seconds.summaries(this.lastSecond(), ranges));
  }

  /** 1 + the last second any event fell in. */
  private lastSecond(): number {
    return Math.max(this.seconds.length, Math.floor((this.lastMs - this.startMs) / 1000) + 1);
  }

  /** The seconds (inclusive) each kept window touches. */
  private spans(keep: readonly KeepWindow[]): [number, number][] {
    return keep.map((w) => [this.secondOf(w.startMs), this.secondOf(w.endMs)]);
  }

  private snapshot(endMs: number, events: TimelineEvent[], seconds: Timeline['seconds']): Timeline {
    return { startMs: this.startMs, endMs, events, seconds, dropped: { ...this.dropped }, ...(this.slowMs.length ? { slowMs: this.slowMs } : {}) };
  }

  /**
   * Control events in arrival order: the kept objects (those whose t `objects` wants; all without
   * it), and the sample rows (those whose t `rowsWanted` wants; all without it) as objects again,
   * merged by arrival sequence so a snapshot sorts as the whole one does.
   */
  private controlEvents(objects?: (t: number) => boolean, rowsWanted?: (t: number) => boolean): TimelineEvent[] {
    const out: TimelineEvent[] = [];
    const rows = this.samples;
    let r = 0;
    const nextRow = () => {
      while (r < rows.length && rowsWanted !== undefined && !rowsWanted(rows.tOf(r))) r++;
    };
    nextRow();
    for (let i = 0; i < this.control.length; i++) {
      const s = this.controlSeq[i]!;
      while (r < rows.length && rows.seqOf(r) < s) {
        out.push(rows.event(r++));
        nextRow();
      }
      const e = this.control[i]!;
      if (!objects || objects(e.t)) out.push(e);
    }
    while (r < rows.length) {
      out.push(rows.event(r++));
      nextRow();
    }
    return out;
  }

  /** Estimated bytes held: raw events, the per-second columns and open histograms (control events apart). */
  get bytes(): { raw: number; seconds: number; samples: number } {
    return { raw: this.rawBytes, seconds: this.seconds.bytes, samples: this.samples.bytes };
  }
}
