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
