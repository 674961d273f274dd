/**
 * The target crumple started, as something a phase can kill, pause and restart: it owns the current
 * process, its RSS sampler and its readiness probe, and records every action as a `target-control`
 * event (kill, stop, pause, resume, spawn, ready with the time it took). Guarantee: whatever a phase did,
 * `stop()` leaves no process of the target behind (a paused one is resumed first, so it can exit).
 */
import { monotonicMs } from '../timeline/clock.js';
import type { EventSink, TargetControlEvent } from '../timeline/events.js';
import { spawnTarget, type TargetProcess } from './process.js';
import { waitReady, type ReadyProbe } from './ready.js';
import { startSampler } from './sample.js';

export interface TargetControlOptions {
  command: string;
  cwd?: string;
  env: Record<string, string>;
  logDir: string;
  sink: EventSink;
  /** Where the readiness probe looks (the port the target was told to listen on). */
  host: string;
  port: number;
  ready: ReadyProbe;
  readyWithinMs: number;
  stop?: { signal: NodeJS.Signals; graceMs: number };
  signal: AbortSignal;
  /** RSS sampling interval (ms). */
  sampleMs?: number;
}

/** Structurally a FaultableTarget (src/faults/phase.ts). */
export class TargetControl {
  private proc: TargetProcess | undefined;
  private stopSampler: (() => void) | undefined;
  private starts = 0;
  private paused = false;

  constructor(private readonly opts: TargetControlOptions) {}

  /** The process running now (undefined before the first start and while killed). */
  get current(): TargetProcess | undefined {
    return this.proc;
  }

  get pid(): number {
    return this.proc?.pid ?? -1;
  }

  alive(): boolean {
    return this.proc?.alive() === true;
  }

  /** Spawns the target and waits for its readiness probe; resolves with ms from spawn to ready. */
  async start(): Promise<number> {
    if (this.alive()) return 0;
    const o = this.opts;
    this.starts += 1;
    const proc = await spawnTarget({ command: o.command, ...(o.cwd ? { cwd: o.cwd } : {}), env: o.env, logDir: o.logDir, sink: o.sink, appendLogs: this.starts > 1, ...(o.stop?.graceMs !== undefined ? { graceMs: o.stop.graceMs } : {}) });
    this.proc = proc;
    const spawned = monotonicMs();
    this.event('spawn');
    const took = await waitReady({ host: o.host, port: o.port, probe: o.ready, withinMs: o.readyWithinMs, proc, signal: o.signal });
    this.event('ready', { readyMs: monotonicMs() - spawned });
    this.stopSampler?.();
    this.stopSampler = startSampler(proc.pid, o.sink, o.sampleMs ?? 500);
    return took;
  }

  async kill(): Promise<void> {
    const p = this.proc;
    if (!p?.alive()) return;
    this.event('kill');
    this.stopSampler?.();
    await p.stop(0, 'SIGKILL');
    this.paused = false;
  }

  async pause(): Promise<void> {
    if (!this.alive()) return;
    this.event('pause');
    this.proc!.signal('SIGSTOP');
    this.paused = true;
  }

  async resume(): Promise<void> {
    if (!this.paused) return;
    this.paused = false;
    this.proc?.signal('SIGCONT');
    this.event('resume');
  }

  async restart(): Promise<void> {
    const p = this.proc;
    if (p?.alive()) {
      this.event('stop');
      this.stopSampler?.();
      await this.resume();
      await p.stop(this.opts.stop?.graceMs, this.opts.stop?.signal);
    }
    await this.start();
  }

  /** For the rollback stack: the sampler off and the whole process group gone. */
  async stop(): Promise<void> {
    this.stopSampler?.();
    this.stopSampler = undefined;
    if (this.paused) {
      this.paused = false;
      this.proc?.signal('SIGCONT');
    }
    await this.proc?.stop(this.opts.stop?.graceMs, this.opts.stop?.signal);
  }

  private event(action: TargetControlEvent['action'], extra: { readyMs?: number } = {}): void {
    this.opts.sink({ kind: 'target-control', t: monotonicMs(), action, pid: this.pid, start: this.starts, ...extra });
  }
}
