import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'crumple-cli-run-'));

/** A short scenario (~5 s) against the resilient target; `expectations` decides pass or fail. */
function scenario(dir: string, expectations: string): string {
  const file = join(dir, 'short.yaml');
  writeFileSync(
    file,
    `name: short
target:
  command: node scenarios/targets/resilient.js
  env: { PORT: "\${target.port}", INVENTORY_URL: "\${deps.inventory.url}", TIMEOUT_MS: 500 }
  ready: { http: /health }
dependencies:
  inventory: {}
load:
  checkout: { shape: steady, path: /checkout, rate: 20/s, timeout: 3s }
phases:
  - { name: baseline, for: 1500ms }
  - { name: hang, for: 2s, faults: [{ dependency: inventory, behaviour: hang }] }
  - { name: after, for: 1500ms }
expect:
${expectations}
`,
  );
  return file;
}

describe('crumple run (the CLI, in-process)', () => {
  it('exits 0 when every check passes and writes report.json, junit.xml, report.md and report.html', async () => {
    const dir = tmp();
    const reports = join(dir, 'reports');
    const r = await cli(['run', scenario(dir, '  timeout: { dependency: inventory, within: 800ms }'), '--reports', reports, '--run-id', 'pass-run']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/phase 2\/3 'hang'/);
    expect(r.stdout).toMatch(/timeout\s+pass\s+gave up on inventory after/);
    expect(readdirSync(join(reports, 'pass-run')).sort()).toEqual(
      expect.arrayContaining(['junit.xml', 'report.html', 'report.json', 'report.md', 'target.stderr.log', 'target.stdout.log']),
    );
    const junit = readFileSync(join(reports, 'pass-run', 'junit.xml'), 'utf8');
    expect(junit).toMatch(/<testcase[^>]+name="timeout"/);
  }, 60_000);

  it('exits 1 when a check fails, naming the failure mode', async () => {
    const dir = tmp();
    // The target gives up after 500 ms: a 200 ms bound must fail.
    const r = await cli(['run', scenario(dir, '  timeout: { dependency: inventory, within: 200ms }'), '--reports', join(dir, 'r'), '--json']);
    expect(r.code, r.stderr).toBe(1);
    const result = JSON.parse(r.stdout);
    expect(result.verdicts[0]).toMatchObject({ check: 'timeout', ok: false });
    expect(result.verdicts[0].measured.measuredTimeoutMs).toBeGreaterThan(400);
    expect(result.verdicts[0].failureMode.id).toBe('integration-point-without-timeout');
  }, 60_000);

  it('exits 2 with the field named for a bad scenario, and runs nothing', async () => {
    const dir = tmp();
    const file = scenario(dir, '  timeout: { dependency: inventory, within: 1s }').replace(/$/, '');
    writeFileSync(file, readFileSync(file, 'utf8').replace('behaviour: hang', 'behaviour: hnag'));
    const r = await cli(['run', file, '--reports', join(dir, 'r')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/phases\[1\]\.faults\[0\]\.behaviour: unknown behaviour 'hnag' \(did you mean 'hang'\?\)/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 for a bad --run-id instead of writing outside the reports folder', async () => {
    const r = await cli(['run', 'scenarios/checkout.resilient.yaml', '--run-id', '../escape']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--run-id: '\.\.\/escape'/);
  });
});
