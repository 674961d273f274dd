/**
 * A fault schedule (what one trial does) and the scenario it becomes. A trial is an ordinary
 * scenario, written in the same form as a user's file: `crumple run` of the written trial is the
 * trial, which is how a counterexample replays exactly.
 */
import { isAbsolute, resolve as resolvePath, dirname } from 'node:path';
import { describeFault, writtenFault, type DependencyFault as Fault, type FaultBody } from '../faults/fault.js';
import { formatMs } from '../units.js';
import type { ExploreSpace } from './space.js';

/** One fault held for a while on one dependency. */
export interface Step {
  fault: FaultBody;
  forMs: number;
}
/** A sequence of steps on one dependency, starting `atMs` into the fault window. */
export interface Track {
  dependency: string;
  atMs: number;
  steps: Step[];
}
/** What one trial varies: faults over time, and each load's rate (null: left out). */
export interface Schedule {
  tracks: Track[];
  loads: Record<string, { rate?: number } | null>;
}

/** The fault window of a trial: between the healthy baseline and the recovery window. */
export const faultWindowMs = (space: ExploreSpace): number => space.trial - space.baseline - space.recovery;

export interface TrialPhase {
  name: string;
  durationMs: number;
  faults: Fault[];
}

/**
 * The schedule as consecutive phases: `baseline`, then one phase per stretch in which the same faults
 * are active (clipped to the fault window), then `recovery`. Steps past the window are dropped.
 */
export function schedulePhases(space: ExploreSpace, s: Schedule): TrialPhase[] {
  const window = faultWindowMs(space);
  const spans: { from: number; to: number; fault: Fault }[] = [];
  for (const t of s.tracks) {
    let at = t.atMs;
    for (const step of t.steps) {
      const from = Math.min(at, window);
      const to = Math.min(at + step.forMs, window);
      if (to > from) spans.push({ from, to, fault: { dependency: t.dependency, ...step.fault } as Fault });
      at += step.forMs;
    }
  }
  const cuts = [...new Set([0, window, ...spans.flatMap((x) => [x.from, x.to])])].sort((a, b) => a - b);
  const phases: TrialPhase[] = [{ name: 'baseline', durationMs: space.baseline, faults: [] }];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const [from, to] = [cuts[i]!, cuts[i + 1]!];
    const faults = spans.filter((x) => x.from <= from && x.to >= to).map((x) => x.fault);
    const prev = phases.at(-1)!;
    // Merge stretches with the same faults (a track's boundary on another dependency's quiet time).
    if (phases.length > 1 && sameFaults(prev.faults, faults)) {
      prev.durationMs += to - from;
      continue;
    }
    // Whole milliseconds in the name: rounded ones could name two phases alike.
    phases.push({ name: `${faults.length ? 'faults' : 'calm'} @${(from / 1000).toFixed(3)}s`, durationMs: to - from, faults });
  }
  phases.push({ name: 'recovery', durationMs: space.recovery, faults: [] });
  return phases;
}

const sameFaults = (a: readonly Fault[], b: readonly Fault[]) => a.length === b.length && a.every((f, i) => JSON.stringify(f) === JSON.stringify(b[i]));

/** "inventory → status status=503 for 1.20 s, then → reset for 800 ms (at +0 ms) | ..." */
export function describeSchedule(s: Schedule): string {
  const tracks = s.tracks.map((t) => `${t.dependency}: ${t.steps.map((x) => `${describeFault(x.fault)} for ${formatMs(x.forMs)}`).join(', then ')} (at +${t.atMs ? formatMs(t.atMs) : '0 s'})`);
  const loads = Object.entries(s.loads).map(([n, l]) => (l === null ? `${n} off` : l.rate !== undefined ? `${n} ${Math.round(l.rate)}/s` : n));
  return `${tracks.join(' | ') || 'no faults'}; load: ${loads.join(', ') || 'as written'}`;
}

/** Size for "smaller": fewer faults, fewer steps, shorter, lower rates (how shrinking is reported). */
export function scheduleSize(s: Schedule): { faults: number; steps: number; faultMs: number; rate: number } {
  return {
    faults: s.tracks.length,
    steps: s.tracks.reduce((n, t) => n + t.steps.length, 0),
    faultMs: s.tracks.reduce((n, t) => n + t.steps.reduce((m, x) => m + x.forMs, 0), 0),
    rate: Object.values(s.loads).reduce((n, l) => n + (l?.rate ?? 0), 0),
  };
}

/**
 * The written scenario of one trial: the base file's target, dependencies and loads (rates and
 * omissions from the schedule), the schedule's phases, and `expect` = the property. Relative paths
 * are made absolute so the file replays from wherever it is written.
 */
export function trialScenario(base: Record<string, unknown>, baseFile: string | undefined, space: ExploreSpace, s: Schedule, expect: Record<string, unknown>, name: string): Record<string, unknown> {
  // A trial is one pass of its own phases: no soak repeat, no game-day runbook.
  const { explore: _explore, phases: _phases, expect: _expect, repeat: _repeat, halt: _halt, steps: _steps, ...rest } = base;
  const out: Record<string, unknown> = { ...structuredClone(rest), name };
  const target = out.target as Record<string, unknown> | undefined;
  if (target && typeof target.cwd === 'string' && !isAbsolute(target.cwd) && baseFile) target.cwd = resolvePath(dirname(baseFile), target.cwd);
  for (const d of Object.values((out.dependencies ?? {}) as Record<string, Record<string, unknown>>)) {
    if (d && typeof d.contract === 'string' && !isAbsolute(d.contract) && baseFile) d.contract = resolvePath(dirname(baseFile), d.contract);
  }
  const loads = { ...((out.load ?? {}) as Record<string, Record<string, unknown>>) };
  for (const [n, l] of Object.entries(s.loads)) {
    if (l === null) delete loads[n];
    else if (l.rate !== undefined && loads[n]) loads[n] = { ...loads[n], rate: `${Math.max(1, Math.round(l.rate))}/s` };
  }
  // Loads bound to the base file's phases (during) run for the whole trial: those phases are gone.
  for (const [n, l] of Object.entries(loads)) if (l && 'during' in l) loads[n] = Object.fromEntries(Object.entries(l).filter(([k]) => k !== 'during'));
  out.load = loads;
  out.phases = schedulePhases(space, s).map((p) => ({ name: p.name, for: `${Math.round(p.durationMs)}ms`, ...(p.faults.length ? { faults: p.faults.map(writtenFault) } : {}) }));
  out.expect = expect;
  return out;
}
