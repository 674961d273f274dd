import { describe, expect, it } from 'vitest';
import drift, { driftExpectation, driftSeries, driftWindow, parseRateBound } from '../../src/checks/drift.js';
import { soak } from '../helpers/soak.js';

const MIN = 60_000;
const judge = (ctx: ReturnType<ReturnType<typeof soak>['context']>, x: Record<string, unknown>) => drift.run(ctx, driftExpectation.parse(x), 'drift');
const MB = 1e6;
/** Small deterministic wobble (no Math.random: every test replays). */
const wobble = (s: number, amp: number) => amp * Math.sin(s * 1.7) * Math.cos(s * 0.31);

describe('drift: robust slopes per minute after warm-up', () => {
  it('catches a 2 MB/min leak within 10 minutes, and says after how many points', () => {
    const ctx = soak().phase('soak', 0, 12 * MIN).samples({ from: 0, to: 12 * MIN, rss: (s) => 60 * MB + (2 * MB * s) / 60 + wobble(s, 3 * MB) }).context();
    const v = judge(ctx, { warmup: '1m', rss: '< 5MB/h' });
    expect(v.ok).toBe(false);
    expect(v.failureMode?.id).toBe('memory-growth');
    // 120 MB/h measured, and the band's lower bound far above 5 MB/h.
    expect(v.measured.rssSlopePerHour as number).toBeGreaterThan(100 * MB);
    expect(v.measured.rssLowPerHour as number).toBeGreaterThan(5 * MB);
    expect(v.measured.rssEvidentAfterMs as number).toBeLessThanOrEqual(10 * MIN);
    expect(v.summary).toMatch(/drifting: rss .*evident after \d+ points/);
  });

  it('does not call a garbage collector sawtooth a leak (30 MB up over 40 s, dropped; 12 minutes)', () => {
    const ctx = soak().phase('soak', 0, 12 * MIN).samples({ from: 0, to: 12 * MIN, rss: (s) => 60 * MB + ((s % 40) / 40) * 30 * MB }).context();
    const v = judge(ctx, { warmup: '1m', rss: '< 5MB/h' });
    expect(v.ok).toBe(true);
    expect(v.summary).toMatch(/^no drift past the bounds per 1 min/);
    expect(v.measured.rssLowPerHour as number).toBeLessThan(5 * MB);
  });

  it('flat memory with noise passes', () => {
    const ctx = soak().phase('soak', 0, 12 * MIN).samples({ from: 0, to: 12 * MIN, rss: (s) => 80 * MB + wobble(s, 4 * MB) }).context();
    expect(judge(ctx, { rss: '< 5MB/h' }).ok).toBe(true);
  });

  it('file descriptors piling up fail fds, while the threads stay flat', () => {
    const ctx = soak()
      .phase('soak', 0, 10 * MIN)
      .samples({ from: 0, to: 10 * MIN, rss: () => 50 * MB, fds: (s) => 20 + Math.floor(s / 10), threads: () => 11 })
      .context();
    const v = judge(ctx, { fds: '< 10/h', threads: '< 10/h' });
    expect(v.ok).toBe(false);
    expect(v.failureMode?.id).toBe('resource-leak');
    expect(v.measured.fdsSlopePerHour).toBeCloseTo(360, -1);
    expect(v.measured.threadsSlopePerHour).toBe(0);
    expect(v.summary).toMatch(/steady: threads/);
  });

  it('a p99 that creeps 50 %/h fails a 10 %/h bound; a steady one passes', () => {
    const creeping = soak()
      .phase('soak', 0, 10 * MIN)
      .responses('api', { from: 0, to: 10 * MIN, perSecond: 20, latency: (s, i) => (i % 100 === 0 ? 40 : 20) * (1 + (0.5 * s) / 3600) })
      .context();
    const v = judge(creeping, { p99: '< 10%/h', load: 'api' });
    expect(v.ok).toBe(false);
    expect(v.measured.p99SlopePerHour as number).toBeGreaterThan(0.1);
    const steady = soak().phase('soak', 0, 10 * MIN).responses('api', { from: 0, to: 10 * MIN, perSecond: 20, latency: (s, i) => (i % 7) + 20 }).context();
    expect(judge(steady, { p99: '< 10%/h' }).ok).toBe(true);
    // Nothing to be relative to: cannot judge, never a pass.
    const zero = soak().phase('soak', 0, 10 * MIN).samples({ from: 0, to: 10 * MIN, rss: () => 1, fds: () => 0 }).context();
    expect(judge(zero, { fds: '< 10%/h' }).summary).toMatch(/^cannot judge: fds is 0/);
  });

  it('a rising error rate fails errors', () => {
    const ctx = soak()
      .phase('soak', 0, 10 * MIN)
      .responses('api', { from: 0, to: 10 * MIN, perSecond: 50, latency: () => 5, status: (s, i) => (i % 1000 < (s / 600) * 100 ? 500 : 200) })
      .context();
    const v = judge(ctx, { errors: '< 1%/h' });
    expect(v.ok).toBe(false);
    expect(v.failureMode?.id).toBe('slo-breach');
  });

  it('cannot judge with too few points after warm-up, and says how to get more', () => {
    const ctx = soak().phase('soak', 0, 4 * MIN).samples({ from: 0, to: 4 * MIN, rss: (s) => 60 * MB + s * MB }).context();
    const v = judge(ctx, { rss: '< 5MB/h' });
    expect(v.ok).toBe(false);
    expect(v.summary).toMatch(/^cannot judge: rss has 2 point\(s\) of 1 min .*shorter every:/);
  });

  it('a shorter bucket (every: 5s) judges a 2-minute soak', () => {
    const ctx = soak().phase('soak', 0, 2 * MIN).samples({ from: 0, to: 2 * MIN, rss: (s) => 60 * MB + s * 0.5 * MB }).context();
    const v = judge(ctx, { every: '5s', warmup: '10s', rss: '< 50MB/h' });
    expect(v.ok).toBe(false);
    expect(v.measured.rssPoints).toBe(22);
  });

  it('series points are bucket medians, x in hours from the end of warm-up', () => {
    const ctx = soak().phase('soak', 0, 3 * MIN).samples({ from: 0, to: 3 * MIN, rss: (s) => s * 1000 }).context();
    const w = driftWindow(ctx.timeline, ctx.phases, MIN, 0);
    const pts = driftSeries(ctx.timeline.seconds, ctx.timeline.startMs, w, 'rss');
    expect(pts.map((p) => Math.round(p.x * 3600))).toEqual([30, 90, 150]);
    // The median of a bucket's seconds (each second keeps its last sample, taken at +500 ms).
    expect(pts.map((p) => p.y)).toEqual([29_500, 89_500, 149_500]);
  });

  it('parses bounds per series and names the form on a mistake', () => {
    expect(parseRateBound('< 5MB/h', 'rss')).toMatchObject({ op: '<', value: 5e6, relative: false });
    expect(parseRateBound('< 100KB/m', 'rss')).toMatchObject({ value: 6e6 });
    expect(parseRateBound('< 10%/h', 'p99')).toMatchObject({ value: 0.1, relative: true });
    expect(parseRateBound('< 20ms/h', 'p99')).toMatchObject({ value: 20, relative: false });
    expect(parseRateBound('< 1%/h', 'errors')).toMatchObject({ value: 0.01, relative: false });
    expect(parseRateBound('< 10/h', 'fds')).toMatchObject({ value: 10 });
    expect(parseRateBound('< 5MB', 'rss')).toMatch(/not a drift bound .*"< 5MB\/h"/);
    expect(parseRateBound('< 5ms/h', 'rss')).toMatch(/rss drift is written like "< 5MB\/h"/);
    expect(driftExpectation.safeParse({ every: '1m' }).success).toBe(false);
  });
});
