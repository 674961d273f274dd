import type { Verdict } from '../checks/check.js';
import { failureModeLine, remedy } from './failure-modes.js';
import type { Reporter } from './reporter.js';
import type { RunResult } from './result.js';
import { journalRows } from './journal.js';
import { clip, escapeXml, escapeXmlText, formatValue } from './text.js';
import { figures } from './view.js';

/**
 * junit.xml for CI dashboards: one testcase per verdict (classname = scenario, name = expect key),
 * failure message = the failure-mode line; an inconclusive verdict is a `<skipped>` testcase whose
 * message is why it could not judge (CI shows it apart from passes and failures). Every string goes through escapeXml, which first turns
 * characters invalid in XML 1.0 into visible escapes, so garbage evidence cannot break the file.
 */

function details(v: Verdict): string {
  const lines = [v.summary];
  if (v.status === 'inconclusive' && v.reason) lines.push('', `inconclusive: ${v.reason}`);
  if (v.failureMode) {
    lines.push('', `trigger: ${v.failureMode.trigger}`, `spread:  ${v.failureMode.spread}`, `result:  ${v.failureMode.result}`);
    const { patterns, aim } = remedy(v.failureMode, v.measured);
    if (patterns.length) lines.push(`apply:   ${patterns.join(' + ')}: ${aim}`);
  }
  const f = figures(v);
  if (f.length) lines.push('', 'measured:', ...f.map((x) => `  ${x.label}${x.threshold && !x.label.includes('bound') ? ' (bound)' : ''}: ${x.text}`));
  if (v.evidence.length) lines.push('', 'evidence:', ...v.evidence.map((e) => `  ${e.label}: ${formatValue(e.value, e.label)}`));
  if (v.untrustworthy) lines.push('', `untrustworthy: ${v.untrustworthy}`);
  return lines.join('\n');
}

export function renderJunit(r: RunResult): string {
  const failures = r.verdicts.filter((v) => v.status === 'fail').length;
  const skipped = r.verdicts.filter((v) => v.status === 'inconclusive').length;
  // A run that ended before any verdict still has to show red in CI: one errored testcase says why.
  const runError = r.verdicts.length === 0 && r.outcome !== 'pass';
  const tests = r.verdicts.length + (runError ? 1 : 0);
  const errors = runError ? 1 : 0;
  const time = (r.durationMs / 1000).toFixed(3);
  const suite = escapeXml(r.scenario.name);
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(`<testsuites name="crumple" tests="${tests}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${time}">`);
  out.push(`  <testsuite name="${suite}" tests="${tests}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${time}" timestamp="${escapeXml(r.startedAt)}">`);
  out.push('    <properties>');
  const props: [string, string][] = [
    ['runId', r.runId],
    ['target', r.target.command ?? r.target.url],
    ['outcome', r.outcome],
    ['harnessLagged', String(r.harness.lagged)],
  ];
  if (r.scenario.file) props.push(['scenarioFile', r.scenario.file]);
  for (const [name, value] of props) out.push(`      <property name="${name}" value="${escapeXml(value)}"/>`);
  out.push('    </properties>');
  for (const v of r.verdicts) {
    out.push(`    <testcase classname="${suite}" name="${escapeXml(v.key)}" time="0">`);
    if (v.status === 'fail') {
      const type = v.failureMode?.id ?? v.check;
      out.push(`      <failure message="${escapeXml(clip(failureModeLine(v), 2000))}" type="${escapeXml(type)}">${escapeXmlText(details(v))}</failure>`);
    } else if (v.status === 'inconclusive') {
      out.push(`      <skipped message="${escapeXml(clip(`inconclusive: ${v.reason ?? v.summary}`, 2000))}"/>`);
    }
    out.push(`      <system-out>${escapeXmlText(details(v))}</system-out>`);
    out.push('    </testcase>');
  }
  if (runError) {
    const msg = r.error ?? `run ended: ${r.outcome}`;
    out.push(`    <testcase classname="${suite}" name="run" time="${time}">`);
    out.push(`      <error message="${escapeXml(clip(msg, 2000))}" type="${escapeXml(r.outcome)}">${escapeXmlText(msg)}</error>`);
    out.push('    </testcase>');
  }
  const journal = journalRows(r);
  if (journal.length) out.push(`    <system-out>${escapeXmlText(['journal:', ...journal.map((c) => c.filter(Boolean).join('  '))].join('\n'))}</system-out>`);
  out.push('  </testsuite>', '</testsuites>');
  return `${out.join('\n')}\n`;
}


export default {
  name: 'junit',
  file: 'junit.xml',
  description: 'JUnit XML: one testcase per check, failure message = the failure-mode line',
  render: renderJunit,
} satisfies Reporter;
