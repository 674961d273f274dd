import { describe, expect, it } from 'vitest';
import check, { attemptChains, chainStats } from '../../src/checks/retries.js';
import { timeline } from '../helpers/timeline.js';

const x = (o: Record<string, unknown> = {}) => check.expectation.parse({ dependency: 'inventory', amplification: '< 5', ...o });

function base() {
  return timeline().phase('baseline', 0, 5000).phase('inventory fails', 5000, 25000, [['inventory', 'error']]);
}

describe('retries check', () => {
  it('measures amplification, backoff growth and jitter for attempts spaced 100 → 200 → 400 ms with jitter', () => {
    const b = base();
    for (let t = 5000, i = 0; t < 25000; t += 1000, i++) {
      const j = 1 + ((i % 5) - 2) * 0.05; // ±10 % jitter, deterministic
      const attempts = [0, 100 * j, 300 * j, 700 * j];
      for (const a of attempts) b.call('inventory', t + a, { answerAfter: 2, status: 500 });
      b.response('checkout', t, 700 * j + 5, 502);
    }
    const v = check.run(b.context(), x({ backoff: true }), 'retries');
    expect(v.ok).toBe(true);
    expect(v.measured.amplification).toBe(4);
    expect(v.measured.chains).toBe(20);
    expect(v.measured.backoffGrowth).toBeCloseTo(2, 1);
    expect(v.measured.jitterSpread as number).toBeGreaterThan(0.05);
    expect(v.measured.firstRetryGapMs).toBe(98); // from the end of attempt 1 (answered after 2 ms) to attempt 2
  });

  it('says jitter is not measurable from a single retry chain instead of printing a number', () => {
    const b = base();
    for (const a of [0, 100, 300]) b.call('inventory', 5000 + a, { answerAfter: 2, status: 500 });
    b.response('checkout', 5000, 310, 502);
    const v = check.run(b.context(), x(), 'retries');
    expect(v.measured.chains).toBe(1);
    expect(v.measured.jitterSpread).toBeNull();
    expect(v.summary).toMatch(/jitter not measurable from one chain/);
    expect(v.summary).not.toMatch(/null|NaN/);
  });

  it('fails with retry storm when constant-pace retries multiply calls past the bound', () => {
    const b = base();
    for (let t = 5000; t < 25000; t += 1000) {
      for (let a = 0; a < 6; a++) b.call('inventory', t + a * 50, { answerAfter: 2, status: 500 });
      b.response('checkout', t, 260, 502);
    }
    const v = check.run(b.context(), x({ amplification: 3, backoff: true }), 'retries');
    expect(v.ok).toBe(false);
    expect(v.measured.amplification).toBe(6);
    expect(v.measured.backoffGrowth).toBe(1);
    expect(v.failureMode?.id).toBe('retry-storm');
    expect(v.summary).toMatch(/amplification 6× exceeds <= 3.*no backoff.*no jitter/);
  });

  it('says backoff is not measurable when every request overlaps another', () => {
    const b = base()
      .responses('checkout', { from: 5000, to: 25000, every: 10, latency: 500, outcome: 502 })
      .calls('inventory', { from: 5000, to: 25000, every: 10, answerAfter: 2, status: 500 });
    const v = check.run(b.context(), x({ backoff: true }), 'retries');
    expect(v.status).toBe('inconclusive');
    expect(v.ok).toBe(false);
    expect(v.measured.amplification).toBeCloseTo(1, 1);
    expect(v.reason).toMatch(/backoff not measurable/);
  });

  it('passes on amplification alone when backoff is not asked for', () => {
    const b = base()
      .responses('checkout', { from: 5000, to: 25000, every: 10, latency: 500, outcome: 502 })
      .calls('inventory', { from: 5000, to: 25000, every: 10, answerAfter: 2, status: 500 });
    expect(check.run(b.context(), x(), 'retries').ok).toBe(true);
  });

  it('attributes calls only to a request alone in flight', () => {
    const at = (...ts: number[]) => ts.map((start) => ({ start }));
    const chains = attemptChains([{ start: 0, end: 100 }, { start: 50, end: 150 }, { start: 200, end: 300 }], at(10, 60, 120, 210, 250));
    expect(chains.map((c) => c.map((a) => a.start))).toEqual([[10], [120], [210, 250]]);
    expect(chainStats([at(0, 100, 300), at(0, 110, 330), at(0, 90, 270)]).growth).toBeCloseTo(2, 5);
  });

  it('measures backoff from the end of one attempt to the start of the next: attempts that time out after 300 ms, backoff 100 → 200 ms, is ×2', () => {
    const b = base();
    for (let t = 5000, i = 0; t < 25000; t += 2000, i++) {
      const j = 1 + ((i % 5) - 2) * 0.05;
      const a2 = 300 + 100 * j;
      const a3 = a2 + 300 + 200 * j;
      for (const a of [0, a2, a3]) b.call('inventory', t + a, { closeAfter: 300 }); // the target gave up after 300 ms
      b.response('checkout', t, a3 + 305, 504);
    }
    const v = check.run(b.context(), x({ backoff: true }), 'retries');
    expect(v.status, v.summary).toBe('pass');
    expect(v.measured.backoffGrowth).toBeCloseTo(2, 1);
    expect(v.measured.firstRetryGapMs).toBe(100);
    expect(v.measured.secondRetryGapMs).toBe(200);
    expect(v.summary).toMatch(/backoff 100 ms → 200 ms \(×2/);
  });

  it('counts calls and requests one way at phase edges: exactly 3 attempts per request measure 3 (calls by time ÷ requests by start: 3.06)', () => {
    // Healthy: 1 call per request; failing: 3 calls, 10 ms apart, the first 10 ms after the request.
    // The request sent at 4990 ms makes its 3 calls in the fault: by call time they would count for it.
    const b = timeline().phase('baseline', 0, 5000).phase('inventory fails', 5000, 9975, [['inventory', 'status']]).phase('recovery', 9975, 15000);
    const faulty = (u: number) => u >= 5000 && u < 9975;
    let callsInFault = 0;
    let requestsStartedInFault = 0;
    for (let t = 90; t < 15000; t += 100) {
      let n = 0;
      for (const o of [10, 20, 30]) {
        b.call('inventory', t + o, { answerAfter: 5, status: faulty(t + o) ? 500 : 200 });
        n++;
        if (!faulty(t + o)) break;
        callsInFault++;
      }
      if (faulty(t)) requestsStartedInFault++;
      b.response('checkout', t, 15 + 10 * n, n === 1 ? 200 : 502);
    }
    expect(callsInFault / requestsStartedInFault).toBeCloseTo(3.06, 2); // the old way of counting
    const v = check.run(b.context(), x({ amplification: '<= 3' }), 'retries');
    expect(v.status, v.summary).toBe('pass');
    expect(v.measured.amplification).toBe(3);
    expect(v.measured.clientRequests).toBe(49);
  });
});

