import { z } from 'zod';
import { parseDuration, formatMs } from '../units.js';

/**
 * Thresholds in expectations: "< 100ms", "<= 1%", "< 50MB", ">= 0.5", or a plain value ("100ms",
 * 250, "1%") which means "at most". One parser for every check so every bound reads the same way.
 * Sizes: B, KB/MB/GB (powers of 1000) and KiB/MiB/GiB (powers of 1024).
 */
export type BoundKind = 'duration' | 'ratio' | 'size' | 'size-rate' | 'number';
export type Op = '<' | '<=' | '>' | '>=';

export interface Bound {
  op: Op;
  /** ms for durations, 0..1 for ratios and percents of sizes, bytes for sizes, bytes/s for size rates, plain for numbers. */
  value: number;
  unit: 'ms' | 'ratio' | 'bytes' | 'bytes-per-second' | 'number';
  /** As written, normalised ("< 100 ms"). */
  text: string;
}

const BOUND = /^\s*(<=|>=|<|>|≤|≥)?\s*(.+?)\s*$/;
const SIZE = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|KiB|MiB|GiB)$/i;
const SIZE_FACTOR: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30 };
const SIZE_RATE = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|KiB|MiB|GiB)\s*\/\s*(s|min|h)$/i;
const PER_SECONDS: Record<string, number> = { s: 1, min: 60, h: 3600 };
const PERCENT = /^(\d+(?:\.\d+)?)\s*%$/;
const NUMBER = /^-?\d+(?:\.\d+)?$/;

function normaliseOp(op: string | undefined): Op {
  if (op === '≤' || op === undefined) return '<=';
  if (op === '≥') return '>=';
  return op as Op;
}

/** Parses a bound of the given kind; a string is an error message naming what was expected. */
export function parseBound(v: unknown, kind: BoundKind): Bound | string {
  let op: Op = '<=';
  let body: string;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return `expected a finite number, got ${v}`;
    body = String(v);
  } else if (typeof v === 'string') {
    const m = BOUND.exec(v);
    if (!m || !m[2]) return `'${v}' is not a bound (write e.g. "< 100ms", "<= 1%", "< 50MB")`;
    op = normaliseOp(m[1]);
    body = m[2];
  } else {
    return `expected a bound like "< 100ms" or a number, got ${v === null ? 'null' : typeof v}`;
  }
  const make = (value: number, unit: Bound['unit'], shown: string): Bound => ({ op, value, unit, text: `${op} ${shown}` });
  switch (kind) {
    case 'duration': {
      const ms = NUMBER.test(body) ? Number(body) : parseDuration(body);
      if (typeof ms === 'string' || ms < 0) return `'${String(v)}' is not a duration bound (write e.g. "< 100ms", "<= 2s")`;
      return make(ms, 'ms', formatMs(ms));
    }
    case 'ratio': {
      const p = PERCENT.exec(body);
      if (p) {
        const r = Number(p[1]) / 100;
        return r > 1 ? `'${String(v)}': a percentage cannot exceed 100%` : make(r, 'ratio', `${Number(p[1])}%`);
      }
      if (NUMBER.test(body) && Number(body) >= 0 && Number(body) <= 1) return make(Number(body), 'ratio', `${+(Number(body) * 100).toFixed(4)}%`);
      return `'${String(v)}' is not a rate bound (write e.g. "< 1%", or a fraction 0..1)`;
    }
    case 'size': {
      const s = SIZE.exec(body);
      if (s) return make(Number(s[1]) * SIZE_FACTOR[s[2]!.toLowerCase()]!, 'bytes', `${Number(s[1])} ${s[2]}`);
      const p = PERCENT.exec(body);
      if (p) return make(Number(p[1]) / 100, 'ratio', `${Number(p[1])}%`);
      if (NUMBER.test(body) && Number(body) >= 0) return make(Number(body), 'bytes', `${Number(body)} B`);
      return `'${String(v)}' is not a size bound (write e.g. "< 50MB", "< 256MiB" or "< 20%")`;
    }
    case 'size-rate': {
      const r = SIZE_RATE.exec(body);
      if (!r) return `'${String(v)}' is not a growth-rate bound (write e.g. "< 1MB/min", "< 10KiB/s", "< 50MB/h")`;
      return make((Number(r[1]) * SIZE_FACTOR[r[2]!.toLowerCase()]!) / PER_SECONDS[r[3]!.toLowerCase()]!, 'bytes-per-second', `${Number(r[1])} ${r[2]}/${r[3]}`);
    }
    case 'number': {
      if (!NUMBER.test(body)) return `'${String(v)}' is not a number bound (write e.g. "< 2" or 1.5)`;
      return make(Number(body), 'number', String(Number(body)));
    }
  }
}

/** True when `x` satisfies the bound. `slack` widens the bound in the direction of leniency. */
export function meets(b: Bound, x: number, slack = 0): boolean {
  switch (b.op) {
    case '<':
      return x < b.value + slack;
    case '<=':
      return x <= b.value + slack;
    case '>':
      return x > b.value - slack;
    case '>=':
      return x >= b.value - slack;
  }
}

/** A bound in a zod schema: yields a Bound, reports the parse error as the field's issue. */
export function boundSchema(kind: BoundKind) {
  return z.union([z.number(), z.string()]).transform((v, ctx): Bound => {
    const r = parseBound(v, kind);
    if (typeof r === 'string') {
      ctx.addIssue({ code: 'custom', message: r });
      return z.NEVER;
    }
    return r;
  });
}

/** How a value reads next to its bound: "12 ms", "0.4%", "48.0 MB". */
export function formatFor(b: Bound, x: number): string {
  if (b.unit === 'ms') return formatMs(x);
  if (b.unit === 'ratio') return formatPercent(x);
  if (b.unit === 'bytes') return formatBytes(x);
  if (b.unit === 'bytes-per-second') return formatByteRate(x);
  return String(round(x));
}

export const round = (x: number, digits = 2): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

export function formatPercent(r: number): string {
  const p = r * 100;
  return `${p >= 10 || p === 0 ? p.toFixed(0) : p >= 1 ? p.toFixed(1) : p.toFixed(2)}%`;
}

export function formatBytes(n: number): string {
  const a = Math.abs(n);
  if (a >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (a >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (a >= 1e3) return `${(n / 1e3).toFixed(1)} KB`;
  return `${Math.round(n)} B`;
}

/** Growth per minute reads best for RSS: "1.2 MB/min". */
export function formatByteRate(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond * 60)}/min`;
}
