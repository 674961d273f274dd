import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeHtml, escapeMarkdown, escapeXml, jsonForScript, printable } from '../../src/report/text.js';

const INVALID_XML_CHAR = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
// Any UTF-16 sequence, lone surrogates included: what a Buffer of garbage decodes to and worse.
const anyText = fc.string({ unit: 'binary', maxLength: 200 });
const anyUnits = fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 100 }).map((a) => String.fromCharCode(...a));

describe('text hygiene for reports', () => {
  it('printable() output is valid XML 1.0 and free of terminal controls for any input', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, anyUnits), (s) => {
        const p = printable(s);
        expect(INVALID_XML_CHAR.test(p)).toBe(false);
        expect(p).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/);
      }),
    );
  });

  it('printable() leaves ordinary text, tabs, newlines and astral characters alone', () => {
    const s = 'ok\ttab\nline 😀 é 中文 \u2028';
    expect(printable(s)).toBe(s);
    expect(printable('\u0000\u001b\u009b\ud800x')).toBe('\\x00\\x1b\\x9b\\ud800x');
  });

  it('escaped HTML, XML and Markdown never carry a raw tag opener for any input', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, anyUnits, fc.constantFrom('<script>', '</style>', ']]>', '&amp;')), (s) => {
        expect(escapeHtml(s)).not.toMatch(/[<>"']/);
        expect(escapeXml(s)).not.toMatch(/[<>"'\n]/);
        expect(escapeMarkdown(s)).not.toMatch(/[<>\n]|(^|[^\\])\|/);
      }),
    );
  });

  it('JSON for a <script> element round-trips for any input and cannot close the element', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, anyUnits), (s) => {
        const t = jsonForScript({ s });
        expect(t).not.toMatch(/[<>&\u2028\u2029]/);
        expect(JSON.parse(t)).toEqual({ s });
      }),
    );
  });
});
