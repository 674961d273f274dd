import { describe, expect, it } from 'vitest';
import { standIn, get, rawConnect, until } from './standin-helpers.js';

describe('HTTP behaviours seen from a real client', () => {
  it('ok answers 200 with a small JSON body when there is no contract', async () => {
    const { s } = await standIn();
    const r = await get(s.url);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body.toString())).toEqual({ ok: true });
  });

  it('ok answers from the contract, captures :params, and 404s a miss that is logged', async () => {
    const { s, events } = await standIn({
      contract: [
        { request: { method: 'GET', path: '/items/:id' }, response: { status: 200, json: { id: ':id', stock: 3 } } },
        { request: { method: 'POST', path: '/orders', body: { sku: 'a' } }, response: { status: 201, text: 'created' } },
      ],
    });
    const a = await get(s.url, { path: '/items/42?x=1' });
    expect(a.status).toBe(200);
    expect(JSON.parse(a.body.toString())).toEqual({ id: '42', stock: 3 });
    const b = await get(s.url, { method: 'POST', path: '/orders', body: JSON.stringify({ sku: 'a', qty: 2 }), headers: { 'content-type': 'application/json' } });
    expect(b.status).toBe(201);
    expect(b.body.toString()).toBe('created');
    const miss = await get(s.url, { method: 'POST', path: '/orders', body: '{"sku":"b"}' });
    expect(miss.status).toBe(404);
    expect(JSON.parse(miss.body.toString())).toMatchObject({ error: expect.stringContaining('no contract pair'), known: ['GET /items/:id', 'POST /orders'] });
    expect(events.filter((e) => e.kind === 'dep-miss')).toHaveLength(1);
    const reqs = s.log().connections.flatMap((c) => c.requests);
    expect(reqs.map((r) => r.miss === true)).toEqual([false, false, true]);
    expect(reqs[1]!.bytes).toBeGreaterThan(10);
  });

  it('slow delays the answer by about the requested time', async () => {
    const { s } = await standIn({ behaviour: 'slow', params: { delay: '300ms' } });
    const r = await get(s.url);
    expect(r.status).toBe(200);
    expect(r.ms).toBeGreaterThanOrEqual(290);
    expect(r.ms).toBeLessThan(3000);
  });

  it('hang sends no byte and logs the client giving up, with how long it waited', async () => {
    const { s, events } = await standIn({ behaviour: 'hang' });
    const r = await get(s.url, { timeoutMs: 400 });
    expect(r.error).toBe('timeout');
    expect(r.status).toBeUndefined();
    await until(() => events.some((e) => e.kind === 'dep-close'));
    const close = events.find((e) => e.kind === 'dep-close')!;
    expect(close).toMatchObject({ by: 'client', pending: true });
    if (close.kind !== 'dep-close') throw new Error();
    const waited = close.t - close.pendingSince!;
    expect(waited).toBeGreaterThanOrEqual(350);
    expect(waited).toBeLessThan(5000);
    const c = s.log().connections[0]!;
    expect(c).toMatchObject({ closedBy: 'client', pendingAtClose: true, bytesOut: 0 });
    expect(c.requests[0]!.responseStart).toBeUndefined();
  });

  it('no-read never reads: a large upload backs up and gets no answer', async () => {
    const { s } = await standIn({ behaviour: 'no-read' });
    const sock = await rawConnect(s.port);
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let written = 0;
    // Write until the kernel buffers are full (write() returns false and stays so).
    while (sock.write(chunk)) {
      written += chunk.length;
      if (written > 256 * 1024 * 1024) break;
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(sock.writableLength).toBeGreaterThan(0); // still queued on our side: nobody reads
    expect(written).toBeLessThan(256 * 1024 * 1024);
    expect(s.log().connections[0]!.bytesIn).toBeLessThanOrEqual(64 * 1024); // the stand-in read (almost) nothing
  });

  it('refuse makes connections fail with ECONNREFUSED, and switching away serves on the same port', async () => {
    const { s } = await standIn({ behaviour: 'refuse' });
    const port = s.port;
    expect((await get(s.url)).error).toBe('ECONNREFUSED');
    await s.setBehaviour('ok');
    await s.settled();
    expect(s.port).toBe(port);
    expect((await get(s.url)).status).toBe(200);
    await s.setBehaviour('refuse');
    await s.settled();
    expect((await get(s.url)).error).toBe('ECONNREFUSED');
  });

  it('reset gives ECONNRESET right after accept, after the request, and after the headers', async () => {
    for (const when of ['accept', 'request', 'headers'] as const) {
      const { s, events } = await standIn({ behaviour: 'reset', params: { when } });
      const r = await get(s.url);
      expect(r.error, when).toMatch(/ECONNRESET|aborted/);
      await until(() => events.some((e) => e.kind === 'dep-close'));
      expect(events.find((e) => e.kind === 'dep-close')).toMatchObject({ by: 'stand-in' });
    }
  });

  it('close-early closes cleanly before any response byte', async () => {
    const { s } = await standIn({ behaviour: 'close-early' });
    const r = await get(s.url);
    expect(r.status).toBeUndefined();
    expect(r.error).toBe('ECONNRESET'); // node's "socket hang up"
    const sock = await rawConnect(s.port);
    const got: Buffer[] = [];
    sock.on('data', (d: Buffer) => got.push(d));
    sock.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n');
    await new Promise((r) => sock.once('end', r)); // a FIN, not an RST
    expect(Buffer.concat(got).length).toBe(0);
  });

  it('garbage fails an HTTP parser and is the configured size', async () => {
    const { s } = await standIn({ behaviour: 'garbage', params: { bytes: 512 } });
    const r = await get(s.url);
    expect(r.status).toBeUndefined();
    expect(r.error).toMatch(/HPE_|ECONNRESET/);
    const sock = await rawConnect(s.port);
    const got: Buffer[] = [];
    sock.on('data', (d: Buffer) => got.push(d));
    sock.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n');
    await new Promise((r) => sock.once('close', r));
    const bytes = Buffer.concat(got);
    expect(bytes.length).toBe(512);
    expect(bytes.subarray(0, 5).toString('latin1')).not.toBe('HTTP/');
  });

  it('garbage is seeded: the same seed gives the same bytes', async () => {
    const read = async (seed: number) => {
      const { s } = await standIn({ behaviour: 'garbage', params: { bytes: 64 }, seed });
      const sock = await rawConnect(s.port);
      const got: Buffer[] = [];
      sock.on('data', (d: Buffer) => got.push(d));
      sock.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n');
      await new Promise((r) => sock.once('close', r));
      return Buffer.concat(got).toString('hex');
    };
    expect(await read(7)).toBe(await read(7));
    expect(await read(7)).not.toBe(await read(8));
  });

  it('html answers 200 text/html; wrong-type says JSON and sends HTML; malformed JSON does not parse', async () => {
    const html = await get((await standIn({ behaviour: 'html' })).s.url);
    expect(html.status).toBe(200);
    expect(html.headers!['content-type']).toMatch(/text\/html/);
    expect(html.body.toString()).toMatch(/<html/);
    const wrong = await get((await standIn({ behaviour: 'wrong-type' })).s.url);
    expect(wrong.headers!['content-type']).toBe('application/json');
    expect(() => JSON.parse(wrong.body.toString())).toThrow();
    for (const mode of ['cut', 'corrupt']) {
      const bad = await get((await standIn({ behaviour: 'malformed', params: { mode } })).s.url);
      expect(bad.status).toBe(200);
      expect(bad.headers!['content-type']).toBe('application/json');
      expect(() => JSON.parse(bad.body.toString()), mode).toThrow();
    }
  });

  it('truncated sends less than its Content-Length, then closes', async () => {
    const { s } = await standIn({ behaviour: 'truncated', params: { declared: 2000, sent: 100 } });
    const r = await get(s.url);
    expect(r.status).toBe(200);
    expect(r.headers!['content-length']).toBe('2000');
    expect(r.error).toMatch(/aborted|ECONNRESET/);
    expect(r.body.length).toBe(100);
  });

  it('drip spaces the body chunks by the interval', async () => {
    const { s } = await standIn({ behaviour: 'drip', params: { interval: 150, chunk: 4, chunks: 4 } });
    const arrivals: number[] = [];
    const t0 = performance.now();
    const body = await new Promise<string>((resolve, reject) => {
      import('node:http').then(({ get: hget }) =>
        hget(s.url, { agent: false }, (res) => {
          arrivals.push(performance.now() - t0); // headers
          let b = '';
          res.on('data', (c: Buffer) => {
            arrivals.push(performance.now() - t0);
            b += c.toString();
          });
          res.on('end', () => resolve(b));
        }).on('error', reject),
      );
    });
    expect(body).toHaveLength(16);
    expect(JSON.parse(body)).toEqual(['            ']);
    expect(arrivals.length).toBe(5);
    expect(arrivals[0]!).toBeLessThan(arrivals[4]! - 400); // headers came well before the last byte
    expect(arrivals[4]! - arrivals[1]!).toBeGreaterThanOrEqual(400); // 3 intervals between first and last chunk
  });

  it('huge streams more than the client wants, and stops when it goes', async () => {
    const { s, events } = await standIn({ behaviour: 'huge' });
    const r = await get(s.url, { maxBytes: 8 * 1024 * 1024 });
    expect(r.status).toBe(200);
    expect(r.error).toBe('max-bytes');
    expect(r.body.length).toBeGreaterThanOrEqual(8 * 1024 * 1024);
    expect(r.body.subarray(0, 8).toString()).toBe('[{"id":0');
    await until(() => events.some((e) => e.kind === 'dep-close'));
    expect(events.find((e) => e.kind === 'dep-close')).toMatchObject({ by: 'client', pending: true });
  });

  it('huge with mb set ends with a complete JSON array', async () => {
    const { s } = await standIn({ behaviour: 'huge', params: { mb: 1 } });
    const r = await get(s.url);
    expect(r.error).toBeUndefined();
    const arr = JSON.parse(r.body.toString()) as unknown[];
    expect(r.body.length).toBeLessThanOrEqual(1024 * 1024);
    expect(arr.length).toBeGreaterThan(1000);
  });

  it('status answers any status with Retry-After and body', async () => {
    const { s } = await standIn({ behaviour: 'status', params: { status: 429, retryAfter: 7, body: { slow: 'down' } } });
    const r = await get(s.url);
    expect(r.status).toBe(429);
    expect(r.headers!['retry-after']).toBe('7');
    expect(JSON.parse(r.body.toString())).toEqual({ slow: 'down' });
  });

  it('status Retry-After { date: +2s } is an HTTP-date 2 s after each answer; -5s is in the past', async () => {
    const { s } = await standIn({ behaviour: 'status', params: { status: 503, retryAfter: { date: '+2s' } } });
    for (let i = 0; i < 2; i++) {
      const before = Date.now();
      const r = await get(s.url);
      const after = Date.now();
      const header = String(r.headers!['retry-after']);
      expect(header).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
      expect(Date.parse(header)).toBeLessThanOrEqual(after + 2000);
      // Whole seconds: the date lies in (answer + 1 s, answer + 2 s].
      expect(Date.parse(header)).toBeGreaterThan(before + 999);
    }
    await s.setBehaviour('status', { status: 429, retryAfter: { date: '-5s' } });
    const before = Date.now();
    const past = Date.parse(String((await get(s.url)).headers!['retry-after']));
    expect(past).toBeLessThan(before - 3000);
    await expect(s.setBehaviour('status', { retryAfter: { date: 'soon' } })).rejects.toThrow(/bad params for behaviour 'status'/);
  });

  it('flaky fails about the requested fraction, reproducibly for a seed', async () => {
    const run = async (seed: number) => {
      const { s } = await standIn({ behaviour: 'flaky', params: { fraction: 0.3 }, seed });
      const out: number[] = [];
      for (let i = 0; i < 200; i++) out.push((await get(s.url)).status!);
      return out;
    };
    const a = await run(3);
    const failed = a.filter((x) => x === 500).length;
    expect(failed).toBeGreaterThan(30);
    expect(failed).toBeLessThan(90);
    expect(a.filter((x) => x !== 500 && x !== 200)).toEqual([]);
    expect(await run(3)).toEqual(a);
  });

  it('sequence switches at the right request count and names the step in the log', async () => {
    const { s, events } = await standIn({
      behaviour: 'sequence',
      params: { steps: [{ behaviour: 'ok', count: 3 }, { behaviour: 'status', params: { status: 503 }, count: 2 }, { behaviour: 'ok' }] },
    });
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await get(s.url)).status!);
    expect(statuses).toEqual([200, 200, 200, 503, 503, 200, 200, 200]);
    const names = events.flatMap((e) => (e.kind === 'dep-request' ? [e.behaviour] : []));
    expect(names.slice(0, 6)).toEqual(['sequence:ok', 'sequence:ok', 'sequence:ok', 'sequence:status', 'sequence:status', 'sequence:ok']);
  });

  it('sequence with a hang step holds requests in that step only', async () => {
    const { s } = await standIn({ behaviour: 'sequence', params: { steps: [{ behaviour: 'ok', count: 1 }, { behaviour: 'hang', count: 1 }, { behaviour: 'ok' }], loop: false } });
    expect((await get(s.url)).status).toBe(200);
    expect((await get(s.url, { timeoutMs: 300 })).error).toBe('timeout');
    expect((await get(s.url)).status).toBe(200);
  });

  it('sequence duration steps switch on time, and loop starts over', async () => {
    const { s } = await standIn({ behaviour: 'sequence', params: { steps: [{ behaviour: 'status', params: { status: 503 }, for: '300ms' }, { behaviour: 'ok', count: 1 }], loop: true } });
    expect((await get(s.url)).status).toBe(503);
    await new Promise((r) => setTimeout(r, 400));
    expect((await get(s.url)).status).toBe(200); // the duration step is over
    expect((await get(s.url)).status).toBe(503); // looped back to the start
  });
});
