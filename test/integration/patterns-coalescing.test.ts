import { describe, expect, it } from 'vitest';
import { runScenarioFile } from './scenario-helpers.js';

describe('coalescing, on real targets', () => {
  it('every burst asks for its own key; a single-flight target makes one inventory call per burst and passes', async () => {
    const run = await runScenarioFile('scenarios/coalescing.resilient.yaml');
    const calls = run.timeline.events.flatMap((e) => (e.kind === 'dep-request' && e.dependency === 'inventory' ? [e.path] : []));
    expect(calls.sort()).toEqual(['/items/1', '/items/2', '/items/3']);
    const v = run.verdict('coalescing');
    expect({ status: v.status, summary: v.summary }).toMatchObject({ status: 'pass' });
    expect(v.measured).toMatchObject({ callsPerBurst: 1, bursts: 3, requestsPerBurst: 50 });
  }, 60_000);

  it('a target that calls inventory once per request fails as a dogpile', async () => {
    const run = await runScenarioFile('scenarios/coalescing.naive.yaml');
    const v = run.verdict('coalescing');
    expect({ status: v.status, summary: v.summary }).toMatchObject({ status: 'fail' });
    expect(v.failureMode?.id).toBe('dogpile');
    expect(v.measured).toMatchObject({ callsPerBurst: 50, dependencyCalls: 150 });
  }, 60_000);
});
