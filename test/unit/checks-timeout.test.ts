import { describe, expect, it } from 'vitest';
import check from '../../src/checks/timeout.js';
import { timeline } from '../helpers/timeline.js';

const x = (within: number | string, extra = {}) => check.expectation.parse({ dependency: 'inventory', within, ...extra });

/** baseline 0–5 s, inventory hangs 5–15 s, recovery 15–20 s; checkout every 100 ms. */
function base() {
  return timeline()
    .phase('baseline', 0, 5000)
    .phase('inventory hangs', 5000, 15000, [['inventory', 'hang']])
    .phase('recovery', 15000, 20000)
    .responses('checkout', { from: 0, to: 5000, every: 100, latency: 6 })
    .calls('inventory', { from: 0, to: 5000, every: 100, answerAfter: 3 });
}

describe('timeout check', () => {
  it('reports the target\u2019s own timeout measured at the stand-in and passes within the bound', () => {
    const b = base();
    for (let t = 5000, i = 0; t < 15000; t += 100, i++) {
      const wait = 1000 + (i % 7); // 1000..1006 ms
      b.call('inventory', t, { closeAfter: wait });
      b.response('checkout', t, wait + 2, 504);
    }
    const v = check.run(b.context(), x('1s'), 'timeout');
    expect(v.ok).toBe(true);
    expect(v.measured.measuredTimeoutMs).toBeGreaterThanOrEqual(1000);
    expect(v.measured.measuredTimeoutMs).toBeLessThanOrEqual(1006);
    expect(v.measured.abandonedCalls).toBe(100);
    expect(v.summary).toMatch(/gave up on inventory after 1\.00 s \(p50/);
    expect(v.failureMode).toBeUndefined();
  });

  it('fails a target whose timeout is longer than the bound, with its measured timeout', () => {
    const b = base();
    for (let t = 5000; t < 15000; t += 100) b.call('inventory', t, { closeAfter: 3000 }).response('checkout', t, 3002, 504);
    const v = check.run(b.context(), x('1s'), 'timeout');
    expect(v.ok).toBe(false);
    expect(v.measured.measuredTimeoutMs).toBe(3000);
    expect(v.failureMode?.id).toBe('integration-point-without-timeout');
  });

  it('does not count closes caused by crumple\u2019s own client giving up as the target\u2019s timeout', () => {
    const b = base();
    b.clientTimeoutMs = 5000;
    // A proxy-like target without a timeout: it closes its dependency call only when its caller leaves.
    for (let t = 5000; t < 15000; t += 100) b.response('checkout', t, 5000, 'timeout').call('inventory', t + 1, { closeAfter: 4999 + 20 });
    const v = check.run(b.context(), x('1s'), 'timeout');
    expect(v.ok).toBe(false);
    expect(v.measured.measuredTimeoutMs).toBeNull();
    expect(v.measured.abandonedCalls).toBe(0);
    expect(v.measured.heldPastBound).toBe(100);
    expect(v.summary).toMatch(/never gave up on inventory/);
    expect(v.failureMode?.id).toBe('integration-point-without-timeout');
    expect(v.failureMode?.result).toMatch(/gave up after 5\.00 s/);
  });

  it('does not take the closes of a target that crashed for its timeout', () => {
    const b = base();
    // No timeout: every call hangs until the process dies at 14 s and the kernel closes its sockets.
    for (let t = 5000; t < 14000; t += 100) b.call('inventory', t, { closeAfter: 14000 - t + 5 });
    b.exit(14000, 1);
    const v = check.run(b.context(), x('1s'), 'timeout');
    expect(v.ok).toBe(false);
    expect(v.measured.abandonedCalls).toBe(0);
    expect(v.measured.heldPastBound).toBe(80); // the calls sent more than 1.1 s before the crash
    expect(v.summary).toMatch(/never gave up on inventory/);
  });

  it('counts calls still pending when the fault ended as held past the bound', () => {
    const b = base().end(20000);
    for (let t = 5000; t < 15000; t += 100) b.call('inventory', t); // never answered, never closed
    const v = check.run(b.context(), x('1s'), 'timeout');
    expect(v.ok).toBe(false);
    expect(v.measured.heldPastBound).toBe(100);
  });

  it('says it cannot judge when nothing was sent during the fault', () => {
    const b = timeline().phase('baseline', 0, 5000).phase('hang', 5000, 10000, [['inventory', 'hang']]);
    const v = check.run(b.context(), x('1s'), 'timeout');
    expect(v.ok).toBe(false);
    expect(v.summary).toMatch(/^cannot judge/);
  });

  it('marks the verdict untrustworthy when the harness lagged during the fault', () => {
    const b = base();
    for (let t = 5000; t < 15000; t += 100) b.call('inventory', t, { closeAfter: 900 });
    b.lag(8000, 120, 400);
    const v = check.run(b.context(), x('1s'), 'timeout');
    expect(v.ok).toBe(true);
    expect(v.untrustworthy).toMatch(/lagged/);
  });

  it('scopes to a named phase and fails on an unknown one', () => {
    const b = base();
    const v = check.run(b.context(), x('1s', { phase: 'nope' }), 'timeout');
    expect(v.ok).toBe(false);
    expect(v.summary).toMatch(/no phase named 'nope'/);
  });
});
