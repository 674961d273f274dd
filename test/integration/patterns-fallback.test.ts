import { describe, expect, it } from 'vitest';
import { runScenarioFile } from './scenario-helpers.js';

describe('fallback, on real targets', () => {
  it('the load records a small digest of each body; a target answering from its cache passes fallback', async () => {
    const run = await runScenarioFile('scenarios/fallback.resilient.yaml');
    const digests = new Set(run.timeline.events.flatMap((e) => (e.kind === 'response' && e.digest !== undefined ? [e.digest] : [])));
    expect([...digests].sort()).toEqual(['"cache"', '"live"']); // the value at $.source, never the body
    const v = run.verdict('fallback');
    expect({ status: v.status, summary: v.summary }).toMatchObject({ status: 'pass' });
    expect(v.measured.degradedShare as number).toBeGreaterThanOrEqual(0.9);
    expect(v.measured.baselineDegradedShare).toBe(0);
  }, 60_000);

  it('a target that fails with its dependency fails fallback as no fallback', async () => {
    const run = await runScenarioFile('scenarios/fallback.naive.yaml');
    const v = run.verdict('fallback');
    expect({ status: v.status, summary: v.summary }).toMatchObject({ status: 'fail' });
    expect(v.failureMode?.id).toBe('no-fallback');
    expect(v.measured.degradedShare).toBe(0);
    expect(v.measured.failedShare as number).toBeGreaterThan(0.9);
  }, 60_000);
});
