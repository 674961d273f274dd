import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import fc from 'fast-check';
import { startControlApi, type ControlApi } from '../../harness-servers/control.js';
import { startStandIn, type StandIn } from '../../harness-servers/server.js';
import { startProxyServer, type ProxyServer } from '../../src/proxy/server.js';
import { bounded, STACK } from './helpers.js';
import { apiCorpus } from './corpus.js';

/**
 * The two HTTP APIs crumple serves (the Toxiproxy-compatible proxy API and the stand-ins' control
 * API) under generated paths, methods and bodies: never a 5xx, every 4xx with a JSON error, an
 * answer in bounded time, and the server still answers its health route afterwards. Raw node:http
 * requests, so paths are sent exactly as generated (no client normalises them).
 */

function send(base: string, method: string, path: string, body?: Buffer | string, headers: Record<string, string> = {}): Promise<{ status: number; text: string; type: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, method, path, headers: { ...(body !== undefined ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } : {}), ...headers }, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c.length + text.length > 65536 ? '' : c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, type: String(res.headers['content-type'] ?? '') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const segment = fc.oneof(
  fc.constantFrom('', '.', '..', '%', '%E0%A4%A', '%00', '%2F', '%ZZ', 'inventory', 'feed', 'p0', 'latency_downstream', 'x'.repeat(300), '%F0%9F%92%A9', 'a b', 'é', '?', '#', '*', 'proxies', 'toxics'),
  fc.string({ maxLength: 10 }).map((s) => encodeURIComponent(s)),
  fc.string({ maxLength: 6 }),
);
const pathArb = (roots: string[]) =>
  fc.tuple(fc.constantFrom(...roots), fc.array(segment, { maxLength: 3 }), fc.option(fc.constantFrom('?limit=5', '?limit=-1', '?limit=abc', '?x=%zz', '?', '?limit=99999999999'), { nil: undefined })).map(([root, segs, q]) => {
    const p = `${root}${segs.length ? `/${segs.join('/')}` : ''}${q ?? ''}`;
    // node:http refuses to send some characters in a path at all; those never reach a server either.
    return p.replace(/[\u0000-\u0020\u007f-\uffff]/g, (c) => encodeURIComponent(c));
  });

const jsonish: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.record({ name: fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('crumple-x', 'a/b', '', '..', 'x'.repeat(300)), fc.integer()), listen: fc.oneof(fc.constantFrom('127.0.0.1:0', '', ':0', 'localhost:0', '127.0.0.1:99999', '127.0.0.1:-1', 'nohost', '[::1]:0'), fc.string({ maxLength: 6 })), upstream: fc.oneof(fc.constantFrom('127.0.0.1:9', '', 'x'), fc.string({ maxLength: 6 })), enabled: fc.oneof(fc.boolean(), fc.string({ maxLength: 3 })) }, { requiredKeys: [] }),
  fc.record({ type: fc.constantFrom('latency', 'bandwidth', 'timeout', 'slicer', 'limit_data', 'reset_peer', 'slow_close', 'nope', ''), stream: fc.constantFrom('upstream', 'downstream', 'sideways'), toxicity: fc.oneof(fc.double(), fc.constantFrom(-1, 2, '1')), attributes: fc.dictionary(fc.constantFrom('latency', 'jitter', 'rate', 'timeout', 'average_size', 'size_variation', 'delay', 'bytes', 'x'), fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 3 })), { maxKeys: 3 }) }, { requiredKeys: [] }),
  fc.record({ behaviour: fc.constantFrom('ok', 'slow', 'hang', 'refuse', 'reset', 'status', 'sequence', 'flaky', 'echo', 'nope', ''), params: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.record({ status: fc.oneof(fc.integer(), fc.constantFrom(99, 600, 503)), delay: fc.oneof(fc.integer(), fc.constantFrom('1s', '-1s', '99999h')), steps: fc.jsonValue({ maxDepth: 2 }) }, { requiredKeys: [] })) }, { requiredKeys: [] }),
);
const bodyArb = fc.oneof(
  jsonish.map((v) => JSON.stringify(v)),
  fc.constantFrom('', '{', '[', 'null', '"x"', '{"name":', '\u0000', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}'),
  fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
);
const methodArb = fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE', 'FOO');

const requestArb = (roots: string[]) => fc.record({ method: methodArb, path: pathArb(roots), body: fc.option(bodyArb, { nil: undefined }) });

let proxy: ProxyServer;
let control: ControlApi;
let standIns: StandIn[];
beforeAll(async () => {
  proxy = await startProxyServer({ host: '127.0.0.1', port: 0 });
  standIns = [await startStandIn({ name: 'inventory' }), await startStandIn({ name: 'feed', protocol: 'ws' })];
  control = await startControlApi(standIns);
});
afterAll(async () => {
  await control.close();
  for (const s of standIns) await s.close();
  await proxy.close();
});

// A JSON error body parses; Toxiproxy's own plain-text answers (404 page not found, 403 to browsers) stay plain text.
const answeredWell = (r: { status: number; text: string; type: string }, what: string) => {
  expect(r.status, `${what} → ${r.status} ${r.text.slice(0, 300)}`).toBeLessThan(500);
  expect(r.status, what).toBeGreaterThanOrEqual(200);
  if (r.status >= 400 && r.text && r.type.startsWith('application/json')) expect(() => JSON.parse(r.text), `${what}: a JSON error body parses`).not.toThrow();
  expect(r.text, what).not.toMatch(STACK);
};

describe('fuzz: the proxy API and the control API', () => {
  it('1,000 generated requests to the proxy API: never a 5xx, never a hang, the server answers afterwards', async () => {
    await fc.assert(
      fc.asyncProperty(requestArb(['/proxies', '/populate', '/reset', '/version', '/metrics', '', '/proxies/p0/toxics']), async ({ method, path, body }) => {
        const what = `${method} ${path} ${typeof body === 'string' ? body.slice(0, 200) : body ? '<bytes>' : ''}`;
        answeredWell(await bounded(what, send(proxy.url, method, path || '/', body)), what);
      }),
      { numRuns: 1000, seed: 1214, endOnFailure: true },
    );
    expect((await send(proxy.url, 'GET', '/version')).status).toBe(200);
    // Whatever was created is still addressable: every proxy can be read and deleted again.
    const all = JSON.parse((await send(proxy.url, 'GET', '/proxies')).text) as Record<string, unknown>;
    for (const name of Object.keys(all)) expect((await send(proxy.url, 'DELETE', `/proxies/${encodeURIComponent(name)}`)).status, name).toBe(204);
  }, 300_000);

  it('1,000 generated requests to the control API: never a 5xx, never a hang, the server answers afterwards', async () => {
    await fc.assert(
      fc.asyncProperty(requestArb(['/standins', '/standins/inventory', '/standins/inventory/behaviour', '/standins/feed/behaviour', '/standins/inventory/log', '/standins/inventory/reset', '/behaviours', '/health', '']), async ({ method, path, body }) => {
        const what = `${method} ${path} ${typeof body === 'string' ? body.slice(0, 200) : body ? '<bytes>' : ''}`;
        answeredWell(await bounded(what, send(control.url, method, path || '/', body)), what);
      }),
      { numRuns: 1000, seed: 1215, endOnFailure: true },
    );
    expect((await send(control.url, 'GET', '/health')).status).toBe(200);
  }, 300_000);

  it.each(apiCorpus)('past find: $name', async ({ api, method, path, body, status }) => {
    const base = api === 'proxy' ? proxy.url : control.url;
    const r = await send(base, method, path, body);
    expect(r.status).toBe(status);
    expect(JSON.parse(r.text)).toHaveProperty('error');
  });
});
