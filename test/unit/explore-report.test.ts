import { describe, expect, it } from 'vitest';
import { headline, renderHtml, renderJunit, renderMarkdown, type ExploreReport } from '../../src/explore/report.js';
import type { ExploreOutcome, TrialRecord } from '../../src/explore/search.js';

const trial = (n: number, outcome: TrialRecord['outcome'], text: string, summary: string, stage: TrialRecord['stage'] = 'search'): TrialRecord => ({
  n, stage, outcome, text, summary, failed: outcome === 'fail' ? ['alive'] : [], ...(outcome === 'fail' ? { key: 'alive' } : {}), schedule: { tracks: [], loads: {} }, wallMs: 6000, phaseMs: 5000,
});

function report(status: ExploreOutcome['status'], extra: Partial<ExploreOutcome> = {}): ExploreReport {
  const first = trial(3, 'fail', 'a: garbage for 1.41 s | b: status status=429 for 1.55 s', 'alive: target exited at 3.3 s (code 1)');
  const minimal = trial(9, 'fail', 'a: garbage for 1.00 s | b: status for 1.00 s', 'alive: target exited at 2.5 s (code 1)', 'shrink');
  const found = status === 'found' || status === 'flaky';
  return {
    schema: 1,
    scenario: { name: 'demo <script>', file: 'x.yaml' },
    startedAt: '2026-12-02T00:00:00Z',
    budgetMs: 600_000,
    runs: 30,
    outcome: {
      status, seed: 7, path: '2:1', shrinkSteps: found ? [first, minimal] : [], replays: { n: 3, reproduced: status === 'found' ? 3 : 1, rate: status === 'found' ? 1 : 1 / 3 },
      trials: [trial(1, 'pass', 'no faults', 'every expectation held', 'probe'), trial(2, 'pass', 'a: hang for 1 s', 'every expectation held'), ...(found ? [first, minimal] : [])],
      calledDependencies: ['a', 'b'], elapsedMs: 200_000, overhead: { trials: 4, meanWallMs: 6000, meanPhaseMs: 5000, ratio: 0.2 },
      ...(found ? { property: 'alive', first, minimal, verdict: { check: 'alive', key: 'alive', ok: false, status: 'fail', summary: 'target exited', measured: {}, evidence: [], failureMode: { id: 'crash-on-bad-input', trigger: 'garbage on a', spread: 'the process exited', result: 'every later request failed' } } as never } : {}),
      ...extra,
    },
    ...(found ? { counterexample: 'reports/x/counterexample.yaml' } : {}),
  };
}

describe('exploration report', () => {
  it('says what was found, with the minimal schedule, its reproduction and how to replay it', () => {
    const r = report('found');
    expect(headline(r)).toBe('FOUND a reproducible failure after 4 trial(s) in 200.0 s: alive fails under a: garbage for 1.00 s | b: status for 1.00 s (reproduced 3/3)');
    const md = renderMarkdown(r);
    expect(md).toMatch(/## Minimal schedule[\s\S]*- reproduced: 3 of 3 replays\n- replay: `crumple run reports\/x\/counterexample.yaml`/);
    expect(md).toMatch(/\| found \| a: garbage for 1.41 s \\\| b: status status=429 for 1.55 s \| alive: target exited at 3.3 s \(code 1\) \|/);
    expect(md).toMatch(/\*\*crash-on-bad-input\*\* — trigger: garbage on a/);
    expect(renderJunit(r)).toMatch(/tests="1" failures="1" errors="0"[\s\S]*<failure message="FOUND/);
  });

  it('a flaky find is a skipped test case, nothing found a passing one, an error an errored one', () => {
    expect(renderJunit(report('flaky'))).toMatch(/skipped="1"[\s\S]*<skipped message="a FLAKY failure/);
    const none = renderJunit(report('none'));
    expect(none).toMatch(/failures="0" errors="0"/);
    expect(none).not.toMatch(/<failure|<error|<skipped/);
    expect(renderJunit(report('error', { error: 'the probe trial could not run' }))).toMatch(/<error message="could not explore after 2 trial\(s\) in 200.0 s: the probe trial could not run"/);
  });

  it('escapes what a scenario or a target put in the texts', () => {
    const html = renderHtml(report('found'));
    expect(html).not.toContain('<script>');
    expect(html).toContain('demo &lt;script&gt;');
    expect(html).toMatch(/<p class="headline" id="headline">FOUND/);
  });
});
