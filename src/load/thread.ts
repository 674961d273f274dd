import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { CrumpleError } from '../errors.js';
import type { EventSink, TimelineEvent } from '../timeline/events.js';
import type { LoadSummary } from './shape.js';
import type { ResponseColumns } from '../timeline/response-columns.js';
import { deliverColumns } from './event-batch.js';

export interface WorkerInput {
  name: string;
  shape: string;
  /** The entry after its schema: plain data (numbers, strings), safe to clone. */
  spec: unknown;
  baseUrl: string;
  runMs: number | undefined;
}

export type WorkerMessage =
  | { type: 'started' }
  | { type: 'events'; events: TimelineEvent[]; responses?: ResponseColumns }
  | { type: 'done'; summary: LoadSummary }
  | { type: 'error'; message: string };

/** tsx's ESM register API (the `import` condition: the CJS build of it cannot load the ESM hooks). */
function tsxApiUrl(from: string): string {
  const require = createRequire(from);
  const pkgPath = require.resolve('tsx/package.json');
  const pkg = require(pkgPath) as { exports: Record<string, { import?: { default?: string } }> };
  const rel = pkg.exports['./esm/api']?.import?.default ?? './dist/esm/api/index.mjs';
  return new URL(rel, pathToFileURL(pkgPath)).href;
}

/**
 * Starts the worker. From compiled JavaScript it loads worker.js directly; from TypeScript sources
 * (tests, benches, tsx) a one-line trampoline registers tsx inside the worker first, because Node 20
 * workers do not inherit `--import tsx` loader hooks.
 */
function spawn(data: WorkerInput): Worker {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return new Worker(new URL('./worker.js', self), { workerData: data });
  const tsx = tsxApiUrl(self);
  const file = new URL('./worker.ts', self).href;
  const code = `import(${JSON.stringify(tsx)}).then((a) => { a.register(); return import(${JSON.stringify(file)}); });`;
  return new Worker(code, { eval: true, workerData: data });
}

/**
 * Runs one load in its own worker thread, forwarding its events to `sink`. `started` resolves when the
 * thread is loaded and about to send (or when the load ends first); `done` with the summary.
 */
export function runInWorker(data: WorkerInput, sink: EventSink, signal: AbortSignal): { started: Promise<void>; done: Promise<LoadSummary> } {
  let markStarted: () => void = () => {};
  const started = new Promise<void>((r) => (markStarted = r));
  const done = new Promise<LoadSummary>((resolve, reject) => {
    const w = spawn(data);
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      markStarted();
      signal.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      void w.terminate();
      fn();
    };
    const onAbort = () => {
      w.postMessage({ type: 'stop' });
      // A shape stops promptly on abort (a worker still loading gets the message once it runs); past 10 s the thread is ended anyway.
      killTimer = setTimeout(() => settle(() => reject(new CrumpleError('INTERRUPTED', `load ${data.name}: stopped`))), 10_000);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort();
    w.on('message', (m: WorkerMessage) => {
      if (m.type === 'events') {
        for (const e of m.events) sink(e);
        if (m.responses) deliverColumns(m.responses, sink);
      }
      else if (m.type === 'started') markStarted();
      else if (m.type === 'done') settle(() => resolve(m.summary));
      else settle(() => reject(new CrumpleError('HARNESS_FAILED', `load ${data.name}: ${m.message}`)));
    });
    w.on('error', (e) => settle(() => reject(new CrumpleError('HARNESS_FAILED', `load ${data.name}: worker failed: ${e.message}`, { cause: e }))));
    w.on('exit', (code) => settle(() => reject(new CrumpleError('HARNESS_FAILED', `load ${data.name}: worker exited (${code}) before finishing`))));
  });
  return { started, done };
}
