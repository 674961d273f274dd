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
    expect(v.measured.firstRetryGapMs).toBe(100);
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
    expect(v.ok).toBe(false);
    expect(v.measured.amplification).toBe(1);
    expect(v.summary).toMatch(/backoff not measurable/);
  });

  it('passes on amplification alone when backoff is not asked for', () => {
    const b = base()
      .responses('checkout', { from: 5000, to: 25000, every: 10, latency: 500, outcome: 502 })
      .calls('inventory', { from: 5000, to: 25000, every: 10, answerAfter: 2, status: 500 });
    expect(check.run(b.context(), x(), 'retries').ok).toBe(true);
  });

  it('attributes calls only to a request alone in flight', () => {
    const chains = attemptChains([{ start: 0, end: 100 }, { start: 50, end: 150 }, { start: 200, end: 300 }], [10, 60, 120, 210, 250]);
    expect(chains).toEqual([[10], [120], [210, 250]]);
    expect(chainStats([[0, 100, 300], [0, 110, 330], [0, 90, 270]]).growth).toBeCloseTo(2, 5);
  });
});
