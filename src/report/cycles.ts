import type { Verdict } from '../checks/check.js';

/**
 * A soak gives a verdict per check per cycle (report.json and junit.xml keep every one). For a table a
 * person reads, the passing cycles of a check fold into one row ("recovery ×11: passed in cycles 1-2,
 * 4-12 of 12; #1: ..."), and so do its inconclusive ones ("cannot judge in cycles ..."), each placed
 * where the first of them was; failing cycles keep their own rows. Checks with fewer than 3 cycles are
 * left as they are. Pure.
 */
export function foldCycles(verdicts: readonly Verdict[]): Verdict[] {
  const base = (v: Verdict) => (v.cycle === undefined ? undefined : v.key.replace(/ #\d+$/, ''));
  const groups = new Map<string, Verdict[]>();
  for (const v of verdicts) {
    const b = base(v);
    if (b !== undefined) groups.set(b, [...(groups.get(b) ?? []), v]);
  }
  const out: Verdict[] = [];
  const placed = new Set<string>();
  for (const v of verdicts) {
    const b = base(v);
    const g = b === undefined ? undefined : groups.get(b)!;
    if (b === undefined || !g || g.length < 3 || v.status === 'fail') {
      out.push(v);
      continue;
    }
    const slot = `${v.status} ${b}`;
    if (placed.has(slot)) continue;
    placed.add(slot);
    const same = g.filter((x) => x.status === v.status);
    const what = v.status === 'pass' ? 'passed in' : 'cannot judge in';
    out.push({ ...same[0]!, key: `${b} ×${same.length}`, summary: `${what} cycles ${ranges(same.map((x) => x.cycle!))} of ${g.length}; #${same[0]!.cycle}: ${same[0]!.summary}` });
  }
  return out;
}

/** [1, 2, 4, 5, 6] → "1-2, 4-6". */
function ranges(ns: number[]): string {
  const out: string[] = [];
  for (let i = 0; i < ns.length; i++) {
    let j = i;
    while (j + 1 < ns.length && ns[j + 1] === ns[j]! + 1) j++;
    out.push(j > i ? `${ns[i]}-${ns[j]}` : String(ns[i]));
    i = j;
  }
  return out.join(', ');
}
