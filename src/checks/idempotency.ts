import { z } from 'zod';
import type { Check, CheckContext, Verdict } from './check.js';
import { boundSchema, meets } from './bounds.js';
import { at, eventsOf, faultWindows, label, scope } from './query.js';
import { ev, inconclusive, verdict } from './verdict.js';
import type { DepRequestEvent } from '../timeline/events.js';

export const idempotencyExpectation = z.strictObject({
  /** A dependency with `idempotency:` (its stand-in records each request's key and request id). */
  dependency: z.string(),
  /** The methods that apply a change each time they arrive (default POST and PATCH). */
  methods: z.array(z.string().regex(/^[A-Za-z]+$/).transform((m) => m.toUpperCase())).min(1).default(['POST', 'PATCH']),
  /** The phase to judge (default: the whole run; retries happen during faults and just after). */
  phase: z.string().optional(),
  /** Attempts that would apply a second time, allowed (default none: "== 0"). */
  duplicates: boundSchema('number').optional(),
});
export type IdempotencyExpectation = z.infer<typeof idempotencyExpectation>;

/** A key the stand-in could not read from the body (digest words: !not-json, !too-large). */
const unreadable = (k: string | undefined) => k !== undefined && k.startsWith('!');

/**
 * One logical request's attempts at the dependency, in order. Attempts are grouped by the request id
 * the target forwarded from crumple's load (`requestId:` on the load, `idempotency.requestId` on the
 * dependency), not by equal bodies: a load sends the same body again and again, so equal bodies cannot
 * tell a retry from the next request, while an id crumple made fresh per request can.
 */
function groups(rs: readonly DepRequestEvent[]): Map<string, DepRequestEvent[]> {
  const out = new Map<string, DepRequestEvent[]>();
  for (const r of rs) {
    const g = out.get(r.requestId!);
    if (g) g.push(r);
    else out.set(r.requestId!, [r]);
  }
  return out;
}

/**
 * How many attempts of one logical request would be applied beyond the first: the receiver applies
 * once per distinct key, and every attempt without a key. Every attempt the stand-in received counts:
 * it cannot know whether its work was done before the reset or the 5xx, which is why keys exist.
 */
function extraApplies(attempts: readonly DepRequestEvent[]): number {
  const keys = new Set<string>();
  let missing = 0;
  for (const a of attempts) {
    if (a.key === undefined) missing += 1;
    else keys.add(a.key);
  }
  return Math.max(0, keys.size + missing - 1);
}

/**
 * Idempotent retries: when the target retries a non-idempotent call (POST, PATCH) to a dependency,
 * every retry carries the key of its first attempt, so the dependency applies it once; one key per
 * logical request, never shared by two. Judged at the stand-in from the keys and request ids it recorded.
 */
function run(ctx: CheckContext, x: IdempotencyExpectation, key: string): Verdict {
  const ws = scope(ctx, x.phase, () => [{ startMs: ctx.timeline.startMs, endMs: ctx.timeline.endMs + 1, label: 'the run' }]);
  if (typeof ws === 'string') return inconclusive(ctx, 'idempotency', key, ws);
  const calls = eventsOf(ctx, 'dep-request', ws).filter((r) => r.dependency === x.dependency && x.methods.includes(r.method.toUpperCase()));
  if (!calls.length) return inconclusive(ctx, 'idempotency', key, `no ${x.methods.join('/')} calls to ${x.dependency} during ${label(ws)}`);
  const what = `${[...new Set(calls.map((r) => r.method.toUpperCase()))].join('/')}s to ${x.dependency}`;
  const tagged = calls.filter((r) => r.requestId !== undefined);
  if (!tagged.length) {
    return inconclusive(ctx, 'idempotency', key, `none of ${calls.length} ${what} carried a request id: give the load requestId: x-request-id, the dependency idempotency: {}, and have the target forward the header (else a retry cannot be told from a new request)`);
  }
  const byRequest = groups(tagged);
  let retried = 0; // attempts after the first of their logical request
  let sameKey = 0; // ... carrying the first attempt's key
  let freshKey = 0;
  let noKey = 0;
  let duplicates = 0;
  let retriedRequests = 0;
  let unread = 0;
  const owners = new Map<string, Set<string>>(); // key → the logical requests that used it
  for (const [id, attempts] of byRequest) {
    if (attempts.some((a) => unreadable(a.key))) {
      unread += 1;
      continue;
    }
    for (const a of attempts) if (a.key !== undefined) (owners.get(a.key) ?? owners.set(a.key, new Set()).get(a.key)!).add(id);
    if (attempts.length < 2) continue;
    retriedRequests += 1;
    const firstKey = attempts[0]!.key;
    for (const a of attempts.slice(1)) {
      retried += 1;
      if (a.key === undefined) noKey += 1;
      else if (firstKey !== undefined && a.key === firstKey) sameKey += 1;
      else freshKey += 1;
    }
    duplicates += extraApplies(attempts);
  }
  const shared = [...owners.values()].filter((s) => s.size > 1).length;
  const measured = {
    retried,
    retriedRequests,
    sameKey,
    freshKey,
    noKey,
    duplicates,
    sharedKeys: shared,
    duplicatesBound: x.duplicates ? x.duplicates.value : 0,
    attempts: tagged.length,
    logicalRequests: byRequest.size,
    untagged: calls.length - tagged.length,
  };
  const evidence = [
    ev('judged', `${label(ws)}: ${tagged.length} ${what} for ${byRequest.size} logical requests`),
    ev('retries with the first attempt’s key / a fresh key / no key', `${sameKey} / ${freshKey} / ${noKey}`),
    ev('keys shared by different logical requests', shared),
    ev('calls without a request id (not judged)', calls.length - tagged.length),
    ev('logical requests whose body could not be read for a key (not judged)', unread),
  ];
  if (retried === 0) {
    return inconclusive(ctx, 'idempotency', key, `the target retried none of ${byRequest.size} logical requests (${tagged.length} ${what}): nothing to judge; fault the dependency so that it retries`, measured, evidence);
  }
  const dupOk = x.duplicates ? meets(x.duplicates, duplicates) : duplicates === 0;
  const bound = x.duplicates ? x.duplicates.text : '0';
  const summary = `${retried} retried ${what}: ${sameKey} carried the key of their first attempt, ${duplicates} duplicate${duplicates === 1 ? '' : 's'} would apply twice (bound ${bound})${shared ? `; ${shared} key${shared === 1 ? '' : 's'} shared by different requests` : ''}`;
  const faults = faultWindows(ctx, x.dependency);
  return verdict(ctx, 'idempotency', key, {
    ok: dupOk && shared === 0,
    summary,
    measured,
    evidence,
    // No windows: keys are what they are whatever the harness's lag, and a run cut short still sent them.
    failureMode: {
      id: 'double-apply',
      trigger: faults.length ? `${label(faults)} from ${at(ctx, faults[0]!.startMs)} made the target retry ${retriedRequests} of its ${what}` : `the target retried ${retriedRequests} of its ${what}`,
      spread:
        shared && !duplicates
          ? `${shared} key${shared === 1 ? ' was' : 's were'} reused by different requests, so the dependency would drop the later ones as repeats`
          : `${[freshKey ? `${freshKey} retr${freshKey === 1 ? 'y' : 'ies'} carried a fresh key` : '', noKey ? `${noKey} carried none` : ''].filter(Boolean).join(' and ') || 'the attempts carried different keys'}, so the dependency cannot tell ${freshKey + noKey === 1 ? 'it' : 'them'} from new requests`,
      result: `${duplicates} attempt${duplicates === 1 ? '' : 's'} would apply twice (a second charge, a second order)${shared ? `; ${shared} shared key${shared === 1 ? '' : 's'}` : ''}`,
    },
  });
}

export default {
  name: 'idempotency',
  description: 'retried POST/PATCH calls to a dependency carry the idempotency key of their first attempt: none would apply twice',
  expectation: idempotencyExpectation,
  run,
} satisfies Check<typeof idempotencyExpectation>;
