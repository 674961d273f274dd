import { describe, expect, it } from 'vitest';
import { MessageQueue, queueSpecSchema } from '../../harness-servers/queue/queue.js';

/** A queue on a clock the test moves, its events as "action id#receives". */
function queue(spec: Record<string, unknown> = {}) {
  let now = 1000;
  const events: string[] = [];
  const q = new MessageQueue(queueSpecSchema.parse(spec), () => now, (e) => events.push(`${e.action}${e.id ? ` ${e.id.split('-').at(-1)}` : ''}${e.receives ? `#${e.receives}` : ''}${e.detail ? ` (${e.detail})` : ''}`));
  return { q, events, tick: (ms: number) => (now += ms) };
}

describe('message queue (visibility, receipts, bounds)', () => {
  it('a received message is hidden for the visibility timeout, then delivered again; oldest first, at most max', () => {
    const { q, events, tick } = queue({ visibility: '2s' });
    for (const b of ['a', 'b', 'c']) q.send(b);
    expect(q.receive(2).map((m) => m.body)).toEqual(['a', 'b']);
    expect(q.receive(10).map((m) => m.body)).toEqual(['c']);
    tick(1999);
    expect(q.receive(10)).toEqual([]);
    tick(1);
    expect(q.receive(10).map((m) => [m.body, m.receives])).toEqual([['a', 2], ['b', 2], ['c', 2]]);
    expect(events).toEqual(['sent 1', 'sent 2', 'sent 3', 'received 1#1', 'received 2#1', 'received 3#1', 'redelivered 1#2', 'redelivered 2#2', 'redelivered 3#2']);
  });

  it('a delete by any receipt of the message ends it; a second delete is recorded; an unknown receipt is not', () => {
    const { q, events, tick } = queue({ visibility: '1s' });
    q.send('a');
    const [first] = q.receive(1);
    tick(1000);
    const [second] = q.receive(1);
    expect(q.delete(first!.receipt)).toBe(true); // a stale receipt still deletes, as in SQS
    expect(q.delete(second!.receipt)).toBe(false);
    expect(q.delete('m-x-9.1.abcd')).toBeUndefined();
    tick(5000);
    expect(q.receive(10)).toEqual([]);
    expect(events.slice(3)).toEqual(['deleted 1#1 (with the receipt of delivery 1 of 2)', 'deleted 1#2 (already deleted)']);
  });

  it('refuses sends past maxMessages or maxBody, and a receive with its own visibility', () => {
    const { q, events, tick } = queue({ maxMessages: 1, maxBody: 3 });
    expect(q.send('abcd')).toEqual({ refused: 'too-large' });
    expect(q.send('abc')).toHaveProperty('id');
    expect(q.send('x')).toEqual({ refused: 'full' });
    expect(q.receive(1, 50)).toHaveLength(1);
    tick(50);
    expect(q.receive(1)).toHaveLength(1);
    expect(events.filter((e) => e.startsWith('rejected'))).toEqual(['rejected (body of 4 bytes, max 3)', 'rejected (queue full (1 messages))']);
  });
});
