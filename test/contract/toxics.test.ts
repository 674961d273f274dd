import { describe, expect, it } from 'vitest';
import { toxics, toxicAttributes, type Toxic } from '../../src/proxy/toxics/index.js';
import { proxyApi, echoProxy, dial, roundTrip } from '../net/proxy-helpers.js';

describe.each(Object.entries(toxics) as [string, Toxic][])('toxic %s', (key, toxic) => {
  it('is registered under its wire name with a description, integer defaults and units', () => {
    expect(toxic.name).toBe(key);
    expect(toxic.description.length).toBeGreaterThan(20);
    for (const [k, v] of Object.entries(toxic.attributes)) {
      expect(Number.isInteger(v)).toBe(true);
      expect((toxic.units as Record<string, string>)[k]).toBeTruthy();
    }
  });

  it('the API validation lists every attribute, drops unknown ones and refuses non-integers', () => {
    const r = toxicAttributes(key, { bogus: 1 });
    // Defaults that crash the real Toxiproxy (slicer's average_size 0) are refused, naming the attribute.
    const crash = toxic.check?.(toxic.attributes);
    if (crash) expect(r).toEqual({ ok: false, error: `${key}: ${crash}` });
    else expect(r).toEqual({ ok: true, attributes: { ...toxic.attributes } });
    for (const k of Object.keys(toxic.attributes)) {
      const bad = toxicAttributes(key, { [k]: 1.5 });
      expect(bad.ok).toBe(false);
    }
  });

  it('added and removed on a live connection, the connection still carries data afterwards', async () => {
    if (key === 'timeout' || key === 'reset_peer' || key === 'limit_data') return; // these end the connection by design
    const { tp } = await proxyApi();
    const { proxy, port } = await echoProxy(tp);
    const s = await dial(port);
    await roundTrip(s);
    const attributes = key === 'slicer' ? { average_size: 2 } : key === 'bandwidth' ? { rate: 1000 } : {};
    const t = await proxy.addToxic({ type: key, attributes } as never);
    await roundTrip(s, 'through the toxic');
    await t.remove();
    expect(await roundTrip(s, 'after removal')).toBeLessThan(5000);
  });
});
