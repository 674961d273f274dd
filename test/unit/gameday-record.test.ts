import { describe, expect, it } from 'vitest';
import { LiveStats } from '../../src/gameday/live.js';
import { HaltWatch, SteadyWatch } from '../../src/gameday/watch.js';
import { haltConditionSchema } from '../../src/gameday/schema.js';
import { gameDayWindows, journalEntries } from '../../src/gameday/journal.js';
import { steadyStateExpectation } from '../../src/checks/steady-state.js';
import { scenarioIssues } from '../../src/scenario/load.js';
import type { JournalEvent, TimelineEvent } from '../../src/timeline/events.js';
import type { Timeline } from '../../src/timeline/timeline.js';
import type { CheckContext } from '../../src/checks/check.js';

const T0 = 1_000_000;

/** `perSecond[s]` = [responses, errors, latency ms] arriving during second s. */
function live(perSecond: [number, number, number][], load = 'order'): LiveStats {
  const l = new LiveStats(T0);
  perSecond.forEach(([n, errs, ms], s) => {
    for (let i = 0; i < n; i++) {
      const t = T0 + s * 1000 + (i * 1000) / (n + 1);
      l.record({ kind: 'response', t: t - ms, load, latencyMs: ms, bytes: 1, ...(i < errs ? { status: 503 } : { status: 200 }) }, t);
    }
  });
  return l;
}

describe('halt conditions', () => {
  const cond = haltConditionSchema.parse({ load: 'order', errors: '> 20%', for: '3s' });

  it('fires only once the breach has held every second for its `for`', () => {
    const l = live([[10, 0, 5], [10, 5, 5], [10, 5, 5], [10, 5, 5], [10, 5, 5]]);
    const h = new HaltWatch(cond);
    h.update(l, 3);
    expect(h.fired(3)).toBe(false); // breaching seconds 1 and 2: 2 s
    h.update(l, 4);
    expect(h.fired(4)).toBe(true);
    expect(h.state.text).toBe('order errors 50% (> 20%)');
  });

  it('a healthy second in between starts the count again; a second with no answers neither breaks nor extends it', () => {
    const l = live([[10, 5, 5], [10, 5, 5], [10, 0, 5], [10, 5, 5], [0, 0, 0], [10, 5, 5]]);
    const h = new HaltWatch(cond);
    h.update(l, 5);
    expect(h.fired(5)).toBe(false);
    expect(h.state.since).toBe(3);
    h.update(l, 6);
    expect(h.fired(6)).toBe(true);
  });

  it('p99 over its bound counts too; a plain value means "over"; "<" is refused, naming why', () => {
    const h = new HaltWatch(haltConditionSchema.parse({ p99: '2s', for: '1s' }));
    h.update(live([[10, 0, 2500]]), 1);
    expect(h.fired(1)).toBe(true);
    expect(h.describe()).toBe('all loads: p99 > 2.00 s for 1.00 s');
    const r = haltConditionSchema.safeParse({ errors: '< 20%' });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toMatch(/a halt condition says when to stop: write "> 20%"/);
    expect(haltConditionSchema.safeParse({ load: 'order' }).error?.issues[0]?.message).toMatch(/needs errors or p99/);
  });
});

describe('the steady-state hypothesis, live', () => {
  it('holds, then is breached since the first second its window broke', () => {
    const l = live([[10, 0, 5], [10, 0, 5], [10, 0, 5], [10, 8, 5], [10, 8, 5]]);
    const w = new SteadyWatch([steadyStateExpectation.parse({ load: 'order', errors: '< 10%' })]);
    w.update(l, 3);
    expect(w.state.since).toBeUndefined();
    w.update(l, 5);
    expect(w.state.since).toBe(3); // 8 of 40 answers in the window up to second 3: 20 %
    expect(w.state.text).toBe('order errors 32% (< 10%)'); // up to second 4: 16 of 50
  });
});

describe('the record: windows checks judge and the journal with MTTR', () => {
  const j = (t: number, action: JournalEvent['action'], extra: Partial<JournalEvent> = {}): JournalEvent => ({ kind: 'journal', t: T0 + t, action, by: 'console', text: action, ...extra });
  const hang = [{ dependency: 'stock', fault: 'hang', type: 'behaviour' as const, kinds: ['holds' as const] }];
  function timeline(): Timeline {
    const events: TimelineEvent[] = [];
    for (let t = 0; t < 20_000; t += 50) {
      const bad = t >= 5000 && t < 9000; // the fault, and a second after it cleared at 8 s
      events.push({ kind: 'response', t: T0 + t, load: 'order', latencyMs: 5, bytes: 1, status: bad ? 503 : 200 });
    }
    events.push(j(500, 'start'), j(5000, 'inject', { id: 1, name: '#1 stock → hang', faults: hang, forMs: 60_000 }), j(8000, 'clear', { id: 1, by: 'ann@pts/3' }), j(12_000, 'note', { text: 'orders back' }));
    events.sort((a, b) => a.t - b.t);
    return { startMs: T0, endMs: T0 + 20_000, events, seconds: [], dropped: {} };
  }

  it('a baseline until the first fault, then each injection from its real apply to its real clear', () => {
    expect(gameDayWindows(timeline()).map((w) => [w.name, w.startMs - T0, w.endMs - T0, w.faults.map((f) => f.fault)])).toEqual([
      ['baseline', 500, 5000, []],
      ['#1 stock → hang', 5000, 8000, ['hang']],
    ]);
  });

  it('each clearance carries who did it, when, and the time to recover after it', () => {
    const tl = timeline();
    const ctx: CheckContext = { timeline: tl, phases: gameDayWindows(tl), dependencies: ['stock'], loads: ['order'], clientTimeoutMs: 2000 };
    const entries = journalEntries(ctx, '2026-01-01T10:00:00.000Z');
    const clear = entries.find((e) => e.action === 'clear')!;
    expect(clear).toMatchObject({ by: 'ann@pts/3', atMs: 8000, at: '2026-01-01T10:00:08.000Z', id: 1 });
    expect(clear.recoveredMs).toBeGreaterThan(500);
    expect(clear.recoveredMs).toBeLessThan(1500);
    expect(entries.map((e) => e.action)).toEqual(['start', 'inject', 'clear', 'note']);
  });
});

describe('halt: and steps: in scenario files', () => {
  const base = {
    name: 'gd',
    target: { url: 'http://127.0.0.1:3000' },
    dependencies: { stock: {}, price: { via: 'direct' } },
    load: { order: { shape: 'steady', path: '/', rate: 1 } },
  };

  it('a game day may leave out phases; crumple run may not', () => {
    expect(scenarioIssues(base, { gameDay: true }).issues).toEqual([]);
    expect(scenarioIssues(base).issues.map((i) => i.path.join('.'))).toEqual(['phases']);
  });

  it('names that do not exist get a did-you-mean, and a step\'s fault is judged like a phase\'s', () => {
    const { issues } = scenarioIssues(
      {
        ...base,
        halt: { load: 'ordr', errors: '> 20%' },
        steps: [{ faults: [{ dependency: 'stok', behaviour: 'hang' }] }, { faults: [{ dependency: 'price', toxic: 'latency', latency: 100 }] }],
      },
      { gameDay: true },
    );
    expect(issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual(
      expect.arrayContaining([
        "halt.0.load: unknown load 'ordr' (did you mean 'order'?)",
        "steps.0.faults.0.dependency: unknown dependency 'stok' (did you mean 'stock'?)",
        expect.stringMatching(/^steps\.1\.faults\.0\.toxic: 'price' is reached directly/),
      ]),
    );
    const typo = scenarioIssues({ ...base, steps: [{ faults: [{ dependency: 'stock', behaviour: 'hnag' }] }] }, { gameDay: true });
    expect(typo.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual(["steps.0.faults.0.behaviour: unknown behaviour 'hnag' (did you mean 'hang'?)"]);
  });

  it('a step lasts at most an hour', () => {
    const { issues } = scenarioIssues({ ...base, steps: [{ for: '2h', faults: [{ dependency: 'stock', behaviour: 'hang' }] }] }, { gameDay: true });
    expect(issues.map((i) => i.message)).toEqual([expect.stringMatching(/at most 1 h/)]);
  });
});
