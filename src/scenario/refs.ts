import { unknownName } from './suggest.js';

/**
 * References in target command/env/url: ${deps.<name>.url|host|port|urls}, ${target.port|url|host}, ${env.X}.
 * `$${` writes a literal `${`.
 */
// The closing brace is optional in the pattern so that an unterminated `${target.port` is found, not passed on.
const REF = /\$?\$\{([^}]*)(\})?/g;

export interface Addresses {
  target: { port: number; host?: string; url?: string };
  deps: Record<string, { url: string; host: string; port: number; urls?: string }>;
}

/** `urls`: a dependency's replicas' URLs, comma-separated (one URL without replicas). */
const DEP_FIELDS = ['url', 'host', 'port', 'urls'] as const;
const TARGET_FIELDS = ['port', 'url', 'host'] as const;

/**
 * Substitutes every reference; `lookup` returns the value or an error message. Errors are collected,
 * not thrown, so one pass reports them all.
 */
export function substitute(text: string, lookup: (ref: string) => string | { error: string }, errors: string[]): string {
  return text.replace(REF, (whole, ref: string, close: string | undefined) => {
    if (whole.startsWith('$$')) return whole.slice(1);
    if (close === undefined) {
      errors.push(`'\${${ref.length > 40 ? `${ref.slice(0, 40)}…` : ref}' is not closed: write \${...} (or $\${ for a literal \${)`);
      return whole;
    }
    const v = lookup(ref.trim());
    if (typeof v === 'string') return v;
    errors.push(v.error);
    return whole;
  });
}

/** A lookup over known names only (no addresses yet): for validation before a run. */
export function checkRef(ref: string, deps: readonly string[]): string | undefined {
  const parts = ref.split('.');
  const [root, a, b] = parts;
  if (root === 'deps') {
    if (parts.length !== 3 || !a || !b) return `\${${ref}}: write \${deps.<name>.url}, .host, .port or .urls`;
    if (!deps.includes(a)) return `\${${ref}}: ${unknownName(a, deps, 'dependency')}`;
    if (!(DEP_FIELDS as readonly string[]).includes(b)) return `\${${ref}}: ${unknownName(b, DEP_FIELDS, 'field')}`;
    return undefined;
  }
  if (root === 'target') {
    if (parts.length !== 2 || !a) return `\${${ref}}: write \${target.port}, \${target.url} or \${target.host}`;
    if (!(TARGET_FIELDS as readonly string[]).includes(a)) return `\${${ref}}: ${unknownName(a, TARGET_FIELDS, 'field')}`;
    return undefined;
  }
  if (root === 'env') return parts.length === 2 && a ? undefined : `\${${ref}}: write \${env.NAME}`;
  return `\${${ref}}: ${unknownName(root ?? '', ['deps', 'target', 'env'], 'reference')}`;
}

/** Every malformed or unknown reference in `text` (names checked, values not). */
export function refIssues(text: string, deps: readonly string[]): string[] {
  const out: string[] = [];
  substitute(text, (ref) => {
    const e = checkRef(ref, deps);
    return e ? { error: e } : '';
  }, out);
  return out;
}
