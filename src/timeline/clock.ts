/**
 * One monotonic clock for the whole run, in milliseconds with sub-millisecond precision.
 * process.hrtime is CLOCK_MONOTONIC: the same across worker threads (and, on Linux, across
 * processes), unlike performance.now() whose origin differs per worker.
 */
export const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6;
