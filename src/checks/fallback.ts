import { z } from 'zod';
import type { Check, CheckContext, Verdict } from './check.js';
import { boundSchema, formatPercent, meets } from './bounds.js';
import { at, baselineWindow, faultWindows, isError, label, num, responses, scope } from './query.js';
import { ev, inconclusive, verdict } from './verdict.js';
import { bodyMatchSchema, matches } from '../timeline/digest.js';
import type { ResponseEvent } from '../timeline/events.js';

export const fallbackExpectation = z.strictObject({
  /** A steady load with `digest: <the same JSON path>`. */
  load: z.string(),
  /** What a degraded answer's body says: `$.source == "cache"` (or `!=`); the path is the load's `digest`. */
  degraded: bodyMatchSchema,
  /** The degraded answer's status (default: any status below 400). */
  status: z.number().int().min(100).max(599).optional(),
  /** The phase to judge (default: every phase faulting a dependency). */
  phase: z.string().optional(),
  /** Share of failed answers allowed during the fault (default: the baseline's + 1 point). */
  failed: boundSchema('ratio').optional(),
  /** Share of degraded answers required during the fault, e.g. ">= 50%" (default: at least one). */
  'degraded-share': boundSchema('ratio').optional(),
});
export type FallbackExpectation = z.infer<typeof fallbackExpectation>;

type Kind = 'degraded' | 'failed' | 'normal';

/** Failed: no answer, 5xx, 429 or any 4xx. Degraded: a good status whose body digest matches. Normal: the rest. */
function kindOf(r: ResponseEvent, x: FallbackExpectation): Kind {
  if (isError(r) || r.status === undefined || r.status >= 400) return 'failed';
  if ((x.status === undefined || r.status === x.status) && matches(x.degraded, r.digest)) return 'degraded';
  return 'normal';
}

function shares(rs: readonly ResponseEvent[], x: FallbackExpectation) {
  const n = { degraded: 0, failed: 0, normal: 0, unreadable: 0 };
  for (const r of rs) {
    const k = kindOf(r, x);
    n[k] += 1;
    if (k === 'normal' && r.digest?.startsWith('!')) n.unreadable += 1;
  }
  const total = rs.length || 1;
  return { ...n, total: rs.length, degradedShare: n.degraded / total, failedShare: n.failed / total, normalShare: n.normal / total };
}

/**
 * Fallback / graceful degradation: while a dependency is faulted, the target answers a degraded body
 * (from a cache, a default, a partial result: what `degraded` matches) instead of failing. Reads each
 * answer's body digest, recorded by the load (`digest: <JSON path>`), never whole bodies.
 */
function run(ctx: CheckContext, x: FallbackExpectation, key: string): Verdict {
  const ws = scope(ctx, x.phase, () => faultWindows(ctx, undefined, (f) => f.type !== 'target'));
  if (typeof ws === 'string') return inconclusive(ctx, 'fallback', key, ws);
  if (!ws.length) return inconclusive(ctx, 'fallback', key, 'no phase of this run faults a dependency');
  const rs = responses(ctx, ws, x.load);
  if (!rs.length) return inconclusive(ctx, 'fallback', key, `no responses of load '${x.load}' during ${label(ws)}`);
  // Good answers carry the load's digest; a load whose good answers never do was not told to record it.
  const good = responses(ctx, undefined, x.load).filter((r) => r.status !== undefined && r.status < 400);
  if (good.length && !good.some((r) => r.digest !== undefined)) {
    return inconclusive(ctx, 'fallback', key, `load '${x.load}' records no body digest: give it digest: ${x.degraded.path}`);
  }
  const base = baselineWindow(ctx);
  const b = shares(base ? responses(ctx, [base], x.load) : [], x);
  const d = shares(rs, x);
  const failLimit = x.failed ? x.failed.value : (b.total ? b.failedShare : 0) + 0.01;
  const failOk = x.failed ? meets(x.failed, d.failedShare) : d.failedShare <= failLimit;
  const shareOk = x['degraded-share'] ? meets(x['degraded-share'], d.degradedShare) : true;
  const pct = (k: number) => formatPercent(k / (d.total || 1));
  const summary = `'${x.load}' during ${label(ws)}: ${pct(d.degraded)} degraded (${x.degraded.text}), ${pct(d.failed)} failed (bound ${formatPercent(failLimit)}), ${pct(d.normal)} normal, of ${d.total} answers`;
  const measured = {
    degradedShare: num(d.degradedShare, 4),
    failedShare: num(d.failedShare, 4),
    normalShare: num(d.normalShare, 4),
    failedShareBound: num(failLimit, 4),
    degradedShareBound: x['degraded-share'] ? x['degraded-share'].value : null,
    answers: d.total,
    baselineDegradedShare: b.total ? num(b.degradedShare, 4) : null,
    baselineFailedShare: b.total ? num(b.failedShare, 4) : null,
  };
  const evidence = [
    ev('judged', `${label(ws)} from ${at(ctx, ws[0]!.startMs)}`),
    ev('degraded / failed / normal', `${d.degraded} / ${d.failed} / ${d.normal} of ${d.total}`),
    ev('normal answers whose body could not be read', d.unreadable),
    ev('baseline degraded / failed', b.total ? `${formatPercent(b.degradedShare)} / ${formatPercent(b.failedShare)} of ${b.total}` : null),
  ];
  if (d.degraded === 0 && failOk) {
    return inconclusive(ctx, 'fallback', key, `the target answered normally all through ${label(ws)} (${d.normal} of ${d.total}): the fault did not reach '${x.load}', so no fallback was needed`, measured, evidence);
  }
  return verdict(ctx, 'fallback', key, {
    ok: failOk && shareOk && d.degraded > 0,
    summary,
    measured,
    evidence,
    windows: ws,
    failureMode: {
      id: 'no-fallback',
      trigger: `${label(ws)} from ${at(ctx, ws[0]!.startMs)}`,
      spread: d.degraded === 0 ? `the target had no degraded answer (${x.degraded.text}) to give: it failed with its dependency` : `the target fell back for only ${pct(d.degraded)} of the answers`,
      result: `${pct(d.failed)} of ${d.total} answers of '${x.load}' failed (bound ${formatPercent(failLimit)})`,
    },
  });
}

export default {
  name: 'fallback',
  description: 'while a dependency is faulted the target answers degraded (its body matches, e.g. $.source == "cache") instead of failing',
  expectation: fallbackExpectation,
  run,
} satisfies Check<typeof fallbackExpectation>;
