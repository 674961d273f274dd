import { describe, expect, it } from 'vitest';
import check from '../../src/checks/delivery.js';
import { failureModeLine } from '../../src/report/failure-modes.js';
import { timeline } from '../helpers/timeline.js';

const x = (o: Record<string, unknown> = {}) => check.expectation.parse({ queue: 'jobs', effect: 'ledger', ...o });

/**
 * 20 messages sent every 100 ms from 0; each received 50 ms after it is sent. `consumer(i, b)` writes
 * what the consumer does with message i after receiving it at t. The consumer is killed at 1000 ms.
 */
function run(consumer: (i: number, t: number, b: ReturnType<typeof timeline>) => void, o: { kill?: boolean } = {}) {
  const b = timeline().phase('baseline', 0, 1000).phase('consumer killed', 1000, 2000, [{ dependency: '(target)', fault: 'kill', type: 'target' }]).phase('drain', 2000, 6000);
  if (o.kill !== false) b.control(1000, 'kill', 1).control(2000, 'spawn', 2).control(2200, 'ready', 2, 200);
  for (let i = 0; i < 20; i++) {
    const t = i * 100;
    b.queue('jobs', t, 'sent', `m${i}`).queue('jobs', t + 50, 'received', `m${i}`, { receives: 1 });
    consumer(i, t + 50, b);
  }
  return b.end(6000).context();
}
const effect = (b: ReturnType<typeof timeline>, i: number, t: number) => b.attempt('ledger', t, { key: `m${i}`, method: 'POST' });

/** Works 300 ms, records, then deletes; messages in hand at the kill (1000 ms) come back at 2500 ms. */
function ackAfter(i: number, t: number, b: ReturnType<typeof timeline>) {
  if (t + 300 < 1000 || t > 2000) return effect(b, i, t + 300).queue('jobs', t + 310, 'deleted', `m${i}`, { receives: 1 });
  if (t < 1000) b.queue('jobs', 2500, 'redelivered', `m${i}`, { receives: 2 });
  const again = t < 1000 ? 2500 : t;
  effect(b, i, Math.max(again, 2300) + 300).queue('jobs', Math.max(again, 2300) + 310, 'deleted', `m${i}`, { receives: t < 1000 ? 2 : 1 });
}

describe('delivery check', () => {
  it('passes when every message is processed and those in hand at the kill are delivered again', () => {
    const v = check.run(run(ackAfter), x({ 'redelivered-within': '5s' }), 'delivery');
    expect(v.status).toBe('pass');
    expect(v.measured).toMatchObject({ sent: 20, processed: 20, lost: 0, unprocessed: 0, duplicates: 0, inHand: 3, redeliveryMaxMs: 1500 });
    expect(v.summary).toBe('20 messages to jobs: 20 processed, 0 lost, 0 unprocessed, 0 worked twice; 3 in hand at 1 consumer death, delivered again after 1.50 s (p50), 1.50 s (max)');
    expect(check.run(run(ackAfter), x({ 'redelivered-within': '1s' }), 'delivery').status).toBe('fail');
  });

  it('fails as lost message when the consumer deleted before its work and died with messages in hand', () => {
    const v = check.run(
      run((i, t, b) => {
        b.queue('jobs', t + 1, 'deleted', `m${i}`, { receives: 1 });
        if (t + 300 < 1000 || t > 2000) effect(b, i, t + 300);
      }),
      x(),
      'delivery',
    );
    expect(v.status).toBe('fail');
    expect(v.measured).toMatchObject({ lost: 3 + 10, inHand: 3 }); // in hand at the kill, and those received while it was down (no one worked them)
    expect(failureModeLine(v)).toMatch(/^Lost message: crumple killed the consumer at 1\.0 s with 3 messages in hand → it had deleted 13 of them before doing their work/);
  });

  it('counts messages worked twice, and bounds their share when asked', () => {
    const twice = (i: number, t: number, b: ReturnType<typeof timeline>) => {
      ackAfter(i, t, b);
      if (i < 2) effect(b, i, 5000);
    };
    expect(check.run(run(twice), x(), 'delivery').measured).toMatchObject({ duplicates: 2, duplicateShare: 0.1 });
    expect(check.run(run(twice), x({ duplicates: '<= 5%' }), 'delivery').status).toBe('fail');
  });

  it('fails when messages are left on the queue, and without effect counts a delete as processed', () => {
    const v = check.run(run((i, t, b) => (i < 15 ? ackAfter(i, t, b) : undefined)), x(), 'delivery');
    expect(v.status).toBe('fail');
    expect(v.measured).toMatchObject({ unprocessed: 5 });
    expect(v.failureMode?.id).toBe('no-recovery');
    const early = run((i, t, b) => void b.queue('jobs', t + 1, 'deleted', `m${i}`, { receives: 1 }));
    expect(check.run(early, x({ effect: undefined }), 'delivery').status).toBe('inconclusive'); // deleted at once: nothing in hand at the kill
  });

  it('is inconclusive without messages, without keyed effects, or without a death holding messages', () => {
    const none = timeline().phase('baseline', 0, 1000).end(1000).context();
    expect(check.run(none, x(), 'delivery').reason).toMatch(/^no message was sent to 'jobs'/);
    expect(check.run(run(() => {}), x(), 'delivery').reason).toMatch(/^no request to 'ledger' carried a key/);
    expect(check.run(run(ackAfter, { kill: false }), x(), 'delivery').reason).toMatch(/^the consumer never died/);
  });
});
