import { describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cli } from '../helpers/cli.js';
import { loadScenario } from '../../src/scenario/load.js';
import { readContractFile } from '../../src/contract/file.js';
import type { RunResult } from '../../src/report/result.js';

const scenario = (contract: string) => `# a scenario whose stand-in serves a contract file
name: contract from a file
target:
  command: node ${resolve('scenarios/targets/resilient.js')}
  env: { PORT: "\${target.port}", INVENTORY_URL: "\${deps.inventory.url}" }
  ready: { http: /health, within: 10s }
dependencies:
  inventory: { via: direct, contract: ${contract} }
load:
  checkout: { shape: steady, path: /checkout, rate: 20/s, timeout: 3s }
phases:
  - { name: baseline, for: 1500ms }
expect:
  survives: true
`;

describe('one contract everywhere: a scenario dependency names a contract file', () => {
  it('the path is taken from the scenario file\'s folder, and the stand-in gets exactly the file\'s pairs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crumple-contract-scn-'));
    mkdirSync(join(dir, 'contracts'));
    copyFileSync('scenarios/contracts/inventory.yaml', join(dir, 'contracts', 'inventory.yaml'));
    writeFileSync(join(dir, 's.yaml'), scenario('./contracts/inventory.yaml'));
    const { scenario: s } = await loadScenario(join(dir, 's.yaml'));
    expect(s.dependencies.inventory!.contract).toEqual((await readContractFile('scenarios/contracts/inventory.yaml')).pairs);
    const ok = await cli(['validate', join(dir, 's.yaml')]);
    expect(ok.code, ok.stderr).toBe(0);
  });

  it('a missing or invalid contract file fails validation naming the dependency and the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crumple-contract-scn-'));
    writeFileSync(join(dir, 'missing.yaml'), scenario('./contracts/nope.yaml'));
    writeFileSync(join(dir, 'bad-contract.yaml'), '- request: { method: FETCH, path: /x }\n');
    writeFileSync(join(dir, 'bad.yaml'), scenario('./bad-contract.yaml'));
    const missing = await cli(['validate', join(dir, 'missing.yaml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/missing\.yaml: dependencies\.inventory\.contract: contract file '.*contracts\/nope\.yaml' does not exist/);
    const bad = await cli(['validate', join(dir, 'bad.yaml')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/dependencies\.inventory\.contract: .*bad-contract\.yaml: not a valid contract: contract\[0\]\.request\.method: method must be one of/);
  });

  it('a run counts the requests the contract does not cover, per dependency, in report.json, the terminal and report.md', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crumple-contract-run-'));
    // A contract that knows /health only: every /items/:id call of the target is a miss.
    writeFileSync(join(dir, 'health-only.yaml'), '- request: { method: GET, path: /health }\n  response: { json: { ok: true } }\n');
    writeFileSync(join(dir, 's.yaml'), scenario('./health-only.yaml'));
    const r = await cli(['run', join(dir, 's.yaml'), '--reports', join(dir, 'reports'), '--run-id', 'misses', '--quiet']);
    expect(r.code, r.stderr).not.toBe(2);
    const report = JSON.parse(readFileSync(join(dir, 'reports', 'misses', 'report.json'), 'utf8')) as RunResult;
    const m = report.dependencies.find((d) => d.name === 'inventory')!.contractMisses!;
    expect(m.count).toBeGreaterThan(0);
    expect(m.top[0]!.request).toMatch(/^GET \/items\//);
    expect(r.stdout).toMatch(new RegExp(`contract misses: inventory: ${m.count} requests? not in its contract \\(GET /items/`));
    expect(readFileSync(join(dir, 'reports', 'misses', 'report.md'), 'utf8')).toMatch(/### Contract misses/);
  }, 60_000);
});
