import { cp, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readRunResult, writeReports } from '../../src/report/index.js';
import { cli } from '../helpers/cli.js';
import { naiveRun, resilientRun } from '../helpers/run-result.js';

const FIXTURES = join(process.cwd(), 'test/fixtures/reports');
const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});
async function tmp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'crumple-report-cli-'));
  dirs.push(d);
  return d;
}
async function runDir(name: 'naive' | 'resilient'): Promise<string> {
  const d = join(await tmp(), name);
  await cp(join(FIXTURES, name), d, { recursive: true });
  return d;
}

describe('writeReports / readRunResult', () => {
  it('writes the four files and returns their paths; report.json reads back equal', async () => {
    const dir = join(await tmp(), 'run');
    const run = naiveRun();
    const paths = await writeReports(run, dir);
    expect(paths.map((p) => p.slice(dir.length + 1))).toEqual(['report.json', 'junit.xml', 'report.md', 'report.html']);
    expect(await readRunResult(dir)).toEqual(run);
  });

  it('reads the recorded fixtures (guards report.json against schema drift)', async () => {
    expect((await readRunResult(join(FIXTURES, 'naive'))).verdicts.filter((v) => !v.ok)).toHaveLength(4);
    expect(await readRunResult(join(FIXTURES, 'resilient'))).toEqual(resilientRun());
  });

  it('names the cause of a bad report.json', async () => {
    await expect(readRunResult(join(FIXTURES, 'schema-2'))).rejects.toThrow(/report schema 2 is not supported by this crumple \(it reads schema 1\)/);
    await expect(readRunResult(join(FIXTURES, 'not-json'))).rejects.toThrow(/not-json\/report\.json: not valid JSON/);
    await expect(readRunResult(join(FIXTURES, 'nowhere'))).rejects.toThrow(/nowhere\/report\.json: not found \(is this a crumple run folder\?\)/);
    const err = (await readRunResult(join(FIXTURES, 'missing-verdict-field')).then(
      () => ({ message: 'no error', details: [] }),
      (e: unknown) => e,
    )) as { message: string; details: readonly string[] };
    expect(err.message).toMatch(/not a valid crumple report \(2 problems\)/);
    expect(err.details).toEqual([expect.stringMatching(/^durationMs: /), expect.stringMatching(/^verdicts\.1\.status: /)]);
  });
});

describe('crumple report RUN_DIR', () => {
  it('re-renders junit.xml, report.md and report.html from report.json and prints the verdict table; exit 1 for failures', async () => {
    const dir = await runDir('naive');
    const before = await readFile(join(dir, 'report.json'), 'utf8');
    const { code, stdout, stderr } = await cli(['report', dir, '--no-color']);
    expect(stderr).toBe('');
    expect(code).toBe(1);
    for (const f of ['junit.xml', 'report.md', 'report.html']) expect((await stat(join(dir, f))).size).toBeGreaterThan(500);
    expect(await readFile(join(dir, 'report.json'), 'utf8')).toBe(before);
    expect(stdout).toContain('timeout       FAIL    never gave up on inventory');
    expect(stdout).toContain(`report: ${join(dir, 'report.html')}`);
    expect(stdout).not.toContain('\u001b[');
  });

  it('exits 0 for a run whose checks all passed, and --out writes every format elsewhere', async () => {
    const dir = await runDir('resilient');
    const out = join(await tmp(), 'copy');
    const { code, stdout } = await cli(['report', dir, '--out', out]);
    expect(code).toBe(0);
    expect(stdout).toContain('5 passed, 0 failed');
    for (const f of ['report.json', 'junit.xml', 'report.md', 'report.html']) expect((await stat(join(out, f))).isFile()).toBe(true);
  });

  it('exits 2 with one clear line for a missing or invalid run folder', async () => {
    const missing = await cli(['report', join(FIXTURES, 'nowhere')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^crumple: .*nowhere\/report\.json: not found/);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
    const future = await cli(['report', join(FIXTURES, 'schema-2')]);
    expect(future.code).toBe(2);
    expect(future.stderr).toContain('report schema 2 is not supported');
    const two = await cli(['report', join(FIXTURES, 'naive'), join(FIXTURES, 'resilient')]);
    expect(two.code).toBe(2);
    expect(two.stderr).toContain('use --compare for two');
  });
});

describe('crumple report --compare A B', () => {
  it('shows a fix: naive → resilient marks failing checks fixed, with A → B numbers; exit follows B', async () => {
    const { code, stdout } = await cli(['report', '--compare', join(FIXTURES, 'naive'), join(FIXTURES, 'resilient'), '--no-color']);
    expect(code).toBe(0);
    const row = (key: string) => stdout.split('\n').find((l) => l.trim().startsWith(`${key} `))!.trim().split(/\s+/);
    expect(row('steady-state')).toEqual(['steady-state', 'pass', 'pass', 'same']);
    expect(row('timeout')).toEqual(['timeout', 'FAIL', 'pass', 'fixed']);
    expect(row('breaker')).toEqual(['breaker', 'FAIL', 'pass', 'fixed']);
    expect(stdout).toContain('measured timeout: — → 1.00 s');
    expect(stdout).toContain('opens within [bound]: 3.00 s → 3.00 s');
    expect(stdout).toContain('rejected: 0 → 2800 (from 0)');
    expect(stdout).toContain('accepted p99: 30.0 s → 15 ms (−100 %)');
    expect(stdout).toContain('4 fixed, 0 regressed, 0 changed, 1 same, 0 new, 0 removed');
  });

  it('shows a regression the other way round and exits 1', async () => {
    const { code, stdout } = await cli(['report', '--compare', join(FIXTURES, 'resilient'), join(FIXTURES, 'naive'), '--no-color']);
    expect(code).toBe(1);
    expect(stdout).toContain('0 fixed, 4 regressed');
    expect(stdout.split('\n').find((l) => l.trim().startsWith('timeout '))!.trim().split(/\s+/)).toEqual(['timeout', 'pass', 'FAIL', 'regressed']);
  });

  it('marks a check whose numbers moved as changed, and prints Markdown for a PR comment', async () => {
    const a = join(await tmp(), 'a');
    const b = join(await tmp(), 'b');
    const before = resilientRun();
    const after = resilientRun();
    after.verdicts[1]!.measured.measuredTimeoutMs = 2500; // still passing, but the timeout crept up
    await writeReports(before, a, { only: ['json'] });
    await writeReports(after, b, { only: ['json'] });
    const { stdout } = await cli(['report', '--compare', a, b, '--markdown']);
    const timeoutRow = stdout.split('\n').find((l) => l.startsWith('| timeout |'))!;
    expect(timeoutRow).toBe('| timeout | ✅ pass | ✅ pass | changed | measured timeout 1.00 s → 2.50 s (+149 %)<br>bound 1.10 s → 1.10 s |');
    expect(stdout).toContain('| breaker | ✅ pass | ✅ pass | same |');
  });

  it('needs exactly two run folders', async () => {
    const r = await cli(['report', '--compare', join(FIXTURES, 'naive')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--compare takes exactly two run folders (A then B), got 1');
  });
});
