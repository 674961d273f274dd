import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPlan, type RunPlan } from '../../src/run.js';
import { runChecks, checks } from '../../src/checks/index.js';

/**
 * shedding with a dogpile that finds the limit: piles of 50, 100, 200, 400, 800 concurrent requests
 * (findLimit upTo 800) against test/fixtures/targets/limited.js, a real process holding each request.
 */
function plan(env: Record<string, string>): RunPlan {
  const expect = { shedding: checks.shedding.expectation.parse({ load: 'burst', 'rejects-within': '200ms' }) };
  return {
    name: 'find the limit',
    target: {
      kind: 'command',
      describe: 'node test/fixtures/targets/limited.js',
      resolve: (a) => ({ command: 'node test/fixtures/targets/limited.js', env: { PORT: String(a.target.port), ...env } }),
      ready: { http: '/health' },
      readyWithinMs: 10_000,
    },
    dependencies: [],
    loads: [{ name: 'burst', entry: { shape: 'dogpile', n: 50, every: '1500ms', timeout: '10s', findLimit: { upTo: 800 } } }],
    phases: [{ name: 'pile up', durationMs: 10_000, faults: [] }],
    judge: (ctx) => runChecks(ctx, expect),
    clientTimeoutMs: 10_000,
  };
}

const reportsDir = () => mkdtempSync(join(tmpdir(), 'crumple-limit-'));

describe('shedding finds the limit with an escalating dogpile', () => {
  it('a target limited to 300 in flight: found within 15 %, rejections fast, a pass', async () => {
    const out = await runPlan(plan({ LIMIT: '300', HOLD_MS: '1500' }), { reportsDir: reportsDir() });
    expect(out.result.error).toBeUndefined();
    const v = out.result.verdicts.find((x) => x.check === 'shedding')!;
    expect(v.summary).toMatch(/^sheds from ~\d+ concurrent \(pile of 400: \d+ accepted, \d+ rejected; none of 200 rejected\), rejections p99 /);
    const found = v.measured.limitConcurrent as number;
    expect(Math.abs(found - 300) / 300).toBeLessThanOrEqual(0.15);
    expect(v.ok, v.summary).toBe(true);
    // It stopped escalating once the target shed: no pile of 800 was sent.
    expect(v.measured.largestPulse).toBe(400);
  }, 60_000);

  it('a target with no limit: "no shedding up to 800 concurrent", unbalanced capacity', async () => {
    const out = await runPlan(plan({ LIMIT: '0', HOLD_MS: '250' }), { reportsDir: reportsDir() });
    expect(out.result.error).toBeUndefined();
    const v = out.result.verdicts.find((x) => x.check === 'shedding')!;
    expect(v.ok).toBe(false);
    expect(v.summary).toMatch(/^no shedding up to 800 concurrent: accepted p99 grew from \S+ m?s to \S+ m?s$/);
    expect(v.measured.limitConcurrent).toBeNull();
    expect(v.failureMode?.id).toBe('unbalanced-capacity');
  }, 60_000);
});
