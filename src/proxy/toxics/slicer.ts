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

/** Toxiproxy reads at most 32 KiB per chunk: a chunk no longer than average + variation is never split. */
const MAX_CHUNK = 32 * 1024;

/**
 * The settings that crash the real Toxiproxy 2.12 once data flows, and only those (everything else
 * it accepts, crumple accepts: e.g. {average_size: 1000, size_variation: 1000}). Its halving splits a
 * piece of len > average + variation at len/2 + a draw from [−variation, variation):
 * - average + variation < 1: a 1-byte piece is never final, so it recurses until the stack overflows;
 * - a split point before the piece's start (len/2 < variation for the shortest splittable piece,
 *   len = average + variation + 1): a negative slice bound, a panic.
 * crumple's own halving keeps every piece ≥ 1 byte whatever the values (see slicePieces).
 */
export function slicerCrash(a: A): string | undefined {
  const splittable = a.average_size + a.size_variation + 1;
  if (splittable < 2) return `attribute average_size + size_variation must be >= 1, got ${a.average_size} + ${a.size_variation} (Toxiproxy recurses until it crashes)`;
  if (splittable <= MAX_CHUNK && a.size_variation > 0 && Math.floor(splittable / 2) < a.size_variation) {
    return `attribute size_variation ${a.size_variation} can split a ${splittable}-byte chunk before its start with average_size ${a.average_size} (Toxiproxy panics); use size_variation <= ${a.average_size + 1}`;
  }
  return undefined;
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
  // Only what crashes the real Toxiproxy is refused (see slicerCrash).
  check: slicerCrash,
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
