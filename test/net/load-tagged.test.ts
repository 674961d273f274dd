import { afterEach, describe, expect, it } from 'vitest';
import { startLoad } from '../../src/load/index.js';
import { startStandIn } from '../../harness-servers/server.js';
import { startQueueStandIn } from '../../harness-servers/queue/server.js';
import type { TimelineEvent } from '../../src/timeline/events.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

describe('loads for the idempotency and delivery checks, over real sockets', () => {
  it('requestId: every request carries a fresh id, and a stand-in with idempotency: records it with the key', async () => {
    const events: TimelineEvent[] = [];
    const s = await startStandIn({ name: 'payments', idempotency: {}, onEvent: (e) => events.push(e) });
    open.push(s);
    const sum = await startLoad('orders', { shape: 'steady', method: 'POST', body: { a: 1 }, headers: { 'idempotency-key': 'fixed' }, count: 25, connections: 3, requestId: 'x-request-id' }, { baseUrl: s.url, sink: () => {}, signal: new AbortController().signal }).done;
    expect(sum.ok).toBe(25);
    const reqs = events.filter((e) => e.kind === 'dep-request');
    expect(reqs).toHaveLength(25);
    expect(new Set(reqs.map((r) => (r.kind === 'dep-request' ? r.requestId : ''))).size).toBe(25);
    expect(reqs.map((r) => (r.kind === 'dep-request' ? r.requestId : '')).sort((a, b) => Number(a!.slice(7)) - Number(b!.slice(7)))).toEqual(Array.from({ length: 25 }, (_, i) => `orders-${i + 1}`));
    expect(reqs.every((r) => r.kind === 'dep-request' && r.key === 'fixed')).toBe(true);
  });

  it('enqueue: count messages into a queue stand-in, each body a JSON object with n', async () => {
    const events: TimelineEvent[] = [];
    const q = await startQueueStandIn({ name: 'jobs', onEvent: (e) => events.push(e) });
    open.push(q);
    const sum = await startLoad('producer', { shape: 'enqueue', queue: 'jobs', count: 30, rate: '300/s', body: { kind: 'email' } }, { baseUrl: q.url, sink: () => {}, signal: new AbortController().signal }).done;
    expect(sum).toMatchObject({ requests: 30, ok: 30, status: { '201': 30 } });
    expect(events.filter((e) => e.kind === 'queue' && e.action === 'sent')).toHaveLength(30);
    const got = [...q.queue.receive(10), ...q.queue.receive(10), ...q.queue.receive(10)].map((m) => JSON.parse(m.body) as { n: number; kind: string });
    expect(got.map((m) => m.n).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1)); // sends on many connections may arrive out of order
    expect(got.every((m) => m.kind === 'email')).toBe(true);
  });
});
