import type { z } from 'zod';
import type { Timeline } from '../timeline/timeline.js';
import type { FaultKind } from '../faults/kind.js';

/** Release It!'s stability antipatterns that a failing check can reveal (catalogue: src/report/failure-modes.ts). */
export type FailureModeId =
  | 'integration-point-without-timeout'
  | 'cascading-failure'
  | 'blocked-threads'
  | 'slow-responses'
  | 'unbounded-result-set'
  | 'retry-storm'
  | 'chain-reaction'
  | 'unbalanced-capacity'
  | 'crash-on-bad-input'
  | 'memory-growth'
  | 'resource-leak'
  | 'slow-failure'
  | 'no-recovery'
  | 'slo-breach'
  | 'slow-restart'
  | 'no-failover'
  | 'no-fallback'
  | 'double-apply'
  | 'lost-message'
  | 'noisy-neighbour'
  | 'dogpile';

/** A failure found in this run, told with the run's own numbers. */
export interface FailureFinding {
  id: FailureModeId;
  /** What started it ("inventory hung at 10.0 s"). */
  trigger: string;
  /** How it spread ("the target kept 212 connections open to it for the whole phase"). */
  spread: string;
  /** What users saw ("p99 rose from 14 ms to 30 s; clients timed out"). */
  result: string;
}

export interface Evidence {
  label: string;
  value: string | number | boolean | null;
}

/**
 * What a check concluded. `inconclusive`: it saw nothing it could judge (no requests in its window, a
 * window the run never finished, a figure it could not measure); never a pass, never a silent fail.
 */
export type VerdictStatus = 'pass' | 'fail' | 'inconclusive';
export const VERDICT_STATUSES = ['pass', 'fail', 'inconclusive'] as const satisfies readonly VerdictStatus[];

export interface Verdict {
  /** The check's table key (timeout, breaker...). */
  check: string;
  /** The expect entry it came from, e.g. "timeout" or "latency.checkout". */
  key: string;
  status: VerdictStatus;
  /** Derived: `status === 'pass'` (kept for readers of older report.json files). */
  ok: boolean;
  /** Set when inconclusive: why the check could not judge. */
  reason?: string;
  /** One line with measured numbers: "gave up on inventory after 1003 ms (p50), bound 1 s". */
  summary: string;
  /** The key numbers, machine-readable (ms, counts, ratios); null when not measurable. */
  measured: Record<string, number | string | null>;
  evidence: Evidence[];
  failureMode?: FailureFinding;
  /** Set when the harness lagged enough to distort what this check measured. */
  untrustworthy?: string;
  /** A soak's cycle this verdict judged (1, 2...); absent for a verdict on the whole run. */
  cycle?: number;
}

/** A phase as run: times are absolute monotonic ms like events. */
export interface PhaseWindow {
  index: number;
  name: string;
  startMs: number;
  endMs: number;
  /**
   * `kinds`: what the caller meets under the fault (from the tables; composites give several).
   * `replica`: the one stand-in of a replicated dependency the fault hit (absent: all of them).
   * A fault on the target process has type 'target' and dependency '(target)'.
   */
  faults: { dependency: string; replica?: number; fault: string; type: 'behaviour' | 'toxic' | 'target'; kinds: FaultKind[] }[];
  /** The run stopped (interrupted, an error) before this phase ended: endMs is when it stopped. */
  incomplete?: true;
}

/** What a check may know besides the timeline: the run's shape, never live objects. */
export interface CheckContext {
  timeline: Timeline;
  phases: readonly PhaseWindow[];
  dependencies: readonly string[];
  loads: readonly string[];
  /** The timeout crumple's own load clients use, to tell their give-ups from the target's. */
  clientTimeoutMs: number;
  /** Each load's own client timeout (ms), when known; clientTimeoutMs is the longest of them. */
  loadTimeoutsMs?: Readonly<Record<string, number>>;
  /** Set when the run ended early (Ctrl-C, an error): windows reaching past `atMs` cannot be judged. */
  stopped?: { atMs: number; reason: string };
  /**
   * The healthy state to get back to, when it lies outside this context's own phases: a soak's later
   * cycles recover to the first cycle's baseline, not to their own (which a stuck target spoils).
   */
  reference?: { startMs: number; endMs: number; label: string };
}

/** A check: a pure function of the recorded timeline and its expectation. */
export interface Check<S extends z.ZodType = z.ZodType> {
  name: string;
  /** One line for `crumple validate --help`-style listings and report cards. */
  description: string;
  /** The expectation's schema; the scenario schema composes these. */
  expectation: S;
  /**
   * What a soak's verdicts cover: `cycle` (default) judges each cycle of the phases on its own (the
   * recovery after every fault); `run` judges the whole run once (trends, budgets, capacity).
   */
  judges?: 'cycle' | 'run';
  run(ctx: CheckContext, expectation: z.infer<S>, key: string): Verdict;
}
