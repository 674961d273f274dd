/** One benchmark figure: a value, the baseline measured in the same run, their ratio, the goal. */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number };
  /** e.g. ">= 0.85x baseline" or "< 4 ms". */
  goal?: string;
  met?: boolean;
  note?: string;
}

export function printFigure(f: Figure): void {
  const fmt = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(2));
  let line = `${f.name}: ${fmt(f.value)} ${f.unit}`;
  if (f.baseline) line += ` | baseline ${f.baseline.name}: ${fmt(f.baseline.value)} ${f.unit} | ratio ${(f.value / f.baseline.value).toFixed(2)}x`;
  if (f.goal) line += ` | goal ${f.goal}: ${f.met === undefined ? '?' : f.met ? 'met' : 'NOT met'}`;
  if (f.note) line += ` (${f.note})`;
  console.log(line);
}
