/**
 * Text hygiene shared by every format. Evidence can hold whatever a misbehaving dependency sent:
 * NULs, ESC sequences, lone surrogates, HTML. Everything is made printable first (controls become
 * visible `\xNN` escapes, so a terminal cannot be hijacked and XML 1.0 stays valid), then escaped
 * for the target format.
 */
import { formatMs } from '../units.js';

// C0 controls except tab/LF/CR, DEL, C1 controls (0x9b is a CSI), lone surrogates, U+FFFE/U+FFFF.
const UNPRINTABLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Makes any string printable and valid in XML 1.0; invalid characters become visible escapes. */
export function printable(s: string): string {
  return s.replace(UNPRINTABLE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** Shortens long evidence for one-line contexts (terminal, XML attributes). */
export function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

export function escapeHtml(s: string): string {
  return printable(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** XML text and attribute values (attribute-safe: quotes and newlines escaped too). */
export function escapeXml(s: string): string {
  return printable(s).replace(/[&<>"'\n\r\t]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\n': '&#10;', '\r': '&#13;', '\t': '&#9;' })[c]!);
}

/** XML element text: newlines kept as they are. */
export function escapeXmlText(s: string): string {
  return printable(s).replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);
}

/** JSON placed inside <script>: nothing in it can close the element or start a comment. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Inline Markdown (GitHub flavour): HTML is neutralised, emphasis/code/link/table punctuation escaped, and the text
 * kept on one line so it can sit in a table cell.
 */
export function escapeMarkdown(s: string): string {
  return printable(s)
    .replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!)
    .replace(/([\\`*_[\]|~])/g, '\\$1')
    .replace(/\r?\n|\r/g, ' ')
    // At a line start these would begin a heading, list or rule.
    .replace(/^([#+=-]|\d+(?=[.)](\s|$)))/, '\\$1');
}

/** A value from `measured` or evidence as people read it. */
export function formatValue(v: string | number | boolean | null | undefined, key = ''): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'string') return v;
  if (!Number.isFinite(v)) return String(v);
  if (/ms$/i.test(key)) return formatMsShort(v);
  if (/bytes$/i.test(key)) return formatBytes(v);
  if (/(ratio|rate|percent|pct)$/i.test(key) && Math.abs(v) <= 1) return `${(v * 100).toFixed(1)} %`;
  return Number.isInteger(v) ? String(v) : v.toFixed(Math.abs(v) >= 100 ? 0 : 2);
}

export const formatMsShort = (ms: number): string => formatMs(ms, 1);

export function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(2)} GiB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

/** "1:05:09" / "4:07" / "12.3 s" for run-relative times. */
export function formatClock(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}` : `${m}:${String(s).padStart(2, '0')}`;
}

/** A key from `measured` as a label: "giveUpP50Ms" → "give up p50". */
export function humanKey(key: string): string {
  return key
    .replace(/Ms$|Bytes$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[-_]/g, ' ')
    .toLowerCase()
    .trim();
}
