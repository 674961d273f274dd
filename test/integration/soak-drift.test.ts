import { describe, expect, it } from 'vitest';
import { agingTarget, runScenario } from './soak-helpers.js';

/**
 * Drift on real targets: short soaks (6 cycles of 6 s) judged in 4-second buckets after an 8 s
 * warm-up, 7 points a series (14 for the creeping p99); each target is a real process sampled through /proc every 500 ms.
 */
const soak = (env: Record<string, number>, drift: Record<string, string>, every = '4s') =>
  runScenario({
    name: 'drift soak',
    target: agingTarget(env),
    load: { api: { shape: 'steady', path: '/work', rate: '20/s', timeout: '2s' } },
    phases: [{ name: 'steady', for: '6s' }],
    repeat: { for: '36s' },
    expect: { drift: { every, warmup: '8s', ...drift } },
  });

describe('drift on real targets: leaks caught, a sawtooth left alone', () => {
  it('a target leaking 2 MB/s is caught on rss; its fds and p99 stay steady', async () => {
    const out = await soak({ LEAK_KB_PER_S: 2048 }, { rss: '< 1GB/h', fds: '< 1000/h', p99: '< 10s/h' });
    const v = out.verdict('drift');
    expect(out.result.phases).toHaveLength(6);
    expect(v.ok, v.summary).toBe(false);
    expect(v.summary).toMatch(/^drifting: rss \S+ GB\/h .*evident after \d+ points; steady: fds, p99/);
    // About 7.4 GB/h (2 MiB/s): the band holds it.
    expect(v.measured.rssLowPerHour as number).toBeGreaterThan(1e9);
    expect(v.measured.rssEvidentAfterMs as number).toBeLessThanOrEqual(36_000);
    expect(v.failureMode?.id).toBe('memory-growth');
  }, 120_000);

  it('a collector sawtooth of 30 MB every 2 s is no leak', async () => {
    const out = await soak({ SAW_MB: 30, SAW_MS: 2000 }, { rss: '< 1GB/h' });
    const v = out.verdict('drift');
    // The sawtooth is really there: RSS swings by more than 20 MB between samples.
    const rss = out.timeline.events.flatMap((e) => (e.kind === 'target-sample' ? [e.rssBytes] : []));
    expect(Math.max(...rss) - Math.min(...rss)).toBeGreaterThan(20e6);
    expect(v.ok, v.summary).toBe(true);
    expect(v.summary).toMatch(/^no drift past the bounds per 4 s/);
  }, 120_000);

  // The creep (10 ms more every second) is large next to what a busy machine adds to a p99.
  it('file descriptors that pile up and a p99 that creeps are both caught', async () => {
    // 2-second buckets: 14 points, so seconds of a busy machine's lag cannot widen p99's band past zero.
    const out = await soak({ FDS_PER_S: 5, CREEP_MS_PER_S: 10, HOLD_MS: 5 }, { fds: '< 100/h', p99: '< 50%/h', threads: '< 100/h' }, '2s');
    const v = out.verdict('drift');
    expect(v.ok, v.summary).toBe(false);
    expect(v.summary, JSON.stringify(v.measured)).toMatch(/^drifting: fds .*; p99 .*; steady: threads/);
    // 5 fds a second is 18,000 an hour.
    expect(v.measured.fdsSlopePerHour as number).toBeGreaterThan(10_000);
    expect(v.failureMode?.id).toBe('resource-leak');
  }, 120_000);
});
