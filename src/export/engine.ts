/**
 * `crumple run --engine artillery`: the scenario's arrival-rate loads are sent by Artillery (here, or
 * on many machines through --engine-command) while crumple drives the stand-ins, the proxy and the
 * faults. Each such load is started like one of crumple's own: a script is written into the run
 * folder, the engine is spawned in its own process group, the run's phases begin when it prints that
 * its first phase started, and when it exits its JSON report is ingested into the timeline, so the
 * same checks and reports judge it. Loads Artillery cannot express run on crumple's own load.
 * Guarantee: the engine's process group never outlives the run (SIGINT, then SIGKILL).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { CrumpleError } from '../errors.js';
import { parseBaseUrl, startLoad, type StartLoadOptions } from '../load/index.js';
import type { LoadSummary } from '../load/shape.js';
import { monotonicMs } from '../timeline/clock.js';
import type { Scenario } from '../scenario/schema.js';
import { exportArtillery, notExportable } from './artillery.js';
import { ingestArtillery, readArtilleryReport } from './ingest.js';

export type StartLoad = typeof startLoad;

export interface EngineOptions {
  scenario: Scenario;
  /** The run folder: scripts, the engine's log and its report go to <dir>/engine/. */
  dir: string;
  /**
   * A shell command with {script} and {output}, e.g. "npx artillery run-fargate --count 10 --output
   * {output} {script}". Default: the artillery devDependency, `artillery run` on this machine.
   */
  command?: string;
  /** How long the engine may take to start its first phase (distributed launchers take minutes). */
  startWithinMs?: number;
  /** After the run's phases, how long the engine may take to finish and write its report. */
  finishWithinMs?: number;
  progress?: (line: string) => void;
}

/** The wait for the engine's first phase, and for its report after the phases, by default. */
export const ENGINE_START_MS = 120_000;
export const ENGINE_FINISH_MS = 60_000;

/** A load starter for run.ts: arrival-rate loads go to Artillery, the rest to crumple's own load. */
export function artilleryLoads(o: EngineOptions): StartLoad {
  return (name, entry, opts) => (notExportable(entry) ? startLoad(name, entry, opts) : startArtillery(o, name, entry, opts));
}

function startArtillery(o: EngineOptions, name: string, entry: Parameters<StartLoad>[1], opts: StartLoadOptions): ReturnType<StartLoad> {
  parseBaseUrl(opts.baseUrl, opts.allowHosts); // the guard, as for crumple's own loads
  const dir = join(o.dir, 'engine');
  const script = join(dir, `${name}.artillery.yml`);
  const output = join(dir, `${name}.json`);
  const logPath = join(dir, `${name}.log`);
  let child: ChildProcess | undefined;
  let tail: string[] = [];
  let onStarted!: () => void;
  let onFailed!: (e: unknown) => void;
  const started = new Promise<void>((res, rej) => ((onStarted = res), (onFailed = rej)));
  started.catch(() => {}); // observed by run.ts; never an unhandled rejection here

  const done = (async (): Promise<LoadSummary> => {
    // Started when its phases start (run.ts), for the length run.ts gives it (which adds a second).
    const only = { ...o.scenario, load: { [name]: entry } } as Scenario;
    const ex = exportArtillery(only, { target: opts.baseUrl, loads: [name], ...(opts.durationMs !== undefined ? { durationMs: Math.max(1000, opts.durationMs - 1000) } : {}) });
    await mkdir(dir, { recursive: true });
    await writeFile(script, ex.scripts[0]!.text);
    await writeFile(join(dir, ex.processor.file), ex.processor.text);
    const [cmd, args] = engineCommand(o.command, script, output);
    o.progress?.(`load ${name}: ${o.command ? o.command : 'artillery run'} (script ${script})`);
    const log = createWriteStream(logPath);
    const c = spawn(cmd, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ARTILLERY_DISABLE_TELEMETRY: 'true' } });
    child = c;
    let buf = '';
    const onData = (d: Buffer) => {
      log.write(d);
      buf += d.toString('utf8');
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) {
        tail = [...tail, l].slice(-8);
        if (/^Phase started:/.test(l.trim())) onStarted();
      }
    };
    c.stdout!.on('data', onData);
    c.stderr!.on('data', onData);
    const exited = new Promise<number | null>((res) => {
      c.once('error', (e) => {
        onFailed(new CrumpleError('HARNESS_FAILED', `load ${name}: cannot start the engine (${e.message})`));
        res(null);
      });
      c.once('exit', (code) => res(code));
    });
    const startTimer = setTimeout(() => onFailed(new CrumpleError('HARNESS_FAILED', `load ${name}: the engine did not start a phase within ${(o.startWithinMs ?? ENGINE_START_MS) / 1000} s (log: ${logPath})`)), o.startWithinMs ?? ENGINE_START_MS);
    const plannedEnd = monotonicMs() + (opts.durationMs ?? 0) - 1000;
    const stop = () => {
      // Stopped well before its planned end: interrupted (Ctrl-C, an error): stop the engine now.
      // Otherwise the phases are over: give it time to finish its last requests and write its report.
      const early = monotonicMs() < plannedEnd - 2000;
      const t = setTimeout(() => kill(c, 'SIGINT'), early ? 0 : (o.finishWithinMs ?? ENGINE_FINISH_MS));
      void exited.then(() => clearTimeout(t));
    };
    if (opts.signal.aborted) stop();
    else opts.signal.addEventListener('abort', stop, { once: true });
    const code = await exited;
    clearTimeout(startTimer);
    opts.signal.removeEventListener('abort', stop);
    await new Promise<void>((r) => log.end(() => r()));
    const why = () => `${tail.filter((l) => l.trim()).slice(-3).join(' | ') || 'no output'} (log: ${logPath})`;
    if (code === null && !child.killed) throw new CrumpleError('HARNESS_FAILED', `load ${name}: the engine could not run: ${why()}`);
    onFailed(new CrumpleError('HARNESS_FAILED', `load ${name}: the engine exited (code ${code}) before starting a phase: ${why()}`));
    const report = await readArtilleryReport(output).catch((e: unknown) => {
      throw new CrumpleError('HARNESS_FAILED', `load ${name}: the engine wrote no report (exit code ${code}): ${e instanceof Error ? e.message : String(e)}; ${why()}`);
    });
    // The engine's epoch clock onto the run's monotonic one, read now, in one place.
    const offset = Date.now() - monotonicMs();
    const r = ingestArtillery(report, { load: name, sink: opts.sink, toMonotonic: (ms) => ms - offset, source: output });
    o.progress?.(`load ${name}: ${r.events} requests read back from the engine's report (${output})`);
    return r.summary;
  })();
  done.catch((e: unknown) => onFailed(e));
  // If crumple itself stops before the engine exits, its process group goes with it.
  const reap = () => child && kill(child, 'SIGKILL');
  process.once('exit', reap);
  void done.finally(() => process.removeListener('exit', reap)).catch(() => {});
  return { started, done };
}

/** [command, args]: the local artillery through node, or the user's command through /bin/sh. */
function engineCommand(template: string | undefined, script: string, output: string): [string, string[]] {
  if (template) {
    const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    return ['/bin/sh', ['-c', template.replaceAll('{script}', q(script)).replaceAll('{output}', q(output))]];
  }
  let bin: string;
  try {
    bin = resolve(createRequire(import.meta.url).resolve('artillery/package.json'), '..', 'bin', 'run');
  } catch {
    throw new CrumpleError('BAD_INPUT', '--engine artillery: artillery is not installed here (npm install --save-dev artillery@2.0.21), or give --engine-command');
  }
  return [process.execPath, [bin, 'run', '--output', output, script]];
}

/** Signals the engine's whole process group; SIGKILL follows a SIGINT that is not obeyed in 5 s. */
function kill(c: ChildProcess, signal: NodeJS.Signals): void {
  if (c.exitCode !== null || c.signalCode !== null || c.pid === undefined) return;
  try {
    process.kill(-c.pid, signal);
  } catch {
    return;
  }
  if (signal !== 'SIGKILL') setTimeout(() => kill(c, 'SIGKILL'), 5_000).unref();
}
