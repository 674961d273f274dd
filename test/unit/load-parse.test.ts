import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ResponseParser } from '../../src/load/http-parse.js';
import { buildRequest } from '../../src/load/common.js';
import { loadShapes } from '../../src/load/index.js';

function feedAll(chunks: Buffer[], noBody = false) {
  const p = new ResponseParser(noBody);
  for (const c of chunks) {
    const r = p.feed(c);
    if (r.state !== 'more') return r;
  }
  return p.end();
}

const responses: [string, number][] = [
  ['HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello', 200],
  ['HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n', 503],
  ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nx-trailer: 1\r\n\r\n', 200],
  ['HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\nok', 201],
  ['HTTP/1.1 204 No Content\r\n\r\n', 204],
];

describe('response parser', () => {
  it('reads the same response however the bytes are split', () => {
    fc.assert(
      fc.property(fc.constantFrom(...responses), fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 30 }), ([text, status], cuts) => {
        const buf = Buffer.from(text, 'latin1');
        const chunks: Buffer[] = [];
        let off = 0;
        for (const c of cuts) {
          if (off >= buf.length) break;
          chunks.push(buf.subarray(off, off + c));
          off += c;
        }
        if (off < buf.length) chunks.push(buf.subarray(off));
        const r = feedAll(chunks);
        expect(r.state).toBe('done');
        if (r.state === 'done') {
          expect(r.status).toBe(status);
          expect(r.bytes).toBe(buf.length);
          expect(r.rest).toBeUndefined();
        }
      }),
    );
  });

  it('classifies garbage, a cut body and an oversized head as errors', () => {
    expect(feedAll([Buffer.from('SSH-2.0-OpenSSH_9.6\r\n')]).state).toBe('error');
    expect(feedAll([Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc')]).state).toBe('error');
    expect(feedAll([Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: x\r\n\r\n')]).state).toBe('error');
    expect(feedAll([Buffer.from('HTTP/1.1 200 OK\r\nx: ' + 'a'.repeat(70_000))]).state).toBe('error');
    expect(feedAll([Buffer.from('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n')]).state).toBe('error');
  });

  it('a body without length runs until close; connection: close is not kept alive', () => {
    const r = feedAll([Buffer.from('HTTP/1.1 200 OK\r\n\r\nsome'), Buffer.from('thing')]);
    expect(r).toMatchObject({ state: 'done', status: 200, keepAlive: false });
    const c = new ResponseParser().feed(Buffer.from('HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 0\r\n\r\n'));
    expect(c).toMatchObject({ state: 'done', keepAlive: false });
  });

  it('reads the framing headers whatever their case and spacing', () => {
    const one = (head: string, body = '') => feedAll([Buffer.from(`${head}\r\n\r\n${body}`, 'latin1')]);
    expect(one('HTTP/1.1 200 OK\r\nCONTENT-LENGTH:  3 ', 'abc')).toMatchObject({ state: 'done', status: 200, bytes: 43, keepAlive: true });
    expect(one('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\nConnection: Close', '0\r\n\r\n')).toMatchObject({ state: 'done', keepAlive: false });
    // Only the last coding decides: `chunked, gzip` is not chunked, so the body runs until the close.
    expect(one('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked, gzip', 'xyz')).toMatchObject({ state: 'done', keepAlive: false });
    expect(one('HTTP/1.0 200 OK\r\ncontent-length: 0')).toMatchObject({ state: 'done', keepAlive: false });
    expect(one('HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\ncontent-length: 0')).toMatchObject({ state: 'done', keepAlive: true });
    expect(one('HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\ncontent-length: 0')).toMatchObject({ state: 'done', status: 429, retryAfter: true });
    expect(one('HTTP/1.1 200\r\ncontent-length: 0')).toMatchObject({ state: 'done', status: 200 });
    // Lines end at CRLF only: a bare LF stays inside its line, so `content-length: 5` here is part of x's value.
    expect(one('HTTP/1.1 200 OK\r\nx: a\ncontent-length: 5\r\ncontent-length: 1', 'ab')).toMatchObject({ state: 'done', bytes: 63, rest: Buffer.from('b') });
    // A name that only looks like a framing header frames nothing.
    expect(one('HTTP/1.1 200 OK\r\nx-content-length: 3\r\ncontent-length: 1', 'a')).toMatchObject({ state: 'done', bytes: 60 });
    for (const bad of ['HTTP/1.1 200 OK\r\nno colon here', 'HTTP/1.1 200 OK\r\n: empty name', 'HTTP/1.1 2000 OK', 'HTTP/1.2 200 OK', 'HTTP/1.1 20x OK', 'HTTP/1.1 200 OK\r\ncontent-length: 1 2', 'HTTP/1.1 200 OK\r\ncontent-length:']) {
      expect(one(bad).state, bad).toBe('error');
    }
  });

  it('HEAD responses have no body whatever content-length says', () => {
    expect(feedAll([Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 99\r\n\r\n')], true)).toMatchObject({ state: 'done', status: 200 });
  });
});

describe('request bytes', () => {
  it('carries method, base path + path, host, headers and a JSON body with its length', () => {
    const b = buildRequest(new URL('http://127.0.0.1:3000/api/'), { method: 'POST', path: '/orders?x=1', headers: { 'x-id': '7' }, body: { a: 1 } }).toString();
    expect(b.startsWith('POST /api/orders?x=1 HTTP/1.1\r\n')).toBe(true);
    expect(b).toContain('host: 127.0.0.1:3000\r\n');
    expect(b).toContain('content-type: application/json\r\n');
    expect(b).toContain('x-id: 7\r\n');
    expect(b.endsWith('content-length: 7\r\n\r\n{"a":1}')).toBe(true);
  });
});

describe('load shape table', () => {
  it.each(Object.entries(loadShapes))('%s: key = name, has a description, and its defaults are bounded', (key, shape) => {
    expect(shape.name).toBe(key);
    expect(shape.description.length).toBeGreaterThan(10);
    const minimal: Record<string, Record<string, unknown>> = { ramp: { from: 1, to: 2 }, enqueue: { queue: 'jobs' } };
    const r = shape.spec.safeParse(minimal[key] ?? {});
    expect(r.success).toBe(true);
    const spec = r.data as Record<string, unknown>;
    expect(spec.timeout).toBeLessThanOrEqual(120_000);
    expect(shape.spec.safeParse({ ...(minimal[key] ?? {}), timeout: '1h' }).success).toBe(false);
    expect(shape.spec.safeParse({ ...(minimal[key] ?? {}), unknownField: 1 }).success).toBe(false);
  });
});
