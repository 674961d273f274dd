/**
 * JSON shapes (the grammar is declared with the contract schema, harness-servers/contract.ts): what
 * `record` writes for a body, and what `verify` holds a real body against. Pure functions.
 */
import type { JsonShape } from '../../harness-servers/contract.js';

/** Items of one array looked at (shape inference and comparison): bodies can be huge. */
const MAX_ITEMS = 200;
/** Nesting followed; deeper values are "any". */
const MAX_DEPTH = 32;

export function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'object' ? 'object' : typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' ? typeof v : 'any';
}

/** The shape of one JSON value; the items of an array merged into one shape. */
export function shapeOf(v: unknown, depth = 0): JsonShape {
  if (depth > MAX_DEPTH) return 'any';
  if (Array.isArray(v)) {
    let item: JsonShape | undefined;
    for (const x of v.slice(0, MAX_ITEMS)) item = item === undefined ? shapeOf(x, depth + 1) : mergeShapes(item, shapeOf(x, depth + 1));
    return item === undefined ? [] : [item];
  }
  if (v !== null && typeof v === 'object') {
    const out: Record<string, JsonShape> = {};
    for (const [k, x] of Object.entries(v)) out[k] = shapeOf(x, depth + 1);
    return out;
  }
  return typeOf(v);
}

const isObjectShape = (s: JsonShape): s is Record<string, JsonShape> => typeof s === 'object' && !Array.isArray(s);
const fieldName = (k: string) => (k.endsWith('?') ? k.slice(0, -1) : k);

/** One shape covering both: type names joined, object fields missing on one side made optional. */
export function mergeShapes(a: JsonShape, b: JsonShape): JsonShape {
  if (typeof a === 'string' && typeof b === 'string') {
    const types = [...new Set([...a.split('|'), ...b.split('|')])];
    return types.includes('any') ? 'any' : types.sort().join('|');
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (!a.length) return b;
    if (!b.length) return a;
    return [mergeShapes(a[0]!, b[0]!)];
  }
  if (isObjectShape(a) && isObjectShape(b)) {
    const fields = new Map<string, { shape: JsonShape; optional: boolean; seen: number }>();
    for (const side of [a, b]) {
      for (const [k, s] of Object.entries(side)) {
        const name = fieldName(k);
        const prev = fields.get(name);
        fields.set(name, prev ? { shape: mergeShapes(prev.shape, s), optional: prev.optional || k.endsWith('?'), seen: prev.seen + 1 } : { shape: s, optional: k.endsWith('?'), seen: 1 });
      }
    }
    const out: Record<string, JsonShape> = {};
    for (const [name, f] of fields) out[f.optional || f.seen < 2 ? `${name}?` : name] = f.shape;
    return out;
  }
  return 'any';
}

export type ShapeDriftKind = 'missing-field' | 'changed-type' | 'new-field';
export interface ShapeDrift {
  kind: ShapeDriftKind;
  /** "items[].name"; "(body)" for the whole body. */
  path: string;
  expected?: string;
  actual?: string;
}

const kindOfShape = (s: JsonShape): string => (typeof s === 'string' ? s : Array.isArray(s) ? 'array' : 'object');
const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

/** Where a real JSON value departs from a shape: fields missing or new, types changed. Each path once. */
export function compareShape(expected: JsonShape, actual: unknown): ShapeDrift[] {
  const out = new Map<string, ShapeDrift>();
  const add = (d: ShapeDrift) => {
    const key = `${d.kind} ${d.path}`;
    if (!out.has(key)) out.set(key, d);
  };
  const walk = (shape: JsonShape, v: unknown, path: string, depth: number): void => {
    if (depth > MAX_DEPTH) return;
    const t = typeOf(v);
    if (typeof shape === 'string') {
      const types = shape.split('|');
      if (!types.includes('any') && !types.includes(t)) add({ kind: 'changed-type', path: path || '(body)', expected: shape, actual: t });
      return;
    }
    if (Array.isArray(shape)) {
      if (t !== 'array') return add({ kind: 'changed-type', path: path || '(body)', expected: 'array', actual: t });
      if (shape[0] !== undefined) for (const x of (v as unknown[]).slice(0, MAX_ITEMS)) walk(shape[0], x, `${path}[]`, depth + 1);
      return;
    }
    if (t !== 'object') return add({ kind: 'changed-type', path: path || '(body)', expected: kindOfShape(shape), actual: t });
    const obj = v as Record<string, unknown>;
    const known = new Set<string>();
    for (const [k, s] of Object.entries(shape)) {
      const name = fieldName(k);
      known.add(name);
      if (!Object.hasOwn(obj, name)) {
        if (!k.endsWith('?')) add({ kind: 'missing-field', path: join(path, name), expected: kindOfShape(s) });
        continue;
      }
      walk(s, obj[name], join(path, name), depth + 1);
    }
    for (const [k, x] of Object.entries(obj)) if (!known.has(k)) add({ kind: 'new-field', path: join(path, k), actual: typeOf(x) });
  };
  walk(expected, actual, '', 0);
  return [...out.values()];
}
