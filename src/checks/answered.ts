import { z } from 'zod';
import { formatMs } from '../units.js';
import type { Check, CheckContext } from './check.js';
import { boundSchema, formatPercent, meets } from './bounds.js';
import { at, responses } from './query.js';
import { ev, inconclusive, verdict } from './verdict.js';

export const answeredExpectation = z
  .strictObject({
    /** Judge this load only (default: every load). */
    load: z.string().optional(),
    /** Share of requests crumple's client may give up on (no answer within its timeout): "<= 0%" by default. */
    hung: boundSchema('ratio').optional(),
  })
  .or(z.literal(true).transform(() => ({}) as { load?: string; hung?: undefined }));

/**
 * Every request got an answer, or was refused fast, before crumple's client gave up on it. A 5xx or
 * a reset counts as answered: the caller could act on it. A request left hanging cannot be told
 * apart from a dead service by its caller: that is what this check catches.
 */
function run(ctx: CheckContext, x: z.output<typeof answeredExpectation>, key: string) {
  const rs = responses(ctx, undefined, x.load);
  if (!rs.length) return inconclusive(ctx, 'answered', key, `no requests${x.load ? ` of load ${x.load}` : ''} were sent`);
  const hung = rs.filter((r) => r.error === 'timeout');
  const share = hung.length / rs.length;
  const bound = x.hung;
  const ok = bound ? meets(bound, share) : hung.length === 0;
  const first = hung[0];
  return verdict(ctx, 'answered', key, {
    ok,
    summary: hung.length
      ? `${hung.length} of ${rs.length} requests (${formatPercent(share)}) got no answer within ${formatMs(ctx.clientTimeoutMs)}; the first was sent at ${at(ctx, first!.t)}${bound ? `, bound ${bound.text}` : ''}`
      : `all ${rs.length} requests answered or refused within ${formatMs(ctx.clientTimeoutMs)}`,
    measured: { requests: rs.length, hung: hung.length, hungShare: Number(share.toFixed(4)) },
    evidence: [ev('requests', rs.length), ev('no answer within the client timeout', hung.length), ev('client timeout', formatMs(ctx.clientTimeoutMs))],
    failureMode: {
      id: 'blocked-threads',
      trigger: first ? `requests from ${at(ctx, first.t)} on` : 'a fault',
      spread: 'the target held the requests instead of answering or refusing them',
      result: `${hung.length} callers waited ${formatMs(ctx.clientTimeoutMs)} and gave up with nothing`,
    },
  });
}

export default {
  name: 'answered',
  description: "every request is answered (any status) or refused before crumple's client timeout: nothing left hanging",
  expectation: answeredExpectation,
  run,
} satisfies Check<typeof answeredExpectation>;
