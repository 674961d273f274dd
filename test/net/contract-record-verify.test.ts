import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.js';
import { httpServer, onCleanup, tcpServer } from '../helpers/listen.js';
import { inventoryService, startRecordCli } from './contract-helpers.js';
import { readContractFile } from '../../src/contract/file.js';
import { startStandIn } from '../../harness-servers/server.js';

const SECRETS = {
  bearer: 'tok-9f8e7d6c5b4a',
  cookie: 'sess-0a1b2c3d4e5f',
  query: 'qs-secret-77aa88bb',
  body: 'hunter2-password',
};

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'crumple-contract-'));
}

/** Records the example inventory service through the CLI, with credentials on every request. */
async function recordInventory(file: string, env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string; upstream: string }> {
  const inv = await inventoryService({ REQUIRE_TOKEN: SECRETS.bearer, ...env });
  const rec = await startRecordCli(['--upstream', inv.url, '--out', file]);
  const auth = { authorization: `Bearer ${SECRETS.bearer}`, cookie: `sid=${SECRETS.cookie}; theme=dark` };
  const get = async (path: string) => (await fetch(`${rec.url}${path}`, { headers: auth })).json();
  expect(await get('/health')).toEqual({ ok: true });
  expect(await get('/items/1')).toMatchObject({ id: 1, name: 'espresso cup' });
  await get('/items/42');
  await get(`/items?access_token=${SECRETS.query}&limit=10`);
  expect(await get('/items/999')).toMatchObject({ error: 'no such item' });
  const order = await fetch(`${rec.url}/orders`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ sku: 'sku-1', qty: 1, password: SECRETS.body }),
  });
  expect(order.status).toBe(201);
  rec.stop(); // Ctrl-C writes what was recorded
  const r = await rec.done;
  return { ...r, upstream: inv.url };
}

describe('crumple contract record', () => {
  it('writes one pair per distinct request, ids as :id, a second status as its own pair, and Ctrl-C writes the file', async () => {
    const file = join(tmp(), 'inventory.yaml');
    const r = await recordInventory(file);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/wrote .*inventory\.yaml: 5 entries .* from 6 exchanges; stopped: interrupted/);
    const c = await readContractFile(file);
    expect(c.recorded?.upstream).toBe(r.upstream);
    const routes = c.pairs.map((p) => `${p.request.method} ${p.request.path} → ${p.response?.status}`);
    // /items/999 (404) is served before the template, or the template would answer it.
    expect(routes).toEqual(['GET /health → 200', 'GET /items/999 → 404', 'GET /items/:id → 200', 'GET /items → 200', 'POST /orders → 201']);
    const item = c.pairs[2]!;
    expect(item.request.example?.path).toBe('/items/1');
    expect(item.response?.contentType).toBe('application/json; charset=utf-8');
    expect(item.response?.shape).toEqual({ id: 'number', sku: 'string', name: 'string', stock: 'number', price: 'number', tags: ['string'] });
    expect(item.response?.latencyMs).toEqual(expect.any(Number));
    // The list's items: every item's fields, tags seen both empty and not.
    expect(c.pairs[3]!.response?.shape).toMatchObject({ items: [{ id: 'number', tags: ['string'] }], total: 'number' });
    // Per-call headers are left out; stable ones kept.
    expect(item.response?.headers).toEqual({ 'cache-control': 'no-store' });
  });

  it('never writes a credential sent while recording: bearer token, cookie, token in the query, password in a body', async () => {
    const file = join(tmp(), 'inventory.json');
    const r = await recordInventory(file);
    expect(r.code, r.stderr).toBe(0);
    const text = readFileSync(file, 'utf8');
    for (const s of Object.values(SECRETS)) expect(text).not.toContain(s);
    expect(text).not.toMatch(/authorization|cookie|access_token/i);
    // What is not secret stays: the query's other parameter, the order's other fields.
    const c = await readContractFile(file);
    expect(c.pairs.find((p) => p.request.path === '/items')?.request.example?.path).toBe('/items?limit=10');
    expect(c.pairs.find((p) => p.request.method === 'POST')?.request.example?.body).toEqual({ sku: 'sku-1', qty: 1, password: '<redacted>' });
  });

  it('the recorded file is a contract the stand-in serves as is', async () => {
    const file = join(tmp(), 'inventory.yaml');
    expect((await recordInventory(file)).code).toBe(0);
    const { pairs } = await readContractFile(file);
    const standIn = await startStandIn({ name: 'inventory', behaviour: 'ok', contract: pairs });
    onCleanup(() => standIn.close());
    const res = await fetch(`${standIn.url}/items/7`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await res.json()).toEqual({ id: 1, sku: 'sku-1', name: 'espresso cup', stock: 3, price: 9.5, tags: ['kitchen'] });
    expect((await fetch(`${standIn.url}/items/999`)).status).toBe(404);
    expect((await fetch(`${standIn.url}/nowhere`)).status).toBe(404); // a contract miss
    expect(standIn.log().connections.flatMap((c) => c.requests).filter((q) => q.miss).map((q) => q.path)).toEqual(['/nowhere']);
  });

  it('stops by itself at --max-entries and at --for', async () => {
    const inv = await inventoryService();
    const dir = tmp();
    const rec = await startRecordCli(['--upstream', inv.url, '--out', join(dir, 'a.yaml'), '--max-entries', '2', '--quiet']);
    for (const p of ['/health', '/items/1', '/items']) await (await fetch(`${rec.url}${p}`)).arrayBuffer();
    const r = await rec.done; // no stop(): the limit ends it
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/2 entries .*stopped: limit reached: 2 entries \(--max-entries\)/);
    expect((await readContractFile(join(dir, 'a.yaml'))).pairs).toHaveLength(2);
    const timed = await startRecordCli(['--upstream', inv.url, '--out', join(dir, 'b.yaml'), '--for', '300ms']);
    const t = await timed.done;
    expect(t.stdout).toMatch(/0 entries .*stopped: --for 300ms elapsed/);
  });

  it('an upstream that answers garbage or goes away: the caller gets 502, stderr one line, nothing recorded', async () => {
    const garbage = await tcpServer((s) => s.on('data', () => s.end('\x00\x01 not http at all\r\n\r\n')));
    const dir = tmp();
    const rec = await startRecordCli(['--upstream', `http://127.0.0.1:${garbage.port}`, '--out', join(dir, 'g.yaml')]);
    const res = await fetch(`${rec.url}/items/1`);
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: string }).error).toMatch(/not HTTP/);
    rec.stop();
    const r = await rec.done;
    expect(r.code).toBe(0);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^crumple: upstream failed: GET \/items\/1: answered bytes that are not HTTP \(HPE_\w+\) \(answered 502, not recorded\)$/)]);
    expect((await readContractFile(join(dir, 'g.yaml'))).pairs).toEqual([]);
  });

  it('bad input is one line and exit 2: upstream down, not loopback, bad URL, existing file, bad --for', async () => {
    const closed = await httpServer(() => {});
    const port = closed.port;
    await new Promise<void>((r) => closed.server.close(() => r()));
    const dir = tmp();
    writeFileSync(join(dir, 'exists.yaml'), '[]\n');
    const cases: [string[], RegExp][] = [
      [['--upstream', `http://127.0.0.1:${port}`, '--out', join(dir, 'x.yaml')], /--upstream http:\/\/127\.0\.0\.1:\d+: connection refused/],
      [['--upstream', 'http://192.0.2.10:80', '--out', join(dir, 'x.yaml')], /refusing to reach 192\.0\.2\.10: not a loopback host \(allow it with --allow-host 192\.0\.2\.10\)/],
      [['--upstream', 'not a url', '--out', join(dir, 'x.yaml')], /--upstream: 'not a url' is not a URL/],
      [['--upstream', 'http://u:p@127.0.0.1:1', '--out', join(dir, 'x.yaml')], /no credentials in the URL/],
      [['--upstream', 'http://127.0.0.1:1', '--out', join(dir, 'exists.yaml')], /exists \(pass --force/],
      [['--upstream', 'http://127.0.0.1:1', '--out', join(dir, 'x.yaml'), '--for', '9h'], /--for: must be more than 0 and at most 8\.00 h|--for: must be more than 0 and at most/],
    ];
    for (const [args, msg] of cases) {
      const r = await cli(['contract', 'record', ...args]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).toMatch(msg);
    }
  });
});

describe('crumple contract verify', () => {
  async function recorded(): Promise<string> {
    const file = join(tmp(), 'inventory.yaml');
    const r = await recordInventory(file);
    expect(r.code, r.stderr).toBe(0);
    return file;
  }
  const auth = ['--header', `authorization: Bearer ${SECRETS.bearer}`];

  it('the unchanged dependency: every safe route ok, POST skipped, exit 0', async () => {
    const file = await recorded();
    const inv = await inventoryService({ REQUIRE_TOKEN: SECRETS.bearer });
    const r = await cli(['contract', 'verify', file, '--against', inv.url, ...auth, '--json']);
    expect(r.code, r.stdout).toBe(0);
    const s = JSON.parse(r.stdout) as { routes: { route: string; outcome: string; drifts: { kind: string }[] }[] };
    // Latency may differ on a busy machine; nothing else may.
    const outcomes = s.routes.map((x) => [x.route, x.drifts.filter((d) => d.kind !== 'latency').length ? 'drift' : x.outcome === 'skipped' ? 'skipped' : 'ok']);
    expect(outcomes).toEqual([
      ['GET /health', 'ok'],
      ['GET /items/999', 'ok'],
      ['GET /items/:id', 'ok'],
      ['GET /items', 'ok'],
      ['POST /orders', 'skipped'],
    ]);
  });

  it('a renamed field is reported as exactly that drift, on the routes that carry it', async () => {
    const file = await recorded();
    const inv = await inventoryService({ REQUIRE_TOKEN: SECRETS.bearer, RENAME_FIELD: 'name=title' });
    const junit = join(tmp(), 'junit.xml');
    const r = await cli(['contract', 'verify', file, '--against', inv.url, ...auth, '--junit', junit]);
    expect(r.code, r.stdout).toBe(1);
    const line = (route: string) => r.stdout.split('\n').find((l) => l.trimStart().startsWith(`${route} `)) ?? '';
    expect(line('GET /items/:id')).toMatch(/DRIFT .*missing field name \(string\); new field title \(string\)$/);
    expect(line('GET /items')).toMatch(/DRIFT .*missing field items\[\]\.name \(string\); new field items\[\]\.title \(string\)$/);
    expect(line('GET /health')).not.toMatch(/DRIFT/);
    expect(line('GET /items/999')).not.toMatch(/DRIFT/);
    expect(r.stdout).toMatch(/2 drifted/);
    const xml = readFileSync(junit, 'utf8');
    expect(xml.match(/<failure /g)).toHaveLength(2);
    expect(xml).toMatch(/<testcase classname="contract [^"]*" name="GET \/items\/:id"[^>]*>\s*<failure message="missing field name \(string\); new field title \(string\)" type="contract-drift">/);
    expect(xml).toMatch(/<skipped message="POST is not a safe method/);
  });

  it('a changed status is reported as a status drift only (the other body is not compared)', async () => {
    const file = await recorded();
    const inv = await inventoryService({ REQUIRE_TOKEN: SECRETS.bearer, ITEM_STATUS: '410' });
    const r = await cli(['contract', 'verify', file, '--against', inv.url, ...auth, '--json']);
    expect(r.code).toBe(1);
    const s = JSON.parse(r.stdout) as { routes: { route: string; outcome: string; drifts: { kind: string; message: string }[] }[] };
    const drifted = s.routes.filter((x) => x.outcome === 'drift');
    expect(drifted.map((x) => [x.route, x.drifts.filter((d) => d.kind !== 'latency').map((d) => d.message)])).toEqual([['GET /items/:id', ['status 200 → 410']]]);
  });

  it('a changed type fails; a new field alone is additive (exit 0, exit 1 with --strict)', async () => {
    const file = await recorded();
    const inv = await inventoryService({ REQUIRE_TOKEN: SECRETS.bearer, PRICE_AS_TEXT: '1' });
    const r = await cli(['contract', 'verify', file, '--against', inv.url, ...auth]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/GET \/items\/:id +DRIFT .*changed type price: number → string/);
    // A hand-written contract that promises fewer fields than the service sends.
    const small = join(tmp(), 'small.yaml');
    writeFileSync(small, 'contract:\n  - request: { method: GET, path: /health }\n    response: { status: 200, json: {} }\n');
    const plain = await inventoryService();
    const ok = await cli(['contract', 'verify', small, '--against', plain.url]);
    expect(ok.code, ok.stdout).toBe(0);
    expect(ok.stdout).toMatch(/GET \/health +changed .*new field ok \(boolean\)/);
    expect((await cli(['contract', 'verify', small, '--against', plain.url, '--strict'])).code).toBe(1);
  });

  it('writes are sent only with --allow-writes; a route with parameters and no example is skipped, saying why', async () => {
    const file = join(tmp(), 'hand.yaml');
    writeFileSync(
      file,
      `- request: { method: GET, path: /items/:id }
  response: { json: { id: 1 } }
- request: { method: POST, path: /orders, body: { sku: sku-1 } }
  response: { status: 201, json: { orderId: x, sku: s, status: accepted } }
`,
    );
    const seen: string[] = [];
    const dep = await httpServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ orderId: 'o1', sku: 'sku-1', status: 'accepted' }));
    });
    const safe = await cli(['contract', 'verify', file, '--against', dep.url]);
    expect(safe.code).toBe(0);
    expect(seen).toEqual([]);
    expect(safe.stdout).toMatch(/GET \/items\/:id +skipped .*\/items\/:id has parameters and no request\.example\.path/);
    const writes = await cli(['contract', 'verify', file, '--against', dep.url, '--allow-writes']);
    expect(writes.code, writes.stdout).toBe(0);
    expect(seen).toEqual(['POST /orders']);
  });

  it('bad input is one line and exit 2: missing file, invalid contract, dependency down, not loopback', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'bad.yaml'), '- request: { path: items }\n');
    writeFileSync(join(dir, 'good.yaml'), '- request: { path: /health }\n');
    const closed = await httpServer(() => {});
    await new Promise<void>((r) => closed.server.close(() => r()));
    const cases: [string[], RegExp][] = [
      [[join(dir, 'none.yaml'), '--against', 'http://127.0.0.1:1'], /contract file '.*none\.yaml' does not exist/],
      [[join(dir, 'bad.yaml'), '--against', 'http://127.0.0.1:1'], /bad\.yaml: not a valid contract: contract\[0\]\.request\.path: path must start with "\/"/],
      [[join(dir, 'good.yaml'), '--against', closed.url], /--against http:\/\/127\.0\.0\.1:\d+: connection refused \(is it running\?\) \(no route could be checked\)/],
      [[join(dir, 'good.yaml'), '--against', 'http://10.1.2.3'], /refusing to reach 10\.1\.2\.3/],
      [[dir, '--against', 'http://127.0.0.1:1'], /is a directory/],
    ];
    for (const [args, msg] of cases) {
      const r = await cli(['contract', 'verify', ...args]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).toMatch(msg);
    }
  });

  it('a dependency answering garbage on one route: that route is an error, exit 2, the others still checked', async () => {
    const dep = await tcpServer((s) =>
      s.once('data', (d) => {
        if (d.toString().startsWith('GET /bad')) s.end('\x1b[31mgarbage\x00\r\n\r\n');
        else s.end('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\nconnection: close\r\n\r\n{"ok":true}');
      }),
    );
    const file = join(tmp(), 'g.yaml');
    writeFileSync(file, '- request: { path: /bad }\n  response: { json: { ok: true } }\n- request: { path: /good }\n  response: { json: { ok: true } }\n');
    const r = await cli(['contract', 'verify', file, '--against', `http://127.0.0.1:${dep.port}`]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/GET \/bad +ERROR .*answered bytes that are not HTTP/);
    expect(r.stdout).toMatch(/GET \/good +ok/);
    expect(r.stdout).not.toContain('\x1b');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
