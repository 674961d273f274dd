import { describe, expect, it } from 'vitest';
import { agingTarget, runScenario } from './soak-helpers.js';

describe('a soak judges every cycle: recovery after every fault', () => {
  it('a target that recovers from its first two outages but not the third fails recovery from the third outage on (#3 and #4), judged against the first baseline', async () => {
    const out = await runScenario({
      name: 'fifth outage',
      target: agingTarget({ STUCK_AFTER: 3 }, ['inventory']),
      dependencies: { inventory: {} },
      load: { checkout: { shape: 'steady', path: '/checkout', rate: '20/s', timeout: '2s' } },
      phases: [
        { name: 'baseline', for: '3s' },
        { name: 'inventory down', for: '2s', faults: [{ dependency: 'inventory', behaviour: 'status', params: { status: 500 } }] },
        { name: 'recovery', for: '4s' },
      ],
      repeat: { times: 4 },
      expect: { recovery: { within: '2s', load: 'checkout' }, 'steady-state': { errors: '< 5%', load: 'checkout' } },
    });
    expect(out.result.error).toBeUndefined();
    expect(out.result.phases.map((p) => p.name).slice(0, 4)).toEqual(['baseline #1', 'inventory down #1', 'recovery #1', 'baseline #2']);
    const ok = (k: string) => out.verdict(k).ok;
    expect([ok('recovery #1'), ok('recovery #2'), ok('recovery #3'), ok('recovery #4')]).toEqual([true, true, false, false]);
    expect(out.verdict('recovery #3').summary).toMatch(/^not back to baseline in the 4\.\d+ s after the last fault cleared/);
    expect(out.verdict('recovery #3').cycle).toBe(3);
    // Cycle 4 starts broken: its own steady state says so.
    expect([ok('steady-state #1'), ok('steady-state #3'), ok('steady-state #4')]).toEqual([true, true, false]);
    // One JUnit test case per check per cycle.
    const junit = out.files.find((f) => f.endsWith('junit.xml'))!;
    const { readFileSync } = await import('node:fs');
    const xml = readFileSync(junit, 'utf8');
    expect(xml.match(/<testcase /g)).toHaveLength(8);
    expect(xml).toContain('name="recovery #3"');
  }, 120_000);
});
