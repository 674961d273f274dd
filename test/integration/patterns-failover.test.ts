import { describe, expect, it } from 'vitest';
import { runScenarioFile } from './scenario-helpers.js';

describe('replicas and failover, on real targets', () => {
  it('N replicas are N stand-ins on their own proxy links; a fault on one leaves the others serving; a failover target passes', async () => {
    const run = await runScenarioFile('scenarios/failover.resilient.yaml');
    const dep = run.result.dependencies.find((d) => d.name === 'inventory')!;
    expect(dep.urls).toHaveLength(3);
    expect(new Set(dep.urls).size).toBe(3);
    expect(dep.url).toBe(dep.urls![0]);
    // Only replica 2 hung: the hang shows only on its stand-in's connections.
    const faulted = new Set(run.timeline.events.flatMap((e) => (e.kind === 'dep-request' && e.behaviour === 'hang' ? [e.replica] : [])));
    expect([...faulted]).toEqual([2]);
    const fault = run.timeline.events.find((e) => e.kind === 'fault' && e.action === 'applied');
    expect(fault).toMatchObject({ dependency: 'inventory', replica: 2, fault: 'hang' });
    const v = run.verdict('failover');
    expect({ status: v.status, summary: v.summary }).toMatchObject({ status: 'pass' });
    expect(v.measured.switchMs as number).toBeLessThan(1000);
    expect(v.measured.returnedMs).not.toBeNull();
  }, 60_000);

  it('a strict round robin without ejection fails failover: the hung replica keeps its share', async () => {
    const run = await runScenarioFile('scenarios/failover.naive.yaml');
    const v = run.verdict('failover');
    expect({ status: v.status, summary: v.summary }).toMatchObject({ status: 'fail' });
    expect(v.failureMode?.id).toBe('no-failover');
    expect(v.measured.switchMs).toBeNull();
    expect(v.measured.switchErrors as number).toBeGreaterThan(0);
  }, 60_000);
});
