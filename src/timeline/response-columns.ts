import type { ResponseEvent } from './events.js';

/**
 * Plain response events (status, no other optional field but correctedMs) of one load, as columns:
 * a load worker sends them so (typed arrays, transferred) instead of one cloned object each.
 * Row i is the event responseEventAt(b, i); correctedMs is NaN where the event has none.
 */
export interface ResponseColumns {
  load: string;
  n: number;
  t: Float64Array;
  latencyMs: Float64Array;
  correctedMs: Float64Array;
  status: Uint16Array;
  bytes: Float64Array;
}

/** Row i of a batch as the event it stands for (field order as the load records it one by one). */
export function responseEventAt(b: ResponseColumns, i: number): ResponseEvent {
  const c = b.correctedMs[i]!;
  return c === c
    ? { kind: 'response', t: b.t[i]!, load: b.load, latencyMs: b.latencyMs[i]!, correctedMs: c, status: b.status[i]!, bytes: b.bytes[i]! }
    : { kind: 'response', t: b.t[i]!, load: b.load, latencyMs: b.latencyMs[i]!, status: b.status[i]!, bytes: b.bytes[i]! };
}

/** Empty columns for `capacity` rows (fresh arrays: a batch taken is transferred away). */
export function responseColumns(load: string, capacity: number): ResponseColumns {
  return { load, n: 0, t: new Float64Array(capacity), latencyMs: new Float64Array(capacity), correctedMs: new Float64Array(capacity), status: new Uint16Array(capacity), bytes: new Float64Array(capacity) };
}
