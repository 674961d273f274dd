/**
 * Client identities for a load: each request is sent as one of `count` clients, its id in a header
 * (`x-client-id: client-7`), so a target's per-client limits can be tested. Heavy clients send `weight`
 * times each other client's rate, optionally only for a while (they join `after` the load starts and
 * stay `for` a duration), so a run can hold a baseline without them. The order is a fixed smooth
 * weighted round robin, the same every run: no client bursts by chance.
 */
import { z } from 'zod';
import { LIMITS, boundedDuration, buildRequest, intIn, type RequestSpec } from './common.js';

export const MAX_CLIENTS = 1000;
export const MAX_WEIGHT = 100;

export const clientsSchema = z
  .strictObject({
    /** How many clients the load sends as; every request is one of them. */
    count: intIn(1, MAX_CLIENTS),
    /** The header carrying the client's id. */
    header: z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'header names are tokens like x-client-id').default('x-client-id'),
    /** Ids are this prefix and the client's number from 1: client-1, client-2... */
    prefix: z.string().regex(/^[!-~]{0,64}$/, 'the prefix is up to 64 visible characters, no spaces').default('client-'),
    /** Clients 1..heavy.count send `weight` times each other client's rate. */
    heavy: z
      .strictObject({
        count: intIn(1, MAX_CLIENTS - 1).default(1),
        weight: intIn(2, MAX_WEIGHT),
        /** They start sending this long after the load starts (default at once). */
        after: boundedDuration(0, LIMITS.durationMs).default(0),
        /** ... and stop after this (default: to the load's end). */
        for: boundedDuration(1, LIMITS.durationMs).optional(),
      })
      .optional(),
  })
  .superRefine((c, ctx) => {
    if (c.heavy && c.heavy.count >= c.count) ctx.addIssue({ code: 'custom', path: ['heavy', 'count'], message: `heavy.count must leave at least one ordinary client to compare with (count is ${c.count})` });
  });
export type Clients = z.output<typeof clientsSchema>;

/** Sends one slot of a fixed-rate schedule as client `index` (0-based), or -1: that heavy client is not sending now. */
export interface ClientPicker {
  /** One request per client, built once. */
  readonly reqs: readonly Buffer[];
  /** `sinceStartMs`: the slot's time from the load's start. */
  pick(sinceStartMs: number): number;
}

/**
 * One cycle of smooth weighted round robin (nginx's): every client appears as often as its weight,
 * heavy ones spread evenly between the others rather than in runs.
 */
export function weightedOrder(weights: readonly number[]): Uint16Array {
  const total = weights.reduce((s, w) => s + w, 0);
  const out = new Uint16Array(total);
  const current = new Float64Array(weights.length);
  for (let k = 0; k < total; k++) {
    let best = 0;
    for (let i = 0; i < weights.length; i++) {
      current[i]! += weights[i]!;
      if (current[i]! > current[best]!) best = i;
    }
    current[best]! -= total;
    out[k] = best;
  }
  return out;
}

export const clientId = (c: Clients, index: number): string => `${c.prefix}${index + 1}`;

/**
 * The requests and the order to send them in. A heavy client's slots while it is not sending are
 * skipped (not sent, not missed), so the other clients keep their rate whether it sends or not.
 */
export function clientPicker(base: URL, r: RequestSpec, c: Clients): ClientPicker {
  const reqs = Array.from({ length: c.count }, (_, i) => buildRequest(base, { ...r, headers: { ...r.headers, [c.header]: clientId(c, i) } }));
  const h = c.heavy;
  // The closed loop looks for the next client sending now: an ordinary one always is (the schema keeps one).
  if (h && h.count >= c.count) throw new Error('clientPicker: every client is heavy');
  const order = weightedOrder(Array.from({ length: c.count }, (_, i) => (h && i < h.count ? h.weight : 1)));
  const from = h?.after ?? 0;
  const until = h?.for !== undefined ? from + h.for : Infinity;
  let k = 0;
  return {
    reqs,
    pick(sinceStartMs) {
      const i = order[k]!;
      k = (k + 1) % order.length;
      return h && i < h.count && !(sinceStartMs >= from && sinceStartMs < until) ? -1 : i;
    },
  };
}
