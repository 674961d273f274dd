import { describe, expect, it } from 'vitest';
import { runScenarioFile } from './scenario-helpers.js';

// scenarios/checkout.naive.yaml: the same faults against a target with no timeout, no breaker, no
// load shedding and an unguarded JSON.parse.
describe('naive target, checkout scenario (a real run, ~35 s)', () => {
  it('fails timeout, breaker, shedding and survives with the failure modes that explain them', async () => {
    const run = await runScenarioFile('scenarios/checkout.naive.yaml');
    expect(run.result.error, run.result.error).toBeUndefined();
    expect(run.result.exitCode).toBe(1);
    const expected: Record<string, string[]> = {
      timeout: ['integration-point-without-timeout'],
      breaker: ['cascading-failure'],
      shedding: ['unbalanced-capacity', 'slow-responses'],
      survives: ['crash-on-bad-input'],
    };
    for (const [key, modes] of Object.entries(expected)) {
      const v = run.verdict(key);
      expect(v.ok, `${key}: ${v.summary}`).toBe(false);
      expect(modes, `${key}: ${v.summary}`).toContain(v.failureMode?.id);
      expect(v.failureMode?.trigger.length).toBeGreaterThan(0);
    }
    // The failure is told with this run's numbers, not boilerplate.
    expect(run.verdict('timeout').summary).toMatch(/\d+ call\(s\) held past 1\.20 s/);
    expect(run.verdict('survives').summary).toMatch(/target exited/);
    // Numbers a person reads are numbers: no NaN, null or undefined leaks into a summary or a story.
    for (const v of run.result.verdicts) {
      const text = [v.summary, v.failureMode?.trigger, v.failureMode?.spread, v.failureMode?.result].join(' ');
      expect(text, v.key).not.toMatch(/\bNaN\b|\bnull\b|\bundefined\b/);
    }
    // Its steady state was fine: the faults broke it, not the harness.
    expect(run.verdict('steady-state').ok).toBe(true);
  }, 120_000);
});
