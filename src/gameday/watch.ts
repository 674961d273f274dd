/**
 * Judging a game day while it runs: the halt conditions (each sustained for its `for`, every second)
 * and the steady-state hypothesis (the scenario's `steady-state` bounds over the last five seconds).
 * Pure over LiveStats: each watch is fed the completed seconds in order. A second with no responses
 * neither starts nor ends a breach (a hung target answers nothing until its clients time out).
 */
import { formatFor, formatPercent, meets, type Bound } from '../checks/bounds.js';
import { formatMs } from '../units.js';
import type { SteadyStateExpectation } from '../checks/steady-state.js';
import type { HaltCondition } from './schema.js';
import { percentile, type LiveStats } from './live.js';

export interface Breach {
  /** Second (since the game day's start) the current breach began; undefined while holding. */
  since: number | undefined;
  /** What the last judged second (or window) measured, e.g. "checkout errors 35% (> 20%)". */
  text: string;
}

const metric = (b: Bound | undefined, x: number, name: string): string | undefined => (b && Number.isFinite(x) && meets(b, x) ? `${name} ${formatFor(b, x)} (${b.text})` : undefined);

/** One halt condition: fires once its breach has lasted `for`, measured in whole seconds. */
export class HaltWatch {
  private judged = -1;
  readonly state: Breach = { since: undefined, text: '' };

  constructor(readonly condition: HaltCondition) {}

  /** Judges every completed second up to (not including) `upTo`. */
  update(live: LiveStats, upTo: number): void {
    const c = this.condition;
    for (let s = Math.max(this.judged + 1, upTo - 120); s < upTo; s++) {
      const l = live.loadAt(s, c.load);
      this.judged = s;
      if (!l.count) continue;
      const hit = metric(c.errors, l.errors / l.count, 'errors') ?? metric(c.p99, percentile(l.lat, 0.99), 'p99');
      if (hit) {
        this.state.since ??= s;
        this.state.text = `${c.load ?? 'all loads'} ${hit}`;
      } else {
        this.state.since = undefined;
        this.state.text = '';
      }
    }
  }

  /** True when the breach has been sustained for the condition's `for` by second `upTo`. */
  fired(upTo: number): boolean {
    return this.state.since !== undefined && (upTo - this.state.since) * 1000 >= this.condition.for;
  }

  describe(): string {
    const c = this.condition;
    const what = [c.errors ? `errors ${c.errors.text}` : '', c.p99 ? `p99 ${c.p99.text}` : ''].filter(Boolean).join(' or ');
    return `${c.load ?? 'all loads'}: ${what} for ${formatMs(c.for)}`;
  }
}

/** Seconds the steady-state hypothesis is judged over, live. */
export const STEADY_WINDOW_S = 5;

/** The steady-state hypothesis (every `steady-state` entry of `expect`), judged on a sliding window. */
export class SteadyWatch {
  private judged = -1;
  readonly state: Breach = { since: undefined, text: '' };

  constructor(readonly bounds: readonly SteadyStateExpectation[]) {}

  get defined(): boolean {
    return this.bounds.length > 0;
  }

  update(live: LiveStats, upTo: number): void {
    for (let s = Math.max(this.judged + 1, upTo - 120); s < upTo; s++) {
      this.judged = s;
      let any = false;
      let broken: string | undefined;
      const holding: string[] = [];
      for (const b of this.bounds) {
        const l = live.loadOver(s - STEADY_WINDOW_S + 1, s + 1, b.load);
        if (!l.count) continue;
        any = true;
        const rate = l.errors / l.count;
        const checks: [Bound | undefined, number, string][] = [
          [b.errors, rate, 'errors'],
          [b.p50, percentile(l.lat, 0.5), 'p50'],
          [b.p90, percentile(l.lat, 0.9), 'p90'],
          [b.p99, percentile(l.lat, 0.99), 'p99'],
        ];
        for (const [bound, x, name] of checks) {
          if (!bound || !Number.isFinite(x)) continue;
          const shown = `${b.load ?? 'all loads'} ${name} ${formatFor(bound, x)} (${bound.text})`;
          if (!meets(bound, x)) broken ??= shown;
          else holding.push(shown);
        }
      }
      if (!any) continue;
      if (broken) {
        this.state.since ??= s;
        this.state.text = broken;
      } else {
        this.state.since = undefined;
        this.state.text = holding.join(', ');
      }
    }
  }
}

/** "35%" for a ratio; re-exported so the console formats like the checks. */
export { formatPercent };
