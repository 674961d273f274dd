/**
 * The exploration report, in the four formats a run has: explore.json (the whole outcome),
 * explore.md, explore.html and junit.xml. Pure renderers of an ExploreOutcome, plus one writer.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatMs } from '../units.js';
import { escapeHtml, escapeMarkdown, escapeXml, escapeXmlText } from '../report/text.js';
import type { ExploreOutcome, TrialRecord } from './search.js';

export interface ExploreReport {
  schema: 1;
  scenario: { name: string; file?: string };
  startedAt: string;
  budgetMs: number;
  runs: number;
  outcome: ExploreOutcome;
  counterexample?: string;
}

const STATUS_TEXT: Record<ExploreOutcome['status'], string> = {
  found: 'FOUND a reproducible failure',
  flaky: 'a FLAKY failure (reproduced in fewer than half of the replays)',
  none: 'nothing found within the budget',
  interrupted: 'INTERRUPTED',
  error: 'could not explore',
};

/** One line saying what the search found. */
export function headline(r: ExploreReport): string {
  const o = r.outcome;
  const base = `${STATUS_TEXT[o.status]} after ${o.trials.length} trial(s) in ${formatMs(o.elapsedMs)}`;
  if (o.status === 'error') return `${base}: ${o.error}`;
  if (!o.property) return base;
  return `${base}: ${o.property} fails under ${o.minimal?.text ?? o.first?.text}${o.replays.n ? ` (reproduced ${o.replays.reproduced}/${o.replays.n})` : ''}`;
}

export function renderJson(r: ExploreReport): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}

export function renderMarkdown(r: ExploreReport): string {
  const o = r.outcome;
  const lines = [`# crumple explore: ${escapeMarkdown(r.scenario.name)}`, '', `**${escapeMarkdown(headline(r))}**`, ''];
  lines.push(`seed ${o.seed}${o.path ? `, path ${o.path}` : ''}; budget ${formatMs(r.budgetMs)}, at most ${r.runs} runs; dependencies the target called: ${o.calledDependencies.join(', ') || 'none'}; its timeouts measured: ${Object.entries(o.timeouts ?? {}).map(([d, ms]) => `${d} ${formatMs(ms)}`).join(', ') || 'none'}`, '');
  if (o.overhead.ratio !== null) lines.push(`trial cost: ${formatMs(o.overhead.meanWallMs)} wall for ${formatMs(o.overhead.meanPhaseMs)} of phases (overhead ${Math.round(o.overhead.ratio * 100)} %)`, '');
  if (o.minimal && o.property) {
    lines.push('## Minimal schedule', '', `- property: \`${o.property}\``, `- schedule: ${escapeMarkdown(o.minimal.text)}`, `- result: ${escapeMarkdown(o.minimal.summary)}`, `- reproduced: ${o.replays.reproduced} of ${o.replays.n} replays`);
    if (r.counterexample) lines.push(`- replay: \`crumple run ${r.counterexample}\``);
    const fm = o.verdict?.failureMode;
    if (fm) lines.push('', `**${fm.id}** — trigger: ${escapeMarkdown(fm.trigger)}; spread: ${escapeMarkdown(fm.spread)}; result: ${escapeMarkdown(fm.result)}`);
    lines.push('', '## Shrinking', '', '| step | schedule | result |', '| --- | --- | --- |');
    o.shrinkSteps.forEach((t, i) => lines.push(`| ${i === 0 ? 'found' : i} | ${escapeMarkdown(t.text)} | ${escapeMarkdown(t.summary)} |`));
    lines.push('');
  }
  lines.push('## Trials', '', '| # | stage | outcome | schedule | what it showed | time |', '| --- | --- | --- | --- | --- | --- |');
  for (const t of o.trials) lines.push(`| ${t.n} | ${t.stage} | ${t.outcome} | ${escapeMarkdown(t.text)} | ${escapeMarkdown(t.summary)} | ${formatMs(t.wallMs)} |`);
  return `${lines.join('\n')}\n`;
}

export function renderHtml(r: ExploreReport): string {
  const o = r.outcome;
  const row = (t: TrialRecord) => `<tr class="${t.outcome}"><td>${t.n}</td><td>${t.stage}</td><td>${t.outcome}</td><td>${escapeHtml(t.text)}</td><td>${escapeHtml(t.summary)}</td><td>${escapeHtml(formatMs(t.wallMs))}</td></tr>`;
  const fm = o.verdict?.failureMode;
  const minimal = o.minimal && o.property
    ? `<section><h2>Minimal schedule</h2><p><b>${escapeHtml(o.property)}</b>: ${escapeHtml(o.minimal.summary)}</p><p class="schedule">${escapeHtml(o.minimal.text)}</p>
<p>reproduced ${o.replays.reproduced} of ${o.replays.n} replays${r.counterexample ? `; replay with <code>crumple run ${escapeHtml(r.counterexample)}</code>` : ''}</p>
${fm ? `<p class="story"><b>${escapeHtml(fm.id)}</b>: ${escapeHtml(fm.trigger)} → ${escapeHtml(fm.spread)} → ${escapeHtml(fm.result)}</p>` : ''}
<h3>Shrinking</h3><ol>${o.shrinkSteps.map((t) => `<li>${escapeHtml(t.text)} — ${escapeHtml(t.summary)}</li>`).join('')}</ol></section>`
    : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>crumple explore: ${escapeHtml(r.scenario.name)}</title>
<style>body{font:14px/1.4 system-ui,sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:4px 6px;text-align:left;vertical-align:top}
tr.fail td{background:#fde8e8}tr.error td{background:#fff4d6}.schedule{font-family:monospace}h1{font-size:20px}.headline{font-size:16px;font-weight:600}</style></head><body>
<h1>crumple explore: ${escapeHtml(r.scenario.name)}</h1><p class="headline" id="headline">${escapeHtml(headline(r))}</p>
<p>seed ${o.seed}${o.path ? `, path ${escapeHtml(o.path)}` : ''}; budget ${escapeHtml(formatMs(r.budgetMs))}; ${o.trials.length} trials; overhead per trial ${o.overhead.ratio === null ? '—' : `${Math.round(o.overhead.ratio * 100)} %`}</p>
${minimal}<section><h2>Trials</h2><table><thead><tr><th>#</th><th>stage</th><th>outcome</th><th>schedule</th><th>what it showed</th><th>time</th></tr></thead><tbody>${o.trials.map(row).join('')}</tbody></table></section></body></html>
`;
}

/** One testcase: the property held within the budget, or failed with the minimal schedule. */
export function renderJunit(r: ExploreReport): string {
  const o = r.outcome;
  const name = escapeXml(r.scenario.name);
  let body: string;
  if (o.status === 'found') body = `<failure message="${escapeXml(headline(r))}">${escapeXmlText(`${o.minimal?.text}\n${o.minimal?.summary}\nreplay: crumple run ${r.counterexample ?? 'counterexample.yaml'}`)}</failure>`;
  else if (o.status === 'error' || o.status === 'interrupted') body = `<error message="${escapeXml(headline(r))}"/>`;
  else if (o.status === 'flaky') body = `<skipped message="${escapeXml(headline(r))}"/>`;
  else body = '';
  const failures = o.status === 'found' ? 1 : 0;
  const errors = o.status === 'error' || o.status === 'interrupted' ? 1 : 0;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="crumple explore" tests="1" failures="${failures}" errors="${errors}" time="${(o.elapsedMs / 1000).toFixed(3)}">\n  <testsuite name="${name}" tests="1" failures="${failures}" errors="${errors}" skipped="${o.status === 'flaky' ? 1 : 0}">\n    <testcase classname="${name}" name="explore: no fault schedule breaks the property" time="${(o.elapsedMs / 1000).toFixed(3)}">${body}</testcase>\n  </testsuite>\n</testsuites>\n`;
}

export async function writeExploreReports(dir: string, r: ExploreReport): Promise<string[]> {
  const files: [string, string][] = [
    ['explore.json', renderJson(r)],
    ['explore.md', renderMarkdown(r)],
    ['explore.html', renderHtml(r)],
    ['junit.xml', renderJunit(r)],
  ];
  for (const [f, text] of files) await writeFile(join(dir, f), text);
  return files.map(([f]) => join(dir, f));
}
