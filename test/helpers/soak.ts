import type { CheckContext, PhaseWindow } from '../../src/checks/check.js';
import type { TimelineEvent } from '../../src/timeline/events.js';
import { Recorder } from '../../src/timeline/recorder.js';

/**
 * Synthetic soak timelines that go through the real Recorder, so checks that read the per-second
 * summaries (drift) see what a real run gives them. Times are run-relative ms; events get absolute
 * times from START.
 */
export class SoakBuilder {
  static readonly START = 5_000_000;
  private readonly events: TimelineEvent[] = [];
  private readonly phases: PhaseWindow[] = [];
  private endMs = 0;

  private put(e: TimelineEvent): void {
    this.endMs = Math.max(this.endMs, e.t - SoakBuilder.START);
    this.events.push(e);
  }

  phase(name: string, from: number, to: number, faults: PhaseWindow['faults'] = []): this {
    const index = this.phases.length;
    this.phases.push({ index, name, startMs: SoakBuilder.START + from, endMs: SoakBuilder.START + to, faults });
    this.put({ kind: 'phase', t: SoakBuilder.START + from, index, name, edge: 'start' });
    this.put({ kind: 'phase', t: SoakBuilder.START + to, index, name, edge: 'end' });
    return this;
  }

  /** A target sample every `every` ms in [from, to): rss, fds, threads as functions of run time (s). */
  samples(o: { from: number; to: number; every?: number; rss: (s: number) => number; fds?: (s: number) => number; threads?: (s: number) => number }): this {
    for (let t = o.from; t < o.to; t += o.every ?? 500) {
      const s = t / 1000;
      this.put({ kind: 'target-sample', t: SoakBuilder.START + t, rssBytes: Math.round(o.rss(s)), ...(o.fds ? { fds: Math.round(o.fds(s)) } : {}), ...(o.threads ? { threads: Math.round(o.threads(s)) } : {}) });
    }
    return this;
  }

  /** `perSecond` responses each second in [from, to), latency and status as functions of run time (s) and index. */
  responses(load: string, o: { from: number; to: number; perSecond: number; latency: (s: number, i: number) => number; status?: (s: number, i: number) => number | 'timeout' }): this {
    let i = 0;
    for (let t = o.from; t < o.to; t += 1000 / o.perSecond, i++) {
      const s = t / 1000;
      const st = o.status ? o.status(s, i) : 200;
      const latencyMs = o.latency(s, i);
      this.put({ kind: 'response', t: SoakBuilder.START + t, load, latencyMs, bytes: 10, ...(typeof st === 'number' ? { status: st } : { error: st }) });
      this.endMs = Math.max(this.endMs, t + latencyMs);
    }
    return this;
  }

  /** Any event, `t` run-relative. */
  event(e: TimelineEvent): this {
    this.put({ ...e, t: SoakBuilder.START + e.t });
    return this;
  }

  context(): CheckContext {
    // In time order, as a run records them (the recorder freezes seconds as time moves on).
    const rec = new Recorder({ startMs: SoakBuilder.START, rawCap: 2_000_000 });
    for (const e of [...this.events].sort((a, b) => a.t - b.t)) rec.record(e);
    const timeline = { ...rec.timeline(), endMs: SoakBuilder.START + this.endMs };
    const loads = new Set<string>();
    for (const e of timeline.events) if (e.kind === 'response') loads.add(e.load);
    return { timeline, phases: this.phases, dependencies: [], loads: [...loads], clientTimeoutMs: 10_000 };
  }
}

export const soak = (): SoakBuilder => new SoakBuilder();
