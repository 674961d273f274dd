/**
 * What a recorded contract must never hold: credentials and values that change on every call.
 * A recording collects the secrets each request carried (Authorization, Cookie, API-key headers,
 * tokens in the query string) and scrubs them out of everything it writes, wherever they appear
 * (an upstream that echoes a token back in its body included).
 */

/** Header or field names that carry credentials. */
const SECRET_NAME = /pass(word|wd)?$|secret|token|api[-_]?key|apikey|credential|session|signature|^sig$|^auth$|^authorization$|^proxy-authorization$|cookie|^x-amz-security|^key$|^code$|^jwt$/i;
export const isSecretName = (name: string): boolean => SECRET_NAME.test(name);

/** Response headers left out of a contract: hop-by-hop, per-call values, and those the contract says otherwise. */
const VOLATILE_HEADER = /^(date|age|expires|last-modified|etag|content-length|content-type|content-encoding|transfer-encoding|connection|keep-alive|trailer|upgrade|te|proxy-.*|server-timing|x-runtime|x-response-time|via|cf-ray|traceparent|tracestate|x-cache.*|report-to|nel|alt-svc)$|(^|-)(request|trace|correlation|span|amzn?|amz-cf)-?id$|^x-amz(n)?-|^x-b3-|^x-envoy-|^x-ratelimit-|^ratelimit-|^retry-after$|^set-cookie$/i;
export const isVolatileHeader = (name: string): boolean => VOLATILE_HEADER.test(name);

export const REDACTED = '<redacted>';

/** The secret values one request carried (each at least 4 characters, so scrubbing is not silly). */
export function secretsOf(headers: Record<string, string | string[] | undefined>, query: URLSearchParams): string[] {
  const out = new Set<string>();
  const add = (v: string | undefined) => {
    const t = v?.trim();
    if (t && t.length >= 4) out.add(t);
  };
  for (const [name, raw] of Object.entries(headers)) {
    if (raw === undefined) continue;
    for (const v of Array.isArray(raw) ? raw : [raw]) {
      if (/^(proxy-)?authorization$/i.test(name)) {
        add(v);
        const space = v.indexOf(' ');
        if (space > 0) add(v.slice(space + 1)); // "Bearer abc" → "abc"; "Basic dXNlcjpwYXNz" → its base64
        const basic = /^basic\s+(\S+)/i.exec(v);
        if (basic) {
          const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
          add(decoded);
          add(decoded.slice(decoded.indexOf(':') + 1));
        }
      } else if (/^cookie$/i.test(name)) {
        for (const part of v.split(';')) {
          const eq = part.indexOf('=');
          add(eq >= 0 ? part.slice(eq + 1) : part);
        }
      } else if (isSecretName(name)) add(v);
    }
  }
  for (const [name, v] of query) if (isSecretName(name)) add(v);
  return [...out].sort((a, b) => b.length - a.length); // longest first: a token inside its header value
}

/** `s` with every secret replaced. */
export function scrubString(s: string, secrets: readonly string[]): string {
  let out = s;
  for (const x of secrets) if (out.includes(x)) out = out.split(x).join(REDACTED);
  return out;
}

/** A JSON value with secrets scrubbed from its strings and the values of secret-named fields redacted. */
export function scrubJson(v: unknown, secrets: readonly string[]): unknown {
  if (typeof v === 'string') return scrubString(v, secrets);
  if (Array.isArray(v)) return v.map((x) => scrubJson(x, secrets));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const key = scrubString(k, secrets);
      out[key] = isSecretName(k) && (typeof x === 'string' || typeof x === 'number') ? REDACTED : scrubJson(x, secrets);
    }
    return out;
  }
  return v;
}

/** A query string without its secret parameters (they are dropped, not masked). */
export function publicQuery(query: URLSearchParams): string {
  const kept = new URLSearchParams();
  for (const [k, v] of query) if (!isSecretName(k)) kept.append(k, v);
  const s = kept.toString();
  return s ? `?${s}` : '';
}
