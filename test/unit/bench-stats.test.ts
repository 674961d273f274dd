import { describe, expect, it } from 'vitest';
import { disagree, median, percentile, ratios, spread } from '../../bench/dist.js';
import { rotation, rounds } from '../../bench/rounds.js';
import { formatFigure, roundFigure, toRecord } from '../../bench/figure.js';
import { compareTable, parseBenchRun, type BenchRun } from '../../bench/compare.js';
import { BenchArgError, parseBenchArgs, selected } from '../../bench/args.js';

describe('bench statistics', () => {
  it('median of odd and even counts, NaN for none; input not reordered', () => {
    const xs = [5, 1, 3];
    expect(median(xs)).toBe(3);
    expect(xs).toEqual([5, 1, 3]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('percentile by nearest rank below; spread is median, min and max', () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(xs, 50)).toBe(51);
    expect(percentile(xs, 99)).toBe(100);
    expect(spread([3, 9, 1, 4])).toEqual({ median: 3.5, min: 1, max: 9 });
  });

  it('ratios are taken round by round and refuse unequal lengths', () => {
    expect(ratios([10, 30], [5, 10])).toEqual([2, 3]);
    expect(() => ratios([1, 2], [1])).toThrow(/2 values against 1/);
  });

  it('rounds disagree when max / min exceeds 2; values at or below zero are never flagged', () => {
    expect(disagree([1, 1.9, 2])).toBe(false);
    expect(disagree([1, 2.01])).toBe(true);
    expect(disagree([-0.1, 0.5, 3])).toBe(false);
    expect(disagree([0, 5])).toBe(false);
    expect(disagree([7])).toBe(false);
  });
});

describe('bench rounds', () => {
  it('rotate the order so that round i starts with contestant i', () => {
    expect(rotation(['a', 'b', 'c'], 0)).toEqual(['a', 'b', 'c']);
    expect(rotation(['a', 'b', 'c'], 1)).toEqual(['b', 'c', 'a']);
    expect(rotation(['a', 'b', 'c'], 3)).toEqual(['a', 'b', 'c']);
  });

  it('run every contestant once a round, in the rotated order, and keep each value in its round', async () => {
    const order: string[] = [];
    let n = 0;
    const c = (k: string) => async () => (order.push(k), ++n);
    const r = await rounds(3, { a: c('a'), b: c('b') });
    expect(order).toEqual(['a', 'b', 'b', 'a', 'a', 'b']);
    expect(r).toEqual({ a: [1, 4, 5], b: [2, 3, 6] });
  });
});

describe('bench figures', () => {
  const f = roundFigure({ name: 'x', unit: 'req/s', values: [90, 80, 100, 85, 95], baseline: { name: 'bare', values: [100, 100, 100, 100, 100] }, goal: '>= 0.85x', met: (_v, r) => r >= 0.85 });

  it('carry medians, min–max, per-round ratios and the goal decided on the median ratio', () => {
    expect(f.value).toBe(90);
    expect(f.rounds).toEqual({ median: 90, min: 80, max: 100, n: 5 });
    expect(f.ratio).toEqual({ median: 0.9, min: 0.8, max: 1 });
    expect(f.met).toBe(true);
    expect(f.disagree).toBe(false);
    const line = formatFigure(f);
    expect(line).toContain('90.00 req/s (median of 5 rounds, 80.00–100)');
    expect(line).toContain('ratio 0.90x (per round 0.80–1.00)');
    expect(line).toContain('goal >= 0.85x: met');
    expect(line).not.toContain('ROUNDS DISAGREE');
  });

  it('print ROUNDS DISAGREE when the per-round ratios differ by more than 2x, even if the values agree', () => {
    const g = roundFigure({ name: 'y', unit: 'ms', values: [10, 10, 10], baseline: { name: 'b', values: [2, 5, 5] } });
    expect(g.disagree).toBe(true);
    expect(formatFigure(g)).toMatch(/ROUNDS DISAGREE \(max\/min > 2x\)$/);
    const alone = roundFigure({ name: 'z', unit: 'ms', values: [1, 3] });
    expect(alone.disagree).toBe(true);
  });

  it('become a JSON record with bench, rounds, ratio, baseline and goal; a single value gets rounds 1', () => {
    expect(toRecord(f, 'standin')).toEqual({ bench: 'standin', name: 'x', unit: 'req/s', median: 90, min: 80, max: 100, rounds: 5, ratio: { median: 0.9, min: 0.8, max: 1 }, baseline: { name: 'bare', median: 100, min: 100, max: 100 }, goal: '>= 0.85x', met: true, disagree: false });
    expect(toRecord({ name: 'peak', value: 200, unit: 'MB', baseline: { name: 'start', value: 100 } }, 'memory')).toMatchObject({ median: 200, min: 200, max: 200, rounds: 1, ratio: { median: 2 }, baseline: { name: 'start', median: 100 } });
  });
});

describe('bench --compare table', () => {
  const run = (figures: BenchRun['figures']): BenchRun => ({ date: '2026-12-03T17:00:00.000Z', loadavg: { start: [1.5, 1, 1], end: [2, 1, 1] }, cpus: 2, node: 'v20', rounds: 5, quick: false, benches: ['proxy'], figures });
  const rec = (name: string, median: number, ratio?: number, dis = false) => ({ bench: 'proxy', name, unit: 'MB/s', median, min: median - 1, max: median + 1, rounds: 5, disagree: dis, ...(ratio ? { ratio: { median: ratio, min: ratio, max: ratio } } : {}) });

  it('matches figures by name and prints old, new, change and both ratios; marks one-sided and disagreeing ones', () => {
    const t = compareTable(run([rec('bulk', 100, 0.9), rec('gone', 5)]), run([rec('bulk', 150, 1.1, true), rec('added', 7)]));
    const lines = t.split('\n');
    expect(lines[0]).toBe('old: 2026-12-03T17:00:00.000Z, load 1.50 1.00 1.00, 5 rounds');
    const bulk = lines.find((l) => l.includes('bulk'))!;
    expect(bulk).toMatch(/100 \(99\.00–101\)\s+150 \(149–151\)\s+1\.50x\s+0\.90x\s+1\.10x\s+ROUNDS DISAGREE/);
    expect(lines.find((l) => l.includes('gone'))).toMatch(/—\s+—\s+—\s+—\s+only in old$/);
    expect(lines.find((l) => l.includes('added'))).toMatch(/only in new$/);
  });

  it('refuses a file that is not a bench run with one line naming it', () => {
    expect(() => parseBenchRun('{', 'a.json')).toThrow(/^a\.json: not JSON/);
    expect(() => parseBenchRun('{"x":1}', 'b.json')).toThrow('b.json: figures: missing');
    expect(() => parseBenchRun('{"figures":[{"name":"x"}]}', 'c.json')).toThrow('c.json: figures[0]: needs a name and a median');
    expect(parseBenchRun(JSON.stringify(run([{ ...rec('nan', 0), median: null as unknown as number }])), 'd.json').figures).toHaveLength(1);
  });
});

describe('bench flags', () => {
  const known = ['explore', 'load', 'memory', 'proxy', 'soak', 'standin', 'startup'];
  const bad = (argv: string[]) => {
    try {
      parseBenchArgs(argv, known);
    } catch (e) {
      expect(e).toBeInstanceOf(BenchArgError);
      expect((e as Error).message).not.toContain('\n');
      return (e as Error).message;
    }
    throw new Error(`accepted ${argv.join(' ')}`);
  };

  it('parse names, --rounds, --quick, --json and --all', () => {
    expect(parseBenchArgs(['proxy', 'standin', '--rounds', '7', '--quick', '--json', 'a.json'], known)).toEqual({ names: ['proxy', 'standin'], rounds: 7, quick: true, json: 'a.json', all: false });
    expect(parseBenchArgs(['--compare', 'a.json', 'b.json'], known).compare).toEqual(['a.json', 'b.json']);
    expect(parseBenchArgs(['stand'], known).names).toEqual(['standin']);
  });

  it('run all but the long benchmarks by default; those when named or with --all', () => {
    expect(selected(parseBenchArgs([], known), known)).toEqual(['load', 'proxy', 'standin', 'startup']);
    expect(selected(parseBenchArgs(['--all'], known), known)).toEqual(known);
    expect(selected(parseBenchArgs(['soak', 'load'], known), known)).toEqual(['load', 'soak']);
  });

  it('refuse bad flags with one line naming the flag', () => {
    expect(bad(['--rounds'])).toBe('--rounds: needs a value');
    expect(bad(['--rounds', '0'])).toMatch(/^--rounds: '0' is not a whole number/);
    expect(bad(['--rounds', '2.5'])).toMatch(/^--rounds: '2.5'/);
    expect(bad(['--json', '--quick'])).toBe('--json: needs a value');
    expect(bad(['--compare', 'a.json'])).toMatch(/^--compare: needs two files/);
    expect(bad(['--compare', 'a.json', 'b.json', 'proxy'])).toMatch(/^--compare: takes two files and no other arguments/);
    expect(bad(['--fast'])).toMatch(/^unknown flag '--fast'/);
    expect(bad(['nope'])).toMatch(/^unknown benchmark 'nope' \(known: explore, load/);
    expect(bad(['s'])).toMatch(/^benchmark 's' is ambiguous: /);
    expect(bad(['--all', 'proxy'])).toMatch(/^--all: /);
  });
});
