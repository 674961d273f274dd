import type { z } from 'zod';
import type { ErrorClass, EventSink } from '../timeline/events.js';

/** What a load reports when it ends (also what `crumple load --json` prints). */
export interface LoadSummary {
  load: string;
  shape: string;
  /** Why it stopped: its duration or count ran out, it finished its pulses/cycles, or it was aborted. */
  stoppedBy: 'duration' | 'count' | 'done' | 'signal';
  elapsedMs: number;
  /** Attempts (HTTP requests, or WebSocket connects for ws-storm). */
  requests: number;
  /** Status < 400 (ws-storm: successful connects). */
  ok: number;
  errors: Partial<Record<ErrorClass, number>>;
  /** Exact status codes, e.g. { "200": 990, "503": 10 }. */
  status: Record<string, number>;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
  /**
   * Fixed-rate loads: percentiles of the latency from each request's intended send time (coordinated
   * omission corrected, as wrk2 does); the p50Ms... above are service times (from the actual send).
   */
  corrected?: { p50Ms: number; p90Ms: number; p99Ms: number; maxMs: number };
  /** Achieved attempts per second over the load's elapsed time. */
  rps: number;
  bytes: number;
  /** Fixed-rate loads: slots skipped because every connection was busy (the target could not keep up). */
  missed?: number;
  steps?: RampStep[];
  /** Ramp: the last step within the limits, and the first one past them. */
  capacity?: { rate: number; step: number; exceededAt?: { rate: number; step: number; reason: string } };
  pulses?: DogpilePulse[];
  /**
   * Dogpile with findLimit: the bound asked for (and what lowered it), the largest pulse sent, and the
   * first pulse size that got a 429/503 with how many of it were accepted (absent: no shedding seen).
   */
  limit?: { upTo: number; boundedBy?: 'open files'; largest: number; shedAt?: number; acceptedAtShed?: number };
  /** Dogpile: median and max of the per-pulse release spread (client side). */
  releaseSpreadMs?: { median: number; max: number };
  storms?: WsStorm[];
}

export interface RampStep {
  step: number;
  rate: number;
  requests: number;
  ok: number;
  errors: number;
  p99Ms: number;
  rps: number;
}

export interface DogpilePulse {
  pulse: number;
  /** Connections open at the barrier (of n). */
  connected: number;
  /** Requests written. */
  sent: number;
  /** First to last request write, client side (ms, µs resolution). */
  releaseSpreadMs: number;
  /** When the pulse fired (absolute monotonic ms). */
  t: number;
  ok: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** findLimit: 429/503 answers in this pulse. */
  rejected?: number;
}

export interface WsStorm {
  /** When the first client of the wave was dropped (absolute monotonic ms). */
  droppedAt: number;
  dropped: number;
  /** From the first drop to every client connected again; undefined if they were not all back by the end. */
  allBackMs?: number;
  attempts: number;
  failures: number;
}

/** What a shape's run gets (inside the load worker). */
export interface LoadContext<Spec> {
  name: string;
  spec: Spec;
  baseUrl: URL;
  sink: EventSink;
  signal: AbortSignal;
  /** The run's cap in ms (startLoad's durationMs): no load outlives it. */
  runMs: number | undefined;
}

export interface LoadShape<S extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  /** One load entry without its `shape` key; bounded defaults. */
  spec: S;
  /** The entry field naming a dependency whose stand-in this shape drives instead of the target (enqueue: `queue`). */
  sendsTo?: string;
  run(ctx: LoadContext<z.output<S>>): Promise<LoadSummary>;
}
