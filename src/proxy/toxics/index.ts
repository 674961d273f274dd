import type { Toxic } from '../toxic.js';
import latency from './latency.js';
import bandwidth from './bandwidth.js';
import slow_close from './slow_close.js';
import timeout from './timeout.js';
import reset_peer from './reset_peer.js';
import slicer from './slicer.js';
import limit_data from './limit_data.js';
import noop from './noop.js';

export type { Toxic } from '../toxic.js';

/** Every toxic by its wire name (Toxiproxy's names; `noop` is hidden as upstream). */
export const toxics = { latency, bandwidth, slow_close, timeout, reset_peer, slicer, limit_data, noop } satisfies Record<string, Toxic<any>>;
export type ToxicName = keyof typeof toxics;

export function isToxicType(t: unknown): t is ToxicName {
  return typeof t === 'string' && Object.hasOwn(toxics, t);
}

/** The entry for a wire name, or undefined: the one way to look a toxic up by a string. */
export function getToxic(name: string): Toxic | undefined {
  return isToxicType(name) ? (toxics[name] as Toxic) : undefined;
}

/** Toxic types a user would pick (without the hidden noop). */
export const visibleToxicTypes = (): ToxicName[] => (Object.keys(toxics) as ToxicName[]).filter((t) => !(toxics[t] as Toxic).hidden);

export type AttributeResult = { ok: true; attributes: Record<string, number> } | { ok: false; error: string };

/**
 * Attributes as the API takes them: `raw` (an object or null) is merged over `base` (defaults on
 * create, current values on update); unknown keys are dropped; values must be integers; values that
 * crash the real Toxiproxy are refused. Errors read like Toxiproxy's (`bad request body: json: ...`).
 */
export function toxicAttributes(type: string, raw: unknown, base?: Record<string, number>): AttributeResult {
  const toxic = getToxic(type);
  if (!toxic) return { ok: false, error: 'invalid toxic type' };
  const go = toxic.goStruct;
  const out: Record<string, number> = { ...toxic.attributes, ...base };
  if (raw !== null && raw !== undefined) {
    if (typeof raw !== 'object' || Array.isArray(raw)) {
      return { ok: false, error: `bad request body: json: cannot unmarshal ${goKind(raw)} into Go struct field ${go}.attributes of type toxics.${go}` };
    }
    for (const [k, v] of Object.entries(raw)) {
      if (!Object.hasOwn(toxic.attributes, k)) continue; // Toxiproxy silently drops unknown attributes
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) {
        const what = typeof v === 'number' ? `number ${v}` : goKind(v);
        return { ok: false, error: `bad request body: json: cannot unmarshal ${what} into Go struct field ${go}.attributes.${k} of type int64` };
      }
      out[k] = v;
    }
  }
  const crash = toxic.check?.(out);
  if (crash) return { ok: false, error: `${type}: ${crash}` };
  return { ok: true, attributes: out };
}

function goKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'number';
  return 'object';
}
