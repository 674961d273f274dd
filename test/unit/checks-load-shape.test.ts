import { describe, expect, it } from 'vitest';
import shedding from '../../src/checks/shedding.js';
import failFast from '../../src/checks/fail-fast.js';
import bulkhead from '../../src/checks/bulkhead.js';
import { timeline } from '../helpers/timeline.js';

const shed = (o: Record<string, unknown> = {}) => shedding.expectation.parse({ load: 'burst', 'rejects-within': '50ms', p99: '< 100ms', ...o });

describe('shedding check', () => {
  it('passes a target that rejects 70 % quickly and keeps accepted requests fast', () => {
    const b = timeline().phase('burst', 0, 5000).responses('burst', {
      from: 0, to: 5000, every: 10,
      latency: (_t, i) => (i % 10 < 7 ? 3 : 20),
      outcome: (_t, i) => (i % 10 < 7 ? 503 : 200),
    });
    const v = shedding.run(b.context(), shed(), 'shedding');
    expect(v.ok).toBe(true);
    expect(v.measured.rejected).toBe(350);
    expect(v.measured.rejectP99Ms).toBe(3);
    expect(v.measured.acceptedP99Ms).toBe(20);
  });

  it('fails with unbalanced capacity when the target queues instead of shedding', () => {
    const b = timeline().phase('burst', 0, 5000).responses('burst', {
      from: 0, to: 5000, every: 10,
      latency: (t) => Math.min(10 + t, 5000),
      outcome: (t) => (t >= 4990 ? 'timeout' : 200),
    });
    const v = shedding.run(b.context(), shed(), 'shedding');
    expect(v.ok).toBe(false);
    expect(v.failureMode?.id).toBe('unbalanced-capacity');
    expect(v.measured.rejected).toBe(0);
    expect(v.measured.acceptedP99Ms as number).toBeGreaterThan(3900); // the last second's requests, answered after the phase, count for neither
  });

  it('fails with slow responses when rejections themselves are slow', () => {
    const b = timeline().phase('burst', 0, 5000).responses('burst', { from: 0, to: 5000, every: 10, latency: (_t, i) => (i % 2 ? 2000 : 20), outcome: (_t, i) => (i % 2 ? 503 : 200) });
    const v = shedding.run(b.context(), shed(), 'shedding');
    expect(v.ok).toBe(false);
    expect(v.failureMode?.id).toBe('slow-responses');
    expect(v.measured.rejectP99Ms).toBe(2000);
  });

  it('does not pass a load that never exceeded capacity', () => {
    const b = timeline().phase('burst', 0, 5000).responses('burst', { from: 0, to: 5000, every: 10, latency: 5 });
    const v = shedding.run(b.context(), shed(), 'shedding');
    expect(v.ok).toBe(false);
    expect(v.summary).toMatch(/capacity was not exceeded/);
  });
});

describe('fail-fast check', () => {
  const base = () => timeline().phase('baseline', 0, 5000).phase('fault', 5000, 10000, [['inventory', 'error']]).responses('checkout', { from: 0, to: 5000, every: 50, latency: 5 });

  it('passes when errors come back faster than successes', () => {
    const b = base().responses('checkout', { from: 5000, to: 10000, every: 50, latency: (_t, i) => (i % 2 ? 2 : 5), outcome: (_t, i) => (i % 2 ? 500 : 200) });
    const v = failFast.run(b.context(), failFast.expectation.parse({}), 'fail-fast');
    expect(v.ok).toBe(true);
    expect(v.measured.errorP50Ms).toBe(2);
    expect(v.measured.successP50Ms).toBe(5);
  });

  it('fails with slow failure when errors take a second and successes 5 ms (successes from the baseline)', () => {
    const b = base().responses('checkout', { from: 5000, to: 10000, every: 50, latency: 1000, outcome: 503 });
    const v = failFast.run(b.context(), failFast.expectation.parse({ load: 'checkout' }), 'fail-fast');
    expect(v.ok).toBe(false);
    expect(v.failureMode?.id).toBe('slow-failure');
    expect(v.measured.errorP50Ms).toBe(1000);
    expect(v.measured.successP50Ms).toBe(5);
    expect(v.evidence.find((e) => e.label === 'successes from')?.value).toMatch(/baseline/);
  });

  it('does not pass when there were no errors at all', () => {
    const v = failFast.run(base().responses('checkout', { from: 5000, to: 10000, every: 50, latency: 5 }).context(), failFast.expectation.parse({}), 'fail-fast');
    expect(v.ok).toBe(false);
    expect(v.summary).toMatch(/not exercised/);
  });
});

describe('bulkhead check', () => {
  const base = () =>
    timeline()
      .phase('baseline', 0, 5000)
      .phase('inventory hangs', 5000, 10000, [['inventory', 'hang']])
      .responses('health', { from: 0, to: 5000, every: 50, latency: 4 });

  it('passes when the unrelated load keeps its baseline during the fault', () => {
    const b = base().responses('health', { from: 5000, to: 10000, every: 50, latency: 6 });
    const v = bulkhead.run(b.context(), bulkhead.expectation.parse({ load: 'health', during: 'inventory hangs' }), 'bulkhead');
    expect(v.ok).toBe(true);
    expect(v.measured.baselineP99Ms).toBe(4);
    expect(v.measured.p99Ms).toBe(6);
    expect(v.measured.p99BoundMs).toBe(58);
  });

  it('fails with chain reaction when the unrelated load slows down with the fault', () => {
    const b = base().responses('health', { from: 5000, to: 10000, every: 50, latency: 3000 });
    const v = bulkhead.run(b.context(), bulkhead.expectation.parse({ load: 'health', during: 'inventory hangs', p99: '< 50ms' }), 'bulkhead');
    expect(v.ok).toBe(false);
    expect(v.failureMode?.id).toBe('chain-reaction');
    expect(v.measured.p99Ms).toBe(3000);
  });

  it('fails with cascading failure when only its error rate rises', () => {
    const b = base().responses('health', { from: 5000, to: 10000, every: 50, latency: 4, outcome: (_t, i) => (i % 4 ? 200 : 503) });
    const v = bulkhead.run(b.context(), bulkhead.expectation.parse({ load: 'health', during: 'inventory hangs' }), 'bulkhead');
    expect(v.ok).toBe(false);
    expect(v.failureMode?.id).toBe('cascading-failure');
    expect(v.measured.errorRate).toBe(0.25);
  });
});
