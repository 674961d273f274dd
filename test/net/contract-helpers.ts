import { spawn } from 'node:child_process';
import { main } from '../../src/cli/main.js';
import { bufferIo } from '../../src/cli/io.js';
import { onCleanup } from '../helpers/listen.js';

/** The example dependency (scenarios/targets/inventory-service.js) on a free port, killed after the test. */
export async function inventoryService(env: Record<string, string> = {}): Promise<{ url: string; pid: number }> {
  const child = spawn(process.execPath, ['scenarios/targets/inventory-service.js'], {
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  onCleanup(() => void child.kill('SIGKILL'));
  const url = await new Promise<string>((resolve, reject) => {
    let seen = '';
    child.stdout!.on('data', (c: Buffer) => {
      seen += c.toString();
      const m = /listening on (http:\/\/\S+)/.exec(seen);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`inventory-service exited (${code}) before listening`)));
  });
  return { url, pid: child.pid! };
}

/**
 * `crumple contract record ...` in-process, as a user would run it in a terminal: resolves once it
 * prints where it listens; `stop()` is the user's Ctrl-C; `done` is the exit code and output.
 */
export async function startRecordCli(args: string[]): Promise<{
  url: string;
  stop(): void;
  done: Promise<{ code: number; stdout: string; stderr: string }>;
}> {
  const ac = new AbortController();
  const io = bufferIo(ac.signal);
  const done = main(['contract', 'record', ...args], io).then((code) => ({ code, stdout: io.stdout.join(''), stderr: io.stderr.join('') }));
  onCleanup(async () => {
    ac.abort();
    await done;
  });
  const url = await new Promise<string>((resolve, reject) => {
    const tick = setInterval(() => {
      const m = /recording on (http:\/\/\S+)/.exec(io.stdout.join(''));
      if (m) {
        clearInterval(tick);
        resolve(m[1]!);
      }
    }, 20);
    void done.then((r) => {
      clearInterval(tick);
      reject(new Error(`record ended before listening: ${r.code} ${r.stderr}`));
    });
  });
  return { url, stop: () => ac.abort(), done };
}
