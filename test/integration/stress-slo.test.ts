import { describe, expect, it } from 'vitest';
import { agingTarget, runScenario } from './soak-helpers.js';

describe('stress: a ramp finds the configured capacity and gates on it', () => {
  it('a target admitting 160 requests/s: capacity found within 15 %, shedding gave way first, >= 140/s passes, >= 300/s fails', async () => {
    const out = await runScenario({
      name: 'stress to capacity',
      target: agingTarget({ RATE: 160 }),
      load: {
        checkout: { shape: 'ramp', path: '/checkout', from: '50/s', to: '250/s', steps: 9, stepFor: '2s', timeout: '2s', limits: { p99: '500ms', errors: '5%' } },
      },
      phases: [{ name: 'rising load', for: '19s' }],
      expect: { 'capacity.gate': '>= 140/s', 'capacity.high': { load: 'checkout', rate: '>= 300/s' } },
    });
    expect(out.result.error).toBeUndefined();
    const v = out.verdict('capacity.gate');
    const found = v.measured.capacityRate as number;
    expect(Math.abs(found - 160) / 160, v.summary).toBeLessThanOrEqual(0.15);
    expect(v.measured.gaveWayFirst).toBe('shedding');
    expect(v.ok, v.summary).toBe(true);
    expect(out.verdict('capacity.high').ok).toBe(false);
    // The load's own finding (the knee chart's data) agrees with the check.
    expect(out.result.loads[0]!.capacity?.rate).toBe(found);
  }, 120_000);
});

describe('slo: the error budget fails where per-phase thresholds pass', () => {
  it('300 ms error blips every 5 s: every phase under 10 % errors, but a 99.9 % objective burns fast', async () => {
    const out = await runScenario({
      name: 'blips',
      target: agingTarget({ BLIP_MS: 300, BLIP_EVERY_MS: 5000 }),
      load: { api: { shape: 'steady', path: '/work', rate: '40/s', timeout: '2s' } },
      phases: [
        { name: 'one', for: '8s' },
        { name: 'two', for: '8s' },
        { name: 'three', for: '8s' },
      ],
      slo: { availability: '99.9%', load: 'api' },
      expect: { 'errors.one': { phase: 'one', rate: '< 10%' }, 'errors.two': { phase: 'two', rate: '< 10%' }, 'errors.three': { phase: 'three', rate: '< 10%' } },
    });
    expect(out.result.error).toBeUndefined();
    for (const k of ['errors.one', 'errors.two', 'errors.three']) expect(out.verdict(k).ok, out.verdict(k).summary).toBe(true);
    const v = out.verdict('slo');
    expect(v.ok, v.summary).toBe(false);
    expect(v.summary).toMatch(/fast-burn page fired/);
    expect(v.measured.availabilitySpent as number).toBeGreaterThan(1);
    expect(v.measured.incidents as number).toBeGreaterThanOrEqual(3);
    expect(v.measured.mttrMs as number).toBeGreaterThan(0);
    expect(v.measured.mtbfMs as number).toBeGreaterThan(v.measured.mttrMs as number);
  }, 120_000);
});
