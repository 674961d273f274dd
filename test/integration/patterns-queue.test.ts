import { describe, expect, it } from 'vitest';
import { runScenarioFile } from './scenario-helpers.js';

describe('queue redelivery, on real consumers', () => {
  it('crumple enqueues, kills the consumer mid-message and restarts it; one that deletes after its work loses nothing', async () => {
    const run = await runScenarioFile('scenarios/queue.resilient.yaml');
    const q = run.timeline.events.filter((e) => e.kind === 'queue');
    expect(q.filter((e) => e.action === 'sent')).toHaveLength(200); // the enqueue load's count, each one recorded
    expect(q.some((e) => e.action === 'redelivered')).toBe(true); // what the killed consumer held came back
    expect(run.timeline.events.some((e) => e.kind === 'target-control' && e.action === 'kill')).toBe(true);
    const v = run.verdict('delivery');
    expect({ status: v.status, summary: v.summary }).toMatchObject({ status: 'pass' });
    expect(v.measured).toMatchObject({ sent: 200, processed: 200, lost: 0, unprocessed: 0 });
    expect(v.measured.inHand as number).toBeGreaterThan(0);
  }, 60_000);

  it('a consumer that deletes before its work fails delivery as lost message', async () => {
    const run = await runScenarioFile('scenarios/queue.naive.yaml');
    const v = run.verdict('delivery');
    expect({ status: v.status, summary: v.summary }).toMatchObject({ status: 'fail' });
    expect(v.failureMode?.id).toBe('lost-message');
    expect(v.measured.lost as number).toBeGreaterThan(0);
    expect(v.measured.lost).toBe((v.measured.sent as number) - (v.measured.processed as number));
  }, 60_000);
});
