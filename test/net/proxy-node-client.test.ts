import { describe, expect, it } from 'vitest';
import { Toxiproxy } from 'toxiproxy-node-client';
import { proxyApi, dial, record, bytesAfter } from './proxy-helpers.js';
import { tcpServer } from '../helpers/listen.js';
import { slicePieces, slicerCrash } from '../../src/proxy/toxics/slicer.js';

/**
 * toxiproxy-node-client's own suite (src/tests/ToxicTypes.spec.ts) against `crumple proxy`'s server:
 * a proxy per toxic type (listen localhost:0, upstream localhost:6379), one toxic with the attributes
 * that suite uses, and the same assertions it makes (the attributes come back as sent).
 */
const SUITE: [type: string, attributes: Record<string, number>][] = [
  ['latency', { latency: 1000, jitter: 100 }],
  ['bandwidth', { rate: 1000 }],
  ['slow_close', { delay: 1000 }],
  ['timeout', { timeout: 5 * 1000 }],
  ['slicer', { average_size: 1000, delay: 1000, size_variation: 1000 }],
  ['reset_peer', { timeout: 1000 }],
  ['limit_data', { bytes: 42 }],
];

describe('toxiproxy-node-client\u2019s toxic-type suite against crumple proxy', () => {
  it.each(SUITE)('adds a %s toxic with the suite\u2019s attributes', async (type, attributes) => {
    const { url } = await proxyApi();
    const tp = new Toxiproxy(url);
    const proxy = await tp.createProxy({ name: `add-${type}-toxic-test`, listen: 'localhost:0', upstream: 'localhost:6379' } as never);
    expect(proxy.name).toBe(`add-${type}-toxic-test`);
    const toxic = await proxy.addToxic({ type, attributes } as never);
    expect(toxic.type).toBe(type);
    for (const [k, v] of Object.entries(attributes)) expect((toxic.attributes as Record<string, number>)[k]).toBe(v);
    await proxy.remove();
    expect(Object.keys(await tp.getAll())).toEqual([]);
  });
});

/** A proxy whose upstream writes `payload` to every connection. */
async function senderProxy(tp: Toxiproxy, payload: Buffer) {
  const up = await tcpServer((s) => { s.on('error', () => {}); s.write(payload); });
  const p = await tp.createProxy({ name: 'sender', upstream: `127.0.0.1:${up.port}`, listen: '127.0.0.1:0' } as never);
  return { proxy: p, port: Number(p.listen.split(':').pop()) };
}

describe('slicer accepts what Toxiproxy 2.12 accepts and stays safe when data flows', () => {
  it('{average_size 1000, size_variation 1000, delay 1000}: 100 KB arrive intact, no piece is empty or over 2000 B', async () => {
    const { tp } = await proxyApi();
    const payload = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7) & 0xff));
    const { proxy, port } = await senderProxy(tp, payload);
    await proxy.addToxic({ type: 'slicer', attributes: { average_size: 1000, size_variation: 1000, delay: 1000 } } as never);
    const s = await dial(port);
    const rec = record(s);
    await bytesAfter(s, payload.length);
    expect(rec.data.equals(payload)).toBe(true);
    expect(rec.reads.every((r) => r.n > 0)).toBe(true);
    expect(rec.reads.length).toBeGreaterThan(25); // ≥ 50 pieces of ≤ 2000 B; reads may merge a few
  });

  it('the halving never yields an empty piece, whatever the attributes the API lets through', () => {
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (const [avg, vari] of [[1000, 1000], [1, 0], [0, 1], [5, -3], [1, 2], [3, 4], [1, 100_000]] as const) {
      expect(slicerCrash({ average_size: avg, size_variation: vari, delay: 0 })).toBeUndefined();
      for (const len of [1, 2, 3, 1001, 2001, 32_768]) {
        const pieces = slicePieces(len, avg, vari, random);
        expect(pieces.every((p) => p >= 1)).toBe(true);
        expect(pieces.reduce((a, b) => a + b, 0)).toBe(len);
      }
    }
  });

  it('refuses only the settings that crash the real server: endless recursion, split points outside the chunk', () => {
    expect(slicerCrash({ average_size: 0, size_variation: 0, delay: 0 })).toMatch(/recurses/);
    expect(slicerCrash({ average_size: -5, size_variation: 2, delay: 0 })).toMatch(/recurses/);
    expect(slicerCrash({ average_size: 1000, size_variation: 1002, delay: 0 })).toMatch(/size_variation 1002 can split a 2003-byte chunk.*use size_variation <= 1001/);
    expect(slicerCrash({ average_size: 1000, size_variation: 1001, delay: 0 })).toBeUndefined();
    expect(slicerCrash({ average_size: 0, size_variation: 3, delay: 0 })).toMatch(/can split/);
  });
});
