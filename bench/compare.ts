/** `npm run bench -- --compare old.json new.json`: the figures of two runs side by side. */
import type { FigureRecord } from './figure.js';

/** What --json writes. */
export interface BenchRun {
  date: string;
  /** os.loadavg() when the run started and when it ended. */
  loadavg: { start: number[]; end: number[] };
  cpus: number;
  node: string;
  rounds: number;
  quick: boolean;
  benches: string[];
  figures: FigureRecord[];
}

const fmt = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? '—' : Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 1 ? n.toFixed(2) : n.toFixed(3));
const ratio = (r: FigureRecord['ratio']) => (r ? `${r.median.toFixed(2)}x` : '—');

/**
 * One row per figure (matched by bench and name): old and new medians with their min–max, the change
 * new / old, and each run's median ratio to its own baseline, which is what to trust on a noisy
 * machine: the absolute figures move with the machine's load, the ratios much less.
 */
export function compareTable(old: BenchRun, now: BenchRun): string {
  const key = (f: FigureRecord) => `${f.bench}\u0000${f.name}`;
  const before = new Map(old.figures.map((f) => [key(f), f]));
  const after = new Map(now.figures.map((f) => [key(f), f]));
  const keys = [...new Set([...before.keys(), ...after.keys()])];
  const head = ['bench', 'figure', 'unit', 'old', 'new', 'new/old', 'old ratio', 'new ratio', ''];
  const rows = keys.map((k) => {
    const a = before.get(k);
    const b = after.get(k);
    const f = (a ?? b)!;
    const cell = (x: FigureRecord | undefined) => (x ? `${fmt(x.median)} (${fmt(x.min)}–${fmt(x.max)})` : '—');
    const change = a && b ? `${(b.median / a.median).toFixed(2)}x` : '—';
    const flag = !a ? 'only in new' : !b ? 'only in old' : a.disagree || b.disagree ? 'ROUNDS DISAGREE' : '';
    return [f.bench, f.name, f.unit, cell(a), cell(b), change, ratio(a?.ratio), ratio(b?.ratio), flag];
  });
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(w[i]!)).join('  ').trimEnd();
  const load = (r: BenchRun) => `${r.date}, load ${r.loadavg.start.map((x) => x.toFixed(2)).join(' ')}, ${r.rounds} rounds${r.quick ? ' (quick)' : ''}`;
  return [`old: ${load(old)}`, `new: ${load(now)}`, '', line(head), ...rows.map(line)].join('\n');
}

/** Reads a --json file; a file that is not one gets a one-line error naming it. */
export function parseBenchRun(text: string, file: string): BenchRun {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not JSON (${(e as Error).message})`);
  }
  const r = v as Partial<BenchRun>;
  if (!r || typeof r !== 'object' || !Array.isArray(r.figures)) throw new Error(`${file}: figures: missing (not a file written by npm run bench -- --json)`);
  for (const [i, f] of r.figures.entries()) {
    if (typeof f?.name !== 'string' || (typeof f?.median !== 'number' && f?.median !== null)) throw new Error(`${file}: figures[${i}]: needs a name and a median (a number, or null for NaN)`);
  }
  return { date: '?', loadavg: { start: [], end: [] }, cpus: 0, node: '?', rounds: 0, quick: false, benches: [], ...r } as BenchRun;
}
