import { describe, expect, it } from 'vitest';
import { clientPicker, clientsSchema, weightedOrder } from '../../src/load/clients.js';
import { ResponseParser } from '../../src/load/http-parse.js';
import { parseLoadEntry } from '../../src/load/index.js';
import { CrumpleError } from '../../src/errors.js';
import { scenarioJsonSchema } from '../../src/scenario/json-schema.js';

const base = new URL('http://127.0.0.1:3000');
const req = { path: '/work', method: 'GET', headers: {} };

describe('client identities of a load', () => {
  it('a weighted order gives each client its weight, the heavy one spread between the others', () => {
    const order = [...weightedOrder([3, 1, 1, 1])];
    expect(order).toHaveLength(6);
    expect(order.filter((i) => i === 0)).toHaveLength(3);
    expect(order.some((v, k) => v === 0 && order[k + 1] === 0)).toBe(false); // never twice in a row here
  });

  it('one request per client, its id in the header; heavy slots are skipped while the heavy client is not sending', () => {
    const c = clientsSchema.parse({ count: 3, heavy: { weight: 2, after: '1s', for: '1s' } });
    const p = clientPicker(base, req, c);
    expect(p.reqs.map((b) => /x-client-id: (\S+)/.exec(b.toString('latin1'))![1])).toEqual(['client-1', 'client-2', 'client-3']);
    const picks = (at: number) => Array.from({ length: 8 }, () => p.pick(at));
    expect(new Set(picks(0))).toEqual(new Set([-1, 1, 2])); // before it joins: its slots are not sent
    const during = picks(1500);
    expect(during.filter((i) => i === 0)).toHaveLength(4); // 2 of every 4 slots
    expect(new Set(picks(2000))).toEqual(new Set([-1, 1, 2])); // it left
  });

  it('names the field of a bad clients entry in one line', () => {
    const bad = (clients: unknown, extra: Record<string, unknown> = {}) => {
      try {
        parseLoadEntry('l', { shape: 'steady', clients, ...extra });
        return [];
      } catch (e) {
        return (e as CrumpleError).details;
      }
    };
    expect(bad({ count: 10, header: 'x-client-id', heavy: { count: 1, weight: 10 } })).toEqual([]);
    expect(bad({ count: 2, heavy: { count: 2, weight: 10 } })).toEqual(['load.l.clients.heavy.count: heavy.count must leave at least one ordinary client to compare with (count is 2)']);
    expect(bad({ count: 5, heavy: { weight: 1 } })).toEqual(['load.l.clients.heavy.weight: must be at least 2']);
    expect(bad({ count: 5, header: 'x client' })).toEqual(['load.l.clients.header: header names are tokens like x-client-id']);
    expect(bad({ count: 5 }, { engine: 'autocannon' })).toEqual(['load.l.clients: the autocannon engine sends one request for everyone (use engine: raw)']);
  });

  it('the load client notes a Retry-After header on the answer', () => {
    const r = new ResponseParser().feed(Buffer.from('HTTP/1.1 429 Too Many Requests\r\nretry-after: 1\r\ncontent-length: 2\r\n\r\n{}'));
    expect(r).toMatchObject({ state: 'done', status: 429, retryAfter: true });
    const q = new ResponseParser().feed(Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n'));
    expect(q.state === 'done' && 'retryAfter' in q).toBe(false);
  });

  it('the JSON Schema for editors picks up clients, {pulse} and both checks from the tables', () => {
    const schema = scenarioJsonSchema() as { properties: { expect: { patternProperties: Record<string, { required?: string[] }> }; load: { additionalProperties: { oneOf: { properties: Record<string, { properties?: Record<string, unknown> }> }[] } } } };
    const steady = schema.properties.load.additionalProperties.oneOf.find((o) => (o.properties.shape as { const?: string }).const === 'steady')!;
    expect(Object.keys(steady.properties.clients!.properties!)).toEqual(['count', 'header', 'prefix', 'heavy']);
    expect(schema.properties.expect.patternProperties['^rate\\-limit(\\..+)?$']!.required).toEqual(['load']);
    expect(schema.properties.expect.patternProperties['^coalescing(\\..+)?$']!.required).toEqual(['dependency', 'load', 'calls-per-burst']);
  });
});
