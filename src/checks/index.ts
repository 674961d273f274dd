import type { Check, CheckContext, Verdict } from './check.js';
import timeout from './timeout.js';
import breaker from './breaker.js';
import retries from './retries.js';
import shedding from './shedding.js';
import failFast from './fail-fast.js';
import bulkhead from './bulkhead.js';
import recovery from './recovery.js';
import survives from './survives.js';
import memory from './memory.js';
import latency from './latency.js';
import errors from './errors.js';
import steadyState from './steady-state.js';
import alive from './alive.js';
import answered from './answered.js';
import drift from './drift.js';
import slo from './slo.js';
import capacity from './capacity.js';
import restart from './restart.js';
import failover from './failover.js';
import fallback from './fallback.js';
import idempotency from './idempotency.js';
import delivery from './delivery.js';
import rateLimit from './rate-limit.js';
import coalescing from './coalescing.js';
import { describeError } from '../errors.js';
import { inconclusive } from './verdict.js';

/** Every check by the name used in a scenario's `expect`. */
export const checks = {
  timeout,
  breaker,
  retries,
  shedding,
  'fail-fast': failFast,
  bulkhead,
  recovery,
  survives,
  memory,
  latency,
  errors,
  'steady-state': steadyState,
  alive,
  answered,
  drift,
  slo,
  capacity,
  restart,
  failover,
  fallback,
  idempotency,
  delivery,
  'rate-limit': rateLimit,
  coalescing,
} satisfies Record<string, Check>;

export type CheckName = keyof typeof checks;

export const isCheckName = (s: string): s is CheckName => Object.hasOwn(checks, s);

/**
 * `expect` keys are a check name, optionally with a label after a dot so one check can appear several
 * times: `latency`, `latency.checkout`, `timeout.inventory`. The key is the verdict's key.
 */
export function checkNameOf(key: string): string {
  const dot = key.indexOf('.');
  return dot < 0 ? key : key.slice(0, dot);
}

/** Runs one parsed expectation. A check that throws is a bug: it becomes a failed verdict saying so. */
export function runCheck(ctx: CheckContext, key: string, expectation: unknown): Verdict {
  const name = checkNameOf(key);
  if (!isCheckName(name)) {
    return { check: name, key, status: 'fail', ok: false, summary: `unknown check '${name}'`, measured: {}, evidence: [] };
  }
  const check = checks[name] as Check;
  // A run that stopped before its first phase has nothing any check could judge.
  if (ctx.stopped && ctx.phases.length === 0) return inconclusive(ctx, name, key, 'no phase ran');
  try {
    return check.run(ctx, expectation, key);
  } catch (e) {
    return { check: name, key, status: 'fail', ok: false, summary: `check failed to run (a bug in crumple): ${describeError(e)}`, measured: {}, evidence: [{ label: 'error', value: describeError(e) }] };
  }
}

/**
 * Every expectation's verdict, in the scenario's order. `expect` is the scenario's parsed `expect`
 * (values already through each check's schema). Pass `skip: ['steady-state']` to leave that out.
 */
export function runChecks(ctx: CheckContext, expect: Readonly<Record<string, unknown>>, opts: { skip?: readonly CheckName[] } = {}): Verdict[] {
  const out: Verdict[] = [];
  for (const [key, x] of Object.entries(expect)) {
    if (opts.skip?.includes(checkNameOf(key) as CheckName)) continue;
    out.push(runCheck(ctx, key, x));
  }
  return out;
}

/**
 * The steady-state hypothesis: the verdicts of every `steady-state*` entry, or [] when the scenario
 * has none. The runner calls it when the baseline phase ends; any failure stops the run.
 */
export function runSteadyState(ctx: CheckContext, expect: Readonly<Record<string, unknown>>): Verdict[] {
  return Object.entries(expect)
    .filter(([key]) => checkNameOf(key) === 'steady-state')
    .map(([key, x]) => runCheck(ctx, key, x));
}

export type { Check, CheckContext, Verdict, VerdictStatus } from './check.js';
