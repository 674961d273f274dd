import { dirname, resolve as resolvePath } from 'node:path';
import { runChecks, runSteadyState } from '../checks/index.js';
import type { RunPlan } from '../run-plan.js';
import { clientTimeoutMs, loadPhases, type Scenario } from './schema.js';
import { resolveScenario } from './resolve.js';

/**
 * A validated scenario as a RunPlan: what run.ts executes. Target references (${deps.x.url}...) are
 * resolved once the run knows its addresses; a relative target.cwd is taken from the scenario's folder,
 * otherwise the target runs in the current directory (where `crumple run` was started).
 */
export function scenarioToPlan(scenario: Scenario, file?: string): RunPlan {
  const target = targetPlan(scenario, file);
  const steadyVerdicts = (ctx: Parameters<RunPlan['judge']>[0]) => runSteadyState(ctx, scenario.expect);
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
    })),
    loads: Object.entries(scenario.load).map(([name, { during, ...entry }]) => {
      const phases = loadPhases(during, scenario.phases.map((p) => p.name));
      if (typeof phases === 'string') throw new Error(`load ${name}: ${phases}`); // validated before: a bug if reached
      return { name, entry, ...(during !== undefined ? { phases } : {}) };
    }),
    phases: scenario.phases.map((p) => ({ name: p.name, durationMs: p.for, faults: p.faults })),
    judge: (ctx) => runChecks(ctx, scenario.expect, { skip: ['steady-state'] }).concat(steadyVerdicts(ctx)),
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
