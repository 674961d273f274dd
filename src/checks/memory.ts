import { z } from 'zod';
import type { Check, CheckContext } from './check.js';
import { boundSchema, formatByteRate, formatBytes, formatPercent, meets } from './bounds.js';
import { at, eventsOf, inside, label, median, num, scope, type Window } from './query.js';
import { ev, inconclusive, verdict } from './verdict.js';

export const memoryExpectation = z
  .strictObject({
    /** RSS growth across the window: "< 50MB", or relative "< 20%". */
    growth: boundSchema('size').optional(),
    /** RSS growth rate over the second half of the window (a plateau is ~0): "< 1MB/min". */
    slope: boundSchema('size-rate').optional(),
    /** The window to judge (default: every phase after the first, which is warm-up). */
    phase: z.string().optional(),
  })
  .refine((x) => x.growth || x.slope, { error: 'give growth and/or slope' });
export type MemoryExpectation = z.infer<typeof memoryExpectation>;

/** Fewest RSS samples in the window to tell a trend (500 ms apart: 2 s). */
const MIN_SAMPLES = 4;
/** A second half growing less than this share of RSS (or 1 MB) over its span is a plateau. */
const PLATEAU_SHARE = 0.01;

/** Least-squares slope of (t ms, bytes) in bytes per second; NaN under two points. */
export function slopePerSecond(points: readonly { t: number; rssBytes: number }[]): number {
  if (points.length < 2) return NaN;
  const mt = points.reduce((s, p) => s + p.t, 0) / points.length;
  const mb = points.reduce((s, p) => s + p.rssBytes, 0) / points.length;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.t - mt) * (p.rssBytes - mb);
    den += (p.t - mt) ** 2;
  }
  return den > 0 ? (num / den) * 1000 : NaN;
}

/**
 * Judged over a window, not the whole run, so warm-up (JIT, pools, caches filling in the first phase)
 * does not eat the bound: by default every phase after the first, with a single phase its second
 * half. Growth = median of the window's last quarter of samples − median of its first quarter (one
 * noisy sample cannot decide). Slope = least-squares RSS growth rate over the window's second half: a
 * leak keeps climbing, a warm cache levels off (a plateau). The peak is evidence, never judged.
 */
function run(ctx: CheckContext, x: MemoryExpectation, key: string) {
  const ws = scope(ctx, x.phase, (): Window[] => {
    if (ctx.phases.length > 1) {
      const rest = ctx.phases.slice(1);
      return [{ startMs: rest[0]!.startMs, endMs: rest[rest.length - 1]!.endMs, label: `${rest.length > 1 ? `${rest[0]!.name} .. ${rest[rest.length - 1]!.name}` : rest[0]!.name} (after warm-up in '${ctx.phases[0]!.name}')` }];
    }
    const p = ctx.phases[0];
    return p ? [{ startMs: (p.startMs + p.endMs) / 2, endMs: p.endMs, label: `second half of '${p.name}'` }] : [];
  });
  if (typeof ws === 'string') return inconclusive(ctx, 'memory', key, ws);
  const all = eventsOf(ctx, 'target-sample');
  const samples = ws.length ? all.filter((s) => inside(s.t, ws)) : [];
  if (samples.length < MIN_SAMPLES) {
    return inconclusive(ctx, 'memory', key, `${samples.length} RSS sample(s) of the target in ${label(ws) || 'the run'}, ${MIN_SAMPLES} needed (crumple samples only a target it starts, every 500 ms)`, { samples: samples.length });
  }
  const q = Math.max(1, Math.floor(samples.length / 4));
  const startBytes = median(samples.slice(0, q).map((s) => s.rssBytes));
  const endBytes = median(samples.slice(-q).map((s) => s.rssBytes));
  const growth = endBytes - startBytes;
  const rel = growth / startBytes;
  const mid = (samples[0]!.t + samples[samples.length - 1]!.t) / 2;
  const secondHalf = samples.filter((s) => s.t >= mid);
  const slope = slopePerSecond(secondHalf);
  const halfSpanS = (secondHalf[secondHalf.length - 1]!.t - secondHalf[0]!.t) / 1000;
  const plateau = Number.isFinite(slope) && slope * halfSpanS <= Math.max(PLATEAU_SHARE * endBytes, 1e6);
  const peak = samples.reduce((m, s) => Math.max(m, s.rssBytes), 0);
  const problems: string[] = [];
  if (x.growth && !meets(x.growth, x.growth.unit === 'ratio' ? rel : growth)) problems.push(`growth ${formatBytes(growth)} (${formatPercent(rel)}) breaks ${x.growth.text}`);
  if (x.slope && !(Number.isFinite(slope) && meets(x.slope, slope))) problems.push(`still climbing ${formatByteRate(slope)} in the second half, bound ${x.slope.text}`);
  const shown = `${formatBytes(growth)} (${formatPercent(rel)})`;
  const trend = plateau ? 'plateau in its second half' : `still climbing ${formatByteRate(slope)} in its second half`;
  const bounds = [x.growth ? `growth ${x.growth.text}` : '', x.slope ? `slope ${x.slope.text}` : ''].filter(Boolean).join(', ');
  return verdict(ctx, 'memory', key, {
    ok: problems.length === 0,
    summary: `RSS over ${label(ws)} grew ${shown}: ${formatBytes(startBytes)} → ${formatBytes(endBytes)}, ${trend}, peak ${formatBytes(peak)}; bound ${bounds}${problems.length ? ` — ${problems.join('; ')}` : ''}`,
    measured: {
      growthBytes: Math.round(growth),
      growthRatio: num(rel, 4),
      slopeBytesPerSecond: num(slope, 1),
      startBytes: Math.round(startBytes),
      endBytes: Math.round(endBytes),
      peakBytes: peak,
      ...(x.growth ? (x.growth.unit === 'ratio' ? { growthBoundRatio: x.growth.value } : { boundBytes: x.growth.value }) : {}),
      ...(x.slope ? { slopeBoundBytesPerSecond: num(x.slope.value, 1) } : {}),
    },
    evidence: [
      ev('judged over', `${label(ws)} (${at(ctx, ws[0]!.startMs)} – ${at(ctx, ws[ws.length - 1]!.endMs)})`),
      ev('samples in the window (of the run)', `${samples.length} (of ${all.length})`),
      ev('start (median of the first quarter)', formatBytes(startBytes)),
      ev('end (median of the last quarter)', formatBytes(endBytes)),
      ev('slope over the second half', Number.isFinite(slope) ? formatByteRate(slope) : null),
      ev('plateau', plateau),
      ev('peak in the window', formatBytes(peak)),
      ev('first sample of the run (warm-up not judged)', all[0] ? `${formatBytes(all[0].rssBytes)} at ${at(ctx, all[0].t)}` : null),
    ],
    windows: ws,
    failureMode: {
      id: 'memory-growth',
      trigger: `the run's load and faults over ${label(ws)}`,
      spread: `RSS climbed from ${formatBytes(startBytes)} to ${formatBytes(endBytes)} (peak ${formatBytes(peak)}), ${trend}`,
      result: `${problems.join('; ')}; given time, the process runs out of memory`,
    },
  });
}

export default {
  name: 'memory',
  description: "the target's RSS over a window after warm-up grows less than a bound and/or levels off (slope)",
  expectation: memoryExpectation,
  run,
} satisfies Check<typeof memoryExpectation>;
