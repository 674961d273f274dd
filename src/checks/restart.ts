import { z } from 'zod';
import { formatMs } from '../units.js';
import { durationSchema } from '../unit-schemas.js';
import type { Check, CheckContext, PhaseWindow, Verdict } from './check.js';
import { boundSchema, formatPercent } from './bounds.js';
import { defaultP99Limit } from './bulkhead.js';
import { SUCCESS_SLACK } from './recovery.js';
import { at, baselineWindow, eventsOf, isError, isSuccess, num, quantile, responses, type Window } from './query.js';
import { ev, inconclusive, verdict } from './verdict.js';
import type { TargetControlEvent } from '../timeline/events.js';

export const restartExpectation = z.strictObject({
  /**
   * The service's MTTR bound: from the moment crumple lets the target back (starts it again after a
   * kill or for a restart, resumes it after a pause) until clients see the baseline again.
   */
  within: durationSchema,
  /** Bound on the time from spawn to the readiness probe passing (kill, restart). */
  'ready-within': durationSchema.optional(),
  /** The phase with the target fault (default: every phase with one). */
  phase: z.string().optional(),
  /** Judge this load only (default: every load together). */
  load: z.string().optional(),
  /**
   * Absolute p90 a recovered second may have (default: 2× the baseline p99 + 50 ms). A p90, not a p99:
   * a fresh process's first slow answers (JIT, cold connections) and a busy machine's single stalls
   * would otherwise push every window they touch out of "recovered".
   */
  p90: boundSchema('duration').optional(),
});
export type RestartExpectation = z.infer<typeof restartExpectation>;

const STEP_MS = 250;
type Control = TargetControlEvent;

/** One target fault as it happened: when crumple took the target down, let it back, and it was ready. */
interface Outage {
  phase: PhaseWindow;
  action: string;
  downAt: number;
  /** The spawn (kill, restart) or resume (pause) that let it back. */
  backFrom?: number;
  readyAt?: number;
  readyMs?: number;
  /** Clients back at baseline from here on (undefined: never, within the judged window). */
  recoveredAt?: number;
  mttrMs?: number;
  judgedUntil: number;
  errors: number;
  requests: number;
  worst?: { start: number; rate: number; p90: number };
}

function outageOf(ctx: CheckContext, phase: PhaseWindow, controls: readonly Control[], x: RestartExpectation, base: { rate: number; p90Limit: number }): Outage {
  const action = phase.faults.find((f) => f.type === 'target')!.fault;
  const down = controls.find((c) => (c.action === 'kill' || c.action === 'stop' || c.action === 'pause') && c.t >= phase.startMs && c.t <= phase.endMs);
  const next = ctx.phases.find((p) => p.startMs >= phase.endMs && p.faults.length > 0);
  const judgedUntil = next ? next.startMs : ctx.timeline.endMs;
  const o: Outage = { phase, action, downAt: down?.t ?? phase.startMs, judgedUntil, errors: 0, requests: 0 };
  if (!down) return o;
  const back = controls.find((c) => c.t >= down.t && (down.action === 'pause' ? c.action === 'resume' : c.action === 'spawn'));
  if (!back) return o;
  o.backFrom = back.t;
  if (down.action === 'pause') o.readyAt = back.t;
  else {
    const ready = controls.find((c) => c.action === 'ready' && c.t >= back.t && c.start === back.start);
    if (ready) {
      o.readyAt = ready.t;
      o.readyMs = ready.readyMs ?? ready.t - back.t;
    }
  }
  // Sliding one-second windows from the moment it was let back, as `recovery` does from a fault's end.
  const after = responses(ctx, [{ startMs: back.t, endMs: judgedUntil, label: 'after' }], x.load).sort((a, b) => a.t - b.t);
  type Win = { start: number; n: number; healthy: boolean; rate: number; p90: number };
  const wins: Win[] = [];
  let lo = 0;
  let hi = 0;
  for (let s = back.t; s + 1000 <= judgedUntil; s += STEP_MS) {
    while (lo < after.length && after[lo]!.t < s) lo++;
    while (hi < after.length && after[hi]!.t < s + 1000) hi++;
    const w = after.slice(lo, hi);
    const rate = w.length ? w.filter(isSuccess).length / w.length : NaN;
    const p90 = quantile(w.map((r) => r.latencyMs).sort((a, b) => a - b), 0.9);
    wins.push({ start: s, n: w.length, rate, p90, healthy: w.length === 0 || (rate >= base.rate - SUCCESS_SLACK && p90 <= base.p90Limit) });
  }
  let k = wins.length;
  while (k > 0 && wins[k - 1]!.healthy) k--;
  if (wins.slice(k).some((w) => w.n > 0)) {
    o.recoveredAt = wins[k]!.start;
    o.mttrMs = o.recoveredAt - back.t;
  }
  const worst = wins.filter((w) => w.n > 0).reduce<Win | undefined>((a, w) => (!a || w.rate < a.rate ? w : a), undefined);
  if (worst) o.worst = { start: worst.start, rate: worst.rate, p90: worst.p90 };
  // Every request sent from the fault to recovery (not the phase-edge rule: this window is not a phase).
  const outage = eventsOf(ctx, 'response', [{ startMs: o.downAt, endMs: o.recoveredAt ?? judgedUntil, label: 'outage' }]).filter((r) => x.load === undefined || r.load === x.load);
  o.requests = outage.length;
  o.errors = outage.filter((r) => isError(r) || !isSuccess(r)).length;
  return o;
}

const verb = (a: string) => (a === 'kill' ? 'killed' : a === 'pause' ? 'paused' : 'restarted');

/**
 * Around a target fault (kill, pause, restart): how long the target took to pass its readiness probe
 * after crumple started it again, and the service's MTTR: from that start (or the SIGCONT) until
 * every one-second window to the next faulty phase has the baseline's success rate and a p90 within
 * 2× the baseline's p99 + 50 ms.
 */
function run(ctx: CheckContext, x: RestartExpectation, key: string): Verdict {
  const phases = x.phase === undefined ? ctx.phases.filter((p) => p.faults.some((f) => f.type === 'target')) : ctx.phases.filter((p) => p.name === x.phase);
  if (x.phase !== undefined && !phases.length) return inconclusive(ctx, 'restart', key, `no phase named '${x.phase}' in this run`);
  if (!phases.length) return inconclusive(ctx, 'restart', key, 'no phase of this run kills, pauses or restarts the target (add a fault { target: kill | pause | restart })');
  if (phases.some((p) => !p.faults.some((f) => f.type === 'target'))) return inconclusive(ctx, 'restart', key, `phase '${x.phase}' has no target fault`);
  const base = baselineWindow(ctx);
  const bs = base ? responses(ctx, [base], x.load) : [];
  if (!bs.length) return inconclusive(ctx, 'restart', key, 'no baseline responses to compare with');
  const baseRate = bs.filter(isSuccess).length / bs.length;
  const baseP99 = quantile(bs.map((r) => r.latencyMs).sort((a, b) => a - b), 0.99);
  const p90Limit = x.p90 ? x.p90.value : defaultP99Limit(baseP99);
  const controls = eventsOf(ctx, 'target-control');
  const outages = phases.map((p) => outageOf(ctx, p, controls, x, { rate: baseRate, p90Limit }));
  const notDone = outages.find((o) => o.backFrom === undefined || o.readyAt === undefined);
  if (notDone && (ctx.stopped || !controls.length)) {
    return inconclusive(ctx, 'restart', key, controls.length ? `the target was ${verb(notDone.action)} in '${notDone.phase.name}' and the run ended before it was back` : 'no record of what crumple did to the target (a target given by url cannot take target faults)');
  }
  const short = outages.find((o) => o.backFrom !== undefined && o.judgedUntil - o.backFrom < 1000);
  if (short) return inconclusive(ctx, 'restart', key, `only ${formatMs(short.judgedUntil - short.backFrom!)} between the target coming back and the next fault or the end: add a fault-free phase after '${short.phase.name}'`);

  const failed = (o: Outage) => o.readyAt === undefined || o.mttrMs === undefined || o.mttrMs > x.within || (x['ready-within'] !== undefined && o.readyMs !== undefined && o.readyMs > x['ready-within']);
  const worst = outages.find(failed) ?? outages.reduce((a, o) => ((o.mttrMs ?? Infinity) > (a.mttrMs ?? Infinity) ? o : a));
  const ok = !outages.some(failed);
  const w = worst;
  const readyText = w.readyMs !== undefined ? `ready after ${formatMs(w.readyMs)}` : w.action === 'pause' ? 'resumed' : 'never ready';
  const summary =
    w.mttrMs !== undefined
      ? `target ${verb(w.action)} in '${w.phase.name}': ${readyText}${x['ready-within'] !== undefined ? ` (bound ${formatMs(x['ready-within'])})` : ''}, clients back at baseline ${formatMs(w.mttrMs)} after it ${w.action === 'pause' ? 'resumed' : 'started again'} (bound ${formatMs(x.within)}); ${w.errors} of ${w.requests} requests failed from the ${w.action} to recovery`
      : `target ${verb(w.action)} in '${w.phase.name}': ${readyText}, and clients were not back at baseline in the ${formatMs(w.judgedUntil - (w.backFrom ?? w.downAt))} after it came back${w.worst ? ` (worst second: ${formatPercent(w.worst.rate)} ok, p90 ${formatMs(w.worst.p90)})` : ''}`;
  const lyingProbe = w.readyMs !== undefined && (w.mttrMs === undefined || w.mttrMs > x.within) && w.readyMs < x.within / 2;
  const windows: Window[] = outages.map((o) => ({ startMs: o.downAt, endMs: o.judgedUntil, label: o.phase.name }));
  return verdict(ctx, 'restart', key, {
    ok,
    summary,
    measured: {
      readyMs: num(w.readyMs),
      readyWithinMs: x['ready-within'] ?? null,
      mttrMs: num(w.mttrMs),
      withinMs: x.within,
      outageMs: num(w.recoveredAt !== undefined ? w.recoveredAt - w.downAt : undefined),
      failedRequests: w.errors,
      requestsDuringOutage: w.requests,
      baselineSuccessRate: num(baseRate, 4),
      baselineP99Ms: num(baseP99),
      targetFaults: outages.length,
    },
    evidence: [
      ...outages.map((o) =>
        ev(
          `'${o.phase.name}' (${o.action})`,
          `${verb(o.action)} at ${at(ctx, o.downAt)}${o.backFrom !== undefined ? `, ${o.action === 'pause' ? 'resumed' : 'started again'} at ${at(ctx, o.backFrom)}` : ''}${o.readyMs !== undefined ? `, ready ${formatMs(o.readyMs)} later` : ''}${o.recoveredAt !== undefined ? `, clients at baseline from ${at(ctx, o.recoveredAt)}` : ', clients never back at baseline'}`,
        ),
      ),
      ev('baseline', `${base!.label}: ${formatPercent(baseRate)} ok, p99 ${formatMs(baseP99)}`),
      ev('recovered means', `success ≥ ${formatPercent(baseRate - SUCCESS_SLACK)} and p90 ≤ ${formatMs(p90Limit)} in every second to ${w.judgedUntil === ctx.timeline.endMs ? 'the end' : 'the next fault'}`),
      ev('worst second after it came back', w.worst ? `${formatPercent(w.worst.rate)} ok, p90 ${formatMs(w.worst.p90)} at ${at(ctx, w.worst.start)}` : null),
    ],
    windows,
    failureMode: {
      id: 'slow-restart',
      trigger: `crumple ${verb(w.action)} the target at ${at(ctx, w.downAt)} ('${w.phase.name}')${w.backFrom !== undefined && w.action !== 'restart' ? ` and ${w.action === 'pause' ? 'resumed' : 'started'} it again at ${at(ctx, w.backFrom)}` : ''}`,
      spread:
        w.readyAt === undefined
          ? 'it never passed its readiness probe again'
          : lyingProbe
            ? `its readiness probe passed after ${formatMs(w.readyMs!)}, long before it could serve: clients kept failing or waiting`
            : w.readyMs !== undefined && x['ready-within'] !== undefined && w.readyMs > x['ready-within']
              ? `it took ${formatMs(w.readyMs)} to pass its readiness probe`
              : `it ${w.action === 'pause' ? 'resumed' : `was ready after ${formatMs(w.readyMs ?? 0)}`} but served below its baseline`,
      result:
        w.mttrMs !== undefined
          ? `clients back at baseline only ${formatMs(w.mttrMs)} after it came back (bound ${formatMs(x.within)}); ${w.errors} of ${w.requests} requests failed`
          : `clients never back at baseline before ${w.judgedUntil === ctx.timeline.endMs ? 'the end of the run' : 'the next fault'}${w.worst ? ` (worst second ${formatPercent(w.worst.rate)} ok)` : ''}; ${w.errors} of ${w.requests} requests failed`,
    },
  });
}

export default {
  name: 'restart',
  description: 'after crumple kills, pauses or restarts the target: time to ready, and clients back at baseline within the bound (the service MTTR)',
  expectation: restartExpectation,
  run,
} satisfies Check<typeof restartExpectation>;
