import { z } from 'zod';
import type { Check, CheckContext, Evidence, PhaseWindow } from './check.js';
import { formatPercent } from './bounds.js';
import { formatMs } from '../units.js';
import { durationSchema } from '../unit-schemas.js';
import { isError, num, responses } from './query.js';
import { ev, inconclusive, verdict } from './verdict.js';
import type { ResponseEvent } from '../timeline/events.js';

/**
 * Service-level objectives and their error budget over the run, judged the way the SRE workbook
 * alerts on them: burn rate = the bad share of requests ÷ the share the objective allows (1 means the
 * budget lasts exactly the period), watched over pairs of windows, a long one for significance and a
 * short one (1/12 of it) so an alert stops soon after the burning stops. The workbook's pairs for a
 * 30-day objective are scaled to the run, which is the period here (its budget is the run's budget):
 *
 *   pair   long window        short        burn ≥   (30 days: 1 h / 5 min, 6 h / 30 min, 3 d / 6 h)
 *   fast   run ÷ 720 (≥ 5 s)  long ÷ 12    14.4     page — 2 % of the budget in the long window
 *   slow   run ÷ 120 (≥ 5 s)  long ÷ 12    6        page — 5 %
 *   ticket run ÷ 10  (≥ 5 s)  long ÷ 12    1        ticket — 10 %
 *
 * Windows are whole seconds (the short one at least 1 s). The check fails when the run used up a
 * budget or a page pair fired (burning that fast would exhaust it long before the period ends); a
 * ticket is evidence. The target's incidents are the seconds a page pair fired: MTTR is their mean
 * length, MTBF the mean time up between them.
 */

const objective = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const m = typeof v === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(v) : null;
  const r = typeof v === 'number' ? v : m ? Number(m[1]) / 100 : NaN;
  if (!(r > 0 && r < 1)) {
    ctx.addIssue({ code: 'custom', message: `'${String(v)}' is not an objective: a percentage below 100% like "99.9%", or a fraction like 0.999` });
    return z.NEVER;
  }
  return r;
});

export const sloExpectation = z
  .strictObject({
    /** Share of requests answered without an error (5xx, 429, no answer): "99.9%". */
    availability: objective.optional(),
    /** Share of requests answered within `under`: { objective: "99%", under: 300ms }. */
    latency: z.strictObject({ objective, under: durationSchema }).optional(),
    /** Judge this load only (default: every load). */
    load: z.string().optional(),
  })
  .refine((x) => x.availability !== undefined || x.latency !== undefined, { error: 'give availability and/or latency objectives' });
export type SloExpectation = z.infer<typeof sloExpectation>;

export interface BurnPair {
  name: 'fast' | 'slow' | 'ticket';
  /** Seconds. */
  longS: number;
  shortS: number;
  burn: number;
  page: boolean;
}

/** The workbook's three pairs scaled to a run of `runS` seconds. */
export function burnPairs(runS: number): BurnPair[] {
  const pair = (name: BurnPair['name'], share: number, burn: number, page: boolean): BurnPair => {
    const longS = Math.max(5, Math.round(runS * share));
    return { name, longS, shortS: Math.max(1, Math.round(longS / 12)), burn, page };
  };
  return [pair('fast', 1 / 720, 14.4, true), pair('slow', 1 / 120, 6, true), pair('ticket', 1 / 10, 1, false)];
}

/** Good and bad requests per second of the judged span. */
export interface SliSeries {
  total: Uint32Array;
  bad: Uint32Array;
}

/** Per-second totals; `isBad` says which requests spend the budget. */
export function sliSeries(rs: readonly ResponseEvent[], fromMs: number, seconds: number, isBad: (r: ResponseEvent) => boolean): SliSeries {
  const total = new Uint32Array(seconds);
  const bad = new Uint32Array(seconds);
  for (const r of rs) {
    const i = Math.floor((r.t - fromMs) / 1000);
    if (i < 0 || i >= seconds) continue;
    total[i]! += 1;
    if (isBad(r)) bad[i]! += 1;
  }
  return { total, bad };
}

/** Requests and errors (5xx, 429, no answer) per second of the span, from the per-second summary. */
export function secondsSeries(ctx: CheckContext, fromMs: number, seconds: number, load: string | undefined): SliSeries {
  const total = new Uint32Array(seconds);
  const bad = new Uint32Array(seconds);
  const offset = Math.round((fromMs - ctx.timeline.startMs) / 1000);
  for (const s of ctx.timeline.seconds) {
    const i = s.second - offset;
    if (i < 0 || i >= seconds) continue;
    for (const [name, l] of Object.entries(s.loads)) {
      if (load !== undefined && name !== load) continue;
      total[i]! += l.count;
      bad[i]! += Object.values(l.errors).reduce((a, b) => a + (b ?? 0), 0) + (l.status['5xx'] ?? 0) + (l.status['429'] ?? 0);
    }
  }
  return { total, bad };
}

/**
 * Requests and bad ones for a latency objective per second, from the per-second summary: errors as
 * in secondsSeries plus answers slower than `under` (counted by the recorder when the run knew the
 * objective: Timeline.slowMs), or undefined when the summary does not count that threshold.
 */
export function slowSecondsSeries(ctx: CheckContext, fromMs: number, seconds: number, load: string | undefined, under: number): SliSeries | undefined {
  if (!ctx.timeline.slowMs?.includes(under)) return undefined;
  const sli = secondsSeries(ctx, fromMs, seconds, load);
  const offset = Math.round((fromMs - ctx.timeline.startMs) / 1000);
  const key = String(under);
  for (const s of ctx.timeline.seconds) {
    const i = s.second - offset;
    if (i < 0 || i >= seconds) continue;
    for (const [name, l] of Object.entries(s.loads)) if (load === undefined || name === load) sli.bad[i]! += l.slow?.[key] ?? 0;
  }
  return sli;
}

/** For each second s: does the pair fire, both windows ending at s burning at least pair.burn? */
export function firing(sli: SliSeries, allowed: number, pair: BurnPair): Uint8Array {
  const n = sli.total.length;
  const out = new Uint8Array(n);
  const pt = new Float64Array(n + 1);
  const pb = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    pt[i + 1] = pt[i]! + sli.total[i]!;
    pb[i + 1] = pb[i]! + sli.bad[i]!;
  }
  const burn = (end: number, w: number) => {
    const from = Math.max(0, end + 1 - w);
    const t = pt[end + 1]! - pt[from]!;
    return t > 0 ? (pb[end + 1]! - pb[from]!) / t / allowed : 0;
  };
  for (let s = 0; s < n; s++) out[s] = burn(s, pair.longS) >= pair.burn && burn(s, pair.shortS) >= pair.burn ? 1 : 0;
  return out;
}

/** Stretches of consecutive firing seconds, as [start, end) second indexes. */
export function incidents(fire: Uint8Array): [number, number][] {
  const out: [number, number][] = [];
  for (let s = 0; s < fire.length; s++) {
    if (!fire[s]) continue;
    const start = s;
    while (s < fire.length && fire[s]) s++;
    out.push([start, s]);
  }
  return out;
}

/** "inventory hangs #3" → "inventory hangs": cycles of a soak add up under their phase's name. */
const baseName = (p: PhaseWindow): string => p.name.replace(/ #\d+$/, '');

interface Judged {
  what: string;
  objective: number;
  requests: number;
  bad: number;
  consumed: number;
  fired: Record<BurnPair['name'], number>;
  maxBurn: Record<BurnPair['name'], number>;
  fire: Uint8Array;
  perPhase: [string, number][];
}

function run(ctx: CheckContext, x: SloExpectation, key: string) {
  const first = ctx.phases[0];
  const last = ctx.phases[ctx.phases.length - 1];
  if (!first || !last) return inconclusive(ctx, 'slo', key, 'the run has no phases');
  const fromMs = first.startMs;
  const seconds = Math.max(1, Math.ceil((last.endMs - fromMs) / 1000));
  const window = { startMs: fromMs, endMs: last.endMs, label: 'the run' };
  // A latency objective reads the per-second summary when the recorder counted its threshold (a run
  // of any length: raw events stop at the cap, and a soak releases them cycle by cycle), else raw events.
  const slowSli = x.latency !== undefined ? slowSecondsSeries(ctx, fromMs, seconds, x.load, x.latency.under) : undefined;
  const rs = x.latency !== undefined && !slowSli ? responses(ctx, [window], x.load) : [];
  const scopeText = x.load ? `'${x.load}'` : 'all loads';
  const counted = secondsSeries(ctx, fromMs, seconds, x.load).total.reduce((a, b) => a + b, 0);
  if (!counted && !rs.length) return inconclusive(ctx, 'slo', key, `no responses of ${scopeText} during the run`);
  if (x.latency !== undefined && !slowSli && !rs.length) return inconclusive(ctx, 'slo', key, `no raw responses of ${scopeText} to time against ${formatMs(x.latency.under)} (the recorder's cap dropped them)`);
  const pairs = burnPairs(seconds);

  // Availability is counted from the per-second summary, which stays complete however long the run
  // (raw events stop at the recorder's cap); latency needs each request's time, so raw events.
  const judge = (what: string, obj: number, sli: SliSeries): Judged => {
    const allowed = 1 - obj;
    const bad = sli.bad.reduce((a, b) => a + b, 0);
    const requests = sli.total.reduce((a, b) => a + b, 0);
    const budget = allowed * requests;
    const fire = new Uint8Array(seconds);
    const fired = { fast: 0, slow: 0, ticket: 0 };
    const maxBurn = { fast: 0, slow: 0, ticket: 0 };
    for (const p of pairs) {
      const f = firing(sli, allowed, p);
      fired[p.name] = f.reduce((a, b) => a + b, 0);
      if (p.page) for (let i = 0; i < seconds; i++) fire[i] ||= f[i]!;
      // The highest burn its long window saw (what an operator would read off the dashboard).
      let worst = 0;
      for (let s = 0; s < seconds; s++) {
        let t = 0;
        let b = 0;
        for (let i = Math.max(0, s + 1 - p.longS); i <= s; i++) {
          t += sli.total[i]!;
          b += sli.bad[i]!;
        }
        if (t > 0) worst = Math.max(worst, b / t / allowed);
      }
      maxBurn[p.name] = worst;
    }
    const byPhase = new Map<string, number>();
    let k = 0;
    for (let i = 0; i < seconds; i++) {
      if (!sli.bad[i]) continue;
      const t = fromMs + i * 1000;
      while (k < ctx.phases.length - 1 && ctx.phases[k]!.endMs <= t) k++;
      const n = baseName(ctx.phases[k]!);
      byPhase.set(n, (byPhase.get(n) ?? 0) + sli.bad[i]!);
    }
    const perPhase: [string, number][] = [...new Set(ctx.phases.map(baseName))].map((n) => [n, budget > 0 ? (byPhase.get(n) ?? 0) / budget : 0]);
    return { what, objective: obj, requests, bad, consumed: budget > 0 ? bad / budget : Infinity, fired, maxBurn, fire, perPhase };
  };

  const judged: Judged[] = [];
  if (x.availability !== undefined) judged.push(judge('availability', x.availability, secondsSeries(ctx, fromMs, seconds, x.load)));
  if (x.latency !== undefined) {
    const under = x.latency.under;
    judged.push(judge(`latency under ${formatMs(under)}`, x.latency.objective, slowSli ?? sliSeries(rs, fromMs, seconds, (r) => isError(r) || r.latencyMs > under)));
  }

  const fire = new Uint8Array(seconds);
  for (const j of judged) for (let i = 0; i < seconds; i++) fire[i] ||= j.fire[i]!;
  const inc = incidents(fire);
  const down = inc.reduce((a, [s, e]) => a + (e - s), 0);
  const mttrMs = inc.length ? (down / inc.length) * 1000 : NaN;
  const mtbfMs = inc.length ? ((seconds - down) / inc.length) * 1000 : NaN;

  const problems: string[] = [];
  for (const j of judged) {
    if (j.consumed > 1) problems.push(`${j.what} budget used up`);
    for (const p of pairs.filter((q) => q.page && j.fired[q.name] > 0)) problems.push(`${j.what}: the ${p.name}-burn page fired for ${j.fired[p.name]} s (burn ≥ ${p.burn} over ${p.longS} s and ${p.shortS} s)`);
  }
  const at = (s: number) => `${((fromMs - ctx.timeline.startMs) / 1000 + s).toFixed(0)} s`;
  const parts = judged.map((j) => `${j.what} ${formatPercent(1 - j.bad / j.requests)} (objective ${pct(j.objective)}): ${spent(j.consumed)}, peak burn ${round(j.maxBurn.fast)}× (fast window)`);
  const mttr = inc.length ? `; ${inc.length} incident(s), MTTR ${formatMs(mttrMs)}, MTBF ${formatMs(mtbfMs)}` : '; no incident';
  const measured: Record<string, number | string | null> = { requests: Math.max(counted, rs.length), runSeconds: seconds, incidents: inc.length, mttrMs: num(mttrMs), mtbfMs: num(mtbfMs) };
  const evidence: Evidence[] = [ev('scope', `${scopeText} over ${seconds} s`), ev('burn-rate windows (scaled to the run)', pairs.map((p) => `${p.name}: ${p.longS} s / ${p.shortS} s, burn ≥ ${p.burn}${p.page ? ' (page)' : ' (ticket)'}`).join('; '))];
  for (const j of judged) {
    const id = j.what.startsWith('latency') ? 'latency' : 'availability';
    measured[`${id}Objective`] = j.objective;
    measured[`${id}AllowedBad`] = num(j.requests * (1 - j.objective), 1);
    measured[`${id}BadRequests`] = j.bad;
    measured[`${id}Spent`] = num(j.consumed, 4);
    for (const p of pairs) measured[`${id}PeakBurn${p.name[0]!.toUpperCase()}${p.name.slice(1)}`] = num(j.maxBurn[p.name], 2);
    evidence.push(ev(`${j.what}: budget`, `${j.bad} bad of ${j.requests} requests; the objective allows ${round(j.requests * (1 - j.objective))} (${spent(j.consumed)})`));
    evidence.push(ev(`${j.what}: budget used per phase`, j.perPhase.map(([n, c]) => `${n} ${formatPercent(c)}`).join(', ')));
    evidence.push(ev(`${j.what}: seconds each pair fired`, pairs.map((p) => `${p.name} ${j.fired[p.name]}`).join(', ')));
  }
  evidence.push(ev('incidents (a page pair firing)', inc.length ? inc.slice(0, 20).map(([s, e]) => `${at(s)}–${at(e)}`).join(', ') + (inc.length > 20 ? ` … (${inc.length})` : '') : null));
  const firstPage = inc[0];
  return verdict(ctx, 'slo', key, {
    ok: problems.length === 0,
    summary: `${parts.join('; ')}${mttr}${problems.length ? ` — ${problems.join('; ')}` : ''}`,
    measured,
    evidence,
    windows: [window],
    failureMode: {
      id: 'slo-breach',
      trigger: firstPage ? `the budget burned fast from ${at(firstPage[0])}` : 'bad requests spread over the run',
      spread: judged.map((j) => `${j.what}: ${j.bad} of ${j.requests} requests bad`).join('; '),
      result: problems.join('; '),
    },
  });
}

/** "40% of the budget used", or past twice the budget "50× the budget used". */
const spent = (c: number) => (c > 2 ? `${round(c)}× the budget used` : `${formatPercent(c)} of the budget used`);
const round = (x: number) => (x >= 100 ? Math.round(x) : Math.round(x * 10) / 10);
const pct = (r: number) => `${+(r * 100).toFixed(4)}%`;

export default {
  name: 'slo',
  description: 'the error budget of availability/latency objectives over the run: used share, multi-window burn rates (SRE workbook pairs scaled to the run), MTTR and MTBF',
  expectation: sloExpectation,
  judges: 'run',
  run,
} satisfies Check<typeof sloExpectation>;
