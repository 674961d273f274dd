import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { slicePieces } from '../../src/proxy/toxics/slicer.js';
import { float32, parseListen } from '../../src/proxy/proxy.js';

describe('proxy pure parts', () => {
  it('slicer halving: variation 0 gives pieces between average/2 and average (avg 10, 100 B → 16 pieces)', () => {
    const pieces = slicePieces(100, 10, 0, Math.random);
    expect(pieces).toHaveLength(16);
    expect(pieces.every((p) => p >= 5 && p <= 10)).toBe(true);
    expect(slicePieces(24, 1, 0, Math.random)).toEqual(Array(24).fill(1));
  });

  it('slicer pieces always add up to the chunk, are non-empty and bounded by average + variation', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 70_000 }), fc.integer({ min: 1, max: 2048 }), fc.double({ min: 0, max: 0.999, noNaN: true }), (len, avg, v) => {
        const variation = Math.floor(v * avg);
        const pieces = slicePieces(len, avg, variation, Math.random);
        expect(pieces.reduce((a, b) => a + b, 0)).toBe(len);
        expect(pieces.every((p) => p > 0 && p <= avg + variation)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('toxicity prints in float32 shortest form', () => {
    expect(float32(0.2)).toBe(0.2);
    expect(float32(1)).toBe(1);
    expect(float32(0.1 + 0.2)).toBe(0.3);
  });

  it('listen addresses: empty host and localhost bind loopback; a missing port is Go\'s error', () => {
    expect(parseListen('')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseListen(':8080')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parseListen('localhost:0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseListen('[::1]:5')).toEqual({ host: '::1', port: 5 });
    expect(() => parseListen('bogus')).toThrow('address bogus: missing port in address');
    expect(() => parseListen('127.0.0.1:99999')).toThrow(expect.objectContaining({ status: 400, message: 'invalid field: listen: port out of range (0-65535) in "127.0.0.1:99999"' }));
  });
});
