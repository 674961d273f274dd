import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.js';
import { stressScenario } from '../../src/scenario/stress.js';
import { parseDuration } from '../../src/units.js';
import { loadScenario, scenarioIssues } from '../../src/scenario/load.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'crumple-stress-'));

describe('stressScenario (the written form rewritten)', () => {
  const written = {
    name: 's',
    load: { api: { shape: 'steady', path: '/x', rate: '30/s', timeout: '2s' }, health: { shape: 'steady', path: '/health', rate: '5/s', during: 'hangs' } },
    phases: [{ name: 'baseline', for: '2s' }, { name: 'hangs', for: '3s', faults: [{ dependency: 'd', behaviour: 'hang' }] }],
    expect: { timeout: { dependency: 'd', within: '1s' }, survives: true },
  };
  it('turns a steady load into a ramp in a stress phase, drops fault checks, adds a capacity expectation', () => {
    const s = stressScenario(written, { load: 'api', to: '300/s', steps: '3', stepFor: '2s' }, parseDuration);
    const api = (s.written.load as Record<string, Record<string, unknown>>).api!;
    expect(api).toMatchObject({ shape: 'ramp', from: '30/s', to: '300/s', steps: 3, stepFor: '2s', during: 'stress', path: '/x', limits: { errors: '5%' } });
    expect(api.rate).toBeUndefined();
    expect(s.written.phases).toEqual([{ name: 'baseline', for: '2s' }, { name: 'stress', for: '7000ms' }]);
    expect((s.written.load as Record<string, Record<string, unknown>>).health!.during).toBeUndefined();
    expect(s.written.expect).toEqual({ survives: true, capacity: '>= 0.01/s' });
    expect(s.notes.join('\n')).toMatch(/not judging 'timeout'/);
  });
  it('keeps a ramp and its phases as written when no ramp flag is given', () => {
    const ramp = { ...written, load: { up: { shape: 'ramp', from: '10/s', to: '50/s', during: 'hangs' } } };
    const s = stressScenario(ramp, { capacity: '>= 40/s' }, parseDuration);
    expect(s.rebuilt).toBe(false);
    expect(s.written.phases).toEqual(written.phases);
    expect((s.written.expect as Record<string, unknown>).capacity).toBe('>= 40/s');
  });
  it('without --capacity the stressed form of a real scenario is valid (the report-only bound parses)', async () => {
    const { written } = await loadScenario('scenarios/fallback.resilient.yaml');
    const loads = Object.keys(written.load as object);
    const s = stressScenario(written, { load: loads[0]! }, parseDuration);
    const expectations = { ...(s.written.expect as Record<string, unknown>) };
    const r = scenarioIssues({ ...s.written, expect: { capacity: expectations.capacity, survives: true } });
    expect(r.issues).toEqual([]);
  });
  it('asks which load when several could be ramped', () => {
    const two = { ...written, load: { a: { shape: 'steady' }, b: { shape: 'steady' } } };
    expect(() => stressScenario(two, {}, parseDuration)).toThrow(/--load: say which load to ramp \(the scenario has: a, b\)/);
  });
});

describe('crumple stress (the CLI, against the resilient target)', () => {
  it('finds the admission limit and gates on it: exit 1 under a bound above the capacity', async () => {
    const dir = tmp();
    const r = await cli(['stress', 'scenarios/stress.resilient.yaml', '--from', '50/s', '--to', '500/s', '--steps', '3', '--step-for', '2s', '--capacity', '>= 1000/s', '--reports', dir, '--run-id', 'gate', '--quiet']);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/capacity\s+FAIL/);
    const report = JSON.parse(readFileSync(join(dir, 'gate', 'report.json'), 'utf8')) as { verdicts: { check: string }[] };
    expect(report.verdicts.map((v) => v.check)).toContain('capacity');
    expect(report.verdicts.map((v) => v.check)).not.toContain('timeout');
  }, 90_000);
  it('names the flag of a bad ramp value in one line (exit 2)', async () => {
    const r = await cli(['stress', 'scenarios/checkout.resilient.yaml', '--load', 'checkout', '--to', 'fast']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--to: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const n = await cli(['stress', 'scenarios/checkout.resilient.yaml', '--load', 'nope']);
    expect(n.code).toBe(2);
    expect(n.stderr).toMatch(/--load: the scenario has no load 'nope' \(it has: checkout, health\)/);
  });
});
