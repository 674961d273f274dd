/**
 * Known errors carry a stable code and the process exit code they map to. The CLI prints a
 * CrumpleError as one line; anything else is a bug and prints with its stack.
 * Exit codes: 0 all checks pass, 1 a check failed, 2 bad input or the harness could not run.
 */
export type ErrorCode =
  | 'BAD_INPUT' // a flag, a file, a body: the message names the field
  | 'SCENARIO_INVALID' // a scenario file failed validation (issues listed)
  | 'NOT_FOUND' // a named thing (stand-in, proxy, toxic, file) does not exist
  | 'HOST_NOT_ALLOWED' // traffic to a non-loopback host without --allow-host
  | 'PORT_IN_USE' // a bind failed
  | 'TARGET_FAILED' // the target could not start, died, or never became ready
  | 'NOT_HEALTHY' // steady-state hypothesis failed before faults
  | 'PROXY_FAILED' // the fault proxy (embedded or external) refused or failed
  | 'HARNESS_FAILED' // crumple itself could not do its job
  | 'INTERRUPTED'; // SIGINT/SIGTERM

export class CrumpleError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: 1 | 2;
  /** Extra lines shown under the message (e.g. every validation issue). */
  readonly details: readonly string[];

  constructor(code: ErrorCode, message: string, opts: { details?: readonly string[]; cause?: unknown; exitCode?: 1 | 2 } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'CrumpleError';
    this.code = code;
    this.exitCode = opts.exitCode ?? 2;
    this.details = opts.details ?? [];
  }
}

export const isCrumpleError = (e: unknown): e is CrumpleError => e instanceof CrumpleError;

export const badInput = (message: string, details?: readonly string[]): CrumpleError =>
  new CrumpleError('BAD_INPUT', message, details ? { details } : {});

/** A readable one-liner for any thrown value (never "[object Object]"). */
export function describeError(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as NodeJS.ErrnoException).code;
    return code && !e.message.includes(code) ? `${code}: ${e.message}` : e.message;
  }
  return typeof e === 'string' ? e : JSON.stringify(e);
}
