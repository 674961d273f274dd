/**
 * The property a trial must hold, as `expect` entries in the written form of a scenario file: the
 * built-in invariants (each an ordinary check) plus the scenario's own expectations that still make
 * sense in a generated trial. Being ordinary expectations is what lets a counterexample replay with
 * `crumple run` and fail the same check.
 */
import type { ExploreSpace } from './space.js';
import { schedulePhases, type Schedule } from './schedule.js';
import type { Scenario } from '../scenario/schema.js';

/**
 * Invariants judge mechanisms, not speed: a p99 bound relative to a loopback baseline of a few ms
 * would flag a busy machine as a bug. A second is far beyond noise and far below a hung request.
 */
const NOISE_P99 = '< 1s';

/** Phases every trial has, so expectations naming them survive into trials. */
const KEPT_PHASES = new Set(['baseline', 'recovery']);

export function propertyExpect(scenario: Scenario, written: Record<string, unknown>, space: ExploreSpace, s: Schedule): Record<string, unknown> {
  const inv = space.invariants;
  const out: Record<string, unknown> = {};
  const started = 'command' in scenario.target && scenario.target.command !== undefined;
  if (inv.alive) out.alive = true;
  if (inv.answered) out.answered = true;
  if (inv.recovers && s.tracks.length) out.recovery = { within: `${Math.max(500, space.recovery - 1000)}ms`, p99: NOISE_P99 };
  const faulted = [...new Set(s.tracks.map((t) => t.dependency))];
  if (inv['calls-per-request'] !== false) for (const d of faulted) out[`retries.${d}`] = { dependency: d, amplification: `<= ${inv['calls-per-request']}` };
  if (inv['rss-growth'] !== false && started) out.memory = { growth: inv['rss-growth'].text };
  const on = new Set(Object.keys(scenario.load).filter((n) => s.loads[n] !== null));
  if (inv.isolation) {
    const phases = schedulePhases(space, s);
    for (const [load, l] of Object.entries(space.load)) {
      if (!l.uses || !on.has(load)) continue;
      // The longest fault phase in which none of this load's own dependencies is faulted.
      const apart = phases.filter((p) => p.faults.length && p.durationMs >= 1000 && p.faults.every((f) => !('dependency' in f) || !l.uses!.includes(f.dependency)));
      const longest = apart.sort((a, b) => b.durationMs - a.durationMs)[0];
      if (longest) out[`bulkhead.${load}`] = { load, during: longest.name, p99: NOISE_P99, errors: '< 5%' };
    }
  }
  // The scenario's own expectations, where what they name still exists in a trial.
  const deps = new Set(Object.keys(scenario.dependencies));
  for (const [key, x] of Object.entries((written.expect ?? {}) as Record<string, unknown>)) {
    if (key in out) continue;
    if (x !== null && typeof x === 'object') {
      const r = x as Record<string, unknown>;
      const phase = r.phase ?? r.during;
      if (typeof phase === 'string' && !KEPT_PHASES.has(phase)) continue;
      if (typeof r.load === 'string' && !on.has(r.load)) continue;
      if (typeof r.dependency === 'string' && !deps.has(r.dependency)) continue;
    }
    out[key] = x;
  }
  return out;
}
