import type { Toxic } from '../toxic.js';
import { log, oneOf } from '../../faults/kind.js';

type A = { average_size: number; size_variation: number; delay: number };

/**
 * Piece lengths by Toxiproxy's recursive halving: a piece is final once
 * (length − average) ≤ variation, else it is split at its midpoint ± a uniform integer in
 * [−variation, +variation). So with variation 0 pieces fall between average/2 and average.
 */
export function slicePieces(length: number, average: number, variation: number, random: () => number): number[] {
  const out: number[] = [];
  const stack: number[] = [length]; // right-to-left so pieces pop in order
  while (stack.length > 0) {
    const len = stack.pop()!;
    if (len - average <= variation || len <= 1) {
      if (len > 0) out.push(len);
      continue;
    }
    let mid = Math.floor(len / 2);
    if (variation > 0) mid += Math.floor(random() * 2 * variation) - variation;
    mid = Math.min(len - 1, Math.max(1, mid)); // never an empty or out-of-range piece
    stack.push(len - mid, mid);
  }
  return out;
}

export default {
  name: 'slicer',
  description:
    'Splits each chunk into smaller pieces (about average_size ± size_variation bytes, by halving) sent `delay` ' +
    'microseconds apart; the bytes are unchanged.',
  attributes: { average_size: 0, size_variation: 0, delay: 0 },
  units: { average_size: 'bytes', size_variation: 'bytes', delay: 'µs' },
  kind: 'bad-input',
  goStruct: 'SlicerToxic',
  explore: { average_size: log(1, 4096, 'bytes'), size_variation: oneOf(0), delay: log(1, 100_000, 'µs') },
  // These recurse forever or pick bad split points in the real Toxiproxy (it crashes); refuse them.
  check: (a) =>
    a.average_size <= 0
      ? 'attribute average_size must be > 0 (0 or less crashes Toxiproxy)'
      : a.size_variation < 0 || a.size_variation >= a.average_size
        ? 'attribute size_variation must be >= 0 and smaller than average_size (else Toxiproxy can crash)'
        : undefined,
  async pipe(run) {
    const { average_size, size_variation, delay } = run.attrs;
    for (;;) {
      const c = await run.read();
      if (c === undefined) return;
      if (c === null) return run.end();
      let offset = 0;
      for (const len of slicePieces(c.data.length, average_size, size_variation, run.random)) {
        await run.write({ data: c.data.subarray(offset, offset + len), t: c.t });
        offset += len;
        if (delay > 0 && !(await run.sleep(delay / 1000))) break;
      }
      if (offset < c.data.length) await run.write({ data: c.data.subarray(offset), t: c.t });
      if (run.interrupted) return;
    }
  },
} satisfies Toxic<A>;
