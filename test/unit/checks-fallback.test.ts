import { describe, expect, it } from 'vitest';
import check from '../../src/checks/fallback.js';
import { failureModeLine } from '../../src/report/failure-modes.js';
import { timeline } from '../helpers/timeline.js';
import { digestOf, parseMatch, parsePath } from '../../src/timeline/digest.js';
import { ResponseParser } from '../../src/load/http-parse.js';

const x = (o: Record<string, unknown> = {}) => check.expectation.parse({ load: 'prices', degraded: '$.source == "cache"', ...o });

/** baseline 0–3 s live answers; pricing hangs 3–7 s: `during` decides each answer; recovery 7–10 s. */
function run(during: (t: number) => [number, string?]) {
  const b = timeline()
    .phase('baseline', 0, 3000)
    .phase('pricing hangs', 3000, 7000, [['pricing', 'hang']])
    .phase('recovery', 7000, 10000)
    .responses('prices', { from: 0, to: 3000, every: 50, latency: 5, digest: '"live"' })
    .responses('prices', { from: 7000, to: 10000, every: 50, latency: 5, digest: '"live"' });
  for (let t = 3000; t < 7000; t += 50) {
    const [status, digest] = during(t);
    b.response('prices', t, 300, status, undefined, digest);
  }
  return b.end(10000).context();
}

describe('fallback check', () => {
  it('passes when the target answers degraded instead of failing, with the shares of each', () => {
    const v = check.run(run((t) => (t < 3300 ? [200, '"live"'] : [200, '"cache"'])), x({ 'degraded-share': '>= 90%' }), 'fallback');
    expect(v.status).toBe('pass');
    expect(v.measured).toMatchObject({ degradedShare: 0.92, failedShare: 0, normalShare: 0.08, answers: 75, baselineDegradedShare: 0 }); // the last second's straddlers count for neither phase
    expect(v.summary).toBe("'prices' during pricing hangs: 92% degraded ($.source == \"cache\"), 0% failed (bound 1.0%), 8.0% normal, of 75 answers");
  });

  it('fails as no fallback when the target fails with its dependency', () => {
    const v = check.run(run(() => [503]), x(), 'fallback');
    expect(v.status).toBe('fail');
    expect(v.measured.failedShare).toBe(1);
    expect(failureModeLine(v)).toMatch(/^No fallback: pricing hangs from 3\.0 s → the target had no degraded answer \(\$\.source == "cache"\) to give: it failed with its dependency → 100% of 75 answers of 'prices' failed/);
  });

  it('fails when too few answers are degraded, and counts a degraded answer only with the expected status', () => {
    const half = check.run(run((t) => (t % 100 === 0 ? [200, '"cache"'] : [200, '"live"'])), x({ 'degraded-share': '>= 90%' }), 'fallback');
    expect(half.status).toBe('fail');
    expect(half.failureMode?.spread).toMatch(/fell back for only 51%/);
    const wrongStatus = check.run(run(() => [203, '"cache"']), x({ status: 200 }), 'fallback');
    expect(wrongStatus.status).toBe('inconclusive'); // every answer "normal": a 203 is not the degraded answer asked for
  });

  it('is inconclusive when the fault never reached the answers, or the load records no digest', () => {
    const normal = check.run(run(() => [200, '"live"']), x(), 'fallback');
    expect(normal.status).toBe('inconclusive');
    expect(normal.reason).toMatch(/answered normally all through pricing hangs \(75 of 75\)/);
    const none = check.run(run(() => [200]), x(), 'fallback');
    expect(none.status).toBe('inconclusive'); // good answers without the degraded digest are normal ones
    const bare = timeline().phase('baseline', 0, 1000).phase('f', 1000, 3000, [['pricing', 'hang']]).responses('prices', { from: 0, to: 3000, every: 50, latency: 5 }).end(3000).context();
    expect(check.run(bare, x(), 'fallback').reason).toBe("load 'prices' records no body digest: give it digest: $.source");
  });
});

describe('body digests', () => {
  it('the value at a JSON path as short JSON text, or a word saying why not', () => {
    const body = (s: string, cut = false) => ({ bytes: Buffer.from(s), cut });
    expect(digestOf(parsePath('$.source')!, body('{"price":1,"source":"cache"}'))).toBe('"cache"');
    expect(digestOf(parsePath('$.items[1].id')!, body('{"items":[{"id":1},{"id":2}]}'))).toBe('2');
    expect(digestOf(parsePath('$.nope')!, body('{"a":1}'))).toBe('!missing');
    expect(digestOf(parsePath('$.a')!, body('<html>'))).toBe('!not-json');
    expect(digestOf(parsePath('$.a')!, body('{"a":1', true))).toBe('!too-large');
    expect(digestOf(parsePath('$')!, body(JSON.stringify({ long: 'x'.repeat(200) })))).toHaveLength(64);
    expect(parsePath('source')).toBeUndefined();
    expect(parseMatch('$.source = cache')).toBe('write <path> == <JSON value>, e.g. $.source == "cache"');
    expect(parseMatch('$.source == cache')).toBe('cache is not a JSON value (strings in double quotes: "cache")');
  });

  it('the load client keeps only the first bytes of a body, across chunks, and says it was cut', () => {
    const p = new ResponseParser(false, 8);
    expect(p.feed(Buffer.from('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n')).state).toBe('more');
    const r = p.feed(Buffer.from('6\r\n world\r\n0\r\n\r\n'));
    expect(r).toMatchObject({ state: 'done', status: 200 });
    if (r.state !== 'done') throw new Error('not done');
    expect(r.body!.bytes.toString()).toBe('hello wo');
    expect(r.body!.cut).toBe(true);
    const q = new ResponseParser(false, 0).feed(Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nhi'));
    expect(q.state === 'done' && q.body).toBe(undefined);
  });
});
