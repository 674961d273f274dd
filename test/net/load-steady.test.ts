import { describe, expect, it } from 'vitest';
import { httpServer, tcpServer } from '../helpers/listen.js';
import { startLoad } from '../../src/load/index.js';
import type { ResponseEvent, TimelineEvent } from '../../src/timeline/events.js';
import { CrumpleError } from '../../src/errors.js';

function collect() {
  const events: TimelineEvent[] = [];
  return { events, sink: (e: TimelineEvent) => void events.push(e), responses: () => events.filter((e): e is ResponseEvent => e.kind === 'response') };
}

describe('steady load', () => {
  it('records every response with exact counts and status classes', async () => {
    let n = 0;
    const seen: string[] = [];
    const { url } = await httpServer((req, res) => {
      n += 1;
      seen.push(`${req.method} ${req.url} ${req.headers['x-k']}`);
      res.statusCode = n % 4 === 0 ? 503 : 200;
      res.end('hello');
    });
    const c = collect();
    const { done } = startLoad('api', { shape: 'steady', path: '/x?y=1', method: 'post', headers: { 'x-k': 'v' }, count: 200, connections: 4 }, { baseUrl: url, sink: c.sink, signal: new AbortController().signal });
    const s = await done;
    expect(s.requests).toBe(200);
    expect(n).toBe(200);
    expect(s.status).toEqual({ '200': 150, '503': 50 });
    expect(s.ok).toBe(150);
    expect(s.stoppedBy).toBe('count');
    expect(c.responses()).toHaveLength(200);
    expect(c.responses().every((e) => e.load === 'api' && e.bytes > 0 && e.latencyMs > 0)).toBe(true);
    expect(new Set(seen)).toEqual(new Set(['POST /x?y=1 v']));
    expect(s.p50Ms).toBeGreaterThan(0);
    expect(s.p50Ms).toBeLessThan(s.maxMs + 0.001);
  });

  it('holds a fixed rate for a duration (open model)', async () => {
    let n = 0;
    const { url } = await httpServer((_req, res) => { n += 1; res.end('ok'); });
    const c = collect();
    const { done } = startLoad('r', { shape: 'steady', rate: '200/s', duration: '1s' }, { baseUrl: url, sink: c.sink, signal: new AbortController().signal });
    const s = await done;
    expect(s.stoppedBy).toBe('duration');
    // 200 slots in 1 s; a busy machine may lose a few timer ticks but the schedule catches up.
    expect(s.requests).toBeGreaterThan(150);
    expect(s.requests).toBeLessThanOrEqual(201);
    expect(n).toBe(s.requests);
    expect(s.missed).toBe(0);
  });

  it('a hanging server yields timeout errors, bounded by the request timeout', async () => {
    const { port } = await tcpServer(() => { /* accept, never answer */ });
    const c = collect();
    const s = await startLoad('h', { shape: 'steady', count: 3, connections: 3, timeout: '300ms' }, { baseUrl: `http://127.0.0.1:${port}`, sink: c.sink, signal: new AbortController().signal }).done;
    expect(s.errors).toEqual({ timeout: 3 });
    for (const e of c.responses()) {
      expect(e.error).toBe('timeout');
      expect(e.latencyMs).toBeGreaterThanOrEqual(299);
      expect(e.latencyMs).toBeLessThan(5000);
    }
  });

  it('a resetting server yields ECONNRESET', async () => {
    const { port } = await tcpServer((s) => s.once('data', () => s.resetAndDestroy()));
    const s = await startLoad('r', { shape: 'steady', count: 5, connections: 1 }, { baseUrl: `http://127.0.0.1:${port}`, sink: () => {}, signal: new AbortController().signal }).done;
    expect(s.errors).toEqual({ ECONNRESET: 5 });
  });

  it('a refusing port yields ECONNREFUSED', async () => {
    const { server, port } = await tcpServer(() => {});
    await new Promise<void>((r) => server.close(() => r()));
    const s = await startLoad('r', { shape: 'steady', count: 5, connections: 1 }, { baseUrl: `http://127.0.0.1:${port}`, sink: () => {}, signal: new AbortController().signal }).done;
    expect(s.errors).toEqual({ ECONNREFUSED: 5 });
  });

  it('a garbage-sending server yields parse errors', async () => {
    const { port } = await tcpServer((s) => s.once('data', () => s.write('SSH-2.0-OpenSSH_9.6\r\n\r\nnot http at all')));
    const s = await startLoad('g', { shape: 'steady', count: 4, connections: 2 }, { baseUrl: `http://127.0.0.1:${port}`, sink: () => {}, signal: new AbortController().signal }).done;
    expect(s.errors).toEqual({ parse: 4 });
  });

  it('a server closing mid-response yields closed', async () => {
    const { port } = await tcpServer((s) => s.once('data', () => s.end('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly part')));
    const s = await startLoad('c', { shape: 'steady', count: 3, connections: 1 }, { baseUrl: `http://127.0.0.1:${port}`, sink: () => {}, signal: new AbortController().signal }).done;
    expect(s.errors).toEqual({ closed: 3 });
  });

  it('a keep-alive connection the server already closed is retried once for idempotent requests, never for POST', async () => {
    let conns = 0;
    // Answers the first request of each connection, then closes on the next (the keep-alive race, made certain).
    const { port } = await tcpServer((s) => {
      conns += 1;
      let seen = 0;
      s.on('data', () => (++seen === 1 ? s.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok') : s.end()));
    });
    const get = await startLoad('g', { shape: 'steady', count: 4, connections: 1 }, { baseUrl: `http://127.0.0.1:${port}`, sink: () => {}, signal: new AbortController().signal }).done;
    expect(get.ok).toBe(4);
    expect(get.errors).toEqual({});
    expect(conns).toBe(4);
    const post = await startLoad('p', { shape: 'steady', method: 'POST', count: 4, connections: 1 }, { baseUrl: `http://127.0.0.1:${port}`, sink: () => {}, signal: new AbortController().signal }).done;
    expect(post.ok).toBe(2);
    expect(post.errors).toEqual({ closed: 2 });
  });

  it('reads chunked and close-delimited bodies as complete responses', async () => {
    const { port } = await tcpServer((s) => {
      let i = 0;
      s.on('data', () => {
        i += 1;
        if (i === 1) s.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n');
        else s.end('HTTP/1.1 201 Created\r\n\r\nuntil close');
      });
    });
    const c = collect();
    const s = await startLoad('k', { shape: 'steady', count: 2, connections: 1 }, { baseUrl: `http://127.0.0.1:${port}`, sink: c.sink, signal: new AbortController().signal }).done;
    expect(s.status).toEqual({ '200': 1, '201': 1 });
  });

  it('stops promptly when its signal aborts', async () => {
    const { url } = await httpServer((_req, res) => res.end('ok'));
    const ac = new AbortController();
    const t0 = Date.now();
    const { done } = startLoad('s', { shape: 'steady', rate: 100, duration: '30s' }, { baseUrl: url, sink: () => {}, signal: ac.signal });
    setTimeout(() => ac.abort(), 300);
    const s = await done;
    expect(s.stoppedBy).toBe('signal');
    // Far short of the 30 s it was given (a generous bound: only a load that ignores the signal fails it).
    expect(Date.now() - t0).toBeLessThan(15_000);
  });

  it('is capped by the run duration', async () => {
    const { url } = await httpServer((_req, res) => res.end('ok'));
    const s = await startLoad('s', { shape: 'steady', rate: 50, duration: '1h' }, { baseUrl: url, sink: () => {}, signal: new AbortController().signal, durationMs: 400 }).done;
    expect(s.stoppedBy).toBe('duration');
    expect(s.elapsedMs).toBeLessThan(30_000); // nowhere near the scenario's 1 h
  });

  it('refuses non-loopback hosts unless allowed, and bad entries name the field', () => {
    const opts = { sink: () => {}, signal: new AbortController().signal };
    expect(() => startLoad('x', { shape: 'steady' }, { ...opts, baseUrl: 'http://example.com' })).toThrow(/not a loopback host.*--allow-host example.com/);
    try {
      startLoad('x', { shape: 'steady', rate: 'fast' }, { ...opts, baseUrl: 'http://127.0.0.1:1' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CrumpleError);
      expect((e as CrumpleError).details.join('\n')).toMatch(/load\.x\.rate: 'fast' is not a rate/);
    }
    expect(() => startLoad('x', { shape: 'spiral' }, { ...opts, baseUrl: 'http://127.0.0.1:1' })).toThrow(/unknown shape 'spiral'/);
    expect(() => startLoad('x', { shape: 'steady', bogus: 1 }, { ...opts, baseUrl: 'http://127.0.0.1:1' })).toThrow(/invalid steady entry/);
  });
});
