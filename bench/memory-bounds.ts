/**
 * README's bounds on crumple's own memory ("Memory bounds, in one place"), checked by
 * bench/memory.bench.ts and bench/soak.bench.ts: a bench exits 1 when a run passes one.
 */
/** crumple's RSS during a run of any length. */
export const RSS_BOUND_MB = 256;
/** Growth of the heap crumple retains (after a full GC) once warmed up, at sustained load or over a soak. */
export const HEAP_SLOPE_BOUND_MB_PER_H = 2;
