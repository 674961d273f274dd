import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../src/report/markdown.js';
import { garbageRun, naiveRun, resilientRun } from '../helpers/run-result.js';

/** Reads back the Markdown pieces CI summaries rely on: tables (cells split on unescaped pipes) and sections. */
function tableAfter(md: string, heading: string): string[][] {
  const lines = md.split('\n');
  const start = lines.indexOf(heading);
  if (start < 0) throw new Error(`no heading ${heading}`);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(line.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim()));
  }
  const [header, sep, ...body] = rows;
  if (!header || !sep || !sep.every((c) => /^-+:?$/.test(c))) throw new Error('not a table');
  for (const r of body) if (r.length !== header.length) throw new Error(`row has ${r.length} cells, header ${header.length}: ${r.join(' | ')}`);
  return [header, ...body];
}

function section(md: string, heading: string): string {
  const start = md.indexOf(`${heading}\n`);
  if (start < 0) throw new Error(`no section ${heading}`);
  const rest = md.slice(start + heading.length + 1);
  const next = rest.search(/^#{2,4} /m);
  return next < 0 ? rest : rest.slice(0, next);
}

describe('report.md', () => {
  it('titles a naive run with its failure count and lists every verdict in a table', () => {
    const md = renderMarkdown(naiveRun());
    expect(md.split('\n')[0]).toBe('## crumple: checkout survives a hanging inventory service (naive target) — ❌ 4 of 5 checks failed');
    const table = tableAfter(md, '### Verdicts');
    expect(table[0]).toEqual(['check', 'result', 'summary']);
    expect(table.slice(1).map((r) => [r[0], r[1]])).toEqual([
      ['steady-state', '✅ pass'],
      ['timeout', '❌ fail'],
      ['breaker', '❌ fail'],
      ['shedding', '❌ fail'],
      ['survives', '❌ fail'],
    ]);
  });

  it('tells each failure mode as trigger → spread → result with the run\u2019s numbers and the pattern to apply', () => {
    const md = renderMarkdown(naiveRun());
    const timeout = section(md, '#### ❌ timeout — Integration point without timeout');
    expect(timeout).toContain('- **Trigger:** inventory hung at 10.0 s');
    expect(timeout).toContain('- **Spread:** the target kept 1504 connections open');
    expect(timeout).toContain('- **Result:** checkout p99 rose from 14 ms to 30.0 s');
    expect(timeout).toMatch(/- \*\*Apply:\*\* Timeouts \+ Fail Fast — .*within 1\.00 s \(this run: waited 15\.0 s\)/);
    expect(section(md, '#### ❌ breaker — Cascading failure')).toContain('Circuit Breaker');
    expect(section(md, '#### ❌ shedding — Unbalanced capacities')).toContain('Shed Load');
    expect(section(md, '#### ❌ survives — Crash on bad input')).toContain('JSON.parse threw');
    const measured = tableAfter(timeout.slice(timeout.indexOf('| measured')).replace(/^/, 'X\n\n'), 'X');
    expect(measured).toContainEqual(['open connections', '1504']);
    expect(measured).toContainEqual(['bound', '1.00 s']);
  });

  it('shows a resilient run as all passing with its measured numbers', () => {
    const md = renderMarkdown(resilientRun());
    expect(md.split('\n')[0]).toContain('✅ all 5 checks passed');
    expect(md).not.toContain('### Failure modes');
    expect(section(md, '### Passed')).toContain('- ✅ **timeout** — gave up on inventory after 1003 ms (p50), bound 1 s');
    const loads = tableAfter(md, '### Loads');
    expect(loads[1]).toEqual(['checkout', 'steady', '4500', '1980', '0', '3.0 ms', '1.00 s', '100']);
  });

  it('keeps garbage from a dependency inert: no raw HTML, no control bytes, table cells intact', () => {
    const md = renderMarkdown(garbageRun());
    expect(md).not.toMatch(/<script|<\/style/i);
    expect(md).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/);
    expect(md).toContain('&lt;script&gt;');
    // Pipes and newlines from the garbage would break the table; tableAfter throws if they did.
    expect(tableAfter(md, '### Verdicts')).toHaveLength(6);
    expect(tableAfter(md, '### Phases')).toHaveLength(5);
  });
});
