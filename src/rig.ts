/**
 * The harness a run stands on, shared by run.ts and gameday/: one stand-in per dependency, the fault
 * proxy and its links, the target (spawned in its own process group, or reached by URL), loads off the
 * main thread, and the rollback stack every one of them is pushed on. Also the RunResult built from
 * what was recorded, so that a run and a game day write the same reports.
 * Guarantee: whatever start() got to before it threw is on the stack, and the stack undoes it.
 */
import { startStandIn, type StandIn } from '../harness-servers/server.js';
import { startQueueStandIn } from '../harness-servers/queue/server.js';
import { describeError } from './errors.js';
import type { FaultableDependency } from './faults/phase.js';
import type { Addresses, RunPlan } from './run-plan.js';
import { NetworkFaults } from './faults/network.js';
import { startProxyServer } from './proxy/server.js';
import { bindOf, guardRunPlacement, isWildcard, proxyAddresses, reachableAt } from './faults/placement.js';
import { TargetControl } from './target/control.js';
import { waitReady } from './target/ready.js';
import { freePort } from './target/free-port.js';
import { loadShapes, startLoad } from './load/index.js';
import type { LoadSummary } from './load/shape.js';
import type { EventSink } from './timeline/events.js';
import type { Timeline } from './timeline/timeline.js';
import type { CheckContext, Verdict } from './checks/check.js';
import { LAG_MAX_MS, LAG_P99_MS } from './checks/query.js';
import type { LoadResult, RunOutcome, RunResult } from './report/result.js';
import { formatMs } from './units.js';
import { exitCodeFor } from './report/index.js';
import { contractMissesOf, withContractMisses } from './contract/misses.js';

export interface RigOptions {
  /** The run folder: the target's stdout/stderr go there. */
  dir: string;
  sink: EventSink;
  stack: RollbackStack;
  /** Aborts readiness waits and stops every load. */
  signal: AbortSignal;
  progress: (line: string) => void;
  /** External Toxiproxy API URL; overrides the plan's. */
  toxiproxy?: string;
  /** The address stand-ins bind unless a dependency says `bind:` (default 127.0.0.1); off loopback only if allowed. */
  bind?: string;
  allowHosts?: string[];
  /**
   * Who sends the loads (default crumple's own, startLoad), and how long they may take to stop
   * (default 15 s): an external engine (src/export/engine.ts) needs longer.
   */
  loads?: { start?: typeof startLoad; startWithinMs?: number; stopWithinMs?: number };
}

type PlannedLoad = RunPlan['loads'][number];

/** What start() brought up. Fields are filled as it goes, so a failed start still reports what it reached. */
export class Rig {
  /** Replica 1 of each dependency (its only stand-in without `replicas`). */
  readonly standIns = new Map<string, StandIn>();
  /** Every stand-in of each dependency, replica 1 first. */
  readonly replicas = new Map<string, StandIn[]>();
  /** What faults may switch, per dependency (its stand-in, and its proxy link when via: proxy). */
  readonly faultable = new Map<string, FaultableDependency>();
  readonly addresses: Addresses = { deps: {}, target: { port: 0, url: '', host: '127.0.0.1' } };
  readonly dependencies: RunResult['dependencies'] = [];
  /** Summaries of the loads, collected when the stack stops them. */
  readonly loadSummaries: LoadSummary[] = [];
  network: NetworkFaults | undefined;
  target: TargetControl | undefined;
  targetUrl: string;
  private readonly running: { name: string; stop: AbortController; run: ReturnType<typeof startLoad> }[] = [];

  constructor(
    readonly plan: RunPlan,
    private readonly opts: RigOptions,
  ) {
    this.targetUrl = plan.target.kind === 'url' ? plan.target.url : '';
  }

  /** Stand-ins, proxy links, then the target until it is ready; every piece pushed on the stack. */
  async start(): Promise<void> {
    const { plan, opts } = this;
    const { sink, stack } = opts;
    // 1. Stand-ins, one port each, on loopback unless a bind address was allowed.
    const placeAllow = [...(plan.allowHosts ?? []), ...(opts.allowHosts ?? [])];
    const placeApi = opts.toxiproxy ?? plan.toxiproxy;
    guardRunPlacement({ deps: plan.dependencies, allowHosts: placeAllow, ...(opts.bind ? { runBind: opts.bind } : {}), ...(placeApi ? { apiUrl: placeApi } : {}), ...(plan.toxiproxyAt ? { at: plan.toxiproxyAt } : {}) });
    // `replicas: N`: N stand-ins for the dependency, replica 1 first (standIns holds replica 1).
    for (const d of plan.dependencies) {
      const n = d.replicas ?? 1;
      const list: StandIn[] = [];
      for (let r = 1; r <= n; r++) {
        const s = d.queue
          ? await startQueueStandIn({ name: d.name, queue: d.queue, host: bindOf(d, opts.bind), ...(d.port !== undefined && d.via === 'direct' ? { port: d.port } : {}), onEvent: sink })
          : await startStandIn({
          name: d.name,
          ...(n > 1 ? { replica: r } : {}),
          protocol: d.protocol,
          host: bindOf(d, opts.bind),
          ...(d.behaviour ? { behaviour: d.behaviour } : {}),
          ...(d.params !== undefined ? { params: d.params } : {}),
          ...(d.contract ? { contract: d.contract } : {}),
          ...(d.idempotency ? { idempotency: d.idempotency } : {}),
          ...(d.port !== undefined && d.via === 'direct' ? { port: d.port } : {}),
          onEvent: sink,
          ...(plan.seed !== undefined ? { seed: plan.seed + r - 1 } : {}),
        });
        stack.push(`stand-in ${d.name}${n > 1 ? `#${r}` : ''}`, () => s.close());
        list.push(s);
      }
      this.standIns.set(d.name, list[0]!);
      this.replicas.set(d.name, list);
    }

    // 2. The fault proxy, only when some dependency goes through it.
    if (plan.dependencies.some((d) => d.via === 'proxy')) {
      let apiUrl = opts.toxiproxy ?? plan.toxiproxy;
      const external = Boolean(apiUrl);
      if (!apiUrl) {
        const server = await startProxyServer({ host: '127.0.0.1', port: 0 });
        stack.push('fault proxy', () => server.close());
        apiUrl = server.url;
      }
      // An external Toxiproxy is guarded like any host, and what crumple changes there is marked with
      // its pid so that the next run reclaims it if this one is killed (faults/owned.ts).
      const nf = new NetworkFaults(apiUrl, { allowHosts: [...(plan.allowHosts ?? []), ...(opts.allowHosts ?? [])], note: opts.progress, mark: external });
      this.network = nf;
      stack.push('network faults', () => nf.rollback());
    }
    for (const d of plan.dependencies) {
      const list = this.replicas.get(d.name)!;
      const links: (FaultableDependency & { url: string; host: string; port: number })[] = [];
      for (const [i, s] of list.entries()) {
        const bound = bindOf(d, opts.bind);
        let host = isWildcard(bound) ? '127.0.0.1' : bound;
        let port = s.port;
        let proxyName: string | undefined;
        if (d.via === 'proxy' && this.network) {
          // Each replica has its own link, so a network fault may hit one replica too.
          proxyName = `crumple-${d.name}${list.length > 1 ? `-${i + 1}` : ''}`;
          const at = proxyAddresses({ dependency: d.name, standIn: { host: bound, port: s.port }, apiUrl: this.network.apiUrl, ...(d.port !== undefined ? { fixedPort: d.port } : {}), ...(d.toxiproxy ? { dep: d.toxiproxy } : {}), ...(plan.toxiproxyAt ? { run: plan.toxiproxyAt } : {}) });
          const { listen } = await this.network.ensureProxy(proxyName, at.upstream, at.listen);
          ({ host, port } = reachableAt(listen, this.network.apiUrl));
        }
        links.push({
          url: `${d.protocol === 'ws' ? 'ws' : 'http'}://${host}:${port}`,
          host,
          port,
          // `refuse` closes the listener and switching away re-binds it: wait until that is done.
          setBehaviour: async (n, p) => {
            await s.setBehaviour(n, p);
            await s.settled();
          },
          behaviour: () => s.behaviour(),
          ...(proxyName ? { proxy: proxyName } : {}),
        });
      }
      const { url, host, port, ...first } = links[0]!;
      const urls = links.map((l) => l.url);
      this.addresses.deps[d.name] = { url, host, port, urls: urls.join(',') };
      this.dependencies.push({ name: d.name, via: d.via, protocol: d.protocol, url, ...(links.length > 1 ? { urls } : {}) });
      this.faultable.set(d.name, { ...first, ...(links.length > 1 ? { replicas: links } : {}) });
    }

    // 3. The target: spawned in its own process group, or reached by URL.
    if (plan.target.kind === 'command') {
      const port = await freePort();
      this.addresses.target = { port, host: '127.0.0.1', url: `http://127.0.0.1:${port}` };
      const r = plan.target.resolve(this.addresses);
      opts.progress(`starting target: ${r.command}`);
      // One TargetControl for the run: phases may kill, pause or restart it (target faults). Each
      // process is supervised: its group dies with crumple, even on SIGKILL (target/supervisor.ts).
      const t = new TargetControl({ command: r.command, ...(r.cwd ? { cwd: r.cwd } : {}), env: r.env, logDir: opts.dir, sink, host: '127.0.0.1', port, ready: plan.target.ready, readyWithinMs: plan.target.readyWithinMs, ...(plan.target.stop ? { stop: plan.target.stop } : {}), signal: opts.signal });
      this.target = t;
      stack.push('target', () => t.stop());
      const took = await t.start();
      opts.progress(`target ready after ${formatMs(took)} on ${this.addresses.target.url} (pid ${t.pid})`);
      this.targetUrl = this.addresses.target.url;
    } else {
      const u = new URL(plan.target.url);
      this.addresses.target = { port: Number(u.port || 80), host: u.hostname, url: plan.target.url };
      if (plan.target.ready) {
        await waitReady({ host: u.hostname, port: this.addresses.target.port, probe: plan.target.ready, withinMs: plan.target.readyWithinMs, signal: opts.signal });
      }
    }

    // 4. Loads are launched by the caller (when and for how long is theirs to say); the stack stops them all.
    opts.signal.addEventListener('abort', () => this.running.forEach((r) => r.stop.abort()), { once: true });
    stack.push('load', async () => {
      this.running.forEach((r) => r.stop.abort());
      const rs = await withTimeout(Promise.allSettled(this.running.map((r) => r.run.done)), opts.loads?.stopWithinMs ?? 15_000);
      rs?.forEach((r, i) => {
        if (r.status === 'fulfilled') this.loadSummaries.push(r.value);
        else opts.progress(`load ${this.running[i]!.name} failed: ${describeError(r.reason)}`);
      });
    });
  }

  /** Starts one load against the target, off the main thread, for at most `durationMs`. */
  launch(l: PlannedLoad, durationMs: number): { started: Promise<void>; stop(): void } {
    const stop = new AbortController();
    if (this.opts.signal.aborted) stop.abort();
    const allowHosts = [...(this.plan.allowHosts ?? []), ...(this.opts.allowHosts ?? [])];
    // A producer (enqueue) drives a queue stand-in, straight to it: crumple's own sends are not the target's path.
    const field = loadShapes[l.entry.shape]?.sendsTo;
    const baseUrl = field ? (this.standIns.get(String(l.entry[field]))?.url ?? this.targetUrl) : this.targetUrl;
    const run = (this.opts.loads?.start ?? startLoad)(l.name, l.entry, { baseUrl, sink: this.opts.sink, signal: stop.signal, durationMs, allowHosts });
    this.running.push({ name: l.name, stop, run });
    return { started: run.started, stop: () => stop.abort() };
  }
}


/** The RunResult every report renders, from what a run (or a game day) recorded. */
export function buildResult(a: {
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
    // The header and the verdicts' untrustworthy marks apply one rule (checks/query.ts), as README states it.
    harness: { lagged: (lagP99 ?? 0) >= LAG_P99_MS || (lagMax ?? 0) >= LAG_MAX_MS, lagP99Ms: lagP99, lagMaxMs: lagMax, droppedEvents: dropped },
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


/** "20250115T100000-checkout-survives-a1b2": time, scenario slug, a little randomness. */
export function makeRunId(name: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'run';
  return `${stamp}-${slug}-${Math.random().toString(36).slice(2, 6)}`;
}

export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  return Promise.race([p, new Promise<undefined>((r) => setTimeout(() => r(undefined), ms).unref())]);
}

/** LIFO of things to undo; each runs once, errors are collected, never thrown. */
export class RollbackStack {
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
