import { describe, expect, it } from 'vitest';
import { request, Agent } from 'node:http';
import { startStandIn } from '../../harness-servers/server.js';
import { CrumpleError } from '../../src/errors.js';
import { standIn, get, rawConnect, until } from './standin-helpers.js';

describe('stand-in server', () => {
  it('a switch takes effect for the next request on an open keep-alive connection', async () => {
    const { s } = await standIn();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const once = () =>
      new Promise<number>((resolve, reject) => {
        request(s.url, { agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode!));
        })
          .on('error', reject)
          .end();
      });
    expect(await once()).toBe(200);
    await s.setBehaviour('status', { status: 502 });
    expect(await once()).toBe(502);
    agent.destroy();
    expect(s.log().connections).toHaveLength(1); // same connection both times
    expect(s.log().connections[0]!.requestCount).toBe(2);
  });

  it('bad behaviour names and params reject with BAD_INPUT naming the field, and change nothing', async () => {
    const { s } = await standIn({ behaviour: 'status', params: { status: 418 } });
    const bad = async (f: () => Promise<void>) => {
      try {
        await f();
      } catch (e) {
        expect(e).toBeInstanceOf(CrumpleError);
        expect((e as CrumpleError).code).toBe('BAD_INPUT');
        return (e as CrumpleError).message;
      }
      throw new Error('did not throw');
    };
    expect(await bad(() => s.setBehaviour('nope'))).toMatch(/behaviour: unknown 'nope'/);
    expect(await bad(() => s.setBehaviour('slow', { delay: 'soon' }))).toMatch(/params\.delay/);
    expect(await bad(() => s.setBehaviour('status', { status: 99 }))).toMatch(/params\.status/);
    expect(await bad(() => s.setBehaviour('ok', { extra: 1 }))).toMatch(/extra/);
    expect(s.behaviour()).toEqual({ name: 'status', params: { status: 418 } });
    expect((await get(s.url)).status).toBe(418);
  });

  it('startStandIn rejects a bad contract or behaviour before listening', async () => {
    await expect(startStandIn({ name: 'x', contract: [{ request: { path: 'no-slash' } }] as never })).rejects.toThrow(/contract\.0\.request\.path/);
    await expect(startStandIn({ name: 'x', behaviour: 'drip', params: { chunk: 0 } })).rejects.toThrow(/params\.chunk/);
  });

  it('records dep-open, dep-request, dep-response and dep-close in order with the answering behaviour', async () => {
    const { s, events } = await standIn();
    await get(s.url, { path: '/a' });
    await until(() => events.some((e) => e.kind === 'dep-close'));
    expect(events.map((e) => e.kind)).toEqual(['dep-open', 'dep-request', 'dep-response', 'dep-close']);
    expect(events[1]).toMatchObject({ dependency: 'dep', method: 'GET', path: '/a', behaviour: 'ok', conn: 1 });
    expect(events[2]).toMatchObject({ status: 200 });
    const ts = events.map((e) => e.t);
    expect([...ts].sort((a, b) => a - b)).toEqual(ts);
  });

  it('hang: a client reset is logged as closed by the client with the error', async () => {
    const { s, events } = await standIn({ behaviour: 'hang' });
    const sock = await rawConnect(s.port);
    sock.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n');
    await until(() => events.some((e) => e.kind === 'dep-request'));
    sock.resetAndDestroy();
    await until(() => events.some((e) => e.kind === 'dep-close'));
    expect(events.find((e) => e.kind === 'dep-close')).toMatchObject({ by: 'client', pending: true, error: 'ECONNRESET' });
  });

  it("the log gives each connection the client's address:port, open or closed", async () => {
    const { s } = await standIn({ behaviour: 'hang' });
    const a = await rawConnect(s.port);
    const b = await rawConnect(s.port);
    await until(() => s.openConnections() === 2);
    const open = s.log().connections.map((c) => c.remote);
    expect(open).toEqual([`127.0.0.1:${a.localPort}`, `127.0.0.1:${b.localPort}`]);
    const port = a.localPort;
    a.destroy();
    await until(() => s.openConnections() === 1);
    expect(s.log().connections[0]).toMatchObject({ remote: `127.0.0.1:${port}`, closedBy: 'client' });
    b.destroy();
  });

  it('the log is a bounded ring: the oldest connections are dropped and counted', async () => {
    const { s } = await standIn({ logCapacity: 5 });
    for (let i = 0; i < 8; i++) await get(s.url, { path: `/${i}` });
    const log = s.log();
    expect(log.capacity).toBe(5);
    expect(log.dropped).toBe(3);
    expect(log.connections.map((c) => c.requests[0]!.path)).toEqual(['/3', '/4', '/5', '/6', '/7']);
    expect(s.log(2).connections.map((c) => c.requests[0]!.path)).toEqual(['/6', '/7']);
  });

  it('keeps only the last requests of a long keep-alive connection but counts them all', async () => {
    const { s } = await standIn();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    for (let i = 0; i < 25; i++) {
      await new Promise<void>((r) => request(s.url + `/${i}`, { agent }, (res) => res.resume().on('end', r)).end());
    }
    agent.destroy();
    const c = s.log().connections[0]!;
    expect(c.requestCount).toBe(25);
    expect(c.requests.map((r) => r.path)).toEqual(Array.from({ length: 10 }, (_, i) => `/${i + 15}`));
  });

  it('reset goes back to the starting behaviour and clears the log', async () => {
    const { s } = await standIn({ behaviour: 'status', params: { status: 500 } });
    await s.setBehaviour('refuse');
    await s.settled();
    s.reset();
    await s.settled();
    expect(s.behaviour().name).toBe('status');
    expect(s.log().connections).toHaveLength(0);
    expect((await get(s.url)).status).toBe(500);
  });

  it('close() ends hanging connections at once and frees the port', async () => {
    const s = await startStandIn({ name: 'h', behaviour: 'hang' });
    const pending = Array.from({ length: 20 }, () => get(s.url));
    await until(() => s.openConnections() === 20);
    const t0 = performance.now();
    await s.close();
    const results = await Promise.all(pending);
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(results.every((r) => r.error !== undefined)).toBe(true);
    expect((await get(s.url)).error).toBe('ECONNREFUSED');
  });

  it('two stand-ins cannot share a port: PORT_IN_USE names it', async () => {
    const { s } = await standIn();
    await expect(startStandIn({ name: 'b', port: s.port })).rejects.toMatchObject({ code: 'PORT_IN_USE' });
  });

  it('logs selected headers but never credentials', async () => {
    const { s } = await standIn();
    await get(s.url, { headers: { 'x-request-id': 'abc', authorization: 'Bearer secret', 'user-agent': 'ua' } });
    const h = s.log().connections[0]!.requests[0]!.headers;
    expect(h).toMatchObject({ 'x-request-id': 'abc', 'user-agent': 'ua' });
    expect(JSON.stringify(h)).not.toContain('secret');
  });

  it('logs each request its own path and header values past the interning limit (1,000 distinct)', async () => {
    const { s } = await standIn();
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    const n = 1_050;
    const one = (i: number) =>
      new Promise<void>((resolve, reject) => {
        const req = request(`${s.url}/p/${i}`, { agent, headers: { 'user-agent': `ua-${i % 1_100}`, 'x-request-id': `id-${i}` } }, (res) => {
          res.resume();
          res.on('end', resolve);
        });
        req.on('error', reject);
        req.end();
      });
    for (let i = 0; i < n; i += 50) await Promise.all(Array.from({ length: 50 }, (_, k) => one(i + k)));
    agent.destroy();
    const seen = new Map<string, Record<string, string>>();
    for (const c of s.log().connections) for (const r of c.requests) seen.set(r.path, r.headers);
    // Only the last 10 requests of each connection are kept in detail; each one kept is its own.
    expect(seen.size).toBeGreaterThan(0);
    for (const [path, h] of seen) {
      const i = Number(path.slice('/p/'.length));
      expect(h).toMatchObject({ 'user-agent': `ua-${i % 1_100}`, 'x-request-id': `id-${i}` });
    }
    expect([...seen.keys()].some((p) => Number(p.slice(3)) >= 1_000)).toBe(true);
  });
});
