import { describe, expect, it } from 'vitest';
import { runScenarioFile } from './scenario-helpers.js';

describe('per-client rate limits, on real targets', () => {
  it('each request is one client\'s; a target with a token bucket per client refuses the heavy one with 429 + Retry-After and passes', async () => {
    const run = await runScenarioFile('scenarios/rate-limit.resilient.yaml');
    const rs = run.timeline.events.flatMap((e) => (e.kind === 'response' ? [e] : []));
    expect(new Set(rs.map((r) => r.client))).toEqual(new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    // Only the heavy client (client-1) is refused, and every refusal says when to come back.
    expect(new Set(rs.filter((r) => r.status === 429).map((r) => r.client))).toEqual(new Set([1]));
    expect(rs.filter((r) => r.status === 429).every((r) => r.retryAfter === true)).toBe(true);
    const v = run.verdict('rate-limit');
    expect({ status: v.status, summary: v.summary }).toMatchObject({ status: 'pass' });
    expect(v.measured).toMatchObject({ heavyClients: 1, otherClients: 9, retryAfterShare: 1, othersRefused: 0 });
    expect(v.measured.heavyRateRatio as number).toBeGreaterThan(5);
    expect(v.measured.rejectedShare as number).toBeGreaterThan(0.5);
  }, 60_000);

  it('a target with one shared line for every client fails as a noisy neighbour', async () => {
    const run = await runScenarioFile('scenarios/rate-limit.naive.yaml');
    const v = run.verdict('rate-limit');
    expect({ status: v.status, summary: v.summary }).toMatchObject({ status: 'fail' });
    expect(v.failureMode?.id).toBe('noisy-neighbour');
    expect(v.measured.rejectedShare).toBe(0);
    expect(v.measured.othersP99Ms as number).toBeGreaterThan(v.measured.p99BoundMs as number);
  }, 60_000);
});
