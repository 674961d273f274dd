import type { FailureFinding, FailureModeId, Verdict } from '../checks/check.js';
import { formatMsShort, formatValue, humanKey } from './text.js';

/**
 * The failure-mode catalogue: Release It!'s stability antipatterns (plus the few crumple adds), each
 * with the stability pattern(s) that would have absorbed it and how to phrase the value to aim for.
 * A check's FailureFinding carries the run's own story (trigger → spread → result); this catalogue
 * supplies the name, the lesson and the remedy.
 */

export const stabilityPatterns = {
  timeouts: { name: 'Timeouts', description: 'give up on every integration point after a bounded wait' },
  'circuit-breaker': { name: 'Circuit Breaker', description: 'stop calling a failing dependency; probe it now and then' },
  bulkheads: { name: 'Bulkheads', description: 'separate pools so one failing dependency cannot drain them all' },
  'shed-load': { name: 'Shed Load', description: 'refuse work beyond capacity quickly (429/503) instead of queueing it' },
  'back-pressure': { name: 'Back Pressure', description: 'bound queues and push the slowdown back to callers' },
  'fail-fast': { name: 'Fail Fast', description: 'answer an error as soon as you know the request cannot succeed' },
  'steady-state': { name: 'Steady State', description: 'keep resources bounded: caches, pools and memory reach a plateau' },
  handshaking: { name: 'Handshaking', description: 'let a server tell callers it is too busy, and callers back off' },
  failover: { name: 'Failover', description: 'spread calls over replicas; leave one that fails or hangs (a short timeout, ejection, a retry elsewhere) and bring it back once healthy' },
  fallback: { name: 'Fallback', description: 'when a dependency fails, answer from a cache, a default or a partial result, and say the answer is degraded' },
  'rate-limits': { name: 'Per-client Rate Limits', description: 'give each client its own budget (a token bucket per key) and refuse its excess at once with 429 and Retry-After, before it takes shared capacity' },
  coalescing: { name: 'Request Coalescing', description: 'let identical concurrent requests share one call to the dependency (single flight per key), so a burst costs one call' },
  'crash-only': { name: 'Crash-Only Restart', description: 'a process that may be killed at any moment starts again fast, its state kept outside it' },
  'honest-readiness': { name: 'Honest Readiness', description: 'report ready only once real requests can be served: caches warm, pools connected' },
  // Issue 15, items 5 and 6: idempotent retries and at-least-once queue consumption.
  'idempotency-keys': { name: 'Idempotency Keys', description: 'one key per logical request, the same key on every retry of it, so the receiver applies it once' },
  'ack-after-work': { name: 'Acknowledge After Work', description: 'delete (ack) a message only once its work is done, so a consumer that dies mid-message leaves it to be redelivered; make the work idempotent for the duplicates' },
} as const;

export type StabilityPattern = keyof typeof stabilityPatterns;
export type Measured = Verdict['measured'];

export interface FailureMode {
  /** Release It!'s name for it. */
  name: string;
  /** One line: what this failure mode is. */
  description: string;
  /** The pattern(s) that would have absorbed it, most direct first. */
  patterns: readonly StabilityPattern[];
  /** The measured value to aim for, phrased with this run's numbers where the check gave them. */
  aim(measured: Measured): string;
}

/** Keys in `measured` that hold the expectation's bound rather than what was measured. */
export function isThresholdKey(key: string): boolean {
  return /(^bound|bound(ms|bytes)?$|threshold|limit|budget|within|^expected)/i.test(key);
}

function first(m: Measured, keys: readonly string[]): { key: string; value: number } | undefined {
  for (const key of keys) {
    const v = m[key];
    if (typeof v === 'number' && Number.isFinite(v)) return { key, value: v };
  }
  return undefined;
}

/** The expectation's bound for time, from whichever threshold key the check used. */
function boundMs(m: Measured): string | undefined {
  const hit = first(m, ['boundMs', 'withinMs', 'opensWithinMs', 'thresholdMs', 'limitMs', 'budgetMs', 'p99BoundMs']);
  if (hit) return formatMsShort(hit.value);
  for (const [k, v] of Object.entries(m)) if (isThresholdKey(k) && /ms$/i.test(k) && typeof v === 'number') return formatMsShort(v);
  return undefined;
}

function measuredAs(m: Measured, keys: readonly string[], label: string): string {
  const hit = first(m, keys);
  return hit ? ` (this run: ${label} ${formatValue(hit.value, hit.key)})` : '';
}

const aimWithin = (what: string, m: Measured, fallback: string) => {
  const b = boundMs(m);
  return b ? `${what} within ${b}` : `${what} within ${fallback}`;
};

export const failureModes = {
  'integration-point-without-timeout': {
    name: 'Integration point without timeout',
    description: 'a call to a dependency waits as long as the dependency likes; one hung peer holds the caller hostage',
    patterns: ['timeouts', 'fail-fast'],
    aim: (m) =>
      aimWithin('a timeout on every call to the dependency, giving up', m, 'well under your callers\u2019 own patience') +
      (measuredAs(m, ['measuredTimeoutMs', 'timeoutMs', 'giveUpP50Ms', 'gaveUpAfterMs', 'waitedMs', 'heldMs'], 'waited') ||
        measuredAs(m, ['heldPastBound', 'heldUntilClientGaveUp'], 'calls held past the bound')),
  },
  'cascading-failure': {
    name: 'Cascading failure',
    description: 'a failure in one layer spreads to its callers because every request keeps hitting the broken dependency',
    patterns: ['circuit-breaker', 'timeouts', 'bulkheads'],
    aim: (m) =>
      aimWithin('a circuit breaker that opens', m, 'a few seconds of failures') +
      ', then lets through only occasional probes' +
      (first(m, ['callsPerSecond', 'callsPerSecondWhileFailing'])
        ? ` (this run: still ${formatValue(first(m, ['callsPerSecond', 'callsPerSecondWhileFailing'])!.value)} calls/s)`
        : measuredAs(m, ['callsWhileFailing', 'callsDuringFault', 'calls'], 'calls while failing')),
  },
  'blocked-threads': {
    name: 'Blocked threads',
    description: 'workers (or the event loop\u2019s pending requests and sockets) pile up waiting on a call that never returns',
    patterns: ['timeouts', 'bulkheads', 'back-pressure'],
    aim: (m) =>
      aimWithin('bounded waits so connections to the dependency are released', m, 'the timeout') +
      measuredAs(m, ['openConnections', 'maxOpen', 'openMax', 'connections'], 'connections held'),
  },
  'slow-responses': {
    name: 'Slow responses',
    description: 'answering slowly is worse than refusing: it ties up callers and invites retries',
    patterns: ['fail-fast', 'timeouts', 'shed-load'],
    aim: (m) =>
      aimWithin('p99 latency', m, 'the baseline\u2019s range') + measuredAs(m, ['p99Ms', 'faultP99Ms', 'latencyP99Ms'], 'p99'),
  },
  'unbounded-result-set': {
    name: 'Unbounded result set',
    description: 'a dependency returned more than the caller was ready to hold, and the caller read all of it',
    patterns: ['steady-state', 'back-pressure', 'handshaking'],
    aim: (m) => `a limit on what is read from a dependency (size, rows, time)${measuredAs(m, ['bytes', 'maxBytes', 'responseBytes'], 'read')}`,
  },
  'retry-storm': {
    name: 'Retry storm',
    description: 'retries without backoff multiply the load on a dependency exactly when it is weakest',
    patterns: ['circuit-breaker', 'handshaking', 'back-pressure'],
    aim: (m) => {
      const bound = first(m, ['amplificationBound', 'maxAmplification', 'boundAmplification', 'bound']);
      const got = first(m, ['amplification', 'ratio', 'callsPerRequest']);
      return `retries with exponential backoff and jitter, amplification ≤ ${bound ? bound.value : 1.5}× dependency calls per request${got ? ` (this run: ${formatValue(got.value)}×)` : ''}`;
    },
  },
  'chain-reaction': {
    name: 'Chain reaction',
    description: 'a failure in one part of the service overloads the parts that remain, which then fail in turn',
    patterns: ['bulkheads', 'shed-load', 'circuit-breaker'],
    aim: (m) => aimWithin('loads that do not use the failing dependency keep their baseline p99', m, 'their baseline') + measuredAs(m, ['p99Ms', 'faultP99Ms'], 'p99'),
  },
  'unbalanced-capacity': {
    name: 'Unbalanced capacities',
    description: 'the front accepts more than the back can serve, so queues grow and everything slows',
    patterns: ['shed-load', 'back-pressure', 'bulkheads'],
    aim: (m) => {
      const b = boundMs(m);
      return `above capacity, reject quickly (429/503${b ? ` within ${b}` : ''}) and keep accepted latency bounded${measuredAs(m, ['acceptedP99Ms', 'p99Ms'], 'accepted p99')}`;
    },
  },
  'crash-on-bad-input': {
    name: 'Crash on bad input',
    description: 'a malformed answer from a dependency (garbage, HTML, truncated) took the process down or hung it',
    patterns: ['fail-fast', 'steady-state'],
    aim: () => 'treat every dependency answer as untrusted: validate, catch, and answer a controlled error; the process stays up',
  },
  'memory-growth': {
    name: 'Memory growth',
    description: 'the process keeps allocating over the run; given time it will exhaust memory',
    patterns: ['steady-state', 'back-pressure'],
    aim: (m) => {
      const bound = first(m, ['boundBytes', 'growthBoundBytes', 'limitBytes']);
      const got = first(m, ['growthBytes', 'rssGrowthBytes']);
      return `RSS reaches a plateau${bound ? `, growth under ${formatValue(bound.value, 'bytes')}` : ''}${got ? ` (this run: grew ${formatValue(got.value, 'bytes')})` : ''}`;
    },
  },
  'resource-leak': {
    name: 'Resource leak',
    description: 'file descriptors, threads or connections pile up over the run; given time the process hits its limits',
    patterns: ['steady-state', 'timeouts'],
    aim: () => 'every socket, file and thread released when its work ends: the counts reach a plateau',
  },
  'slow-failure': {
    name: 'Slow failure',
    description: 'errors take longer than successes; callers wait only to be told no',
    patterns: ['fail-fast', 'timeouts'],
    aim: (m) => `errors answered at least as fast as successes${measuredAs(m, ['errorP50Ms', 'failureP50Ms', 'errorP99Ms'], 'errors took')}`,
  },
  'no-recovery': {
    name: 'No recovery',
    description: 'after the fault cleared the service did not return to its baseline: stuck state, open breaker, poisoned pool',
    patterns: ['circuit-breaker', 'steady-state'],
    aim: (m) => aimWithin('success rate and p99 back to baseline', m, 'a few seconds') + measuredAs(m, ['recoveryMs', 'mttrMs', 'recoveredAfterMs'], 'recovered after'),
  },
  'slo-breach': {
    name: 'Service level breached',
    description: 'latency or error rate left the bound the scenario promised its users',
    patterns: ['timeouts', 'shed-load', 'fail-fast'],
    aim: (m) => {
      const parts = Object.entries(m)
        .filter(([k, v]) => isThresholdKey(k) && v !== null)
        .map(([k, v]) => `${humanKey(k)} ${formatValue(v, k)}`);
      return parts.length ? `stay within ${parts.join(', ')}` : 'stay within the scenario\u2019s bounds';
    },
  },
  'slow-restart': {
    name: 'Slow restart',
    description: 'after a crash, a pause or a restart the service took long to serve again: slow start-up, a cold cache, or a readiness probe that says ready too early',
    patterns: ['crash-only', 'honest-readiness'],
    aim: (m) => {
      const got = [first(m, ['mttrMs']) && `back after ${formatValue(first(m, ['mttrMs'])!.value, 'mttrMs')}`, first(m, ['readyMs']) && `ready after ${formatValue(first(m, ['readyMs'])!.value, 'readyMs')}`].filter(Boolean);
      return `${aimWithin('clients back at baseline', m, 'a second or two')} of the process starting again${got.length ? ` (this run: ${got.join(', ')})` : ''}`;
    },
  },
  'no-failover': {
    name: 'No failover',
    description: 'one replica of a dependency died or slowed down and the target kept giving it its share: more replicas, no redundancy',
    patterns: ['failover', 'timeouts', 'circuit-breaker'],
    aim: (m) => {
      const still = first(m, ['replicaCallsPerSecondAtEnd']);
      return aimWithin('leave a bad replica', m, 'a second') + (measuredAs(m, ['switchMs'], 'left it after') || (still ? ` (this run: still ${formatValue(still.value)} calls/s to it at the end)` : ''));
    },
  },
  'no-fallback': {
    name: 'No fallback',
    description: 'a dependency failed and the target failed with it, although a degraded answer (a cached value, a default, a partial result) would have served',
    patterns: ['fallback', 'timeouts', 'circuit-breaker'],
    aim: (m) => {
      const got = first(m, ['failedShare']);
      const bound = first(m, ['failedShareBound']);
      return `answer degraded instead of failing: failed answers ≤ ${bound ? formatValue(bound.value * 100) : 1}% during the fault${got ? ` (this run: ${formatValue(got.value * 100)}% failed)` : ''}`;
    },
  },
  // Issue 15, items 5 and 6.
  'double-apply': {
    name: 'Double apply',
    description: 'a retried non-idempotent call carried a fresh key or none, so the dependency applies it again: a second charge, a second order',
    patterns: ['idempotency-keys'],
    aim: (m) => {
      const got = first(m, ['duplicates']);
      const r = first(m, ['retried']);
      return `every retry carries the key of its first attempt: 0 duplicates${got && r ? ` (this run: ${formatValue(got.value)} of ${formatValue(r.value)} retries would apply twice)` : ''}`;
    },
  },
  'lost-message': {
    name: 'Lost message',
    description: 'the consumer acknowledged (deleted) a message before doing its work and died with it in hand: the queue will never deliver it again',
    patterns: ['ack-after-work', 'crash-only'],
    aim: (m) => {
      const lost = first(m, ['lost']);
      return `delete a message only after its work is done: 0 lost${lost ? ` (this run: ${formatValue(lost.value)} lost)` : ''}`;
    },
  },
  'noisy-neighbour': {
    name: 'Noisy neighbour',
    description: 'one client sent far more than its share and the target served it from the capacity every client shares, so the others slowed down or failed',
    patterns: ['rate-limits', 'shed-load', 'bulkheads'],
    aim: (m) => {
      const bound = first(m, ['p99BoundMs']);
      const got = first(m, ['othersP99Ms']);
      return `refuse a client's excess with 429 + Retry-After before it takes shared capacity; the other clients keep p99 ≤ ${bound ? formatMsShort(bound.value) : 'their baseline'}${got ? ` (this run: ${formatMsShort(got.value)})` : ''}`;
    },
  },
  dogpile: {
    name: 'Dogpile',
    description: 'many callers asked for the same thing at the same instant (a cache expiry, a restart, a cron) and each request went on to the dependency',
    patterns: ['coalescing', 'shed-load', 'back-pressure'],
    aim: (m) => {
      const bound = first(m, ['callsPerBurstBound']);
      const got = first(m, ['callsPerBurst']);
      return `coalesce identical concurrent requests into one dependency call (single flight): ≤ ${bound ? formatValue(bound.value) : 1} calls per burst and key${got ? ` (this run: ${formatValue(got.value)})` : ''}`;
    },
  },
} satisfies Record<FailureModeId, FailureMode>;

export function failureMode(id: FailureModeId): FailureMode {
  return failureModes[id];
}

/** "Integration point without timeout: inventory hung at 10.0 s → kept 212 connections open → p99 30 s" */
export function failureStory(f: FailureFinding): string {
  return [f.trigger, f.spread, f.result].map((s) => s.trim()).filter(Boolean).join(' → ');
}

/** The remedy line: "apply Timeouts, Fail Fast — aim for ...". */
export function remedy(f: FailureFinding, measured: Measured): { patterns: string[]; aim: string } {
  const mode = failureModes[f.id];
  // A report.json from a newer crumple may name a mode this one does not know: say so, don't crash.
  if (!mode) return { patterns: [], aim: '' };
  return { patterns: mode.patterns.map((p) => stabilityPatterns[p].name), aim: mode.aim(measured) };
}

/** The one line used as JUnit failure message, terminal line and Markdown heading. */
export function failureModeLine(v: Verdict): string {
  if (!v.failureMode) return v.summary;
  const mode = failureModes[v.failureMode.id];
  const { patterns, aim } = remedy(v.failureMode, v.measured);
  const name = mode?.name ?? v.failureMode.id;
  const fix = patterns.length ? `; apply ${patterns.join(' + ')}: ${aim}` : '';
  return `${name}: ${failureStory(v.failureMode)}${fix}`;
}
