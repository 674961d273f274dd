import type { ErrorClass, EventKind, TimelineEvent } from './events.js';

/** Per-load figures for one second of the run (responses whose start falls in it). */
export interface LoadSecond {
  count: number;
  /** Responses with status < 400. */
  ok: number;
  /** Counts by status class ("2xx", "3xx", "4xx", "5xx") and by exact code for 429 and 503. */
  status: Record<string, number>;
  errors: Partial<Record<ErrorClass, number>>;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /**
   * Answered (not 5xx, not 429) but slower than each of the run's latency thresholds
   * (Timeline.slowMs), keyed by the threshold in ms: what a latency objective counts per second.
   */
  slow?: Record<string, number>;
}

/** Per-stand-in figures for one second (what the target did to that dependency). */
export interface DepSecond {
  opened: number;
  requests: number;
  closedByClient: number;
  misses: number;
  /** Connections open at the end of the second. */
  open: number;
}

/** One second of the run, always complete however long the run (the bounded part of memory). */
export interface SecondSummary {
  /** Seconds since the run's start (0, 1, 2...). */
  second: number;
  loads: Record<string, LoadSecond>;
  deps: Record<string, DepSecond>;
  rssBytes?: number;
  /** The target's open file descriptors and threads at its last sample in this second. */
  fds?: number;
  threads?: number;
  lagMaxMs?: number;
}

/**
 * A recorded run as checks and reports see it. `events` holds raw events in time order up to the
 * recorder's cap; beyond it only `seconds` keeps counting and `dropped` says how many raw events of
 * each kind were aggregated away.
 */
export interface Timeline {
  /** Absolute monotonic ms at the run's start: event.t − startMs is the run-relative time. */
  startMs: number;
  endMs: number;
  events: readonly TimelineEvent[];
  seconds: readonly SecondSummary[];
  dropped: Partial<Record<EventKind, number>>;
  /** The latency thresholds (ms) whose slow answers every LoadSecond counts in `slow`. */
  slowMs?: readonly number[];
}
