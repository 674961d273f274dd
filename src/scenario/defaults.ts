/**
 * Bounds and defaults for scenario files. Every run and every load is finite: a scenario cannot ask
 * for more than these, whatever its numbers say.
 */
/** The sum of a scenario's phases. */
export const MAX_RUN_MS = 2 * 3_600_000;
export const MAX_PHASES = 100;
export const MAX_DEPENDENCIES = 50;
export const MAX_LOADS = 20;
export const MAX_FAULTS_PER_PHASE = 20;
export const MAX_EXPECTATIONS = 100;
/** crumple's load client gives up on a request after this (the `timeout` check tells its give-ups apart). */
export const DEFAULT_CLIENT_TIMEOUT_MS = 10_000;
export const MAX_CLIENT_TIMEOUT_MS = 120_000;
/** Waiting for a started target to answer its readiness probe. */
export const DEFAULT_READY_WITHIN_MS = 10_000;
export const MAX_READY_WITHIN_MS = 300_000;
/** Grace between SIGTERM and SIGKILL for the target's process group. */
export const DEFAULT_STOP_GRACE_MS = 5_000;
/** Names usable in ${deps.<name>.url} and in expectations. */
export const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
