import { z } from 'zod';
import { formatMs } from '../units.js';
import type { Check, CheckContext } from './check.js';
import { boundSchema, meets } from './bounds.js';
import { at, faultWindows, inside, label, median, num, scope, SPILL_MS, splitAtEdges } from './query.js';
import { ev, inconclusive, verdict } from './verdict.js';
import type { ResponseEvent } from '../timeline/events.js';

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
  /** Median backoff before attempt 2, 3, ...: from the end of one attempt to the start of the next. */
  gapsMs: number[];
  /** Median of gap[k+1] / gap[k] over every chain and k. */
  growth: number;
  /** Median over positions of stdev/mean of that position's gaps across chains. */
  spread: number;
}

/** One call from the target to the dependency: when the stand-in read it and when it ended (answered, or the target gave up and closed). */
export interface Attempt {
  start: number;
  /** The stand-in's dep-response or dep-close for it; undefined when it never ended in the run. */
  end?: number;
}

/** Every call to `dependency` with its end, from the stand-in's events (a connection carries its calls in order). */
export function attemptsOf(ctx: CheckContext, dependency: string): Attempt[] {
  const out: Attempt[] = [];
  const open = new Map<number, Attempt[]>();
  for (const e of ctx.timeline.events) {
    if (!('dependency' in e) || e.dependency !== dependency) continue;
    if (e.kind === 'dep-request') {
      const a: Attempt = { start: e.t };
      out.push(a);
      let q = open.get(e.conn);
      if (!q) open.set(e.conn, (q = []));
      q.push(a);
    } else if (e.kind === 'dep-response') {
      const a = open.get(e.conn)?.shift();
      if (a) a.end = e.t;
    } else if (e.kind === 'dep-close') {
      for (const a of open.get(e.conn) ?? []) a.end = e.t;
      open.delete(e.conn);
    }
  }
  return out;
}

/**
 * Attempt chains, by the heuristic "a dependency call belongs to the one client request in flight".
 * Each client request spans [start, start + latency]; a call that starts inside exactly one such span
 * is attributed to it, and the calls of one request, in order, are its attempts. Calls inside
 * overlapping spans are ambiguous and skipped, so chains come from moments of low concurrency: the
 * figures are exact at a low request rate and become "not measurable" (chains = 0) under heavy
 * overlap, which the verdict says rather than guessing.
 */
export function attemptChains(spans: readonly { start: number; end: number }[], calls: readonly Attempt[]): Attempt[][] {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  const chains = new Map<number, Attempt[]>();
  let first = 0;
  for (const call of [...calls].sort((a, b) => a.start - b.start)) {
    const t = call.start;
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
      c.push(call);
    }
  }
  return [...chains.values()];
}

/**
 * Backoff is the pause between attempts: from the end of one (answered, or given up on by the target)
 * to the start of the next. Measured start to start, a target whose attempts each time out after
 * 300 ms and that waits 100 ms then 200 ms would look like 400 → 500 ms, "no backoff".
 */
export function chainStats(chains: readonly Attempt[][]): ChainStats {
  const multi = chains.filter((c) => c.length >= 3);
  const byPos: number[][] = [];
  const ratios: number[] = [];
  for (const c of multi) {
    const gaps = c.slice(1).map((a, i) => Math.max(0, a.start - (c[i]!.end ?? c[i]!.start)));
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

/**
 * How many of `calls` belong to the counted requests: a call made while k requests were in flight
 * belongs to each by 1/k, so a call made while only straddling requests were in flight counts for
 * no phase, and one made with no request in flight (a background retry, a probe) counts by its time
 * unless `orphanCounts` says no (run: in a window's last second, where its request may be one the
 * run ended before it was answered).
 */
export function countedShare(counted: readonly ResponseEvent[], straddling: readonly ResponseEvent[], calls: readonly Attempt[], orphanCounts: (t: number) => boolean = () => true): { calls: number } {
  const spans = [...counted.map((r) => ({ start: r.t, end: r.t + r.latencyMs, counted: true })), ...straddling.map((r) => ({ start: r.t, end: r.t + r.latencyMs, counted: false }))].sort((a, b) => a.start - b.start);
  let total = 0;
  let first = 0;
  for (const t of calls.map((c) => c.start).sort((a, b) => a - b)) {
    while (first < spans.length && spans[first]!.end < t && spans[first]!.start <= t) first++;
    let all = 0;
    let mine = 0;
    for (let i = first; i < spans.length && spans[i]!.start <= t; i++) {
      if (spans[i]!.end >= t) {
        all++;
        if (spans[i]!.counted) mine++;
      }
    }
    total += all === 0 ? (orphanCounts(t) ? 1 : 0) : mine / all;
  }
  return { calls: total };
}

/**
 * Amplification by the phase-edge rule (query.ts): client requests that started and ended in the
 * windows, and their share of the calls made in the windows (`countedShare`): calls of requests
 * straddling a phase edge count for neither phase, like the requests themselves.
 */
function run(ctx: CheckContext, x: RetriesExpectation, key: string) {
  const ws = scope(ctx, x.phase, () => faultWindows(ctx, x.dependency));
  if (typeof ws === 'string') return inconclusive(ctx, 'retries', key, ws);
  if (!ws.length) return inconclusive(ctx, 'retries', key, `no phase puts a fault on '${x.dependency}'`);
  const { counted: reqs, straddling } = splitAtEdges(ctx, ws, x.load);
  if (!reqs.length) return inconclusive(ctx, 'retries', key, `no client requests${x.load ? ` of load '${x.load}'` : ''} in ${label(ws)} (requests sent in a phase's last second and answered after it count for neither phase)`);
  const attempts = attemptsOf(ctx, x.dependency).filter((a) => inside(a.start, ws));
  const inLastSecond = (t: number) => ws.some((w) => t >= w.endMs - SPILL_MS && t < w.endMs);
  const share = countedShare(reqs, straddling, attempts, (t) => !inLastSecond(t)).calls;
  const amp = share / reqs.length;
  const callCount = num(share, 1)!;
  const edgeCalls = num(attempts.length - share, 1);
  const chains = attemptChains(
    reqs.map((r) => ({ start: r.t, end: r.t + r.latencyMs })),
    attempts,
  );
  const cs = chainStats(chains);
  const measured = {
    amplification: num(amp, 2),
    amplificationBound: x.amplification.value,
    dependencyCalls: callCount,
    clientRequests: reqs.length,
    chains: cs.chains,
    backoffGrowth: num(cs.growth, 2),
    jitterSpread: num(cs.spread, 3),
    firstRetryGapMs: num(cs.gapsMs[0]),
    secondRetryGapMs: num(cs.gapsMs[1]),
  };
  const evidence = [
    ev('judged over', label(ws)),
    ev(`calls to ${x.dependency}`, callCount),
    ev('client requests (started and ended inside)', reqs.length),
    ev('left out at phase edges (requests, their calls)', `${straddling.length}, ${edgeCalls}`),
    ev('amplification (calls ÷ requests)', num(amp, 2)),
    ev('attempt chains with ≥ 3 attempts (unambiguous)', cs.chains),
    ev('median backoff between attempts (end of one → start of the next)', cs.gapsMs.length ? cs.gapsMs.map((g) => formatMs(g)).join(', ') : null),
    ev('backoff growth (median ratio)', num(cs.growth, 2)),
    ev('jitter (spread of same-position gaps)', num(cs.spread, 3)),
  ];
  const problems: string[] = [];
  const unmeasured: string[] = [];
  // Judged as shown (2 decimals): where requests overlap a phase edge the attribution is shared, so
  // the third decimal is estimation, not evidence.
  if (!meets(x.amplification, num(amp, 2)!)) problems.push(`amplification ${num(amp, 2)}× exceeds ${x.amplification.text}`);
  if (x.backoff) {
    if (cs.chains === 0) unmeasured.push('backoff not measurable: no request made 3+ attempts while alone in flight (use a lower-rate load for this check)');
    else {
      if (!(cs.growth >= BACKOFF_GROWTH)) problems.push(`no backoff: gaps grew ${num(cs.growth, 2)}× per attempt (needs ≥ ${BACKOFF_GROWTH}×)`);
      if (!Number.isFinite(cs.spread)) unmeasured.push('jitter not measurable: fewer than three retry chains to compare');
      else if (!(cs.spread >= JITTER_SPREAD)) problems.push(`no jitter: same-position gaps spread ${num(cs.spread * 100, 1)}% (needs ≥ ${JITTER_SPREAD * 100}%)`);
    }
  }
  const backoffText = cs.chains ? `, backoff ${cs.gapsMs.slice(0, 3).map((g) => formatMs(g)).join(' → ')} (×${num(cs.growth, 2)}${Number.isFinite(cs.spread) ? `, jitter ${num(cs.spread * 100, 1)}%` : ', jitter not measurable from one chain'})` : '';
  const notes = [...problems, ...(problems.length ? [] : unmeasured)];
  return verdict(ctx, 'retries', key, {
    ok: problems.length === 0,
    inconclusive: unmeasured.join('; ') || undefined,
    summary: `${num(amp, 2)} calls to ${x.dependency} per request (${callCount} ÷ ${reqs.length}), bound ${x.amplification.text}${backoffText}${notes.length ? ` — ${notes.join('; ')}` : ''}`,
    measured,
    evidence,
    windows: ws,
    failureMode: {
      id: 'retry-storm',
      trigger: `${x.dependency} failed from ${at(ctx, ws[0]!.startMs)} (${label(ws)})`,
      spread: `the target sent ${num(amp, 2)} calls per client request${cs.chains && !(cs.growth >= BACKOFF_GROWTH) ? ', retrying at a constant pace' : ''}`,
      result: `${callCount} calls hit ${x.dependency} while it was weakest`,
    },
  });
}

export default {
  name: 'retries',
  description: 'during a fault, dependency calls per client request stay under a bound, and retries back off with jitter',
  expectation: retriesExpectation,
  run,
} satisfies Check<typeof retriesExpectation>;
