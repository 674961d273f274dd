import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { CrumpleError } from '../errors.js';
import { monotonicMs } from '../timeline/clock.js';
import type { EventSink } from '../timeline/events.js';

export interface TargetProcess {
  readonly pid: number;
  /** Resolves when the process has exited (whoever ended it). */
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  /** Still running? */
  alive(): boolean;
  /** Last lines of stderr (and stdout), for error messages. */
  tail(): string;
  /** Stops the whole process group: `signal` (SIGTERM), then SIGKILL after graceMs. Idempotent. */
  stop(graceMs?: number, signal?: NodeJS.Signals): Promise<void>;
}

const TAIL_BYTES = 4096;

/**
 * Starts the target's command in its own process group (so its children die with it), with stdout and
 * stderr written to the run folder. `exec` replaces the shell so the pid we sample is the target's.
 */
export function spawnTarget(opts: {
  command: string;
  cwd?: string;
  env: Record<string, string>;
  logDir: string;
  sink: EventSink;
}): TargetProcess {
  const out = createWriteStream(join(opts.logDir, 'target.stdout.log'));
  const err = createWriteStream(join(opts.logDir, 'target.stderr.log'));
  let child: ChildProcess;
  try {
    child = spawn('/bin/sh', ['-c', `exec ${opts.command}`], {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      detached: true, // own process group: kill(-pid) reaches everything it started
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (e) {
    throw new CrumpleError('TARGET_FAILED', `could not start target '${opts.command}': ${(e as Error).message}`);
  }
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-TAIL_BYTES);
  };
  pipe(child.stdout!, out, keep);
  pipe(child.stderr!, err, keep);

  let stopping = false;
  let running = true;
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    child.on('error', (e) => {
      tail += `\n${e.message}`;
    });
    child.on('exit', (code, signal) => {
      running = false;
      opts.sink({ kind: 'target-exit', t: monotonicMs(), code, signal, expected: stopping });
      resolve({ code, signal });
    });
  });
  // Make sure log files are flushed once the process is gone.
  void exited.then(() => { out.end(); err.end(); });

  const pid = child.pid ?? -1;
  return {
    pid,
    exited,
    alive: () => running,
    tail: () => tail.trim().split('\n').slice(-15).join('\n'),
    async stop(graceMs = 3000, signal: NodeJS.Signals = 'SIGTERM') {
      if (!running) return;
      stopping = true;
      killGroup(pid, signal);
      const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
      killGroup(pid, 'SIGKILL'); // stragglers in the group
    },
  };
}

function pipe(from: NodeJS.ReadableStream, to: WriteStream, keep: (c: Buffer) => void): void {
  from.on('data', (c: Buffer) => {
    keep(c);
    to.write(c);
  });
}

function killGroup(pid: number, sig: NodeJS.Signals): void {
  if (pid <= 0) return;
  try {
    process.kill(-pid, sig);
  } catch {
    /* already gone */
  }
}
