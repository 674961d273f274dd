import { describe, expect, it } from 'vitest';
import { foldCycles } from '../../src/report/cycles.js';
import type { Verdict } from '../../src/checks/check.js';

const v = (key: string, ok: boolean | 'inconclusive', cycle?: number): Verdict => ({
  check: key.split(/[ .]/)[0]!,
  key,
  status: ok === 'inconclusive' ? 'inconclusive' : ok ? 'pass' : 'fail',
  ok: ok === true,
  summary: `${key} ${ok === 'inconclusive' ? 'unjudged' : ok ? 'fine' : 'broken'}`,
  measured: {},
  evidence: [],
  ...(cycle !== undefined ? { cycle } : {}),
});

describe('foldCycles: a soak\u2019s passing cycles fold into one row per check', () => {
  it('keeps failing cycles and whole-run verdicts, folds the passing ones where the first was', () => {
    const vs = [...[1, 2, 3, 4, 5].map((c) => v(`recovery #${c}`, c !== 3, c)), v('drift', true), v('timeout #1', true, 1), v('timeout #2', true, 2)];
    expect(foldCycles(vs).map((x) => [x.key, x.ok])).toEqual([
      ['recovery ×4', true],
      ['recovery #3', false],
      ['drift', true],
      ['timeout #1', true],
      ['timeout #2', true],
    ]);
    expect(foldCycles(vs)[0]!.summary).toBe('passed in cycles 1-2, 4-5 of 5; #1: recovery #1 fine');
  });

  it('folds the inconclusive cycles of a long soak (past the raw-event cap) into one row of their own', () => {
    const vs = [1, 2, 3, 4, 5, 6].map((c) => v(`recovery #${c}`, c <= 2 ? true : 'inconclusive', c));
    const rows = foldCycles(vs);
    expect(rows.map((x) => [x.key, x.status])).toEqual([
      ['recovery ×2', 'pass'],
      ['recovery ×4', 'inconclusive'],
    ]);
    expect(rows[1]!.summary).toBe('cannot judge in cycles 3-6 of 6; #3: recovery #3 unjudged');
  });
});
