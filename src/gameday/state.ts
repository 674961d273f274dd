/**
 * What is live on a game day: the faults injected (each bounded in time and rolled back on expiry),
 * the runbooks (the file's phases, the `steps:` blast radius), the halt conditions, the kill switch and
 * the journal. Every change goes through here, whichever terminal asked, and is written to the timeline
 * as a `journal` event saying who did what. Guarantee: a fault applied here is removed by its expiry,
 * a clear, the kill switch, a halt or end() — and one injected while the kill switch ran is removed as
 * soon as it lands.
 */
import { CrumpleError, describeError } from '../errors.js';
import { applyPhaseFaults, type FaultableDependency } from '../faults/phase.js';
import { describeFault, faultSchema, faultSummary, type DependencyFault as Fault } from '../faults/fault.js';
import { behaviourTable } from '../faults/fault.js';
import type { NetworkFaults } from '../faults/network.js';
import type { EventSink, JournalEvent } from '../timeline/events.js';
import type { DependencyPlan, RunPlan } from '../run-plan.js';
import { unknownName } from '../scenario/suggest.js';
import { formatMs } from '../units.js';
import { sleep } from '../safety.js';
import { DEFAULT_FAULT_MS, MAX_FAULT_MS, type Step } from './schema.js';
import { HaltWatch, SteadyWatch } from './watch.js';
import { percentile, type LiveStats } from './live.js';
import { formatSpan, type ConsoleView } from './render.js';

export interface Injection {
  id: number;
  name: string;
  faults: Fault[];
  by: string;
  source: 'hand' | 'step' | 'phase';
  appliedAt: number;
  expiresAt: number;
}

interface Live extends Injection {
  timer: NodeJS.Timeout;
  undo: () => Promise<void>;
}

export interface GameDayParts {
  name: string;
  dependencies: readonly DependencyPlan[];
  faultable: ReadonlyMap<string, FaultableDependency>;
  network?: NetworkFaults | undefined;
  sink: EventSink;
  live: LiveStats;
  clock: () => number;
  halt: HaltWatch[];
  steady: SteadyWatch;
  steps: readonly Step[];
  phases: RunPlan['phases'];
  /** Called once when the game day must end by itself (a step broke the steady state). */
  onStop: (reason: string) => void;
}

/** A fault as the control API or the console gives it: written form, plus how long and who. */
export interface InjectRequest {
  faults: unknown[];
  forMs?: number;
  by: string;
  name?: string;
}

const JOURNAL_SHOWN = 200;
/** A call held this long unanswered means the target is waiting on the dependency. */
const WAITING_MS = 250;

export class GameDay {
  private readonly active = new Map<number, Live>();
  private nextId = 1;
  /** Bumped by the kill switch: an injection that started before it is undone when it lands. */
  private epoch = 0;
  private readonly journalTail: JournalEvent[] = [];
  private runbook = new AbortController();
  lastHalt: { at: number; reason: string } | undefined;
  stopped: string | undefined;
  readonly startedAt: number;
  /** Steps runbook: -1 = not started. */
  step = { index: -1, id: undefined as number | undefined, startedAt: 0, waiting: false, done: '' };
  phase = { index: -1, name: '' };
  haltEnabled = true;

  constructor(private readonly p: GameDayParts) {
    this.startedAt = p.clock();
  }

  // ── the journal ────────────────────────────────────────────────────────────────────────────────
  journal(action: JournalEvent['action'], by: string, text: string, extra: Partial<JournalEvent> = {}): JournalEvent {
    const e: JournalEvent = { kind: 'journal', t: this.p.clock(), action, by, text, ...extra };
    this.p.sink(e);
    this.journalTail.push(e);
    if (this.journalTail.length > JOURNAL_SHOWN) this.journalTail.shift();
    return e;
  }

  faults(): Injection[] {
    return [...this.active.values()].map(({ timer: _t, undo: _u, ...rest }) => rest).sort((a, b) => a.id - b.id);
  }

  // ── injecting and clearing ─────────────────────────────────────────────────────────────────────
  /** Validates every fault with the one fault schema, then applies them together for `forMs`. */
  parse(req: InjectRequest): { faults: Fault[]; forMs: number } {
    const forMs = req.forMs ?? DEFAULT_FAULT_MS;
    if (!(forMs > 0) || forMs > MAX_FAULT_MS) throw new CrumpleError('BAD_INPUT', `for: a game-day fault lasts more than 0 s and at most ${formatSpan(MAX_FAULT_MS)} (got ${formatSpan(forMs)})`);
    if (!req.faults.length) throw new CrumpleError('BAD_INPUT', 'faults: give at least one fault');
    const faults = req.faults.map((raw, i) => {
      const r = faultSchema.safeParse(raw);
      const at = req.faults.length > 1 ? `faults[${i}].` : '';
      if (!r.success) {
        const issue = r.error.issues[0]!;
        const path = issue.path.filter((x) => typeof x !== 'symbol').join('.');
        throw new CrumpleError('BAD_INPUT', `${at}${path ? `${path}: ` : ''}${issue.message}`);
      }
      if ('target' in r.data) throw new CrumpleError('BAD_INPUT', `${at}target: a game day faults dependencies; the target process is killed, paused or restarted in a scenario's phases (crumple run)`);
      this.fits(r.data, at);
      return r.data;
    });
    return { faults, forMs };
  }

  /** The fault fits this game day's dependencies (exists, protocol, via: proxy for network faults). */
  private fits(f: Fault, at: string): void {
    const d = this.p.dependencies.find((x) => x.name === f.dependency);
    const names = this.p.dependencies.map((x) => x.name);
    if (!d) throw new CrumpleError('BAD_INPUT', `${at}dependency: ${unknownName(f.dependency, names, 'dependency')}`);
    if ('behaviour' in f && !Object.hasOwn(behaviourTable(d.protocol), f.behaviour)) {
      throw new CrumpleError('BAD_INPUT', `${at}behaviour: '${f.behaviour}' is not a ${d.protocol === 'ws' ? 'WebSocket' : 'HTTP'} behaviour, and '${d.name}' is ${d.protocol}`);
    }
    if (!('behaviour' in f) && d.via !== 'proxy') throw new CrumpleError('BAD_INPUT', `${at}dependency: '${d.name}' is reached directly (via: direct), so it cannot take network faults`);
    for (const x of this.active.values()) {
      for (const g of x.faults) {
        if (g.dependency !== f.dependency) continue;
        const clash = ('behaviour' in f && 'behaviour' in g) || ('down' in f && 'down' in g) || ('toxic' in f && 'toxic' in g && f.toxic.type === g.toxic.type && (f.toxic.stream ?? 'downstream') === (g.toxic.stream ?? 'downstream'));
        if (clash) throw new CrumpleError('BAD_INPUT', `${at}dependency: '${f.dependency}' already has ${describeFault(g)} (#${x.id}); clear it first`);
      }
    }
  }

  async inject(req: InjectRequest, source: Injection['source'] = 'hand'): Promise<Injection> {
    if (this.stopped) throw new CrumpleError('BAD_INPUT', `the game day is ending (${this.stopped})`);
    let parsed: { faults: Fault[]; forMs: number };
    try {
      parsed = this.parse(req);
    } catch (e) {
      this.journal('failed', req.by, `refused ${req.name ?? 'a fault'}: ${describeError(e)}`);
      throw e;
    }
    const { faults, forMs } = parsed;
    const id = this.nextId++;
    const name = req.name ?? `#${id} ${faults.map(describeFault).join(', ')}`;
    const epoch = this.epoch;
    let undo: () => Promise<void>;
    try {
      undo = await applyPhaseFaults({ phase: name, faults, deps: this.p.faultable, ...(this.p.network ? { network: this.p.network } : {}), sink: this.p.sink });
    } catch (e) {
      this.journal('failed', req.by, `could not inject ${faults.map(describeFault).join(', ')}: ${describeError(e)}`, { id });
      throw e;
    }
    const appliedAt = this.p.clock();
    const text = `${faults.map(describeFault).join(', ')} for ${formatSpan(forMs)}`;
    this.journal('inject', req.by, text, { id, name, faults: faults.map(faultSummary), forMs });
    const timer = setTimeout(() => void this.clear(id, 'timer', 'expire').catch(() => {}), forMs);
    const entry: Live = { id, name, faults, by: req.by, source, appliedAt, expiresAt: appliedAt + forMs, timer, undo };
    this.active.set(id, entry);
    if (epoch !== this.epoch || this.stopped) await this.clear(id, 'kill switch', 'clear', 'landed after the kill switch');
    const { timer: _t, undo: _u, ...out } = entry;
    return out;
  }

  /** Removes one injection's faults; `action` says why (clear by someone, or expire on its timer). */
  async clear(id: number, by: string, action: 'clear' | 'expire' = 'clear', why?: string): Promise<Injection> {
    const x = this.active.get(id);
    if (!x) throw new CrumpleError('NOT_FOUND', `no active fault #${id} (active: ${[...this.active.keys()].map((k) => `#${k}`).join(', ') || 'none'})`);
    this.active.delete(id);
    clearTimeout(x.timer);
    try {
      await x.undo();
    } catch (e) {
      this.journal('failed', by, `could not fully clear #${id}: ${describeError(e)}`, { id });
      throw e;
    } finally {
      const held = formatSpan(this.p.clock() - x.appliedAt);
      this.journal(action, by, `${action === 'expire' ? 'expired' : 'cleared'} #${id} ${x.faults.map(describeFault).join(', ')} after ${held}${why ? ` (${why})` : ''}`, { id });
    }
    if (x.source === 'step' && this.step.id === id) this.afterStep(action);
    const { timer: _t, undo: _u, ...out } = x;
    return out;
  }

  /** Clears the injections touching `dependency` (every one when undefined). */
  async clearWhere(by: string, dependency?: string): Promise<Injection[]> {
    if (dependency !== undefined && !this.p.dependencies.some((d) => d.name === dependency)) {
      throw new CrumpleError('BAD_INPUT', `dependency: ${unknownName(dependency, this.p.dependencies.map((d) => d.name), 'dependency')}`);
    }
    const ids = [...this.active.values()].filter((x) => dependency === undefined || x.faults.some((f) => f.dependency === dependency)).map((x) => x.id);
    return this.clearMany(ids, by);
  }

  private async clearMany(ids: number[], by: string, why?: string): Promise<Injection[]> {
    const rs = await Promise.allSettled(ids.map((id) => this.clear(id, by, 'clear', why)));
    const bad = rs.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => describeError(r.reason));
    if (bad.length) throw new CrumpleError('HARNESS_FAILED', `could not clear every fault`, { details: bad });
    return rs.map((r) => (r as PromiseFulfilledResult<Injection>).value);
  }

  /** The kill switch: every fault cleared now, the runbooks stopped. */
  async kill(by: string, reason = 'kill switch'): Promise<Injection[]> {
    this.epoch++;
    this.stopRunbooks();
    const ids = [...this.active.keys()];
    this.journal('kill', by, `${reason}: clearing ${ids.length} fault${ids.length === 1 ? '' : 's'}`);
    return this.clearMany(ids, by, reason);
  }

  note(by: string, text: string): JournalEvent {
    const t = text.replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
    if (!t) throw new CrumpleError('BAD_INPUT', 'text: a note needs some text');
    if (t.length > 2000) throw new CrumpleError('BAD_INPUT', 'text: a note is at most 2000 characters');
    return this.journal('note', by, t);
  }

  // ── runbooks ───────────────────────────────────────────────────────────────────────────────────
  private stopRunbooks(): void {
    this.runbook.abort();
    this.runbook = new AbortController();
    if (this.step.index >= 0 && !this.step.done && this.step.index < this.p.steps.length) this.step.done = 'stopped';
    this.step.waiting = false;
  }

  /** The file's phases, in order, each phase's faults for its `for`; then the game day is driven by hand. */
  async playPhases(): Promise<void> {
    const signal = this.runbook.signal;
    for (const [i, ph] of this.p.phases.entries()) {
      if (signal.aborted || this.stopped) return;
      this.phase = { index: i, name: ph.name };
      this.journal('phase', 'runbook', `phase ${i + 1}/${this.p.phases.length} '${ph.name}' for ${formatSpan(ph.durationMs)}: ${ph.faults.length ? ph.faults.map(describeFault).join(', ') : 'no faults'}`);
      if (ph.faults.length) {
        try {
          await this.inject({ faults: ph.faults, forMs: ph.durationMs, by: 'runbook', name: ph.name }, 'phase');
        } catch {
          return; // journalled as failed
        }
      }
      await sleep(ph.durationMs, signal);
    }
    if (!signal.aborted) this.phase = { index: this.p.phases.length, name: '' };
  }

  /** Starts the next step of `steps:` (clearing the current one's faults first). */
  async nextStep(by: string): Promise<string> {
    const steps = this.p.steps;
    if (!steps.length) throw new CrumpleError('BAD_INPUT', 'this game day has no steps: runbook');
    if (this.step.done) throw new CrumpleError('BAD_INPUT', `the steps runbook is ${this.step.done}`);
    const current = this.step.id;
    this.step.id = undefined;
    if (current !== undefined && this.active.has(current)) await this.clear(current, by);
    const i = this.step.index + 1;
    this.step.index = i;
    this.step.waiting = false;
    if (i >= steps.length) {
      this.step.done = 'complete';
      this.journal('step', by, `steps runbook complete: ${steps.length} step${steps.length === 1 ? '' : 's'}, steady state held`);
      return 'complete';
    }
    const st = steps[i]!;
    const name = stepName(st, i, steps.length);
    this.step.startedAt = this.p.clock();
    this.journal('step', by, `${name} for ${formatSpan(st.for)} (then ${i === steps.length - 1 ? 'the end of the runbook' : st.advance === 'timer' ? 'the next step' : 'wait for the key'})`);
    let x: Injection;
    try {
      x = await this.inject({ faults: st.faults, forMs: st.for, by, name }, 'step');
    } catch (e) {
      this.step.done = 'stopped';
      this.journal('step', by, `${name} could not start (${describeError(e)}): steps runbook stopped`);
      throw e;
    }
    if (this.active.has(x.id)) this.step.id = x.id;
    return name;
  }

  private afterStep(action: 'clear' | 'expire'): void {
    this.step.id = undefined;
    if (action !== 'expire' || this.step.done) return;
    const st = this.p.steps[this.step.index];
    if (st?.advance === 'timer') void this.nextStep('timer').catch(() => {});
    else this.step.waiting = true;
  }

  // ── once a second ──────────────────────────────────────────────────────────────────────────────
  /** Judges the completed seconds: halt conditions, the steady state, a breaking step. */
  async tick(): Promise<void> {
    const upTo = this.p.live.secondOf(this.p.clock());
    for (const h of this.p.halt) h.update(this.p.live, upTo);
    this.p.steady.update(this.p.live, upTo);
    if (this.stopped) return;
    const fired = this.haltEnabled && this.active.size ? this.p.halt.find((h) => h.fired(upTo)) : undefined;
    if (fired) {
      const reason = `halt: ${fired.state.text} for ${upTo - fired.state.since!} s (condition: ${fired.describe()})`;
      this.lastHalt = { at: this.p.clock(), reason };
      this.journal('halt', 'halt', reason);
      await this.kill('halt', 'halt condition').catch(() => {});
      return;
    }
    const s = this.p.steady.state;
    const stepOn = this.step.index >= 0 && this.step.index < this.p.steps.length && !this.step.done;
    if (stepOn && s.since !== undefined && s.since >= this.p.live.secondOf(this.step.startedAt)) {
      const name = stepName(this.p.steps[this.step.index]!, this.step.index, this.p.steps.length);
      const reason = `stopped at ${name}: steady state breached (${s.text})`;
      this.journal('halt', 'steady-state', reason);
      this.lastHalt = { at: this.p.clock(), reason };
      await this.kill('steady-state', 'steady state breached').catch(() => {});
      this.step.done = 'stopped';
      this.p.onStop(reason);
    }
  }

  /** Ends the game day: runbooks stopped, every fault cleared (the caller then unwinds the rig). */
  async end(by: string, why: string): Promise<void> {
    if (!this.stopped) this.stopped = why;
    this.epoch++;
    this.stopRunbooks();
    const ids = [...this.active.keys()];
    try {
      await this.clearMany(ids, by, 'game day ended');
    } finally {
      this.journal('end', by, `game day ended (${why}); ${ids.length} fault${ids.length === 1 ? '' : 's'} cleared`);
    }
  }

  // ── what the console shows ─────────────────────────────────────────────────────────────────────
  view(extra: { target: ConsoleView['target']; maxMs: number; control?: string }): Omit<ConsoleView, 'ui'> {
    const now = this.p.clock();
    const live = this.p.live;
    const cur = live.secondOf(now);
    const loadNames = [...live.loadNames];
    const totalRps = live.loadOver(cur - 3, cur).count / 3;
    const loads = loadNames.map((name) => {
      const l = live.loadOver(cur - 3, cur, name);
      const spark: number[] = [];
      const errs: number[] = [];
      for (let s = cur - 60; s < cur; s++) {
        const x = live.loadAt(s, name);
        spark.push(x.count ? percentile(x.lat, 0.99) : NaN);
        errs.push(x.count ? x.errors / x.count : NaN);
      }
      return { name, rps: l.count / 3, p50Ms: percentile(l.lat, 0.5), p99Ms: percentile(l.lat, 0.99), errorRate: l.count ? l.errors / l.count : NaN, p99Spark: spark, errorSpark: errs };
    });
    const deps = this.p.dependencies.map((d) => {
      const calls = live.callsOver(d.name, cur - 3, cur) / 3;
      const n = live.depNow(d.name, now);
      const doing =
        n.pending > 0 && n.oldestPendingMs >= WAITING_MS ? `waiting: ${n.pending} call${n.pending === 1 ? '' : 's'} held, oldest ${formatMs(n.oldestPendingMs)}`
          : calls === 0 && totalRps > 0 ? 'not calling'
            : totalRps > 0 && calls > 1.5 * totalRps ? `retrying: ${(calls / totalRps).toFixed(1)} calls per request`
              : calls > 0 ? 'calling' : 'idle';
      const faults = this.faults().flatMap((x) => x.faults.filter((f) => f.dependency === d.name).map((f) => `#${x.id} ${describeFault({ ...f, dependency: '' } as Fault).replace(/^ ?(→|~) /, '')}`));
      return { name: d.name, via: d.via, callsPerS: calls, open: n.open, doing, faults };
    });
    const st = this.p.steady.state;
    const steps = this.p.steps;
    return {
      name: this.p.name,
      elapsedMs: now - this.startedAt,
      leftMs: Math.max(0, this.startedAt + extra.maxMs - now),
      target: extra.target,
      lagMs: live.lagMs,
      loads,
      deps,
      faults: this.faults().map((x) => ({ id: x.id, text: x.faults.map(describeFault).join(', '), by: x.by, leftMs: Math.max(0, x.expiresAt - now), name: x.name })),
      steady: { defined: this.p.steady.defined, holding: st.since === undefined, ...(st.since !== undefined ? { sinceS: st.since } : {}), text: st.text },
      halts: {
        enabled: this.haltEnabled,
        conditions: this.p.halt.map((h) => ({ text: h.describe(), ...(h.state.since !== undefined ? { breachingS: Math.max(0, cur - h.state.since), now: h.state.text } : {}) })),
        ...(this.lastHalt ? { last: { atS: (this.lastHalt.at - this.startedAt) / 1000, reason: this.lastHalt.reason } } : {}),
      },
      ...(steps.length
        ? {
            steps: {
              index: this.step.index,
              total: steps.length,
              name: this.step.index >= 0 && this.step.index < steps.length ? stepName(steps[this.step.index]!, this.step.index, steps.length) : '',
              waiting: this.step.waiting || this.step.index < 0,
              done: this.step.done,
            },
          }
        : {}),
      ...(this.p.phases.length ? { phase: { index: this.phase.index, total: this.p.phases.length, name: this.phase.name } } : {}),
      journal: this.journalTail.slice(-8).map((e) => ({ atS: (e.t - this.startedAt) / 1000, by: e.by, text: e.text, action: e.action })),
      ...(extra.control ? { control: extra.control } : {}),
    };
  }
}

export function stepName(st: Step, i: number, n: number): string {
  return `step ${i + 1}/${n} '${st.name ?? st.faults.map(describeFault).join(', ')}'`;
}
