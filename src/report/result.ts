import type { PhaseWindow, Verdict } from '../checks/check.js';
import type { SecondSummary } from '../timeline/timeline.js';
import type { ContractMisses } from '../contract/misses.js';
import type { DogpilePulse, LoadSummary, RampStep, WsStorm } from '../load/shape.js';

/** `inconclusive`: no check failed but at least one could not judge (exit 1 unless --allow-inconclusive). */
export const RUN_OUTCOMES = ['pass', 'fail', 'inconclusive', 'not-healthy', 'error', 'interrupted'] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

export interface LoadResult {
  name: string;
  shape: string;
  requests: number;
  ok: number;
  errors: number;
  p50Ms: number | null;
  p99Ms: number | null;
  rps: number;
  /** Fixed-rate loads: latency from the intended send time (coordinated omission corrected). */
  corrected?: LoadSummary['corrected'];
  /** Ramp: each step's offered rate, throughput and p99, and the capacity found. */
  steps?: RampStep[];
  capacity?: LoadSummary['capacity'];
  /** Dogpile: each pulse (`t` relative to the run's start, ms), and what findLimit found. */
  pulses?: DogpilePulse[];
  limit?: LoadSummary['limit'];
  /** ws-storm: each reconnect wave (`droppedAt` relative to the run's start, ms). */
  storms?: WsStorm[];
}

/** One entry of a game day's journal (`crumple gameday`): who did what, when, and how long recovery took. */
export interface JournalEntry {
  /** ms since the run's start. */
  atMs: number;
  /** Wall-clock ISO time. */
  at: string;
  action: string;
  /** Which terminal: "console", "ann@pts/3", "runbook", "timer", "halt". */
  by: string;
  text: string;
  id?: number;
  /** Clearances and expiries: ms from clearing until the baseline's success rate and p99 were back (MTTR). */
  recoveredMs?: number | null;
  /** How that was measured, or why it could not be. */
  recovery?: string;
}

/** Everything a report renders; written as report.json and re-rendered by `crumple report`. */
export interface RunResult {
  schema: 1;
  runId: string;
  scenario: { name: string; file?: string; description?: string };
  target: { command?: string; url: string };
  /** Wall-clock ISO time of the start. */
  startedAt: string;
  durationMs: number;
  outcome: RunOutcome;
  exitCode: 0 | 1 | 2;
  error?: string;
  /** Phase windows with times relative to the run's start (ms). */
  phases: PhaseWindow[];
  /** Per-second summary of the timeline (second 0 = run start). */
  seconds: SecondSummary[];
  verdicts: Verdict[];
  harness: { lagged: boolean; lagP99Ms: number | null; lagMaxMs: number | null; droppedEvents: number };
  /** `contractMisses`: requests the stand-in's contract did not cover (absent when none). */
  dependencies: { name: string; via: 'proxy' | 'direct'; protocol: 'http' | 'ws'; url: string; /** `replicas: N`: every replica's URL, replica 1 first (url is replica 1's). */ urls?: string[]; contractMisses?: ContractMisses }[];
  loads: LoadResult[];
  targetRss?: { startBytes: number | null; endBytes: number | null; maxBytes: number | null };
  /** A game day's journal (absent for `crumple run`). */
  journal?: JournalEntry[];
}
