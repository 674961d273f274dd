import { describe, expect, it } from 'vitest';
import { runScenarioFile } from './scenario-helpers.js';
import type { Timeline } from '../../src/timeline/timeline.js';

/** Every process of the target a run started (first start and restarts), from its target-control events. */
const pids = (t: Timeline) => [...new Set(t.events.flatMap((e) => (e.kind === 'target-control' ? [e.pid] : [])))];
const gone = (pid: number) => {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
};

describe('the target as a fault, on real targets', () => {
  it('a crash-only target passes restart after a restart, a kill and a pause; every process it had is gone', async () => {
    const run = await runScenarioFile('scenarios/restart.quick.yaml');
    const v = run.verdict('restart');
    expect({ status: v.status, summary: v.summary }).toMatchObject({ status: 'pass' });
    expect(v.measured.targetFaults).toBe(3);
    expect(v.measured.readyMs).not.toBeNull();
    expect(run.verdict('alive').status).toBe('pass');
    const actions = run.timeline.events.flatMap((e) => (e.kind === 'target-control' ? [e.action] : []));
    expect(actions).toEqual(['spawn', 'ready', 'stop', 'spawn', 'ready', 'kill', 'spawn', 'ready', 'pause', 'resume']);
    expect(pids(run.timeline)).toHaveLength(3);
    expect(pids(run.timeline).every(gone)).toBe(true);
  }, 90_000);

  it('a target whose readiness probe passes before it can serve fails restart as a slow restart', async () => {
    const run = await runScenarioFile('scenarios/restart.cold.yaml');
    const v = run.verdict('restart');
    expect({ status: v.status, summary: v.summary }).toMatchObject({ status: 'fail' });
    expect(v.failureMode?.id).toBe('slow-restart');
    expect(v.failureMode?.spread).toMatch(/readiness probe passed after .*long before it could serve/);
    expect(v.measured.readyMs as number).toBeLessThan(5000); // ready long before its 5 s warm-up ends
    expect(pids(run.timeline).every(gone)).toBe(true);
  }, 90_000);
});
