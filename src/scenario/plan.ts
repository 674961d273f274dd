import { dirname, resolve as resolvePath } from 'node:path';
import { checkNameOf, checks, isCheckName, runCheck, runSteadyState } from '../checks/index.js';
import type { CheckContext, PhaseWindow, Verdict } from '../checks/check.js';
import { baselineWindow } from '../checks/query.js';
import type { RunPlan } from '../run-plan.js';
import type { TimelineEvent } from '../timeline/events.js';
import { clientTimeoutMs, cycleCount, loadPhases, type Scenario } from './schema.js';
import { resolveScenario } from './resolve.js';

/**
 * A validated scenario as a RunPlan: what run.ts executes. Target references (${deps.x.url}...) are
 * resolved once the run knows its addresses; a relative target.cwd is taken from the scenario's folder,
 * otherwise the target runs in the current directory (where `crumple run` was started).
 *
 * A soak (`repeat:`) is expanded here: the phases run as cycles named `<phase> #n`, a load bound to
 * phases (`during`) starts again in every cycle, and the verdicts are given per cycle — each check
 * (but those that judge the whole run: drift, slo, capacity) sees one cycle at a time, with its phases
 * under their written names, so `recovery` is judged after every fault and `phase: quiet` means that
 * cycle's quiet phase. Verdict keys get the cycle: `recovery #3`.
 */
export function scenarioToPlan(scenario: Scenario, file?: string): RunPlan {
  const target = targetPlan(scenario, file);
  const perCycle = scenario.phases.length;
  const cycles = cycleCount(scenario.phases.reduce((t, p) => t + p.for, 0), scenario.repeat);
  const named = (name: string, c: number) => (cycles > 1 ? `${name} #${c + 1}` : name);
  const expect: Record<string, unknown> = { ...scenario.expect, ...(scenario.slo !== undefined ? { slo: scenario.slo } : {}) };
  const steadyVerdicts = (ctx: CheckContext) => runSteadyState(cycles > 1 ? cycleContext(ctx, 0, perCycle) : ctx, expect).map((v) => inCycle(v, 0, cycles));
  return {
    name: scenario.name,
    ...(file ? { file } : {}),
    ...(scenario.description ? { description: scenario.description } : {}),
    target,
    dependencies: Object.entries(scenario.dependencies).map(([name, d]) => ({
      name,
      protocol: d.protocol,
      via: d.via,
      behaviour: d.behaviour,
      ...(d.params !== undefined ? { params: d.params } : {}),
      ...(d.contract !== undefined ? { contract: d.contract } : {}),
      ...(d.port !== undefined ? { port: d.port } : {}),
      ...(d.bind !== undefined ? { bind: d.bind } : {}),
      ...(d.toxiproxy !== undefined ? { toxiproxy: d.toxiproxy } : {}),
      ...(d.replicas > 1 ? { replicas: d.replicas } : {}),
      ...(d.idempotency ? { idempotency: d.idempotency } : {}),
      ...(d.queue ? { queue: d.queue } : {}),
    })),
    loads: Object.entries(scenario.load).flatMap(([name, { during, ...entry }]) => {
      const phases = loadPhases(during, scenario.phases.map((p) => p.name));
      if (typeof phases === 'string') throw new Error(`load ${name}: ${phases}`); // validated before: a bug if reached
      if (during === undefined) return [{ name, entry }];
      // A phase-bound load runs again in each cycle's copy of its phases.
      return Array.from({ length: cycles }, (_, c) => ({ name, entry, phases: phases.map((i) => i + c * perCycle) }));
    }),
    phases: Array.from({ length: cycles }, (_, c) => scenario.phases.map((p) => ({ name: named(p.name, c), durationMs: p.for, faults: p.faults }))).flat(),
    judge: (ctx) => judgeCycles(ctx, expect, cycles, perCycle),
    steadyState: (ctx) => {
      const vs = steadyVerdicts(ctx);
      return vs.find((v) => !v.ok) ?? vs[0] ?? null;
    },
    ...toxiproxyOf(scenario),
    ...(scenario.allowHosts ? { allowHosts: scenario.allowHosts } : {}),
    clientTimeoutMs: clientTimeoutMs(scenario),
    ...(scenario.seed !== undefined ? { seed: scenario.seed } : {}),
  };
}

/** `toxiproxy: URL` or `toxiproxy: { url, listen, upstream }` as the plan's two fields. */
function toxiproxyOf(scenario: Scenario): Pick<RunPlan, 'toxiproxy' | 'toxiproxyAt'> {
  const t = scenario.toxiproxy;
  if (t === undefined) return {};
  if (typeof t === 'string') return { toxiproxy: t };
  const at = { ...(t.listen ? { listen: t.listen } : {}), ...(t.upstream ? { upstream: t.upstream } : {}) };
  return { toxiproxy: t.url, ...(Object.keys(at).length ? { toxiproxyAt: at } : {}) };
}

/** Does this expectation's check judge the whole run (drift, slo, capacity) rather than each cycle? */
function judgesRun(key: string): boolean {
  const name = checkNameOf(key);
  return isCheckName(name) && (checks[name] as { judges?: 'cycle' | 'run' }).judges === 'run';
}

/**
 * Every verdict of a run: with one cycle, each expectation once (steady-state last, as the run saw it);
 * with several, whole-run checks once and every other check once per cycle that started.
 */
export function judgeCycles(ctx: CheckContext, expect: Readonly<Record<string, unknown>>, cycles: number, perCycle: number): Verdict[] {
  const entries = Object.entries(expect);
  const ordered = [...entries.filter(([k]) => checkNameOf(k) !== 'steady-state'), ...entries.filter(([k]) => checkNameOf(k) === 'steady-state')];
  if (cycles <= 1) return ordered.map(([key, x]) => runCheck(ctx, key, x));
  const out: Verdict[] = [];
  for (const [key, x] of ordered) {
    if (judgesRun(key)) {
      out.push(runCheck(ctx, key, x));
      continue;
    }
    for (let c = 0; c < cycles; c++) {
      if (!ctx.phases.some((p) => Math.floor(p.index / perCycle) === c)) break; // the run stopped before this cycle
      out.push(inCycle(runCheck(cycleContext(ctx, c, perCycle), key, x), c, cycles));
    }
  }
  return out;
}

/** A verdict of cycle `c` (0-based): keyed `key #n` and marked with its cycle. */
function inCycle(v: Verdict, c: number, cycles: number): Verdict {
  return cycles > 1 ? { ...v, key: `${v.key} #${c + 1}`, cycle: c + 1 } : v;
}

/** Index of the first event at or after t (events are in time order). */
function lowerBound(events: readonly TimelineEvent[], t: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (events[mid]!.t < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * What a check sees of cycle `c`: that cycle's phases under their written names, and the events and
 * seconds from its first phase's start to its last phase's end (the last cycle: to the run's end);
 * from the second cycle on, the first cycle's baseline as the `reference` a recovery gets back to.
 */
export function cycleContext(ctx: CheckContext, c: number, perCycle: number): CheckContext {
  const phases: PhaseWindow[] = ctx.phases
    .filter((p) => Math.floor(p.index / perCycle) === c)
    .map((p) => ({ ...p, index: p.index - c * perCycle, name: p.name.replace(/ #\d+$/, '') }));
  if (!phases.length) return { ...ctx, phases };
  const startMs = phases[0]!.startMs;
  const isLast = !ctx.phases.some((p) => Math.floor(p.index / perCycle) > c);
  const endMs = isLast ? ctx.timeline.endMs : phases[phases.length - 1]!.endMs;
  const all = ctx.timeline.events;
  const own = all.slice(lowerBound(all, startMs), lowerBound(all, endMs + 1));
  if (c === 0) return { ...ctx, phases, timeline: { ...ctx.timeline, endMs, events: own } };
  // Later cycles recover to the first cycle's baseline: its events come along (they are few).
  const first = baselineWindow(cycleContext(ctx, 0, perCycle));
  if (!first) return { ...ctx, phases, timeline: { ...ctx.timeline, endMs, events: own } };
  const reference = { startMs: first.startMs, endMs: first.endMs, label: `${first.label} #1` };
  const events = [...all.slice(lowerBound(all, reference.startMs), lowerBound(all, reference.endMs)), ...own];
  return { ...ctx, phases, reference, timeline: { ...ctx.timeline, endMs, events } };
}

function targetPlan(scenario: Scenario, file?: string): RunPlan['target'] {
  const t = scenario.target;
  if (t.url !== undefined) return { kind: 'url', url: t.url, readyWithinMs: 10_000 };
  return {
    kind: 'command',
    describe: t.command,
    resolve: (addresses) => {
      const r = resolveScenario(scenario, addresses).target;
      if (r.url !== undefined) throw new Error('unreachable: target kind changed while resolving');
      const cwd = r.cwd ? (file ? resolvePath(dirname(file), r.cwd) : r.cwd) : undefined;
      return { command: r.command, env: r.env, ...(cwd ? { cwd } : {}) };
    },
    ready: t.ready.http ? { http: t.ready.http } : { tcp: true },
    readyWithinMs: t.ready.within,
    stop: { signal: t.stop.signal, graceMs: t.stop.grace },
  };
}
