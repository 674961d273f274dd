/**
 * The load worker: runs one load shape off the main thread, so the stand-ins and the proxy in the
 * main process are not starved. Events cross to the main thread in batches (every 50 ms or 1,000
 * events); their timestamps come from monotonicMs(), the same clock in every thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadShapes } from './index.js';
import type { TimelineEvent } from '../timeline/events.js';
import type { WorkerInput, WorkerMessage } from './thread.js';
import { describeError } from '../errors.js';
import { ResponseBatch, transferList, type ColumnSink } from './event-batch.js';

const input = workerData as WorkerInput;
const port = parentPort!;
const post = (m: WorkerMessage) => port.postMessage(m);
const ac = new AbortController();
port.on('message', (m: { type?: string }) => {
  if (m?.type === 'stop') ac.abort();
});

let batch: TimelineEvent[] = [];
// Plain responses travel as columns (see event-batch.ts); every other event as an object.
const rows = new ResponseBatch(input.name);
const flush = () => {
  const responses = rows.take();
  if (batch.length === 0 && !responses) return;
  if (responses) port.postMessage({ type: 'events', events: batch, responses } satisfies WorkerMessage, transferList(responses));
  else post({ type: 'events', events: batch });
  batch = [];
};
const timer = setInterval(flush, 50);
const sink: ColumnSink = Object.assign(
  (e: TimelineEvent) => {
    batch.push(e);
    if (batch.length >= 1000) flush();
  },
  {
    response: (load: string, t: number, latencyMs: number, correctedMs: number, status: number, bytes: number) => {
      if (load !== rows.load) return false;
      if (rows.push(t, latencyMs, correctedMs, status, bytes)) flush();
      return true;
    },
  },
);

try {
  const shape = loadShapes[input.shape]!;
  // Loading this thread's modules takes a while (seconds from TypeScript sources): the run waits for this.
  post({ type: 'started' });
  const summary = await shape.run({
    name: input.name,
    spec: input.spec,
    baseUrl: new URL(input.baseUrl),
    runMs: input.runMs,
    signal: ac.signal,
    sink,
  });
  flush();
  post({ type: 'done', summary });
} catch (e) {
  flush();
  post({ type: 'error', message: describeError(e) });
} finally {
  clearInterval(timer);
}
