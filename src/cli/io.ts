import { printable } from '../report/text.js';

/** Where a command writes. Tests pass buffers; main.ts passes the process streams. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** True when stdout is a terminal (progress bars and colour only then). */
  isTTY: boolean;
  /** Aborted on SIGINT/SIGTERM: long commands stop, roll back and return. */
  signal: AbortSignal;
}

export function processIo(signal: AbortSignal): Io {
  return {
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
    isTTY: Boolean(process.stdout.isTTY),
    signal,
  };
}

/** An Io that keeps what was written, for tests. */
export function bufferIo(signal: AbortSignal = new AbortController().signal): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => void stdout.push(t), err: (t) => void stderr.push(t), isTTY: false, signal };
}

/**
 * Text from outside (a target's output, a dependency's bytes, a file's contents in an error) made
 * safe for a terminal, as the reports make it: controls (NUL, ESC sequences such as ESC[2J, CR that
 * would overwrite a line) become visible escapes. Newlines and tabs stay.
 */
export function visible(text: string): string {
  return printable(text).replace(/\r/g, '\\r');
}
