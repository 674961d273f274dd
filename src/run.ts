/**
 * One run, top to bottom: stand-ins → fault proxy → target → load → phases (faults on, wait, faults
 * off) → checks → reports. Everything started is pushed on a rollback stack that unwinds in reverse
 * on success, failure, a dead target or Ctrl-C, and the partial timeline and verdicts are still written.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CrumpleError, describeError } from './errors.js';
import { applyPhaseFaults } from './faults/phase.js';
import { describeFault, faultSummary } from './faults/fault.js';
import type { RunPlan } from './run-plan.js';
import type { TargetControl } from './target/control.js';
import { Rig, RollbackStack, buildResult, makeRunId, withTimeout, type RigOptions } from './rig.js';
import { loadTimeouts } from './load/index.js';
import { sleep } from './safety.js';
import { monotonicMs } from './timeline/clock.js';
import { Recorder } from './timeline/recorder.js';
import { CyclesInFlight } from './cycle-judge.js';
import { startLagSampler } from './timeline/lag.js';
import type { Timeline } from './timeline/timeline.js';
import type { CheckContext, PhaseWindow, Verdict } from './checks/check.js';
import type { RunOutcome, RunResult } from './report/result.js';
import { writeReports } from './report/index.js';
import { formatMs } from './units.js';

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
  loads?: RigOptions['loads'];
}

export interface RunOutput {
  result: RunResult;
  dir: string;
  files: string[];
  timeline: Timeline;
}

export async function runPlan(plan: RunPlan, opts: RunOptions = {}): Promise<RunOutput> {
  const progress = opts.progress ?? (() => {});
  const runId = opts.runId ?? makeRunId(plan.name);
  const dir = join(opts.reportsDir ?? 'reports', runId);
  await mkdir(dir, { recursive: true });
  const startedAt = new Date().toISOString();
  const recorder = new Recorder(plan.slowMs ? { slowMs: plan.slowMs } : {});
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
  const rig = new Rig(plan, { dir, sink, stack, signal: abort.signal, progress, ...(opts.toxiproxy ? { toxiproxy: opts.toxiproxy } : {}), ...(opts.allowHosts ? { allowHosts: opts.allowHosts } : {}), ...(opts.bind ? { bind: opts.bind } : {}), ...(opts.loads ? { loads: opts.loads } : {}) });
  const loadKinds = new Map(plan.loads.map((l) => [l.name, l.entry.shape]));
  // A soak judges each cycle once its responses are in and lets go of its raw events (src/cycle-judge.ts).
  const soak = plan.soak && plan.soak.cycles > 1 ? new CyclesInFlight(plan.soak.judge(), recorder, (t) => checkContext(t, plan), plan.clientTimeoutMs) : undefined;
  let proc: TargetControl | undefined;

  try {
    // A Ctrl-C before anything started (even in the first millisecond) still ends in a report.
    if (abort.signal.aborted) throw new CrumpleError('INTERRUPTED', `interrupted before the run started (${describeError(abort.signal.reason ?? 'signal')})`);
    // 1-3. Stand-ins, proxy links and the target (src/rig.ts), all on the rollback stack.
    await rig.start();
    proc = rig.target;
    targetUrl = rig.targetUrl;
    const { faultable, network } = rig;

    // 4. Loads, off the main thread: whole-run loads now, phase-bound ones when their first phase starts.
    const running: { stop(): void; lastPhase: number }[] = [];
    const launch = (l: RunPlan['loads'][number]) => {
      const first = l.phases?.[0] ?? 0;
      const lastPhase = l.phases?.at(-1) ?? plan.phases.length - 1;
      const durationMs = plan.phases.slice(first, lastPhase + 1).reduce((a, p) => a + p.durationMs, 0) + 1000;
      const run = rig.launch(l, durationMs);
      running.push({ stop: run.stop, lastPhase });
      return run.started;
    };
    // Phases start once every load is sending: the baseline must not be judged on an idle target.
    await withTimeout(Promise.all(plan.loads.filter((l) => !l.phases).map(launch)), opts.loads?.startWithinMs ?? 30_000);

    // 5. Phases: faults on, wait, faults off.
    for (const [i, phase] of plan.phases.entries()) {
      if (abort.signal.aborted) break;
      const faultText = phase.faults.length ? phase.faults.map(describeFault).join(', ') : 'no faults';
      progress(`▶ phase ${i + 1}/${plan.phases.length} '${phase.name}' for ${formatMs(phase.durationMs)}: ${faultText}`);
      const startT = monotonicMs();
      sink({ kind: 'phase', t: startT, index: i, name: phase.name, edge: 'start' });
      soak?.phaseStarted(i, startT);
      await withTimeout(Promise.all(plan.loads.filter((l) => l.phases?.[0] === i).map(launch)), opts.loads?.startWithinMs ?? 30_000);
      const undo = await applyPhaseFaults({ phase: phase.name, faults: phase.faults, deps: faultable, ...(network ? { network } : {}), ...(proc ? { target: proc } : {}), sink });
      stack.push(`faults of ${phase.name}`, undo);
      await sleep(phase.durationMs, abort.signal);
      await stack.popRun(); // clear this phase's faults before the next
      running.filter((r) => r.lastPhase === i).forEach((r) => r.stop());
      const endT = monotonicMs();
      sink({ kind: 'phase', t: endT, index: i, name: phase.name, edge: 'end' });
      soak?.phaseEnded(i, endT);
      progress(`  ${phaseLine(recorder.timeline({ fromMs: startT }), plan.loads.map((l) => l.name))}`);
      soak?.poll(monotonicMs());
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
      verdicts = soak ? soak.judge.verdicts(ctx) : plan.judge(ctx);
    } catch (e) {
      if (outcome === 'pass') outcome = 'error';
      error = [error, `checks failed to run: ${describeError(e)}`].filter(Boolean).join('\n');
    }
    if (outcome === 'pass' && verdicts.some((v) => v.status === 'fail')) outcome = 'fail';
    else if (outcome === 'pass' && verdicts.some((v) => v.status === 'inconclusive')) outcome = 'inconclusive';
  }
  const result = buildResult({ plan, runId, startedAt, timeline, ctx, verdicts, outcome, error, targetUrl, depsOut: rig.dependencies, loadSummaries: rig.loadSummaries, loadKinds, allowInconclusive: opts.allowInconclusive === true });
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
