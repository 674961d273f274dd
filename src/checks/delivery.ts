import { z } from 'zod';
import type { Check, CheckContext, Verdict } from './check.js';
import { boundSchema, formatPercent, meets } from './bounds.js';
import { at, eventsOf, median, num } from './query.js';
import { ev, inconclusive, verdict } from './verdict.js';
import { formatMs } from '../units.js';

export const deliveryExpectation = z.strictObject({
  /** The dependency with `queue:` the target consumes from. */
  queue: z.string(),
  /**
   * Where the consumer's work shows: a dependency with `idempotency:` that each processed message
   * reaches carrying its message id as the key. Without it, a deleted message counts as processed
   * (and a consumer that deletes before working cannot be caught).
   */
  effect: z.string().optional(),
  /** Share of messages worked more than once allowed (default: any; at-least-once delivery repeats some). */
  duplicates: boundSchema('ratio').optional(),
  /** After the consumer died, its messages in hand are delivered again within this. */
  'redelivered-within': boundSchema('duration').optional(),
});
export type DeliveryExpectation = z.infer<typeof deliveryExpectation>;

interface Fate {
  sentAt: number;
  deliveries: { t: number; hiddenMs: number }[];
  deletedAt?: number;
  deletes: number;
  effects: number[];
}

/**
 * Queue redelivery: every message sent to the queue is processed at least once, none lost, also when
 * the consumer (the target) is killed with messages in hand; those come back after their visibility
 * timeout. Judged from the queue stand-in's events (sent, received, redelivered, deleted), crumple's
 * kills of the target, and, with `effect`, the requests the work made (keyed by message id).
 */
function run(ctx: CheckContext, x: DeliveryExpectation, key: string): Verdict {
  const fates = new Map<string, Fate>();
  for (const e of eventsOf(ctx, 'queue')) {
    if (e.dependency !== x.queue || e.id === undefined) continue;
    let f = fates.get(e.id);
    if (e.action === 'sent') fates.set(e.id, (f = { sentAt: e.t, deliveries: [], deletes: 0, effects: [] }));
    if (!f) continue;
    if (e.action === 'received' || e.action === 'redelivered') f.deliveries.push({ t: e.t, hiddenMs: e.hiddenMs ?? 0 });
    if (e.action === 'deleted') {
      f.deletes += 1;
      f.deletedAt ??= e.t;
    }
  }
  if (!fates.size) return inconclusive(ctx, 'delivery', key, `no message was sent to '${x.queue}' (give the run an enqueue load: { shape: enqueue, queue: ${x.queue} })`);
  if (x.effect !== undefined) {
    const keyed = eventsOf(ctx, 'dep-request').filter((r) => r.dependency === x.effect && r.key !== undefined);
    if (!keyed.length) {
      return inconclusive(ctx, 'delivery', key, `no request to '${x.effect}' carried a key: give it idempotency: {} and have the consumer send each message's id as its Idempotency-Key`);
    }
    for (const r of keyed) fates.get(r.key!)?.effects.push(r.t);
  }
  const doneAt = (f: Fate): number | undefined => (x.effect !== undefined ? f.effects[0] : f.deletedAt);
  const all = [...fates.values()];
  const processed = all.filter((f) => doneAt(f) !== undefined).length;
  // Lost: deleted (the queue will never deliver it again) but its work never happened.
  const lost = x.effect !== undefined ? all.filter((f) => f.deletedAt !== undefined && !f.effects.length).length : 0;
  const unprocessed = all.filter((f) => doneAt(f) === undefined && f.deletedAt === undefined).length;
  const worked = (f: Fate) => (x.effect !== undefined ? f.effects.length : f.deliveries.length);
  const duplicates = all.filter((f) => doneAt(f) !== undefined && worked(f) > 1).length;
  const redelivered = all.filter((f) => f.deliveries.length > 1).length;

  // The consumer's deaths: each message in hand then (delivered, still hidden, its work or its delete
  // not done) should be delivered again.
  const deaths = eventsOf(ctx, 'target-control').filter((e) => e.action === 'kill' || e.action === 'stop');
  let inHand = 0;
  const waits: number[] = [];
  let neverBack = 0;
  for (const k of deaths) {
    for (const f of all) {
      const last = f.deliveries.filter((d) => d.t <= k.t).at(-1);
      if (!last || last.t + last.hiddenMs <= k.t) continue;
      const finished = f.deletedAt !== undefined && f.deletedAt <= k.t && (x.effect === undefined || (f.effects[0] ?? Infinity) <= k.t);
      if (finished) continue;
      inHand += 1;
      const again = f.deliveries.find((d) => d.t > k.t);
      if (again) waits.push(again.t - k.t);
      else if (doneAt(f) === undefined || doneAt(f)! > k.t) neverBack += 1;
    }
  }
  const worstWait = waits.length ? Math.max(...waits) : undefined;
  const dupShare = processed ? duplicates / processed : 0;
  const dupOk = x.duplicates ? meets(x.duplicates, dupShare) : true;
  const waitOk = x['redelivered-within'] && worstWait !== undefined ? meets(x['redelivered-within'], worstWait) : true;
  const measured = {
    sent: all.length,
    processed,
    lost,
    unprocessed,
    duplicates,
    duplicateShare: num(dupShare, 4),
    redelivered,
    deaths: deaths.length,
    inHand,
    notRedelivered: neverBack,
    redeliveryMaxMs: worstWait ?? null,
    redeliveryP50Ms: waits.length ? median(waits) : null,
    redeliveredWithinMs: x['redelivered-within']?.value ?? null,
    duplicateShareBound: x.duplicates?.value ?? null,
  };
  const deathText = deaths.length ? `; ${inHand} in hand at ${deaths.length} consumer death${deaths.length === 1 ? '' : 's'}${worstWait !== undefined ? `, delivered again after ${formatMs(waits.length ? median(waits) : 0)} (p50), ${formatMs(worstWait)} (max)` : ''}` : '';
  const summary = `${all.length} messages to ${x.queue}: ${processed} processed, ${lost} lost, ${unprocessed} unprocessed, ${duplicates} worked twice${x.duplicates ? ` (${formatPercent(dupShare)}, bound ${x.duplicates.text})` : ''}${deathText}`;
  const evidence = [
    ev('processed means', x.effect !== undefined ? `a request to ${x.effect} carried the message id as its key` : 'deleted from the queue'),
    ev('sent / processed / lost / unprocessed', `${all.length} / ${processed} / ${lost} / ${unprocessed}`),
    ev('delivered more than once', redelivered),
    ev('consumer deaths (kill, restart)', deaths.map((d) => at(ctx, d.t)).join(', ') || 'none'),
    ev('in hand at a death / delivered again / never again', `${inHand} / ${waits.length} / ${neverBack}`),
  ];
  if (lost === 0 && unprocessed === 0 && inHand === 0) {
    return inconclusive(ctx, 'delivery', key, deaths.length ? `the consumer held no message at its ${deaths.length} death${deaths.length === 1 ? '' : 's'}: nothing tested redelivery (${processed} of ${all.length} processed)` : `the consumer never died (no target: kill or restart): nothing tested redelivery (${processed} of ${all.length} processed)`, measured, evidence);
  }
  const firstDeath = deaths[0];
  const lostMode = lost > 0;
  return verdict(ctx, 'delivery', key, {
    ok: lost === 0 && unprocessed === 0 && dupOk && waitOk,
    summary,
    measured,
    evidence,
    failureMode:
      lostMode || unprocessed
        ? {
            id: lostMode ? 'lost-message' : 'no-recovery',
            trigger: firstDeath ? `crumple killed the consumer at ${at(ctx, firstDeath.t)} with ${inHand} message${inHand === 1 ? '' : 's'} in hand` : `the consumer of ${x.queue}`,
            spread: lostMode ? `it had deleted ${lost} of them before doing their work, so the queue had nothing to deliver again` : `the consumer did not take ${unprocessed} message${unprocessed === 1 ? '' : 's'} off the queue by the end of the run`,
            result: lostMode ? `${lost} of ${all.length} messages lost: deleted, never processed` : `${unprocessed} of ${all.length} messages unprocessed at the end`,
          }
        : undefined,
  });
}

export default {
  name: 'delivery',
  description: 'every message sent to a queue is processed at least once, none lost when the consumer dies mid-message; duplicates and redelivery time counted',
  expectation: deliveryExpectation,
  judges: 'run',
  run,
} satisfies Check<typeof deliveryExpectation>;
