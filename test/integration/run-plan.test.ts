import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPlan, type RunPlan } from '../../src/run.js';
import { runChecks } from '../../src/checks/index.js';
import { checks } from '../../src/checks/index.js';

const reportsDir = () => mkdtempSync(join(tmpdir(), 'crumple-run-'));

function plan(target: string, overrides: Partial<RunPlan> = {}): RunPlan {
  const expect = { timeout: checks.timeout.expectation.parse({ dependency: 'inventory', within: '1200ms' }) };
  return {
    name: 'hanging inventory',
    target: {
      kind: 'command',
      describe: `node ${target}`,
      resolve: (a) => ({ command: `node ${target}`, env: { PORT: String(a.target.port), INVENTORY_URL: a.deps.inventory!.url, TIMEOUT_MS: '800' } }),
      ready: { http: '/health' },
      readyWithinMs: 10_000,
    },
    dependencies: [{ name: 'inventory', protocol: 'http', via: 'proxy' }],
    loads: [{ name: 'checkout', entry: { shape: 'steady', path: '/checkout', rate: 20, timeout: '3s' } }],
    phases: [
      { name: 'baseline', durationMs: 1500, faults: [] },
      { name: 'inventory hangs', durationMs: 3000, faults: [{ dependency: 'inventory', behaviour: 'hang' }] },
      { name: 'recovery', durationMs: 1500, faults: [] },
    ],
    judge: (ctx) => runChecks(ctx, expect),
    clientTimeoutMs: 3000,
    ...overrides,
  };
}

describe('runPlan', () => {
  it('runs a resilient target through a hang and measures its configured timeout', async () => {
    const lines: string[] = [];
    const out = await runPlan(plan('scenarios/targets/resilient.js'), { reportsDir: reportsDir(), progress: (l) => lines.push(l) });
    expect(out.result.error).toBeUndefined();
    expect(out.result.phases.map((p) => p.name)).toEqual(['baseline', 'inventory hangs', 'recovery']);
    const v = out.result.verdicts.find((x) => x.check === 'timeout')!;
    expect(v.ok, v.summary).toBe(true);
    expect(existsSync(join(out.dir, 'report.json'))).toBe(true);
    expect(existsSync(join(out.dir, 'target.stdout.log'))).toBe(true);
    expect(lines.join('\n')).toMatch(/phase 2\/3 'inventory hangs'/);
    expect(out.result.exitCode).toBe(0);
  });

  it('a refuse phase closes the stand-in\'s port and the next phase gets it back', async () => {
    const out = await runPlan(
      plan('scenarios/targets/resilient.js', {
        dependencies: [{ name: 'inventory', protocol: 'http', via: 'direct' }],
        phases: [
          { name: 'baseline', durationMs: 1500, faults: [] },
          { name: 'refused', durationMs: 2000, faults: [{ dependency: 'inventory', behaviour: 'refuse' }] },
          { name: 'back', durationMs: 4500, faults: [] }, // the breaker may stay open up to its 2 s reset
        ],
        judge: () => [],
      }),
      { reportsDir: reportsDir() },
    );
    expect(out.result.error).toBeUndefined();
    const faults = out.timeline.events.filter((e) => e.kind === 'fault');
    expect(faults.map((e) => e.kind === 'fault' && e.action)).toEqual(['applied', 'cleared']);
    const window = (name: string) => out.result.phases.find((p) => p.name === name)!;
    const okIn = (name: string) => {
      const w = window(name);
      return out.timeline.events.filter(
        (e) => e.kind === 'response' && e.t - out.timeline.startMs >= w.startMs + 500 && e.t - out.timeline.startMs < w.endMs - 200 && e.status === 200,
      ).length;
    };
    expect(okIn('refused')).toBe(0); // nothing listened: every checkout failed
    expect(okIn('back')).toBeGreaterThan(10); // the same port answers again
  });

  it('a load bound to a phase (during) sends only inside it: a dogpile at the fault, not at the baseline', async () => {
    const out = await runPlan(
      plan('scenarios/targets/resilient.js', {
        loads: [
          { name: 'checkout', entry: { shape: 'steady', path: '/health', rate: 20, timeout: '3s' } },
          { name: 'midnight', entry: { shape: 'dogpile', path: '/checkout', n: 50, timeout: '3s' }, phases: [1] },
        ],
        phases: [
          { name: 'baseline', durationMs: 1500, faults: [] },
          { name: 'cron fires', durationMs: 2500, faults: [{ dependency: 'inventory', behaviour: 'slow', params: { delay: '200ms' } }] },
          { name: 'after', durationMs: 1500, faults: [] },
        ],
        judge: () => [],
      }),
      { reportsDir: reportsDir() },
    );
    expect(out.result.error).toBeUndefined();
    const w = out.result.phases.find((p) => p.name === 'cron fires')!;
    const burst = out.timeline.events.filter((e) => e.kind === 'response' && e.load === 'midnight');
    expect(burst.length).toBe(50);
    for (const e of burst) {
      const t = e.t - out.timeline.startMs;
      expect(t).toBeGreaterThanOrEqual(w.startMs);
      expect(t).toBeLessThan(w.endMs);
    }
    expect(out.result.loads.find((l) => l.name === 'midnight')).toMatchObject({ shape: 'dogpile', requests: 50 });
  });

  it('a target that dies at start gives outcome error, still writes report.json and releases everything', async () => {
    const dir = reportsDir();
    const out = await runPlan(plan('scenarios/targets/does-not-exist.js'), { reportsDir: dir });
    expect(out.result.outcome).toBe('error');
    expect(out.result.exitCode).toBe(2);
    expect(out.result.error).toMatch(/exited before it was ready/);
    const json = JSON.parse(readFileSync(join(out.dir, 'report.json'), 'utf8'));
    expect(json.outcome).toBe('error');
  });
});
