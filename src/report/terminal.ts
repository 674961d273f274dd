import { failureModes, failureStory, remedy } from './failure-modes.js';
import type { Reporter, RenderOptions } from './reporter.js';
import type { RunResult } from './result.js';
import { clip, printable } from './text.js';
import { missesLine } from '../contract/misses.js';
import { foldCycles } from './cycles.js';
import { counts, durationText, harnessLine, keyNumbers, loadFindings, outcomeLabel, STATUS_LABEL, tallyText } from './view.js';

const ANSI = { red: 31, green: 32, yellow: 33, cyan: 36, bold: 1, dim: 2 } as const;

function painter(color: boolean) {
  return (style: keyof typeof ANSI, s: string) => (color ? `\u001b[${ANSI[style]}m${s}\u001b[0m` : s);
}

/** The verdict table printed at the end of a run and by `crumple report`. */
export function renderTerminal(result: RunResult, opts: RenderOptions): string {
  const paint = painter(opts.color);
  // Everything from the run passes through printable(): evidence may carry ESC sequences.
  const p = (s: string) => printable(s);
  const c = counts(result);
  const lines: string[] = [];
  lines.push(`${paint('bold', 'crumple')} · ${p(result.scenario.name)} · run ${p(result.runId)}`);
  const target = result.target.command ? `${result.target.command} (${result.target.url})` : result.target.url;
  const harness = harnessLine(result);
  lines.push(
    paint('dim', `target ${p(clip(target, 100))} · started ${p(result.startedAt)} · ${durationText(result.durationMs)} · `) +
      (result.harness.lagged ? paint('yellow', harness) : paint('dim', harness)),
  );
  if (result.error) lines.push(paint('red', `error: ${p(result.error)}`));
  lines.push('');

  if (result.verdicts.length) {
    const width = Math.min(28, Math.max(5, ...result.verdicts.map((v) => v.key.length)));
    const markWidth = c.inconclusive ? STATUS_LABEL.inconclusive.length : 6;
    lines.push(`  ${'CHECK'.padEnd(width)}  ${'RESULT'.padEnd(markWidth)}  SUMMARY`);
    for (const v of foldCycles(result.verdicts)) {
      const word = STATUS_LABEL[v.status].padEnd(markWidth);
      const mark = v.status === 'pass' ? paint('green', word) : v.status === 'fail' ? paint('red', paint('bold', word)) : paint('yellow', word);
      // The check's summary normally carries its numbers; add the key figures when it does not.
      const kn = keyNumbers(v);
      const numbers = !/\d/.test(v.summary) && kn ? paint('dim', ` (${p(kn)})`) : '';
      lines.push(`  ${p(clip(v.key, width)).padEnd(width)}  ${mark}  ${p(v.summary)}${numbers}`);
      const indent = ' '.repeat(width + 4);
      // The summary of a "cannot judge" verdict already is its reason.
      if (v.status === 'inconclusive' && v.reason && !v.summary.includes(v.reason)) lines.push(`${indent}${paint('yellow', '?')} inconclusive: ${p(v.reason)}`);
      if (v.failureMode) {
        const mode = failureModes[v.failureMode.id];
        lines.push(`${indent}${paint('red', '↳')} ${paint('bold', p(mode?.name ?? v.failureMode.id))}: ${p(failureStory(v.failureMode))}`);
        const { patterns, aim } = remedy(v.failureMode, v.measured);
        if (patterns.length) lines.push(`${indent}  ${paint('cyan', `apply ${patterns.join(' + ')}`)}: ${p(aim)}`);
      }
      if (v.untrustworthy) lines.push(`${indent}${paint('yellow', `⚠ untrustworthy: ${p(v.untrustworthy)}`)}`);
    }
    lines.push('');
  } else {
    lines.push(paint('yellow', '  no verdicts (the run ended before checks could judge it)'), '');
  }

  // Requests the stand-ins' contracts did not cover: each was answered 404, not as the real dependency would.
  const missed = result.dependencies.filter((d) => d.contractMisses?.count);
  for (const d of missed) lines.push(paint('yellow', `  contract misses: ${p(missesLine(d.name, d.contractMisses!))}`));
  if (missed.length) lines.push('');
  // What ramps, dogpiles and storms found: capacity, limit, pulses, reconnect waves.
  for (const f of result.loads.map(loadFindings).filter((x) => x !== undefined)) {
    lines.push(`  ${paint('bold', p(f.load))} (${p(f.shape)}): ${p(f.headline)}`);
    const widths = f.columns.map((h, i) => Math.max(h.length, ...f.rows.map((r) => r[i]!.length)));
    const row = (cells: string[]) => `    ${cells.map((x, i) => p(x).padEnd(widths[i]!)).join('  ').trimEnd()}`;
    lines.push(paint('dim', row(f.columns)));
    for (const r of f.rows) lines.push(row(r));
    lines.push('');
  }

  const tally = tallyText(c);
  lines.push(`  ${c.failed ? paint('red', tally) : c.inconclusive ? paint('yellow', tally) : paint('green', tally)} — ${outcomeLabel(result)}`);
  lines.push(`  report: ${opts.htmlPath ?? `reports/${p(result.runId)}/report.html`}`);
  return `${lines.join('\n')}\n`;
}

export default {
  name: 'terminal',
  file: null,
  description: 'the verdict table with coloured pass/fail, failure modes and the path to report.html',
  render: renderTerminal,
} satisfies Reporter;
