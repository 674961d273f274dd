import { z } from 'zod';
import type { Check, CheckContext } from './check.js';
import { boundSchema, formatBytes, formatPercent, meets } from './bounds.js';
import { at, eventsOf, num } from './query.js';
import { ev, noData, verdict } from './verdict.js';

export const memoryExpectation = z.strictObject({
  /** RSS growth from the first to the last sample: "< 50MB", or relative "< 20%". */
  growth: boundSchema('size'),
});
export type MemoryExpectation = z.infer<typeof memoryExpectation>;

/**
 * Growth = last RSS sample − first. The first sample is taken right after the target is ready, so
 * start-up allocation is not counted; the peak is reported as evidence but not judged (a peak under
 * load that is given back is not a leak).
 */
function run(ctx: CheckContext, x: MemoryExpectation, key: string) {
  const samples = eventsOf(ctx, 'target-sample');
  if (samples.length < 2) return noData(ctx, 'memory', key, `${samples.length} RSS sample(s) of the target (crumple samples only a target it starts)`);
  const first = samples[0]!;
  const last = samples[samples.length - 1]!;
  const peak = samples.reduce((m, s) => Math.max(m, s.rssBytes), 0);
  const growth = last.rssBytes - first.rssBytes;
  const rel = growth / first.rssBytes;
  const judged = x.growth.unit === 'ratio' ? rel : growth;
  const ok = meets(x.growth, judged);
  const shown = `${formatBytes(growth)} (${formatPercent(rel)})`;
  return verdict(ctx, 'memory', key, {
    ok,
    summary: `RSS grew ${shown}: ${formatBytes(first.rssBytes)} → ${formatBytes(last.rssBytes)}, peak ${formatBytes(peak)}; bound ${x.growth.text}`,
    measured: {
      growthBytes: growth,
      growthRatio: num(rel, 4),
      startBytes: first.rssBytes,
      endBytes: last.rssBytes,
      peakBytes: peak,
      ...(x.growth.unit === 'ratio' ? { growthBoundRatio: x.growth.value } : { boundBytes: x.growth.value }),
    },
    evidence: [ev('samples', samples.length), ev('first sample', `${formatBytes(first.rssBytes)} at ${at(ctx, first.t)}`), ev('last sample', `${formatBytes(last.rssBytes)} at ${at(ctx, last.t)}`), ev('peak', formatBytes(peak))],
    failureMode: {
      id: 'memory-growth',
      trigger: `the run's load and faults from ${at(ctx, first.t)} to ${at(ctx, last.t)}`,
      spread: `RSS climbed from ${formatBytes(first.rssBytes)} to ${formatBytes(last.rssBytes)} (peak ${formatBytes(peak)})`,
      result: `growth ${shown} breaks ${x.growth.text}; given time, the process runs out of memory`,
    },
  });
}

export default {
  name: 'memory',
  description: "the target's RSS growth over the run stays under a bound (absolute or relative)",
  expectation: memoryExpectation,
  run,
} satisfies Check<typeof memoryExpectation>;
