import type { z } from 'zod';
import { CrumpleError } from '../errors.js';
import type { EventSink } from '../timeline/events.js';
import { LIMITS } from './common.js';
import { assertHostAllowed } from '../safety.js';
import type { LoadShape, LoadSummary } from './shape.js';
import { runInWorker } from './thread.js';
import steady from './steady.js';
import dogpile from './dogpile.js';
import ramp from './ramp.js';
import wsStorm from './ws-storm.js';
import enqueue from './enqueue.js';

export type { LoadShape, LoadSummary, DogpilePulse, RampStep, WsStorm } from './shape.js';

/** The load shapes: file name = table key = `shape:` in a scenario. */
export const loadShapes: Record<string, LoadShape> = {
  steady,
  ramp,
  dogpile,
  'ws-storm': wsStorm,
  enqueue,
};
export type LoadShapeName = keyof typeof loadShapes;

export interface StartLoadOptions {
  /** The target, e.g. http://127.0.0.1:3000 (ws-storm turns it into ws://). */
  baseUrl: string;
  /** Every response/attempt, as a `response` or `ws` event with load = name. */
  sink: EventSink;
  /** Stop early: in-flight requests are dropped unrecorded. */
  signal: AbortSignal;
  /** Cap in ms (a run passes the total of its phases); also the duration when the entry has none. */
  durationMs?: number;
  /** Non-loopback hosts are refused unless listed. */
  allowHosts?: string[];
}

/** Validates an entry against its shape's schema; bad input names the load and the field. */
export function parseLoadEntry(name: string, entry: { shape: string } & Record<string, unknown>): { shape: LoadShape; spec: unknown } {
  const shape = loadShapes[entry.shape];
  if (!shape) {
    throw new CrumpleError('BAD_INPUT', `load ${name}: unknown shape '${entry.shape}' (known: ${Object.keys(loadShapes).join(', ')})`);
  }
  const { shape: _shape, ...rest } = entry;
  const r = (shape.spec as z.ZodType).safeParse(rest);
  if (!r.success) {
    const details = r.error.issues.map((i) => `load.${name}${i.path.map((p) => `.${String(p)}`).join('')}: ${i.message}`);
    throw new CrumpleError('BAD_INPUT', `load ${name}: invalid ${entry.shape} entry (${details.length} issue${details.length > 1 ? 's' : ''})`, { details });
  }
  return { shape, spec: r.data };
}

/**
 * Each load's own client timeout in ms, read by its shape's schema (so `timeout: 5s` is 5000 like
 * `timeout: 5000`); loads whose shape has no timeout, or whose entry does not parse, are left out.
 */
export function loadTimeouts(loads: readonly { name: string; entry: { shape: string } & Record<string, unknown> }[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const { name, entry } of loads) {
    const { shape, ...rest } = entry;
    const r = (loadShapes[shape]?.spec as z.ZodType | undefined)?.safeParse(rest);
    const t = r?.success ? (r.data as { timeout?: unknown }).timeout : undefined;
    if (typeof t === 'number') out[name] = t;
  }
  return out;
}

/** Validates the URL: http(s) only, loopback unless allowed. */
export function parseBaseUrl(baseUrl: string, allowHosts?: readonly string[]): URL {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new CrumpleError('BAD_INPUT', `URL '${baseUrl}' is not a URL (expected e.g. http://127.0.0.1:3000)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CrumpleError('BAD_INPUT', `URL '${baseUrl}': only http:// and https:// targets are supported`);
  }
  assertHostAllowed(url, allowHosts);
  return url;
}

/**
 * Starts a named load in its own worker thread. Throws CrumpleError at once for a bad entry or a
 * host that is not allowed; `done` resolves with the summary when the load stops by itself
 * (duration, count, pulses) or by `signal`.
 */
export function startLoad(
  name: string,
  entry: { shape: string } & Record<string, unknown>,
  opts: StartLoadOptions,
): { started: Promise<void>; done: Promise<LoadSummary> } {
  const { shape, spec } = parseLoadEntry(name, entry);
  const url = parseBaseUrl(opts.baseUrl, opts.allowHosts);
  if (opts.durationMs !== undefined && !(opts.durationMs >= 0)) throw new CrumpleError('BAD_INPUT', `load ${name}: durationMs must be >= 0`);
  const runMs = opts.durationMs === undefined ? undefined : Math.min(opts.durationMs, LIMITS.durationMs);
  return runInWorker({ name, shape: shape.name, spec, baseUrl: url.href, runMs }, opts.sink, opts.signal);
}
