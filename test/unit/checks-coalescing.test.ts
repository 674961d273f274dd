import { describe, expect, it } from 'vitest';
import check from '../../src/checks/coalescing.js';
import { failureModeLine } from '../../src/report/failure-modes.js';
import { timeline } from '../helpers/timeline.js';

const x = (o: Record<string, unknown> = {}) => check.expectation.parse({ dependency: 'inventory', load: 'pile', 'calls-per-burst': '<= 2', ...o });

/**
 * Three pulses of `n` requests, 2 s apart, from 1 s; pulse k's requests are answered in 300 ms and
 * `calls(k)` calls reach inventory, each for /items/<key(k)>, spread over the first 50 ms of the burst.
 */
function run(o: { n?: number; calls: (k: number) => number; key?: (k: number) => string; extra?: (b: ReturnType<typeof timeline>) => void }) {
  const n = o.n ?? 50;
  const b = timeline().phase('bursts', 0, 7000);
  let conn = 0;
  for (let k = 0; k < 3; k++) {
    const t0 = 1000 + k * 2000;
    b.raw({ kind: 'load-pulse', t: t0, load: 'pile', pulse: k, size: n });
    for (let i = 0; i < n; i++) b.response('pile', t0 + 5, 300);
    for (let c = 0; c < o.calls(k); c++) {
      const t = t0 + 6 + c;
      b.raw({ kind: 'dep-request', t, dependency: 'inventory', conn: ++conn, method: 'GET', path: `/items/${o.key ? o.key(k) : k + 1}`, behaviour: 'slow', bytes: 0 });
    }
  }
  o.extra?.(b);
  return b.end(7000).context();
}

describe('coalescing check', () => {
  it('passes when each burst costs the dependency one call per key', () => {
    const v = check.run(run({ calls: () => 1 }), x(), 'coalescing');
    expect({ status: v.status, summary: v.summary }).toEqual({ status: 'pass', summary: "1 call to 'inventory' for one key in the worst burst (GET /items/1 in burst 1, 50 requests), median 1 over 3 bursts; bound <= 2" });
    expect(v.measured).toMatchObject({ callsPerBurst: 1, callsPerBurstBound: 2, bursts: 3, requestsPerBurst: 50, dependencyCalls: 3, keys: 3 });
  });

  it('fails as a dogpile when every request of a burst reaches the dependency, judged on the worst burst', () => {
    const v = check.run(run({ calls: (k) => (k === 1 ? 50 : 1) }), x(), 'coalescing');
    expect(v.status).toBe('fail');
    expect(v.measured).toMatchObject({ callsPerBurst: 50, medianCallsPerBurst: 1, dependencyCalls: 52 });
    expect(failureModeLine(v)).toMatch(/^Dogpile: burst 2 of 'pile': 50 identical requests at 3\.0 s → the target passed each to 'inventory' instead of sharing one call: 50 calls for GET \/items\/2 → 'inventory' got 52 calls for 150 requests over 3 bursts .*; apply Request Coalescing \+ Shed Load \+ Back Pressure: .* ≤ 2 calls per burst and key \(this run: 50\)$/);
  });

  it('counts per key: a burst spread over two keys may make one call for each', () => {
    const twoKeys = run({ calls: () => 2, key: () => 'x' });
    expect(check.run(twoKeys, x({ 'calls-per-burst': '<= 1' }), 'coalescing').status).toBe('fail');
    const b = timeline().phase('bursts', 0, 3000);
    b.raw({ kind: 'load-pulse', t: 1000, load: 'pile', pulse: 0, size: 10 });
    for (let i = 0; i < 10; i++) b.response('pile', 1005, 300);
    for (const [i, path] of ['/items/a', '/items/b'].entries()) b.raw({ kind: 'dep-request', t: 1010 + i, dependency: 'inventory', conn: i + 1, method: 'GET', path, behaviour: 'ok', bytes: 0 });
    const v = check.run(b.end(3000).context(), x({ 'calls-per-burst': '<= 1' }), 'coalescing');
    expect(v.status).toBe('pass');
    expect(v.measured).toMatchObject({ callsPerBurst: 1, keys: 2, dependencyCalls: 2 });
  });

  it('is inconclusive when no burst reached the target, the dependency saw no call, or the bursts are too small', () => {
    expect(check.run(timeline().phase('bursts', 0, 3000).end(3000).context(), x(), 'coalescing').reason).toMatch(/^load 'pile' released no burst/);
    const unanswered = timeline().phase('bursts', 0, 3000).raw({ kind: 'load-pulse', t: 1000, load: 'pile', pulse: 0, size: 5 }).response('pile', 1000, 5000, 'ECONNREFUSED').end(3000).context();
    expect(check.run(unanswered, x(), 'coalescing').reason).toBe("no burst of 'pile' reached the target (1 released, none answered)");
    expect(check.run(run({ calls: () => 0 }), x(), 'coalescing').reason).toMatch(/^'inventory' saw no calls during any of the 3 bursts/);
    const small = check.run(run({ n: 2, calls: () => 2 }), x(), 'coalescing');
    expect(small.status).toBe('inconclusive');
    expect(small.reason).toMatch(/^the bursts are too small to tell: 2 requests at most, bound <= 2 calls/);
  });

  it('leaves out bursts served without a call (from a cache) and judges the rest; a phase narrows the bursts', () => {
    const v = check.run(run({ calls: (k) => (k === 0 ? 1 : 0) }), x(), 'coalescing');
    expect(v.status).toBe('pass');
    expect(v.measured.bursts).toBe(1);
    expect(v.evidence.find((e) => e.label === 'bursts served without calling the dependency')?.value).toBe(2);
    expect(check.run(run({ calls: () => 1 }), x({ phase: 'nope' }), 'coalescing').reason).toBe("no phase named 'nope' in this run");
  });
});
