import { describe, expect, it } from 'vitest';
import { scenarioSchema, runDurationMs } from '../../src/scenario/schema.js';
import { scenarioToPlan } from '../../src/scenario/plan.js';
import { phaseWindows } from '../../src/run.js';
import { soak } from '../helpers/soak.js';

const base = {
  name: 'soak',
  target: { command: 'node x.js' },
  dependencies: { inventory: {} },
  load: { api: { shape: 'steady', path: '/', rate: 50 }, burst: { shape: 'dogpile', n: 5, during: 'hang' } },
  phases: [
    { name: 'baseline', for: '10s' },
    { name: 'hang', for: '5s', faults: [{ dependency: 'inventory', behaviour: 'hang' }] },
    { name: 'quiet', for: '10s' },
  ],
  expect: { recovery: { within: '3s', load: 'api' }, 'steady-state': { errors: '< 5%', load: 'api' }, drift: { every: '5s', rss: '< 1GB/h' } },
};
const parse = (x: object) => scenarioSchema.parse({ ...base, ...x });

describe('repeat: a soak expands its phases into cycles in the plan', () => {
  it('repeat.for runs as many whole cycles as fit, named "<phase> #n"; phase-bound loads start in each cycle', () => {
    const s = parse({ repeat: { for: '80s' } });
    expect(runDurationMs(s)).toBe(75_000);
    const plan = scenarioToPlan(s);
    expect(plan.phases.map((p) => p.name)).toEqual(['baseline #1', 'hang #1', 'quiet #1', 'baseline #2', 'hang #2', 'quiet #2', 'baseline #3', 'hang #3', 'quiet #3']);
    expect(plan.phases[4]!.faults).toHaveLength(1);
    expect(plan.loads.filter((l) => l.name === 'burst').map((l) => l.phases)).toEqual([[1], [4], [7]]);
    expect(plan.loads.find((l) => l.name === 'api')!.phases).toBeUndefined();
  });

  it('without repeat nothing changes; repeat.times counts cycles; the 2 h cap counts every cycle', () => {
    expect(scenarioToPlan(parse({})).phases.map((p) => p.name)).toEqual(['baseline', 'hang', 'quiet']);
    expect(scenarioToPlan(parse({ repeat: { times: 2 } })).phases).toHaveLength(6);
    const tooLong = scenarioSchema.safeParse({ ...base, repeat: { times: 300 } });
    expect(tooLong.success).toBe(false);
    expect(tooLong.error!.issues[0]!.message).toMatch(/300 cycles of 25 s add up to 7500 s; a run is capped at 7200 s/);
    expect(scenarioSchema.safeParse({ ...base, repeat: { for: '1m', times: 2 } }).success).toBe(false);
  });

  it('judges each cycle on its own: the recovery that fails only after the third fault is caught as "recovery #3"', () => {
    // 3 cycles of baseline 10 s, hang 5 s (errors), quiet 10 s; after the third hang, errors go on.
    const b = soak();
    const names = ['baseline', 'hang', 'quiet'];
    for (let c = 0; c < 3; c++) for (let k = 0; k < 3; k++) {
      const from = c * 25_000 + [0, 10_000, 15_000][k]!;
      b.phase(`${names[k]} #${c + 1}`, from, from + [10_000, 5_000, 10_000][k]!, k === 1 ? [{ dependency: 'inventory', fault: 'hang', type: 'behaviour', kinds: ['holds'] }] : []);
    }
    b.responses('api', { from: 0, to: 75_000, perSecond: 50, latency: () => 10, status: (s) => ((s % 25 >= 10 && s % 25 < 15) || s >= 65 ? 503 : 200) });
    const ctx = b.context();
    const plan = scenarioToPlan(parse({ repeat: { times: 3 } }));
    const vs = plan.judge(ctx);
    const byKey = Object.fromEntries(vs.map((v) => [v.key, v]));
    expect(vs.map((v) => v.key)).toEqual(['recovery #1', 'recovery #2', 'recovery #3', 'drift', 'steady-state #1', 'steady-state #2', 'steady-state #3']);
    expect(byKey['recovery #1']!.ok).toBe(true);
    expect(byKey['recovery #2']!.ok).toBe(true);
    expect(byKey['recovery #3']!.ok).toBe(false);
    expect(byKey['recovery #3']!.cycle).toBe(3);
    expect(byKey['steady-state #3']!.ok).toBe(true);
    // The gate after the first phase judges cycle 1's baseline by its written name.
    expect(plan.steadyState!(ctx)!.key).toBe('steady-state #1');
  });

  it('phaseWindows of an expanded plan carry each cycle\'s faults', () => {
    const plan = scenarioToPlan(parse({ repeat: { times: 2 } }));
    const b = soak();
    plan.phases.forEach((p, i) => b.phase(p.name, i * 1000, (i + 1) * 1000));
    const ws = phaseWindows(b.context().timeline, plan);
    expect(ws.map((w) => w.faults.length)).toEqual([0, 1, 0, 0, 1, 0]);
  });

  it('top-level slo: is judged as the slo check, once for the whole run; giving it twice is an issue', () => {
    const plan = scenarioToPlan(parse({ repeat: { times: 3 }, slo: { availability: '99%' } }));
    const b = soak();
    plan.phases.forEach((p, i) => b.phase(p.name, i * 1000, (i + 1) * 1000));
    b.responses('api', { from: 0, to: 9000, perSecond: 20, latency: () => 5 });
    expect(plan.judge(b.context()).filter((v) => v.check === 'slo').map((v) => v.key)).toEqual(['slo']);
    const twice = scenarioSchema.safeParse({ ...base, slo: { availability: '99%' }, expect: { slo: { availability: '99%' } } });
    expect(twice.success).toBe(false);
    expect(scenarioSchema.safeParse({ ...base, slo: { availability: '99%', load: 'nope' } }).success).toBe(false);
  });
});
