import { describe, expect, it } from 'vitest';
import { runScenarioFile } from './scenario-helpers.js';

describe('idempotency, on real targets', () => {
  it('the load tags each order, the target forwards it, the stand-in records keys; one key per order passes', async () => {
    const run = await runScenarioFile('scenarios/idempotency.resilient.yaml');
    const calls = run.timeline.events.filter((e) => e.kind === 'dep-request' && e.dependency === 'payments');
    const ids = new Set(calls.map((c) => (c.kind === 'dep-request' ? c.requestId : undefined)));
    expect(ids.has(undefined)).toBe(false); // every call carried the load's request id
    expect(ids.size).toBeLessThan(calls.length); // some orders were attempted more than once
    expect([...ids].every((id) => /^orders-\d+$/.test(id!))).toBe(true);
    const v = run.verdict('idempotency');
    expect({ status: v.status, summary: v.summary }).toMatchObject({ status: 'pass' });
    expect(v.measured.retried as number).toBeGreaterThan(0);
    expect(v.measured.sameKey).toBe(v.measured.retried);
    expect(v.measured.duplicates).toBe(0);
  }, 60_000);

  it('a target making a fresh key per attempt fails idempotency as double apply', async () => {
    const run = await runScenarioFile('scenarios/idempotency.naive.yaml');
    const v = run.verdict('idempotency');
    expect({ status: v.status, summary: v.summary }).toMatchObject({ status: 'fail' });
    expect(v.failureMode?.id).toBe('double-apply');
    expect(v.measured.sameKey).toBe(0);
    expect(v.measured.duplicates as number).toBeGreaterThan(0);
  }, 60_000);
});
