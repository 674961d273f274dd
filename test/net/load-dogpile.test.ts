import { describe, expect, it } from 'vitest';
import { httpServer, tcpServer } from '../helpers/listen.js';
import { startLoad } from '../../src/load/index.js';
import { monotonicMs } from '../../src/timeline/clock.js';
import type { TimelineEvent } from '../../src/timeline/events.js';

const never = () => new AbortController().signal;

describe('dogpile load', () => {
  it('fires all n requests together in each pulse on reused connections, and reports the spread', async () => {
    const connections: number[] = [];
    const arrivals: number[] = [];
    const { server, url } = await httpServer((_req, res) => {
      arrivals.push(monotonicMs());
      res.end('ok');
    });
    server.on('connection', () => connections.push(monotonicMs()));
    const events: TimelineEvent[] = [];
    const s = await startLoad('pile', { shape: 'dogpile', n: 50, pulses: 3, every: '1s' }, { baseUrl: url, sink: (e) => void events.push(e), signal: never() }).done;
    expect(s.requests).toBe(150);
    expect(s.ok).toBe(150);
    expect(arrivals).toHaveLength(150);
    expect(s.pulses).toHaveLength(3);
    // Keep-alive: later pulses reuse the connections.
    expect(connections).toHaveLength(50);
    for (const p of s.pulses!) {
      expect(p.connected).toBe(50);
      expect(p.sent).toBe(50);
      expect(p.releaseSpreadMs).toBeGreaterThanOrEqual(0);
      expect(p.releaseSpreadMs).toBeLessThan(1000); // a pulse is released before the next is due, even on a busy machine
    }
    // Pulses are separated: the server saw three bursts, each narrower than the gap between them.
    const bursts = [arrivals.slice(0, 50), arrivals.slice(50, 100), arrivals.slice(100)];
    // Relative, not a wall-clock bound: a busy machine stretches bursts and gaps alike.
    const width = (b: number[]) => b[49]! - b[0]!;
    for (let i = 1; i < 3; i++) {
      const gap = bursts[i]![0]! - bursts[i - 1]![49]!;
      expect(gap).toBeGreaterThan(Math.max(width(bursts[i - 1]!), width(bursts[i]!)));
    }
    expect(s.releaseSpreadMs!.median).toBeLessThanOrEqual(s.releaseSpreadMs!.max);
    expect(events.filter((e) => e.kind === 'response')).toHaveLength(150);
  });

  it('jitter spreads the release over the window', async () => {
    const arrivals: number[] = [];
    const { url } = await httpServer((_req, res) => { arrivals.push(monotonicMs()); res.end('ok'); });
    const s = await startLoad('j', { shape: 'dogpile', n: 40, jitter: '300ms' }, { baseUrl: url, sink: () => {}, signal: never() }).done;
    expect(s.pulses![0]!.releaseSpreadMs).toBeGreaterThan(150); // 40 uniform draws over 300 ms
    expect(s.pulses![0]!.releaseSpreadMs).toBeLessThan(2000);
    expect(Math.max(...arrivals) - Math.min(...arrivals)).toBeGreaterThan(150);
  });

  it('connections that cannot open are recorded as failed requests', async () => {
    const { server, port } = await tcpServer(() => {});
    await new Promise<void>((r) => server.close(() => r()));
    const s = await startLoad('x', { shape: 'dogpile', n: 10 }, { baseUrl: `http://127.0.0.1:${port}`, sink: () => {}, signal: never() }).done;
    expect(s.requests).toBe(10);
    expect(s.errors).toEqual({ ECONNREFUSED: 10 });
    expect(s.pulses![0]!.connected).toBe(0);
  });
});
