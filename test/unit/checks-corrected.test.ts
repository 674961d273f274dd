import { describe, expect, it } from 'vitest';
import latency from '../../src/checks/latency.js';
import steadyState from '../../src/checks/steady-state.js';
import { timeline } from '../helpers/timeline.js';

/**
 * A fixed-rate load whose sender stalled: every 10th request was sent 400 ms after its slot, so its
 * service time is 5 ms but its latency from the intended send time is 405 ms.
 */
function stalled() {
  const b = timeline().phase('baseline', 0, 10_000);
  for (let t = 0, i = 0; t < 10_000; t += 10, i++) b.response('checkout', t, 5, 200, i % 10 === 0 ? 405 : 5);
  return b.context();
}

describe('p99 checks say which latency they judge', () => {
  it('by default the service time: p99 5 ms passes, and the summary says "service time"', () => {
    const v = latency.run(stalled(), latency.expectation.parse({ load: 'checkout', p99: '< 100ms' }), 'latency');
    expect(v.ok).toBe(true);
    expect(v.measured.p99Ms).toBe(5);
    expect(v.summary).toMatch(/p99 5\.00 ms \(<= 100 ms|p99 5\.00 ms \(< 100 ms/);
    expect(v.summary).toMatch(/\(service time: from the actual send\)$/);
  });

  it('latency: corrected judges the time from the intended send: p99 405 ms fails, and the summary says so', () => {
    const v = latency.run(stalled(), latency.expectation.parse({ load: 'checkout', p99: '< 100ms', latency: 'corrected' }), 'latency');
    expect(v.ok).toBe(false);
    expect(v.measured.p99Ms).toBe(405);
    expect(v.summary).toMatch(/\(corrected latency: from each request\u2019s intended send time\)$/);
  });

  it('steady-state takes the same choice; responses without a schedule (closed loop) fall back to service time, counted', () => {
    const b = timeline().phase('baseline', 0, 1000);
    for (let t = 0; t < 1000; t += 10) b.response('checkout', t, 5);
    const v = steadyState.run(b.context(), steadyState.expectation.parse({ p99: '< 100ms', latency: 'corrected' }), 'steady-state');
    expect(v.ok).toBe(true);
    expect(v.summary).toMatch(/100 of 100 requests had no schedule, their service time is used/);
    expect(() => latency.expectation.parse({ p99: '< 1s', latency: 'wall' })).toThrow();
  });
});
