import { z } from 'zod';
import { formatMs } from '../units.js';
import type { Check, CheckContext, Verdict } from './check.js';
import { boundSchema, formatPercent, meets } from './bounds.js';
import { defaultP99Limit } from './bulkhead.js';
import { at, baselineWindow, isError, label, num, phaseNamed, phaseWindow, responses, stats, type Window } from './query.js';
import { ev, inconclusive, verdict } from './verdict.js';
import type { ResponseEvent } from '../timeline/events.js';

export const rateLimitExpectation = z.strictObject({
  /** A steady load with `clients:`, heavy ones among them. */
  load: z.string(),
  /** The window to judge (default: from the heavy clients' first request to their last). */
  phase: z.string().optional(),
  /** The ordinary clients' reference (default: the baseline phase, up to the heavy clients' first request). */
  baseline: z.string().optional(),
  /** Share of the heavy clients' requests refused with 429 (default: at least one). */
  rejected: boundSchema('ratio').optional(),
  /** Every 429 a heavy client gets must carry Retry-After (default: reported, not required). */
  'retry-after': z.boolean().default(false),
  /** The other clients' p99 (default: within 2× their baseline p99 + 50 ms). */
  p99: boundSchema('duration').optional(),
  /** The other clients' error rate, 429s included (default: their baseline's + 1 point). */
  errors: boundSchema('ratio').optional(),
  /** p99 of the 429s (default: the other clients' p99 bound: a refusal costs no more than an answer). */
  'rejection-p99': boundSchema('duration').optional(),
});
export type RateLimitExpectation = z.infer<typeof rateLimitExpectation>;

/** A client is heavy when it sent at least this many times the lightest client's rate. */
export const HEAVY_FACTOR = 2;
/** Fewer requests than this (heavy, or the others) in a window cannot show a rate limit. */
export const MIN_REQUESTS = 20;

interface ClientRate {
  client: number;
  n: number;
  first: number;
  last: number;
  perSecond: number;
}

/** Each client's send rate over its own span (first to last request): a client that joins late is judged while it sends. */
export function clientRates(rs: readonly ResponseEvent[]): ClientRate[] {
  const by = new Map<number, ClientRate>();
  for (const r of rs) {
    if (r.client === undefined) continue;
    const c = by.get(r.client);
    if (!c) by.set(r.client, { client: r.client, n: 1, first: r.t, last: r.t, perSecond: 0 });
    else {
      c.n += 1;
      c.first = Math.min(c.first, r.t);
      c.last = Math.max(c.last, r.t);
    }
  }
  for (const c of by.values()) c.perSecond = c.n >= 2 && c.last > c.first ? ((c.n - 1) / (c.last - c.first)) * 1000 : 0;
  return [...by.values()].sort((a, b) => a.client - b.client);
}

const is429 = (r: ResponseEvent) => r.status === 429;

/**
 * Per-client rate limits: a heavy client (one sending several times the others' rate, told apart by
 * the rates the load really sent) gets 429s, with Retry-After, cheaply; the other clients keep their
 * baseline p99 and error rate meanwhile. Needs a load with `clients:`; reads the client on each response.
 */
function run(ctx: CheckContext, x: RateLimitExpectation, key: string): Verdict {
  const all = responses(ctx, undefined, x.load);
  if (!all.length) return inconclusive(ctx, 'rate-limit', key, `no responses of load '${x.load}'`);
  const rates = clientRates(all);
  if (!rates.length) return inconclusive(ctx, 'rate-limit', key, `load '${x.load}' sends no client identities: give it clients: { count: 20, heavy: { weight: 10 } }`);
  const steady = rates.filter((c) => c.n >= 5 && c.perSecond > 0);
  const lightest = steady.length ? Math.min(...steady.map((c) => c.perSecond)) : 0;
  const heavy = new Set(steady.filter((c) => c.perSecond >= HEAVY_FACTOR * lightest).map((c) => c.client));
  if (!heavy.size || heavy.size === rates.length) {
    return inconclusive(ctx, 'rate-limit', key, `no heavy client traffic: none of the ${rates.length} clients of '${x.load}' sent ${HEAVY_FACTOR}× the lightest one's rate (give clients.heavy)`);
  }
  const heavyRates = rates.filter((c) => heavy.has(c.client));
  const lightRates = rates.filter((c) => !heavy.has(c.client));
  const ratio = Math.min(...heavyRates.map((c) => c.perSecond)) / (lightRates.reduce((s, c) => s + c.perSecond, 0) / lightRates.length || 1);
  const firstHeavy = Math.min(...heavyRates.map((c) => c.first));
  const lastHeavy = Math.max(...heavyRates.map((c) => c.last));

  const named = x.phase !== undefined ? phaseNamed(ctx, x.phase) : undefined;
  if (x.phase !== undefined && !named) return inconclusive(ctx, 'rate-limit', key, `no phase named '${x.phase}' in this run`);
  const ws: Window[] = named ? [phaseWindow(named)] : [{ startMs: firstHeavy, endMs: lastHeavy + 1, label: 'while the heavy clients sent' }];
  const bp = x.baseline !== undefined ? phaseNamed(ctx, x.baseline) : undefined;
  if (x.baseline !== undefined && !bp) return inconclusive(ctx, 'rate-limit', key, `no phase named '${x.baseline}' in this run`);
  const b0 = bp ? phaseWindow(bp) : baselineWindow(ctx);
  // The default baseline ends where the heavy clients begin: before that, it is the others' own steady state.
  const bw = b0 && (bp ? b0 : { ...b0, endMs: Math.min(b0.endMs, firstHeavy) });
  const during = responses(ctx, ws, x.load);
  const H = during.filter((r) => r.client !== undefined && heavy.has(r.client));
  const L = during.filter((r) => r.client !== undefined && !heavy.has(r.client));
  const B = bw && bw.endMs > bw.startMs ? responses(ctx, [bw], x.load).filter((r) => r.client !== undefined && !heavy.has(r.client)) : [];
  if (H.length < MIN_REQUESTS || L.length < MIN_REQUESTS) {
    return inconclusive(ctx, 'rate-limit', key, `too few requests ${label(ws)} to judge: ${H.length} from the heavy clients, ${L.length} from the others (needs ${MIN_REQUESTS} each)`);
  }
  if (B.length < MIN_REQUESTS && (x.p99 === undefined || x.errors === undefined)) {
    return inconclusive(ctx, 'rate-limit', key, `no baseline of the other clients before the heavy ones began (${B.length} requests): let the heavy clients join later (clients.heavy.after), or give p99 and errors bounds`);
  }

  const h429 = H.filter(is429);
  const rejectedShare = h429.length / H.length;
  const withRetryAfter = h429.filter((r) => r.retryAfter).length;
  const d = stats(L.map((r) => r.latencyMs));
  const b = stats(B.map((r) => r.latencyMs));
  const errRate = L.filter(isError).length / L.length;
  const baseErr = B.length ? B.filter(isError).length / B.length : 0;
  const othersRefused = L.filter(is429).length;
  const p99Limit = x.p99 ? x.p99.value : defaultP99Limit(b.p99);
  const errLimit = x.errors ? x.errors.value : baseErr + 0.01;
  const rej = stats(h429.map((r) => r.latencyMs));
  const rejLimit = x['rejection-p99'] ? x['rejection-p99'].value : p99Limit;

  const rejectedOk = x.rejected ? meets(x.rejected, rejectedShare) && h429.length > 0 : h429.length > 0;
  const retryOk = !x['retry-after'] || (h429.length > 0 && withRetryAfter === h429.length);
  const cheapOk = !h429.length || (x['rejection-p99'] ? meets(x['rejection-p99'], rej.p99) : rej.p99 <= rejLimit);
  const p99Ok = x.p99 ? meets(x.p99, d.p99) : d.p99 <= p99Limit;
  const errOk = x.errors ? meets(x.errors, errRate) : errRate <= errLimit;

  const heavyText = `heavy client${heavy.size > 1 ? 's' : ''} ${[...heavy].join(', ')} (${num(ratio, 1)}× the others' rate)`;
  const retryText = h429.length ? `, Retry-After on ${formatPercent(withRetryAfter / h429.length)}${x['retry-after'] ? ' (required)' : ''}` : '';
  const summary = [
    `${heavyText}: ${formatPercent(rejectedShare)} of ${H.length} refused with 429${x.rejected ? ` (bound ${x.rejected.text})` : ''}${retryText}`,
    h429.length ? `429 p99 ${formatMs(rej.p99)} (bound ${formatMs(rejLimit)})` : '',
    `the other ${lightRates.length}: p99 ${formatMs(d.p99)} (baseline ${B.length ? formatMs(b.p99) : 'n/a'}, bound ${formatMs(p99Limit)}), errors ${formatPercent(errRate)} (bound ${formatPercent(errLimit)})`,
  ]
    .filter(Boolean)
    .join('; ');
  const measured = {
    heavyClients: heavy.size,
    otherClients: lightRates.length,
    heavyRateRatio: num(ratio, 2),
    heavyRequests: H.length,
    rejectedShare: num(rejectedShare, 4),
    rejectedShareBound: x.rejected ? x.rejected.value : null,
    retryAfterShare: h429.length ? num(withRetryAfter / h429.length, 4) : null,
    rejectionP99Ms: num(rej.p99),
    rejectionP99BoundMs: num(rejLimit),
    othersP99Ms: num(d.p99),
    othersBaselineP99Ms: num(b.p99),
    p99BoundMs: num(p99Limit),
    othersErrorRate: num(errRate, 4),
    othersBaselineErrorRate: B.length ? num(baseErr, 4) : null,
    errorRateBound: num(errLimit, 4),
    othersRefused,
  };
  const evidence = [
    ev('judged', `${label(ws)}, from ${at(ctx, ws[0]!.startMs)} to ${at(ctx, ws[0]!.endMs)}`),
    ev('baseline of the other clients', bw && B.length ? `${bw.label} up to ${at(ctx, bw.endMs)} (${B.length} requests)` : null),
    ev('heavy clients (send rate)', heavyRates.map((c) => `${c.client}: ${num(c.perSecond, 1)}/s`).join(', ')),
    ev('other clients (send rate, median)', `${num(stats(lightRates.map((c) => c.perSecond)).p50, 1)}/s each`),
    ev('heavy requests: 429 / other status / no answer', `${h429.length} / ${H.filter((r) => r.status !== undefined && !is429(r)).length} / ${H.filter((r) => r.status === undefined).length}`),
    ev('429s with Retry-After', h429.length ? `${withRetryAfter} of ${h429.length}` : null),
    ev('latency of the 429s (p50 / p99)', h429.length ? `${formatMs(rej.p50)} / ${formatMs(rej.p99)}` : null),
    ev('other clients: p50 / p99 during, baseline', `${formatMs(d.p50)} / ${formatMs(d.p99)}, ${B.length ? `${formatMs(b.p50)} / ${formatMs(b.p99)}` : 'n/a'}`),
    ev('other clients refused with 429', othersRefused),
  ];
  const harmed = !p99Ok || !errOk;
  const onlySlow = !cheapOk && rejectedOk && retryOk && !harmed;
  return verdict(ctx, 'rate-limit', key, {
    ok: rejectedOk && retryOk && cheapOk && p99Ok && errOk,
    summary,
    measured,
    evidence,
    windows: ws,
    failureMode: onlySlow
      ? {
          id: 'slow-failure',
          trigger: `${heavyText} from ${at(ctx, firstHeavy)}`,
          spread: `the target refused it, but slowly: each 429 cost about what an answer costs`,
          result: `429 p99 ${formatMs(rej.p99)} (bound ${formatMs(rejLimit)}): the refusals still spend the capacity they protect`,
        }
      : {
          id: 'noisy-neighbour',
          trigger: `${heavyText} from ${at(ctx, firstHeavy)}`,
          spread: !h429.length
            ? 'nothing limited it: the target served all of it from the capacity every client shares'
            : !rejectedOk
              ? `the target refused only ${formatPercent(rejectedShare)} of it`
              : !retryOk
                ? `the target refused it with 429 but ${h429.length - withRetryAfter} of ${h429.length} without Retry-After: it is not told when to come back`
                : 'the target refused it, and still the others suffered',
          result: harmed
            ? `the other ${lightRates.length} clients: p99 ${formatMs(d.p99)} (baseline ${B.length ? formatMs(b.p99) : 'n/a'}), errors ${formatPercent(errRate)} (baseline ${formatPercent(baseErr)})`
            : `the other ${lightRates.length} clients were spared this time (p99 ${formatMs(d.p99)}), but one client's share is not bounded`,
        },
  });
}

export default {
  name: 'rate-limit',
  description: 'a heavy client gets 429 (with Retry-After), cheaply, while the other clients keep their baseline p99 and error rate',
  expectation: rateLimitExpectation,
  run,
} satisfies Check<typeof rateLimitExpectation>;
