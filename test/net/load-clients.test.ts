import { describe, expect, it } from 'vitest';
import { httpServer } from '../helpers/listen.js';
import { startLoad } from '../../src/load/index.js';
import type { ResponseEvent, TimelineEvent } from '../../src/timeline/events.js';

function collect() {
  const events: TimelineEvent[] = [];
  return { sink: (e: TimelineEvent) => void events.push(e), responses: () => events.filter((e): e is ResponseEvent => e.kind === 'response') };
}

describe('loads with client identities, over real sockets', () => {
  it('each request carries one client id; the heavy client sends weight× as often; events record the client and Retry-After', async () => {
    const seen = new Map<string, number>();
    const { url } = await httpServer((req, res) => {
      const id = String(req.headers['x-tenant']);
      seen.set(id, (seen.get(id) ?? 0) + 1);
      // The server answers by the id it saw: the event's client number must be the same client.
      if (id === 't1') res.writeHead(429, { 'retry-after': '1' }).end('{}');
      else res.writeHead(200, { 'x-seen': id }).end(id);
    });
    const c = collect();
    const s = await startLoad('tenants', { shape: 'steady', count: 280, connections: 4, clients: { count: 5, header: 'x-tenant', prefix: 't', heavy: { weight: 3 } } }, { baseUrl: url, sink: c.sink, signal: new AbortController().signal }).done;
    expect(s.requests).toBe(280);
    // 280 requests = 40 cycles of (3 + 1 + 1 + 1 + 1).
    expect(Object.fromEntries(seen)).toEqual({ t1: 120, t2: 40, t3: 40, t4: 40, t5: 40 });
    const rs = c.responses();
    const byClient = new Map<number, ResponseEvent[]>();
    for (const r of rs) byClient.set(r.client!, [...(byClient.get(r.client!) ?? []), r]);
    expect([...byClient.keys()].sort()).toEqual([1, 2, 3, 4, 5]);
    expect(byClient.get(1)!.every((r) => r.status === 429 && r.retryAfter === true)).toBe(true);
    expect(rs.filter((r) => r.client !== 1).every((r) => r.status === 200 && r.retryAfter === undefined)).toBe(true);
  });

  it('a dogpile with {pulse} in its path asks each pulse for its own key, every request of a pulse the same', async () => {
    const paths: string[] = [];
    const { url } = await httpServer((req, res) => {
      paths.push(req.url!);
      res.end('ok');
    });
    const c = collect();
    const s = await startLoad('pile', { shape: 'dogpile', path: '/items/{pulse}', n: 5, pulses: 3, every: 0 }, { baseUrl: url, sink: c.sink, signal: new AbortController().signal }).done;
    expect(s.requests).toBe(15);
    expect(paths.sort()).toEqual([...Array(5).fill('/items/1'), ...Array(5).fill('/items/2'), ...Array(5).fill('/items/3')]);
  });
});
