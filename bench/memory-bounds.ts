/**
 * README's bounds on crumple's own memory ("Memory bounds, in one place"), checked by
 * bench/memory.bench.ts and bench/soak.bench.ts: a bench exits 1 when a run passes one.
 */
/** crumple's RSS during a run of any length. */
export const RSS_BOUND_MB = 256;
/** Growth of the heap crumple retains (after a full GC) over a soak once warmed up (bench/soak.bench.ts). */
export const HEAP_SLOPE_BOUND_MB_PER_H = 2;
/**
 * The same at a sustained 300 req/s once the raw-event budget is full (bench/memory.bench.ts): not yet
 * flat (measured 0.11-0.16 MB/min, from 0.37 before the per-second columns), so bounded, not zero.
 */
export const LOAD_HEAP_SLOPE_BOUND_MB_PER_MIN = 0.25;
