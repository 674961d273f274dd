import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Verdict } from '../checks/check.js';
import { checks } from '../checks/index.js';
import { failureModes, remedy } from './failure-modes.js';
import { buildCharts } from './html-charts.js';
import { clientScript } from './html-client.js';
import type { Reporter } from './reporter.js';
import type { RunResult } from './result.js';
import { JOURNAL_COLUMNS, journalRows } from './journal.js';
import { escapeHtml as h, formatClock, formatValue, jsonForScript } from './text.js';
import { counts, durationText, harnessLine, loadFindings, outcomeLabel, STATUS_LABEL } from './view.js';
import { figures } from './view.js';

/**
 * report.html: one self-contained file that opens from disk. uPlot's JS and CSS are read from
 * node_modules at render time and inlined; a CSP forbids any network access. Cards are plain HTML
 * (readable without scripts); charts are drawn from a per-second JSON payload.
 */

let assets: { js: string; css: string } | undefined;

function uplotAssets(): { js: string; css: string } {
  if (!assets) {
    const require = createRequire(import.meta.url);
    const js = readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
    const css = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
    // Inlined verbatim: neither may close its element early.
    if (/<\/script/i.test(js) || /<\/style/i.test(css)) throw new Error('uPlot assets contain a closing tag; cannot inline them');
    assets = { js, css };
  }
  return assets;
}

const STYLE = `
:root { --pass: #1a7f37; --fail: #cf222e; --warn: #9a6700; --muted: #57606a; --line: #d0d7de; --bg: #f6f8fa; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328; margin: 0; background: #fff; }
main { max-width: 1200px; margin: 0 auto; padding: 20px 24px 48px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 10px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 14px; margin: 0; }
.desc { color: var(--muted); margin: 0 0 10px; }
.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 10px 0; }
.meta dt { color: var(--muted); } .meta dd { margin: 0; overflow-wrap: anywhere; }
.pills { display: flex; gap: 8px; flex-wrap: wrap; margin: 10px 0; }
.pill { border-radius: 999px; padding: 3px 12px; font-weight: 600; border: 1px solid var(--line); background: var(--bg); }
.pill.pass { color: #fff; background: var(--pass); border-color: var(--pass); }
.pill.fail { color: #fff; background: var(--fail); border-color: var(--fail); }
.banner { border-radius: 6px; padding: 8px 12px; margin: 8px 0; }
.banner.warn { background: #fff8c5; border: 1px solid #d4a72c; }
.banner.error { background: #ffebe9; border: 1px solid #ff8182; }
.banner.ok { background: var(--bg); border: 1px solid var(--line); color: var(--muted); }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 12px; }
.card { border: 1px solid var(--line); border-left: 5px solid var(--pass); border-radius: 6px; padding: 10px 14px; background: #fff; }
.card.fail { border-left-color: var(--fail); }
.card.inconclusive { border-left-color: var(--warn); }
.card.inconclusive .badge { background: var(--warn); }
.reason { color: var(--warn); margin: 0 0 8px; overflow-wrap: anywhere; }
.pill.inconclusive { color: #fff; background: var(--warn); border-color: var(--warn); }
.card .about { color: #666; font-size: 0.85em; margin: 0 0 4px; }
.card header { display: flex; align-items: baseline; gap: 8px; margin-bottom: 6px; }
.badge { font-size: 12px; font-weight: 700; border-radius: 4px; padding: 1px 7px; color: #fff; background: var(--pass); }
.card.fail .badge { background: var(--fail); }
.check-name { color: var(--muted); font-size: 12px; }
.summary { margin: 0 0 8px; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; margin: 4px 0 8px; font-size: 13px; }
th, td { text-align: left; padding: 3px 8px 3px 0; border-bottom: 1px solid #eaeef2; vertical-align: top; overflow-wrap: anywhere; }
th { color: var(--muted); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.measured td:first-child, .measured th:first-child { width: 50%; }
.measured th:last-child { text-align: right; }
.evidence th { width: 40%; }
.bound { color: var(--muted); font-size: 11px; border: 1px solid var(--line); border-radius: 3px; padding: 0 4px; margin-left: 4px; }
.mode { background: #fff5f5; border: 1px solid #ffcecb; border-radius: 6px; padding: 8px 10px; margin: 8px 0; }
.mode h4 { margin: 0 0 2px; font-size: 14px; color: var(--fail); }
.mode .lesson { color: var(--muted); margin: 0 0 6px; font-size: 13px; }
.story { margin: 0; padding-left: 0; list-style: none; }
.story li { margin: 2px 0; overflow-wrap: anywhere; }
.story b { display: inline-block; min-width: 62px; color: var(--muted); font-weight: 600; }
.remedy { margin: 6px 0 0; }
.remedy .pattern { font-weight: 700; color: #0550ae; }
.untrust { color: var(--warn); font-weight: 600; margin: 4px 0; }
details summary { cursor: pointer; color: var(--muted); font-size: 13px; }
pre, code { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; white-space: pre-wrap; overflow-wrap: anywhere; }
#charts { margin-top: 8px; }
.chart { margin: 0 0 22px; }
.chart .note { color: var(--muted); margin: 0 0 4px; font-size: 12px; }
.chart-error { color: var(--fail); }
.legend-bands { font-size: 12px; color: var(--muted); }
.legend-bands span { display: inline-block; width: 12px; height: 12px; vertical-align: middle; margin: 0 4px 0 10px; border: 1px solid var(--line); }
footer { color: var(--muted); font-size: 12px; margin-top: 32px; }
`;

function card(v: Verdict): string {
  const out: string[] = [];
  out.push(`<article class="card ${v.status}" data-check="${h(v.key)}" data-status="${v.status}" data-ok="${v.status === 'pass'}">`);
  out.push(`<header><span class="badge">${STATUS_LABEL[v.status].toUpperCase()}</span><h3>${h(v.key)}</h3>${v.check !== v.key ? `<span class="check-name">${h(v.check)}</span>` : ''}</header>`);
  // What the check proves, from the checks table (a report.json from an older crumple may name one it lacks).
  const about = (checks as Record<string, { description: string } | undefined>)[v.check]?.description;
  if (about) out.push(`<p class="about">${h(about)}</p>`);
  out.push(`<p class="summary">${h(v.summary)}</p>`);
  if (v.status === 'inconclusive' && v.reason) out.push(`<p class="reason"><b>Inconclusive:</b> ${h(v.reason)}</p>`);
  if (v.untrustworthy) out.push(`<p class="untrust">⚠ Untrustworthy: ${h(v.untrustworthy)}</p>`);
  const f = figures(v);
  if (f.length) {
    out.push('<table class="measured"><thead><tr><th>measured</th><th>value</th></tr></thead><tbody>');
    for (const x of f) out.push(`<tr><td>${h(x.label)}${x.threshold && !x.label.includes('bound') ? '<span class="bound">bound</span>' : ''}</td><td class="num">${h(x.text)}</td></tr>`);
    out.push('</tbody></table>');
  }
  if (v.failureMode) {
    const fm = v.failureMode;
    const mode = failureModes[fm.id];
    const { patterns, aim } = remedy(fm, v.measured);
    out.push(`<div class="mode" data-failure-mode="${h(fm.id)}"><h4>${h(mode?.name ?? fm.id)}</h4>`);
    if (mode) out.push(`<p class="lesson">${h(mode.description)}</p>`);
    out.push(`<ol class="story"><li><b>Trigger</b> ${h(fm.trigger)}</li><li><b>Spread</b> ${h(fm.spread)}</li><li><b>Result</b> ${h(fm.result)}</li></ol>`);
    if (patterns.length) out.push(`<p class="remedy">Apply <span class="pattern">${h(patterns.join(' + '))}</span>: ${h(aim)}</p>`);
    out.push('</div>');
  }
  if (v.evidence.length) {
    out.push(`<details${v.status === 'pass' ? '' : ' open'}><summary>Evidence (${v.evidence.length})</summary><table class="evidence"><tbody>`);
    for (const e of v.evidence) out.push(`<tr><th>${h(e.label)}</th><td><code>${h(formatValue(e.value, e.label))}</code></td></tr>`);
    out.push('</tbody></table></details>');
  }
  out.push('</article>');
  return out.join('\n');
}

function header(r: RunResult): string {
  const c = counts(r);
  const out: string[] = [];
  out.push(`<h1>${h(r.scenario.name)}</h1>`);
  if (r.scenario.description) out.push(`<p class="desc">${h(r.scenario.description)}</p>`);
  out.push('<div class="pills">');
  if (c.total) {
    out.push(`<span class="pill ${c.failed ? 'fail' : c.inconclusive ? 'inconclusive' : 'pass'}" id="verdict-counts">${c.passed} passed · ${c.failed} failed${c.inconclusive ? ` · ${c.inconclusive} inconclusive` : ''}</span>`);
  }
  out.push(`<span class="pill">${h(outcomeLabel(r))}</span>`);
  if (c.untrustworthy) out.push(`<span class="pill">${c.untrustworthy} untrustworthy</span>`);
  out.push('</div>');
  out.push(`<div class="banner ${r.harness.lagged ? 'warn' : 'ok'}" id="harness">${h(harnessLine(r))}</div>`);
  if (r.error) out.push(`<div class="banner error">${h(r.error)}</div>`);
  const target = r.target.command ? `${r.target.command} (${r.target.url})` : r.target.url;
  const meta: [string, string][] = [
    ['target', target],
    ['started', r.startedAt],
    ['duration', durationText(r.durationMs)],
    ['run', r.runId],
  ];
  if (r.scenario.file) meta.push(['scenario file', r.scenario.file]);
  if (r.dependencies.length) meta.push(['stand-ins', r.dependencies.map((d) => `${d.name} (${d.protocol}, ${d.via}) ${d.url}`).join('; ')]);
  out.push(`<dl class="meta">${meta.map(([k, v]) => `<dt>${h(k)}</dt><dd>${h(v)}</dd>`).join('')}</dl>`);
  return out.join('\n');
}

function tables(r: RunResult): string {
  const out: string[] = [];
  if (r.phases.length) {
    out.push('<h2>Phases</h2><table id="phases"><thead><tr><th>phase</th><th>from</th><th>to</th><th>faults</th></tr></thead><tbody>');
    for (const p of r.phases) {
      const faults = p.faults.map((f) => `${f.dependency}: ${f.fault} (${f.type})`).join(', ') || '—';
      out.push(`<tr><td>${h(p.name)}</td><td class="num">${formatClock(p.startMs)}</td><td class="num">${formatClock(p.endMs)}</td><td>${h(faults)}</td></tr>`);
    }
    out.push('</tbody></table>');
  }
  const journal = journalRows(r);
  if (journal.length) {
    out.push(`<h2>Journal</h2><table id="journal"><thead><tr>${JOURNAL_COLUMNS.map((c) => `<th>${c}</th>`).join('')}</tr></thead><tbody>`);
    for (const cells of journal) out.push(`<tr>${cells.map((c) => `<td>${h(c)}</td>`).join('')}</tr>`);
    out.push('</tbody></table>');
  }
  if (r.loads.length) {
    out.push('<h2>Loads</h2><table id="loads"><thead><tr><th>load</th><th>shape</th><th>requests</th><th>ok</th><th>errors</th><th>p50</th><th>p99</th><th>req/s</th></tr></thead><tbody>');
    for (const l of r.loads) {
      const cells = [l.requests, l.ok, l.errors].map((n) => `<td class="num">${n}</td>`).join('');
      out.push(`<tr><td>${h(l.name)}</td><td>${h(l.shape)}</td>${cells}<td class="num">${h(formatValue(l.p50Ms, 'ms'))}</td><td class="num">${h(formatValue(l.p99Ms, 'ms'))}</td><td class="num">${h(formatValue(l.rps))}</td></tr>`);
    }
    out.push('</tbody></table>');
    for (const f of r.loads.map(loadFindings).filter((x) => x !== undefined)) {
      out.push(`<section class="findings" data-load="${h(f.load)}"><h3>${h(f.load)} (${h(f.shape)}): <span class="headline">${h(f.headline)}</span></h3>`);
      out.push(`<table><thead><tr>${f.columns.map((c) => `<th>${h(c)}</th>`).join('')}</tr></thead><tbody>`);
      for (const cells of f.rows) out.push(`<tr>${cells.map((c) => `<td>${h(c)}</td>`).join('')}</tr>`);
      out.push('</tbody></table></section>');
    }
  }
  return out.join('\n');
}

export function renderHtml(r: RunResult): string {
  const { js, css } = uplotAssets();
  const c = counts(r);
  const title = `${c.failed ? '✗' : c.inconclusive ? '?' : '✓'} ${r.scenario.name} — crumple`;
  const charts = buildCharts(r);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(title)}</title>
<link rel="icon" href="data:,">
<style>${css}</style>
<style>${STYLE}</style>
</head>
<body>
<main>
${header(r)}
<h2>Verdicts</h2>
${r.verdicts.length ? `<div class="cards" id="cards">\n${r.verdicts.map(card).join('\n')}\n</div>` : '<p id="cards">No verdicts: the run ended before checks could judge it.</p>'}
<h2>Over time</h2>
<p class="legend-bands">time since start (m:ss); phases as bands:<span style="background: rgba(214,39,40,0.18)"></span>phase with faults<span style="background: rgba(0,0,0,0.05)"></span>phase without</p>
<div id="charts"><noscript>Charts need JavaScript; the verdicts above do not.</noscript></div>
${charts.knees.length ? '<h2>Capacity</h2>\n<div id="knees"></div>' : '<div id="knees"></div>'}
${charts.trends.length ? '<h2>Trends</h2>\n<p class="legend-bands">drift per series after warm-up: the points, the robust fit and its confidence band</p>\n<div id="trends"></div>' : '<div id="trends"></div>'}
${tables(r)}
<footer>crumple report · schema ${r.schema} · per-second data for ${charts.x.length} s</footer>
</main>
<script type="application/json" id="crumple-charts">${jsonForScript(charts)}</script>
<script>${js}</script>
<script>${clientScript}</script>
</body>
</html>
`;
}

export default {
  name: 'html',
  file: 'report.html',
  description: 'self-contained HTML: verdict cards, failure-mode stories, per-second charts with phase bands',
  render: renderHtml,
} satisfies Reporter;
