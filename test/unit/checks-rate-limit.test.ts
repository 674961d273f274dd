import { describe, expect, it } from 'vitest';
import check, { clientRates } from '../../src/checks/rate-limit.js';
import { failureModeLine } from '../../src/report/failure-modes.js';
import { timeline } from '../helpers/timeline.js';
import type { ResponseEvent } from '../../src/timeline/events.js';

const x = (o: Record<string, unknown> = {}) => check.expectation.parse({ load: 'tenants', ...o });

interface Heavy {
  /** What the heavy client's i-th request got: [status, latency, retryAfter]. */
  answer(i: number): [number, number, boolean?];
  from?: number;
  to?: number;
}

/**
 * Ten clients: 2..10 send every 100 ms for 11 s (latency `light(t)`); client 1 every 10 ms (10×) from
 * 3 s to 9 s. Phases baseline 0–3 s, noisy 3–9 s, quiet 9–11 s.
 */
function run(heavy: Heavy | undefined, light: (t: number) => [number, number] = () => [200, 20]) {
  const b = timeline().phase('baseline', 0, 3000).phase('noisy', 3000, 9000).phase('quiet', 9000, 11000);
  const add = (t: number, client: number, status: number, latencyMs: number, retryAfter?: boolean) => {
    const e: ResponseEvent = { kind: 'response', t, load: 'tenants', latencyMs, status, bytes: 10, client, ...(retryAfter ? { retryAfter: true as const } : {}) };
    b.raw(e, t + latencyMs);
  };
  for (let c = 2; c <= 10; c++) for (let t = c * 7; t < 11000; t += 100) add(t, c, ...light(t));
  if (heavy) {
    let i = 0;
    for (let t = heavy.from ?? 3000; t < (heavy.to ?? 9000); t += 10, i++) add(t, 1, ...heavy.answer(i));
  }
  return b.end(11000).context();
}

const limited: Heavy = { answer: (i) => (i % 5 === 0 ? [200, 20] : [429, 2, true]) };

describe('rate-limit check', () => {
  it('passes when the heavy client is refused with 429 + Retry-After, cheaply, and the others keep their baseline', () => {
    const v = check.run(run(limited), x({ 'retry-after': true }), 'rate-limit');
    expect({ status: v.status, summary: v.summary }).toMatchObject({ status: 'pass' });
    expect(v.measured).toMatchObject({ heavyClients: 1, otherClients: 9, heavyRateRatio: 10, retryAfterShare: 1, rejectionP99Ms: 2, othersP99Ms: 20, othersBaselineP99Ms: 20, p99BoundMs: 90, othersErrorRate: 0 });
    expect(v.measured.rejectedShare as number).toBeCloseTo(0.8, 2);
    expect(v.summary).toMatch(/^heavy client 1 \(10× the others' rate\): 80% of \d+ refused with 429, Retry-After on 100% \(required\); 429 p99 2\.00 ms \(bound 90 ms\); the other 9: p99 20 ms \(baseline 20 ms, bound 90 ms\), errors 0% \(bound 1\.0%\)$/);
  });

  it('fails as a noisy neighbour when nothing limits the heavy client and the others wait behind it', () => {
    const v = check.run(run({ answer: () => [200, 20] }, (t) => [200, t >= 3000 && t < 9000 ? 1500 : 20]), x(), 'rate-limit');
    expect(v.status).toBe('fail');
    expect(v.failureMode?.id).toBe('noisy-neighbour');
    expect(v.measured).toMatchObject({ rejectedShare: 0, othersP99Ms: 1500, othersBaselineP99Ms: 20 });
    expect(failureModeLine(v)).toMatch(/^Noisy neighbour: heavy client 1 \(10× the others' rate\) from 3\.0 s → nothing limited it: the target served all of it from the capacity every client shares → the other 9 clients: p99 1\.50 s \(baseline 20 ms\), errors 0% \(baseline 0%\); apply Per-client Rate Limits \+ Shed Load \+ Bulkheads: .* the other clients keep p99 ≤ 90 ms \(this run: 1\.50 s\)$/);
  });

  it('fails when the heavy client is never refused, even with the others unharmed: nothing bounds its share', () => {
    const v = check.run(run({ answer: () => [200, 20] }), x(), 'rate-limit');
    expect(v.status).toBe('fail');
    expect(v.failureMode?.result).toMatch(/were spared this time/);
  });

  it('fails when one limit is shared by everyone: the heavy client is refused, and so are the others', () => {
    const v = check.run(run(limited, (t) => (t >= 3000 && t < 9000 && t % 300 < 100 ? [429, 2] : [200, 20])), x(), 'rate-limit');
    expect(v.status).toBe('fail');
    expect(v.failureMode).toMatchObject({ id: 'noisy-neighbour', spread: 'the target refused it, and still the others suffered' });
    expect(v.measured.othersRefused as number).toBeGreaterThan(100);
  });

  it('fails when Retry-After is required and missing, and reports it when not required', () => {
    const bare: Heavy = { answer: (i) => (i % 5 === 0 ? [200, 20] : [429, 2]) };
    const required = check.run(run(bare), x({ 'retry-after': true }), 'rate-limit');
    expect(required.status).toBe('fail');
    expect(required.failureMode?.spread).toMatch(/without Retry-After/);
    const reported = check.run(run(bare), x(), 'rate-limit');
    expect(reported.status).toBe('pass');
    expect(reported.measured.retryAfterShare).toBe(0);
    expect(reported.summary).toContain('Retry-After on 0%');
  });

  it('fails as a slow failure when the 429s cost as much as answers, and honours a rejected-share bound', () => {
    const slow = check.run(run({ answer: (i) => (i % 5 === 0 ? [200, 20] : [429, 300, true]) }), x(), 'rate-limit');
    expect(slow.status).toBe('fail');
    expect(slow.failureMode?.id).toBe('slow-failure');
    const few = check.run(run({ answer: (i) => (i % 10 === 0 ? [429, 2, true] : [200, 20]) }), x({ rejected: '>= 50%' }), 'rate-limit');
    expect(few.status).toBe('fail');
    expect(few.failureMode?.spread).toBe('the target refused only 10% of it');
  });

  it('is inconclusive without heavy traffic, without client identities, with too few requests or no baseline', () => {
    expect(check.run(run(undefined), x(), 'rate-limit').reason).toMatch(/^no heavy client traffic: none of the 9 clients of 'tenants' sent 2× the lightest one's rate/);
    const anonymous = timeline().phase('baseline', 0, 1000).responses('tenants', { from: 0, to: 1000, every: 10, latency: 5 }).end(1000).context();
    expect(check.run(anonymous, x(), 'rate-limit').reason).toMatch(/^load 'tenants' sends no client identities/);
    const brief = check.run(run({ ...limited, from: 3000, to: 3150 }), x(), 'rate-limit');
    expect(brief.status).toBe('inconclusive');
    expect(brief.reason).toMatch(/^too few requests while the heavy clients sent to judge: \d+ from the heavy clients/);
    const always = check.run(run({ ...limited, from: 0, to: 11000 }), x(), 'rate-limit');
    expect(always.reason).toMatch(/^no baseline of the other clients before the heavy ones began/);
    expect(check.run(run({ ...limited, from: 0, to: 11000 }), x({ p99: '< 100ms', errors: '< 1%' }), 'rate-limit').status).toBe('pass');
  });

  it('tells heavy clients by the rate each sent over its own span', () => {
    const r = (t: number, client: number): ResponseEvent => ({ kind: 'response', t, load: 'l', latencyMs: 1, status: 200, bytes: 0, client });
    const rates = clientRates([r(0, 1), r(1000, 1), r(2000, 1), r(5000, 2), r(5100, 2), r(5200, 2)]);
    expect(rates.map((c) => [c.client, c.n, c.perSecond])).toEqual([
      [1, 3, 1],
      [2, 3, 10],
    ]);
  });
});
