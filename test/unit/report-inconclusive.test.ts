import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exitCodeFor, exitCodeOf, readRunResult, renderTerminal, writeReports } from '../../src/report/index.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { renderHtml } from '../../src/report/html.js';
import { renderComparison } from '../../src/report/compare.js';
import { counts } from '../../src/report/view.js';
import { inconclusiveRun, resilientRun } from '../helpers/run-result.js';

describe('an inconclusive verdict in every report format', () => {
  it('report.json carries status inconclusive with the reason, and reads back the same', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crumple-inc-'));
    await writeReports(inconclusiveRun(), dir);
    const raw = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    const v = raw.verdicts.find((x: { key: string }) => x.key === 'retries');
    expect(v).toMatchObject({ status: 'inconclusive', ok: false, reason: expect.stringMatching(/^backoff not measurable/) });
    expect(raw.outcome).toBe('inconclusive');
    expect(raw.exitCode).toBe(1);
    const back = await readRunResult(dir);
    expect(back.verdicts.find((x) => x.key === 'retries')!.status).toBe('inconclusive');
    expect(exitCodeOf(back)).toBe(1);
  });

  it('the terminal table shows INCONCLUSIVE (not pass, not FAIL) and counts it apart', () => {
    const text = renderTerminal(inconclusiveRun(), { color: false });
    expect(text).toMatch(/retries\s+INCONCLUSIVE\s+1\.00 calls/);
    expect(text).toMatch(/5 passed, 0 failed, 1 inconclusive — no check failed, but some could not judge/);
    expect(counts(inconclusiveRun())).toMatchObject({ passed: 5, failed: 0, inconclusive: 1 });
  });

  it('report.md titles it, marks the row and gives the reason in its own section', () => {
    const md = renderMarkdown(inconclusiveRun());
    expect(md).toMatch(/^## crumple: .* — ⚠️ 1 of 6 checks inconclusive/);
    expect(md).toMatch(/\| retries \| ⚠️ inconclusive \|/);
    expect(md).toMatch(/### Inconclusive[\s\S]*#### ⚠️ retries[\s\S]*\*\*Why:\*\* backoff not measurable/);
    expect(md).not.toMatch(/### Failure modes/);
  });

  it('report.html gives it an inconclusive card with the reason and counts it in the header', () => {
    const html = renderHtml(inconclusiveRun());
    expect(html).toMatch(/<article class="card inconclusive" data-check="retries" data-status="inconclusive" data-ok="false">/);
    expect(html).toMatch(/<span class="badge">INCONCLUSIVE<\/span>/);
    expect(html).toMatch(/<p class="reason"><b>Inconclusive:<\/b> backoff not measurable/);
    expect(html).toMatch(/5 passed · 0 failed · 1 inconclusive/);
  });

  it('exit code: 1 for inconclusive unless allowed; compare marks a pass turning inconclusive as changed', () => {
    expect(exitCodeFor('inconclusive')).toBe(1);
    expect(exitCodeFor('inconclusive', true)).toBe(0);
    expect(exitCodeFor('pass')).toBe(0);
    expect(exitCodeFor('interrupted')).toBe(2);
    const a = resilientRun({ seconds: 20 });
    a.verdicts.push({ ...inconclusiveRun().verdicts.at(-1)!, status: 'pass', ok: true });
    expect(renderComparison(a, inconclusiveRun(), { color: false })).toMatch(/retries\s+pass\s+\?\s+changed/);
  });

  it('reads a report.json from before statuses: ok true/false become pass/fail, "cannot judge" ones inconclusive', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crumple-legacy-'));
    const r = resilientRun({ seconds: 5 });
    const legacy = {
      ...r,
      verdicts: [
        { check: 'timeout', key: 'timeout', ok: true, summary: 'gave up after 1 s', measured: {}, evidence: [] },
        { check: 'breaker', key: 'breaker', ok: false, summary: 'never opened', measured: {}, evidence: [] },
        { check: 'memory', key: 'memory', ok: false, summary: 'cannot judge: 0 RSS sample(s)', measured: {}, evidence: [] },
      ],
    };
    writeFileSync(join(dir, 'report.json'), JSON.stringify(legacy));
    const back = await readRunResult(dir);
    expect(back.verdicts.map((v) => v.status)).toEqual(['pass', 'fail', 'inconclusive']);
    expect(back.verdicts[2]!.reason).toBe('0 RSS sample(s)');
  });
});

