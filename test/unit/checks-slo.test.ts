import { describe, expect, it } from 'vitest';
import latency from '../../src/checks/latency.js';
import errors from '../../src/checks/errors.js';
import steadyState from '../../src/checks/steady-state.js';
import { parseBound, meets } from '../../src/checks/bounds.js';
import { checkNameOf, runChecks, runSteadyState } from '../../src/checks/index.js';
import { timeline } from '../helpers/timeline.js';

describe('bounds parser', () => {
  it.each([
    ['< 100ms', 'duration', { op: '<', value: 100, unit: 'ms' }],
    ['<= 2s', 'duration', { op: '<=', value: 2000, unit: 'ms' }],
    [250, 'duration', { op: '<=', value: 250, unit: 'ms' }],
    ['<= 1%', 'ratio', { op: '<=', value: 0.01, unit: 'ratio' }],
    ['0.05', 'ratio', { op: '<=', value: 0.05, unit: 'ratio' }],
    ['< 50MB', 'size', { op: '<', value: 50e6, unit: 'bytes' }],
    ['< 64MiB', 'size', { op: '<', value: 64 * 2 ** 20, unit: 'bytes' }],
    ['< 20%', 'size', { op: '<', value: 0.2, unit: 'ratio' }],
    ['>= 1.5', 'number', { op: '>=', value: 1.5, unit: 'number' }],
  ] as const)('%s as %s', (input, kind, want) => {
    expect(parseBound(input, kind)).toMatchObject(want);
  });

  it.each([
    ['< fast', 'duration'],
    ['< 150%', 'ratio'],
    ['< 50 apples', 'size'],
    [null, 'number'],
  ] as const)('rejects %s as %s with a message', (input, kind) => {
    expect(typeof parseBound(input, kind)).toBe('string');
  });

  it('compares with the operator and slack', () => {
    const b = parseBound('< 100ms', 'duration');
    if (typeof b === 'string') throw new Error(b);
    expect(meets(b, 99)).toBe(true);
    expect(meets(b, 100)).toBe(false);
    expect(meets(b, 105, 10)).toBe(true);
  });
});

const base = () =>
  timeline()
    .phase('baseline', 0, 5000)
    .phase('fault', 5000, 10000, [['inventory', 'hang']])
    .responses('checkout', { from: 0, to: 5000, every: 10, latency: (_t, i) => (i % 100 === 99 ? 80 : 5) })
    .responses('checkout', { from: 5000, to: 10000, every: 10, latency: 300, outcome: (_t, i) => (i % 10 ? 200 : 503) });

describe('latency, errors and steady-state checks', () => {
  it('latency passes within bounds and fails with slo-breach outside them', () => {
    const ok = latency.run(base().context(), latency.expectation.parse({ phase: 'baseline', p50: '< 10ms', p99: '< 100ms' }), 'latency');
    expect(ok.ok).toBe(true);
    expect(ok.measured.p50Ms).toBe(5);
    const bad = latency.run(base().context(), latency.expectation.parse({ phase: 'fault', p99: '< 100ms' }), 'latency.fault');
    expect(bad.ok).toBe(false);
    expect(bad.key).toBe('latency.fault');
    expect(bad.failureMode?.id).toBe('slo-breach');
    expect(bad.failureMode?.result).toMatch(/p99 300 ms breaks < 100 ms/);
  });

  it('latency needs at least one bound', () => {
    expect(latency.expectation.safeParse({ load: 'x' }).success).toBe(false);
  });

  it('errors measures the rate of 5xx/429/no answer', () => {
    const v = errors.run(base().context(), errors.expectation.parse({ phase: 'fault', rate: '< 5%' }), 'errors');
    expect(v.ok).toBe(false);
    expect(v.measured.errorRate).toBeCloseTo(0.1, 1); // the last 300 ms of requests straddle the phase end
    expect(errors.run(base().context(), errors.expectation.parse({ phase: 'baseline', rate: '< 1%' }), 'errors').ok).toBe(true);
  });

  it('requests sent in the last moment of the baseline and answered under the next fault count for neither phase', () => {
    const t = timeline()
      .phase('baseline', 0, 5000)
      .phase('fault', 5000, 10000, [['inventory', 'status']])
      .responses('checkout', { from: 0, to: 4990, every: 10, latency: 5 })
      // Sent at 4995 ms, answered 503 after the fault began: in flight across the change.
      .responses('checkout', { from: 4995, to: 5000, every: 10, latency: 20, outcome: () => 503 })
      // Sent at 3000 ms and still unanswered at the end of the baseline: that is baseline slowness.
      .responses('checkout', { from: 3000, to: 3001, every: 10, latency: 2500 });
    const v = steadyState.run(t.context(), steadyState.expectation.parse({ errors: '< 0.1%', p99: '< 3s' }), 'steady-state');
    expect(v.ok, v.summary).toBe(true);
    expect(v.measured.requests).toBe(500);
    expect(v.measured.maxMs).toBe(2500);
    const fault = errors.run(t.context(), errors.expectation.parse({ phase: 'fault', rate: '< 1%' }), 'errors');
    expect(fault.status).toBe('inconclusive'); // the straddlers are all it had
  });

  it('steady-state judges the baseline phase by default', () => {
    const v = steadyState.run(base().context(), steadyState.expectation.parse({ errors: '< 1%', p99: '< 100ms' }), 'steady-state');
    expect(v.ok).toBe(true);
    expect(v.summary).toMatch(/in baseline/);
    const sick = timeline().phase('baseline', 0, 5000).phase('f', 5000, 6000, [['a', 'hang']]).responses('checkout', { from: 0, to: 5000, every: 10, latency: 5, outcome: 500 });
    expect(steadyState.run(sick.context(), steadyState.expectation.parse({ errors: '< 1%' }), 'steady-state').ok).toBe(false);
  });
});

describe('check table', () => {
  it('dispatches on the key before the dot and keeps the key on the verdict', () => {
    expect(checkNameOf('latency.checkout')).toBe('latency');
    const expect_ = {
      'steady-state': steadyState.expectation.parse({ errors: '< 1%' }),
      'latency.baseline': latency.expectation.parse({ phase: 'baseline', p99: '< 100ms' }),
      'errors.fault': errors.expectation.parse({ phase: 'fault', rate: '< 5%' }),
    };
    const vs = runChecks(base().context(), expect_);
    expect(vs.map((v) => [v.key, v.check, v.ok])).toEqual([
      ['steady-state', 'steady-state', true],
      ['latency.baseline', 'latency', true],
      ['errors.fault', 'errors', false],
    ]);
    expect(runChecks(base().context(), expect_, { skip: ['steady-state'] })).toHaveLength(2);
    expect(runSteadyState(base().context(), expect_).map((v) => v.key)).toEqual(['steady-state']);
  });

  it('turns a check that throws into a failed verdict naming the bug', () => {
    const [v] = runChecks(base().context(), { latency: null });
    expect(v?.ok).toBe(false);
    expect(v?.summary).toMatch(/check failed to run/);
  });

  it('errors filtered by class: "every request answered" counts only client timeouts, not 5xx', () => {
    const t = timeline()
      .phase('fault', 0, 20_000, [['inventory', 'hang']])
      .responses('checkout', { from: 0, to: 5000, every: 10, latency: 5, outcome: (_t, i) => (i % 10 === 0 ? 503 : 200) }) // 10 % 503
      .responses('checkout', { from: 5000, to: 5100, every: 10, latency: 10_000, outcome: 'timeout' }) // 10 never answered
      .responses('checkout', { from: 5100, to: 5200, every: 10, latency: 2, outcome: 'ECONNRESET' });
    const ctx = t.context();
    const unanswered = errors.run(ctx, errors.expectation.parse({ class: 'timeout', rate: '0%' }), 'errors.unanswered');
    expect(unanswered.status).toBe('fail');
    expect(unanswered.measured.timeoutErrors).toBe(10);
    expect(unanswered.measured.errorRate).toBeCloseTo(10 / 520, 4);
    expect(unanswered.summary).toMatch(/errors \(timeout\) 1\.9%/);
    const status = errors.run(ctx, errors.expectation.parse({ class: ['status'], rate: '< 11%' }), 'errors.status');
    expect(status.status).toBe('pass');
    expect(status.measured.errorRate).toBeCloseTo(50 / 520, 4);
    const all = errors.run(ctx, errors.expectation.parse({ rate: '< 11%' }), 'errors');
    expect(all.status).toBe('fail'); // 50 + 10 + 10 of 520
    expect(all.measured).toMatchObject({ statusErrors: 50, timeoutErrors: 10, resetErrors: 10 });
    expect(errors.expectation.safeParse({ class: 'bogus', rate: '1%' }).success).toBe(false);
  });

  it('is inconclusive, not a pass, when no request fell inside the window', () => {
    const v = latency.run(timeline().phase('a', 0, 1000).context(), latency.expectation.parse({ p99: '< 1s' }), 'latency');
    expect(v.status).toBe('inconclusive');
    expect(v.ok).toBe(false);
    expect(v.reason).toMatch(/no request of all loads in a /);
  });
});

