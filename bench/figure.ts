/**
 * One benchmark figure, printed as a line and, when the runner asks (BENCH_FIGURES names a file),
 * appended to that file as one JSON record so `npm run bench -- --json` and `--compare` can use it.
 * A figure from rounds carries each round's spread and the per-round ratios to its baseline; a
 * single-shot figure (memory, soak, explore) just a value.
 */
import { appendFileSync } from 'node:fs';
import { basename } from 'node:path';
import { disagree, ratios, spread, DISAGREE_FACTOR, type Spread } from './dist.js';

export interface Figure {
  name: string;
  /** The median over rounds (or the single measured value). */
  value: number;
  unit: string;
  /** The contestant's values over the rounds. */
  rounds?: Spread & { n: number };
  baseline?: { name: string; value: number; rounds?: Spread };
  /** Per-round value / baseline. */
  ratio?: Spread;
  /** e.g. ">= 0.85x baseline" or "< 4 ms". */
  goal?: string;
  met?: boolean;
  /** The rounds disagree by more than DISAGREE_FACTOR (ratios when there is a baseline). */
  disagree?: boolean;
  note?: string;
}

/** The JSON form written for --json: one per figure. */
export interface FigureRecord {
  bench: string;
  name: string;
  unit: string;
  median: number;
  min: number;
  max: number;
  rounds: number;
  ratio?: Spread;
  baseline?: { name: string; median: number; min: number; max: number };
  goal?: string;
  met?: boolean;
  disagree: boolean;
  note?: string;
}

export interface RoundFigureInput {
  name: string;
  unit: string;
  /** One value per round. */
  values: number[];
  /** The baseline's value in each of the same rounds. */
  baseline?: { name: string; values: number[] };
  goal?: string;
  /** Decides the goal from the figure's medians (value, and ratio when there is a baseline). */
  met?: (value: number, ratio: number) => boolean;
  note?: string;
}

/** A figure from rounds: medians, min–max, per-round ratios, the disagreement flag. */
export function roundFigure(i: RoundFigureInput): Figure {
  const v = spread(i.values);
  const f: Figure = { name: i.name, value: v.median, unit: i.unit, rounds: { ...v, n: i.values.length } };
  let judged = i.values;
  if (i.baseline) {
    const b = spread(i.baseline.values);
    const r = ratios(i.values, i.baseline.values);
    f.baseline = { name: i.baseline.name, value: b.median, rounds: b };
    f.ratio = spread(r);
    judged = r;
  }
  f.disagree = disagree(judged);
  if (i.goal) f.goal = i.goal;
  if (i.met) f.met = i.met(v.median, f.ratio?.median ?? NaN);
  if (i.note) f.note = i.note;
  return f;
}

const fmt = (n: number) => (!Number.isFinite(n) ? String(n) : Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 1 ? n.toFixed(2) : n.toFixed(3));
const range = (s: Spread) => `${fmt(s.min)}–${fmt(s.max)}`;

export function formatFigure(f: Figure): string {
  let line = `${f.name}: ${fmt(f.value)} ${f.unit}`;
  if (f.rounds && f.rounds.n > 1) line += ` (median of ${f.rounds.n} rounds, ${range(f.rounds)})`;
  if (f.baseline) {
    line += ` | baseline ${f.baseline.name}: ${fmt(f.baseline.value)} ${f.unit}`;
    if (f.baseline.rounds && f.rounds && f.rounds.n > 1) line += ` (${range(f.baseline.rounds)})`;
    line += f.ratio ? ` | ratio ${f.ratio.median.toFixed(2)}x (per round ${f.ratio.min.toFixed(2)}–${f.ratio.max.toFixed(2)})` : ` | ratio ${(f.value / f.baseline.value).toFixed(2)}x`;
  }
  if (f.goal) line += ` | goal ${f.goal}: ${f.met === undefined ? '?' : f.met ? 'met' : 'NOT met'}`;
  if (f.note) line += ` (${f.note})`;
  if (f.disagree) line += ` | ROUNDS DISAGREE (max/min > ${DISAGREE_FACTOR}x)`;
  return line;
}

export function toRecord(f: Figure, bench: string): FigureRecord {
  const r = f.rounds ?? { median: f.value, min: f.value, max: f.value, n: 1 };
  const rec: FigureRecord = { bench, name: f.name, unit: f.unit, median: r.median, min: r.min, max: r.max, rounds: r.n, disagree: f.disagree ?? false };
  if (f.ratio) rec.ratio = f.ratio;
  else if (f.baseline) rec.ratio = { median: f.value / f.baseline.value, min: f.value / f.baseline.value, max: f.value / f.baseline.value };
  if (f.baseline) {
    const b = f.baseline.rounds ?? { median: f.baseline.value, min: f.baseline.value, max: f.baseline.value };
    rec.baseline = { name: f.baseline.name, median: b.median, min: b.min, max: b.max };
  }
  if (f.goal) rec.goal = f.goal;
  if (f.met !== undefined) rec.met = f.met;
  if (f.note) rec.note = f.note;
  return rec;
}

export function printFigure(f: Figure): void {
  console.log(formatFigure(f));
  const out = process.env.BENCH_FIGURES;
  if (out) appendFileSync(out, JSON.stringify(toRecord(f, basename(process.argv[1] ?? '?').replace(/\.bench\.ts$/, ''))) + '\n');
}
