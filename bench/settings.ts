/**
 * What the runner (bench/index.ts) passes each bench process: the number of rounds and whether this
 * is a --quick smoke run. A bench started by hand (node --import tsx bench/x.bench.ts) gets the
 * defaults.
 */
export const DEFAULT_ROUNDS = 5;
export const QUICK_ROUNDS = 2;

export const QUICK = process.env.BENCH_QUICK === '1';
export const ROUNDS = Number(process.env.BENCH_ROUNDS) > 0 ? Number(process.env.BENCH_ROUNDS) : QUICK ? QUICK_ROUNDS : DEFAULT_ROUNDS;

/** A duration or count for a normal run, or its shorter --quick form. */
export const pick = <T>(normal: T, quick: T): T => (QUICK ? quick : normal);
