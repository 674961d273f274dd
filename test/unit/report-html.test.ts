import { describe, expect, it } from 'vitest';
import { buildCharts } from '../../src/report/html-charts.js';
import { renderHtml } from '../../src/report/html.js';
import { checks } from '../../src/checks/index.js';
import { escapeHtml, jsonForScript, printable } from '../../src/report/text.js';
import { GARBAGE, garbageRun, naiveRun, resilientRun } from '../helpers/run-result.js';

function payload(html: string): unknown {
  const m = /<script type="application\/json" id="crumple-charts">([\s\S]*?)<\/script>/.exec(html);
  if (!m) throw new Error('no chart payload');
  return JSON.parse(m[1]!);
}

describe('report.html (static checks; the browser test opens it for real)', () => {
  it('is self-contained: uPlot inlined, no external resource, a CSP that forbids the network', () => {
    const html = renderHtml(naiveRun());
    expect(html).toContain('uPlot');
    expect(html).toMatch(/\.uplot\s*[,{]/); // uPlot's stylesheet
    expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?(https?:|\/\/)/i);
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link[^>]+stylesheet/i);
    expect(html).toContain(`content="default-src 'none'`);
  });

  it('has a card per verdict with the failure-mode story, and the header counts', () => {
    const html = renderHtml(naiveRun());
    expect(html.match(/<article class="card /g)).toHaveLength(5);
    expect(html.match(/<article class="card fail"/g)).toHaveLength(4);
    expect(html).toContain('1 passed · 4 failed');
    expect(html).toContain('<b>Spread</b> the target kept 1504 connections open to it for the whole phase and never closed one');
    expect(html).toContain('harness kept up (lag p99 3.2 ms, max 12 ms)');
  });

  it('says on each card what its check proves, from the checks table', () => {
    const html = renderHtml(naiveRun());
    const card = /<article class="card fail" data-check="timeout"[\s\S]*?<\/article>/.exec(html)?.[0] ?? '';
    expect(card).toContain(`<p class="about">${escapeHtml(checks.timeout.description)}</p>`);
  });

  it('embeds per-second chart data that parses back to exactly what buildCharts made', () => {
    const run = resilientRun();
    expect(payload(renderHtml(run))).toEqual(JSON.parse(JSON.stringify(buildCharts(run))));
    const charts = buildCharts(run);
    expect(charts.x).toHaveLength(45);
    expect(charts.bands.map((b) => [b.name, b.from, b.to, b.faults])).toEqual([
      ['baseline', 0, 10, ''],
      ['inventory hangs', 10, 25, 'inventory: hang'],
      ['slow network', 25, 35, 'inventory: latency'],
      ['recovery', 35, 45, ''],
    ]);
    // 503s split out of 5xx so the stack adds up to the responses.
    const status = charts.charts.find((c) => c.id === 'status')!;
    const at = (label: string) => status.series.find((s) => s.label === label)!.values[12];
    expect(at('503')).toBe(100);
    expect(status.series.find((s) => s.label === '5xx')).toBeUndefined();
    expect(at('2xx')).toBe(20); // health keeps answering
  });

  it('shows garbage from a dependency as text: escaped in HTML, and unable to close the JSON <script>', () => {
    const html = renderHtml(garbageRun());
    expect(html.match(/<script/g)).toHaveLength(3);
    expect(html.match(/<\/script>/g)).toHaveLength(3);
    expect(html).not.toContain('<script>alert');
    expect(html).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/);
    expect(html).toContain(escapeHtml(GARBAGE));
    const data = payload(html) as { bands: { name: string }[]; charts: { series: { label: string }[] }[] };
    expect(data.bands[1]!.name).toBe(printable(`hang ${GARBAGE}`));
    expect(data.charts[0]!.series.some((s) => s.label.startsWith(printable(`load ${GARBAGE}`)))).toBe(true);
  });

  it('escapes for <script> JSON so that it round-trips and holds no <, > or &', () => {
    const value = { s: `</script><!-- ${GARBAGE} \u2028` };
    const text = jsonForScript(value);
    expect(text).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(text)).toEqual(value);
    expect(printable('a\u0000b')).toBe('a\\x00b');
  });

  it('keeps a 2-hour soak to one point per second per series and a modest file size', () => {
    const run = naiveRun({ seconds: 7200 });
    const charts = buildCharts(run);
    expect(charts.x).toHaveLength(7200);
    for (const c of charts.charts) for (const s of c.series) expect(s.values).toHaveLength(7200);
    const html = renderHtml(run);
    expect(html.length).toBeLessThan(4 * 1024 * 1024);
  });
});
