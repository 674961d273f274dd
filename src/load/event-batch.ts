/**
 * Plain response events as columns. A load sends tens of thousands of responses a second; as one
 * object each, cloning them to the main thread cost more than the request itself (measured ~7 µs
 * an event for structured clone, vs ~0.1 µs a row here). Rows are kept in typed arrays, sent with
 * their buffers transferred, and turned back into the same events on the other side.
 */
import type { EventSink } from '../timeline/events.js';
import { responseColumns, responseEventAt, type ResponseColumns } from '../timeline/response-columns.js';

/** A sink that may also take plain responses as rows (the load worker's): `response` returns false for a row it cannot take (send the object). */
export type ColumnSink = EventSink & { response?(load: string, t: number, latencyMs: number, correctedMs: number, status: number, bytes: number): boolean };

export class ResponseBatch {
  private c: ResponseColumns;

  constructor(readonly load: string, readonly capacity = 1000) {
    this.c = responseColumns(load, capacity);
  }

  get n(): number {
    return this.c.n;
  }

  /** Adds a row; true when the batch is full (take it). correctedMs: NaN for none. */
  push(t: number, latencyMs: number, correctedMs: number, status: number, bytes: number): boolean {
    const c = this.c;
    const i = c.n++;
    c.t[i] = t;
    c.latencyMs[i] = latencyMs;
    c.correctedMs[i] = correctedMs;
    c.status[i] = status;
    c.bytes[i] = bytes;
    return c.n >= this.capacity;
  }

  /** The rows so far (their arrays may be transferred), and an empty batch. */
  take(): ResponseColumns | undefined {
    if (this.c.n === 0) return undefined;
    const out = this.c;
    this.c = responseColumns(this.load, this.capacity);
    return out;
  }
}

/** The buffers to transfer with a batch. */
export const transferList = (b: ResponseColumns): ArrayBuffer[] => [b.t, b.latencyMs, b.correctedMs, b.status, b.bytes].map((a) => a.buffer as ArrayBuffer);

/** Hands a batch to a sink: whole to one that takes columns (the recorder's), else as events one by one. */
export function deliverColumns(b: ResponseColumns, sink: EventSink): void {
  const take = (sink as EventSink & { responses?: (b: ResponseColumns) => void }).responses;
  if (take) return take(b);
  for (let i = 0; i < b.n; i++) sink(responseEventAt(b, i));
}
