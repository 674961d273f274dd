/**
 * One run, top to bottom: stand-ins → fault proxy → target → load → phases (faults on, wait, faults
 * off) → checks → reports. Everything started is pushed on a rollback stack that unwinds in reverse
 * on success, failure, a dead target or Ctrl-C, and the partial timeline and verdicts are still written.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startStandIn, type StandIn } from '../harness-servers/server.js';
import { CrumpleError, describeError } from './errors.js';
import { applyPhaseFaults, type FaultableDependency } from './faults/phase.js';
import { describeFault, faultSummary } from './faults/fault.js';
import type { Addresses, RunPlan } from './run-plan.js';
import { NetworkFaults } from './faults/network.js';
import { bindOf, guardRunPlacement, isWildcard, proxyAddresses, reachableAt } from './faults/placement.js';
import { startProxyServer } from './proxy/server.js';
import { spawnTarget, type TargetProcess } from './target/process.js';
import { waitReady } from './target/ready.js';
import { startSampler } from './target/sample.js';
import { freePort } from './target/free-port.js';
import { loadTimeouts, startLoad } from './load/index.js';
import type { LoadSummary } from './load/shape.js';
import { sleep } from './safety.js';
import { monotonicMs } from './timeline/clock.js';
import { Recorder } from './timeline/recorder.js';
import { startLagSampler } from './timeline/lag.js';
import type { Timeline } from './timeline/timeline.js';
import type { CheckContext, PhaseWindow, Verdict } from './checks/check.js';
import type { LoadResult, RunOutcome, RunResult } from './report/result.js';
import { exitCodeFor, writeReports } from './report/index.js';
import { formatMs } from './units.js';
import { contractMissesOf, withContractMisses } from './contract/misses.js';

export type { Addresses, TargetPlan, DependencyPlan, RunPlan } from './run-plan.js';

export interface RunOptions {
  reportsDir?: string;
  runId?: string;
  /** External Toxiproxy API URL; overrides the plan's. */
  toxiproxy?: string;
  /** The address stand-ins bind unless a dependency says `bind:` (default 127.0.0.1); off loopback only if allowed. */
  bind?: string;
  allowHosts?: string[];
  signal?: AbortSignal;
  /** One line per event worth telling a person (phase start/end, faults, problems). */
  progress?: (line: string) => void;
  /** Report formats to write (default all). */
  writeFiles?: boolean;
  /** Exit 0 even when some verdicts are inconclusive (none failed). Default: inconclusive exits 1. */
  allowInconclusive?: boolean;
  /**
   * Who sends the loads (default crumple's own, startLoad), and how long they may take to start
   * sending (default 30 s) and to stop (15 s): an external engine (src/export/engine.ts) needs longer.
   */
  loads?: { start?: typeof startLoad; startWithinMs?: number; stopWithinMs?: number };
}

export interface RunOutput {
  result: RunResult;
  dir: string;
  files: string[];
  timeline: Timeline;
}

// Load runs in its own thread, so main-thread lag distorts the stand-ins' timing, not client latency:
// beyond this p99 the dependency-side numbers are suspect.
const LAG_UNTRUSTED_MS = 100;

export async function runPlan(plan: RunPlan, opts: RunOptions = {}): Promise<RunOutput> {
  const progress = opts.progress ?? (() => {});
  const runId = opts.runId ?? makeRunId(plan.name);
  const dir = join(opts.reportsDir ?? 'reports', runId);
  await mkdir(dir, { recursive: true });
  const startedAt = new Date().toISOString();
  const recorder = new Recorder();
  const sink = recorder.record;
  const stack = new RollbackStack();
  const abort = new AbortController();
  const onAbort = () => abort.abort(opts.signal?.reason);
  if (opts.signal?.aborted) onAbort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  stack.push('lag sampler', startLagSampler(sink, 500));

  let outcome: RunOutcome = 'pass';
  let error: string | undefined;
  let steady: Verdict | null = null;
  let stoppedAt: number | undefined;
  let targetUrl = plan.target.kind === 'url' ? plan.target.url : '';
  const depsOut: RunResult['dependencies'] = [];
  const loadSummaries: LoadSummary[] = [];
  const loadKinds = new Map(plan.loads.map((l) => [l.name, l.entry.shape]));
  let proc: TargetProcess | undefined;

  try {
    // 1. Stand-ins, one port each, on loopback unless a bind address was allowed.
    const placeAllow = [...(plan.allowHosts ?? []), ...(opts.allowHosts ?? [])];
    const placeApi = opts.toxiproxy ?? plan.toxiproxy;
    guardRunPlacement({ deps: plan.dependencies, allowHosts: placeAllow, ...(opts.bind ? { runBind: opts.bind } : {}), ...(placeApi ? { apiUrl: placeApi } : {}), ...(plan.toxiproxyAt ? { at: plan.toxiproxyAt } : {}) });
    const standIns = new Map<string, StandIn>();
    for (const d of plan.dependencies) {
      const s = await startStandIn({
        name: d.name,
        protocol: d.protocol,
        host: bindOf(d, opts.bind),
        ...(d.behaviour ? { behaviour: d.behaviour } : {}),
        ...(d.params !== undefined ? { params: d.params } : {}),
        ...(d.contract ? { contract: d.contract } : {}),
        ...(d.port !== undefined && d.via === 'direct' ? { port: d.port } : {}),
        onEvent: sink,
        ...(plan.seed !== undefined ? { seed: plan.seed } : {}),
      });
      stack.push(`stand-in ${d.name}`, () => s.close());
      standIns.set(d.name, s);
    }

    // 2. The fault proxy, only when some dependency goes through it.
    let network: NetworkFaults | undefined;
    const proxied = plan.dependencies.filter((d) => d.via === 'proxy');
    if (proxied.length) {
      let apiUrl = opts.toxiproxy ?? plan.toxiproxy;
      if (!apiUrl) {
        const server = await startProxyServer({ host: '127.0.0.1', port: 0 });
        stack.push('fault proxy', () => server.close());
        apiUrl = server.url;
      }
      network = new NetworkFaults(apiUrl);
      const nf = network;
      stack.push('network faults', () => nf.rollback());
    }
    const addresses: Addresses = { deps: {}, target: { port: 0, url: '', host: '127.0.0.1' } };
    const faultable = new Map<string, FaultableDependency>();
    for (const d of plan.dependencies) {
      const s = standIns.get(d.name)!;
      const bound = bindOf(d, opts.bind);
      let host = isWildcard(bound) ? '127.0.0.1' : bound;
      let port = s.port;
      let proxyName: string | undefined;
      if (d.via === 'proxy' && network) {
        proxyName = `crumple-${d.name}`;
        const at = proxyAddresses({ dependency: d.name, standIn: { host: bound, port: s.port }, apiUrl: network.apiUrl, ...(d.port !== undefined ? { fixedPort: d.port } : {}), ...(d.toxiproxy ? { dep: d.toxiproxy } : {}), ...(plan.toxiproxyAt ? { run: plan.toxiproxyAt } : {}) });
        const { listen } = await network.ensureProxy(proxyName, at.upstream, at.listen);
        ({ host, port } = reachableAt(listen, network.apiUrl));
      }
      const scheme = d.protocol === 'ws' ? 'ws' : 'http';
      const url = `${scheme}://${host}:${port}`;
      addresses.deps[d.name] = { url, host, port };
      depsOut.push({ name: d.name, via: d.via, protocol: d.protocol, url });
      faultable.set(d.name, {
        // `refuse` closes the listener and switching away re-binds it: wait until that is done.
        setBehaviour: async (n, p) => {
          s.setBehaviour(n, p);
          await s.settled();
        },
        behaviour: () => s.behaviour(),
        ...(proxyName ? { proxy: proxyName } : {}),
      });
    }

    // 3. The target: spawned in its own process group, or reached by URL.
    if (plan.target.kind === 'command') {
      const port = await freePort();
      addresses.target = { port, host: '127.0.0.1', url: `http://127.0.0.1:${port}` };
      const r = plan.target.resolve(addresses);
      progress(`starting target: ${r.command}`);
      proc = spawnTarget({ command: r.command, ...(r.cwd ? { cwd: r.cwd } : {}), env: r.env, logDir: dir, sink });
      const p = proc;
      const stop = plan.target.stop;
      stack.push('target', () => p.stop(stop?.graceMs, stop?.signal));
      const took = await waitReady({ host: '127.0.0.1', port, probe: plan.target.ready, withinMs: plan.target.readyWithinMs, proc, signal: abort.signal });
      progress(`target ready after ${formatMs(took)} on ${addresses.target.url} (pid ${proc.pid})`);
      stack.push('rss sampler', startSampler(proc.pid, sink, 500));
      targetUrl = addresses.target.url;
    } else {
      const u = new URL(plan.target.url);
      addresses.target = { port: Number(u.port || 80), host: u.hostname, url: plan.target.url };
      if (plan.target.ready) {
        await waitReady({ host: u.hostname, port: addresses.target.port, probe: plan.target.ready, withinMs: plan.target.readyWithinMs, signal: abort.signal });
      }
    }

    // 4. Loads, off the main thread: whole-run loads now, phase-bound ones when their first phase starts.
    const allowHosts = [...(plan.allowHosts ?? []), ...(opts.allowHosts ?? [])];
    const running: { name: string; stop: AbortController; run: ReturnType<typeof startLoad>; lastPhase: number }[] = [];
    const launch = (l: RunPlan['loads'][number]) => {
      const first = l.phases?.[0] ?? 0;
      const lastPhase = l.phases?.at(-1) ?? plan.phases.length - 1;
      const durationMs = plan.phases.slice(first, lastPhase + 1).reduce((a, p) => a + p.durationMs, 0) + 1000;
      const stop = new AbortController();
      const run = (opts.loads?.start ?? startLoad)(l.name, l.entry, { baseUrl: targetUrl, sink, signal: stop.signal, durationMs, allowHosts });
      running.push({ name: l.name, stop, run, lastPhase });
      return run.started;
    };
    abort.signal.addEventListener('abort', () => running.forEach((r) => r.stop.abort()), { once: true });
    stack.push('load', async () => {
      running.forEach((r) => r.stop.abort());
      const rs = await withTimeout(Promise.allSettled(running.map((r) => r.run.done)), opts.loads?.stopWithinMs ?? 15_000);
      rs?.forEach((r, i) => {
        if (r.status === 'fulfilled') loadSummaries.push(r.value);
        else progress(`load ${running[i]!.name} failed: ${describeError(r.reason)}`);
      });
    });
    // Phases start once every load is sending: the baseline must not be judged on an idle target.
    await withTimeout(Promise.all(plan.loads.filter((l) => !l.phases).map(launch)), opts.loads?.startWithinMs ?? 30_000);

    // 5. Phases: faults on, wait, faults off.
    for (const [i, phase] of plan.phases.entries()) {
      if (abort.signal.aborted) break;
      const faultText = phase.faults.length ? phase.faults.map(describeFault).join(', ') : 'no faults';
      progress(`▶ phase ${i + 1}/${plan.phases.length} '${phase.name}' for ${formatMs(phase.durationMs)}: ${faultText}`);
      sink({ kind: 'phase', t: monotonicMs(), index: i, name: phase.name, edge: 'start' });
      await withTimeout(Promise.all(plan.loads.filter((l) => l.phases?.[0] === i).map(launch)), opts.loads?.startWithinMs ?? 30_000);
      const undo = await applyPhaseFaults({ phase: phase.name, faults: phase.faults, deps: faultable, ...(network ? { network } : {}), sink });
      stack.push(`faults of ${phase.name}`, undo);
      await sleep(phase.durationMs, abort.signal);
      await stack.popRun(); // clear this phase's faults before the next
      running.filter((r) => r.lastPhase === i).forEach((r) => r.stop.abort());
      sink({ kind: 'phase', t: monotonicMs(), index: i, name: phase.name, edge: 'end' });
      progress(`  ${phaseLine(recorder.timeline(), plan.loads.map((l) => l.name))}`);
      if (proc && !proc.alive()) progress(`  target exited during '${phase.name}'`);
      if (i === 0 && plan.steadyState && plan.phases.length > 1) {
        steady = plan.steadyState(checkContext(recorder.timeline(), plan));
        if (steady?.status === 'fail') {
          outcome = 'not-healthy';
          progress(`target not healthy before faults: ${steady.summary}`);
          break;
        }
      }
    }
    if (abort.signal.aborted) throw new CrumpleError('INTERRUPTED', `interrupted (${describeError(abort.signal.reason ?? 'signal')})`);
  } catch (e) {
    stoppedAt = monotonicMs();
    outcome = abort.signal.aborted ? 'interrupted' : 'error';
    error = describeError(e);
    if (e instanceof CrumpleError && e.details.length) error += `\n${e.details.join('\n')}`;
    progress(`run stopped: ${error}`);
  } finally {
    const problems = await stack.unwind();
    if (problems.length) {
      error = [error, 'rollback problems:', ...problems].filter(Boolean).join('\n');
      if (outcome === 'pass') outcome = 'error';
    }
    opts.signal?.removeEventListener('abort', onAbort);
  }

  // 6. Verdicts from the recorded timeline, then reports (also for a partial run: the phases that
  // completed are judged; checks whose windows did not complete are inconclusive and say why).
  const timeline = recorder.timeline();
  const stopped = outcome === 'interrupted' || outcome === 'error' ? { atMs: stoppedAt ?? timeline.endMs, reason: outcome === 'interrupted' ? 'interrupted' : (error ?? 'error').split('\n')[0]! } : undefined;
  const ctx = checkContext(timeline, plan, stopped);
  let verdicts: Verdict[] = [];
  if (outcome === 'not-healthy') verdicts = steady ? [steady] : [];
  else {
    try {
      verdicts = plan.judge(ctx);
    } catch (e) {
      if (outcome === 'pass') outcome = 'error';
      error = [error, `checks failed to run: ${describeError(e)}`].filter(Boolean).join('\n');
    }
    if (outcome === 'pass' && verdicts.some((v) => v.status === 'fail')) outcome = 'fail';
    else if (outcome === 'pass' && verdicts.some((v) => v.status === 'inconclusive')) outcome = 'inconclusive';
  }
  const result = buildResult({ plan, runId, startedAt, timeline, ctx, verdicts, outcome, error, targetUrl, depsOut, loadSummaries, loadKinds, allowInconclusive: opts.allowInconclusive === true });
  const files = opts.writeFiles === false ? [] : await writeReports(result, dir);
  return { result, dir, files, timeline };
}

function checkContext(timeline: Timeline, plan: RunPlan, stopped?: CheckContext['stopped']): CheckContext {
  return {
    timeline,
    phases: phaseWindows(timeline, plan),
    dependencies: plan.dependencies.map((d) => d.name),
    loads: plan.loads.map((l) => l.name),
    clientTimeoutMs: plan.clientTimeoutMs,
    loadTimeoutsMs: loadTimeouts(plan.loads),
    ...(stopped ? { stopped } : {}),
  };
}

/** Phase windows from the recorded phase and fault events (absolute ms, like events). */
export function phaseWindows(timeline: Timeline, plan: Pick<RunPlan, 'phases'>): PhaseWindow[] {
  const out: PhaseWindow[] = [];
  for (const e of timeline.events) {
    if (e.kind !== 'phase') continue;
    if (e.edge === 'start') {
      const faults = (plan.phases[e.index]?.faults ?? []).map(faultSummary);
      out.push({ index: e.index, name: e.name, startMs: e.t, endMs: timeline.endMs, faults, incomplete: true });
    } else {
      const w = out.find((p) => p.index === e.index);
      if (w) {
        w.endMs = e.t;
        // Cut short (Ctrl-C, an error): the phase ended before its planned length (timers never fire early).
        const planned = plan.phases[e.index]?.durationMs ?? 0;
        if (e.t - w.startMs >= planned - 50) delete w.incomplete;
      }
    }
  }
  return out;
}

function buildResult(a: {
  plan: RunPlan;
  runId: string;
  startedAt: string;
  timeline: Timeline;
  ctx: CheckContext;
  verdicts: Verdict[];
  outcome: RunOutcome;
  error: string | undefined;
  targetUrl: string;
  depsOut: RunResult['dependencies'];
  loadSummaries: LoadSummary[];
  loadKinds: Map<string, string>;
  allowInconclusive: boolean;
}): RunResult {
  const { timeline } = a;
  const lags = timeline.events.filter((e) => e.kind === 'lag');
  const lagP99 = lags.length ? Math.max(...lags.map((l) => l.p99Ms)) : null;
  const lagMax = lags.length ? Math.max(...lags.map((l) => l.maxMs)) : null;
  const rss = timeline.events.filter((e) => e.kind === 'target-sample').map((e) => e.rssBytes);
  const exitCode = exitCodeFor(a.outcome, a.allowInconclusive);
  const loads: LoadResult[] = a.plan.loads.map((l) => {
    const s = a.loadSummaries.find((x) => x.load === l.name);
    const errors = s ? Object.values(s.errors).reduce((x, y) => x + (y ?? 0), 0) : 0;
    return {
      name: l.name,
      shape: a.loadKinds.get(l.name) ?? l.entry.shape,
      requests: s?.requests ?? 0,
      ok: s?.ok ?? 0,
      errors: errors + (s ? s.requests - s.ok - errors : 0),
      p50Ms: s ? s.p50Ms : null,
      p99Ms: s ? s.p99Ms : null,
      rps: s?.rps ?? 0,
      ...(s ? shapeDetails(s, timeline.startMs) : {}),
    };
  });
  const dropped = Object.values(timeline.dropped).reduce((x, y) => x + (y ?? 0), 0);
  return {
    schema: 1,
    runId: a.runId,
    scenario: { name: a.plan.name, ...(a.plan.file ? { file: a.plan.file } : {}), ...(a.plan.description ? { description: a.plan.description } : {}) },
    target: { ...(a.plan.target.kind === 'command' ? { command: a.plan.target.describe } : {}), url: a.targetUrl },
    startedAt: a.startedAt,
    durationMs: Math.round(timeline.endMs - timeline.startMs),
    outcome: a.outcome,
    exitCode,
    ...(a.error ? { error: a.error } : {}),
    phases: a.ctx.phases.map((p) => ({ ...p, startMs: p.startMs - timeline.startMs, endMs: p.endMs - timeline.startMs })),
    seconds: [...timeline.seconds],
    verdicts: a.verdicts,
    harness: { lagged: lagP99 !== null && lagP99 > LAG_UNTRUSTED_MS, lagP99Ms: lagP99, lagMaxMs: lagMax, droppedEvents: dropped },
    dependencies: withContractMisses(a.depsOut, contractMissesOf(timeline)),
    loads,
    ...(rss.length ? { targetRss: { startBytes: rss[0]!, endBytes: rss[rss.length - 1]!, maxBytes: Math.max(...rss) } } : {}),
  };
}

/** What a shape found beyond the counts (ramp steps and capacity, dogpile pulses, ws-storm waves), times run-relative. */
function shapeDetails(s: LoadSummary, startMs: number): Partial<LoadResult> {
  const rel = (t: number) => Math.round((t - startMs) * 1000) / 1000;
  return {
    ...(s.corrected ? { corrected: s.corrected } : {}),
    ...(s.steps?.length ? { steps: s.steps } : {}),
    ...(s.capacity ? { capacity: s.capacity } : {}),
    ...(s.pulses?.length ? { pulses: s.pulses.map((p) => ({ ...p, t: rel(p.t) })) } : {}),
    ...(s.limit ? { limit: s.limit } : {}),
    ...(s.storms?.length ? { storms: s.storms.map((w) => ({ ...w, droppedAt: rel(w.droppedAt) })) } : {}),
  };
}

/** "inventory hangs: 1512 requests, 61% ok, p99 1.02 s" for the phase that just ended. */
function phaseLine(t: Timeline, loads: string[]): string {
  const phases = t.events.filter((e) => e.kind === 'phase');
  const start = [...phases].reverse().find((e) => e.kind === 'phase' && e.edge === 'start');
  if (!start || start.kind !== 'phase') return '';
  const from = Math.floor((start.t - t.startMs) / 1000);
  const parts = loads.map((name) => {
    let count = 0;
    let ok = 0;
    let p99 = 0;
    for (const s of t.seconds) {
      if (s.second < from) continue;
      const l = s.loads[name];
      if (!l) continue;
      count += l.count;
      ok += l.ok;
      p99 = Math.max(p99, l.p99Ms);
    }
    return `${name} ${count} req, ${count ? Math.round((100 * ok) / count) : 0}% ok, p99 ≤ ${formatMs(p99)}`;
  });
  return `${start.name}: ${parts.join('; ') || 'no load'}`;
}

/** The default run folder name: time + scenario name + a random suffix. */
export function makeRunId(name: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'run';
  return `${stamp}-${slug}-${Math.random().toString(36).slice(2, 6)}`;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  return Promise.race([p, new Promise<undefined>((r) => setTimeout(() => r(undefined), ms).unref())]);
}

/** LIFO of things to undo; each runs once, errors are collected, never thrown. */
class RollbackStack {
  private readonly items: { label: string; fn: () => unknown }[] = [];
  push(label: string, fn: () => unknown): void {
    this.items.push({ label, fn });
  }
  /** Runs the most recent item now (e.g. a phase's faults at its end); throws its error. */
  async popRun(): Promise<void> {
    const item = this.items.pop();
    if (item) await item.fn();
  }
  async unwind(): Promise<string[]> {
    const problems: string[] = [];
    while (this.items.length) {
      const { label, fn } = this.items.pop()!;
      try {
        await withTimeout(Promise.resolve(fn()), 20_000);
      } catch (e) {
        problems.push(`${label}: ${describeError(e)}`);
      }
    }
    return problems;
  }
}
