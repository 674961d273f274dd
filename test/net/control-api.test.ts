import { describe, expect, it } from 'vitest';
import { startControlApi } from '../../harness-servers/control.js';
import { onCleanup } from '../helpers/listen.js';
import { standIn, get } from './standin-helpers.js';

async function api(token?: string) {
  const { s: inv } = await standIn({ name: 'inventory' });
  const { s: feed } = await standIn({ name: 'feed', protocol: 'ws' });
  const c = await startControlApi([inv, feed], token ? { token } : {});
  onCleanup(() => c.close());
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const r = await fetch(c.url + path, { method, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers }, ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}) });
    return { status: r.status, json: (await r.json()) as any };
  };
  return { c, inv, feed, call };
}

describe('control API', () => {
  it('binds 127.0.0.1 and lists stand-ins with their behaviour', async () => {
    const { c, call } = await api();
    expect(c.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const r = await call('GET', '/standins');
    expect(r.status).toBe(200);
    expect(r.json.map((x: any) => [x.name, x.protocol, x.behaviour])).toEqual([['inventory', 'http', 'ok'], ['feed', 'ws', 'echo']]);
    expect((await call('GET', '/behaviours')).json.http.map((b: any) => b.name)).toContain('sequence');
  });

  it('switches a behaviour with params; the stand-in answers accordingly', async () => {
    const { inv, call } = await api();
    const r = await call('PUT', '/standins/inventory/behaviour', { behaviour: 'status', params: { status: 503, retryAfter: 2 } });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ behaviour: 'status', params: { status: 503, retryAfter: 2 } });
    expect((await get(inv.url)).status).toBe(503);
    expect((await call('GET', '/standins/inventory/behaviour')).json.name).toBe('status');
  });

  it('switching to refuse answers only once the port refuses', async () => {
    const { inv, call } = await api();
    expect((await call('PUT', '/standins/inventory/behaviour', { behaviour: 'refuse' })).status).toBe(200);
    expect((await get(inv.url)).error).toBe('ECONNREFUSED');
    expect((await call('POST', '/standins/inventory/reset')).status).toBe(200);
    expect((await get(inv.url)).status).toBe(200);
  });

  it('bad bodies get 400 naming the field; unknown names get 404; it keeps serving', async () => {
    const { call } = await api();
    const cases: [unknown, RegExp][] = [
      ['{not json', /body: not valid JSON/],
      [[1, 2], /body: expected a JSON object/],
      [{}, /behaviour: required/],
      [{ behaviour: 'nope' }, /behaviour: unknown 'nope'/],
      [{ behaviour: 'slow', params: { delay: 'x' } }, /params\.delay/],
      [{ behaviour: 'slow', params: 'fast' }, /params: expected a JSON object/],
      [{ behaviour: 'ok', colour: 'red' }, /colour: unknown field/],
      [{ behaviour: 'sequence', params: { steps: [{ behaviour: 'status', params: { status: 1 } }] } }, /params\.steps\.0\.params\.status/],
    ];
    for (const [body, msg] of cases) {
      const r = await call('PUT', '/standins/inventory/behaviour', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.error).toMatch(msg);
    }
    expect((await call('GET', '/standins/nobody')).status).toBe(404);
    expect((await call('GET', '/standins/nobody')).json.known).toEqual(['inventory', 'feed']);
    expect((await call('GET', '/nothing/here')).status).toBe(404);
    expect((await call('DELETE', '/standins/inventory')).status).toBe(405);
    expect((await call('GET', '/standins/inventory/log?limit=-1')).status).toBe(400);
    expect((await call('GET', '/health')).status).toBe(200);
  });

  it('serves the observation log of a stand-in', async () => {
    const { inv, call } = await api();
    await get(inv.url, { path: '/items/1' });
    const r = await call('GET', '/standins/inventory/log');
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ name: 'inventory', capacity: 10000, dropped: 0 });
    expect(r.json.connections[0].requests[0]).toMatchObject({ method: 'GET', path: '/items/1', status: 200, behaviour: 'ok' });
  });

  it('requires the bearer token when one is set', async () => {
    const { c, call } = await api('s3cret');
    expect((await call('GET', '/standins')).status).toBe(200);
    const r = await fetch(c.url + '/standins');
    expect(r.status).toBe(401);
    const wrong = await fetch(c.url + '/standins', { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
  });

  it('rejects a body over 1 MB with 413', async () => {
    const { call } = await api();
    const r = await call('PUT', '/standins/inventory/behaviour', JSON.stringify({ behaviour: 'ok', params: { json: 'x'.repeat(2 << 20) } }));
    expect(r.status).toBe(413);
  });

  it('a malformed percent-encoding in the path is a 400 naming the path, and after 200 of them it still serves', async () => {
    const { inv, call } = await api();
    for (const path of ['/standins/%E0%A4%A', '/standins/%E0%A4/log', '/%zz', '/standins/inventory/%']) {
      const r = await call('GET', path);
      expect({ path, status: r.status }).toEqual({ path, status: 400 });
      expect(r.json).toEqual({ error: `path: malformed percent-encoding in ${path}` });
    }
    for (let i = 0; i < 200; i++) {
      const r = await call(i % 2 ? 'PUT' : 'GET', i % 2 ? '/standins/%E0%A4%A/behaviour' : '/standins/%E0%A4%A', i % 2 ? { behaviour: 'hang' } : undefined);
      expect(r.status).toBe(400);
    }
    expect(inv.behaviour().name).toBe('ok');
    const r = await call('PUT', '/standins/inventory/behaviour', { behaviour: 'status', params: { status: 503 } });
    expect([r.status, r.json.behaviour]).toEqual([200, 'status']);
    expect((await get(inv.url)).status).toBe(503);
  });

  it('a percent-encoded stand-in name is decoded before lookup', async () => {
    const { call } = await api();
    expect((await call('GET', '/standins/%69nventory')).json.name).toBe('inventory');
  });
});
