import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exploreSchema } from '../../src/explore/space.js';
import { schedulePhases, trialScenario, type Schedule } from '../../src/explore/schedule.js';
import { candidates, scheduleArbitrary } from '../../src/explore/arbitraries.js';
import { neighbours } from '../../src/explore/shrink.js';
import { propertyExpect } from '../../src/explore/property.js';
import { faultSchema } from '../../src/faults/fault.js';
import { validateScenario } from '../../src/scenario/load.js';

const written = {
  name: 'two',
  target: { command: 'node x.js', env: { PORT: '${target.port}' } },
  dependencies: { a: {}, b: { protocol: 'ws' }, c: { via: 'direct' } },
  load: { main: { shape: 'steady', path: '/', rate: '10/s' }, side: { shape: 'steady', path: '/h', rate: '5/s' } },
  phases: [{ name: 'baseline', for: '1s' }, { name: 'fault', for: '1s', faults: [{ dependency: 'a', behaviour: 'hang' }] }],
  expect: { 'steady-state': { phase: 'baseline', errors: '< 1%' }, 'bulkhead.old': { load: 'side', during: 'fault' } },
};
const scenario = validateScenario(written);
const space = exploreSchema.parse({ trial: '6s', baseline: '1s', recovery: '2s', 'at-once': 3, load: { main: { rate: { min: '5/s', max: '50/s' }, uses: ['a'] }, side: { optional: true, uses: [] } } });

describe('explore schedules', () => {
  it('cuts the fault window into phases of constant faults between baseline and recovery', () => {
    const s: Schedule = {
      tracks: [
        { dependency: 'a', atMs: 0, steps: [{ fault: { behaviour: 'hang' }, forMs: 1000 }, { fault: { behaviour: 'reset' }, forMs: 1000 }] },
        { dependency: 'b', atMs: 500, steps: [{ fault: { behaviour: 'silent' }, forMs: 5000 }] },
      ],
      loads: { main: {}, side: null },
    };
    const phases = schedulePhases(space, s);
    expect(phases.map((p) => [p.name, p.durationMs, p.faults.map((f) => `${f.dependency}:${'behaviour' in f ? f.behaviour : '?'}`)])).toEqual([
      ['baseline', 1000, []],
      ['faults @0.000s', 500, ['a:hang']],
      ['faults @0.500s', 500, ['a:hang', 'b:silent']],
      ['faults @1.000s', 1000, ['a:reset', 'b:silent']],
      ['faults @2.000s', 1000, ['b:silent']], // clipped at the 3 s window
      ['recovery', 2000, []],
    ]);
  });

  it('becomes a scenario that validates, with the property as expect and what no longer exists dropped', () => {
    const s: Schedule = { tracks: [{ dependency: 'a', atMs: 0, steps: [{ fault: { toxic: { type: 'latency', attributes: { latency: 800 } } }, forMs: 1500 }] }], loads: { main: { rate: 20 }, side: {} } };
    const expect_ = propertyExpect(scenario, written, space, s);
    expect(Object.keys(expect_)).toEqual(['alive', 'answered', 'recovery', 'retries.a', 'memory', 'bulkhead.side', 'steady-state']);
    const trial = trialScenario(written, '/somewhere/x.yaml', space, s, expect_, 'trial');
    const v = validateScenario(trial);
    expect(v.load.main!.rate).toBe('20/s');
    expect(v.phases[1]!.faults[0]).toEqual({ dependency: 'a', toxic: { type: 'latency', attributes: { latency: 800 } } });
  });

  it('generates only faults the one fault schema accepts, fitting each dependency', () => {
    expect(candidates(scenario, space, 'c').every((x) => x.layer === 'behaviour')).toBe(true); // direct: no toxics
    expect(candidates(scenario, space, 'b').map((x) => x.entry.name)).not.toContain('hang'); // ws behaviours only
    fc.assert(
      fc.property(scheduleArbitrary(scenario, space, ['a', 'b', 'c']), (s) => {
        expect(new Set(s.tracks.map((t) => t.dependency)).size).toBe(s.tracks.length);
        for (const t of s.tracks) for (const step of t.steps) expect(faultSchema.safeParse({ dependency: t.dependency, ...step.fault }).success).toBe(true);
        const main = s.loads.main;
        expect(main && main.rate! >= 5 && main.rate! <= 50).toBe(true);
        validateScenario(trialScenario(written, undefined, space, s, propertyExpect(scenario, written, space, s), 't'));
      }),
      { numRuns: 200, seed: 1 },
    );
  });

  it('offers simpler neighbours: fewer tracks and steps, shorter, earlier, defaults, loads off', () => {
    const s: Schedule = {
      tracks: [
        { dependency: 'a', atMs: 700, steps: [{ fault: { behaviour: 'status', params: { status: 503 } }, forMs: 2000 }, { fault: { behaviour: 'reset' }, forMs: 1000 }] },
        { dependency: 'b', atMs: 0, steps: [{ fault: { behaviour: 'silent' }, forMs: 500 }] },
      ],
      loads: { main: { rate: 40 }, side: {} },
    };
    const all = [...neighbours(s, space)];
    expect(all[0]!.tracks.map((t) => t.dependency)).toEqual(['b']);
    expect(all.some((n) => n.tracks[0]!.steps.length === 1 && JSON.stringify(n.tracks[0]!.steps[0]!.fault).includes('"status"'))).toBe(true); // the last step dropped
    expect(all.some((n) => n.loads.side === null)).toBe(true);
    expect(all.some((n) => n.tracks[0]!.atMs === 0)).toBe(true);
    expect(all.some((n) => JSON.stringify(n.tracks[0]!.steps[0]!.fault) === '{"behaviour":"status"}')).toBe(true);
    expect(all.some((n) => n.loads.main?.rate === 20)).toBe(true);
  });

  it('bounds the space and names the field of a bad one', () => {
    const r = exploreSchema.safeParse({ trial: '3s', baseline: '2s', recovery: '2s' });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(['trial']);
    expect(() => validateScenario({ ...written, explore: { faults: ['hnag'], load: { nope: {} } } })).toThrow(/invalid scenario/);
    try {
      validateScenario({ ...written, explore: { faults: ['hnag'], load: { nope: {} } } });
    } catch (e) {
      const d = (e as { details: string[] }).details.join('\n');
      expect(d).toMatch(/explore\.faults\[0\]: unknown fault 'hnag' \(did you mean 'hang'\?\)/);
      expect(d).toMatch(/explore\.load\.nope: unknown load 'nope'/);
    }
  });
});
