import { describe, expect, it } from 'vitest';
import { httpServer, tcpServer } from '../helpers/listen.js';
import { startLoad } from '../../src/load/index.js';
import type { ResponseEvent, TimelineEvent } from '../../src/timeline/events.js';
import { CrumpleError } from '../../src/errors.js';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';

const never = new AbortController().signal;

function collect() {
  const events: TimelineEvent[] = [];
  return { events, sink: (e: TimelineEvent) => void events.push(e), responses: () => events.filter((e): e is ResponseEvent => e.kind === 'response') };
}

const ac = (entry: Record<string, unknown>) => ({ shape: 'steady', engine: 'autocannon', ...entry });

describe('steady load, autocannon engine', () => {
  it('records every response with exact counts, status codes, request fields and µs latencies', async () => {
    let n = 0;
    const seen = new Set<string>();
    const { url } = await httpServer((req, res) => {
      let body = '';
      req.on('data', (b: Buffer) => (body += b.toString()));
      req.on('end', () => {
        n += 1;
        seen.add(`${req.method} ${req.url} ${req.headers['x-k']} ${req.headers['content-type']} ${body}`);
        res.statusCode = n % 4 === 0 ? 503 : 200;
        res.end('hello');
      });
    });
    const c = collect();
    const { done } = startLoad('api', ac({ path: '/x?y=1', method: 'post', headers: { 'x-k': 'v' }, body: { a: 1 }, count: 200, connections: 4 }), { baseUrl: url, sink: c.sink, signal: never });
    const s = await done;
    expect(s.stoppedBy).toBe('count');
    expect(s.requests).toBe(200);
    expect(n).toBe(200);
    expect(s.status).toEqual({ '200': 150, '503': 50 });
    expect(s.ok).toBe(150);
    expect(s.errors).toEqual({});
    expect([...seen]).toEqual(['POST /x?y=1 v application/json {"a":1}']);
    const rs = c.responses();
    expect(rs).toHaveLength(200);
    expect(rs.every((e) => e.load === 'api' && e.bytes > 0 && e.latencyMs > 0 && e.status !== undefined)).toBe(true);
    // Sub-millisecond resolution: latencies are not whole milliseconds.
    expect(rs.filter((e) => !Number.isInteger(e.latencyMs)).length).toBeGreaterThan(190);
    // t is the request start on the shared monotonic clock: ordered starts, within the load's span.
    const first = Math.min(...rs.map((e) => e.t));
    expect(Math.max(...rs.map((e) => e.t + e.latencyMs)) - first).toBeLessThanOrEqual(s.elapsedMs + 1);
  });

  it('gives the same counts and status codes as the raw engine for the same load', async () => {
    let n = 0;
    const { url } = await httpServer((_req, res) => { n += 1; res.statusCode = n % 5 === 0 ? 404 : 200; res.end('x'); });
    const a = await startLoad('a', ac({ count: 100, connections: 1 }), { baseUrl: url, sink: () => {}, signal: never }).done;
    n = 0;
    const r = await startLoad('r', { shape: 'steady', engine: 'raw', count: 100, connections: 1 }, { baseUrl: url, sink: () => {}, signal: never }).done;
    expect(a.status).toEqual({ '200': 80, '404': 20 });
    expect(r.status).toEqual(a.status);
    expect(r.requests).toBe(a.requests);
  });

  it('a hanging server yields timeout errors, bounded by the request timeout', async () => {
    const { port } = await tcpServer(() => { /* accept, never answer */ });
    const c = collect();
    const s = await startLoad('h', ac({ count: 2, connections: 2, timeout: '1s' }), { baseUrl: `http://127.0.0.1:${port}`, sink: c.sink, signal: never }).done;
    expect(s.errors).toEqual({ timeout: 2 });
    expect(s.requests).toBe(2);
    for (const e of c.responses()) {
      expect(e.error).toBe('timeout');
      expect(e.latencyMs).toBeGreaterThanOrEqual(990);
      expect(e.latencyMs).toBeLessThan(6000);
    }
  });

  it('a resetting server yields ECONNRESET for every request', async () => {
    const { port } = await tcpServer((s) => { s.on('error', () => {}); s.once('data', () => s.resetAndDestroy()); });
    const s = await startLoad('x', ac({ count: 20, connections: 2 }), { baseUrl: `http://127.0.0.1:${port}`, sink: () => {}, signal: never }).done;
    expect(s.requests).toBe(20);
    expect(s.errors).toEqual({ ECONNRESET: 20 });
  });

  it('a refusing port yields ECONNREFUSED for every request', async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as AddressInfo).port;
    await new Promise<void>((r) => srv.close(() => r()));
    const s = await startLoad('x', ac({ count: 20, connections: 2 }), { baseUrl: `http://127.0.0.1:${port}`, sink: () => {}, signal: never }).done;
    expect(s.requests).toBe(20);
    expect(s.errors).toEqual({ ECONNREFUSED: 20 });
  });

  it('a server closing before answering yields closed (autocannon re-sends silently; the abandoned request is recorded)', async () => {
    const { port } = await tcpServer((s) => { s.on('error', () => {}); s.once('data', () => s.end()); });
    const s = await startLoad('x', ac({ count: 10, connections: 1 }), { baseUrl: `http://127.0.0.1:${port}`, sink: () => {}, signal: never }).done;
    expect(s.requests).toBe(10);
    expect(s.errors).toEqual({ closed: 10 });
  });

  it('garbage from the server cannot be a parse error under autocannon (it drops its parser errors): it surfaces as timeout', async () => {
    const { port } = await tcpServer((s) => { s.on('error', () => {}); s.once('data', () => s.write('NOT HTTP AT ALL\r\n\r\n')); });
    const s = await startLoad('g', ac({ count: 1, connections: 1, timeout: '1s' }), { baseUrl: `http://127.0.0.1:${port}`, sink: () => {}, signal: never }).done;
    expect(s.errors).toEqual({ timeout: 1 });
    // The raw engine, same server: the class crumple promises.
    const r = await startLoad('g', { shape: 'steady', count: 1, connections: 1, timeout: '1s' }, { baseUrl: `http://127.0.0.1:${port}`, sink: () => {}, signal: never }).done;
    expect(r.errors).toEqual({ parse: 1 });
  });

  it('holds a fixed rate for a duration (autocannon: per-second budgets)', async () => {
    let n = 0;
    const { url } = await httpServer((_req, res) => { n += 1; res.end('ok'); });
    const s = await startLoad('r', ac({ rate: '40/s', duration: '2500ms' }), { baseUrl: url, sink: () => {}, signal: never }).done;
    expect(s.stoppedBy).toBe('duration');
    expect(n).toBe(s.requests);
    // autocannon sends each second's budget at the start of the second: 3 budgets of 40 in 2.5 s.
    expect(s.requests).toBeGreaterThanOrEqual(80);
    expect(s.requests).toBeLessThanOrEqual(121);
    expect(s.elapsedMs).toBeLessThan(6000);
  });

  it('abort stops the load promptly and no request is sent after it', async () => {
    let n = 0;
    const { url } = await httpServer((_req, res) => { n += 1; res.end('ok'); });
    const ctl = new AbortController();
    const { started, done } = startLoad('a', ac({ connections: 2, duration: '60s' }), { baseUrl: url, sink: () => {}, signal: ctl.signal });
    await started;
    await new Promise((r) => setTimeout(r, 500));
    const t = Date.now();
    ctl.abort();
    const s = await done;
    expect(s.stoppedBy).toBe('signal');
    expect(Date.now() - t).toBeLessThan(30_000); // far short of the 60 s given: only an ignored signal fails it
    const after = n;
    await new Promise((r) => setTimeout(r, 300));
    expect(n).toBe(after);
    expect(n).toBeGreaterThan(0);
  });

  it('refuses what autocannon cannot do, naming the field', () => {
    const details = (e: Record<string, unknown>): readonly string[] => {
      try {
        startLoad('x', ac(e), { baseUrl: 'http://127.0.0.1:1', sink: () => {}, signal: never });
      } catch (err) {
        expect(err).toBeInstanceOf(CrumpleError);
        return (err as CrumpleError).details;
      }
      throw new Error('accepted');
    };
    expect(details({ timeout: '500ms', rate: '0.5/s' })).toEqual([
      'load.x.timeout: the autocannon engine cannot time out sooner than 1s (use engine: raw)',
      'load.x.rate: the autocannon engine needs at least 1/s (use engine: raw)',
    ]);
    // Verified against node:http: autocannon's parser waits for a HEAD response's body until the timeout.
    expect(details({ method: 'head' })).toEqual(['load.x.method: the autocannon engine cannot read HEAD responses (use engine: raw)']);
    expect(details({ engine: 'cannon' }).join()).toMatch(/^load\.x\.engine: /);
  });
});
