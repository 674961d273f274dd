/**
 * A fault as a person types it — a dependency, an entry name, `k=v` pairs — turned into the written
 * form the one fault schema reads (src/faults/fault.ts): `down`, a toxic type (pairs are its
 * attributes, plus stream/toxicity), or else a behaviour (pairs are its params; `a.b=1` nests, values
 * are JSON when they parse). Which it is comes from the toxic table, so no name is listed here.
 */
import { getToxic } from '../proxy/toxics/index.js';
import { faultEntries } from '../faults/fault.js';
import { CrumpleError } from '../errors.js';

/** `["delay=2s", "a.b=3"]` → `{delay: "2s", a: {b: 3}}`, over a copy of `base`. */
export function pairsToObject(pairs: readonly string[], what = 'param', base: Record<string, unknown> = {}): Record<string, unknown> {
  const out = structuredClone(base);
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new CrumpleError('BAD_INPUT', `${what}: expected key=value, got '${p}'`);
    const keys = p.slice(0, eq).split('.');
    const raw = p.slice(eq + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // a plain string ("5s", "uniform")
    }
    let node = out;
    for (const k of keys.slice(0, -1)) {
      const next = node[k];
      if (next === null || typeof next !== 'object' || Array.isArray(next)) node[k] = {};
      node = node[k] as Record<string, unknown>;
    }
    node[keys[keys.length - 1]!] = value;
  }
  return out;
}

/** Splits "delay=2s distribution=uniform" on spaces (a console prompt's params). */
export const splitPairs = (text: string): string[] => text.split(/\s+/).filter(Boolean);

export function isToxicName(name: string): boolean {
  const t = getToxic(name);
  return Boolean(t && !t.hidden);
}

/** The written fault for `dependency` + `name` + pairs. */
export function writtenFault(dependency: string, name: string, pairs: readonly string[]): Record<string, unknown> {
  if (name === 'down') {
    if (pairs.length) throw new CrumpleError('BAD_INPUT', `down takes no params (got ${pairs.join(' ')})`);
    return { dependency, down: true };
  }
  if (isToxicName(name)) return { dependency, toxic: name, ...pairsToObject(pairs, 'attr') };
  return { dependency, behaviour: name, ...(pairs.length ? { params: pairsToObject(pairs) } : {}) };
}

/** Every name a fault can take, for prompts and help: behaviours, toxic types, then `down`. */
export function faultNames(): string[] {
  return [...new Set([...faultEntries().map((e) => e.entry.name), 'down'])];
}
