import { describe, expect, it } from 'vitest';
import check from '../../src/checks/idempotency.js';
import { failureModeLine } from '../../src/report/failure-modes.js';
import { timeline } from '../helpers/timeline.js';
import { compileIdempotency, KEY_BODY_BYTES, KEY_CHARS } from '../../harness-servers/idempotency.js';

const x = (o: Record<string, unknown> = {}) => check.expectation.parse({ dependency: 'payments', ...o });

/**
 * 20 orders, one every 100 ms from 1 s; payments faulted 1–3 s. Order i's attempts: `keys(i)` gives the
 * key of each attempt (undefined: none), so an order with two entries was retried once.
 */
function run(keys: (i: number) => (string | undefined)[], o: { requestIds?: boolean } = {}) {
  const b = timeline().phase('baseline', 0, 1000).phase('payments resets', 1000, 3000, [['payments', 'reset']]).phase('recovery', 3000, 4000);
  for (let i = 0; i < 20; i++) {
    keys(i).forEach((key, n) => b.attempt('payments', 1000 + i * 100 + n * 30, { ...(key !== undefined ? { key } : {}), ...(o.requestIds === false ? {} : { requestId: `orders-${i}` }) }));
  }
  return b.end(4000).context();
}

describe('idempotency check', () => {
  it('passes when every retry carries the key of its first attempt', () => {
    const v = check.run(run((i) => (i % 2 ? [`k${i}`, `k${i}`, `k${i}`] : [`k${i}`])), x(), 'idempotency');
    expect(v.status).toBe('pass');
    expect(v.summary).toBe('20 retried POSTs to payments: 20 carried the key of their first attempt, 0 duplicates would apply twice (bound 0)');
    expect(v.measured).toMatchObject({ retried: 20, retriedRequests: 10, sameKey: 20, duplicates: 0, sharedKeys: 0, logicalRequests: 20 });
  });

  it('fails as double apply when retries carry a fresh key or none, counting what would apply again', () => {
    const fresh = check.run(run((i) => (i < 5 ? [`a${i}`, `b${i}`, `b${i}`] : [`a${i}`])), x(), 'idempotency');
    expect(fresh.status).toBe('fail');
    // a, b, b: two distinct keys → one extra charge per order; the second b repeats the first b.
    expect(fresh.measured).toMatchObject({ retried: 10, sameKey: 0, freshKey: 10, duplicates: 5 });
    expect(failureModeLine(fresh)).toMatch(/^Double apply: payments resets from 1\.0 s made the target retry 5 of its POSTs to payments → 10 retries carried a fresh key, so the dependency cannot tell them from new requests → 5 attempts would apply twice/);
    const none = check.run(run((i) => (i < 4 ? [undefined, undefined] : [undefined])), x(), 'idempotency');
    expect(none.status).toBe('fail');
    expect(none.measured).toMatchObject({ retried: 4, noKey: 4, duplicates: 4 });
    const lenient = check.run(run((i) => (i < 4 ? [undefined, undefined] : [`k${i}`])), x({ duplicates: '<= 5' }), 'idempotency');
    expect(lenient.status).toBe('pass');
  });

  it('fails when one key serves different requests (the dependency would drop them as repeats)', () => {
    const v = check.run(run((i) => (i < 3 ? ['same', 'same'] : ['same'])), x(), 'idempotency');
    expect(v.status).toBe('fail');
    expect(v.measured).toMatchObject({ duplicates: 0, sharedKeys: 1 });
    expect(v.failureMode?.spread).toMatch(/reused by different requests/);
  });

  it('is inconclusive without retries, without request ids, or without calls; GETs are not judged', () => {
    expect(check.run(run((i) => [`k${i}`]), x(), 'idempotency').reason).toMatch(/^the target retried none of 20 logical requests/);
    expect(check.run(run((i) => [undefined, undefined]), x(), 'idempotency').status).toBe('fail');
    expect(check.run(run((i) => [`k${i}`, `x${i}`], { requestIds: false }), x(), 'idempotency').reason).toMatch(/^none of 40 POSTs to payments carried a request id/);
    expect(check.run(run((i) => [`k${i}`, `x${i}`]), x({ methods: ['PUT'] }), 'idempotency').reason).toBe('no PUT calls to payments during the run');
  });
});

describe('what a stand-in records for it', () => {
  const body = (o: unknown) => Buffer.from(JSON.stringify(o));
  it('a key from a header or a JSON body field, bounded; the request id from its header', () => {
    const byHeader = compileIdempotency({});
    expect(byHeader({ 'idempotency-key': 'k1', 'x-request-id': 'orders-7' }, undefined, 0)).toEqual({ key: 'k1', requestId: 'orders-7' });
    expect(byHeader({ 'idempotency-key': 'k'.repeat(500) }, undefined, 0).key).toHaveLength(KEY_CHARS);
    expect(byHeader({}, undefined, 0)).toEqual({});
    const byBody = compileIdempotency({ key: '$.meta.key', requestId: 'traceparent' });
    const b = body({ meta: { key: 'abc' } });
    expect(byBody({ traceparent: 't-1' }, b, b.length)).toEqual({ key: 'abc', requestId: 't-1' });
    const n = body({ meta: { key: 42 } });
    expect(byBody({}, n, n.length)).toEqual({ key: '42' });
    expect(byBody({}, body({ meta: {} }), 11)).toEqual({});
    expect(byBody({}, Buffer.from('<html>'), 6)).toEqual({ key: '!not-json' });
    expect(byBody({}, Buffer.alloc(10), KEY_BODY_BYTES + 1)).toEqual({ key: '!too-large' });
    expect(() => compileIdempotency({ key: '$.a b' })).toThrow(/^idempotency\.key: a JSON path like/);
  });
});
