import { describe, expect, it } from 'vitest';
import capacity, { capacityExpectation } from '../../src/checks/capacity.js';
import { soak } from '../helpers/soak.js';

const judge = (ctx: ReturnType<ReturnType<typeof soak>['context']>, x: unknown) => capacity.run(ctx, capacityExpectation.parse(x), 'capacity');

/** A ramp of 2 s steps from 50/s by 25/s; the target sheds whatever exceeds `limit` per second. */
function ramp(limit: number, o: { steps?: number; slowFrom?: number; crashAt?: number } = {}) {
  const b = soak().phase('ramp', 0, 2000 * (o.steps ?? 9));
  for (let i = 0; i < (o.steps ?? 9); i++) {
    const rate = 50 + 25 * i;
    const t0 = i * 2000;
    b.event({ kind: 'load-step', t: t0, load: 'checkout', step: i, rate, stepForMs: 2000, limits: { p99Ms: 500, errors: 0.05 } });
    if (o.crashAt !== undefined && rate >= o.crashAt) {
      b.event({ kind: 'target-exit', t: t0 + 100, code: 1, signal: null, expected: false });
      break;
    }
    b.responses('checkout', { from: t0, to: t0 + 2000, perSecond: rate, latency: () => (o.slowFrom !== undefined && rate >= o.slowFrom ? 900 : 10), status: (_s, k) => (k % rate >= limit ? 503 : 200) });
  }
  return b.context();
}

describe('capacity: a ramp read off the timeline, gated by a bound', () => {
  it('finds the last step within the limits and what gave way first (shedding)', () => {
    const v = judge(ramp(160), '>= 140/s');
    expect(v.ok).toBe(true);
    expect(v.measured.capacityRate).toBe(150);
    expect(v.measured.exceededRate).toBe(175);
    expect(v.measured.gaveWayFirst).toBe('shedding');
    expect(v.summary).toMatch(/^capacity 150\/s \(last step within the limits\), gave way at 175\/s; first sign: shedding at 175\/s; bound >= 140\/s/);
  });

  it('fails the gate when the capacity is below the bound', () => {
    const v = judge(ramp(160), { load: 'checkout', rate: '>= 300/s' });
    expect(v.ok).toBe(false);
    expect(v.failureMode?.id).toBe('unbalanced-capacity');
  });

  it('tells latency collapse and a crash apart from shedding', () => {
    expect(judge(ramp(1000, { slowFrom: 125 }), '>= 10/s').measured.gaveWayFirst).toBe('latency');
    const crash = judge(ramp(1000, { crashAt: 150 }), '>= 10/s');
    expect(crash.measured.gaveWayFirst).toBe('crash');
    expect(crash.measured.capacityRate).toBe(125);
  });

  it('cannot judge a ramp that never reached the bound nor broke', () => {
    const v = judge(ramp(10_000, { steps: 3 }), '>= 300/s');
    expect(v.ok).toBe(false);
    expect(v.summary).toMatch(/^cannot judge: the ramp stopped at 100\/s within its limits/);
  });

  it('cannot judge without a ramp', () => {
    expect(judge(soak().phase('p', 0, 1000).context(), '>= 1/s').summary).toMatch(/^cannot judge: no ramp steps/);
  });

  it('reads bounds like ">= 300/s", "600/m" and a plain number (at least)', () => {
    expect(capacityExpectation.parse('>= 300/s').rate).toMatchObject({ op: '>=', value: 300 });
    expect(capacityExpectation.parse('600/m').rate).toMatchObject({ op: '>=', value: 10 });
    expect(capacityExpectation.parse(25).rate).toMatchObject({ op: '>=', value: 25 });
    expect(capacityExpectation.safeParse('fast').success).toBe(false);
  });
});
