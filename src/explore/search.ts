/**
 * How to search: fast-check drives an async property over generated schedules; each call is one
 * real trial through run.ts (fresh stand-ins, proxy links and target, everything rolled back). After
 * the first failure fast-check shrinks; a candidate counts as failing only if the *same* expectation
 * fails. The smallest failing schedule is replayed to measure how often it reproduces. Every phase is
 * bounded: runs, a total budget (replays included), each trial's own length.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { runPlan } from '../run.js';
import { scenarioToPlan } from '../scenario/plan.js';
import { validateScenario } from '../scenario/load.js';
import type { Scenario } from '../scenario/schema.js';
import type { Verdict } from '../checks/check.js';
import type { RunResult } from '../report/result.js';
import { describeError } from '../errors.js';
import type { ExploreSpace } from './space.js';
import { faultableDependencies, scheduleArbitrary } from './arbitraries.js';
import { propertyExpect } from './property.js';
import { neighbours } from './shrink.js';
import { describeSchedule, faultWindowMs, scheduleSize, trialScenario, type Schedule } from './schedule.js';
import type { TimelineEvent } from '../timeline/events.js';

export type TrialStage = 'probe' | 'search' | 'shrink' | 'replay';
export type TrialOutcome = 'pass' | 'fail' | 'error' | 'skipped';

export interface TrialRecord {
  n: number;
  stage: TrialStage;
  schedule: Schedule;
  text: string;
  outcome: TrialOutcome;
  /** Keys of the expectations that failed. */
  failed: string[];
  /** The failing expectation this trial is about (the property, once one is being shrunk). */
  key?: string;
  /** The failing verdict's summary (the one being shrunk, when shrinking). */
  summary: string;
  wallMs: number;
  phaseMs: number;
}

export interface ExploreOptions {
  scenario: Scenario;
  written: Record<string, unknown>;
  file?: string;
  space: ExploreSpace;
  runs: number;
  budgetMs: number;
  replays: number;
  seed: number;
  path?: string;
  dir: string;
  signal?: AbortSignal;
  allowHosts?: string[];
  toxiproxy?: string;
  onTrial?: (t: TrialRecord, state: ExploreState) => void;
}

export interface ExploreState {
  startedMs: number;
  budgetMs: number;
  runs: number;
  trials: number;
  failures: number;
  shrinkSteps: number;
  property?: string;
}

export interface ExploreOutcome {
  status: 'found' | 'flaky' | 'none' | 'interrupted' | 'error';
  error?: string;
  seed: number;
  path?: string;
  /** The expectation key that failed (the property being shrunk). */
  property?: string;
  /** The expectation itself, as written. */
  expectation?: unknown;
  first?: TrialRecord;
  minimal?: TrialRecord;
  /** Each accepted shrink step, in order (the first failure first). */
  shrinkSteps: TrialRecord[];
  replays: { n: number; reproduced: number; rate: number };
  trials: TrialRecord[];
  /** Failures seen once that did not come back when re-run at once (not shrunk). */
  flaky?: TrialRecord[];
  /** The minimal run's failing verdict, with its failure-mode story. */
  verdict?: Verdict;
  minimalRun?: string;
  calledDependencies: string[];
  /** The target's timeout per dependency, measured by the calibration trial (ms). */
  timeouts?: Record<string, number>;
  elapsedMs: number;
  /** Trial cost: wall time vs the trial's own phases. */
  overhead: { trials: number; meanWallMs: number; meanPhaseMs: number; ratio: number | null };
}

const MAX_CONSECUTIVE_ERRORS = 3;

/** A verdict that could not judge (inconclusive) is no evidence of a bug: only a failure counts for the property. */
const failed = (v: Verdict): boolean => v.status === 'fail';

export async function explore(opts: ExploreOptions): Promise<ExploreOutcome> {
  let o = opts;
  const started = Date.now();
  const trials: TrialRecord[] = [];
  const state: ExploreState = { startedMs: started, budgetMs: o.budgetMs, runs: o.runs, trials: 0, failures: 0, shrinkSteps: 0 };
  const trialBudget = o.space.trial + 15_000; // a trial's own time plus start-up and teardown, generously
  const replayReserve = o.replays * trialBudget;
  const searchDeadline = started + Math.max(o.budgetMs - replayReserve, o.budgetMs * 0.5);
  let property: string | undefined;
  let expectation: unknown;
  let consecutiveErrors = 0;
  let fatal: string | undefined;
  const shrinkSteps: TrialRecord[] = [];
  const called = new Set<string>();
  const timeouts: Record<string, number> = {};

  const runTrial = async (s: Schedule, stage: TrialStage, writeFiles = false, look?: (events: readonly TimelineEvent[]) => void): Promise<{ rec: TrialRecord; result?: RunResult; dir?: string }> => {
    const n = trials.length + 1;
    const t0 = Date.now();
    const expect = propertyExpect(o.scenario, o.written, o.space, s);
    const written = trialScenario(o.written, o.file, o.space, s, expect, `${o.scenario.name} (explore trial ${n})`);
    let rec: TrialRecord;
    let result: RunResult | undefined;
    let dir: string | undefined;
    try {
      const scenario = validateScenario(written, `trial ${n}`);
      const plan = scenarioToPlan(scenario, o.file);
      const out = await runPlan(plan, {
        reportsDir: join(o.dir, 'trials'),
        runId: `${String(n).padStart(3, '0')}-${stage}`,
        writeFiles,
        ...(o.signal ? { signal: o.signal } : {}),
        ...(o.allowHosts ? { allowHosts: o.allowHosts } : {}),
        ...(o.toxiproxy ? { toxiproxy: o.toxiproxy } : {}),
      });
      result = out.result;
      dir = out.dir;
      for (const e of out.timeline.events) if (e.kind === 'dep-request') called.add(e.dependency);
      look?.(out.timeline.events);
      const failedVs = result.verdicts.filter(failed);
      const interrupted = result.outcome === 'interrupted';
      const harness = result.outcome === 'error' && !result.verdicts.length;
      const outcome: TrialOutcome = interrupted ? 'skipped' : harness ? 'error' : failedVs.length ? 'fail' : 'pass';
      const focus = (property && failedVs.find((v) => v.key === property)) || failedVs[0];
      rec = { n, stage, schedule: s, text: describeSchedule(s), outcome, failed: failedVs.map((v) => v.key), ...(focus ? { key: focus.key } : {}), summary: harness ? (result.error ?? 'harness error') : focus ? `${focus.key}: ${focus.summary}` : 'every expectation held', wallMs: Date.now() - t0, phaseMs: result.phases.reduce((a, p) => a + (p.endMs - p.startMs), 0) };
      if (!property && focus) expectation = expect[focus.key];
    } catch (e) {
      rec = { n, stage, schedule: s, text: describeSchedule(s), outcome: 'error', failed: [], summary: describeError(e), wallMs: Date.now() - t0, phaseMs: 0 };
    }
    trials.push(rec);
    state.trials = trials.length;
    if (rec.outcome === 'error') consecutiveErrors++;
    else consecutiveErrors = 0;
    if (consecutiveErrors >= MAX_CONSECUTIVE_ERRORS) fatal = `${MAX_CONSECUTIVE_ERRORS} trials in a row could not run: ${rec.summary}`;
    o.onTrial?.(rec, state);
    return { rec, ...(result ? { result } : {}), ...(dir ? { dir } : {}) };
  };

  // A probe: the target with no faults must hold the property, and shows which dependencies it calls.
  const healthy: Schedule = { tracks: [], loads: Object.fromEntries(Object.keys(o.scenario.load).map((n) => [n, {}])) };
  const probe = await runTrial(healthy, 'probe');
  const done = (status: ExploreOutcome['status'], extra: Partial<ExploreOutcome> = {}): ExploreOutcome => ({
    status,
    seed: o.seed,
    ...(o.path ? { path: o.path } : {}),
    shrinkSteps,
    replays: { n: 0, reproduced: 0, rate: 0 },
    trials,
    calledDependencies: [...called].sort(),
    timeouts,
    elapsedMs: Date.now() - started,
    overhead: overheadOf(trials),
    ...extra,
  });
  if (o.signal?.aborted) return done('interrupted');
  if (probe.rec.outcome !== 'pass') {
    const why = probe.rec.outcome === 'fail' ? `the target fails the property with no faults at all (${probe.rec.summary}); fix the baseline or the invariants first` : `the probe trial could not run: ${probe.rec.summary}`;
    return done('error', { error: why });
  }

  // A candidate equal to one already run gets that trial's answer: fast-check's shrinker can offer
  // values that differ only in how they were generated, and a real trial costs seconds.
  const tried = new Map<string, TrialRecord>();
  const once = async (s: Schedule, stage: TrialStage): Promise<TrialRecord> => {
    const key = JSON.stringify(s);
    const seen = tried.get(key);
    if (seen) return seen;
    const { rec } = await runTrial(s, stage);
    tried.set(key, rec);
    return rec;
  };
  // A shrink step is taken only when the candidate fails again at once: shrinking walks towards the
  // edge where a failure barely shows, and an edge that fails one time in three is no minimal case.
  const confirmed = async (s: Schedule, key: string): Promise<boolean> => {
    if (o.signal?.aborted || Date.now() > searchDeadline) return false;
    const again = await runTrial(s, 'shrink');
    return again.rec.failed.includes(key);
  };
  const deps = faultableDependencies(o.scenario, o.space, called);
  // Calibration: every called dependency hangs for the whole window; how long the target waits on
  // each before giving up is its timeout there, which the generated delays then lean around.
  const hangable = deps.filter((d) => o.scenario.dependencies[d]?.protocol === 'http');
  if (hangable.length && !o.signal?.aborted) {
    const hang: Schedule = { tracks: hangable.map((dependency) => ({ dependency, atMs: 0, steps: [{ fault: { behaviour: 'hang' }, forMs: faultWindowMs(o.space) }] })), loads: healthy.loads };
    const cal = await runTrial(hang, 'probe', false, (events) => {
      for (const d of hangable) {
        const waits = events.filter((e) => e.kind === 'dep-close' && e.dependency === d && e.by === 'client' && e.pending && e.pendingSince !== undefined).map((e) => (e as { t: number; pendingSince: number }).t - (e as { pendingSince: number }).pendingSince).sort((a, b) => a - b);
        if (waits.length >= 3) timeouts[d] = Math.round(waits[Math.floor(waits.length / 2)]!);
      }
    });
    cal.rec.summary = `calibration: ${Object.entries(timeouts).map(([d, ms]) => `${d} timeout ≈ ${ms} ms`).join(', ') || 'no dependency timeout measured (the target never gave up on a hanging call)'}; ${cal.rec.summary}`;
  }
  let best: TrialRecord | undefined;
  let first: TrialRecord | undefined;
  const flaky: TrialRecord[] = [];
  const predicate = async (s: Schedule): Promise<boolean> => {
    // Out of time, interrupted or broken: every further candidate "passes" without running, which
    // ends fast-check's search or shrink at once.
    if (o.signal?.aborted || fatal || Date.now() > searchDeadline) return true;
    if (!property && state.trials - 1 >= o.runs) return true;
    const rec = await once(s, property ? 'shrink' : 'search');
    if (rec.outcome !== 'fail') return true;
    if (!property) {
      // Confirm a first find before shrinking it: a failure that does not come back at once would
      // send the whole shrink budget after noise. Unconfirmed finds are kept as flaky and searching goes on.
      const key = rec.key ?? rec.failed[0]!;
      const again = await runTrial(s, 'search');
      if (!again.rec.failed.includes(key)) {
        flaky.push(rec);
        return true;
      }
      property = key;
      first = rec;
      best = rec;
      state.failures++;
      state.property = property;
      shrinkSteps.push(rec);
      return false;
    }
    if (!rec.failed.includes(property)) return true; // another property failed: not the same bug
    if (rec !== best && !(await confirmed(s, property))) return true;
    if (rec !== best) {
      best = rec;
      state.failures++;
      state.shrinkSteps++;
      shrinkSteps.push(rec);
    }
    return false;
  };

  const arb = scheduleArbitrary(o.scenario, o.space, deps, timeouts);
  const details = await fc.check(fc.asyncProperty(arb, predicate), {
    numRuns: o.runs,
    seed: o.seed,
    ...(o.path ? { path: o.path } : {}),
    interruptAfterTimeLimit: Math.max(1000, searchDeadline - Date.now()),
    markInterruptAsFailure: false,
  });
  // The path fast-check reports replays the shrunk case directly (with the same seed).
  if (details.counterexamplePath) o = { ...o, path: details.counterexamplePath };

  // Finish the shrinking on what the schedule means (bounded by the same deadline).
  if (best && property && !fatal) {
    let improved = true;
    while (improved && !o.signal?.aborted && !fatal && Date.now() < searchDeadline) {
      improved = false;
      for (const cand of neighbours(best.schedule, o.space)) {
        if (o.signal?.aborted || fatal || Date.now() >= searchDeadline) break;
        if (tried.has(JSON.stringify(cand))) continue;
        const rec = await once(cand, 'shrink');
        if (rec.outcome === 'fail' && rec.failed.includes(property) && (await confirmed(cand, property))) {
          best = rec;
          state.shrinkSteps++;
          shrinkSteps.push(rec);
          improved = true;
          break;
        }
      }
    }
  }

  if (fatal) return done('error', { error: fatal, ...(property ? { property, expectation } : {}), ...(first ? { first } : {}), ...(best ? { minimal: best } : {}) });
  if (!best || !property) {
    if (o.signal?.aborted) return done('interrupted');
    // Only unconfirmed finds: report the first as flaky, with its schedule.
    return flaky.length ? done('flaky', { property: flaky[0]!.key ?? flaky[0]!.failed[0]!, first: flaky[0]!, minimal: flaky[0]!, flaky }) : done('none');
  }
  if (o.signal?.aborted) return done('interrupted', { property, expectation, first: first!, minimal: best });

  // Replays of the minimal schedule: how often does it reproduce?
  let reproduced = 0;
  let verdict: Verdict | undefined;
  let minimalRun: string | undefined;
  for (let k = 0; k < o.replays && !o.signal?.aborted; k++) {
    const r = await runTrial(best.schedule, 'replay', true);
    if (r.rec.failed.includes(property)) {
      reproduced++;
      if (!verdict) {
        verdict = r.result?.verdicts.find((v) => v.key === property);
        minimalRun = r.dir;
      }
    }
  }
  const rate = o.replays ? reproduced / o.replays : 0;
  const status = o.signal?.aborted ? 'interrupted' : rate >= 0.5 ? 'found' : 'flaky';
  return done(status, { property, expectation, first: first!, minimal: best, replays: { n: o.replays, reproduced, rate }, ...(verdict ? { verdict } : {}), ...(minimalRun ? { minimalRun } : {}) });
}

function overheadOf(trials: readonly TrialRecord[]): ExploreOutcome['overhead'] {
  const ran = trials.filter((t) => t.phaseMs > 0);
  if (!ran.length) return { trials: 0, meanWallMs: 0, meanPhaseMs: 0, ratio: null };
  const wall = ran.reduce((a, t) => a + t.wallMs, 0) / ran.length;
  const phase = ran.reduce((a, t) => a + t.phaseMs, 0) / ran.length;
  return { trials: ran.length, meanWallMs: Math.round(wall), meanPhaseMs: Math.round(phase), ratio: phase ? Math.round(((wall - phase) / phase) * 1000) / 1000 : null };
}

export { scheduleSize };
