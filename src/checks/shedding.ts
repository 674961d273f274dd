import { z } from 'zod';
import { formatMs } from '../units.js';
import { durationSchema } from '../unit-schemas.js';
import type { Check, CheckContext } from './check.js';
import { boundSchema, meets } from './bounds.js';
import { at, eventsOf, isRejection, isSuccess, label, num, phaseWindow, responses, scope, stats, timeoutOf, type Window } from './query.js';
import type { LoadPulseEvent, ResponseEvent } from '../timeline/events.js';
import { ev, inconclusive, verdict } from './verdict.js';

export const sheddingExpectation = z.strictObject({
  /** The load that pushes the target above capacity. */
  load: z.string(),
  /** Rejections (429/503) must come back within this (p99). */
  'rejects-within': durationSchema,
  /** Bound on the p99 of accepted (status < 400) requests. */
  p99: boundSchema('duration').optional(),
  phase: z.string().optional(),
});
export type SheddingExpectation = z.infer<typeof sheddingExpectation>;

/**
 * Above capacity, a target that sheds answers 429/503 fast and keeps what it accepts fast; one that
 * queues shows no rejections and a latency that climbs (or our client timing out). A load that never
 * reached capacity (no rejections, no slowdown) is reported as not exercised: a failure, not a pass.
 */
function run(ctx: CheckContext, x: SheddingExpectation, key: string) {
  const ws = scope(ctx, x.phase, () => ctx.phases.map(phaseWindow));
  if (typeof ws === 'string') return inconclusive(ctx, 'shedding', key, ws);
  const rs = responses(ctx, ws, x.load);
  if (!rs.length) return inconclusive(ctx, 'shedding', key, `no responses of load '${x.load}' in ${label(ws) || 'the run'}`);
  const escalating = eventsOf(ctx, 'load-pulse', ws).filter((p) => p.load === x.load && p.findLimit);
  if (escalating.length) return judgeLimit(ctx, x, key, ws, escalating, rs);
  const rejected = rs.filter(isRejection);
  const accepted = rs.filter(isSuccess);
  const timeouts = rs.filter((r) => r.error === 'timeout').length;
  const connErrors = rs.filter((r) => r.status === undefined && r.error !== 'timeout').length;
  const rj = stats(rejected.map((r) => r.latencyMs));
  const ac = stats(accepted.map((r) => r.latencyMs));
  const bound = x['rejects-within'];
  const measured = {
    requests: rs.length,
    rejected: rejected.length,
    rejectedShare: num(rejected.length / rs.length, 4),
    rejectP50Ms: num(rj.p50),
    rejectP99Ms: num(rj.p99),
    boundMs: bound,
    acceptedP50Ms: num(ac.p50),
    acceptedP99Ms: num(ac.p99),
    p99BoundMs: x.p99?.value ?? null,
    clientTimeouts: timeouts,
    connectionErrors: connErrors,
  };
  const evidence = [
    ev('judged over', label(ws)),
    ev(`requests of '${x.load}'`, rs.length),
    ev('rejected (429/503)', rejected.length),
    ev('rejection latency (p50 / p99)', rejected.length ? `${formatMs(rj.p50)} / ${formatMs(rj.p99)}` : null),
    ev('accepted latency (p50 / p99)', accepted.length ? `${formatMs(ac.p50)} / ${formatMs(ac.p99)}` : null),
    ev('client timeouts', timeouts),
    ev('connection errors (refused/reset/closed)', connErrors),
  ];
  const acceptedOk = x.p99 === undefined || !accepted.length || meets(x.p99, ac.p99);
  // No accepted request at all (everything timed out): say so rather than print NaN.
  const acceptedP99 = accepted.length ? formatMs(ac.p99) : 'n/a (none answered)';
  const trigger = `load '${x.load}' pushed past capacity (${rs.length} requests from ${at(ctx, ws[0]!.startMs)})`;
  if (!rejected.length) {
    const queued = timeouts > 0 || !acceptedOk;
    if (!queued) {
      return inconclusive(ctx, 'shedding', key, `load '${x.load}' never got a 429/503 and accepted p99 stayed ${formatMs(ac.p99)}: capacity was not exceeded (raise the load, or let a dogpile find the limit: findLimit: { upTo: 2000 })`, measured, evidence);
    }
    return verdict(ctx, 'shedding', key, {
      ok: false,
      summary: `never shed: no 429/503 among ${rs.length} requests; accepted p99 ${acceptedP99}${timeouts ? `, ${timeouts} client timeouts` : ''}`,
      measured,
      evidence,
      windows: ws,
      failureMode: { id: 'unbalanced-capacity', trigger, spread: 'the target accepted everything and queued it', result: `${accepted.length ? `p99 rose to ${formatMs(ac.p99)}` : 'no request was answered'}${timeouts ? `; ${timeouts} requests timed out after ${formatMs(timeoutOf(ctx, x.load))}` : ''}` },
    });
  }
  const fastRejects = rj.p99 <= bound + Math.max(bound * 0.1, 20);
  const ok = fastRejects && acceptedOk && timeouts === 0;
  const problems = [
    !fastRejects ? `rejections took ${formatMs(rj.p99)} (p99), bound ${formatMs(bound)}` : '',
    !acceptedOk ? `accepted p99 ${formatMs(ac.p99)} breaks ${x.p99!.text}` : '',
    timeouts ? `${timeouts} requests still timed out` : '',
  ].filter(Boolean);
  return verdict(ctx, 'shedding', key, {
    ok,
    summary: `shed ${rejected.length} of ${rs.length} requests in ${formatMs(rj.p99)} (p99, bound ${formatMs(bound)}), accepted p99 ${accepted.length ? formatMs(ac.p99) : 'n/a'}${problems.length ? ` — ${problems.join('; ')}` : ''}`,
    measured,
    evidence,
    windows: ws,
    failureMode: fastRejects
      ? { id: 'unbalanced-capacity', trigger, spread: `it shed ${rejected.length} requests but queued the rest`, result: `accepted p99 ${formatMs(ac.p99)}${timeouts ? `, ${timeouts} client timeouts` : ''}` }
      : { id: 'slow-responses', trigger, spread: `rejections queued behind accepted work (${formatMs(rj.p99)} p99)`, result: `callers waited ${formatMs(rj.p99)} to be told no` },
  });
}

/**
 * A dogpile with findLimit escalated its pulses (n, 2n, 4n... up to a bound) until the target shed:
 * the first pulse with 429/503s locates the limit (~ what that pulse had accepted, all at once), and
 * the rejections must be fast. No rejection up to the bound is a definite failure: the target queued
 * every pile, and its accepted latency shows what that cost.
 */
function judgeLimit(ctx: CheckContext, x: SheddingExpectation, key: string, ws: Window[], pulses: LoadPulseEvent[], rs: ResponseEvent[]) {
  const bound = x['rejects-within'];
  const per = pulses.map((p, i) => {
    const next = pulses[i + 1]?.t ?? Infinity;
    const mine = rs.filter((r) => r.t >= p.t && r.t < next);
    const accepted = mine.filter(isSuccess);
    return { size: p.size, all: mine, rejected: mine.filter(isRejection), accepted, acceptedP99: stats(accepted.map((r) => r.latencyMs)).p99 };
  });
  const upTo = pulses[0]!.findLimit!.upTo;
  const boundedBy = pulses[0]!.findLimit!.boundedBy;
  const largest = Math.max(...per.map((p) => p.size));
  const at0 = per.findIndex((p) => p.rejected.length > 0);
  const shed = at0 >= 0 ? per[at0]! : undefined;
  const rj = stats((shed?.rejected ?? []).map((r) => r.latencyMs));
  const first = per[0]!;
  const last = per[per.length - 1]!;
  const evidence = [
    ev('judged over', label(ws)),
    ev('escalation', `${per.map((p) => `${p.size}: ${p.accepted.length} ok / ${p.rejected.length} shed`).join(', ')} (bound ${upTo}${boundedBy ? `, held to ${largest} by the ${boundedBy} limit` : ''})`),
    ev('accepted p99 per pulse', per.map((p) => (p.accepted.length ? formatMs(p.acceptedP99) : 'n/a')).join(' → ')),
    ev('rejection latency (p50 / p99)', shed ? `${formatMs(rj.p50)} / ${formatMs(rj.p99)}` : null),
  ];
  const measured = {
    upToConcurrent: upTo,
    largestPulse: largest,
    limitConcurrent: shed ? shed.accepted.length : null,
    shedAtPulse: shed ? shed.size : null,
    rejected: shed ? shed.rejected.length : 0,
    rejectP99Ms: num(rj.p99),
    boundMs: bound,
    acceptedP99FirstMs: num(first.acceptedP99),
    acceptedP99LastMs: num(last.acceptedP99),
    p99BoundMs: x.p99?.value ?? null,
  };
  const trigger = `load '${x.load}' escalated piles of ${per.map((p) => p.size).join(', ')} concurrent requests from ${at(ctx, pulses[0]!.t)}`;
  if (!shed) {
    const grew = `accepted p99 grew from ${first.accepted.length ? formatMs(first.acceptedP99) : 'n/a'} to ${last.accepted.length ? formatMs(last.acceptedP99) : 'n/a (none answered)'}`;
    return verdict(ctx, 'shedding', key, {
      ok: false,
      summary: `no shedding up to ${largest} concurrent${boundedBy ? ` (the ${boundedBy} limit held the bound ${upTo} to ${largest})` : ''}: ${grew}`,
      measured,
      evidence,
      windows: ws,
      failureMode: { id: 'unbalanced-capacity', trigger, spread: `the target accepted all ${largest} at once and queued them: it has no limit of its own`, result: grew },
    });
  }
  const prev = at0 > 0 ? per[at0 - 1]! : undefined;
  const fastRejects = rj.p99 <= bound + Math.max(bound * 0.1, 20);
  const acceptedOk = x.p99 === undefined || !shed.accepted.length || meets(x.p99, shed.acceptedP99);
  const problems = [
    !fastRejects ? `rejections took ${formatMs(rj.p99)} (p99), bound ${formatMs(bound)}` : '',
    !acceptedOk ? `accepted p99 ${formatMs(shed.acceptedP99)} breaks ${x.p99!.text}` : '',
  ].filter(Boolean);
  return verdict(ctx, 'shedding', key, {
    ok: fastRejects && acceptedOk,
    summary:
      `sheds from ~${shed.accepted.length} concurrent (pile of ${shed.size}: ${shed.accepted.length} accepted, ${shed.rejected.length} rejected${prev ? `; none of ${prev.size} rejected` : ''}), ` +
      `rejections p99 ${formatMs(rj.p99)} (bound ${formatMs(bound)})${problems.length ? ` — ${problems.join('; ')}` : ''}`,
    measured,
    evidence,
    windows: ws,
    failureMode: fastRejects
      ? { id: 'unbalanced-capacity', trigger, spread: `it shed ${shed.rejected.length} of ${shed.size} but queued the ${shed.accepted.length} it accepted`, result: `accepted p99 ${formatMs(shed.acceptedP99)}` }
      : { id: 'slow-responses', trigger, spread: `rejections queued behind accepted work (${formatMs(rj.p99)} p99)`, result: `callers waited ${formatMs(rj.p99)} to be told no` },
  });
}

export default {
  name: 'shedding',
  description: 'above capacity the target rejects quickly (429/503) and keeps accepted latency bounded instead of queueing',
  expectation: sheddingExpectation,
  run,
} satisfies Check<typeof sheddingExpectation>;
