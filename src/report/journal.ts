import type { RunResult } from './result.js';
import { formatClock } from './text.js';

/**
 * A game day's journal as every format shows it (report.md, report.html, junit.xml): one row per
 * entry — run time, wall-clock time, who, what, and after a clearance how long recovery took.
 */
export const JOURNAL_COLUMNS = ['at', 'when', 'who', 'what', 'recovery'] as const;

export function journalRows(r: RunResult): string[][] {
  return (r.journal ?? []).map((j) => [formatClock(j.atMs), j.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z'), j.by, `${j.action}: ${j.text}`, j.recovery ?? '']);
}
