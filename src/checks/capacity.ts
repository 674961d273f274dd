import { z } from 'zod';
import type { Check, CheckContext } from './check.js';
import { type Op, formatPercent, meets } from './bounds.js';
import { formatMs, parseRate } from '../units.js';
import { eventsOf, isError, isRejection, num, quantile, responses } from './query.js';
import { ev, inconclusive, verdict } from './verdict.js';
import type { LoadStepEvent } from '../timeline/events.js';

/**
 * A stress gate: the target's capacity, read off a ramp's steps on the timeline, must meet a bound
 * (`capacity: ">= 300/s"`). Each step is judged again from its recorded responses against the ramp's
 * own limits (p99, error share; without limits: errors over 5 %). Capacity is the last step within
 * them, the first step past them is where it gave way, and what gave way first is the earliest sign
 * over all steps: the target shedding (429/503 over 1 %), latency collapsing (p99 past the limit, or
 * over 3× the first step's + 50 ms), errors (other failures over 1 %), or a crash (the target exited).
 */

export interface RateGoal {
  op: Op;
  /** Per second. */
  value: number;
  unit: 'number';
  text: string;
}

const GOAL = /^\s*(<=|>=|<|>|≤|≥)?\s*(.+?)\s*$/;

function parseGoal(v: unknown): RateGoal | string {
  const m = typeof v === 'string' ? GOAL.exec(v) : typeof v === 'number' ? ['', '>=', String(v)] : null;
  if (!m) return `expected a rate bound like ">= 300/s", got ${typeof v}`;
  const op = ({ '≤': '<=', '≥': '>=' } as Record<string, Op>)[m[1] ?? ''] ?? ((m[1] as Op | undefined) || '>=');
  const rate = parseRate(/^\d+(\.\d+)?$/.test(m[2]!) ? Number(m[2]) : m[2]);
  if (typeof rate === 'string') return `'${String(v)}' is not a capacity bound (write e.g. ">= 300/s"): ${rate}`;
  return { op, value: rate, unit: 'number', text: `${op} ${+rate.toFixed(2)}/s` };
}

const goalSchema = z.union([z.string(), z.number()]).transform((v, ctx): RateGoal => {
  const r = parseGoal(v);
  if (typeof r === 'string') {
    ctx.addIssue({ code: 'custom', message: r });
    return z.NEVER;
  }
  return r;
});

/** `capacity: ">= 300/s"`, or `{ load: checkout, rate: ">= 300/s" }` when several ramps run. A plain rate means "at least". */
export const capacityExpectation = z.union([goalSchema.transform((rate) => ({ rate, load: undefined as string | undefined })), z.strictObject({ load: z.string().optional(), rate: goalSchema })]);
export type CapacityExpectation = z.infer<typeof capacityExpectation>;

export type GaveWay = 'shedding' | 'latency' | 'errors' | 'crash';

export interface StepVerdict {
  step: number;
  rate: number;
  startMs: number;
  endMs: number;
  requests: number;
  ok: number;
  shed: number;
  failed: number;
  p99Ms: number;
  /** ok responses per second over the step. */
  goodput: number;
  within: boolean;
  signs: GaveWay[];
}

const SIGN_SHARE = 0.01;
const DEFAULT_ERRORS = 0.05;

/** Every step of `load`'s ramp judged from the timeline. */
export function judgeSteps(ctx: CheckContext, steps: readonly LoadStepEvent[]): StepVerdict[] {
  const exits = eventsOf(ctx, 'target-exit').filter((e) => !e.expected);
  let baseP99: number | undefined;
  return steps.map((s, i) => {
    const endMs = Math.min(steps[i + 1]?.t ?? s.t + s.stepForMs, ctx.timeline.endMs);
    const rs = responses(ctx, [{ startMs: s.t, endMs, label: `step ${s.step + 1}` }], s.load);
    const shed = rs.filter(isRejection).length;
    const failed = rs.filter((r) => isError(r) && !isRejection(r)).length;
    const ok = rs.filter((r) => r.status !== undefined && r.status < 400).length;
    const p99 = quantile(rs.map((r) => r.latencyMs).sort((a, b) => a - b), 0.99);
    baseP99 ??= Number.isFinite(p99) ? p99 : undefined;
    const n = rs.length;
    const errShare = n ? (shed + failed) / n : 0;
    const p99Limit = s.limits.p99Ms ?? (baseP99 !== undefined ? 3 * baseP99 + 50 : Infinity);
    const crashed = exits.some((e) => e.t >= s.t && e.t < endMs);
    const signs: GaveWay[] = [];
    if (crashed) signs.push('crash');
    if (n && shed / n > SIGN_SHARE) signs.push('shedding');
    if (n && failed / n > SIGN_SHARE) signs.push('errors');
    if (Number.isFinite(p99) && p99 > p99Limit) signs.push('latency');
    const within = !crashed && n > 0 && errShare <= (s.limits.errors ?? DEFAULT_ERRORS) && !(s.limits.p99Ms !== undefined && p99 > s.limits.p99Ms);
    return { step: s.step, rate: s.rate, startMs: s.t, endMs, requests: n, ok, shed, failed, p99Ms: p99, goodput: (ok / Math.max(1, endMs - s.t)) * 1000, within, signs };
  });
}

function run(ctx: CheckContext, x: CapacityExpectation, key: string) {
  const all = eventsOf(ctx, 'load-step');
  const ramps = [...new Set(all.map((e) => e.load))];
  if (!ramps.length) return inconclusive(ctx, 'capacity', key, 'no ramp steps on the timeline (capacity needs a load with shape: ramp)');
  if (x.load === undefined && ramps.length > 1) return inconclusive(ctx, 'capacity', key, `several ramps ran (${ramps.join(', ')}): say which with { load, rate }`);
  const load = x.load ?? ramps[0]!;
  const steps = all.filter((e) => e.load === load).sort((a, b) => a.t - b.t);
  if (!steps.length) return inconclusive(ctx, 'capacity', key, `load '${load}' ran no ramp steps (ramps: ${ramps.join(', ')})`);
  const sv = judgeSteps(ctx, steps);
  const firstBad = sv.findIndex((s) => !s.within);
  const good = firstBad < 0 ? sv[sv.length - 1] : sv[firstBad - 1];
  const bad = firstBad < 0 ? undefined : sv[firstBad];
  const capacity = good?.rate ?? 0;
  const firstSign = sv.find((s) => s.signs.length);
  const gaveWay = firstSign ? firstSign.signs.join(' + ') : null;
  const rate = (r: number) => `${+r.toFixed(2)}/s`;
  const stepText = (s: StepVerdict) => `${rate(s.rate)}: ${s.requests} requests, ${formatPercent(s.requests ? s.ok / s.requests : 0)} ok, ${s.shed} shed, ${s.failed} failed, p99 ${formatMs(s.p99Ms)}${s.signs.length ? ` [${s.signs.join(', ')}]` : ''}`;
  const measured = {
    capacityRate: capacity,
    exceededRate: bad ? bad.rate : null,
    goodputAtCapacity: good ? num(good.goodput, 1) : null,
    gaveWayFirst: gaveWay,
    gaveWayAtRate: firstSign ? firstSign.rate : null,
    steps: sv.length,
    expectedRate: x.rate.value,
  };
  const evidence = [ev('load', load), ...sv.map((s) => ev(`step ${s.step + 1}${s === good ? ' (capacity)' : s === bad ? ' (past capacity)' : ''}`, stepText(s)))];
  if (!bad && !meets(x.rate, capacity)) {
    return inconclusive(ctx, 'capacity', key, `the ramp stopped at ${rate(capacity)} within its limits, short of ${x.rate.text}: ramp higher to tell`, measured, evidence);
  }
  const ok = meets(x.rate, capacity);
  const lastWithin = bad ? `capacity ${rate(capacity)} (last step within the limits)` : `capacity at least ${rate(capacity)} (no step crossed the limits)`;
  return verdict(ctx, 'capacity', key, {
    ok,
    summary: `${lastWithin}${bad ? `, gave way at ${rate(bad.rate)}` : ''}${gaveWay ? `; first sign: ${gaveWay} at ${rate(firstSign!.rate)}` : ''}; bound ${x.rate.text}`,
    measured,
    evidence,
    windows: [{ startMs: steps[0]!.t, endMs: sv[sv.length - 1]!.endMs, label: `ramp '${load}'` }],
    failureMode: {
      id: 'unbalanced-capacity',
      trigger: `load '${load}' ramped ${rate(sv[0]!.rate)} → ${rate(sv[sv.length - 1]!.rate)} in ${sv.length} steps`,
      spread: bad ? `at ${rate(bad.rate)}: ${stepText(bad)}` : `every step within the limits up to ${rate(capacity)}`,
      result: `capacity ${rate(capacity)} misses ${x.rate.text}${gaveWay ? `; ${gaveWay} gave way first` : ''}`,
    },
  });
}

export default {
  name: 'capacity',
  description: "a ramp's capacity (last step within its p99/error limits) meets a bound; says what gave way first: shedding, latency, errors or a crash",
  expectation: capacityExpectation,
  judges: 'run',
  run,
} satisfies Check<typeof capacityExpectation>;
