import { describe, expect, it } from 'vitest';
import check from '../../src/checks/restart.js';
import { failureModeLine } from '../../src/report/failure-modes.js';
import { timeline, TimelineBuilder } from '../helpers/timeline.js';

const x = (o: Record<string, unknown> = {}) => check.expectation.parse({ within: '1s', ...o });

/** baseline 0–3 s, the target killed 3–5 s (started again at 5 s, ready `readyMs` later), after 5–10 s. */
function killed(o: { readyMs: number; failUntil: number }) {
  const b = timeline()
    .phase('baseline', 0, 3000)
    .phase('crash', 3000, 5000, [{ dependency: '(target)', fault: 'kill', type: 'target' }])
    .phase('after', 5000, 10000)
    .responses('prices', { from: 0, to: 3000, every: 50, latency: 5 })
    .responses('prices', { from: 3000, to: o.failUntil, every: 50, latency: 1, outcome: (t) => (t < 5000 + o.readyMs ? 'ECONNREFUSED' : 503) })
    .responses('prices', { from: o.failUntil, to: 10000, every: 50, latency: 5 })
    .control(0, 'spawn', 1)
    .control(200, 'ready', 1, 200)
    .control(3010, 'kill', 1)
    .control(5000, 'spawn', 2)
    .control(5000 + o.readyMs, 'ready', 2, o.readyMs)
    .end(10000);
  return b.context();
}

describe('restart check', () => {
  it('passes when clients are back at baseline soon after the target starts again, with time to ready and MTTR', () => {
    const v = check.run(killed({ readyMs: 200, failUntil: 5200 }), x({ 'ready-within': '500ms' }), 'restart');
    expect(v.status).toBe('pass');
    expect(v.measured.readyMs).toBe(200);
    expect(v.measured.mttrMs).toBe(250); // the first window (stepped 250 ms) with no failure in it
    expect(v.measured.outageMs).toBe(2240);
    expect(v.summary).toMatch(/target killed in 'crash': ready after 200 ms \(bound 500 ms\), clients back at baseline 250 ms after it started again/);
  });

  it('fails as a slow restart when the probe passes long before the service can serve', () => {
    const v = check.run(killed({ readyMs: 100, failUntil: 8000 }), x(), 'restart');
    expect(v.status).toBe('fail');
    expect(v.measured.mttrMs).toBe(3000);
    expect(v.failureMode?.id).toBe('slow-restart');
    expect(v.failureMode?.spread).toMatch(/readiness probe passed after 100 ms, long before it could serve/);
    expect(failureModeLine(v)).toMatch(/^Slow restart: crumple killed the target at 3\.0 s \('crash'\) and started it again at 5\.0 s/);
    expect(failureModeLine(v)).toMatch(/apply Crash-Only Restart \+ Honest Readiness: clients back at baseline within 1\.00 s/);
  });

  it('fails when the readiness probe takes longer than ready-within, even if clients are back in time', () => {
    const v = check.run(killed({ readyMs: 700, failUntil: 5700 }), x({ within: '2s', 'ready-within': '500ms' }), 'restart');
    expect(v.status).toBe('fail');
    expect(v.failureMode?.spread).toBe('it took 700 ms to pass its readiness probe');
  });

  it('judges a pause from the SIGCONT', () => {
    const b = timeline()
      .phase('baseline', 0, 3000)
      .phase('frozen', 3000, 4000, [{ dependency: '(target)', fault: 'pause', type: 'target' }])
      .phase('after', 4000, 8000)
      .responses('prices', { from: 0, to: 3000, every: 50, latency: 5 })
      .responses('prices', { from: 3000, to: 4000, every: 50, latency: (t) => 4000 - t + 5 })
      .responses('prices', { from: 4000, to: 8000, every: 50, latency: 5 })
      .control(3000, 'pause', 1)
      .control(4000, 'resume', 1)
      .end(8000);
    const v = check.run(b.context(), x(), 'restart');
    expect(v.status).toBe('pass');
    expect(v.measured.mttrMs).toBe(0);
    expect(v.measured.readyMs).toBeNull();
    expect(v.summary).toMatch(/target paused in 'frozen': resumed, clients back at baseline 0\.00 ms after it resumed \(bound 1\.00 s\); 0 of 20 requests failed from the pause/);
  });

  it('is inconclusive without a target fault, and without a fault-free stretch after one', () => {
    const none = timeline().phase('baseline', 0, 3000).phase('fault', 3000, 6000, [['inventory', 'hang']]).responses('prices', { from: 0, to: 6000, every: 50, latency: 5 }).end(6000);
    expect(check.run(none.context(), x(), 'restart').status).toBe('inconclusive');
    expect(check.run(none.context(), x(), 'restart').reason).toMatch(/no phase of this run kills, pauses or restarts the target/);
    const ctx = killed({ readyMs: 200, failUntil: 5200 });
    const cut = { ...ctx, phases: ctx.phases.slice(0, 2), timeline: { ...ctx.timeline, endMs: TimelineBuilder.START + 5500 } };
    const v = check.run(cut, x(), 'restart');
    expect(v.status).toBe('inconclusive');
    expect(v.reason).toMatch(/only 500 ms between the target coming back and the next fault or the end/);
  });

  it('is inconclusive when the run stopped before the target was back', () => {
    const ctx = killed({ readyMs: 200, failUntil: 5200 });
    const events = ctx.timeline.events.filter((e) => !(e.kind === 'target-control' && e.start === 2));
    const v = check.run({ ...ctx, timeline: { ...ctx.timeline, events }, stopped: { atMs: TimelineBuilder.START + 4000, reason: 'interrupted' } }, x(), 'restart');
    expect(v.status).toBe('inconclusive');
    expect(v.reason).toMatch(/the target was killed in 'crash' and the run ended before it was back/);
  });
});
