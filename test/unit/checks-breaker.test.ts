import { describe, expect, it } from 'vitest';
import check, { findOpening } from '../../src/checks/breaker.js';
import { timeline } from '../helpers/timeline.js';

const x = (o: Record<string, unknown> = {}) => check.expectation.parse({ dependency: 'inventory', 'opens-within': '2s', ...o });

/** baseline 0–5 s at 20 calls/s, inventory fails 5–15 s, recovery 15–25 s. */
function base() {
  return timeline()
    .phase('baseline', 0, 5000)
    .phase('inventory fails', 5000, 15000, [['inventory', 'error']])
    .phase('recovery', 15000, 25000)
    .calls('inventory', { from: 0, to: 5000, every: 50, answerAfter: 2 });
}

describe('breaker check', () => {
  it('measures opening delay, probe interval and closing delay of a breaker that opens', () => {
    const b = base()
      .calls('inventory', { from: 5000, to: 6000, every: 50, answerAfter: 2, status: 500 }) // 20 failures
      .calls('inventory', { from: 7000, to: 15000, every: 1000, answerAfter: 2, status: 500 }) // probes
      .calls('inventory', { from: 15500, to: 25000, every: 50, answerAfter: 2 }); // closed again
    const v = check.run(b.context(), x({ reset: '1s' }), 'breaker');
    expect(v.ok).toBe(true);
    expect(v.measured.openingDelayMs).toBe(950);
    expect(v.measured.callsBeforeOpening).toBe(20);
    expect(v.measured.probeIntervalMs).toBe(1000);
    expect(v.measured.closingDelayMs).toBe(500);
    expect(v.measured.callsPerSecondBefore).toBe(20);
    expect(v.summary).toMatch(/opened on inventory after .*probes every 1\.00 s \(8 probes\), closed 500 ms after the fault/);
  });

  it('fails with cascading failure when every request keeps hitting the failing dependency', () => {
    const b = base().calls('inventory', { from: 5000, to: 25000, every: 50, answerAfter: 2, status: 500 });
    const v = check.run(b.context(), x(), 'breaker');
    expect(v.ok).toBe(false);
    expect(v.measured.openingDelayMs).toBeNull();
    expect(v.measured.callsPerSecondWhileFailing).toBe(20);
    expect(v.failureMode?.id).toBe('cascading-failure');
    expect(v.summary).toMatch(/never opened: 20 calls\/s/);
  });

  it('fails when it opens later than the bound', () => {
    const b = base()
      .calls('inventory', { from: 5000, to: 10000, every: 50, answerAfter: 2, status: 500 })
      .calls('inventory', { from: 15000, to: 25000, every: 50, answerAfter: 2 });
    const v = check.run(b.context(), x(), 'breaker');
    expect(v.ok).toBe(false);
    expect(v.measured.openingDelayMs).toBeGreaterThan(4000);
    expect(v.failureMode?.id).toBe('cascading-failure');
  });

  it('fails when probes are far from the configured reset interval', () => {
    const b = base()
      .calls('inventory', { from: 5000, to: 5500, every: 50, answerAfter: 2, status: 500 })
      .calls('inventory', { from: 6000, to: 15000, every: 3000, answerAfter: 2, status: 500 })
      .calls('inventory', { from: 15000, to: 25000, every: 50, answerAfter: 2 });
    const v = check.run(b.context(), x({ reset: '1s' }), 'breaker');
    expect(v.ok).toBe(false);
    expect(v.measured.probeIntervalMs).toBe(3000);
    expect(v.summary).toMatch(/expected about 1\.00 s/);
  });

  it('fails with no recovery when traffic never returns after the fault', () => {
    const b = base().calls('inventory', { from: 5000, to: 5500, every: 50, answerAfter: 2, status: 500 });
    const v = check.run(b.context().timeline.endMs ? b.end(25000).context() : b.context(), x(), 'breaker');
    expect(v.ok).toBe(false);
    expect(v.measured.closingDelayMs).toBeNull();
    expect(v.failureMode?.id).toBe('no-recovery');
  });

  it('refuses to judge when too few calls reached the dependency before the fault', () => {
    const b = timeline()
      .phase('baseline', 0, 5000)
      .phase('fails', 5000, 10000, [['inventory', 'error']])
      .calls('inventory', { from: 0, to: 10000, every: 1000, answerAfter: 2 });
    const v = check.run(b.context(), x(), 'breaker');
    expect(v.ok).toBe(false);
    expect(v.summary).toMatch(/^cannot judge: only 1 calls\/s/);
  });

  it('findOpening: open at the last call of the full-rate stretch, undefined when never quiet', () => {
    const full = Array.from({ length: 20 }, (_, i) => i * 50);
    expect(findOpening([...full, 3000, 4000], 0, 6000, 2, 50)?.openAt).toBe(950);
    expect(findOpening([...full, 3000, 4000], 0, 6000, 2)?.openAt).toBe(850);
    expect(findOpening([], 0, 6000, 2)).toEqual({ lastFullIndex: -1, openAt: 0 });
    expect(findOpening(Array.from({ length: 120 }, (_, i) => i * 50), 0, 6000, 2)).toBeUndefined();
  });

  it('counts a single probe as one probe, and calls the reset interval unmeasurable (inconclusive), not "no probes"', () => {
    const b = base()
      .calls('inventory', { from: 5000, to: 6000, every: 50, answerAfter: 2, status: 500 })
      .call('inventory', 10_000, { answerAfter: 2, status: 500 }) // the one probe
      .calls('inventory', { from: 15500, to: 25000, every: 50, answerAfter: 2 });
    const v = check.run(b.context(), x({ reset: '5s' }), 'breaker');
    expect(v.measured.probes).toBe(1);
    expect(v.summary).toMatch(/1 probe while open \(an interval needs two\)/);
    expect(v.summary).not.toMatch(/no probes/);
    expect(v.status).toBe('inconclusive');
    expect(v.reason).toMatch(/reset interval .* not measurable: 1 probe/);
  });

  it('scoped to a fault phase followed by another fault on the dependency, says closing is not observable there (not "too little time")', () => {
    const b = timeline()
      .phase('baseline', 0, 5000)
      .phase('inventory fails', 5000, 15000, [['inventory', 'error']])
      .phase('inventory slow', 15000, 25000, [['inventory', 'slow']])
      .phase('recovery', 25000, 35000)
      .calls('inventory', { from: 0, to: 5000, every: 50, answerAfter: 2 })
      .calls('inventory', { from: 5000, to: 6000, every: 50, answerAfter: 2, status: 500 })
      .calls('inventory', { from: 7000, to: 25000, every: 1000, answerAfter: 2, status: 500 })
      .calls('inventory', { from: 25500, to: 35000, every: 50, answerAfter: 2 });
    const v = check.run(b.context(), x({ phase: 'inventory fails' }), 'breaker');
    expect(v.status, v.summary).toBe('pass');
    expect(v.summary).toMatch(/closing not observable: the next phase 'inventory slow' faults inventory again from 15\.0 s/);
    expect(v.summary).not.toMatch(/too little time/);
  });
});

