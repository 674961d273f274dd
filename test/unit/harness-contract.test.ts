import { describe, expect, it } from 'vitest';
import { compileContract } from '../../harness-servers/contract.js';
import { jsonContains } from '../../harness-servers/contract-match.js';
import { sampler } from '../../harness-servers/behaviours/slow.js';
import { seededRandom } from '../../harness-servers/behaviour.js';
import { behaviours } from '../../harness-servers/behaviours/index.js';
import { parseParamFlags } from '../../src/cli/standin.js';
import { ConnRing } from '../../harness-servers/log.js';

describe('contract matcher', () => {
  const c = compileContract([
    { request: { method: 'get', path: '/items/:id' }, response: { json: { id: ':id' } } },
    { request: { path: '/files/*' }, response: { text: 'file' } },
    { request: { method: 'POST', path: '/orders', headers: { 'X-Tenant': 'a' }, body: { order: { sku: 'x' } } }, response: { status: 201 } },
    { request: { path: '/' }, response: { status: 204 } },
  ]);
  it('matches methods (case-insensitively), :params, trailing *, and the root', () => {
    expect(c.match('GET', '/items/7', {}, undefined)?.params).toEqual({ id: '7' });
    expect(c.match('HEAD', '/items/7', {}, undefined)).toBeDefined();
    expect(c.match('DELETE', '/items/7', {}, undefined)).toBeUndefined();
    expect(c.match('GET', '/items/7/extra', {}, undefined)).toBeUndefined();
    expect(c.match('GET', '/items/', {}, undefined)).toBeUndefined();
    expect(c.match('PUT', '/files/a/b/c', {}, undefined)?.response.body.toString()).toBe('file');
    expect(c.match('GET', '/?q=1', {}, undefined)?.response.status).toBe(204);
  });
  it('matches headers exactly and the body as a JSON subset', () => {
    const body = Buffer.from(JSON.stringify({ order: { sku: 'x', qty: 2 }, note: 'hi' }));
    expect(c.match('POST', '/orders', { 'x-tenant': 'a' }, body)?.response.status).toBe(201);
    expect(c.match('POST', '/orders', { 'x-tenant': 'b' }, body)).toBeUndefined();
    expect(c.match('POST', '/orders', { 'x-tenant': 'a' }, Buffer.from('{"order":{"sku":"y"}}'))).toBeUndefined();
    expect(c.match('POST', '/orders', { 'x-tenant': 'a' }, Buffer.from('not json'))).toBeUndefined();
  });
  it('substitutes captured params into the JSON body and precomputes static responses', () => {
    const m = c.match('GET', '/items/a%20b', {}, undefined)!;
    expect(JSON.parse(m.response.template!(m.params).toString())).toEqual({ id: 'a b' });
    const s = c.match('PUT', '/files/x', {}, undefined)!.response;
    expect(s.headers).toEqual(['content-type', 'text/plain; charset=utf-8', 'content-length', '4']);
  });
  it('rejects bad pairs with a path to the field', () => {
    expect(() => compileContract([{ request: { path: 'x' } }])).toThrow(/path must start with/);
    expect(() => compileContract([{ request: { path: '/' }, response: { status: 99 } }])).toThrow();
    expect(() => compileContract([{ request: { path: '/' }, response: { json: {}, text: '' } }])).toThrow(/either json or text/);
  });
  it('jsonContains is a subset match on objects and exact on arrays', () => {
    expect(jsonContains({ a: 1, b: [1, 2] }, { b: [1, 2] })).toBe(true);
    expect(jsonContains({ a: 1, b: [1, 2] }, { b: [1] })).toBe(false);
    expect(jsonContains(null, {})).toBe(false);
  });
});

describe('slow delay distributions', () => {
  const draw = (params: unknown, n = 5000) => {
    const p = behaviours.slow.params.parse(params);
    const next = sampler(p, seededRandom(42));
    return Array.from({ length: n }, next);
  };
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  it('fixed is exact; uniform stays in bounds around the middle', () => {
    expect(new Set(draw({ delay: '250ms' }))).toEqual(new Set([250]));
    const u = draw({ distribution: 'uniform', min: 100, max: 300 });
    expect(Math.min(...u)).toBeGreaterThanOrEqual(100);
    expect(Math.max(...u)).toBeLessThanOrEqual(300);
    expect(mean(u)).toBeGreaterThan(190);
    expect(mean(u)).toBeLessThan(210);
  });
  it('normal centres on delay and never goes negative; lognormal has its median at delay', () => {
    const n = draw({ distribution: 'normal', delay: 50, stddev: 40 });
    expect(Math.min(...n)).toBeGreaterThanOrEqual(0);
    const l = draw({ distribution: 'lognormal', delay: 200, sigma: 0.8 }).sort((a, b) => a - b);
    expect(l[2500]!).toBeGreaterThan(180);
    expect(l[2500]!).toBeLessThan(220);
  });
  it('is reproducible for a seed', () => {
    expect(draw({ distribution: 'normal' }, 10)).toEqual(draw({ distribution: 'normal' }, 10));
  });
  it('rejects inconsistent params with the field named', () => {
    expect(behaviours.slow.params.safeParse({ distribution: 'uniform' }).error?.issues[0]?.path).toEqual(['max']);
    expect(behaviours.slow.params.safeParse({ min: 500, max: 100 }).error?.issues[0]?.path).toEqual(['min']);
  });
});

describe('standin --param flags', () => {
  it('parse JSON values, keep strings, and nest dotted keys over --params', () => {
    expect(parseParamFlags(['delay=2s', 'status=503', 'fault.behaviour=hang', 'loop=true'], { fault: { params: {} } })).toEqual({
      delay: '2s',
      status: 503,
      loop: true,
      fault: { behaviour: 'hang', params: {} },
    });
    expect(() => parseParamFlags(['novalue'])).toThrow(/key=value/);
  });
});

describe('observation ring', () => {
  it('never holds more than its capacity', () => {
    const ring = new ConnRing(3);
    const fake = (i: number) => ({ rec: { conn: i, requests: [] }, socket: undefined }) as never;
    for (let i = 1; i <= 10; i++) ring.add(fake(i));
    const s = ring.snapshot();
    expect(s.connections.map((c) => c.conn)).toEqual([8, 9, 10]);
    expect(s.dropped).toBe(7);
  });
});
