import { describe, expect, it } from 'vitest';
import { CycleJudge, CyclesInFlight, judgeCycles } from '../../src/cycle-judge.js';
import { Recorder } from '../../src/timeline/recorder.js';
import { phaseWindows } from '../../src/run.js';
import type { CheckContext } from '../../src/checks/check.js';
import type { TimelineEvent } from '../../src/timeline/events.js';
import { scenarioSchema } from '../../src/scenario/schema.js';
import { scenarioToPlan } from '../../src/scenario/plan.js';
import type { Timeline } from '../../src/timeline/timeline.js';

/**
 * A soak of 4 cycles of 'quiet' (3 s), 'down' (1 s, the dependency answers 500 and so does the
 * target) and 'after' (2 s); in cycle 3 the target stays broken through 'after': recovery #3 fails.
 */
const T0 = 7_000_000;
const PER = 3;
const CYCLES = 4;
const scenario = scenarioSchema.parse({
  name: 'cycles',
  target: { url: 'http://127.0.0.1:1' },
  dependencies: { inv: {} },
  load: { api: { shape: 'steady', path: '/', rate: 20 } },
  phases: [
    { name: 'quiet', for: '3s' },
    { name: 'down', for: '1s', faults: [{ dependency: 'inv', behaviour: 'status', params: { status: 500 } }] },
    { name: 'after', for: '2s' },
  ],
  repeat: { times: CYCLES },
  slo: { availability: '50%' },
  expect: { recovery: { within: '1s', load: 'api' }, 'steady-state': { errors: '< 5%', load: 'api' }, latency: { load: 'api', p99: '< 100ms' } },
});
const plan = scenarioToPlan(scenario);
const expectations = { ...scenario.expect, slo: scenario.slo };

function events(): TimelineEvent[] {
  const out: TimelineEvent[] = [];
  let t = T0;
  for (let i = 0; i < CYCLES * PER; i++) {
    const p = plan.phases[i]!;
    const down = i % PER === 1;
    out.push({ kind: 'phase', t, index: i, name: p.name, edge: 'start' });
    if (down) out.push({ kind: 'fault', t, phase: p.name, dependency: 'inv', fault: 'status', type: 'behaviour', action: 'applied' });
    const stuck = i === 8; // cycle 3's 'after'
    for (let k = 0; k < p.durationMs / 50; k++) {
      const at = t + k * 50;
      const bad = down || stuck;
      out.push({ kind: 'response', t: at, load: 'api', latencyMs: bad ? 2 : 1 + (k % 5), bytes: 2, status: bad ? 500 : 200 });
      out.push({ kind: 'dep-request', t: at + 0.5, dependency: 'inv', conn: k, method: 'GET', path: '/', behaviour: down ? 'status' : 'ok', bytes: 0 });
      if (k % 10 === 0) out.push({ kind: 'lag', t: at, p50Ms: 0, p99Ms: 1, maxMs: 2 });
    }
    t += p.durationMs;
    if (down) out.push({ kind: 'fault', t, phase: p.name, dependency: 'inv', fault: 'status', type: 'behaviour', action: 'cleared' });
    out.push({ kind: 'phase', t, index: i, name: p.name, edge: 'end' });
  }
  return out;
}

const context = (timeline: Timeline): CheckContext => ({ timeline, phases: phaseWindows(timeline, plan), dependencies: ['inv'], loads: ['api'], clientTimeoutMs: 1000 });

function whole(): CheckContext {
  const r = new Recorder({ startMs: T0 });
  for (const e of events()) r.record(e);
  return context(r.timeline());
}

describe('CycleJudge', () => {
  it('verdicts of cycles judged one at a time equal judging them all at the end, in the same order', () => {
    const ctx = whole();
    const all = judgeCycles(ctx, expectations, CYCLES, PER);
    expect(all.map((v) => v.key)).toEqual(['recovery #1', 'recovery #2', 'recovery #3', 'recovery #4', 'latency #1', 'latency #2', 'latency #3', 'latency #4', 'slo', 'steady-state #1', 'steady-state #2', 'steady-state #3', 'steady-state #4']);
    expect(all.filter((v) => v.status !== 'pass').map((v) => v.key)).toEqual(['recovery #3']);
    const j = new CycleJudge(expectations, CYCLES, PER);
    j.judgeCycle(ctx, 1);
    j.judgeCycle(ctx, 0);
    expect([j.judged(0), j.judged(1), j.judged(2)]).toEqual([true, true, false]);
    expect(j.verdicts(ctx)).toEqual(all);
  });
});

describe('CyclesInFlight', () => {
  it('judges a cycle once it has settled (never the last), releases its raw events but the first baseline, and the verdicts stay those of the whole timeline', () => {
    const r = new Recorder({ startMs: T0 });
    const inflight = new CyclesInFlight(new CycleJudge(expectations, CYCLES, PER), r, context, 1000, 1500);
    const polls: number[] = [];
    for (const e of events()) {
      r.record(e);
      if (e.kind !== 'phase') continue;
      if (e.edge === 'start') inflight.phaseStarted(e.index, e.t);
      else {
        inflight.phaseEnded(e.index, e.t);
        inflight.poll(e.t);
        polls.push(inflight.judged);
      }
    }
    // Cycle 1 ends at 6 s: settled by 7.5 s, so judged at the first phase end after it (9 s, quiet #2's).
    expect(polls).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]);
    // Polling again never judges the last cycle: it is judged with the run.
    inflight.poll(Infinity);
    expect(inflight.judged).toBe(3);
    const held = r.timeline().events.filter((e) => e.kind === 'response');
    // Kept: the first baseline (quiet #1, 0–3 s) and the last cycle (18–24 s).
    expect(Math.min(...held.filter((e) => e.t >= T0 + 3000).map((e) => e.t))).toBe(T0 + 18_000);
    expect(held.filter((e) => e.t < T0 + 3000)).toHaveLength(60);
    expect(inflight.judge.verdicts(context(r.timeline()))).toEqual(judgeCycles(whole(), expectations, CYCLES, PER));
  });
});
