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
    expect(v.summary).toMatch(/target alive to the end/);
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
    expect(v.measured.hung).toBe(100);
  });
});

describe('memory check', () => {
  const run = (from: number, to: number, growth: string) => {
    const b = timeline().phase('all', 0, 10000);
    for (let t = 0; t <= 10000; t += 1000) b.sample(t, from + ((to - from) * t) / 10000);
    return memory.run(b.context(), memory.expectation.parse({ growth }), 'memory');
  };
  it('passes RSS growth under an absolute bound and reports it', () => {
    const v = run(50e6, 60e6, '< 50MB');
    expect(v.ok).toBe(true);
    expect(v.measured.growthBytes).toBe(10e6);
  });
  it('fails with memory growth past an absolute bound', () => {
    const v = run(50e6, 200e6, '< 50MB');
    expect(v.ok).toBe(false);
    expect(v.failureMode?.id).toBe('memory-growth');
    expect(v.measured.boundBytes).toBe(50e6);
  });
  it('judges a relative bound on the ratio', () => {
    expect(run(50e6, 70e6, '< 20%').ok).toBe(false);
    expect(run(50e6, 55e6, '< 20%').ok).toBe(true);
  });
  it('cannot judge without samples', () => {
    const v = memory.run(timeline().phase('a', 0, 1000).context(), memory.expectation.parse({ growth: '< 1MB' }), 'memory');
    expect(v.ok).toBe(false);
    expect(v.summary).toMatch(/^cannot judge/);
  });
});
