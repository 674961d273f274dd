/**
 * A soak's verdicts, cycle by cycle. Each check but the whole-run ones (drift, slo, capacity) is
 * judged on one cycle at a time; run.ts judges a cycle as soon as its responses are in, keeps the
 * verdicts, and lets the recorder release that cycle's raw events: a 2-hour soak never holds more
 * than a cycle or two of them, so no cycle is left "cannot judge" by the raw-event cap. The verdicts
 * are the ones judging the whole recorded timeline at the end would give (test/unit/cycle-judge.test.ts
 * proves it on a recorded run); whole-run checks read the per-second summaries, which stay complete.
 */
import { checkNameOf, checks, isCheckName, runCheck } from './checks/index.js';
import type { CheckContext, PhaseWindow, Verdict } from './checks/check.js';
import { baselineWindow } from './checks/query.js';
import type { TimelineEvent } from './timeline/events.js';
import type { KeepWindow, Recorder } from './timeline/recorder.js';
import type { Timeline } from './timeline/timeline.js';

/** Does this expectation's check judge the whole run (drift, slo, capacity) rather than each cycle? */
function judgesRun(key: string): boolean {
  const name = checkNameOf(key);
  return isCheckName(name) && (checks[name] as { judges?: 'cycle' | 'run' }).judges === 'run';
}

/** A verdict of cycle `c` (0-based): keyed `key #n` and marked with its cycle. */
export function inCycle(v: Verdict, c: number, cycles: number): Verdict {
  return cycles > 1 ? { ...v, key: `${v.key} #${c + 1}`, cycle: c + 1 } : v;
}

/** Index of the first event at or after t (events are in time order). */
function lowerBound(events: readonly TimelineEvent[], t: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (events[mid]!.t < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * What a check sees of cycle `c`: that cycle's phases under their written names, and the events and
 * seconds from its first phase's start to its last phase's end (the last cycle: to the run's end);
 * from the second cycle on, the first cycle's baseline as the `reference` a recovery gets back to
 * (`reference`: already known, when `ctx` is a window of the run that no longer shows cycle 0 whole).
 */
export function cycleContext(ctx: CheckContext, c: number, perCycle: number, reference: CheckContext['reference'] = c > 0 ? referenceOf(ctx, perCycle) : undefined): CheckContext {
  const phases: PhaseWindow[] = ctx.phases
    .filter((p) => Math.floor(p.index / perCycle) === c)
    .map((p) => ({ ...p, index: p.index - c * perCycle, name: p.name.replace(/ #\d+$/, '') }));
  if (!phases.length) return { ...ctx, phases };
  const startMs = phases[0]!.startMs;
  const isLast = !ctx.phases.some((p) => Math.floor(p.index / perCycle) > c);
  const endMs = isLast ? ctx.timeline.endMs : phases[phases.length - 1]!.endMs;
  const all = ctx.timeline.events;
  const own = all.slice(lowerBound(all, startMs), lowerBound(all, endMs + 1));
  if (c === 0) return { ...ctx, phases, timeline: { ...ctx.timeline, endMs, events: own } };
  // Later cycles recover to the first cycle's baseline: its events come along (they are few).
  if (!reference) return { ...ctx, phases, timeline: { ...ctx.timeline, endMs, events: own } };
  const events = [...all.slice(lowerBound(all, reference.startMs), lowerBound(all, reference.endMs)), ...own];
  return { ...ctx, phases, reference, timeline: { ...ctx.timeline, endMs, events } };
}

/** The first cycle's baseline: what later cycles recover to (its raw events are never released). */
export function referenceOf(ctx: CheckContext, perCycle: number): NonNullable<CheckContext['reference']> | undefined {
  const first = baselineWindow(cycleContext(ctx, 0, perCycle));
  return first ? { startMs: first.startMs, endMs: first.endMs, label: `${first.label} #1` } : undefined;
}

/** Expectations in verdict order: steady-state last, as the run saw it. */
function ordered(expect: Readonly<Record<string, unknown>>): [string, unknown][] {
  const entries = Object.entries(expect);
  return [...entries.filter(([k]) => checkNameOf(k) !== 'steady-state'), ...entries.filter(([k]) => checkNameOf(k) === 'steady-state')];
}

/**
 * Judges the cycles of a soak, each once: `judgeCycle` as soon as a cycle is complete (run.ts), then
 * `verdicts` for the whole run — the whole-run checks, the cycles not judged yet, and the kept ones,
 * in the order judging everything at once gives (by expectation, then by cycle).
 */
export class CycleJudge {
  private readonly done = new Map<number, Map<string, Verdict>>();
  private readonly entries: [string, unknown][];

  constructor(
    expect: Readonly<Record<string, unknown>>,
    readonly cycles: number,
    readonly perCycle: number,
  ) {
    this.entries = ordered(expect);
  }

  judged(c: number): boolean {
    return this.done.has(c);
  }

  /** Judges every per-cycle expectation on cycle `c` of `ctx` (and `reference`, as cycleContext takes it) and keeps the verdicts. */
  judgeCycle(ctx: CheckContext, c: number, reference?: CheckContext['reference']): void {
    const cctx = reference ? cycleContext(ctx, c, this.perCycle, reference) : cycleContext(ctx, c, this.perCycle);
    const out = new Map<string, Verdict>();
    for (const [key, x] of this.entries) if (!judgesRun(key)) out.set(key, inCycle(runCheck(cctx, key, x), c, this.cycles));
    this.done.set(c, out);
  }

  /** Every verdict of the run: with one cycle, each expectation once; with several, per-cycle ones per cycle that started. */
  verdicts(ctx: CheckContext): Verdict[] {
    if (this.cycles <= 1) return this.entries.map(([key, x]) => runCheck(ctx, key, x));
    const out: Verdict[] = [];
    for (const [key, x] of this.entries) {
      if (judgesRun(key)) {
        out.push(runCheck(ctx, key, x));
        continue;
      }
      for (let c = 0; c < this.cycles; c++) {
        const kept = this.done.get(c)?.get(key);
        if (kept) {
          out.push(kept);
          continue;
        }
        if (!ctx.phases.some((p) => Math.floor(p.index / this.perCycle) === c)) break; // the run stopped before this cycle
        out.push(inCycle(runCheck(cycleContext(ctx, c, this.perCycle), key, x), c, this.cycles));
      }
    }
    return out;
  }
}

/** Every verdict of a run judged at once from its whole timeline. */
export function judgeCycles(ctx: CheckContext, expect: Readonly<Record<string, unknown>>, cycles: number, perCycle: number): Verdict[] {
  return new CycleJudge(expect, cycles, perCycle).verdicts(ctx);
}

/**
 * How long after a cycle's last phase ends its responses are all in: a response event is stamped
 * with its request's start and arrives when it ends, at the latest after the client timeout; load
 * workers post their events every 50 ms, and a busy main thread takes a while to read them.
 */
export const SETTLE_MS = 2000;

/**
 * A soak in progress: told where each phase started and ended, `poll` judges every cycle whose
 * responses are in (never the last: it is judged with the run, as are the whole-run checks), keeps
 * its verdicts in the CycleJudge, and releases its raw events from the recorder. The first cycle's
 * baseline stays: later cycles recover to it. A cycle is judged on a window of the recorder (its own
 * span and that baseline): the cost follows the cycle's events, not how long the run has gone.
 */
export class CyclesInFlight {
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private next = 0;
  private reference: NonNullable<CheckContext['reference']> | undefined;

  constructor(
    readonly judge: CycleJudge,
    private readonly recorder: Pick<Recorder, 'window' | 'release'>,
    private readonly context: (timeline: Timeline) => CheckContext,
    /** The longest client timeout of the run's loads. */
    clientTimeoutMs: number,
    private readonly settleMs = clientTimeoutMs + SETTLE_MS,
  ) {}

  phaseStarted(index: number, t: number): void {
    this.starts[index] = t;
  }

  phaseEnded(index: number, t: number): void {
    this.ends[index] = t;
  }

  /** Cycles judged so far. */
  get judged(): number {
    return this.next;
  }

  /** Judges and releases every cycle complete and settled by `nowMs`; returns how many. */
  poll(nowMs: number): number {
    const { cycles, perCycle } = this.judge;
    let n = 0;
    while (this.next < cycles - 1) {
      const c = this.next;
      const end = this.ends[(c + 1) * perCycle - 1];
      const nextStart = this.starts[(c + 1) * perCycle];
      if (end === undefined || nextStart === undefined || nowMs < end + this.settleMs) break;
      const keep: KeepWindow[] = this.reference ? [{ startMs: this.reference.startMs, endMs: this.reference.endMs }] : [];
      const ctx = this.context(this.recorder.window({ fromMs: this.starts[c * perCycle]!, toMs: end, keep }));
      if (c === 0) this.reference = referenceOf(ctx, perCycle);
      this.judge.judgeCycle(ctx, c, c > 0 ? this.reference : undefined);
      this.recorder.release(nextStart, this.reference ? [{ startMs: this.reference.startMs, endMs: this.reference.endMs }] : []);
      this.next += 1;
      n += 1;
    }
    return n;
  }
}
