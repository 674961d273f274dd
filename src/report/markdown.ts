import type { Verdict, VerdictStatus } from '../checks/check.js';
import { failureModes, remedy } from './failure-modes.js';
import type { Reporter } from './reporter.js';
import type { RunResult } from './result.js';
import { JOURNAL_COLUMNS, journalRows } from './journal.js';
import { escapeMarkdown as md, formatClock, formatValue } from './text.js';
import { missesLine } from '../contract/misses.js';
import { foldCycles } from './cycles.js';
import { counts, durationText, harnessLine, loadFindings, outcomeLabel, tallyText } from './view.js';
import { figures } from './view.js';

/**
 * report.md: the same story as report.html for a CI job summary or a pull-request comment.
 * All run-derived text goes through escapeMarkdown (HTML neutralised, table pipes escaped, one line).
 */

const MARK = { pass: '✅ pass', fail: '❌ fail', inconclusive: '⚠️ inconclusive' } as const satisfies Record<VerdictStatus, string>;
const row = (cells: string[]) => `| ${cells.join(' | ')} |`;

function failureSection(v: Verdict): string[] {
  const out: string[] = [];
  const f = v.failureMode;
  const mode = f ? failureModes[f.id] : undefined;
  out.push(`#### ❌ ${md(v.key)}${f ? ` — ${md(mode?.name ?? f.id)}` : ''}`, '');
  out.push(md(v.summary), '');
  if (f) {
    if (mode) out.push(`> ${md(mode.description)}`, '');
    out.push(`- **Trigger:** ${md(f.trigger)}`, `- **Spread:** ${md(f.spread)}`, `- **Result:** ${md(f.result)}`);
    const { patterns, aim } = remedy(f, v.measured);
    if (patterns.length) out.push(`- **Apply:** ${md(patterns.join(' + '))} — ${md(aim)}`);
    out.push('');
  }
  if (v.untrustworthy) out.push(`> ⚠️ **Untrustworthy:** ${md(v.untrustworthy)}`, '');
  out.push(...detailsBlock(v));
  return out;
}

function detailsBlock(v: Verdict): string[] {
  const f = figures(v);
  if (!f.length && !v.evidence.length) return [];
  const out = ['<details><summary>Measured numbers and evidence</summary>', ''];
  if (f.length) {
    out.push(row(['measured', 'value']), row(['---', '---:']));
    for (const x of f) out.push(row([`${md(x.label)}${x.threshold && !x.label.includes('bound') ? ' (bound)' : ''}`, md(x.text)]));
    out.push('');
  }
  if (v.evidence.length) {
    out.push(row(['evidence', 'value']), row(['---', '---']));
    for (const e of v.evidence) out.push(row([md(e.label), md(formatValue(e.value, e.label))]));
    out.push('');
  }
  out.push('</details>', '');
  return out;
}

export function renderMarkdown(r: RunResult): string {
  const c = counts(r);
  const title = c.failed
    ? `❌ ${c.failed} of ${c.total} checks failed${c.inconclusive ? `, ${c.inconclusive} inconclusive` : ''}`
    : c.inconclusive
      ? `⚠️ ${c.inconclusive} of ${c.total} checks inconclusive`
      : c.total
        ? `✅ all ${c.total} checks passed`
        : `⚠️ ${md(outcomeLabel(r))}`;
  const out: string[] = [`## crumple: ${md(r.scenario.name)} — ${title}`, ''];
  if (r.scenario.description) out.push(md(r.scenario.description), '');
  out.push(row(['run', md(r.runId)]), row(['---', '---']));
  out.push(row(['target', md(r.target.command ? `${r.target.command} (${r.target.url})` : r.target.url)]));
  if (r.scenario.file) out.push(row(['scenario file', md(r.scenario.file)]));
  out.push(row(['started', md(r.startedAt)]), row(['duration', durationText(r.durationMs)]));
  out.push(row(['outcome', md(outcomeLabel(r))]), row(['checks', tallyText(c)]), row(['harness', md(harnessLine(r))]));
  out.push('');
  if (r.error) out.push(`> **Error:** ${md(r.error)}`, '');

  if (r.verdicts.length) {
    out.push('### Verdicts', '', row(['check', 'result', 'summary']), row(['---', '---', '---']));
    for (const v of foldCycles(r.verdicts)) out.push(row([md(v.key), MARK[v.status], md(v.summary) + (v.untrustworthy ? ' ⚠️' : '')]));
    out.push('');
  }
  const failed = r.verdicts.filter((v) => v.status === 'fail');
  if (failed.length) {
    out.push('### Failure modes', '');
    for (const v of failed) out.push(...failureSection(v));
  }
  const unjudged = foldCycles(r.verdicts).filter((v) => v.status === 'inconclusive');
  if (unjudged.length) {
    out.push('### Inconclusive', '', '_Neither a pass nor a fail: the check could not judge, and says why._', '');
    for (const v of unjudged) {
      out.push(`#### ⚠️ ${md(v.key)}`, '', `**Why:** ${md(v.reason ?? v.summary)}`, '');
      if (v.reason && !v.summary.includes(v.reason)) out.push(md(v.summary), '');
      out.push(...detailsBlock(v));
    }
  }
  const passed = foldCycles(r.verdicts).filter((v) => v.status === 'pass');
  if (passed.length) {
    out.push('### Passed', '');
    for (const v of passed) out.push(`- ✅ **${md(v.key)}** — ${md(v.summary)}`);
    out.push('');
  }
  if (r.phases.length) {
    out.push('### Phases', '', row(['phase', 'from', 'to', 'faults']), row(['---', '---:', '---:', '---']));
    for (const ph of r.phases) {
      const faults = ph.faults.map((f) => `${f.dependency}: ${f.fault}`).join(', ') || '—';
      out.push(row([md(ph.name), formatClock(ph.startMs), formatClock(ph.endMs), md(faults)]));
    }
    out.push('');
  }
  const journal = journalRows(r);
  if (journal.length) {
    out.push('### Journal', '', row([...JOURNAL_COLUMNS]), row(JOURNAL_COLUMNS.map(() => '---')));
    for (const cells of journal) out.push(row(cells.map((c) => md(c) || ' ')));
    out.push('');
  }
  if (r.loads.length) {
    out.push('### Loads', '', row(['load', 'shape', 'requests', 'ok', 'errors', 'p50', 'p99', 'req/s']), row(['---', '---', '---:', '---:', '---:', '---:', '---:', '---:']));
    for (const l of r.loads) {
      out.push(row([md(l.name), md(l.shape), String(l.requests), String(l.ok), String(l.errors), formatValue(l.p50Ms, 'ms'), formatValue(l.p99Ms, 'ms'), formatValue(l.rps)]));
    }
    out.push('');
    for (const f of r.loads.map(loadFindings).filter((x) => x !== undefined)) {
      out.push(`#### ${md(f.load)} (${md(f.shape)}): ${md(f.headline)}`, '');
      out.push(row(f.columns.map((c) => md(c) || ' ')), row(f.columns.map(() => '---')));
      for (const cells of f.rows) out.push(row(cells.map(md)));
      out.push('');
    }
  }
  const missed = r.dependencies.filter((d) => d.contractMisses?.count);
  if (missed.length) {
    out.push('### Contract misses', '', 'Requests the stand-in\'s contract did not cover (answered 404, not as the real dependency would):', '');
    for (const d of missed) out.push(`- ${md(missesLine(d.name, d.contractMisses!))}`);
    out.push('');
  }
  out.push('_Full report with charts: report.html in the run folder._', '');
  return out.join('\n');
}

export default {
  name: 'markdown',
  file: 'report.md',
  description: 'the story in Markdown, for CI job summaries and pull-request comments',
  render: renderMarkdown,
} satisfies Reporter;
