import type { CheckContext, PhaseWindow } from '../../src/checks/check.js';
import type { ErrorClass, TimelineEvent } from '../../src/timeline/events.js';
import type { Timeline } from '../../src/timeline/timeline.js';
import { kindsOfName } from '../../src/faults/fault.js';

type Fault = PhaseWindow['faults'][number];
type Num = number | ((t: number, i: number) => number);
type Outcome = number | ErrorClass;
const val = (v: Num, t: number, i: number) => (typeof v === 'number' ? v : v(t, i));

/**
 * Synthetic timelines for pure checks. Times given to the builder are run-relative ms; events get
 * absolute monotonic times (start 1,000,000) like a real run's, so checks cannot confuse the two.
 */
export class TimelineBuilder {
  static readonly START = 1_000_000;
  private readonly events: TimelineEvent[] = [];
  private readonly phases: PhaseWindow[] = [];
  private conn = 0;
  private endMs = 0;
  clientTimeoutMs = 10_000;
  dropped: Timeline['dropped'] = {};

  private abs(t: number): number {
    this.endMs = Math.max(this.endMs, t);
    return TimelineBuilder.START + t;
  }

  phase(name: string, from: number, to: number, faults: (Omit<Fault, 'kinds'> | [string, string])[] = []): this {
    const fs = faults.map((f): Fault => (Array.isArray(f) ? { dependency: f[0], fault: f[1], type: 'behaviour', kinds: kindsOfName(f[1]) } : { ...f, kinds: kindsOfName(f.fault) }));
    this.phases.push({ index: this.phases.length, name, startMs: this.abs(from), endMs: this.abs(to), faults: fs });
    this.events.push({ kind: 'phase', t: this.abs(from), index: this.phases.length - 1, name, edge: 'start' }, { kind: 'phase', t: this.abs(to), index: this.phases.length - 1, name, edge: 'end' });
    return this;
  }

  /** `correctedMs`: latency from the intended send time (fixed-rate loads), when the test needs one. */
  response(load: string, t: number, latencyMs: number, outcome: Outcome = 200, correctedMs?: number, digest?: string): this {
    this.abs(t + latencyMs);
    this.events.push({ kind: 'response', t: this.abs(t), load, latencyMs, ...(correctedMs !== undefined ? { correctedMs } : {}), bytes: 10, ...(typeof outcome === 'number' ? { status: outcome, ...(digest !== undefined ? { digest } : {}) } : { error: outcome }) });
    return this;
  }

  /** One request every `every` ms in [from, to). */
  responses(load: string, o: { from: number; to: number; every: number; latency: Num; outcome?: Outcome | ((t: number, i: number) => Outcome); digest?: string | ((t: number, i: number) => string) }): this {
    let i = 0;
    for (let t = o.from; t < o.to; t += o.every, i++) {
      const outcome = o.outcome === undefined ? 200 : typeof o.outcome === 'function' ? o.outcome(t, i) : o.outcome;
      this.response(load, t, val(o.latency, t, i), outcome, undefined, typeof o.digest === 'function' ? o.digest(t, i) : o.digest);
    }
    return this;
  }

  /**
   * A call from the target to a stand-in at t: answered after `answerAfter` ms with `status`, or
   * closed with the request pending after `closeAfter` ms (by the client unless `by` says otherwise).
   */
  call(dependency: string, t: number, o: { answerAfter?: number; status?: number; closeAfter?: number; by?: 'client' | 'stand-in'; replica?: number } = {}): this {
    const conn = ++this.conn;
    const at = this.abs(t);
    const r = o.replica !== undefined ? { replica: o.replica } : {};
    this.events.push({ kind: 'dep-open', t: at, dependency, ...r, conn, behaviour: 'ok' });
    this.events.push({ kind: 'dep-request', t: at, dependency, ...r, conn, method: 'GET', path: '/items/1', behaviour: 'ok', bytes: 0 });
    if (o.closeAfter !== undefined) {
      this.events.push({ kind: 'dep-close', t: this.abs(t + o.closeAfter), dependency, conn, by: o.by ?? 'client', pending: true, pendingSince: at, bytesIn: 80, bytesOut: 0 });
    } else if (o.answerAfter !== undefined) {
      const end = this.abs(t + o.answerAfter);
      this.events.push({ kind: 'dep-response', t: end, dependency, conn, startedMs: end, status: o.status ?? 200, bytes: 20 });
      this.events.push({ kind: 'dep-close', t: end + 1, dependency, conn, by: 'client', pending: false, bytesIn: 80, bytesOut: 40 });
    }
    return this;
  }

  /** A request to a stand-in that records idempotency keys: method, key and the logical request id it carried. */
  attempt(dependency: string, t: number, o: { method?: string; key?: string; requestId?: string; status?: number } = {}): this {
    const conn = ++this.conn;
    const at = this.abs(t);
    this.events.push({ kind: 'dep-request', t: at, dependency, conn, method: o.method ?? 'POST', path: '/charges', behaviour: 'ok', bytes: 40, ...(o.key !== undefined ? { key: o.key } : {}), ...(o.requestId !== undefined ? { requestId: o.requestId } : {}) });
    this.events.push({ kind: 'dep-response', t: this.abs(t + 2), dependency, conn, startedMs: this.abs(t + 2), status: o.status ?? 201, bytes: 20 });
    return this;
  }

  /** A queue stand-in's event at t: a message sent, delivered (hidden for `hiddenMs`), deleted... */
  queue(dependency: string, t: number, action: 'sent' | 'received' | 'redelivered' | 'deleted' | 'rejected', id?: string, o: { receives?: number; hiddenMs?: number; detail?: string } = {}): this {
    this.events.push({ kind: 'queue', t: this.abs(t), dependency, action, ...(id !== undefined ? { id } : {}), ...o, ...(action === 'received' || action === 'redelivered' ? { hiddenMs: o.hiddenMs ?? 2000 } : {}) });
    return this;
  }

  calls(dependency: string, o: { from: number; to: number; every: number } & Parameters<TimelineBuilder['call']>[2]): this {
    for (let t = o.from; t < o.to; t += o.every) this.call(dependency, t, o);
    return this;
  }

  sample(t: number, rssBytes: number): this {
    this.events.push({ kind: 'target-sample', t: this.abs(t), rssBytes });
    return this;
  }

  exit(t: number, code: number | null, expected = false): this {
    this.events.push({ kind: 'target-exit', t: this.abs(t), code, signal: null, expected });
    return this;
  }

  lag(t: number, p99Ms: number, maxMs: number): this {
    this.events.push({ kind: 'lag', t: this.abs(t), p50Ms: p99Ms / 2, p99Ms, maxMs });
    return this;
  }

  fault(t: number, dependency: string, fault: string, action: 'applied' | 'cleared'): this {
    this.events.push({ kind: 'fault', t: this.abs(t), phase: '', dependency, fault, type: 'behaviour', action });
    return this;
  }

  /** What crumple did to the target at t (kill, stop, pause, resume, spawn, ready): a target-control event. */
  control(t: number, action: 'kill' | 'stop' | 'pause' | 'resume' | 'spawn' | 'ready', start: number, readyMs?: number): this {
    this.events.push({ kind: 'target-control', t: this.abs(t), action, pid: 100 + start, start, ...(readyMs !== undefined ? { readyMs } : {}) });
    return this;
  }

  /** Any event as is, its `t` run-relative (only `t` is shifted): for fields the helpers above do not set. */
  raw(e: TimelineEvent, endsAt = e.t): this {
    this.abs(endsAt);
    this.events.push({ ...e, t: this.abs(e.t) } as TimelineEvent);
    return this;
  }

  end(t: number): this {
    this.abs(t);
    return this;
  }

  context(): CheckContext {
    const events = [...this.events].sort((a, b) => a.t - b.t);
    const timeline: Timeline = { startMs: TimelineBuilder.START, endMs: TimelineBuilder.START + this.endMs, events, seconds: [], dropped: this.dropped };
    const deps = new Set<string>();
    const loads = new Set<string>();
    for (const e of events) {
      if ('dependency' in e && e.kind !== 'fault') deps.add(e.dependency);
      if (e.kind === 'response') loads.add(e.load);
    }
    return { timeline, phases: this.phases, dependencies: [...deps], loads: [...loads], clientTimeoutMs: this.clientTimeoutMs };
  }
}

export const timeline = (): TimelineBuilder => new TimelineBuilder();
