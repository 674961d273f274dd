import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { agingTarget } from './soak-helpers.js';
import { scenarioSchema } from '../../src/scenario/schema.js';
import { scenarioToPlan } from '../../src/scenario/plan.js';
import { phaseWindows, runPlan } from '../../src/run.js';
import { CyclesInFlight } from '../../src/cycle-judge.js';
import { Recorder } from '../../src/timeline/recorder.js';
import { loadTimeouts } from '../../src/load/index.js';
import type { CheckContext } from '../../src/checks/check.js';
import type { Timeline } from '../../src/timeline/timeline.js';

/**
 * A soak judges each cycle as its responses come in and lets go of its raw events: the verdicts must
 * be the ones judging the whole recorded timeline at the end gives. A real short soak is recorded
 * whole (its plan without `soak`, so nothing is released), then its events are replayed in time
 * order through a fresh recorder with the cycles judged and released as a run does.
 */
describe('judging a soak cycle by cycle', () => {
  it('gives the same verdicts as judging the whole recorded timeline, while releasing judged cycles', async () => {
    const scenario = scenarioSchema.parse({
      name: 'release',
      target: agingTarget({ STUCK_AFTER: 3 }, ['inventory']),
      dependencies: { inventory: {} },
      load: { checkout: { shape: 'steady', path: '/checkout', rate: '20/s', timeout: '1s' }, health: { shape: 'steady', path: '/health', rate: '5/s' } },
      phases: [
        { name: 'baseline', for: '2s' },
        { name: 'inventory down', for: '1s', faults: [{ dependency: 'inventory', behaviour: 'status', params: { status: 500 } }] },
        { name: 'recovery', for: '2s' },
      ],
      repeat: { times: 5 },
      slo: { availability: '90%', load: 'health' },
      expect: {
        recovery: { within: '1s', load: 'checkout' },
        'steady-state': { errors: '< 5%', load: 'checkout' },
        latency: { load: 'checkout', p99: '< 2s' },
        drift: { every: '1s', warmup: '1s', rss: '< 1GB/h' },
      },
    });
    const plan = scenarioToPlan(scenario);
    expect(plan.soak?.cycles).toBe(5);
    const { soak, ...whole } = plan;
    const out = await runPlan(whole, { reportsDir: mkdtempSync(join(tmpdir(), 'crumple-release-')), writeFiles: false });
    expect(out.result.error).toBeUndefined();
    const full = out.timeline;
    expect(full.dropped).toEqual({});

    const rec = new Recorder({ startMs: full.startMs });
    const context = (t: Timeline): CheckContext => ({ timeline: t, phases: phaseWindows(t, plan), dependencies: ['inventory'], loads: ['checkout', 'health'], clientTimeoutMs: plan.clientTimeoutMs, loadTimeoutsMs: loadTimeouts(plan.loads) });
    const cycles = new CyclesInFlight(soak!.judge(), rec, context, plan.clientTimeoutMs);
    let released = 0;
    const rawTotal = full.events.filter((e) => e.kind === 'response' || e.kind.startsWith('dep-')).length;
    for (const e of full.events) {
      // What a run would do at this moment: poll at phase ends (the replayed clock is the events' t).
      rec.record(e);
      if (e.kind === 'phase') {
        if (e.edge === 'start') cycles.phaseStarted(e.index, e.t);
        else {
          cycles.phaseEnded(e.index, e.t);
          const before = rec.rawCount;
          cycles.poll(e.t);
          released += before - rec.rawCount;
        }
      }
    }
    // Cycles 1..3 were judged during the replay (the 4th needs the 5th's end to settle; the 5th is the run's).
    expect(cycles.judged).toBeGreaterThanOrEqual(2);
    expect(released).toBeGreaterThan(0);
    expect(rec.rawCount).toBeLessThan(rawTotal);

    const expected = plan.judge(context(full));
    const got = cycles.judge.verdicts(context(rec.timeline()));
    expect(got.map((v) => v.key)).toEqual(expected.map((v) => v.key));
    expect(got).toEqual(expected);
    // Every cycle was judged for real (drift may lack points in 25 s on a busy machine; it reads the summaries).
    expect(expected.filter((v) => v.status === 'inconclusive' && v.check !== 'drift').map((v) => v.key)).toEqual([]);
  }, 120_000);
});
