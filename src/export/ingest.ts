/**
 * An Artillery JSON report (`artillery run --output`, also what run-fargate/run-lambda write for a
 * distributed run) back into a run's timeline: one `response` event per request the exported
 * processor recorded. Counts per second and per status or error code are exact; each request's
 * latency is read off that second's histogram summary (min, p50, p75, p90, p95, p99, p999, max:
 * Artillery's sketches are within 1 % of the true quantiles), and its start time within the second
 * off the `.at` histogram of the same outcome (so errors that began after a phase edge stay after
 * it); which latency goes with which start is not kept. Byte counts are not reported (0).
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { CrumpleError } from '../errors.js';
import type { ErrorClass, EventSink, ResponseEvent } from '../timeline/events.js';
import { Tally } from '../load/common.js';
import type { LoadSummary } from '../load/shape.js';

const summarySchema = z.looseObject({ count: z.number(), min: z.number(), max: z.number(), p50: z.number(), p75: z.number().optional(), p90: z.number().optional(), p95: z.number().optional(), p99: z.number().optional(), p999: z.number().optional() });
const reportSchema = z.looseObject({
  aggregate: z.looseObject({ summaries: z.record(z.string(), z.unknown()).default({}), counters: z.record(z.string(), z.number()).default({}) }),
});

const PER_SECOND = /^crumple\.(\d{9,11})\.([A-Za-z0-9_]+)(\.at)?$/;

/** The error class of an Artillery error code (got / Node socket codes). */
export function errorClassOfCode(code: string): ErrorClass {
  if (code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT') return 'timeout';
  if (code === 'ECONNRESET' || code === 'ECONNREFUSED' || code === 'EPIPE') return code;
  if (code.startsWith('HPE_')) return 'parse';
  return 'other';
}

export interface Ingested {
  events: number;
  /** Epoch ms of the first and last second with requests. */
  firstMs: number;
  lastMs: number;
  summary: LoadSummary;
}

/** Reads and checks an Artillery report; bad input names the file and what is missing. */
export async function readArtilleryReport(path: string): Promise<z.output<typeof reportSchema>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new CrumpleError('BAD_INPUT', `${path}: cannot read the engine's report (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CrumpleError('BAD_INPUT', `${path}: not JSON (expected the file artillery run --output writes)`);
  }
  const r = reportSchema.safeParse(json);
  if (!r.success) throw new CrumpleError('BAD_INPUT', `${path}: ${r.error.issues[0]!.path.join('.') || 'report'}: not an Artillery report (expected aggregate.summaries)`);
  return r.data;
}

/**
 * Emits the report's requests as `response` events of `load` into `sink`. `toMonotonic` maps the
 * engine's epoch ms to the run's clock (the engine's machines must keep NTP time).
 */
export function ingestArtillery(report: z.output<typeof reportSchema>, a: { load: string; sink: EventSink; toMonotonic: (epochMs: number) => number; source?: string }): Ingested {
  type Summary = z.output<typeof summarySchema>;
  const seconds = new Map<number, { outcome: string; s: Summary; at?: Summary }[]>();
  const starts = new Map<string, Summary>();
  for (const [name, raw] of Object.entries(report.aggregate.summaries)) {
    const m = PER_SECOND.exec(name);
    if (!m) continue;
    const s = summarySchema.safeParse(raw);
    if (!s.success || s.data.count <= 0) continue;
    if (m[3]) {
      starts.set(`${m[1]}.${m[2]}`, s.data);
      continue;
    }
    const sec = Number(m[1]);
    let list = seconds.get(sec);
    if (!list) seconds.set(sec, (list = []));
    list.push({ outcome: m[2]!, s: s.data });
  }
  for (const [sec, list] of seconds) for (const o of list) {
    const at = starts.get(`${sec}.${o.outcome}`);
    if (at && at.count === o.s.count) o.at = at;
  }
  if (!seconds.size) {
    const requests = report.aggregate.counters['http.requests'] ?? 0;
    throw new CrumpleError(
      'BAD_INPUT',
      `${a.source ?? 'report'}: no crumple.* metrics${requests ? ` (though ${requests} requests were sent)` : ''}: the script was not one crumple export artillery wrote, or its ${'crumple-artillery.cjs'} processor was not beside it`,
    );
  }
  const tally = new Tally();
  let events = 0;
  const ordered = [...seconds.keys()].sort((x, y) => x - y);
  for (const sec of ordered) {
    const outcomes = seconds.get(sec)!;
    const n = outcomes.reduce((t, o) => t + o.s.count, 0);
    // Every request of the second: its start from the outcome's .at histogram (else spread evenly),
    // its latency from the outcome's histogram, paired in a fixed interleaved order.
    const all: { outcome: string; latencyMs: number; atMs: number }[] = [];
    let k = 0;
    for (const o of outcomes) {
      const ls = latencies(o.s);
      const ats = o.at ? latencies(o.at).map((v) => Math.min(999.999, Math.max(0, v))) : ls.map((_, i) => ((k + i + 0.5) * 1000) / n);
      const order = interleave(ls.length);
      ls.forEach((_, i) => all.push({ outcome: o.outcome, latencyMs: ls[order[i]!]!, atMs: ats[i]! }));
      k += ls.length;
    }
    for (let i = 0; i < all.length; i++) {
      const r = all[i]!;
      const t = a.toMonotonic(sec * 1000 + r.atMs);
      const status = /^\d{3}$/.test(r.outcome) ? Number(r.outcome) : undefined;
      const e: ResponseEvent = status !== undefined ? { kind: 'response', t, load: a.load, latencyMs: r.latencyMs, status, bytes: 0 } : { kind: 'response', t, load: a.load, latencyMs: r.latencyMs, error: errorClassOfCode(r.outcome), bytes: 0 };
      a.sink(e);
      tally.add(status !== undefined ? { status, bytes: 0 } : { error: e.error!, bytes: 0 }, r.latencyMs);
      events += 1;
    }
  }
  const firstMs = ordered[0]! * 1000;
  const lastMs = (ordered[ordered.length - 1]! + 1) * 1000;
  const elapsedMs = lastMs - firstMs;
  const summary: LoadSummary = { ...tally.summary(a.load, 'artillery', 'done'), elapsedMs, rps: Math.round((events / elapsedMs) * 10_000) / 10 };
  return { events, firstMs, lastMs, summary };
}

/** `count` latencies whose quantiles are the summary's: linear between the reported quantile points. */
export function latencies(s: z.output<typeof summarySchema>): number[] {
  const pts: [number, number][] = [[0, s.min]];
  for (const [q, v] of [[0.5, s.p50], [0.75, s.p75], [0.9, s.p90], [0.95, s.p95], [0.99, s.p99], [0.999, s.p999]] as const) if (v !== undefined) pts.push([q, v]);
  pts.push([1, s.max]);
  // Sketch values are rounded and may be out of order by a hair: keep them monotone.
  for (let i = 1; i < pts.length; i++) pts[i]![1] = Math.min(s.max, Math.max(pts[i]![1], pts[i - 1]![1]));
  const out: number[] = [];
  for (let k = 0; k < s.count; k++) {
    const q = s.count === 1 ? 0.5 : k / (s.count - 1);
    let j = 1;
    while (j < pts.length - 1 && pts[j]![0] < q) j++;
    const [q0, v0] = pts[j - 1]!;
    const [q1, v1] = pts[j]!;
    out.push(Math.round((q1 === q0 ? v1 : v0 + ((v1 - v0) * (q - q0)) / (q1 - q0)) * 1000) / 1000);
  }
  return out;
}

/** A fixed permutation of 0..n-1 that strides through the range (so neighbours in time differ). */
function interleave(n: number): number[] {
  if (n < 3) return [...Array(n).keys()];
  let stride = Math.max(1, Math.round(n * 0.618));
  while (gcd(stride, n) !== 1) stride += 1;
  return Array.from({ length: n }, (_, i) => (i * stride) % n);
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
