import { z } from 'zod';
import { formatMs } from '../units.js';
import type { Check, CheckContext, Verdict } from './check.js';
import { boundSchema, meets } from './bounds.js';
import { at, eventsOf, median, num, phaseNamed, SPILL_MS, stats } from './query.js';
import { ev, inconclusive, verdict } from './verdict.js';

export const coalescingExpectation = z.strictObject({
  /** The dependency whose calls are counted (at its stand-in). */
  dependency: z.string(),
  /** A dogpile load: each pulse is one burst of identical requests. */
  load: z.string(),
  /** Calls reaching the dependency per burst and key, in the worst burst: "<= 2" (about 1 means coalesced). */
  'calls-per-burst': boundSchema('number'),
  /** Judge only the bursts released in this phase (default: every burst). */
  phase: z.string().optional(),
});
export type CoalescingExpectation = z.infer<typeof coalescingExpectation>;

export interface Burst {
  pulse: number;
  at: number;
  /** Requests of the pulse the target answered (with any status). */
  answered: number;
  /** Calls to the dependency while the burst was being served, by key (method and path). */
  calls: Map<string, number>;
  /** Where its calls stop being counted (absolute ms). */
  endMs: number;
  p99Ms: number;
}

/**
 * Each pulse of `load` as a burst: its answers (requests started from the pulse until the next) and
 * the dependency calls made from its start to its last answer (and up to SPILL_MS after, for calls a
 * target makes once it has answered), never past the next pulse.
 */
export function burstsOf(ctx: CheckContext, load: string, dependency: string): Burst[] {
  const pulses = eventsOf(ctx, 'load-pulse').filter((p) => p.load === load);
  const rs = eventsOf(ctx, 'response').filter((r) => r.load === load);
  const calls = eventsOf(ctx, 'dep-request').filter((c) => c.dependency === dependency);
  return pulses.map((p, i) => {
    const next = pulses[i + 1]?.t ?? Infinity;
    const mine = rs.filter((r) => r.t >= p.t && r.t < next && r.status !== undefined);
    const lastAnswer = mine.reduce((m, r) => Math.max(m, r.t + r.latencyMs), p.t);
    const until = Math.min(next, lastAnswer + SPILL_MS);
    const byKey = new Map<string, number>();
    for (const c of calls) if (c.t >= p.t && c.t < until) byKey.set(`${c.method} ${c.path}`, (byKey.get(`${c.method} ${c.path}`) ?? 0) + 1);
    return { pulse: p.pulse, at: p.t, answered: mine.length, calls: byKey, endMs: Number.isFinite(until) ? until : p.t + 1, p99Ms: stats(mine.map((r) => r.latencyMs)).p99 };
  });
}

const worstKey = (b: Burst): [string, number] => [...b.calls].reduce((w, e) => (e[1] > w[1] ? e : w), ['', 0] as [string, number]);

/**
 * Request coalescing (single flight): a burst of identical requests should cost the dependency about
 * one call per key, not one per request. Counted at the stand-in, per burst (a dogpile pulse) and key
 * (the call's method and path); judged on the worst burst. Bursts the target served without calling
 * (from a cache) say nothing about coalescing and are left out.
 */
function run(ctx: CheckContext, x: CoalescingExpectation, key: string): Verdict {
  const phase = x.phase !== undefined ? phaseNamed(ctx, x.phase) : undefined;
  if (x.phase !== undefined && !phase) return inconclusive(ctx, 'coalescing', key, `no phase named '${x.phase}' in this run`);
  const bursts = burstsOf(ctx, x.load, x.dependency).filter((b) => !phase || (b.at >= phase.startMs && b.at < phase.endMs));
  const reached = bursts.filter((b) => b.answered > 0);
  if (!reached.length) return inconclusive(ctx, 'coalescing', key, bursts.length ? `no burst of '${x.load}' reached the target (${bursts.length} released, none answered)` : `load '${x.load}' released no burst${phase ? ` in '${phase.name}'` : ''}: coalescing reads the pulses of a dogpile load`);
  const judged = reached.filter((b) => b.calls.size > 0);
  if (!judged.length) return inconclusive(ctx, 'coalescing', key, `'${x.dependency}' saw no calls during any of the ${reached.length} bursts: the target did not need it (a cache?), so coalescing cannot show`);
  // A burst no larger than the bound passes even without coalescing: it cannot tell.
  const telling = judged.filter((b) => b.answered > x['calls-per-burst'].value);
  if (!telling.length) return inconclusive(ctx, 'coalescing', key, `the bursts are too small to tell: ${Math.max(...judged.map((b) => b.answered))} requests at most, bound ${x['calls-per-burst'].text} calls (make n larger)`);
  const worst = telling.reduce((w, b) => (worstKey(b)[1] > worstKey(w)[1] ? b : w));
  const [wKey, wCalls] = worstKey(worst);
  const perBurst = telling.map((b) => worstKey(b)[1]);
  const ok = telling.every((b) => meets(x['calls-per-burst'], worstKey(b)[1]));
  const keys = new Set(telling.flatMap((b) => [...b.calls.keys()]));
  const totalCalls = telling.reduce((s, b) => s + [...b.calls.values()].reduce((a, n) => a + n, 0), 0);
  const answered = telling.reduce((s, b) => s + b.answered, 0);
  const nth = (b: Burst) => `burst ${b.pulse + 1}`;
  return verdict(ctx, 'coalescing', key, {
    ok,
    summary: `${wCalls} call${wCalls === 1 ? '' : 's'} to '${x.dependency}' for one key in the worst burst (${wKey} in ${nth(worst)}, ${worst.answered} requests), median ${num(median(perBurst), 1)} over ${telling.length} burst${telling.length > 1 ? 's' : ''}; bound ${x['calls-per-burst'].text}`,
    measured: {
      callsPerBurst: wCalls,
      callsPerBurstBound: x['calls-per-burst'].value,
      medianCallsPerBurst: num(median(perBurst), 2),
      bursts: telling.length,
      requestsPerBurst: num(answered / telling.length, 1),
      dependencyCalls: totalCalls,
      keys: keys.size,
      worstBurstP99Ms: num(worst.p99Ms),
    },
    evidence: [
      ev('bursts judged (answered, with calls)', `${telling.length} of ${bursts.length} released`),
      ev('bursts served without calling the dependency', reached.length - judged.length),
      ev(`calls to ${x.dependency} per burst (worst key)`, perBurst.join(', ')),
      ev('worst burst', `${nth(worst)} at ${at(ctx, worst.at)}: ${wCalls} × ${wKey} for ${worst.answered} requests, p99 ${formatMs(worst.p99Ms)}`),
      ev('keys seen', [...keys].slice(0, 5).join(', ') + (keys.size > 5 ? ` … (${keys.size})` : '')),
      ev('calls ÷ requests over the judged bursts', num(totalCalls / answered, 3)),
    ],
    windows: telling.map((b) => ({ startMs: b.at, endMs: b.endMs, label: nth(b) })),
    failureMode: {
      id: 'dogpile',
      trigger: `${nth(worst)} of '${x.load}': ${worst.answered} identical requests at ${at(ctx, worst.at)}`,
      spread: `the target passed each to '${x.dependency}' instead of sharing one call: ${wCalls} calls for ${wKey}`,
      result: `'${x.dependency}' got ${totalCalls} calls for ${answered} requests over ${telling.length} burst${telling.length > 1 ? 's' : ''} (${num(totalCalls / answered, 2)} per request); the worst burst's p99 was ${formatMs(worst.p99Ms)}`,
    },
  });
}

export default {
  name: 'coalescing',
  description: 'a burst of identical requests costs the dependency about one call per key (single flight), not one per request',
  expectation: coalescingExpectation,
  run,
} satisfies Check<typeof coalescingExpectation>;
