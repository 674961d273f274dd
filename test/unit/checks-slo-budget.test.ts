import { describe, expect, it } from 'vitest';
import slo, { burnPairs, sloExpectation } from '../../src/checks/slo.js';
import errors, { errorsExpectation } from '../../src/checks/errors.js';
import { soak } from '../helpers/soak.js';

const judge = (ctx: ReturnType<ReturnType<typeof soak>['context']>, x: Record<string, unknown>) => slo.run(ctx, sloExpectation.parse(x), 'slo');

/** Four 60 s phases at 50 req/s; `bad(s, i)` says which requests fail. */
function run(bad: (s: number, i: number) => boolean, latency: (s: number) => number = () => 20) {
  const b = soak();
  ['baseline', 'one', 'two', 'three'].forEach((n, k) => b.phase(n, k * 60_000, (k + 1) * 60_000));
  return b.responses('api', { from: 0, to: 240_000, perSecond: 50, latency, status: (s, i) => (bad(s, i) ? 500 : 200) }).context();
}

describe('slo: error budget, multi-window burn rates, MTTR and MTBF', () => {
  it('scales the SRE workbook pairs to the run (a 2-hour run: 10 s/1 s, 60 s/5 s, 720 s/60 s)', () => {
    expect(burnPairs(7200)).toEqual([
      { name: 'fast', longS: 10, shortS: 1, burn: 14.4, page: true },
      { name: 'slow', longS: 60, shortS: 5, burn: 6, page: true },
      { name: 'ticket', longS: 720, shortS: 60, burn: 1, page: false },
    ]);
    expect(burnPairs(240).map((p) => p.longS)).toEqual([5, 5, 24]);
  });

  it('a clean run passes with the whole budget left and no incident', () => {
    const v = judge(run(() => false), { availability: '99.9%' });
    expect(v.ok).toBe(true);
    expect(v.measured.availabilitySpent).toBe(0);
    expect(v.measured.incidents).toBe(0);
    expect(v.measured.mttrMs).toBeNull();
    expect(v.summary).toMatch(/no incident/);
  });

  it('short error bursts burn the budget and fail, while every per-phase error threshold passes', () => {
    // 2 s of errors in every phase: 100 of 3,000 requests a phase (3.3 %).
    const ctx = run((s) => s % 60 >= 30 && s % 60 < 32);
    for (const phase of ['baseline', 'one', 'two', 'three']) expect(errors.run(ctx, errorsExpectation.parse({ phase, rate: '< 5%' }), 'errors').ok).toBe(true);
    const v = judge(ctx, { availability: '99.9%' });
    expect(v.ok).toBe(false);
    expect(v.failureMode?.id).toBe('slo-breach');
    expect(v.measured.availabilityBadRequests).toBe(400);
    expect(v.measured.availabilitySpent as number).toBeGreaterThan(30);
    expect(v.measured.incidents).toBe(4);
    // Each incident lasts while both fast windows burn: about the 2-second burst (plus the short window's tail).
    expect(v.measured.mttrMs as number).toBeGreaterThanOrEqual(1000);
    expect(v.measured.mttrMs as number).toBeLessThanOrEqual(4000);
    expect(v.measured.mtbfMs as number).toBeGreaterThan(50_000);
    expect(v.summary).toMatch(/fast-burn page fired/);
    expect(v.evidence.find((e) => e.label.includes('budget used per phase'))?.value).toMatch(/baseline \d+%, one \d+%, two \d+%, three \d+%/);
  });

  it('errors spread thinly under the objective pass: a loose SLO keeps its budget', () => {
    // One error in 2,000 requests: 0.05 %, half a 99.9 % budget, never a burst.
    const v = judge(run((_s, i) => i % 2000 === 1999), { availability: '99.9%' });
    expect(v.ok).toBe(true);
    expect(v.measured.availabilitySpent as number).toBeCloseTo(0.5, 1);
  });

  it('a latency objective counts slow answers against its own budget', () => {
    const v = judge(
      run(() => false, (s) => (s > 100 && s < 110 ? 500 : 20)),
      { latency: { objective: '99%', under: '300ms' } },
    );
    expect(v.ok).toBe(false);
    expect(v.measured.latencyBadRequests).toBe(499); // sent in (100 s, 110 s) at 50/s
    expect(v.summary).toMatch(/latency under 300 ms/);
  });

  it('cannot judge without responses', () => {
    const ctx = soak().phase('baseline', 0, 10_000).context();
    const v = judge(ctx, { availability: 0.999 });
    expect(v.ok).toBe(false);
    expect(v.summary).toMatch(/^cannot judge: no responses/);
  });

  it('rejects objectives that are not below 100 %', () => {
    expect(sloExpectation.safeParse({ availability: '100%' }).success).toBe(false);
    expect(sloExpectation.safeParse({ availability: 'high' }).success).toBe(false);
    expect(sloExpectation.safeParse({}).success).toBe(false);
  });
});

describe('slo: a latency objective from the per-second summary', () => {
  it('gives the verdict raw events give, with no raw event left (a soak released them, or the cap dropped them)', async () => {
    const { Recorder } = await import('../../src/timeline/recorder.js');
    // Slow answers (250 ms) in bursts, errors in others: both spend the latency budget.
    const ctx = run((s) => s % 60 >= 40 && s % 60 < 41, (s) => (s % 60 >= 20 && s % 60 < 23 ? 250 : 20));
    const x = { latency: { objective: '99%', under: '100ms' } };
    const fromRaw = judge(ctx, x);
    expect(fromRaw.ok).toBe(false);
    const rec = new Recorder({ startMs: ctx.timeline.startMs, slowMs: [100] });
    for (const e of ctx.timeline.events) rec.record(e);
    expect(rec.release(Infinity)).toBeGreaterThan(10_000);
    const fromSeconds = judge({ ...ctx, timeline: { ...rec.timeline(), endMs: ctx.timeline.endMs } }, x);
    expect(fromSeconds).toEqual(fromRaw);
    // Without the threshold counted and without raw events, it cannot judge.
    const none = new Recorder({ startMs: ctx.timeline.startMs });
    for (const e of ctx.timeline.events) none.record(e);
    none.release(Infinity);
    expect(judge({ ...ctx, timeline: { ...none.timeline(), endMs: ctx.timeline.endMs } }, x).status).toBe('inconclusive');
  });
});
