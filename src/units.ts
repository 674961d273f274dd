/**
 * Units shared by scenario files and CLI flags. Durations: a number is milliseconds; strings take
 * a unit: "250ms", "1.5s", "2m", "1h". Rates: a number is per second; "100/s", "6000/m".
 * Pure parsing, no zod: the CLI's start path imports this; the schemas are in unit-schemas.ts.
 */
const DURATION = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$/;
const FACTOR: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds, or an error message naming what was wrong. */
export function parseDuration(v: unknown): number | string {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v : `expected a non-negative duration, got ${v}`;
  if (typeof v !== 'string') return `expected a duration like "500ms" or "5s", got ${typeof v}`;
  const m = DURATION.exec(v);
  if (!m) return `'${v}' is not a duration (use a number of ms, or "500ms", "5s", "2m", "1h")`;
  return Number(m[1]) * FACTOR[m[2]!]!;
}

const RATE = /^\s*(\d+(?:\.\d+)?)\s*\/\s*(s|m)\s*$/;

/** Per second, or an error message. */
export function parseRate(v: unknown): number | string {
  if (typeof v === 'number') return Number.isFinite(v) && v > 0 ? v : `expected a positive rate, got ${v}`;
  if (typeof v !== 'string') return `expected a rate like "100/s", got ${typeof v}`;
  const m = RATE.exec(v);
  if (!m) return `'${v}' is not a rate (use a number per second, or "100/s", "600/m")`;
  const n = Number(m[1]);
  const perSecond = m[2] === 'm' ? n / 60 : n;
  return perSecond > 0 ? perSecond : `rate must be positive, got '${v}'`;
}

/** For CLI flags: the value or a CrumpleError-worthy message naming the flag. */
export function flagDuration(flag: string, v: string): number {
  const r = parseDuration(v);
  if (typeof r === 'string') throw new Error(`${flag}: ${r}`);
  return r;
}

/** Human duration; `smallDigits` decimals below 10 ms. */
export function formatMs(ms: number, smallDigits = 2): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 10) return `${Math.round(ms)} ms`;
  return `${ms.toFixed(smallDigits)} ms`;
}
