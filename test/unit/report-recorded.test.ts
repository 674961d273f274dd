import { describe, expect, it } from 'vitest';
import { readRunResult, reporters } from '../../src/report/index.js';

// Real runs of scenarios/checkout.naive.yaml and checkout.resilient.yaml (test/fixtures/reports/).
describe('reports of recorded runs of the example targets', () => {
  it('the naive run\u2019s Markdown and JUnit name the failure modes with the run\u2019s numbers', async () => {
    const r = await readRunResult('test/fixtures/reports/recorded-naive');
    const md = reporters.markdown.render(r);
    for (const mode of ['Integration point without timeout', 'Cascading failure', 'Crash on bad input']) expect(md).toContain(mode);
    const timeout = r.verdicts.find((v) => v.key === 'timeout')!;
    expect(md).toContain(String(timeout.measured.heldPastBound));
    const junit = reporters.junit.render(r);
    const failures = junit.match(/<failure /g) ?? [];
    expect(failures.length).toBe(r.verdicts.filter((v) => !v.ok).length);
    expect(junit).toMatch(/<testcase[^>]*name="timeout"[^>]*>\s*<failure message="[^"]*Integration point without timeout/);
  });

  it('the resilient run\u2019s reports show every check passing', async () => {
    const r = await readRunResult('test/fixtures/reports/recorded-resilient');
    expect(r.verdicts.every((v) => v.ok)).toBe(true);
    const junit = reporters.junit.render(r);
    expect(junit).not.toMatch(/<failure /);
    expect(junit.match(/<testcase /g)?.length).toBe(r.verdicts.length);
    expect(reporters.markdown.render(r)).toMatch(/all 9 checks passed/);
  });
});
