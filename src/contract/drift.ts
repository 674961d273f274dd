/**
 * Drift: how a real answer departs from what a contract pair says. A pure function of the pair and
 * one observed answer. Breaking drift (status, content type, a missing field, a changed type, a body
 * that is no longer JSON) fails `verify`; additive drift (a new field, slower than recorded) is shown
 * and fails only with --strict.
 */
import type { ContractPair, JsonShape } from '../../harness-servers/contract.js';
import { formatMs } from '../units.js';
import { compareShape, shapeOf } from './shape.js';

export type DriftKind = 'status' | 'content-type' | 'not-json' | 'missing-field' | 'changed-type' | 'new-field' | 'latency';

export interface Drift {
  kind: DriftKind;
  breaking: boolean;
  /** "status 200 → 404", "missing field name (string)"... */
  message: string;
  path?: string;
  expected?: string | number;
  actual?: string | number;
}

export interface Observed {
  status: number;
  contentType: string | undefined;
  body: Buffer;
  /** Whole answer, from sending the request to its last byte. */
  latencyMs: number;
}

/** Slower than recorded counts when over factor × recorded + this (one sample on a shared machine). */
export const LATENCY_SLACK_MS = 50;

const mediaType = (ct: string | undefined) => ct?.split(';')[0]!.trim().toLowerCase() || undefined;

/** The content type a pair promises: its contentType, its content-type header, else what `ok` would send. */
export function expectedContentType(pair: ContractPair): string | undefined {
  const r = pair.response ?? {};
  const header = Object.entries(r.headers ?? {}).find(([k]) => k.toLowerCase() === 'content-type')?.[1];
  return r.contentType ?? header ?? (r.json !== undefined ? 'application/json' : r.text !== undefined ? 'text/plain' : undefined);
}

/** The shape a pair promises: its shape, else the shape of its json example. */
export function expectedShape(pair: ContractPair): JsonShape | undefined {
  const r = pair.response ?? {};
  return r.shape ?? (r.json !== undefined ? shapeOf(r.json) : undefined);
}

export function driftOf(pair: ContractPair, seen: Observed, opts: { latencyFactor: number }): Drift[] {
  const out: Drift[] = [];
  const status = pair.response?.status ?? 200;
  if (seen.status !== status) out.push({ kind: 'status', breaking: true, message: `status ${status} → ${seen.status}`, expected: status, actual: seen.status });
  const wantType = mediaType(expectedContentType(pair));
  const gotType = mediaType(seen.contentType);
  if (wantType && wantType !== gotType) {
    out.push({ kind: 'content-type', breaking: true, message: `content type ${wantType} → ${gotType ?? '(none)'}`, expected: wantType, actual: gotType ?? '(none)' });
  }
  // A changed status answers another body: comparing it with the promised one would only add noise.
  const shape = expectedShape(pair);
  if (shape !== undefined && seen.status === status) {
    let json: unknown;
    let ok = true;
    try {
      json = JSON.parse(seen.body.toString('utf8'));
    } catch {
      ok = false;
    }
    if (!ok) {
      const head = seen.body.subarray(0, 40).toString('utf8').replace(/[^\x20-\x7e]/g, '?');
      out.push({ kind: 'not-json', breaking: true, message: `body is not JSON (${seen.body.length} bytes: ${JSON.stringify(head)}${seen.body.length > 40 ? '…' : ''})` });
    } else {
      for (const d of compareShape(shape, json)) {
        if (d.kind === 'missing-field') out.push({ kind: d.kind, breaking: true, message: `missing field ${d.path} (${d.expected})`, path: d.path, expected: d.expected! });
        else if (d.kind === 'changed-type') out.push({ kind: d.kind, breaking: true, message: `changed type ${d.path}: ${d.expected} → ${d.actual}`, path: d.path, expected: d.expected!, actual: d.actual! });
        else out.push({ kind: d.kind, breaking: false, message: `new field ${d.path} (${d.actual})`, path: d.path, actual: d.actual! });
      }
    }
  }
  const recorded = pair.response?.latencyMs;
  if (recorded !== undefined && seen.latencyMs > recorded * opts.latencyFactor + LATENCY_SLACK_MS) {
    out.push({
      kind: 'latency',
      breaking: false,
      message: `slower: ${formatMs(seen.latencyMs)} (recorded ${formatMs(recorded)}, bound ${opts.latencyFactor}× + ${LATENCY_SLACK_MS} ms)`,
      expected: recorded,
      actual: Math.round(seen.latencyMs * 10) / 10,
    });
  }
  return out;
}
