import { describe, expect, it } from 'vitest';
import { Toxiproxy } from 'toxiproxy-node-client';
import { proxyApi, echoProxy, dial, roundTrip, record } from './proxy-helpers.js';
import { tcpServer } from '../helpers/listen.js';
import { API_VERSION } from '../../src/proxy/api.js';

const json = { 'Content-Type': 'application/json' };

async function raw(url: string, method: string, path: string, body?: unknown) {
  const res = await fetch(url + path, { method, headers: json, ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }) });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text(), headers: res.headers };
}

describe('proxy API speaks Toxiproxy 2.x to toxiproxy-node-client', () => {
  it('creates, gets, lists, updates and deletes proxies with Toxiproxy status codes', async () => {
    const { url, tp } = await proxyApi();
    const up = await tcpServer(() => {});
    const created = await tp.createProxy({ name: 'db', upstream: `127.0.0.1:${up.port}`, listen: 'localhost:0' } as never);
    expect(created.listen).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(created.listen).not.toBe('127.0.0.1:0');
    expect(created.enabled).toBe(true);
    const r = await raw(url, 'POST', '/proxies', { name: 'db2', upstream: `127.0.0.1:${up.port}` });
    expect(r.status).toBe(201);
    expect(r.type).toBe('application/json');
    expect(r.text.endsWith('\n')).toBe(false);
    expect(Object.keys(JSON.parse(r.text))).toEqual(['name', 'listen', 'upstream', 'enabled', 'toxics']);
    expect(JSON.parse(r.text).listen).toMatch(/^127\.0\.0\.1:\d+$/); // deviation: empty listen is loopback
    expect(Object.keys(await tp.getAll())).toEqual(['db', 'db2']);
    expect((await tp.get('db')).upstream).toBe(`127.0.0.1:${up.port}`);
    const off = await created.update({ enabled: false } as never);
    expect(off.enabled).toBe(false);
    expect(off.listen).toBe(created.listen);
    const patched = await raw(url, 'PATCH', '/proxies/db', { enabled: true });
    expect(patched.status).toBe(200);
    expect(JSON.parse(patched.text).enabled).toBe(true);
    await (await tp.get('db2')).remove();
    expect((await raw(url, 'DELETE', '/proxies/db')).status).toBe(204);
    expect(await tp.getAll()).toEqual({});
    expect(await tp.getVersion()).toBe(`{"version": "${API_VERSION}"}\n`);
  });

  it('answers errors with the status and body Toxiproxy uses', async () => {
    const { url, tp } = await proxyApi();
    const up = await tcpServer(() => {});
    await tp.createProxy({ name: 'a', upstream: `127.0.0.1:${up.port}`, listen: '127.0.0.1:0' } as never);
    await expect(tp.createProxy({ name: 'a', upstream: 'x:1' } as never)).rejects.toThrow('Request failed with status code 409');
    await expect(tp.get('nope')).rejects.toThrow('status code 404');
    const cases: [string, string, unknown, number, string][] = [
      ['POST', '/proxies', { name: 'a', upstream: 'x:1' }, 409, 'proxy already exists'],
      ['POST', '/proxies', { upstream: 'x:1' }, 400, 'missing required field: name'],
      ['POST', '/proxies', { name: 'b' }, 400, 'missing required field: upstream'],
      ['POST', '/proxies', '{bad json', 400, 'bad request body: '],
      ['POST', '/proxies', { name: 'b', upstream: 'x:1', enabled: 'yes' }, 400, 'bad request body: json: cannot unmarshal string'],
      ['POST', '/proxies', { name: 'b', upstream: 'x:1', listen: 'bogus' }, 500, 'address bogus: missing port in address'],
      ['GET', '/proxies/nope', undefined, 404, 'proxy not found'],
      ['DELETE', '/proxies/nope', undefined, 404, 'proxy not found'],
      ['GET', '/proxies/a/toxics/nope', undefined, 404, 'toxic not found'],
      ['DELETE', '/proxies/a/toxics/nope', undefined, 404, 'toxic not found'],
      ['POST', '/proxies/a/toxics', { type: 'down' }, 400, 'invalid toxic type'],
      ['POST', '/proxies/a/toxics', { attributes: {} }, 400, 'invalid toxic type'],
      ['POST', '/proxies/a/toxics', { type: 'latency', stream: '' }, 400, 'stream was invalid, can be either upstream or downstream'],
      ['POST', '/proxies/a/toxics', { type: 'latency', attributes: { latency: 1.5 } }, 400, 'bad request body: json: cannot unmarshal number 1.5 into Go struct field LatencyToxic.attributes.latency of type int64'],
      ['POST', '/proxies/a/toxics', { type: 'latency', attributes: { latency: '5' } }, 400, 'cannot unmarshal string'],
      ['POST', '/proxies/a/toxics', { type: 'latency', toxicity: 'all' }, 400, 'cannot unmarshal string'],
      // Values that crash the real Toxiproxy are refused instead.
      ['POST', '/proxies/a/toxics', { type: 'bandwidth', attributes: { rate: -1 } }, 400, 'rate must be >= 0'],
      ['POST', '/proxies/a/toxics', { type: 'slicer', attributes: { average_size: 0 } }, 400, 'average_size + size_variation must be >= 1'],
      ['POST', '/proxies/a/toxics', { type: 'slicer', attributes: { average_size: 10, size_variation: 12 } }, 400, 'size_variation 12 can split a 23-byte chunk before its start'],
    ];
    for (const [method, path, body, status, msg] of cases) {
      const r = await raw(url, method, path, body);
      expect({ path, body, status: r.status }).toEqual({ path, body, status });
      expect(r.type).toBe('text/plain; charset=utf-8');
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.text.endsWith('\n')).toBe(true);
      const parsed = JSON.parse(r.text) as { error: string; status: number };
      expect(parsed.status).toBe(status);
      expect(parsed.error).toContain(msg);
    }
    expect((await raw(url, 'PUT', '/proxies')).status).toBe(405);
    expect((await raw(url, 'PUT', '/proxies')).text).toBe('');
    const missing = await raw(url, 'GET', '/nothing/here');
    expect([missing.status, missing.text]).toEqual([404, '404 page not found\n']);
    const browser = await fetch(`${url}/proxies`, { headers: { 'User-Agent': 'Mozilla/5.0' } });
    expect([browser.status, await browser.text()]).toEqual([403, 'User agent not allowed\n']);
    expect((await fetch(`${url}/proxies`)).headers.get('x-toxiproxy-request-id')).toBeTruthy();
  });

  it('a bind failure is a 500 naming the address, and the proxy is not created', async () => {
    const { url, tp } = await proxyApi();
    const busy = await tcpServer(() => {});
    const r = await raw(url, 'POST', '/proxies', { name: 'b', upstream: 'x:1', listen: `127.0.0.1:${busy.port}` });
    expect(r.status).toBe(500);
    expect(JSON.parse(r.text).error).toBe(`listen tcp 127.0.0.1:${busy.port}: bind: address already in use`);
    expect(await tp.getAll()).toEqual({});
  });

  it('toxics: defaults, every attribute listed, merge on update, upstream listed first, 409 across directions', async () => {
    const { url, tp } = await proxyApi();
    const { proxy } = await echoProxy(tp);
    const t = await proxy.addToxic({ type: 'latency', attributes: { latency: 100 } } as never);
    expect(t.toJson()).toEqual({ name: 'latency_downstream', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 100, jitter: 0 } });
    const created = await raw(url, 'POST', '/proxies/echo/toxics', { type: 'slicer', stream: 'UPSTREAM', toxicity: 0.2, attributes: { average_size: 5, bogus: 1 } });
    expect(created.status).toBe(200);
    expect(created.text).toBe('{"attributes":{"average_size":5,"size_variation":0,"delay":0},"name":"slicer_UPSTREAM","type":"slicer","stream":"UPSTREAM","toxicity":0.2}');
    const dup = await raw(url, 'POST', '/proxies/echo/toxics', { type: 'timeout', name: 'slicer_UPSTREAM', stream: 'downstream' });
    expect(dup.status).toBe(409);
    expect(JSON.parse(dup.text).error).toBe('toxic already exists');
    const updated = await t.update({ attributes: { jitter: 20 } } as never);
    expect(updated.attributes).toEqual({ latency: 100, jitter: 20 });
    expect(updated.toxicity).toBe(1);
    const upd2 = await raw(url, 'PATCH', '/proxies/echo/toxics/latency_downstream', { toxicity: 0.5, name: 'ignored', type: 'bandwidth' });
    expect(JSON.parse(upd2.text)).toEqual({ attributes: { latency: 100, jitter: 20 }, name: 'latency_downstream', type: 'latency', stream: 'downstream', toxicity: 0.5 });
    const list = JSON.parse((await raw(url, 'GET', '/proxies/echo/toxics')).text) as { name: string }[];
    expect(list.map((x) => x.name)).toEqual(['slicer_UPSTREAM', 'latency_downstream']);
    expect((await proxy.getToxic('slicer_UPSTREAM')).stream).toBe('UPSTREAM');
    expect((await tp.get('echo')).toJson().name).toBe('echo');
    await (await proxy.getToxic('latency_downstream')).remove();
    expect((await raw(url, 'DELETE', '/proxies/echo/toxics/slicer_UPSTREAM')).status).toBe(204);
    expect(JSON.parse((await raw(url, 'GET', '/proxies/echo/toxics')).text)).toEqual([]);
  });

  it('every toxic type can be created through the node client with its attributes echoed back', async () => {
    const { tp } = await proxyApi();
    const { proxy } = await echoProxy(tp);
    const bodies: Record<string, Record<string, number>> = {
      latency: { latency: 10, jitter: 2 }, bandwidth: { rate: 100 }, slow_close: { delay: 10 }, timeout: { timeout: 100 },
      reset_peer: { timeout: 5 }, slicer: { average_size: 10, size_variation: 2, delay: 5 }, limit_data: { bytes: 100 }, noop: {},
    };
    for (const [type, attributes] of Object.entries(bodies)) {
      const t = await proxy.addToxic({ type, name: type, stream: 'upstream', toxicity: 1, attributes } as never);
      expect(t.attributes).toEqual(attributes);
      expect((await proxy.getToxic(type)).type).toBe(type);
    }
  });

  it('/reset removes every toxic and re-enables every proxy; /populate creates, keeps equal ones and replaces changed ones', async () => {
    const { url, tp } = await proxyApi();
    const { proxy, upstreamPort } = await echoProxy(tp);
    await proxy.addToxic({ type: 'latency', attributes: { latency: 5 } } as never);
    await proxy.update({ enabled: false } as never);
    await tp.reset();
    const after = await raw(url, 'GET', '/proxies/echo');
    expect(JSON.parse(after.text)).toMatchObject({ enabled: true, toxics: [] });
    const listen = JSON.parse(after.text).listen as string;
    await proxy.addToxic({ type: 'latency', attributes: { latency: 5 } } as never);
    const populated = await tp.populate([
      { name: 'echo', listen, upstream: `127.0.0.1:${upstreamPort}` },
      { name: 'other', listen: '127.0.0.1:0', upstream: `127.0.0.1:${upstreamPort}` },
    ] as never);
    expect(Object.keys(populated).sort()).toEqual(['echo', 'other']);
    expect(JSON.parse((await raw(url, 'GET', '/proxies/echo/toxics')).text)).toHaveLength(1); // untouched
    const bad = await raw(url, 'POST', '/populate', [{ name: 'x', upstream: 'y:1' }, { upstream: 'y:1' }]);
    expect(bad.status).toBe(400);
    expect(bad.type).toBe('application/json');
    expect(JSON.parse(bad.text)).toEqual({ error: 'missing required field: name at proxy 2', status: 400, proxies: null });
    expect(Object.keys(await tp.getAll()).sort()).toEqual(['echo', 'other']);
    const empty = await raw(url, 'POST', '/populate', []);
    expect([empty.status, empty.text]).toEqual([201, '{"proxies":[]}']);
    expect(await new Toxiproxy(url).populate([])).toEqual({});
  });

  it('a disabled proxy refuses connections and drops open ones; enabling it listens again on the same address', async () => {
    const { tp } = await proxyApi();
    const { proxy, port } = await echoProxy(tp);
    const open = await dial(port);
    const rec = record(open);
    expect(await roundTrip(open)).toBeGreaterThanOrEqual(0);
    await proxy.update({ enabled: false } as never);
    await rec.closed;
    await expect(dial(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await proxy.update({ enabled: true } as never);
    const again = await dial(port);
    expect(await roundTrip(again)).toBeGreaterThanOrEqual(0);
  });

  it('deleting a proxy closes its open connections', async () => {
    const { tp } = await proxyApi();
    const { proxy, port } = await echoProxy(tp);
    const s = await dial(port);
    const rec = record(s);
    await proxy.remove();
    await rec.closed;
    expect(rec.closedAt).toBeGreaterThanOrEqual(0);
  });

  it('an unreachable upstream closes the client at once with no data', async () => {
    const { tp } = await proxyApi();
    const gone = await tcpServer(() => {});
    const port = gone.port;
    await new Promise<void>((r) => gone.server.close(() => r()));
    const p = await tp.createProxy({ name: 'dead', upstream: `127.0.0.1:${port}`, listen: '127.0.0.1:0' } as never);
    const s = await dial(Number(p.listen.split(':').pop()));
    const rec = record(s);
    await rec.closed;
    expect(rec.data.length).toBe(0);
  });

  it('a malformed percent-encoding in the path is a 400 naming the path, on every route', async () => {
    const { url, tp } = await echoProxyApi();
    for (const [method, path] of [['GET', '/proxies/%E0%A4%A'], ['DELETE', '/proxies/%E0%A4'], ['GET', '/proxies/echo/toxics/%zz'], ['POST', '/nothing/%']]) {
      const r = await raw(url, method!, path!, method === 'POST' ? {} : undefined);
      expect({ path, status: r.status }).toEqual({ path, status: 400 });
      expect(r.type).toBe('text/plain; charset=utf-8');
      expect(JSON.parse(r.text)).toEqual({ error: `bad path ${path}: malformed percent-encoding`, status: 400 });
    }
    expect((await tp.get('echo')).name).toBe('echo');
  });

  it('a proxy name that could not be addressed again is refused with 400 naming the field; every accepted name can be deleted', async () => {
    const { url, tp } = await proxyApi();
    const bad = ['../../etc', 'a/b', 'nul\u0000byte', '..', '.', 'sp ace', 'q?x', 'h#x', 'p%41', 'x'.repeat(256), 'é'];
    for (const name of bad) {
      const r = await raw(url, 'POST', '/proxies', { name, upstream: '127.0.0.1:1', listen: '127.0.0.1:0' });
      expect({ name, status: r.status }).toEqual({ name, status: 400 });
      expect(JSON.parse(r.text).error).toMatch(/^invalid field: name: /);
    }
    const pop = await raw(url, 'POST', '/populate', [{ name: 'fine', upstream: '127.0.0.1:1' }, { name: '../x', upstream: '127.0.0.1:1' }]);
    expect(pop.status).toBe(400);
    expect(JSON.parse(pop.text)).toMatchObject({ status: 400, proxies: null });
    expect(JSON.parse(pop.text).error).toMatch(/^invalid field: name at proxy 2: "\.\.\/x"/);
    expect(await tp.getAll()).toEqual({}); // nothing was created, so nothing is stranded
    const good = ['crumple-inventory', 'shopify_test_redis_master', 'redis:6379', 'v1.2', 'A-Z_0.9', 'x'.repeat(255)];
    for (const name of good) {
      const p = await tp.createProxy({ name, upstream: '127.0.0.1:1', listen: '127.0.0.1:0' } as never);
      await p.remove();
    }
    expect(await tp.getAll()).toEqual({});
  });

  it('a listen port out of range is a 400 naming listen, on create, update and populate', async () => {
    const { url, tp } = await echoProxyApi();
    const before = (await tp.get('echo')).listen;
    const cases: [string, string, unknown][] = [
      ['POST', '/proxies', { name: 'b', upstream: '127.0.0.1:1', listen: '127.0.0.1:99999' }],
      ['POST', '/proxies/echo', { listen: '127.0.0.1:99999' }],
      ['PATCH', '/proxies/echo', { listen: ':65536' }],
    ];
    for (const [method, path, body] of cases) {
      const r = await raw(url, method, path, body);
      expect({ path, body, status: r.status }).toEqual({ path, body, status: 400 });
      expect(JSON.parse(r.text).error).toMatch(/^invalid field: listen: port out of range \(0-65535\)/);
    }
    const pop = await raw(url, 'POST', '/populate', [{ name: 'c', upstream: '127.0.0.1:1', listen: '127.0.0.1:99999' }]);
    expect([pop.status, JSON.parse(pop.text).proxies]).toEqual([400, null]);
    expect(JSON.parse(pop.text).error).toContain('invalid field: listen');
    expect(Object.keys(await tp.getAll())).toEqual(['echo']);
    const echo = await tp.get('echo');
    expect([echo.listen, echo.enabled]).toEqual([before, true]); // a refused update changes nothing
  });

  it('after 200 hostile requests the API still answers a good one', async () => {
    const { url, tp } = await echoProxyApi();
    const hostile: [string, string, unknown][] = [
      ['GET', '/proxies/%E0%A4%A', undefined],
      ['POST', '/proxies', { name: '../../etc', upstream: '127.0.0.1:1' }],
      ['POST', '/proxies', { name: 'x\u0000', upstream: '127.0.0.1:1' }],
      ['POST', '/proxies', { name: 'big', upstream: '127.0.0.1:1', listen: '127.0.0.1:99999' }],
      ['POST', '/populate', [{ name: '..', upstream: '127.0.0.1:1' }]],
    ];
    for (let i = 0; i < 200; i++) {
      const [method, path, body] = hostile[i % hostile.length]!;
      expect((await raw(url, method, path, body)).status).toBe(400);
    }
    expect(Object.keys(await tp.getAll())).toEqual(['echo']);
    const t = await (await tp.get('echo')).addToxic({ type: 'latency', attributes: { latency: 1 } } as never);
    expect(t.name).toBe('latency_downstream');
  });
});

async function echoProxyApi() {
  const api = await proxyApi();
  await echoProxy(api.tp);
  return api;
}
