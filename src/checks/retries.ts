import { z } from 'zod';
import { formatMs } from '../units.js';
import type { Check, CheckContext } from './check.js';
import { boundSchema, meets } from './bounds.js';
import { at, eventsOf, faultWindows, label, median, num, responses, scope } from './query.js';
import { ev, noData, verdict } from './verdict.js';

export const retriesExpectation = z.strictObject({
  dependency: z.string(),
  /** Dependency calls per client request during the fault: "< 3", or a number meaning "at most". */
  amplification: boundSchema('number'),
  /** Also require growing spacing between attempts (backoff) with spread (jitter). */
  backoff: z.boolean().optional(),
  /** Count client requests of this load only (default: every load). */
  load: z.string().optional(),
  phase: z.string().optional(),
});
export type RetriesExpectation = z.infer<typeof retriesExpectation>;

/** Growth of successive gaps that counts as backoff (constant spacing is 1.0). */
export const BACKOFF_GROWTH = 1.3;
/** Coefficient of variation of same-position gaps across chains that counts as jitter. */
export const JITTER_SPREAD = 0.05;

export interface ChainStats {
  chains: number;
  /** Median gap before attempt 2, 3, ... across chains. */
  gapsMs: number[];
  /** Median of gap[k+1] / gap[k] over every chain and k. */
  growth: number;
  /** Median over positions of stdev/mean of that position's gaps across chains. */
  spread: number;
}

/**
 * Attempt chains, by the heuristic "a dependency call belongs to the one client request in flight".
 * Each client request spans [start, start + latency]; a call that falls inside exactly one such span
 * is attributed to it, and the calls of one request, in order, are its attempts. Calls inside
 * overlapping spans are ambiguous and skipped, so chains come from moments of low concurrency: the
 * figures are exact at a low request rate and become "not measurable" (chains = 0) under heavy
 * overlap, which the verdict says rather than guessing.
 */
export function attemptChains(spans: readonly { start: number; end: number }[], calls: readonly number[]): number[][] {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  const chains = new Map<number, number[]>();
  let first = 0;
  for (const t of [...calls].sort((a, b) => a - b)) {
    while (first < sorted.length && sorted[first]!.end < t) first++;
    let owner = -1;
    let count = 0;
    for (let i = first; i < sorted.length && sorted[i]!.start <= t; i++) {
      if (sorted[i]!.end >= t) {
        owner = i;
        count++;
      }
    }
    if (count === 1) {
      let c = chains.get(owner);
      if (!c) chains.set(owner, (c = []));
      c.push(t);
    }
  }
  return [...chains.values()];
}

export function chainStats(chains: readonly number[][]): ChainStats {
  const multi = chains.filter((c) => c.length >= 3);
  const byPos: number[][] = [];
  const ratios: number[] = [];
  for (const c of multi) {
    const gaps = c.slice(1).map((t, i) => t - c[i]!);
    gaps.forEach((g, k) => (byPos[k] ??= []).push(g));
    for (let k = 1; k < gaps.length; k++) if (gaps[k - 1]! > 0) ratios.push(gaps[k]! / gaps[k - 1]!);
  }
  const spreads = byPos
    .filter((g) => g.length >= 3)
    .map((g) => {
      const mean = g.reduce((s, x) => s + x, 0) / g.length;
      const sd = Math.sqrt(g.reduce((s, x) => s + (x - mean) ** 2, 0) / g.length);
      return mean > 0 ? sd / mean : 0;
    });
  return { chains: multi.length, gapsMs: byPos.map((g) => median(g)), growth: ratios.length ? median(ratios) : NaN, spread: spreads.length ? median(spreads) : NaN };
}

function run(ctx: CheckContext, x: RetriesExpectation, key: string) {
  const ws = scope(ctx, x.phase, () => faultWindows(ctx, x.dependency));
  if (typeof ws === 'string') return noData(ctx, 'retries', key, ws);
  if (!ws.length) return noData(ctx, 'retries', key, `no phase puts a fault on '${x.dependency}'`);
  const calls = eventsOf(ctx, 'dep-request', ws)
    .filter((e) => e.dependency === x.dependency)
    .map((e) => e.t);
  const reqs = responses(ctx, ws, x.load);
  if (!reqs.length) return noData(ctx, 'retries', key, `no client requests${x.load ? ` of load '${x.load}'` : ''} in ${label(ws)}`);
  const amp = calls.length / reqs.length;
  const chains = attemptChains(
    reqs.map((r) => ({ start: r.t, end: r.t + r.latencyMs })),
    calls,
  );
  const cs = chainStats(chains);
  const measured = {
    amplification: num(amp, 2),
    amplificationBound: x.amplification.value,
    dependencyCalls: calls.length,
    clientRequests: reqs.length,
    chains: cs.chains,
    backoffGrowth: num(cs.growth, 2),
    jitterSpread: num(cs.spread, 3),
    firstRetryGapMs: num(cs.gapsMs[0]),
    secondRetryGapMs: num(cs.gapsMs[1]),
  };
  const evidence = [
    ev('judged over', label(ws)),
    ev(`calls to ${x.dependency}`, calls.length),
    ev('client requests', reqs.length),
    ev('amplification (calls ÷ requests)', num(amp, 2)),
    ev('attempt chains with ≥ 3 attempts (unambiguous)', cs.chains),
    ev('median gaps between attempts', cs.gapsMs.length ? cs.gapsMs.map((g) => formatMs(g)).join(', ') : null),
    ev('gap growth (median ratio)', num(cs.growth, 2)),
    ev('jitter (spread of same-position gaps)', num(cs.spread, 3)),
  ];
  const problems: string[] = [];
  if (!meets(x.amplification, amp)) problems.push(`amplification ${num(amp, 2)}× exceeds ${x.amplification.text}`);
  if (x.backoff) {
    if (cs.chains === 0) problems.push('backoff not measurable: no request made 3+ attempts while alone in flight (use a lower-rate load for this check)');
    else {
      if (!(cs.growth >= BACKOFF_GROWTH)) problems.push(`no backoff: gaps grew ${num(cs.growth, 2)}× per attempt (needs ≥ ${BACKOFF_GROWTH}×)`);
      if (!(cs.spread >= JITTER_SPREAD)) problems.push(Number.isFinite(cs.spread) ? `no jitter: same-position gaps spread ${num(cs.spread * 100, 1)}% (needs ≥ ${JITTER_SPREAD * 100}%)` : `jitter not measurable: fewer than two retry chains to compare`);
    }
  }
  const backoffText = cs.chains ? `, gaps ${cs.gapsMs.slice(0, 3).map((g) => formatMs(g)).join(' → ')} (×${num(cs.growth, 2)}${Number.isFinite(cs.spread) ? `, jitter ${num(cs.spread * 100, 1)}%` : ', jitter not measurable from one chain'})` : '';
  return verdict(ctx, 'retries', key, {
    ok: problems.length === 0,
    summary: `${num(amp, 2)} calls to ${x.dependency} per request (${calls.length} ÷ ${reqs.length}), bound ${x.amplification.text}${backoffText}${problems.length ? ` — ${problems.join('; ')}` : ''}`,
    measured,
    evidence,
    windows: ws,
    failureMode: {
      id: 'retry-storm',
      trigger: `${x.dependency} failed from ${at(ctx, ws[0]!.startMs)} (${label(ws)})`,
      spread: `the target sent ${num(amp, 2)} calls per client request${cs.chains && !(cs.growth >= BACKOFF_GROWTH) ? ', retrying at a constant pace' : ''}`,
      result: `${calls.length} calls hit ${x.dependency} while it was weakest`,
    },
  });
}

export default {
  name: 'retries',
  description: 'during a fault, dependency calls per client request stay under a bound, and retries back off with jitter',
  expectation: retriesExpectation,
  run,
} satisfies Check<typeof retriesExpectation>;
