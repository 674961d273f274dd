import { dirname, resolve as resolvePath } from 'node:path';
import { checkNameOf, runSteadyState } from '../checks/index.js';
import type { SloExpectation } from '../checks/slo.js';
import type { CheckContext } from '../checks/check.js';
import { CycleJudge, cycleContext, inCycle, judgeCycles } from '../cycle-judge.js';
import type { RunPlan } from '../run-plan.js';
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
    ...slowOf(expect),
    ...(cycles > 1 ? { soak: { cycles, perCycle, judge: () => new CycleJudge(expect, cycles, perCycle) } } : {}),
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

/** Latency objectives' thresholds: the recorder counts slow answers per second, so slo holds over any length. */
function slowOf(expect: Readonly<Record<string, unknown>>): Pick<RunPlan, 'slowMs'> {
  const ms = Object.entries(expect)
    .filter(([k]) => checkNameOf(k) === 'slo')
    .map(([, v]) => (v as SloExpectation).latency?.under)
    .filter((u): u is number => typeof u === 'number');
  return ms.length ? { slowMs: [...new Set(ms)] } : {};
}

/** `toxiproxy: URL` or `toxiproxy: { url, listen, upstream }` as the plan's two fields. */
function toxiproxyOf(scenario: Scenario): Pick<RunPlan, 'toxiproxy' | 'toxiproxyAt'> {
  const t = scenario.toxiproxy;
  if (t === undefined) return {};
  if (typeof t === 'string') return { toxiproxy: t };
  const at = { ...(t.listen ? { listen: t.listen } : {}), ...(t.upstream ? { upstream: t.upstream } : {}) };
  return { toxiproxy: t.url, ...(Object.keys(at).length ? { toxiproxyAt: at } : {}) };
}

export { cycleContext, judgeCycles } from '../cycle-judge.js';

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
