import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.js';
import { freePort } from '../../src/target/free-port.js';
import { loadScenario } from '../../src/scenario/load.js';
import { scenarioToPlan } from '../../src/scenario/plan.js';
import { runPlan } from '../../src/run.js';
import { runScenarioFile } from './scenario-helpers.js';

/** Verdicts right for the right reason, against real targets on 127.0.0.1. */

const tmp = () => mkdtempSync(join(tmpdir(), 'crumple-verdicts-'));
const write = (dir: string, yaml: string) => {
  const file = join(dir, 's.yaml');
  writeFileSync(file, yaml);
  return file;
};
const retrying = (env: Record<string, number>) =>
  `target:
  command: node test/fixtures/targets/retrying.js
  env: { PORT: "\${target.port}", INVENTORY_URL: "\${deps.inventory.url}", ${Object.entries(env).map(([k, v]) => `${k}: "${v}"`).join(', ')} }
  ready: { http: /health }
dependencies:
  inventory: {}`;

describe('no pass without evidence', () => {
  it('a url target that refuses every connection is not a pass: survives is inconclusive in every report, exit 1', async () => {
    const dir = tmp();
    const port = await freePort(); // nothing listens there
    const file = write(
      dir,
      `name: nobody home
target: { url: "http://127.0.0.1:${port}" }
load:
  checkout: { shape: steady, path: /checkout, rate: 20/s, timeout: 1s }
phases:
  - { name: baseline, for: 1s }
  - { name: more, for: 1s }
expect:
  survives: true
`,
    );
    const r = await cli(['run', file, '--reports', dir, '--run-id', 'r']);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/survives\s+INCONCLUSIVE\s+cannot judge: the target never answered any of \d+ requests \(ECONNREFUSED: \d+\)/);
    expect(r.stdout).not.toMatch(/all checks passed/);
    const json = JSON.parse(readFileSync(join(dir, 'r', 'report.json'), 'utf8'));
    expect(json.outcome).toBe('inconclusive');
    expect(json.exitCode).toBe(1);
    expect(json.verdicts[0]).toMatchObject({ key: 'survives', status: 'inconclusive', ok: false, reason: expect.stringMatching(/never answered/) });
    console.log(`[measured] refusing url target: ${json.verdicts[0].summary}`);
    expect(readFileSync(join(dir, 'r', 'junit.xml'), 'utf8')).toMatch(/<testcase classname="nobody home" name="survives" time="0">\n\s+<skipped message="inconclusive: the target never answered/);
    expect(readFileSync(join(dir, 'r', 'report.md'), 'utf8')).toMatch(/\| survives \| ⚠️ inconclusive \|/);
    expect(readFileSync(join(dir, 'r', 'report.html'), 'utf8')).toMatch(/<article class="card inconclusive" data-check="survives"/);
    // --allow-inconclusive: exit 0, the verdict still says inconclusive.
    const allowed = await cli(['run', file, '--reports', dir, '--run-id', 'r2', '--allow-inconclusive', '--quiet']);
    expect(allowed.code, allowed.stdout).toBe(0);
    expect(allowed.stdout).toMatch(/1 inconclusive/);
  }, 60_000);

  it('refuses a scenario whose expect is empty (exit 2) instead of "all checks passed"', async () => {
    const dir = tmp();
    const port = await freePort();
    const file = write(dir, `name: nothing to judge\ntarget: { url: "http://127.0.0.1:${port}" }\nphases:\n  - { name: a, for: 1s }\n`);
    const r = await cli(['run', file, '--reports', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/expect is empty/);
  });
});

describe('retries, measured at the stand-in', () => {
  const scenario = (env: Record<string, number>) => `name: retries
${retrying({ ATTEMPTS: 3, ATTEMPT_TIMEOUT_MS: 300, BACKOFF_MS: 100, JITTER: 0.2, ...env })}
load:
  checkout: { shape: steady, path: /checkout, rate: 30/m, timeout: 5s }
phases:
  - { name: baseline, for: 1s }
  - { name: inventory hangs, for: 9s, faults: [{ dependency: inventory, behaviour: hang }] }
  - { name: after, for: 1500ms }
expect:
  retries: { dependency: inventory, amplification: "<= 3", backoff: true }
`;

  it('finds backoff ×2 (100 → 200 ms) in a target whose attempts each time out after 300 ms', async () => {
    const run = await runScenarioFile(write(tmp(), scenario({ BACKOFF_FACTOR: 2 })));
    const v = run.verdict('retries');
    console.log(`[measured] backoff ×2 target: ${v.summary}`);
    expect(v.status, v.summary).toBe('pass');
    expect(v.measured.amplification).toBe(3);
    expect(v.measured.backoffGrowth as number).toBeGreaterThanOrEqual(1.5); // start to start it would be 500/400 = 1.25
    expect(v.measured.secondRetryGapMs as number).toBeGreaterThan(v.measured.firstRetryGapMs as number);
  }, 60_000);

  it('fails a target that retries at a constant pace: no backoff', async () => {
    const run = await runScenarioFile(write(tmp(), scenario({ BACKOFF_FACTOR: 1, JITTER: 0 })));
    const v = run.verdict('retries');
    console.log(`[measured] constant-pace target: ${v.summary}`);
    expect(v.status, v.summary).toBe('fail');
    expect(v.summary).toMatch(/no backoff: gaps grew/);
  }, 60_000);

  it('measures exactly 3 calls per request for a target making exactly 3 attempts, requests crossing the phase edges included', async () => {
    const run = await runScenarioFile(
      write(
        tmp(),
        `name: three attempts
${retrying({ ATTEMPTS: 3, BACKOFF_MS: 20, BACKOFF_FACTOR: 1 })}
load:
  checkout: { shape: steady, path: /checkout, rate: 8/s, timeout: 3s }
phases:
  - { name: baseline, for: 1s }
  - { name: inventory fails, for: 4s, faults: [{ dependency: inventory, behaviour: status, params: { status: 500 } }] }
  - { name: after, for: 1s }
expect:
  retries: { dependency: inventory, amplification: "<= 3" }
`,
      ),
    );
    const v = run.verdict('retries');
    console.log(`[measured] exactly-3 target: ${v.summary}`);
    expect(v.status, v.summary).toBe('pass');
    expect(v.measured.amplification as number).toBeCloseTo(3, 1);
  }, 60_000);
});

describe('an interrupted run', () => {
  it('judges the phase that completed and calls the interrupted one inconclusive', async () => {
    const dir = tmp();
    const file = write(
      dir,
      `name: interrupted
target:
  command: node scenarios/targets/resilient.js
  env: { PORT: "\${target.port}", INVENTORY_URL: "\${deps.inventory.url}" }
  ready: { http: /health }
dependencies:
  inventory: {}
load:
  checkout: { shape: steady, path: /checkout, rate: 20/s, timeout: 2s }
phases:
  - { name: baseline, for: 1500ms }
  - { name: slow network, for: 60s, faults: [{ dependency: inventory, toxic: latency, latency: 200 }] }
  - { name: recovery, for: 5s }
expect:
  latency.baseline: { phase: baseline, p99: "< 1s" }
  latency.slow: { phase: slow network, p99: "< 1s" }
  recovery: { within: 5s }
`,
    );
    const { scenario, file: path } = await loadScenario(file);
    const stop = new AbortController();
    const out = await runPlan(scenarioToPlan(scenario, path), {
      reportsDir: dir,
      runId: 'r',
      signal: stop.signal,
      progress: (line) => {
        if (/phase 2\/3 'slow network'/.test(line)) setTimeout(() => stop.abort(new Error('test stops it')), 1500);
      },
    });
    expect(out.result.outcome).toBe('interrupted');
    expect(out.result.exitCode).toBe(2);
    const by = Object.fromEntries(out.result.verdicts.map((v) => [v.key, v]));
    console.log(`[measured] interrupted run: ${out.result.verdicts.map((v) => `${v.key} ${v.status}: ${v.reason ?? v.summary}`).join(' | ')}`);
    expect(by['latency.baseline']!.status, by['latency.baseline']!.summary).toBe('pass');
    expect(by['latency.slow']!.status).toBe('inconclusive');
    expect(by['latency.slow']!.reason).toMatch(/phase 'slow network' did not complete \(the run stopped at [\d.]+ s: interrupted\)/);
    expect(by['recovery']!.status).toBe('inconclusive');
    expect(out.result.phases.find((p) => p.name === 'slow network')?.incomplete).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'r', 'report.json'), 'utf8')).verdicts).toHaveLength(3);
  }, 60_000);
});
