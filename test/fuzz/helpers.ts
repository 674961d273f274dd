/**
 * What every fuzzed surface must do with hostile input: a definite answer in bounded time, said in
 * one line that names the culprit, never a stack trace.
 */
import { expect } from 'vitest';

/** A hang is a failure: each case gets this long (far above any honest answer, so no timing claim). */
export const CASE_BOUND_MS = 20_000;

/** Resolves with `p`, or rejects naming `what` when it takes longer than CASE_BOUND_MS. */
export async function bounded<T>(what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`hang: no answer within ${CASE_BOUND_MS} ms for ${what}`)), CASE_BOUND_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A stack frame ("    at f (file:1:2)") or crumple's own "internal error" marker. */
export const STACK = /\n\s+at [^\n]*(:\d+:\d+|native|<anonymous>)|internal error|Maximum call stack|RangeError|TypeError|ReferenceError/;

/** Output of a CLI case that failed on bad input: exit 2, no stack, a first line that says something. */
export function expectOneLineRefusal(r: { code: number; stdout: string; stderr: string }, what: string): void {
  expect(r.stderr + r.stdout, what).not.toMatch(STACK);
  expect([0, 1, 2], `${what}: exit ${r.code}\n${r.stderr}`).toContain(r.code);
  if (r.code === 2) {
    const first = r.stderr.split('\n').find((l) => l.trim() !== '') ?? '';
    expect(first.length, `${what}: exit 2 with nothing said`).toBeGreaterThan(0);
  }
  // Controls never reach the terminal raw (a NUL or an ESC from a file or flag is shown escaped).
  expect(r.stderr + r.stdout, what).not.toMatch(/[\u0000\u001b\u009b]/);
}
