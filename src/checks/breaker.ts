import { z } from 'zod';
import { formatMs } from '../units.js';
import { durationSchema } from '../unit-schemas.js';
import type { Check, CheckContext, FailureFinding } from './check.js';
import { at, eventsOf, faultWindows, median, num, scope, type Window } from './query.js';
import { ev, inconclusive, verdict } from './verdict.js';

export const breakerExpectation = z.strictObject({
  dependency: z.string(),
  /** From the fault's start to the last call of the full-rate stretch. */
  'opens-within': durationSchema,
  /** The breaker's reset (half-open) interval: probes while open should be spaced about this. */
  reset: durationSchema.optional(),
  phase: z.string().optional(),
});
export type BreakerExpectation = z.infer<typeof breakerExpectation>;

/** Seconds of calls before the fault that set the "full traffic" rate. */
const PRE_MS = 5000;
/** Calls closer together than this are one probe (a probe plus its retry, or a batch). */
const PROBE_CLUSTER_MS = 100;

/** Counts of calls in [r_j, r_j + 1 s) for each call j (two pointers). */
function perSecondFrom(times: readonly number[]): number[] {
  const out: number[] = [];
  let hi = 0;
  for (let j = 0; j < times.length; j++) {
    while (hi < times.length && times[hi]! < times[j]! + 1000) hi++;
    out.push(hi - j);
  }
  return out;
}

export interface Opening {
  /** Index of the last call of the full-rate stretch; −1 when calls were low from the start. */
  lastFullIndex: number;
  openAt: number;
}

/**
 * The breaker is open from the earliest moment after which no one-second window holds more than
 * `threshold` calls. Windows starting at a call are the busiest, so a suffix maximum over them
 * finds that moment exactly; the opening is then the last call that still follows the pre-fault
 * cadence (`cadenceMs`).
 */
export function findOpening(times: readonly number[], start: number, end: number, threshold: number, cadenceMs = 0): Opening | undefined {
  const counts = perSecondFrom(times);
  const suffixMax = new Array<number>(times.length + 1).fill(0);
  for (let j = times.length - 1; j >= 0; j--) suffixMax[j] = Math.max(counts[j]!, suffixMax[j + 1]!);
  for (let i = -1; i < times.length; i++) {
    if (suffixMax[i + 1]! <= threshold) {
      // The last few calls under the threshold may still be the full-rate stretch: follow the
      // pre-fault cadence (gaps up to twice it) to its real end.
      while (cadenceMs > 0 && i + 1 < times.length && times[i + 1]! - (i < 0 ? start : times[i]!) <= 2 * cadenceMs) i++;
      const openAt = i < 0 ? start : times[i]!;
      // Open means quiet for at least a second inside the fault, else it is just the fault's end.
      return end - openAt >= 1000 ? { lastFullIndex: i, openAt } : undefined;
    }
  }
  return undefined;
}

function run(ctx: CheckContext, x: BreakerExpectation, key: string) {
  const ws = scope(ctx, x.phase, () => faultWindows(ctx, x.dependency));
  if (typeof ws === 'string') return inconclusive(ctx, 'breaker', key, ws);
  const w: Window | undefined = ws[0];
  if (!w) return inconclusive(ctx, 'breaker', key, `no phase puts a fault on '${x.dependency}'`);
  const calls = eventsOf(ctx, 'dep-request')
    .filter((e) => e.dependency === x.dependency)
    .map((e) => e.t)
    .sort((a, b) => a - b);
  const preStart = Math.max(ctx.timeline.startMs, w.startMs - PRE_MS);
  const preSpan = (w.startMs - preStart) / 1000;
  const preRate = preSpan > 0 ? calls.filter((t) => t >= preStart && t < w.startMs).length / preSpan : 0;
  const threshold = Math.max(Math.ceil(0.2 * preRate), 2);
  const bound = x['opens-within'];
  const evidence = [ev('fault window', `${w.label} (${at(ctx, w.startMs)} – ${at(ctx, w.endMs)})`), ev(`calls/s to ${x.dependency} before the fault`, num(preRate, 1))];
  if (preRate < threshold * 1.5) {
    return inconclusive(ctx, 'breaker', key, `only ${num(preRate, 1)} calls/s reached ${x.dependency} before the fault: too few to tell an open breaker from a closed one (needs > ${threshold * 1.5}/s)`, { callsPerSecondBefore: num(preRate, 2) }, evidence);
  }
  const during = calls.filter((t) => t >= w.startMs && t < w.endMs);
  const duringRate = during.length / ((w.endMs - w.startMs) / 1000);
  const opening = findOpening(during, w.startMs, w.endMs, threshold, 1000 / preRate);

  // Probes: calls while open, clustered; their spacing is the half-open interval.
  const probes: number[] = [];
  if (opening) for (const t of during.slice(opening.lastFullIndex + 1)) if (!probes.length || t - probes[probes.length - 1]! > PROBE_CLUSTER_MS) probes.push(t);
  const gaps = probes.slice(1).map((t, i) => t - probes[i]!);
  const probeInterval = gaps.length ? median(gaps) : NaN;

  // Closing: after the fault, the first one-second window back at 80 % of the pre-fault rate.
  // Full traffic can only return until the dependency is faulted again.
  const nextFaultPhase = ctx.phases.find((p) => p.startMs >= w.endMs && p.faults.some((f) => f.dependency === x.dependency));
  const afterEnd = Math.min(nextFaultPhase?.startMs ?? Infinity, ctx.timeline.endMs);
  const after = calls.filter((t) => t >= w.endMs && t < afterEnd);
  const afterCounts = perSecondFrom(after);
  const back = afterCounts.findIndex((c, j) => c >= 0.8 * preRate && after[j]! + 1000 <= afterEnd);
  const closeDelay = back >= 0 ? after[back]! - w.endMs : NaN;

  const openDelay = opening ? opening.openAt - w.startMs : NaN;
  const openRate = opening ? (during.length - opening.lastFullIndex - 1) / ((w.endMs - opening.openAt) / 1000) : NaN;
  const measured = {
    opensWithinMs: bound,
    openingDelayMs: num(openDelay),
    callsBeforeOpening: opening ? opening.lastFullIndex + 1 : during.length,
    callsPerSecondBefore: num(preRate, 2),
    callsPerSecondWhileFailing: num(opening ? openRate : duringRate, 2),
    probeIntervalMs: num(probeInterval),
    probes: probes.length,
    closingDelayMs: num(closeDelay),
    resetBoundMs: x.reset ?? null,
  };
  evidence.push(
    ev(`calls during the fault`, during.length),
    ev('opened after', opening ? formatMs(openDelay) : null),
    ev('calls before opening', measured.callsBeforeOpening),
    ev('calls/s while open', opening ? num(openRate, 2) : null),
    ev('probe interval (median)', gaps.length ? formatMs(probeInterval) : null),
    ev('full traffic back after the fault', Number.isFinite(closeDelay) ? formatMs(closeDelay) : null),
  );
  const cascading = (): FailureFinding => ({
    id: 'cascading-failure',
    trigger: `${x.dependency} failed from ${at(ctx, w.startMs)} (${w.label})`,
    spread: `the target kept calling it: ${num(duringRate, 1)} calls/s during the fault vs ${num(preRate, 1)}/s before`,
    result: `every request still depended on the failing ${x.dependency}; nothing stopped the calls within ${formatMs(bound)}`,
  });
  if (!opening || openDelay > bound + Math.max(bound * 0.1, 100)) {
    return verdict(ctx, 'breaker', key, {
      ok: false,
      summary: opening
        ? `opened on ${x.dependency} after ${formatMs(openDelay)} (${measured.callsBeforeOpening} calls), bound ${formatMs(bound)}`
        : `never opened: ${num(duringRate, 1)} calls/s kept reaching ${x.dependency} during the fault (${num(preRate, 1)}/s before)`,
      measured,
      evidence,
      windows: [w],
      failureMode: cascading(),
    });
  }
  const problems: string[] = [];
  let unmeasured: string | undefined;
  const probesText = probes.length === 0 ? 'no probes seen while open' : probes.length === 1 ? '1 probe while open (an interval needs two)' : `probes every ${formatMs(probeInterval)} (${probes.length} probes)`;
  if (x.reset !== undefined) {
    if (!gaps.length) unmeasured = `the reset interval (${formatMs(x.reset)}) is not measurable: ${probes.length} probe(s) while open, an interval needs two (lengthen the fault phase)`;
    else if (Math.abs(probeInterval - x.reset) > x.reset * 0.3 + 100) problems.push(`probes every ${formatMs(probeInterval)}, expected about ${formatMs(x.reset)}`);
  }
  const afterSpan = afterEnd - w.endMs;
  if (!Number.isFinite(closeDelay) && afterSpan >= 5000) problems.push(`full traffic did not return in the ${formatMs(afterSpan)} after the fault`);
  const closingText = Number.isFinite(closeDelay)
    ? `closed ${formatMs(closeDelay)} after the fault`
    : afterSpan >= 5000
      ? 'never closed'
      : nextFaultPhase && nextFaultPhase.startMs < ctx.timeline.endMs
        ? `closing not observable: the next phase '${nextFaultPhase.name}' faults ${x.dependency} again from ${at(ctx, nextFaultPhase.startMs)}`
        : `closing not observed (only ${formatMs(Math.max(0, afterSpan))} of run after the fault; 5 s are needed)`;
  const parts = [`opened on ${x.dependency} after ${formatMs(openDelay)} (${measured.callsBeforeOpening} calls), bound ${formatMs(bound)}`, probesText, closingText];
  return verdict(ctx, 'breaker', key, {
    ok: problems.length === 0,
    inconclusive: unmeasured,
    summary: parts.join(', ') + (problems.length ? ` — ${problems.join('; ')}` : unmeasured ? ` — ${unmeasured}` : ''),
    measured,
    evidence,
    windows: [w],
    failureMode: !Number.isFinite(closeDelay) && afterSpan >= 5000
      ? {
          id: 'no-recovery',
          trigger: `${x.dependency} recovered at ${at(ctx, w.endMs)}`,
          spread: `the breaker stayed open: ${after.length} calls in the ${formatMs(afterSpan)} after (${num(preRate, 1)}/s before the fault)`,
          result: 'requests that need the dependency kept failing after it was healthy again',
        }
      : undefined,
  });
}

export default {
  name: 'breaker',
  description: 'while a dependency fails, calls to it collapse to occasional probes within the bound, and full traffic returns after',
  expectation: breakerExpectation,
  run,
} satisfies Check<typeof breakerExpectation>;
