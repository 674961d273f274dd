/**
 * A response body's digest: the value at one JSON path, as short JSON text, never the body. A load with
 * `digest: $.source` records it on each response event; checks compare it with what a scenario expects
 * (`$.source == "cache"`). Bounded: bodies are read up to DIGEST_BODY_BYTES, digests cut at DIGEST_CHARS.
 * What cannot be read is said with a `!` word, which no JSON text starts with.
 */
import { z } from 'zod';

/** Body bytes a digesting load keeps per response (the rest is counted, not kept). */
export const DIGEST_BODY_BYTES = 16 * 1024;
/** Longest digest recorded. */
export const DIGEST_CHARS = 64;

/** Not JSON / no value at the path / a body longer than DIGEST_BODY_BYTES / no body at all. */
export const NOT_JSON = '!not-json';
export const MISSING = '!missing';
export const TOO_LARGE = '!too-large';
export const NO_BODY = '!no-body';

export type PathStep = string | number;

const PATH = /^\$((?:\.[A-Za-z_][A-Za-z0-9_-]*|\[\d{1,6}\])*)$/;

/** `$.a.b[0].c` → ['a', 'b', 0, 'c'], or undefined when it is not such a path. */
export function parsePath(text: string): PathStep[] | undefined {
  const m = PATH.exec(text.trim());
  if (!m) return undefined;
  const steps: PathStep[] = [];
  for (const s of m[1]!.matchAll(/\.([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]/g)) steps.push(s[1] !== undefined ? s[1] : Number(s[2]));
  return steps;
}

const PATH_HELP = 'a JSON path like $.source or $.items[0].id (dots and [index] only)';
export const jsonPathSchema = z.string().refine((t) => parsePath(t) !== undefined, { error: `must be ${PATH_HELP}` });

/** The digest of a body at `path`: JSON text of the value there (cut at DIGEST_CHARS), or a `!` word. */
export function digestOf(path: readonly PathStep[], body: { bytes: Buffer; cut: boolean } | undefined): string {
  if (!body || body.bytes.length === 0) return NO_BODY;
  if (body.cut) return TOO_LARGE;
  let v: unknown;
  try {
    v = JSON.parse(body.bytes.toString('utf8'));
  } catch {
    return NOT_JSON;
  }
  for (const step of path) {
    if (v === null || typeof v !== 'object') return MISSING;
    if (typeof step === 'number' ? !Array.isArray(v) || step >= v.length : Array.isArray(v) || !Object.hasOwn(v, step)) return MISSING;
    v = (v as Record<string | number, unknown>)[step];
  }
  const text = JSON.stringify(v) ?? MISSING;
  return text.length > DIGEST_CHARS ? text.slice(0, DIGEST_CHARS) : text;
}

/** `$.source == "cache"` (or `!=`): a path and the JSON value its digest is compared with. */
export interface BodyMatch {
  text: string;
  path: string;
  equal: boolean;
  /** The digest the value has (JSON text, cut like digests). */
  digest: string;
}

const MATCH = /^\s*(\$\S*)\s*(==|!=)\s*(.+?)\s*$/;

export function parseMatch(text: string): BodyMatch | string {
  const m = MATCH.exec(text);
  if (!m) return `write <path> == <JSON value>, e.g. $.source == "cache"`;
  if (!parsePath(m[1]!)) return `${m[1]} must be ${PATH_HELP}`;
  let value: unknown;
  try {
    value = JSON.parse(m[3]!);
  } catch {
    return `${m[3]} is not a JSON value (strings in double quotes: "cache")`;
  }
  const digest = JSON.stringify(value);
  return { text: text.trim(), path: m[1]!, equal: m[2] === '==', digest: digest.length > DIGEST_CHARS ? digest.slice(0, DIGEST_CHARS) : digest };
}

export const bodyMatchSchema = z.string().transform((t, ctx) => {
  const r = parseMatch(t);
  if (typeof r === 'string') {
    ctx.addIssue({ code: 'custom', message: r });
    return z.NEVER;
  }
  return r;
});

/** Does a recorded digest satisfy the match? An unreadable body (a `!` word, no digest) matches neither == nor !=. */
export function matches(m: BodyMatch, digest: string | undefined): boolean {
  if (digest === undefined || digest.startsWith('!')) return false;
  return (digest === m.digest) === m.equal;
}
