import type { Verdict } from '../checks/check.js';
import { isThresholdKey } from './failure-modes.js';
import type { RunResult } from './result.js';
import { clip, escapeMarkdown, formatValue, humanKey, printable } from './text.js';
import { counts, STATUS_LABEL, tallyText } from './view.js';

/**
 * Two runs side by side: did the fix work, did a release regress? Per check (matched by expect key):
 * pass/fail in A and B, the key measured numbers A → B, and a marker.
 */

export type Change = 'fixed' | 'regressed' | 'changed' | 'same' | 'new' | 'removed';

export interface CheckComparison {
  key: string;
  a?: Verdict;
  b?: Verdict;
  change: Change;
  numbers: { key: string; label: string; a: string; b: string; delta: string; threshold: boolean }[];
}

/** A measured number moving by more than this share counts as "changed". */
const CHANGED_SHARE = 0.2;

function delta(a: unknown, b: unknown): { text: string; moved: boolean } {
  if (typeof a !== 'number' || typeof b !== 'number') return { text: '', moved: a !== b };
  if (a === b) return { text: '', moved: false };
  if (a === 0) return { text: 'from 0', moved: true };
  const share = (b - a) / Math.abs(a);
  return { text: `${share > 0 ? '+' : '−'}${Math.abs(share * 100).toFixed(0)} %`, moved: Math.abs(share) > CHANGED_SHARE };
}

export function compareRuns(a: RunResult, b: RunResult): CheckComparison[] {
  const keys = [...new Set([...a.verdicts.map((v) => v.key), ...b.verdicts.map((v) => v.key)])];
  return keys.map((key) => {
    const va = a.verdicts.find((v) => v.key === key);
    const vb = b.verdicts.find((v) => v.key === key);
    const names = [...new Set([...Object.keys(va?.measured ?? {}), ...Object.keys(vb?.measured ?? {})])];
    let moved = false;
    const numbers = names.map((k) => {
      const x = va?.measured[k];
      const y = vb?.measured[k];
      const d = delta(x, y);
      if (va && vb && d.moved) moved = true;
      return { key: k, label: humanKey(k) || k, a: formatValue(x, k), b: formatValue(y, k), delta: d.text, threshold: isThresholdKey(k) };
    });
    let change: Change;
    if (!va) change = 'new';
    else if (!vb) change = 'removed';
    else if (va.status === 'fail' && vb.status === 'pass') change = 'fixed';
    else if (va.status === 'pass' && vb.status === 'fail') change = 'regressed';
    else change = moved || va.status !== vb.status || va.failureMode?.id !== vb.failureMode?.id ? 'changed' : 'same';
    const c: CheckComparison = { key, change, numbers };
    if (va) c.a = va;
    if (vb) c.b = vb;
    return c;
  });
}

const state = (v: Verdict | undefined) => (v ? (v.status === 'inconclusive' ? '?' : STATUS_LABEL[v.status]) : '—');

export function renderComparison(a: RunResult, b: RunResult, opts: { color: boolean; markdown?: boolean }): string {
  const rows = compareRuns(a, b);
  return opts.markdown ? comparisonMarkdown(a, b, rows) : comparisonText(a, b, rows, opts.color);
}

function runLine(r: RunResult): string {
  const c = counts(r);
  return `${r.scenario.name} · run ${r.runId} · ${r.startedAt} · ${tallyText(c)}`;
}

function comparisonText(a: RunResult, b: RunResult, rows: CheckComparison[], color: boolean): string {
  const paint = (code: number, s: string) => (color ? `\u001b[${code}m${s}\u001b[0m` : s);
  const mark = (s: string) => (s === 'pass' ? paint(32, s.padEnd(5)) : s === 'FAIL' ? paint(31, s.padEnd(5)) : s.padEnd(5));
  const changeColor: Record<Change, number> = { fixed: 32, regressed: 31, changed: 33, same: 2, new: 36, removed: 36 };
  const lines = [`${paint(1, 'crumple compare')}`, `  A: ${printable(runLine(a))}`, `  B: ${printable(runLine(b))}`];
  if (a.scenario.name !== b.scenario.name) lines.push(paint(33, '  note: the runs are of different scenarios; checks are matched by expect key'));
  lines.push('');
  const width = Math.min(28, Math.max(5, ...rows.map((r) => r.key.length)));
  lines.push(`  ${'CHECK'.padEnd(width)}  A      B      CHANGE`);
  for (const r of rows) {
    lines.push(`  ${printable(clip(r.key, width)).padEnd(width)}  ${mark(state(r.a))}  ${mark(state(r.b))}  ${paint(changeColor[r.change], r.change)}`);
    for (const n of r.numbers.slice(0, 6)) {
      const d = n.delta ? ` (${n.delta})` : '';
      lines.push(`  ${' '.repeat(width)}    ${printable(n.label)}${n.threshold && !n.label.includes('bound') ? ' [bound]' : ''}: ${printable(n.a)} → ${printable(n.b)}${d}`);
    }
  }
  const loads = [...new Set([...a.loads.map((l) => l.name), ...b.loads.map((l) => l.name)])];
  if (loads.length) {
    lines.push('', '  LOAD p99 / errors (A → B)');
    for (const name of loads) {
      const la = a.loads.find((l) => l.name === name);
      const lb = b.loads.find((l) => l.name === name);
      const err = (l: typeof la) => (l ? `${l.errors}/${l.requests}` : '—');
      lines.push(`  ${printable(name)}: p99 ${formatValue(la?.p99Ms, 'ms')} → ${formatValue(lb?.p99Ms, 'ms')}, errors ${err(la)} → ${err(lb)}`);
    }
  }
  const tally = (c: Change) => rows.filter((r) => r.change === c).length;
  lines.push('', `  ${tally('fixed')} fixed, ${tally('regressed')} regressed, ${tally('changed')} changed, ${tally('same')} same, ${tally('new')} new, ${tally('removed')} removed`);
  return `${lines.join('\n')}\n`;
}

function comparisonMarkdown(a: RunResult, b: RunResult, rows: CheckComparison[]): string {
  const md = escapeMarkdown;
  const icon = (v: Verdict | undefined) => (v ? { pass: '✅ pass', fail: '❌ fail', inconclusive: '⚠️ inconclusive' }[v.status] : '—');
  const out = ['## crumple compare', '', `- **A:** ${md(runLine(a))}`, `- **B:** ${md(runLine(b))}`, ''];
  out.push('| check | A | B | change | key numbers (A → B) |', '| --- | --- | --- | --- | --- |');
  for (const r of rows) {
    const nums = r.numbers
      .slice(0, 4)
      .map((n) => `${md(n.label)} ${md(n.a)} → ${md(n.b)}${n.delta ? ` (${n.delta})` : ''}`)
      .join('<br>');
    out.push(`| ${md(r.key)} | ${icon(r.a)} | ${icon(r.b)} | ${r.change} | ${nums} |`);
  }
  out.push('');
  return out.join('\n');
}
