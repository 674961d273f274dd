import { z } from 'zod';
import { formatMs } from '../units.js';
import { durationSchema } from '../unit-schemas.js';
import type { Check, CheckContext } from './check.js';
import { at, clientTimeouts as patienceOf, eventsOf, faultWindows, gaveUpAfter, inside, label, num, responses, scope, stats, type Window } from './query.js';
import { ev, inconclusive, verdict } from './verdict.js';

export const timeoutExpectation = z.strictObject({
  dependency: z.string(),
  /** The target must give up on the dependency within this. */
  within: durationSchema,
  /** Judge only this phase (default: every phase that slows or hangs the dependency). */
  phase: z.string().optional(),
});
export type TimeoutExpectation = z.infer<typeof timeoutExpectation>;


/** The stand-in sees the close after a network hop and its own event loop: 10 % or 50 ms of allowance. */
export const allowance = (boundMs: number): number => Math.max(boundMs * 0.1, 50);

/**
 * When crumple's own client gave up on requests whose start lies in the windows (end times, sorted).
 * A proxy-like target closes its dependency call when its caller leaves: such closes are not its timeout.
 */
function clientGiveUps(ctx: CheckContext, ws: readonly Window[]): number[] {
  const span: Window[] = ws.map((w) => ({ ...w, startMs: w.startMs - ctx.clientTimeoutMs }));
  // Matching give-ups to closes, not counting requests for a phase: every response, edges included.
  return eventsOf(ctx, 'response', span)
    .filter((r) => r.error === 'timeout')
    .map((r) => r.t + r.latencyMs)
    .sort((a, b) => a - b);
}

/** Removes and reports the first give-up within [t − 50 ms, t + 300 ms]: one give-up explains one close. */
function takeGiveUpNear(giveUps: number[], t: number): boolean {
  let lo = 0;
  let hi = giveUps.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (giveUps[mid]! < t - 300) lo = mid + 1;
    else hi = mid;
  }
  if (lo < giveUps.length && giveUps[lo]! <= t + 50) {
    giveUps.splice(lo, 1);
    return true;
  }
  return false;
}

/**
 * Measured at the stand-in: each connection the target closed while a request was pending tells how
 * long it waited (t − pendingSince). Closes explained by crumple's client giving up (a client-side
 * timeout at about the same moment, or a wait of about the client timeout) are counted as "held",
 * not as the target's timeout. Calls still pending at the end of the window past the bound are held
 * too. Without any stand-in evidence, the client side decides: answers within the bound while the
 * dependency was faulty mean the target gave up (or never waited), and the summary says so.
 */
function run(ctx: CheckContext, x: TimeoutExpectation, key: string) {
  const holding = faultWindows(ctx, x.dependency, (f) => f.kinds.includes('holds'));
  const ws = scope(ctx, x.phase, () => (holding.length ? holding : faultWindows(ctx, x.dependency)));
  if (typeof ws === 'string') return inconclusive(ctx, 'timeout', key, ws);
  if (!ws.length) return inconclusive(ctx, 'timeout', key, `no phase puts a fault on '${x.dependency}'`);
  const bound = x.within;
  const limit = bound + allowance(bound);
  const giveUps = clientGiveUps(ctx, ws);
  // A wait of about a load's own client timeout is crumple's client leaving (each load has its own).
  const patience = patienceOf(ctx);
  const nearClient = (w: number) => patience.some((c) => Math.abs(w - c) <= Math.max(c * 0.05, 100));

  const targetWaits: number[] = [];
  const heldByClient: number[] = [];
  // A process that exits closes every socket it had: those closes are the end of the process, not a timeout.
  const exits = eventsOf(ctx, 'target-exit').map((e) => e.t);
  const byExit = (t: number) => exits.some((x) => t >= x - 50 && t <= x + 1000);
  const pending = new Map<number, number>(); // conn → pending since, for calls never closed
  for (const e of ctx.timeline.events) {
    if (!('dependency' in e) || e.dependency !== x.dependency) continue;
    if (e.kind === 'dep-request' && inside(e.t, ws)) pending.set(e.conn, e.t);
    else if (e.kind === 'dep-response') pending.delete(e.conn);
    else if (e.kind === 'dep-close') {
      pending.delete(e.conn);
      if (!e.pending || e.pendingSince === undefined || !inside(e.pendingSince, ws)) continue;
      if (e.by !== 'client') {
        heldByClient.push(e.t - e.pendingSince); // the stand-in closed it: the target never gave up
        continue;
      }
      const waited = e.t - e.pendingSince;
      if (byExit(e.t) || takeGiveUpNear(giveUps, e.t) || nearClient(waited)) heldByClient.push(waited);
      else targetWaits.push(waited);
    }
  }
  const end = Math.max(...ws.map((w) => w.endMs), ctx.timeline.endMs);
  const stillHeld = [...pending.values()].map((since) => end - since).filter((w) => w > limit);
  const held = [...heldByClient.filter((w) => w > limit), ...stillHeld, ...targetWaits.filter((w) => w > limit)];

  const calls = eventsOf(ctx, 'dep-request', ws).filter((e) => e.dependency === x.dependency).length;
  const client = responses(ctx, ws);
  const answered = client.filter((r) => r.status !== undefined);
  const cs = stats(client.map((r) => r.latencyMs));
  const timedOut = client.filter((r) => r.error === 'timeout');
  const clientTimeouts = timedOut.length;
  const tw = stats(targetWaits);
  const measured = {
    measuredTimeoutMs: num(tw.p50),
    giveUpP50Ms: num(tw.p50),
    giveUpP90Ms: num(tw.p90),
    giveUpMaxMs: num(tw.max),
    withinMs: bound,
    abandonedCalls: targetWaits.length,
    heldPastBound: held.length,
    heldUntilClientGaveUp: heldByClient.length,
    callsDuringFault: calls,
    clientP50Ms: num(cs.p50),
    clientP99Ms: num(cs.p99),
    clientTimeouts,
  };
  const evidence = [
    ev('judged over', `${label(ws)} (${at(ctx, ws[0]!.startMs)} onward)`),
    ev(`calls to ${x.dependency}`, calls),
    ev('calls the target abandoned (stand-in saw the close)', targetWaits.length),
    ev('abandoned after (p50 / p90 / max)', targetWaits.length ? `${formatMs(tw.p50)} / ${formatMs(tw.p90)} / ${formatMs(tw.max)}` : null),
    ev('calls held until crumple\u2019s client gave up, the stand-in closed or the target exited', heldByClient.length),
    ev(`calls still pending past ${formatMs(limit)}`, stillHeld.length),
    ev('client latency (p50 / p99)', client.length ? `${formatMs(cs.p50)} / ${formatMs(cs.p99)}` : null),
    ev('client timeouts (crumple gave up)', clientTimeouts),
  ];
  const story = (spread: string) => ({
    id: 'integration-point-without-timeout' as const,
    trigger: `${x.dependency} held calls from ${at(ctx, ws[0]!.startMs)} (${label(ws)})`,
    spread,
    result: client.length
      ? `clients saw p99 ${formatMs(cs.p99)}${clientTimeouts ? `, ${clientTimeouts} gave up after ${gaveUpAfter(ctx, timedOut)}` : ''}`
      : 'no client responses were recorded in the window',
  });

  if (targetWaits.length || held.length) {
    const ok = held.length === 0 && tw.n > 0 && tw.p90 <= limit;
    const summary =
      tw.n > 0
        ? `gave up on ${x.dependency} after ${formatMs(tw.p50)} (p50, p90 ${formatMs(tw.p90)}), bound ${formatMs(bound)}${held.length ? `; ${held.length} call(s) held past it` : ''}`
        : `never gave up on ${x.dependency}: ${held.length} call(s) held past ${formatMs(bound)}${heldByClient.length ? ` (until crumple\u2019s client gave up after ${gaveUpAfter(ctx, timedOut)})` : ''}`;
    return verdict(ctx, 'timeout', key, {
      ok,
      summary,
      measured,
      evidence,
      windows: ws,
      failureMode: story(
        tw.n > 0
          ? `the target waited ${formatMs(tw.p90)} (p90) on its calls, ${held.length} held past ${formatMs(bound)}`
          : `the target kept ${held.length} call(s) waiting on ${x.dependency} until its own callers left`,
      ),
    });
  }
  if (!client.length && !calls) return inconclusive(ctx, 'timeout', key, `no calls reached ${x.dependency} and no client requests in ${label(ws)}`, measured, evidence);
  if (!client.length) return inconclusive(ctx, 'timeout', key, `the stand-in saw no abandoned or held calls and no client request counted in ${label(ws)}`, measured, evidence);
  // No stand-in evidence: the client side decides, and the summary says so.
  const ok = answered.length > 0 && clientTimeouts === 0 && cs.p90 <= limit;
  return verdict(ctx, 'timeout', key, {
    ok,
    summary: ok
      ? `answered within ${formatMs(cs.p90)} (p90, client side only: the stand-in saw no abandoned calls) while ${x.dependency} was faulty, bound ${formatMs(bound)}`
      : `client responses took ${formatMs(cs.p90)} (p90)${clientTimeouts ? `, ${clientTimeouts} client timeouts` : ''} while ${x.dependency} was faulty, bound ${formatMs(bound)}`,
    measured: { ...measured, measuredTimeoutMs: ok ? num(cs.p50) : null },
    evidence,
    windows: ws,
    failureMode: story(`responses waited ${formatMs(cs.p90)} (p90) on ${x.dependency}`),
  });
}

export default {
  name: 'timeout',
  description: 'while a dependency hangs or is slow, the target gives up on it within the bound (measured at the stand-in and the client)',
  expectation: timeoutExpectation,
  run,
} satisfies Check<typeof timeoutExpectation>;
