import { mkdtemp, readFile, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { parseScenarioText } from '../../src/scenario/load.js';
import { STARTER } from '../../src/scenario/starter.js';
import { scenarioJsonSchema } from '../../src/scenario/json-schema.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'crumple-init-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('starter scenario and the init/validate commands', () => {
  it('the starter is valid and uses every part of a scenario', () => {
    const s = parseScenarioText(STARTER, 'starter.yaml');
    expect(s.phases.length).toBeGreaterThanOrEqual(3);
    expect(Object.keys(s.expect)).toEqual(expect.arrayContaining(['steady-state', 'timeout', 'breaker', 'bulkhead', 'recovery', 'survives']));
    expect(s.phases.some((p) => p.faults.some((f) => 'toxic' in f))).toBe(true);
  });

  it('init writes the starter, and validate accepts it', async () => {
    const file = join(dir, 'scenario.yaml');
    const r = await cli(['init', file]);
    expect(r.code).toBe(0);
    expect(await readFile(file, 'utf8')).toBe(STARTER);
    const v = await cli(['validate', file]);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^ok {4}.*scenario\.yaml: 'checkout survives a hanging inventory service' — 4 phases, 30\.0 s, 8 expectations/);
  });

  it('init refuses to overwrite without --force', async () => {
    const file = join(dir, 'mine.yaml');
    await writeFile(file, 'keep me');
    const r = await cli(['init', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/already exists; use --force/);
    expect(await readFile(file, 'utf8')).toBe('keep me');
    expect((await cli(['init', file, '--force'])).code).toBe(0);
    expect(await readFile(file, 'utf8')).toBe(STARTER);
  });

  it('validate lists each file, with every issue of the invalid ones, and exits 2', async () => {
    const good = join(dir, 'good.yaml');
    const bad = join(dir, 'bad.yaml');
    await writeFile(good, STARTER);
    await writeFile(bad, STARTER.replace('behaviour: hang', 'behaviour: hnag'));
    const r = await cli(['validate', good, bad, join(dir, 'missing.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^ok {4}.*good\.yaml/);
    expect(r.stderr).toMatch(/FAIL {2}.*bad\.yaml: invalid scenario \(1 issue\)\n {2}.*bad\.yaml:\d+:\d+: phases\[1\]\.faults\[0\]\.behaviour: unknown behaviour 'hnag' \(did you mean 'hang'\?\)/);
    expect(r.stderr).toMatch(/FAIL {2}scenario file '.*missing\.yaml' does not exist/);
    const j = await cli(['validate', '--json', good, bad]);
    const parsed = JSON.parse(j.stdout) as { file: string; ok: boolean; issues: string[] }[];
    expect(parsed.map((p) => p.ok)).toEqual([true, false]);
    expect(parsed[1]?.issues).toHaveLength(1);
  });

  it('validate --schema prints a JSON Schema that lists the checks', async () => {
    const r = await cli(['validate', '--schema']);
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.stdout) as { properties: { expect: { patternProperties: Record<string, unknown> } } };
    expect(Object.keys(schema.properties.expect.patternProperties)).toContain('^timeout(\\..+)?$');
    expect(scenarioJsonSchema()).toHaveProperty('title', 'crumple scenario');
  });
});
