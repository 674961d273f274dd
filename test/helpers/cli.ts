import { main } from '../../src/cli/main.js';
import { bufferIo } from '../../src/cli/io.js';

/** Runs the CLI in-process like a user would type it; returns exit code and output. */
export async function cli(args: string[], signal?: AbortSignal): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = bufferIo(signal);
  const code = await main(args, io);
  return { code, stdout: io.stdout.join(''), stderr: io.stderr.join('') };
}
