import { describe, expect, it } from 'vitest';
import recovery from '../../src/checks/recovery.js';
import survives from '../../src/checks/survives.js';
import memory from '../../src/checks/memory.js';
import { timeline } from '../helpers/timeline.js';

describe('recovery check', () => {
  const base = () =>
    timeline()
      .phase('baseline', 0, 5000)
      .phase('fault', 5000, 15000, [['inventory', 'hang']])
      .phase('recovery', 15000, 25000)
      .responses('checkout', { from: 0, to: 5000, every: 20, latency: 5 })
      .responses('checkout', { from: 5000, to: 15000, every: 20, latency: 1000, outcome: 504 });

  it('measures MTTR as the time from the fault clearing to a lasting return to baseline', () => {
    const b = base().responses('checkout', { from: 15000, to: 25000, every: 20, latency: 5, outcome: (t) => (t < 17000 ? 503 : 200) });
    const v = recovery.run(b.context(), recovery.expectation.parse({ within: '3s' }), 'recovery');
    expect(v.ok).toBe(true);
    expect(v.measured.recoveryMs).toBe(2000);
    expect(v.summary).toMatch(/back to baseline 2\.00 s after/);
  });

  it('fails with no recovery when MTTR exceeds the bound', () => {
    const b = base().responses('checkout', { from: 15000, to: 25000, every: 20, latency: 5, outcome: (t) => (t < 17000 ? 503 : 200) });
    const v = recovery.run(b.context(), recovery.expectation.parse({ within: '1s' }), 'recovery');
    expect(v.ok).toBe(false);
    expect(v.failureMode?.id).toBe('no-recovery');
  });

  it('fails when the target stays degraded to the end', () => {
    const b = base().responses('checkout', { from: 15000, to: 25000, every: 20, latency: 5, outcome: 503 });
    const v = recovery.run(b.context(), recovery.expectation.parse({ within: '5s' }), 'recovery');
    expect(v.ok).toBe(false);
    expect(v.measured.recoveryMs).toBeNull();
    expect(v.summary).toMatch(/not back to baseline/);
  });

  it('asks for a recovery phase when the run ends at the fault', () => {
    const v = recovery.run(base().context(), recovery.expectation.parse({ within: '5s' }), 'recovery');
    expect(v.ok).toBe(false);
    expect(v.summary).toMatch(/add a recovery phase/);
  });
});

describe('recovery check: phase edges', () => {
  it('leaves requests that spill from the baseline into the first fault out of the baseline', () => {
    const b = timeline()
      .phase('baseline', 0, 5000)
      .phase('fault', 5000, 15000, [['inventory', 'hang']])
      .phase('recovery', 15000, 25000)
      .responses('checkout', { from: 0, to: 4900, every: 20, latency: 14 })
      // Sent in the baseline's last 100 ms, answered 504 after 100 ms under the fault.
      .responses('checkout', { from: 4900, to: 5000, every: 5, latency: 104, outcome: 504 })
      .responses('checkout', { from: 5000, to: 15000, every: 20, latency: 1000, outcome: 504 })
      .responses('checkout', { from: 15000, to: 25000, every: 20, latency: 14 });
    const v = recovery.run(b.context(), recovery.expectation.parse({ within: '2s' }), 'recovery');
    expect(v.status, v.summary).toBe('pass');
    expect(v.measured.baselineSuccessRate).toBe(1);
    expect(v.measured.baselineP99Ms).toBe(14);
  });
});

describe('survives check', () => {
  const base = () =>
    timeline()
      .phase('baseline', 0, 5000)
      .phase('garbage', 5000, 10000, [['inventory', 'garbage']])
      .phase('recovery', 10000, 15000)
      .sample(0, 50e6)
      .sample(14000, 52e6);

  it('passes a target that answers 5xx to garbage and stays up', () => {
    const b = base().responses('checkout', { from: 5000, to: 10000, every: 50, latency: 3, outcome: 502 }).exit(15000, 0, true);
    const v = survives.run(b.context(), true, 'survives');
    expect(v.ok).toBe(true);
    expect(v.measured.answeredShare).toBe(1);
    expect(v.status).toBe('pass');
    expect(v.summary).toMatch(/target alive and answering to the end/);
  });

  it('fails with crash on bad input when the target exits during garbage', () => {
    const b = base()
      .responses('checkout', { from: 5000, to: 10000, every: 50, latency: 3, outcome: (t) => (t < 5200 ? 502 : 'ECONNREFUSED') })
      .exit(5200, 1);
    const v = survives.run(b.context(), true, 'survives');
    expect(v.ok).toBe(false);
    expect(v.failureMode?.id).toBe('crash-on-bad-input');
    expect(v.measured.exitCode).toBe(1);
    expect(v.failureMode?.spread).toMatch(/exited \(code 1\) at 5\.2 s/);
  });

  it('fails when the target hangs instead of answering during garbage', () => {
    const b = base().responses('checkout', { from: 5000, to: 10000, every: 50, latency: 5000, outcome: 'timeout' });
    const v = survives.run(b.context(), true, 'survives');
    expect(v.ok).toBe(false);
    expect(v.measured.hung).toBe(81); // sent in the phase's last second and answered after it: counted for neither phase
  });
});

describe('survives check: no pass without evidence', () => {
  const phases = () => timeline().phase('baseline', 0, 5000).phase('fault', 5000, 10000, [['inventory', 'hang']]).phase('recovery', 10000, 15000);

  it('is inconclusive, never a pass, for a target (by URL) that refused every connection', () => {
    const b = phases().responses('checkout', { from: 0, to: 15000, every: 50, latency: 1, outcome: 'ECONNREFUSED' });
    const v = survives.run(b.context(), true, 'survives');
    expect(v.status).toBe('inconclusive');
    expect(v.reason).toMatch(/never answered any of 300 requests \(ECONNREFUSED: 300\).*is the URL right/);
  });

  it('fails a target that answered and then stopped answering before the end', () => {
    const b = phases()
      .responses('checkout', { from: 0, to: 7000, every: 50, latency: 1 })
      .responses('checkout', { from: 7000, to: 15000, every: 50, latency: 1, outcome: 'ECONNREFUSED' });
    const v = survives.run(b.context(), true, 'survives');
    expect(v.status).toBe('fail');
    expect(v.summary).toMatch(/target stopped answering: no answer after 7\.0 s, none of 100 requests in 'recovery' answered/);
  });

  it('names an unbounded result set when a huge answer took the target down', () => {
    const b = timeline()
      .phase('baseline', 0, 5000)
      .phase('huge', 5000, 10000, [['inventory', 'huge']])
      .sample(0, 50e6)
      .responses('checkout', { from: 0, to: 6000, every: 50, latency: 1 })
      .responses('checkout', { from: 6000, to: 10000, every: 50, latency: 1, outcome: 'ECONNREFUSED' })
      .exit(6000, null);
    const v = survives.run(b.context(), true, 'survives');
    expect(v.status).toBe('fail');
    expect(v.failureMode?.id).toBe('unbounded-result-set');
  });
});

describe('memory check', () => {
  /** Warm-up in 'baseline' (0–10 s), then 'soak' (10–30 s); RSS sampled every 500 ms. */
  const rss = (f: (t: number) => number) => {
    const b = timeline().phase('baseline', 0, 10_000).phase('soak', 10_000, 30_000);
    for (let t = 0; t <= 30_000; t += 500) b.sample(t, f(t));
    return b.context();
  };
  const judge = (ctx: ReturnType<typeof rss>, x: Record<string, unknown>) => memory.run(ctx, memory.expectation.parse(x), 'memory');
  const warmThenFlat = (t: number) => (t < 10_000 ? 50e6 + t * 10_000 : 150e6 + (t % 1000 ? 0.5e6 : 0));
  const leak = (t: number) => (t < 10_000 ? 50e6 : 50e6 + (t - 10_000) * 1000); // 1 MB/s

  it('does not let warm-up eat the bound: 100 MB of warm-up, then flat, passes "< 10MB"', () => {
    const v = judge(rss(warmThenFlat), { growth: '< 10MB', slope: '< 1MB/min' });
    expect(v.status, v.summary).toBe('pass');
    expect(Math.abs(v.measured.growthBytes as number)).toBeLessThan(1e6);
    expect(v.summary).toMatch(/soak \(after warm-up in 'baseline'\).*plateau/);
    expect(v.evidence.find((e) => e.label === 'plateau')?.value).toBe(true);
  });

  it('fails with memory growth when RSS keeps climbing through the window (growth and slope)', () => {
    const v = judge(rss(leak), { growth: '< 10MB', slope: '< 1MB/min' });
    expect(v.status).toBe('fail');
    expect(v.failureMode?.id).toBe('memory-growth');
    expect(v.measured.slopeBytesPerSecond as number).toBeCloseTo(1e6, -3);
    expect(v.measured.boundBytes).toBe(10e6);
    expect(v.summary).toMatch(/still climbing 60\.0 MB\/min/);
  });

  it('judges a relative bound on the ratio, over a named phase', () => {
    expect(judge(rss(leak), { growth: '< 20%', phase: 'soak' }).status).toBe('fail'); // 50 → ~70 MB
    expect(judge(rss(leak), { growth: '< 50%', phase: 'soak' }).status).toBe('pass');
  });

  it('passes a slope bound on a target that grew and levelled off (a plateau), where growth alone would fail', () => {
    const cache = (t: number) => (t < 15_000 ? 50e6 + Math.max(0, t - 10_000) * 4000 : 70e6);
    expect(judge(rss(cache), { slope: '< 1MB/min' }).status).toBe('pass');
    expect(judge(rss(cache), { growth: '< 10MB' }).status).toBe('fail');
  });

  it('is inconclusive without samples, never a pass', () => {
    const v = memory.run(timeline().phase('a', 0, 1000).context(), memory.expectation.parse({ growth: '< 1MB' }), 'memory');
    expect(v.status).toBe('inconclusive');
    expect(v.ok).toBe(false);
    expect(v.summary).toMatch(/^cannot judge/);
  });

  it('reads growth-rate bounds per second, minute and hour', () => {
    expect(memory.expectation.parse({ slope: '< 1MB/min' }).slope?.value).toBeCloseTo(1e6 / 60);
    expect(memory.expectation.safeParse({ slope: '< 1MB' }).success).toBe(false);
    expect(memory.expectation.safeParse({}).success).toBe(false);
  });
});
