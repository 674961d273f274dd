import { describe, expect, it } from 'vitest';
import { compareShape, mergeShapes, shapeOf } from '../../src/contract/shape.js';
import { ContractBook, isIdLike, templateOf } from '../../src/contract/record.js';
import { publicQuery, scrubJson, secretsOf } from '../../src/contract/redact.js';
import { driftOf } from '../../src/contract/drift.js';
import { parseContractText } from '../../src/contract/file.js';
import { contractMissesOf, missesLine } from '../../src/contract/misses.js';
import { compileContract, contractSchema, type ContractPair } from '../../harness-servers/contract.js';
import { renderTerminal } from '../../src/report/terminal.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { resilientRun } from '../helpers/run-result.js';
import type { DepSecond, SecondSummary } from '../../src/timeline/timeline.js';
import type { TimelineEvent } from '../../src/timeline/events.js';

describe('JSON shapes', () => {
  it('a shape names each field\'s type; array items are merged, fields some items lack become optional', () => {
    expect(shapeOf({ id: 1, name: 'a', tags: [], ok: true, gone: null })).toEqual({ id: 'number', name: 'string', tags: [], ok: 'boolean', gone: 'null' });
    expect(shapeOf([{ id: 1, nick: 'x' }, { id: 2 }, { id: 3, nick: null }])).toEqual([{ id: 'number', 'nick?': 'null|string' }]);
    expect(mergeShapes(['string'], [])).toEqual(['string']);
    expect(mergeShapes({ a: 'number' }, 'string')).toBe('any');
  });
  it('compare: missing fields, changed types and new fields, each path once, nested through arrays', () => {
    const shape = { id: 'number', name: 'string', 'nick?': 'string', items: [{ sku: 'string', qty: 'number' }] };
    const drift = compareShape(shape, { id: '7', title: 'x', items: [{ sku: 'a', qty: '1' }, { sku: 'b', qty: '2', extra: 1 }] });
    expect(drift).toEqual([
      { kind: 'changed-type', path: 'id', expected: 'number', actual: 'string' },
      { kind: 'missing-field', path: 'name', expected: 'string' },
      { kind: 'changed-type', path: 'items[].qty', expected: 'number', actual: 'string' },
      { kind: 'new-field', path: 'items[].extra', actual: 'number' },
      { kind: 'new-field', path: 'title', actual: 'string' },
    ]);
    expect(compareShape(shape, { id: 1, name: 'n', items: [] })).toEqual([]);
    expect(compareShape({ a: 'any' }, { a: [1, { b: 2 }] })).toEqual([]);
    expect(compareShape(['number'], { not: 'an array' })).toEqual([{ kind: 'changed-type', path: '(body)', expected: 'array', actual: 'object' }]);
  });
});

describe('recording: templates, redaction, the book of pairs', () => {
  it('id-like segments become :id, :id2; words stay', () => {
    expect(templateOf('/items/42/stock')).toEqual({ template: '/items/:id/stock', params: { id: '42' } });
    expect(templateOf('/users/3f2504e0-4f89-11d3-9a0c-0305e82c3301/orders/sku-17').template).toBe('/users/:id/orders/:id2');
    for (const s of ['items', 'v1', 'health', 'checkout-summary', '']) expect(isIdLike(s), s).toBe(false);
    for (const s of ['7', 'deadbeef0123', '01HZX3K9Q8W2V7T6R5M4N3B2A1', 'ord_99']) expect(isIdLike(s), s).toBe(true);
  });
  it('secrets come from Authorization (the token and a Basic password), cookies, key headers and query tokens', () => {
    const basic = Buffer.from('alice:pa55word!').toString('base64');
    const s = secretsOf(
      { authorization: `Basic ${basic}`, cookie: 'sid=abcd1234; theme=dark', 'x-api-key': 'key-0001', accept: 'application/json' },
      new URLSearchParams('api_key=qqqq1111&page=2'),
    );
    expect(s).toEqual(expect.arrayContaining([basic, 'pa55word!', 'abcd1234', 'dark', 'key-0001', 'qqqq1111']));
    expect(s).not.toContain('application/json');
    expect(publicQuery(new URLSearchParams('api_key=qqqq1111&page=2&access_token=z'))).toBe('?page=2');
  });
  it('a secret echoed back anywhere in a body is scrubbed, and secret-named fields are redacted', () => {
    const out = scrubJson({ echo: 'you sent Bearer tok-123456', nested: [{ refreshToken: 'r', keep: 'tok-123456!' }], password: 42 }, ['tok-123456']);
    expect(out).toEqual({ echo: 'you sent Bearer <redacted>', nested: [{ refreshToken: '<redacted>', keep: '<redacted>!' }], password: '<redacted>' });
  });

  const seen = (method: string, path: string, status: number, body: unknown, extra: Partial<Parameters<ContractBook['add']>[0]> = {}) => ({
    method,
    pathname: path,
    query: new URLSearchParams(),
    requestBody: undefined,
    requestType: undefined,
    status,
    headers: { 'content-type': 'application/json', date: 'Tue, 01 Dec 2026 10:00:00 GMT', 'x-request-id': 'r-1', 'x-version': '3' },
    body: Buffer.from(JSON.stringify(body)),
    latencyMs: 4,
    secrets: [],
    ...extra,
  });
  it('one pair per route; a 2xx seen after a 404 takes the template and the 404 keeps its literal path, first', () => {
    const book = new ContractBook({ maxEntries: 10, maxBytes: 100_000, maxBodyBytes: 1000 });
    expect(book.add(seen('GET', '/items/999', 404, { error: 'no', id: '999' })).note).toBe('new');
    expect(book.add(seen('GET', '/items/1', 200, { id: '1', name: 'a' })).note).toBe('new');
    expect(book.add(seen('GET', '/items/2', 200, { id: '2', name: 'b' })).note).toBe('seen');
    expect(book.add(seen('GET', '/items/3', 200, { id: '3', name: 'c', nick: 'x' })).note).toBe('widened');
    const pairs = book.pairs();
    expect(pairs.map((p) => `${p.request.path} ${p.response?.status}`)).toEqual(['/items/999 404', '/items/:id 200']);
    expect(pairs[0]!.response?.json).toEqual({ error: 'no', id: '999' }); // literal: no ":id" that nothing would fill
    expect(pairs[1]!.response?.json).toEqual({ id: ':id', name: 'a' }); // the stand-in echoes the requested id
    expect(pairs[1]!.response?.shape).toEqual({ id: 'string', name: 'string', 'nick?': 'string' });
    expect(pairs[1]!.response?.headers).toEqual({ 'x-version': '3' }); // date, request id, content-type left out
    // Valid for the stand-in as is.
    expect(contractSchema.safeParse(pairs).success).toBe(true);
    expect(compileContract(pairs).match('GET', '/items/77', {}, undefined)?.response.status).toBe(200);
  });
  it('bounded: no pair past --max-entries or --max-bytes, and it says which', () => {
    const byCount = new ContractBook({ maxEntries: 2, maxBytes: 100_000, maxBodyBytes: 1000 });
    for (const p of ['/a', '/b', '/c']) byCount.add(seen('GET', p, 200, { ok: true }));
    expect(byCount.pairs()).toHaveLength(2);
    expect(byCount.full).toBe('2 entries (--max-entries)');
    const bySize = new ContractBook({ maxEntries: 100, maxBytes: 600, maxBodyBytes: 1000 });
    for (const p of ['/a', '/b', '/c', '/d', '/e']) bySize.add(seen('GET', p, 200, { text: 'x'.repeat(100) }));
    expect(JSON.stringify(bySize.pairs()).length).toBeLessThanOrEqual(600);
    expect(bySize.full).toBe('600 bytes (--max-bytes)');
  });
});

describe('drift of one answer', () => {
  const pair: ContractPair = { request: { path: '/x' }, response: { status: 200, contentType: 'application/json', json: { id: 1, name: 'a' }, latencyMs: 10 } };
  const answer = (status: number, body: unknown, contentType = 'application/json; charset=utf-8', latencyMs = 5) => ({ status, contentType, body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)), latencyMs });
  it('none when only values and charset differ', () => {
    expect(driftOf(pair, answer(200, { id: 2, name: 'b' }), { latencyFactor: 3 })).toEqual([]);
  });
  it('status, content type, not JSON, and latency past factor × recorded + 50 ms', () => {
    expect(driftOf(pair, answer(503, '<html>', 'text/html'), { latencyFactor: 3 }).map((d) => d.message)).toEqual(['status 200 → 503', 'content type application/json → text/html']);
    expect(driftOf(pair, answer(200, '{"id":', 'application/json'), { latencyFactor: 3 }).map((d) => d.kind)).toEqual(['not-json']);
    const slow = driftOf(pair, answer(200, { id: 1, name: 'a' }, 'application/json', 81), { latencyFactor: 3 });
    expect(slow.map((d) => [d.kind, d.breaking])).toEqual([['latency', false]]);
    expect(driftOf(pair, answer(200, { id: 1, name: 'a' }, 'application/json', 79), { latencyFactor: 3 })).toEqual([]);
  });
});

describe('contract files', () => {
  it('a list, or { recorded, contract }; issues name the field; the new fields are validated', () => {
    expect(parseContractText('- request: { path: /a }\n', 'a.yaml').pairs).toHaveLength(1);
    expect(parseContractText('{"recorded": {"upstream": "http://x"}, "contract": []}', 'a.json').recorded?.upstream).toBe('http://x');
    expect(() => parseContractText('contract:\n  - request: { path: /a }\n    response: { shape: { id: integer } }\n', 'b.yaml')).toThrow(
      /b\.yaml: not a valid contract: contract\[0\]\.response\.shape/,
    );
    expect(() => parseContractText('- request: { path: /a, example: { path: a } }\n', 'c.yaml')).toThrow(/example\.path must start with/);
    expect(() => parseContractText('{ nope', 'd.yaml')).toThrow(/d\.yaml: not valid YAML or JSON/);
    expect(() => parseContractText('', 'e.yaml')).toThrow(/empty/);
  });
  it('`ok` sends the recorded contentType unless the pair sets a content-type header', () => {
    const c = compileContract([
      { request: { path: '/a' }, response: { json: {}, contentType: 'application/vnd.x+json' } },
      { request: { path: '/b' }, response: { json: {}, contentType: 'application/vnd.x+json', headers: { 'Content-Type': 'application/json' } } },
    ]);
    const type = (p: string) => {
      const h = c.match('GET', p, {}, undefined)!.response.headers;
      return h.flatMap((name, i) => (i % 2 === 0 && name.toLowerCase() === 'content-type' ? [h[i + 1]] : []));
    };
    expect(type('/a')).toEqual(['application/vnd.x+json']);
    expect(type('/b')).toEqual(['application/json']);
  });
});

describe('contract misses in a run\'s reports', () => {
  const dep = (misses: number): DepSecond => ({ opened: 1, requests: misses + 1, closedByClient: 0, misses, open: 0 });
  const seconds: SecondSummary[] = [0, 1, 2].map((second) => ({ second, loads: {}, deps: { inventory: dep(second + 1), pricing: dep(0) } }));
  const miss = (path: string): TimelineEvent => ({ kind: 'dep-miss', t: 1, dependency: 'inventory', conn: 1, method: 'GET', path });
  it('counted per dependency from the per-second summary (complete), named from the raw events kept', () => {
    const m = contractMissesOf({ seconds, events: [miss('/stock/1?x=1'), miss('/stock/1'), miss('/stock/2')] });
    expect([...m.keys()]).toEqual(['inventory']);
    expect(m.get('inventory')).toEqual({ count: 6, top: [{ request: 'GET /stock/1', count: 2 }, { request: 'GET /stock/2', count: 1 }] });
    expect(missesLine('inventory', m.get('inventory')!)).toBe('inventory: 6 requests not in its contract (GET /stock/1 ×2, GET /stock/2 ×1, …)');
  });
  it('shown in the terminal table and report.md when there are any, absent otherwise', () => {
    const run = resilientRun();
    expect(renderTerminal(run, { color: false })).not.toContain('contract misses');
    expect(renderMarkdown(run)).not.toContain('Contract misses');
    const withMisses = { ...run, dependencies: run.dependencies.map((d) => ({ ...d, contractMisses: { count: 3, top: [{ request: 'GET /stock/1', count: 3 }] } })) };
    expect(renderTerminal(withMisses, { color: false })).toMatch(/contract misses: inventory: 3 requests not in its contract \(GET \/stock\/1 ×3\)/);
    expect(renderMarkdown(withMisses)).toMatch(/### Contract misses[\s\S]*- inventory: 3 requests not in its contract/);
  });
});
