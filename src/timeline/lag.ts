import { monitorEventLoopDelay } from 'node:perf_hooks';
import { monotonicMs } from './clock.js';
import type { EventSink } from './events.js';

/**
 * Samples this thread's event-loop delay (perf_hooks.monitorEventLoopDelay, 10 ms resolution)
 * and writes one `lag` event per interval with that window's p50/p99/max. The harness must not be
 * the bottleneck it measures: a large lag marks a run untrustworthy. Returns a stop function that
 * flushes the last partial window.
 */
export function startLagSampler(sink: EventSink, intervalMs = 1000): () => void {
  const every = Math.min(Math.max(Math.floor(intervalMs), 20), 60_000);
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  let expected = monotonicMs() + every;
  const flush = (onTimer: boolean) => {
    // The sampler's own timer is late by as much as the loop was blocked: a second witness, so a
    // block shows even if the histogram's timer ran before this flush and after the reset.
    const late = onTimer ? Math.max(0, monotonicMs() - expected) : 0;
    expected = monotonicMs() + every;
    if (h.count === 0 && late === 0) return;
    // The histogram is in ns and includes the sampling resolution itself; subtract it so an idle loop reads ~0.
    const ms = (ns: number) => Math.max(0, ns / 1e6 - 10);
    const count = h.count;
    sink({ kind: 'lag', t: monotonicMs(), p50Ms: count ? ms(h.percentile(50)) : 0, p99Ms: count ? ms(h.percentile(99)) : late, maxMs: Math.max(count ? ms(h.max) : 0, late) });
    h.reset();
  };
  const timer = setInterval(() => flush(true), every);
  timer.unref();
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    flush(false);
    h.disable();
  };
}
