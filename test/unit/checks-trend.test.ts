import { describe, expect, it } from 'vitest';
import { firstEvident, theilSen, type Point } from '../../src/checks/trend.js';

/** A seeded generator (mulberry32) so noisy series replay exactly. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const series = (n: number, f: (x: number, i: number) => number): Point[] => Array.from({ length: n }, (_, i) => ({ x: i, y: f(i, i) }));

describe('theilSen: a robust slope and its confidence interval', () => {
  it('recovers the slope of a clean linear leak exactly, with a tight band', () => {
    const t = theilSen(series(20, (x) => 100 + 2 * x))!;
    expect(t.slope).toBe(2);
    expect(t.intercept).toBe(100);
    expect(t.lo).toBe(2);
    expect(t.hi).toBe(2);
  });

  it('finds a slow leak under noise: the band holds the true slope and excludes zero', () => {
    const r = rng(7);
    const t = theilSen(series(30, (x) => 50e6 + 2e6 * x + (r() - 0.5) * 4e6))!;
    expect(t.lo).toBeGreaterThan(0);
    expect(t.lo).toBeLessThanOrEqual(2e6);
    expect(t.hi).toBeGreaterThanOrEqual(2e6);
    expect(Math.abs(t.slope - 2e6)).toBeLessThan(0.5e6);
  });

  it('does not call a sawtooth a trend: the band straddles zero', () => {
    // A garbage collector's sawtooth: climbs 10 units a step for 5 steps, then drops back; 6 periods.
    const t = theilSen(series(30, (x) => 100 + 10 * (x % 5)))!;
    expect(t.lo).toBeLessThanOrEqual(0);
    expect(t.hi).toBeGreaterThan(0);
    expect(Math.abs(t.slope)).toBeLessThan(1);
  });

  it('pure noise has a band around zero', () => {
    const r = rng(11);
    const t = theilSen(series(40, () => r() * 100))!;
    expect(t.lo).toBeLessThan(0);
    expect(t.hi).toBeGreaterThan(0);
  });

  it('one wild outlier barely moves the slope (least squares would tilt)', () => {
    const pts = series(20, (x) => 10 + x);
    pts[19] = { x: 19, y: 10_000 };
    const t = theilSen(pts)!;
    expect(t.slope).toBeCloseTo(1, 6);
  });

  it('a wider confidence gives a wider band', () => {
    const r = rng(3);
    const pts = series(25, (x) => x + r() * 10);
    const a = theilSen(pts, 0.9)!;
    const b = theilSen(pts, 0.99)!;
    expect(b.lo).toBeLessThanOrEqual(a.lo);
    expect(b.hi).toBeGreaterThanOrEqual(a.hi);
    expect(b.hi - b.lo).toBeGreaterThan(a.hi - a.lo);
  });

  it('cannot fit too few points or a single x', () => {
    expect(theilSen(series(5, (x) => x))).toBeUndefined();
    expect(theilSen(Array.from({ length: 10 }, (_, i) => ({ x: 1, y: i })))).toBeUndefined();
    expect(theilSen(series(8, () => NaN))).toBeUndefined();
  });

  it('thins long series so the pair count stays bounded, keeping the slope', () => {
    const t = theilSen(series(5000, (x) => 3 * x))!;
    expect(t.n).toBe(1500);
    expect(t.slope).toBeCloseTo(3, 9);
  });

  it('firstEvident: a leak shows after a few points; a sawtooth never does', () => {
    const r = rng(5);
    const leak = series(30, (x) => 1000 + 20 * x + (r() - 0.5) * 30);
    const m = firstEvident(leak, (t) => t.lo > 5)!;
    expect(m).toBeGreaterThanOrEqual(6);
    expect(m).toBeLessThanOrEqual(12);
    expect(firstEvident(series(30, (x) => 100 + 10 * (x % 5)), (t) => t.lo > 0)).toBeUndefined();
  });
});
