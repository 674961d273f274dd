import { describe, expect, it } from 'vitest';
import type { Toxiproxy } from 'toxiproxy-node-client';
import { proxyApi, echoProxy, dial, roundTrip, record, bytesAfter, sleep } from './proxy-helpers.js';
import { tcpServer } from '../helpers/listen.js';

/** A proxy in front of a server that sends `payload` to each client (then closes when `close`). */
async function senderProxy(tp: Toxiproxy, payload: Buffer, close: boolean) {
  const up = await tcpServer((s) => { s.on('error', () => {}); if (close) s.end(payload); else s.write(payload); });
  const p = await tp.createProxy({ name: 'sender', upstream: `127.0.0.1:${up.port}`, listen: '127.0.0.1:0' } as never);
  return { proxy: p, port: Number(p.listen.split(':').pop()) };
}

async function median(n: number, f: () => Promise<number>): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < n; i++) xs.push(await f());
  xs.sort((a, b) => a - b);
  return xs[Math.floor(n / 2)]!;
}

describe('toxics as a real client sees them through the proxy', () => {
  it('latency delays each direction by about the latency, and stacks across directions', async () => {
    const { tp } = await proxyApi();
    const { proxy, port } = await echoProxy(tp);
    const s = await dial(port);
    const base = await median(5, () => roundTrip(s));
    await proxy.addToxic({ type: 'latency', stream: 'downstream', attributes: { latency: 200 } } as never);
    const down = await roundTrip(s);
    expect(down).toBeGreaterThanOrEqual(195);
    expect(down).toBeLessThan(base + 200 + 150);
    await proxy.addToxic({ type: 'latency', stream: 'upstream', attributes: { latency: 100 } } as never);
    const both = await roundTrip(s);
    expect(both).toBeGreaterThanOrEqual(295);
    expect(both).toBeLessThan(base + 300 + 150);
  });

  it('latency is added and removed live on an open connection', async () => {
    const { tp } = await proxyApi();
    const { proxy, port } = await echoProxy(tp);
    const s = await dial(port);
    const before = await median(3, () => roundTrip(s));
    const t = await proxy.addToxic({ type: 'latency', attributes: { latency: 250 } } as never);
    expect(await roundTrip(s)).toBeGreaterThanOrEqual(245);
    await t.update({ attributes: { latency: 400 } } as never);
    expect(await roundTrip(s)).toBeGreaterThanOrEqual(395);
    await t.remove();
    const after = await median(3, () => roundTrip(s));
    expect(after).toBeLessThan(before + 100);
  });

  it('removing a latency toxic forwards the held chunk at once instead of dropping it', async () => {
    const { tp } = await proxyApi();
    const { proxy, port } = await echoProxy(tp);
    const s = await dial(port);
    const t = await proxy.addToxic({ type: 'latency', attributes: { latency: 5000 } } as never);
    const arrived = roundTrip(s, 'held');
    await sleep(100);
    await t.remove();
    expect(await arrived).toBeLessThan(2000);
  });

  it('jitter spreads delays within latency ± jitter', async () => {
    const { tp } = await proxyApi();
    const { proxy, port } = await echoProxy(tp);
    const s = await dial(port);
    await proxy.addToxic({ type: 'latency', attributes: { latency: 150, jitter: 100 } } as never);
    const xs: number[] = [];
    for (let i = 0; i < 16; i++) xs.push(await roundTrip(s));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(48);
    expect(Math.max(...xs)).toBeLessThan(250 + 150);
    expect(Math.max(...xs) - Math.min(...xs)).toBeGreaterThan(20); // not a constant delay
  });

  it('the close waits behind delayed data (latency), and any FIN closes the whole connection', async () => {
    const { tp } = await proxyApi();
    const { proxy, port } = await senderProxy(tp, Buffer.from('hello'), true);
    await proxy.addToxic({ type: 'latency', attributes: { latency: 300 } } as never);
    const s = await dial(port);
    const rec = record(s);
    await rec.closed;
    expect(rec.data.toString()).toBe('hello');
    expect(rec.reads[0]!.at).toBeGreaterThanOrEqual(280);
    expect(rec.closedAt).toBeGreaterThanOrEqual(rec.reads[0]!.at - 1);
  });

  it('bandwidth limits the rate (KB = 1000 bytes) and rate 0 stalls until removed', async () => {
    const { tp } = await proxyApi();
    const payload = Buffer.alloc(50_000, 7);
    const { proxy, port } = await senderProxy(tp, payload, false);
    const t = await proxy.addToxic({ type: 'bandwidth', attributes: { rate: 100 } } as never);
    const s = await dial(port);
    const took = await bytesAfter(s, payload.length);
    expect(took).toBeGreaterThanOrEqual(380); // 50,000 B at 100 KB/s = 500 ms
    expect(took).toBeLessThan(1500);
    await t.update({ attributes: { rate: 0 } } as never);
    const s2 = await dial(port);
    const rec = record(s2);
    await sleep(400);
    expect(rec.data.length).toBe(0);
    await t.remove();
    for (let i = 0; i < 100 && rec.data.length < payload.length; i++) await sleep(20);
    expect(rec.data.length).toBe(payload.length);
  });

  it('timeout drops data and closes an idle connection after the timeout', async () => {
    const { tp } = await proxyApi();
    const { proxy, port } = await echoProxy(tp);
    await proxy.addToxic({ type: 'timeout', attributes: { timeout: 300 } } as never);
    const s = await dial(port);
    const rec = record(s);
    s.write('lost');
    await rec.closed;
    expect(rec.data.length).toBe(0);
    expect(rec.closedAt).toBeGreaterThanOrEqual(280);
    expect(rec.closedAt).toBeLessThan(2000);
  });

  it('timeout 0 drops data without closing; removing it closes the connection (no hang)', async () => {
    const { tp } = await proxyApi();
    const { proxy, port } = await echoProxy(tp);
    const t = await proxy.addToxic({ type: 'timeout', attributes: { timeout: 0 } } as never);
    const s = await dial(port);
    const rec = record(s);
    s.write('dropped');
    await sleep(300);
    expect(rec.closedAt).toBe(-1);
    expect(rec.data.length).toBe(0);
    const removedAt = performance.now();
    await t.remove();
    await rec.closed;
    expect(performance.now() - removedAt).toBeLessThan(1000);
  });

  it('reset_peer present at accept resets the connection (ECONNRESET) at the first data', async () => {
    const { tp } = await proxyApi();
    const { proxy, port } = await echoProxy(tp);
    await proxy.addToxic({ type: 'reset_peer', stream: 'upstream', attributes: { timeout: 100 } } as never);
    const s = await dial(port);
    const rec = record(s);
    await sleep(200);
    expect(rec.closedAt).toBe(-1); // an idle connection is never reset
    const t0 = performance.now();
    s.write('boom\n');
    await rec.closed;
    expect(rec.error).toBe('ECONNRESET');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(90);
  });

  it('reset_peer added to an open connection closes it with a plain FIN', async () => {
    const { tp } = await proxyApi();
    const { proxy, port } = await echoProxy(tp);
    const s = await dial(port);
    const rec = record(s);
    await roundTrip(s);
    await proxy.addToxic({ type: 'reset_peer', stream: 'upstream', attributes: { timeout: 50 } } as never);
    s.write('x');
    await rec.closed;
    expect(rec.error).toBeUndefined();
  });

  it('slicer delivers the same bytes in small, spaced pieces', async () => {
    const { tp } = await proxyApi();
    const payload = Buffer.from(Array.from({ length: 100 }, (_, i) => i));
    const { proxy, port } = await senderProxy(tp, payload, false);
    await proxy.addToxic({ type: 'slicer', attributes: { average_size: 10, size_variation: 0, delay: 20_000 } } as never);
    const s = await dial(port);
    const rec = record(s);
    await bytesAfter(s, 100);
    expect(rec.data.equals(payload)).toBe(true);
    expect(rec.reads.length).toBeGreaterThanOrEqual(8); // 16 pieces of 6–7 B; reads may merge a few
    expect(Math.max(...rec.reads.map((r) => r.n))).toBeLessThanOrEqual(20);
    expect(rec.reads.at(-1)!.at - rec.reads[0]!.at).toBeGreaterThanOrEqual(200); // 15 gaps of 20 ms
  });

  it('limit_data forwards exactly the limit per connection, then closes', async () => {
    const { tp } = await proxyApi();
    const { proxy, port } = await senderProxy(tp, Buffer.alloc(100, 1), false);
    await proxy.addToxic({ type: 'limit_data', attributes: { bytes: 10 } } as never);
    for (let i = 0; i < 2; i++) {
      const s = await dial(port);
      const rec = record(s);
      await rec.closed;
      expect(rec.data.length).toBe(10); // the budget is per connection
    }
  });

  it('slow_close delivers data at once and delays the close', async () => {
    const { tp } = await proxyApi();
    const { proxy, port } = await senderProxy(tp, Buffer.from('bye!!'), true);
    await proxy.addToxic({ type: 'slow_close', attributes: { delay: 300 } } as never);
    const s = await dial(port);
    const rec = record(s);
    await rec.closed;
    expect(rec.data.toString()).toBe('bye!!');
    expect(rec.reads[0]!.at).toBeLessThan(200);
    expect(rec.closedAt).toBeGreaterThanOrEqual(280);
  });

  it('toxicity is drawn once per connection: about that share of connections is affected, each consistently', async () => {
    const { tp } = await proxyApi();
    const { proxy, port } = await echoProxy(tp);
    await proxy.addToxic({ type: 'latency', toxicity: 0.5, attributes: { latency: 150 } } as never);
    const conns = await Promise.all(Array.from({ length: 30 }, () => dial(port)));
    const first = await Promise.all(conns.map((s) => roundTrip(s)));
    const second = await Promise.all(conns.map((s) => roundTrip(s)));
    const slow = first.map((x) => x >= 140);
    const slowCount = slow.filter(Boolean).length;
    expect(slowCount).toBeGreaterThanOrEqual(4); // binomial(30, 0.5): outside 4..26 has p < 1e-5
    expect(slowCount).toBeLessThanOrEqual(26);
    second.forEach((x, i) => expect(x >= 140).toBe(slow[i]));
  });

  it('a client FIN ends the whole connection through the proxy', async () => {
    const { tp } = await proxyApi();
    const { port } = await echoProxy(tp);
    const s = await dial(port);
    const rec = record(s);
    await roundTrip(s);
    s.end();
    await rec.closed;
    expect(rec.closedAt).toBeGreaterThan(0);
  });
});
