import { describe, expect, it } from 'vitest';
import { httpServer } from '../helpers/listen.js';
import steady from '../../src/load/steady.js';
import ramp from '../../src/load/ramp.js';
import type { ResponseEvent, TimelineEvent } from '../../src/timeline/events.js';

/**
 * Coordinated omission: a fixed-rate load records each request's latency from its intended send time
 * beside the service time. The shape runs on this thread here, so blocking the thread for 300 ms is a
 * stalled sender: the slots due during the stall go out late, and only the corrected latency shows it.
 */
async function stallOnce(events: TimelineEvent[], ms: number) {
  while (!events.some((e) => e.kind === 'response')) await new Promise((r) => setTimeout(r, 5));
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy: nothing else runs on this thread
  }
}

describe('fixed-rate loads record latency from the intended send time', () => {
  it('steady --rate: a 300 ms sender stall shows in correctedMs, not in the service time of the late sends', async () => {
    const { url } = await httpServer((_req, res) => res.end('ok'));
    const events: TimelineEvent[] = [];
    const run = steady.run({
      name: 'fixed',
      spec: steady.spec.parse({ rate: 200, duration: 1500 }),
      baseUrl: new URL(url),
      sink: (e) => void events.push(e),
      signal: new AbortController().signal,
      runMs: undefined,
    });
    await stallOnce(events, 300);
    const s = await run;
    const rs = events.filter((e): e is ResponseEvent => e.kind === 'response');
    expect(rs.length).toBeGreaterThan(100);
    expect(rs.every((r) => r.correctedMs !== undefined && r.correctedMs >= r.latencyMs)).toBe(true);
    // The slot due at the stall's start was sent after it: ≥ 295 ms late.
    expect(Math.max(...rs.map((r) => r.correctedMs! - r.latencyMs))).toBeGreaterThanOrEqual(295);
    expect(s.corrected!.maxMs).toBeGreaterThanOrEqual(295);
    expect(s.corrected!.p99Ms).toBeGreaterThanOrEqual(s.p99Ms);
  });

  it('ramp records it too; a closed loop has no schedule and records none', async () => {
    const { url } = await httpServer((_req, res) => res.end('ok'));
    const events: TimelineEvent[] = [];
    const sink = (e: TimelineEvent) => void events.push(e);
    const signal = new AbortController().signal;
    const r = await ramp.run({ name: 'ramp', spec: ramp.spec.parse({ from: 20, to: 40, steps: 2, stepFor: 300 }), baseUrl: new URL(url), sink, signal, runMs: undefined });
    expect(r.corrected).toBeDefined();
    const closed = await steady.run({ name: 'closed', spec: steady.spec.parse({ count: 50, connections: 2 }), baseUrl: new URL(url), sink, signal, runMs: undefined });
    expect(closed.corrected).toBeUndefined();
    const rs = events.filter((e): e is ResponseEvent => e.kind === 'response');
    expect(rs.filter((x) => x.load === 'ramp').every((x) => x.correctedMs !== undefined)).toBe(true);
    expect(rs.filter((x) => x.load === 'closed').every((x) => x.correctedMs === undefined)).toBe(true);
  });
});
