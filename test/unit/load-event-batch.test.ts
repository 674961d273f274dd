import { describe, expect, it } from 'vitest';
import { ResponseBatch, deliverColumns } from '../../src/load/event-batch.js';
import { Recorder } from '../../src/timeline/recorder.js';
import type { TimelineEvent } from '../../src/timeline/events.js';

/** Rows as a load sends them, and the events they stand for (one with correctedMs, one without). */
function sample(startMs: number) {
  const batch = new ResponseBatch('checkout', 4);
  const events: TimelineEvent[] = [
    { kind: 'response', t: startMs + 10, load: 'checkout', latencyMs: 1.5, status: 200, bytes: 120 },
    { kind: 'response', t: startMs + 1500, load: 'checkout', latencyMs: 3.25, correctedMs: 4.5, status: 503, bytes: 80 },
    { kind: 'response', t: startMs + 2100, load: 'checkout', latencyMs: 0.75, status: 204, bytes: 0 },
  ];
  const full = events.map((e) => (e.kind === 'response' ? batch.push(e.t, e.latencyMs, e.correctedMs ?? NaN, e.status!, e.bytes) : false));
  return { batch, events, full };
}

describe('response columns', () => {
  it('a batch says when it is full and starts empty once taken', () => {
    const { batch, full } = sample(0);
    expect(full).toEqual([false, false, false]);
    expect(batch.push(1, 1, NaN, 200, 1)).toBe(true);
    expect(batch.take()?.n).toBe(4);
    expect(batch.n).toBe(0);
    expect(batch.take()).toBeUndefined();
  });

  it('a plain sink receives the same events, field for field, as if sent one by one', () => {
    const { batch, events } = sample(0);
    const got: TimelineEvent[] = [];
    deliverColumns(batch.take()!, (e) => got.push(e));
    expect(got).toStrictEqual(events);
  });

  it('the recorder builds the same timeline from columns as from the events one by one', () => {
    const one = new Recorder({ startMs: 0 });
    const cols = new Recorder({ startMs: 0 });
    const { batch, events } = sample(0);
    for (const e of events) one.record(e);
    deliverColumns(batch.take()!, cols.record);
    expect(cols.timeline()).toStrictEqual(one.timeline());
    expect(cols.timeline().events).toHaveLength(3);
  });
});
