import { describe, expect, it } from 'vitest';
import { runScenarioFile, within15 } from './scenario-helpers.js';

// scenarios/checkout.resilient.yaml: the resilient target configured with a 1 s timeout, a breaker
// opening after 5 failures with a 2 s reset, and 20 checkouts in flight at most.
describe('resilient target, checkout scenario (a real run, ~35 s)', () => {
  it('passes timeout, breaker, shedding and survives, and reports its configured numbers within 15 %', async () => {
    const run = await runScenarioFile('scenarios/checkout.resilient.yaml');
    expect(run.result.error, run.result.error).toBeUndefined();
    const show = run.result.verdicts.map((v) => `${v.key}: ${v.ok ? 'pass' : 'FAIL'} ${v.summary}`).join('\n');
    for (const key of ['timeout', 'breaker', 'shedding', 'survives', 'fail-fast', 'retries', 'steady-state']) {
      expect(run.verdict(key).ok, `${key}\n${show}`).toBe(true);
    }
    for (const v of run.result.verdicts) expect(v.summary, v.key).not.toMatch(/\bNaN\b|\bnull\b|\bundefined\b/);
    const timeout = run.verdict('timeout').measured;
    expect(within15(timeout.measuredTimeoutMs, 1000), `measured timeout ${timeout.measuredTimeoutMs} ms`).toBe(true);
    const breaker = run.verdict('breaker').measured;
    expect(within15(breaker.probeIntervalMs, 2000), `probe interval ${breaker.probeIntervalMs} ms`).toBe(true);
    expect(breaker.callsBeforeOpening).toBeGreaterThanOrEqual(5); // it opens after 5 consecutive failures
    expect(run.verdict('shedding').measured.rejected).toBeGreaterThan(0);
  }, 120_000);
});
