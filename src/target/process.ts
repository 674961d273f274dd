import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { CrumpleError, describeError } from '../errors.js';
import { SUPERVISOR_SOURCE } from './supervisor.js';
import { monotonicMs } from '../timeline/clock.js';
import type { EventSink } from '../timeline/events.js';

/** How long an exit waits for the target's output pipes to close (see onExit). */
const OUTPUT_WAIT_MS = 1500;

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
  /** Sends `signal` to the whole process group (SIGSTOP, SIGCONT); a no-op once it has exited. */
  signal(signal: NodeJS.Signals): void;
}

const TAIL_BYTES = 4096;

/**
 * Starts the target's command in its own process group (so its children die with it), with stdout and
 * stderr written to the run folder. `exec` replaces the shell so the pid we sample is the target's.
 * A supervisor process stands between crumple and the group (target/supervisor.ts): if crumple dies,
 * even by SIGKILL, the supervisor ends the group. Resolves once the target runs; a command that cannot
 * be started at all (a missing cwd, no /bin/sh) is a TARGET_FAILED at once, not a readiness timeout.
 */
export async function spawnTarget(opts: {
  command: string;
  cwd?: string;
  env: Record<string, string>;
  logDir: string;
  sink: EventSink;
  /** What the supervisor allows between SIGTERM and SIGKILL when crumple is gone (default 3 s). */
  graceMs?: number;
  /** Append to the logs instead of starting them afresh (a restart within the run). */
  appendLogs?: boolean;
}): Promise<TargetProcess> {
  if (opts.cwd !== undefined) {
    const st = await stat(opts.cwd).catch(() => undefined);
    if (!st?.isDirectory()) throw new CrumpleError('TARGET_FAILED', `could not start target '${opts.command}': its cwd '${opts.cwd}' ${st ? 'is not a directory' : 'does not exist'}`);
  }
  const flags = opts.appendLogs ? 'a' : 'w';
  const out = createWriteStream(join(opts.logDir, 'target.stdout.log'), { flags });
  const err = createWriteStream(join(opts.logDir, 'target.stderr.log'), { flags });
  let sup: ChildProcess;
  try {
    // Only PATH for the supervisor itself: the target's env (NODE_OPTIONS included) is for the target.
    // CRUMPLE_SUPERVISOR_OF names its crumple, for `ps e` (and the kill tests).
    sup = spawn(process.execPath, ['-e', SUPERVISOR_SOURCE], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', CRUMPLE_SUPERVISOR_OF: String(process.pid) },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
  } catch (e) {
    out.end();
    err.end();
    throw new CrumpleError('TARGET_FAILED', `could not start target '${opts.command}': ${describeError(e)}`);
  }
  sup.unref();
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-TAIL_BYTES);
  };
  pipe(sup.stdout!, out, keep);
  pipe(sup.stderr!, err, keep);
  const outputClosed = Promise.all([sup.stdout!, sup.stderr!].map((s) => new Promise<void>((r) => s.once('close', () => r()))));
  const ctl = sup.stdio[3] as Socket;
  ctl.write(`${JSON.stringify({ command: opts.command, cwd: opts.cwd, env: { ...process.env, ...opts.env }, graceMs: opts.graceMs ?? 3000 })}\n`);

  let stopping = false;
  let running = false;
  let pid = -1;
  let resolveExit!: (r: { code: number | null; signal: string | null }) => void;
  const exited = new Promise<{ code: number | null; signal: string | null }>((r) => (resolveExit = r));
  let exitedOnce = false;
  const onExit = (code: number | null, signal: string | null) => {
    if (exitedOnce) return;
    exitedOnce = true;
    running = false;
    opts.sink({ kind: 'target-exit', t: monotonicMs(), code, signal, expected: stopping });
    // The exit report (on the control socket) can overtake the target's last words on its output pipes:
    // let those reach the tail first, so "exited before it was ready" shows them. Bounded, because a
    // grandchild that left the process group may hold the pipes open.
    const bound = new Promise<void>((r) => setTimeout(r, OUTPUT_WAIT_MS).unref());
    void Promise.race([outputClosed, bound]).then(() => resolveExit({ code, signal }));
  };
  const started = new Promise<void>((resolve, reject) => {
    let buf = '';
    ctl.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const msg = JSON.parse(buf.slice(0, nl)) as { pid?: number; error?: string; exit?: number | null; signal?: string | null };
        buf = buf.slice(nl + 1);
        if (msg.pid !== undefined) {
          pid = msg.pid;
          running = true;
          resolve();
        } else if (msg.error !== undefined) {
          reject(new CrumpleError('TARGET_FAILED', `could not start target '${opts.command}': ${msg.error}`));
        } else if ('exit' in msg) onExit(msg.exit ?? null, msg.signal ?? null);
      }
    });
    ctl.on('error', () => {});
    sup.on('error', (e) => reject(new CrumpleError('TARGET_FAILED', `could not start target '${opts.command}': ${describeError(e)}`)));
    // The supervisor gone without a word (killed): the target is gone with it, or being ended by it.
    sup.on('exit', (code, signal) => {
      reject(new CrumpleError('TARGET_FAILED', `could not start target '${opts.command}': its supervisor exited (${signal ?? code})`));
      if (running) onExit(null, signal ?? 'SIGKILL');
    });
  });
  // Log files are flushed once the supervisor (and with it every writer of the pipes) is gone.
  sup.once('close', () => { out.end(); err.end(); });
  try {
    await started;
  } catch (e) {
    ctl.destroy();
    throw e;
  }

  return {
    pid,
    exited,
    alive: () => running,
    tail: () => tail.trim().split('\n').slice(-15).join('\n'),
    async stop(graceMs = 3000, signal: NodeJS.Signals = 'SIGTERM') {
      if (running) {
        stopping = true;
        killGroup(pid, signal);
        const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
        killGroup(pid, 'SIGKILL'); // stragglers in the group
      }
      ctl.destroy(); // the supervisor exits with the target; this only makes sure
    },
    signal(sig: NodeJS.Signals) {
      if (running) killGroup(pid, sig);
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
