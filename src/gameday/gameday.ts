/**
 * One game day, top to bottom: the rig exactly as `crumple run` starts it (src/rig.ts) → loads for the
 * whole day → the journal opens, the control API and its token file, the console → the file's phases
 * played as a runbook, faults from keys and the second terminal, halt conditions and the steady state
 * judged every second → held until the operator ends it, a signal, --max, or a step breaking the steady
 * state → every fault cleared, the rig unwound → checks over the faults' real windows, the journal with
 * MTTR, the usual reports. Every piece is on the rollback stack, so a crash or a signal undoes it too.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CrumpleError, describeError } from '../errors.js';
import type { RunPlan } from '../run-plan.js';
import { Rig, RollbackStack, buildResult, makeRunId, withTimeout } from '../rig.js';
import { loadTimeouts } from '../load/index.js';
import { monotonicMs } from '../timeline/clock.js';
import { sleep } from '../safety.js';
import { Recorder } from '../timeline/recorder.js';
import { startLagSampler } from '../timeline/lag.js';
import type { EventSink } from '../timeline/events.js';
import type { Timeline } from '../timeline/timeline.js';
import type { CheckContext, Verdict } from '../checks/check.js';
import type { SteadyStateExpectation } from '../checks/steady-state.js';
import type { RunOutcome, RunResult } from '../report/result.js';
import { writeReports } from '../report/index.js';
import type { HaltCondition, Step } from './schema.js';
import { LiveStats } from './live.js';
import { HaltWatch, SteadyWatch } from './watch.js';
import { GameDay } from './state.js';
import { startControl } from './control.js';
import { removeControlFile, writeControlFile } from './control-file.js';
import { Console, CONSOLE } from './console.js';
import type { KeyInput, Tty } from './screen.js';
import { gameDayWindows, journalEntries } from './journal.js';
import { formatSpan } from './render.js';

/** What a game day adds to a run's plan: from the scenario's `halt:`, `steps:` and `expect.steady-state`. */
export interface GameDayPlan {
  halt: HaltCondition[];
  steps: Step[];
  steadyState: SteadyStateExpectation[];
}

export interface GameDayOptions {
  reportsDir?: string;
  runId?: string;
  toxiproxy?: string;
  allowHosts?: string[];
  /** SIGINT/SIGTERM: ends the game day with full rollback. */
  signal: AbortSignal;
  /** How long it is held at most. */
  maxMs: number;
  /** After the end clears every fault, loads keep running this long so recovery (MTTR) can be measured. */
  cooldownMs?: number;
  /** false: halt conditions are shown but never fire (--no-halt). */
  halt: boolean;
  /** Where the control API's URL and token are written (0600). */
  controlFile: string;
  controlHost?: string;
  controlPort?: number;
  /** A terminal for the full-screen console; without it, one line per second goes to `line`. */
  tty?: { out: Tty; input?: KeyInput };
  /** Progress and, without a terminal, the per-second line. */
  line: (text: string) => void;
  /** Given the kill switch once the game day runs (the CLI wires SIGUSR1 to it). */
  onKillSwitch?: (kill: (by: string) => void) => void;
}

export interface GameDayOutput {
  result: RunResult;
  dir: string;
  files: string[];
  timeline: Timeline;
  /** Why it ended. */
  stoppedBy: string;
}

export async function runGameDay(plan: RunPlan, extra: GameDayPlan, opts: GameDayOptions): Promise<GameDayOutput> {
  const runId = opts.runId ?? makeRunId(plan.name);
  const dir = join(opts.reportsDir ?? 'reports', runId);
  await mkdir(dir, { recursive: true });
  const startedAt = new Date().toISOString();
  const recorder = new Recorder();
  const live = new LiveStats(recorder.startMs);
  const sink: EventSink = (e) => {
    recorder.record(e);
    live.record(e, monotonicMs());
  };
  const stack = new RollbackStack();
  // Aborts start-up (readiness waits) and stops the loads; once running, a signal ends the day instead.
  const abort = new AbortController();
  const onStartAbort = () => abort.abort(opts.signal.reason);
  if (opts.signal.aborted) onStartAbort();
  opts.signal.addEventListener('abort', onStartAbort, { once: true });
  stack.push('lag sampler', startLagSampler(sink, 500));
  const rig = new Rig(plan, { dir, sink, stack, signal: abort.signal, progress: opts.line, ...(opts.toxiproxy ? { toxiproxy: opts.toxiproxy } : {}), ...(opts.allowHosts ? { allowHosts: opts.allowHosts } : {}) });

  let outcome: RunOutcome = 'pass';
  let error: string | undefined;
  let stoppedBy = '';
  let day: GameDay | undefined;
  let consoleUi: Console | undefined;
  let stopReason: string | undefined;
  const halts = extra.halt.map((h) => new HaltWatch(h));
  try {
    // 1-3. Stand-ins, proxy links, the target.
    await rig.start();
    // 4. Every load for the whole day (a load's `during` is a phase of `crumple run`; here it runs all day).
    await withTimeout(Promise.all(plan.loads.map((l) => rig.launch(l, opts.maxMs + 5000).started)), 30_000);
    if (opts.signal.aborted) throw new CrumpleError('INTERRUPTED', `interrupted during start-up (${describeError(opts.signal.reason ?? 'signal')})`);
    opts.signal.removeEventListener('abort', onStartAbort);

    // 5. The game day: journal, control API, console.
    let finish: (why: string) => void = () => {};
    // Asking to end again (a key, a signal) skips the cool-down.
    const skip = new AbortController();
    const ended = new Promise<string>((resolve) => {
      let done = false;
      finish = (why) => {
        if (!done) (done = true), resolve(why);
        else skip.abort();
      };
    });
    const d = new GameDay({
      name: plan.name,
      dependencies: plan.dependencies,
      faultable: rig.faultable,
      network: rig.network,
      sink,
      live,
      clock: monotonicMs,
      halt: halts,
      steady: new SteadyWatch(extra.steadyState),
      steps: extra.steps,
      phases: plan.phases,
      onStop: (reason) => {
        stopReason = reason;
        finish(reason);
      },
    });
    day = d;
    d.haltEnabled = opts.halt;
    d.journal('start', 'crumple', `game day '${plan.name}' started: target ${rig.targetUrl}, ${plan.dependencies.length} dependenc${plan.dependencies.length === 1 ? 'y' : 'ies'}, ${plan.loads.length} load${plan.loads.length === 1 ? '' : 's'}, at most ${formatSpan(opts.maxMs)}`);
    const token = randomBytes(24).toString('base64url');
    const control = await startControl(d, { token, ...(opts.controlHost ? { host: opts.controlHost } : {}), ...(opts.controlPort !== undefined ? { port: opts.controlPort } : {}) });
    stack.push('control API', () => control.close());
    await writeControlFile(opts.controlFile, { url: control.url, token, pid: process.pid, name: plan.name, runId });
    stack.push('control file', () => removeControlFile(opts.controlFile, token));
    opts.line(`game day '${plan.name}' running: control API ${control.url} (token in ${opts.controlFile}); reports in ${dir}`);
    const view = () =>
      d.view({
        target: {
          url: rig.targetUrl,
          ...(rig.target ? { pid: rig.target.pid } : {}),
          alive: rig.target ? rig.target.alive() : null,
          ...(live.targetExit ? { exit: `exit ${live.targetExit.code ?? live.targetExit.signal}` } : {}),
          rssBytes: live.rssBytes,
        },
        maxMs: opts.maxMs,
        control: control.url,
      });
    const ui = new Console(d, view, { tty: opts.tty, line: opts.line }, plan.dependencies.map((x) => x.name), (why) => finish(why));
    consoleUi = ui;
    stack.push('console', () => ui.stop());
    ui.start();
    opts.onKillSwitch?.((by) => {
      ui.say(`KILL SWITCH (${by}): clearing every fault…`);
      d.kill(by).then(
        (xs) => ui.say(`KILL SWITCH (${by}): ${xs.length} fault${xs.length === 1 ? '' : 's'} cleared`),
        (e: unknown) => ui.say(`kill switch: ${describeError(e)}`),
      );
    });

    // 6. Held until it ends; judged and drawn every second.
    let ticking = false;
    const ticker = setInterval(() => {
      if (ticking) return;
      ticking = true;
      d.tick()
        .catch((e: unknown) => ui.say(`error: ${describeError(e)}`))
        .finally(() => {
          ticking = false;
          ui.tick();
        });
    }, 1000);
    const maxTimer = setTimeout(() => finish(`--max ${formatSpan(opts.maxMs)} reached`), opts.maxMs);
    const onSignal = () => finish(`${describeError(opts.signal.reason ?? 'signal')}`);
    opts.signal.addEventListener('abort', onSignal, { once: true });
    if (opts.signal.aborted) onSignal();
    void d.playPhases();
    try {
      stoppedBy = await ended;
      clearTimeout(maxTimer);
      ui.say(`ending (${stoppedBy}): rolling everything back…`);
      await d.end(stoppedBy.startsWith('ended from the console') ? CONSOLE : 'crumple', stoppedBy);
      // 7. The loads go on a little, so the report can tell how long the target took to recover.
      const cool = opts.signal.aborted ? 0 : (opts.cooldownMs ?? 0);
      if (cool > 0) {
        ui.say(`every fault cleared; measuring recovery for ${formatSpan(cool)} (q or Ctrl-C: skip)`);
        await sleep(cool, AbortSignal.any([skip.signal, opts.signal]));
      }
    } finally {
      clearInterval(ticker);
      clearTimeout(maxTimer);
      opts.signal.removeEventListener('abort', onSignal);
    }
  } catch (e) {
    outcome = opts.signal.aborted && !day ? 'interrupted' : 'error';
    error = describeError(e);
    if (e instanceof CrumpleError && e.details.length) error += `\n${e.details.join('\n')}`;
    stoppedBy ||= `error: ${error}`;
    if (day) await day.end('crumple', `error: ${error}`).catch(() => {});
  } finally {
    consoleUi?.stop();
    const problems = await stack.unwind();
    if (problems.length) {
      error = [error, 'rollback problems:', ...problems].filter(Boolean).join('\n');
      if (outcome === 'pass') outcome = 'error';
    }
    opts.signal.removeEventListener('abort', onStartAbort);
  }
  opts.line(`game day ended: ${stoppedBy}`);

  // 8. Checks over the faults' real windows, the journal with MTTR, the reports.
  const timeline = recorder.timeline();
  const first = plan.phases[0];
  const phases = gameDayWindows(timeline, first && !first.faults.length ? first.name : 'baseline');
  const ctx: CheckContext = {
    timeline,
    phases,
    dependencies: plan.dependencies.map((x) => x.name),
    loads: plan.loads.map((l) => l.name),
    clientTimeoutMs: plan.clientTimeoutMs,
    loadTimeoutsMs: loadTimeouts(plan.loads),
  };
  let verdicts: Verdict[] = [];
  if (outcome === 'pass') {
    try {
      verdicts = [...plan.judge(ctx), ...gameDayVerdicts(timeline, extra, opts.halt && extra.halt.length > 0, stopReason, halts)];
    } catch (e) {
      outcome = 'error';
      error = `checks failed to run: ${describeError(e)}`;
    }
    if (outcome === 'pass' && verdicts.some((v) => v.status === 'fail')) outcome = 'fail';
    else if (outcome === 'pass' && verdicts.some((v) => v.status === 'inconclusive')) outcome = 'inconclusive';
  }
  const loadKinds = new Map(plan.loads.map((l) => [l.name, l.entry.shape]));
  const result: RunResult = {
    ...buildResult({ plan, runId, startedAt, timeline, ctx, verdicts, outcome, error, targetUrl: rig.targetUrl, depsOut: rig.dependencies, loadSummaries: rig.loadSummaries, loadKinds, allowInconclusive: true }),
    journal: journalEntries(ctx, startedAt),
  };
  const files = await writeReports(result, dir);
  return { result, dir, files, timeline, stoppedBy };
}

/** The game day's own verdicts: did a halt fire, did the steps runbook hold the steady state. */
function gameDayVerdicts(timeline: Timeline, extra: GameDayPlan, haltOn: boolean, stopReason: string | undefined, halts: HaltWatch[]): Verdict[] {
  const journal = timeline.events.filter((e) => e.kind === 'journal');
  const at = (t: number) => `${((t - timeline.startMs) / 1000).toFixed(1)} s`;
  const out: Verdict[] = [];
  if (haltOn) {
    const fired = journal.filter((e) => e.action === 'halt' && e.by === 'halt');
    out.push({
      check: 'halt',
      key: 'halt',
      status: fired.length === 0 ? 'pass' : 'fail',
      ok: fired.length === 0,
      summary: fired.length ? `halted ${fired.length}×, first at ${at(fired[0]!.t)}: ${fired[0]!.text}` : `no halt condition fired (${halts.map((h) => h.describe()).join('; ')})`,
      measured: { halts: fired.length },
      evidence: fired.map((e) => ({ label: `halt at ${at(e.t)}`, value: e.text })),
    });
  }
  if (extra.steps.length) {
    const started = journal.filter((e) => e.action === 'step');
    const complete = started.some((e) => e.text.startsWith('steps runbook complete'));
    const n = started.filter((e) => e.text.startsWith('step ')).length;
    out.push({
      check: 'steps',
      key: 'steps',
      status: stopReason ? 'fail' : complete ? 'pass' : 'inconclusive',
      ok: !stopReason && complete,
      ...(!stopReason && !complete ? { reason: 'the game day ended before the runbook finished' } : {}),
      summary: stopReason ?? (complete ? `all ${extra.steps.length} steps done; the steady state held` : `not finished: ${n} of ${extra.steps.length} steps started before the game day ended`),
      measured: { steps: extra.steps.length, started: n },
      evidence: started.map((e) => ({ label: `at ${at(e.t)}`, value: e.text })),
    });
  }
  return out;
}
