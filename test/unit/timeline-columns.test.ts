import { describe, expect, it } from 'vitest';
import { Column, Columns } from '../../src/timeline/columns.js';
import { SampleColumns } from '../../src/timeline/samples.js';
import { Recorder } from '../../src/timeline/recorder.js';
import type { TimelineEvent } from '../../src/timeline/events.js';

const T0 = 2_000_000;

describe('Column', () => {
  it('grows past its capacity keeping every value; unwritten seconds read as its empty value', () => {
    const c = new Column(NaN, 2);
    for (let i = 0; i < 1000; i += 3) c.set(i, i * 1.5);
    expect(c.length).toBe(1000);
    for (let i = 0; i < 1000; i++) (i % 3 === 0 ? expect(c.get(i)).toBe(i * 1.5) : expect(c.get(i)).toBeNaN());
    expect(c.get(5000)).toBeNaN();
    c.add(0, 2);
    expect(c.get(0)).toBe(2);
    expect(c.bytes).toBe(1024 * 8);
  });
  it('keyed columns are made on first use and counted in bytes', () => {
    const cs = new Columns();
    cs.of('2xx').add(3, 1);
    cs.of('2xx').add(3, 1);
    cs.of('5xx').add(0, 1);
    expect([...cs.byKey.keys()]).toEqual(['2xx', '5xx']);
    expect(cs.of('2xx').get(3)).toBe(2);
    expect(cs.bytes).toBe(2 * 64 * 8);
  });
});

describe('SampleColumns', () => {
  it('gives back target samples and lag as recorded, optional fields only when present', () => {
    const s = new SampleColumns();
    const a: TimelineEvent = { kind: 'target-sample', t: 10.5, rssBytes: 123_456_789, fds: 30 };
    const b: TimelineEvent = { kind: 'lag', t: 11, p50Ms: 0.25, p99Ms: 3, maxMs: 7.5 };
    const c: TimelineEvent = { kind: 'target-sample', t: 12, rssBytes: 1, cpuPercent: 12.5, fds: 3, threads: 9 };
    expect([s.put(a, 0), s.put(b, 1), s.put(c, 5)]).toEqual([true, true, true]);
    expect([0, 1, 2].map((i) => s.event(i))).toEqual([a, b, c]);
    expect(s.event(0)).not.toHaveProperty('threads');
    expect([s.seqOf(2), s.tOf(1)]).toEqual([5, 11]);
  });
  it('refuses an event with a field a row has no room for (the recorder keeps it whole)', () => {
    const s = new SampleColumns();
    expect(s.put({ kind: 'target-sample', t: 1, rssBytes: 1, extra: 'x' } as unknown as TimelineEvent & { kind: 'target-sample' }, 0)).toBe(false);
    expect(s.length).toBe(0);
  });
});

describe('Recorder storage', () => {
  const resp = (t: number, load = 'a', latencyMs = 1): TimelineEvent => ({ kind: 'response', t, load, latencyMs, status: 200, bytes: 1 });

  it('a snapshot gives control events in arrival order among equal times, samples stored as rows included', () => {
    const r = new Recorder({ startMs: T0 });
    const es: TimelineEvent[] = [
      { kind: 'phase', t: T0 + 5, index: 0, name: 'p', edge: 'start' },
      { kind: 'lag', t: T0 + 5, p50Ms: 0, p99Ms: 1, maxMs: 2 },
      { kind: 'fault', t: T0 + 5, phase: 'p', dependency: 'inv', fault: 'hang', type: 'behaviour', action: 'applied' },
      { kind: 'target-sample', t: T0 + 5, rssBytes: 5 },
      { kind: 'target-sample', t: T0 + 1, rssBytes: 4 },
    ];
    for (const e of es) r.record(e);
    expect(r.timeline().events).toEqual([es[4], es[0], es[1], es[2], es[3]]);
  });

  it('release drops judged raw events but those in a kept window; control events and seconds stay whole', () => {
    const r = new Recorder({ startMs: T0 });
    for (let i = 0; i < 100; i++) r.record(resp(T0 + i * 100));
    r.record({ kind: 'lag', t: T0 + 50, p50Ms: 0, p99Ms: 1, maxMs: 2 });
    expect(r.release(T0 + 5000, [{ startMs: T0 + 1000, endMs: T0 + 2000 }])).toBe(40);
    expect(r.rawCount).toBe(60);
    const tl = r.timeline();
    const ts = tl.events.filter((e) => e.kind === 'response').map((e) => e.t - T0);
    expect(ts.slice(0, 11)).toEqual([1000, 1100, 1200, 1300, 1400, 1500, 1600, 1700, 1800, 1900, 5000]);
    expect(tl.events.some((e) => e.kind === 'lag')).toBe(true);
    expect(tl.dropped).toEqual({});
    expect(tl.seconds.reduce((n, s) => n + (s.loads['a']?.count ?? 0), 0)).toBe(100);
    // Released bytes are given back to the raw budget.
    const full = new Recorder({ startMs: T0 });
    for (let i = 0; i < 60; i++) full.record(resp(T0 + i * 100));
    expect(r.bytes.raw).toBe(full.bytes.raw);
  });

  it('a partial timeline holds raw events, samples and seconds from fromMs (and kept windows), every other control event, and seconds numbered as in the whole one', () => {
    const r = new Recorder({ startMs: T0 });
    r.record({ kind: 'phase', t: T0, index: 0, name: 'a', edge: 'start' });
    for (let i = 0; i < 10; i++) {
      r.record(resp(T0 + i * 1000 + 10));
      r.record({ kind: 'target-sample', t: T0 + i * 1000 + 20, rssBytes: i });
      r.record({ kind: 'dep-open', t: T0 + i * 1000 + 30, dependency: 'inv', conn: i, behaviour: 'ok' });
    }
    const whole = r.timeline();
    const part = r.timeline({ fromMs: T0 + 6000, keep: [{ startMs: T0 + 1000, endMs: T0 + 2000 }] });
    expect(part.seconds.map((s) => s.second)).toEqual([1, 2, 6, 7, 8, 9]);
    for (const s of part.seconds) expect(s).toEqual(whole.seconds[s.second]);
    expect(part.events.filter((e) => e.kind === 'phase')).toHaveLength(1);
    expect(part.events.filter((e) => e.kind === 'target-sample').map((e) => (e.kind === 'target-sample' ? e.rssBytes : -1))).toEqual([1, 6, 7, 8, 9]);
    expect(part.events.filter((e) => e.kind === 'response')).toHaveLength(5);
    expect(part.seconds.at(-1)!.deps['inv']!.open).toBe(10);
  });

  it('a window holds only the events (phase edges too), samples and seconds from fromMs to toMs and in kept windows, in the whole timeline\'s order', () => {
    const r = new Recorder({ startMs: T0 });
    for (let i = 0; i < 12; i++) {
      if (i % 3 === 0) r.record({ kind: 'phase', t: T0 + i * 1000, index: i / 3, name: `p${i / 3}`, edge: 'start' });
      r.record(resp(T0 + i * 1000 + 10));
      r.record({ kind: 'target-sample', t: T0 + i * 1000 + 10, rssBytes: i });
      r.record({ kind: 'dep-open', t: T0 + i * 1000 + 30, dependency: 'inv', conn: i, behaviour: 'ok' });
      if (i % 3 === 2) r.record({ kind: 'phase', t: T0 + (i + 1) * 1000, index: (i - 2) / 3, name: `p${(i - 2) / 3}`, edge: 'end' });
    }
    // A late answer (stamped with its request's start) and a late close, in seconds already snapshotted.
    r.timeline();
    r.record(resp(T0 + 4500));
    r.record({ kind: 'dep-close', t: T0 + 4600, dependency: 'inv', conn: 4, by: 'client', pending: false, bytesIn: 10, bytesOut: 20 });
    const whole = r.timeline();
    const keep = [{ startMs: T0, endMs: T0 + 2000 }];
    const win = r.window({ fromMs: T0 + 3000, toMs: T0 + 6000, keep });
    const wanted = (t: number) => (t >= T0 + 3000 && t <= T0 + 6000) || (t >= T0 && t < T0 + 2000);
    expect(win.events).toEqual(whole.events.filter((e) => wanted(e.t)));
    expect(win.events.filter((e) => e.kind === 'phase').map((e) => (e.kind === 'phase' ? `${e.name} ${e.edge}` : ''))).toEqual(['p0 start', 'p0 end', 'p1 start', 'p1 end', 'p2 start']);
    expect(win.endMs).toBe(T0 + 6000);
    expect(win.seconds.map((s) => s.second)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    for (const s of win.seconds) expect(s).toEqual(whole.seconds[s.second]);
    expect(win.seconds.at(-1)!.deps['inv']!.open).toBe(6);
    expect(whole.seconds.at(-1)!.deps['inv']!.open).toBe(11);
  });

  it('histograms of frozen seconds are reused without carrying counts into a later second', () => {
    const r = new Recorder({ startMs: T0 });
    for (let s = 0; s < 400; s++) for (let i = 0; i < 10; i++) r.record(resp(T0 + s * 1000 + i, 'a', s % 2 ? 100 : 1));
    const secs = r.timeline().seconds;
    expect(secs[398]!.loads['a']!.p99Ms).toBeCloseTo(1, 1);
    expect(secs[399]!.loads['a']!.p50Ms).toBeCloseTo(100, 0);
    expect(secs[10]!.loads['a']!.p50Ms).toBeCloseTo(1, 1);
  });
});
