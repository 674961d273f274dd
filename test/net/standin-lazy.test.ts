import { describe, expect, it } from 'vitest';
import { get, standIn } from './standin-helpers.js';

// Its own file, so that this module graph has checked no params yet: the first stand-in here starts
// `hang` with {} (nothing to parse, zod not loaded by server.ts), and the switches below are the
// first to need the schemas.
describe('stand-in: the param schemas load on first need', () => {
  it('switches made while the schemas load apply in the order asked, and bad params still name the field', async () => {
    const { s } = await standIn({ behaviour: 'hang' });
    expect(s.behaviour()).toEqual({ name: 'hang', params: {} });
    // slow needs its schema (loading); status right after must not overtake it, nor refuse after that.
    const a = s.setBehaviour('slow', { delay: 10 });
    const b = s.setBehaviour('status', { status: 418 });
    const c = s.setBehaviour('hang');
    await Promise.all([a, b, c]);
    expect(s.behaviour().name).toBe('hang');
    await expect(s.setBehaviour('status', { status: 99 })).rejects.toThrow(/params\.status/);
    await expect(s.setBehaviour('hang', { extra: 1 })).rejects.toThrow(/extra/);
    expect(s.behaviour().name).toBe('hang');
    await s.setBehaviour('status', { status: 418 });
    expect(s.behaviour()).toEqual({ name: 'status', params: { status: 418 } });
    expect((await get(s.url)).status).toBe(418);
    s.reset();
    expect(s.behaviour()).toEqual({ name: 'hang', params: {} });
  });
});
