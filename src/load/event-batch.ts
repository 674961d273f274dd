/**
 * Plain response events as columns. A load sends tens of thousands of responses a second; as one
 * object each, cloning them to the main thread cost more than the request itself (measured ~7 µs
 * an event for structured clone, vs ~0.1 µs a row here). Rows are kept in typed arrays, sent with
 * their buffers transferred, and turned back into the same events on the other side.
 */
import type { EventSink } from '../timeline/events.js';
import { responseEventAt, type ResponseColumns } from '../timeline/recorder.js';

/** A sink that may also take plain responses as rows (the load worker's): `response` returns false for a row it cannot take (send the object). */
export type ColumnSink = EventSink & { response?(load: string, t: number, latencyMs: number, correctedMs: number, status: number, bytes: number): boolean };

export class ResponseBatch {
  private t: Float64Array;
  private latencyMs: Float64Array;
  private correctedMs: Float64Array;
  private status: Uint16Array;
  private bytes: Float64Array;
  n = 0;

  constructor(readonly load: string, readonly capacity = 1000) {
    this.t = new Float64Array(capacity);
    this.latencyMs = new Float64Array(capacity);
    this.correctedMs = new Float64Array(capacity);
    this.status = new Uint16Array(capacity);
    this.bytes = new Float64Array(capacity);
  }

  /** Adds a row; true when the batch is full (take it). correctedMs: NaN for none. */
  push(t: number, latencyMs: number, correctedMs: number, status: number, bytes: number): boolean {
    const i = this.n++;
    this.t[i] = t;
    this.latencyMs[i] = latencyMs;
    this.correctedMs[i] = correctedMs;
    this.status[i] = status;
    this.bytes[i] = bytes;
    return this.n >= this.capacity;
  }

  /** The rows so far (fresh arrays: these may be transferred), and an empty batch. */
  take(): ResponseColumns | undefined {
    const n = this.n;
    if (n === 0) return undefined;
    const out: ResponseColumns = { load: this.load, n, t: this.t, latencyMs: this.latencyMs, correctedMs: this.correctedMs, status: this.status, bytes: this.bytes };
    const c = this.capacity;
    this.t = new Float64Array(c);
    this.latencyMs = new Float64Array(c);
    this.correctedMs = new Float64Array(c);
    this.status = new Uint16Array(c);
    this.bytes = new Float64Array(c);
    this.n = 0;
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
