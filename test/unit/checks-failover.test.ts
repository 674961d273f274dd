import { describe, expect, it } from 'vitest';
import check from '../../src/checks/failover.js';
import { failureModeLine } from '../../src/report/failure-modes.js';
import { timeline } from '../helpers/timeline.js';

const x = (o: Record<string, unknown> = {}) => check.expectation.parse({ dependency: 'inventory', within: '1s', ...o });

/**
 * Three replicas at 10 calls/s each; replica 2 hangs 3–8 s; recovery 8–13 s. The target calls replica 2
 * until `leaveAt` (run time), probes it every 2 s after that, and sends it traffic again from `backAt`.
 */
function run(o: { leaveAt?: number; backAt?: number; failing?: (t: number) => boolean } = {}) {
  const b = timeline()
    .phase('baseline', 0, 3000)
    .phase('replica 2 hangs', 3000, 8000, [{ dependency: 'inventory', replica: 2, fault: 'hang', type: 'behaviour' }])
    .phase('recovery', 8000, 13000)
    .responses('stock', { from: 0, to: 13000, every: 33, latency: 5, outcome: (t) => (o.failing?.(t) ? 503 : 200) });
  for (const r of [1, 3]) b.calls('inventory', { from: 0, to: 13000, every: 100, answerAfter: 2, replica: r });
  const leave = o.leaveAt ?? 13000;
  b.calls('inventory', { from: 0, to: Math.min(leave, 13000), every: 100, answerAfter: 2, replica: 2 });
  for (let t = leave + 2000; t < (o.backAt ?? 13000); t += 2000) b.call('inventory', t, { closeAfter: 300, replica: 2 });
  if (o.backAt !== undefined) b.calls('inventory', { from: o.backAt, to: 13000, every: 100, answerAfter: 2, replica: 2 });
  return b.end(13000).context();
}

describe('failover check', () => {
  it('passes when the target leaves the hung replica, probes it, and sends it traffic again once it recovers', () => {
    const v = check.run(run({ leaveAt: 3300, backAt: 9000 }), x({ 'returns-within': '2s' }), 'failover');
    expect(v.status).toBe('pass');
    expect(v.measured.switchMs).toBe(200); // the last full-rate call at 3.2 s
    expect(v.measured.replicaCallsPerSecondBefore).toBe(10);
    expect(v.measured.returnedMs).toBe(1000);
    expect(v.summary).toMatch(/^left replica 2 of 'inventory' 200 ms after it started to hang \(bound 1\.00 s\); 0 of \d+ requests failed meanwhile; then errors 0% \(bound 1\.0%\); traffic back 1\.00 s after the fault cleared$/);
  });

  it('fails as no failover when the target keeps giving the hung replica its share', () => {
    const v = check.run(run({ backAt: 8000, failing: (t) => t >= 3000 && t < 8000 && Math.floor(t / 33) % 3 === 0 }), x(), 'failover');
    expect(v.status).toBe('fail');
    expect(v.measured.switchMs).toBeNull();
    expect(v.measured.replicaCallsPerSecondAtEnd).toBe(10);
    expect(v.failureMode?.id).toBe('no-failover');
    expect(failureModeLine(v)).toMatch(/^No failover: replica 2 of 'inventory' started to hang at 3\.0 s \('replica 2 hangs'\) → the target kept sending it its share: 10 calls\/s/);
    expect(failureModeLine(v)).toMatch(/apply Failover \+ Timeouts \+ Circuit Breaker: leave a bad replica within 1\.00 s/);
  });

  it('fails when it leaves too late, and when the clients keep failing after the switch', () => {
    expect(check.run(run({ leaveAt: 5000, backAt: 9000 }), x(), 'failover').failureMode?.spread).toMatch(/took 1\.90 s to leave it/);
    const v = check.run(run({ leaveAt: 3300, backAt: 9000, failing: (t) => t >= 4000 && t < 8000 && t % 10 < 2 }), x(), 'failover');
    expect(v.status).toBe('fail');
    expect(v.failureMode?.spread).toMatch(/left it after 200 ms but its answers stayed worse than the baseline/);
  });

  it('fails as no recovery when the replica never gets its traffic back', () => {
    const v = check.run(run({ leaveAt: 3300 }), x(), 'failover');
    expect(v.status).toBe('fail');
    expect(v.failureMode?.id).toBe('no-recovery');
    expect(v.summary).toMatch(/traffic never came back after the fault cleared/);
    expect(check.run(run({ leaveAt: 3300 }), x({ returns: false }), 'failover').status).toBe('pass');
  });

  it('is inconclusive without a single-replica fault, without replica calls in the baseline, or with no time after the fault', () => {
    const plain = timeline().phase('baseline', 0, 3000).phase('all hang', 3000, 6000, [['inventory', 'hang']]).calls('inventory', { from: 0, to: 6000, every: 100, answerAfter: 2 }).end(6000).context();
    expect(check.run(plain, x(), 'failover').reason).toMatch(/no phase faults a single replica of 'inventory'/);
    const ctx = run({ leaveAt: 3300, backAt: 9000 });
    const noBase = { ...ctx, timeline: { ...ctx.timeline, events: ctx.timeline.events.filter((e) => !(e.kind === 'dep-request' && e.replica === 2 && e.t < ctx.timeline.startMs + 3000)) } };
    expect(check.run(noBase, x(), 'failover').reason).toMatch(/never called replica 2 of 'inventory' in the baseline/);
    const cut = { ...ctx, phases: ctx.phases.slice(0, 2), timeline: { ...ctx.timeline, endMs: ctx.phases[1]!.endMs } };
    const v = check.run(cut, x(), 'failover');
    expect(v.status).toBe('inconclusive');
    expect(v.reason).toMatch(/whether traffic returns to replica 2 was not observable/);
  });
});
