import { describe, expect, it } from 'vitest';
import { failureModeLine } from '../../src/report/failure-modes.js';
import { renderJunit } from '../../src/report/junit.js';
import { printable } from '../../src/report/text.js';
import { GARBAGE, garbageRun, inconclusiveRun, naiveRun, resilientRun } from '../helpers/run-result.js';

/** A deliberately strict XML 1.0 reader, enough for JUnit files: throws on anything malformed. */
interface Node {
  name: string;
  attrs: Record<string, string>;
  children: Node[];
  text: string;
}

const INVALID_XML_CHAR = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const ENTITY = /&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g;

function decode(s: string, where: string): string {
  if (/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(s)) throw new Error(`bare & in ${where}`);
  return s.replace(ENTITY, (_, e: string) =>
    e === 'amp' ? '&' : e === 'lt' ? '<' : e === 'gt' ? '>' : e === 'quot' ? '"' : e === 'apos' ? "'" : String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10)),
  );
}

function parseXml(xml: string): Node {
  const bad = INVALID_XML_CHAR.exec(xml);
  if (bad) throw new Error(`character U+${bad[0].codePointAt(0)!.toString(16)} is not allowed in XML 1.0`);
  const decl = /^<\?xml version="1\.0" encoding="UTF-8"\?>\n/.exec(xml);
  if (!decl) throw new Error('missing XML declaration');
  const token = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"<]*")*)\s*(\/?)>|([^<]+)/y;
  token.lastIndex = decl[0].length;
  const root: Node = { name: '#root', attrs: {}, children: [], text: '' };
  const stack: Node[] = [root];
  while (token.lastIndex < xml.length) {
    const at = token.lastIndex;
    const m = token.exec(xml);
    if (!m) throw new Error(`malformed markup at offset ${at}: ${JSON.stringify(xml.slice(at, at + 40))}`);
    const top = stack[stack.length - 1]!;
    if (m[5] !== undefined) {
      top.text += decode(m[5], `text of <${top.name}>`);
      continue;
    }
    const [, close, name, attrText, selfClose] = m;
    if (close) {
      if (top.name !== name) throw new Error(`</${name}> closes <${top.name}>`);
      stack.pop();
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of attrText!.matchAll(/([A-Za-z_][\w.-]*)="([^"<]*)"/g)) {
      if (a[1]! in attrs) throw new Error(`duplicate attribute ${a[1]}`);
      attrs[a[1]!] = decode(a[2]!, `attribute ${a[1]}`);
    }
    const node: Node = { name: name!, attrs, children: [], text: '' };
    top.children.push(node);
    if (!selfClose) stack.push(node);
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1]!.name}>`);
  if (root.children.length !== 1 || root.text.trim()) throw new Error('expected exactly one root element');
  return root.children[0]!;
}

const all = (n: Node, name: string): Node[] => [...(n.name === name ? [n] : []), ...n.children.flatMap((c) => all(c, name))];

describe('junit.xml', () => {
  it('is checked by a reader that rejects control characters, bare ampersands and unbalanced tags', () => {
    const head = '<?xml version="1.0" encoding="UTF-8"?>\n';
    expect(() => parseXml(`${head}<a>\u0000</a>`)).toThrow(/not allowed/);
    expect(() => parseXml(`${head}<a>x & y</a>`)).toThrow(/bare &/);
    expect(() => parseXml(`${head}<a><b></a>`)).toThrow(/closes/);
    expect(() => parseXml(`${head}<a x="<"/>`)).toThrow(/malformed/);
    expect(parseXml(`${head}<a x="&lt;&#10;"/>`).attrs.x).toBe('<\n');
  });

  it('has one testcase per verdict, classname = scenario, name = check key, and a failure per failing check', () => {
    const run = naiveRun();
    const doc = parseXml(renderJunit(run));
    expect(doc.name).toBe('testsuites');
    expect(doc.attrs).toMatchObject({ tests: '5', failures: '4', errors: '0' });
    const cases = all(doc, 'testcase');
    expect(cases.map((c) => c.attrs.name)).toEqual(run.verdicts.map((v) => v.key));
    for (const c of cases) expect(c.attrs.classname).toBe(run.scenario.name);
    const failed = cases.filter((c) => c.children.some((ch) => ch.name === 'failure'));
    expect(failed.map((c) => c.attrs.name)).toEqual(['timeout', 'breaker', 'shedding', 'survives']);
  });

  it('uses the failure-mode line, with the run\u2019s numbers and the pattern, as the failure message', () => {
    const run = naiveRun();
    const doc = parseXml(renderJunit(run));
    const timeout = all(doc, 'testcase').find((c) => c.attrs.name === 'timeout')!;
    const failure = timeout.children.find((c) => c.name === 'failure')!;
    expect(failure.attrs.message).toBe(failureModeLine(run.verdicts[1]!));
    expect(failure.attrs.message).toMatch(/^Integration point without timeout: inventory hung at 10\.0 s → the target kept 1504 connections open/);
    expect(failure.attrs.message).toContain('apply Timeouts + Fail Fast');
    expect(failure.attrs.type).toBe('integration-point-without-timeout');
    expect(failure.text).toContain('trigger: inventory hung at 10.0 s');
    expect(failure.text).toContain('open connections: 1504');
  });

  it('shows a resilient run as all passing test cases', () => {
    const doc = parseXml(renderJunit(resilientRun()));
    expect(doc.attrs).toMatchObject({ tests: '5', failures: '0', errors: '0' });
    expect(all(doc, 'failure')).toHaveLength(0);
    expect(all(doc, 'system-out')[1]!.text).toContain('gave up on inventory after 1003 ms');
  });

  it('stays well-formed XML 1.0 when evidence carries control bytes, lone surrogates and markup', () => {
    const xml = renderJunit(garbageRun());
    const doc = parseXml(xml); // throws on any invalid character or broken markup
    const cases = all(doc, 'testcase');
    expect(cases).toHaveLength(5);
    // Text survives, readable: the markup as characters, the control bytes as visible escapes.
    expect(cases[0]!.attrs.name).toBe(printable(`steady-state ${GARBAGE}`));
    expect(cases[0]!.attrs.name).toContain('<script>alert("x")</script> ]]> &');
    expect(cases[0]!.attrs.name).toContain('\\x00\\x01\\x1b[31mRED');
    expect(cases[0]!.attrs.name).toContain('\\x9b2J');
    expect(cases[0]!.attrs.name).toContain('\\ud800');
    expect(doc.children[0]!.attrs.name).toContain('garbage');
  });

  it('reports a run that ended without verdicts as one errored test case, so CI shows red', () => {
    const run = { ...resilientRun(), verdicts: [], outcome: 'not-healthy' as const, exitCode: 1 as const, error: 'target not healthy before faults: p99 412 ms > 100 ms' };
    const doc = parseXml(renderJunit(run));
    expect(doc.attrs).toMatchObject({ tests: '1', failures: '0', errors: '1' });
    const err = all(doc, 'error')[0]!;
    expect(err.attrs.message).toBe(run.error);
    expect(err.attrs.type).toBe('not-healthy');
  });

  it('writes an inconclusive verdict as a skipped testcase whose message is the reason, counted in skipped', () => {
    const doc = parseXml(renderJunit(inconclusiveRun()));
    expect(doc.attrs).toMatchObject({ tests: '6', failures: '0', skipped: '1' });
    const suite = all(doc, 'testsuite')[0]!;
    expect(suite.attrs).toMatchObject({ skipped: '1', failures: '0' });
    const c = all(doc, 'testcase').find((t) => t.attrs.name === 'retries')!;
    expect(all(c, 'failure')).toHaveLength(0);
    const skipped = all(c, 'skipped');
    expect(skipped).toHaveLength(1);
    expect(skipped[0]!.attrs.message).toMatch(/^inconclusive: backoff not measurable: no request made 3\+ attempts/);
    // Passing cases stay plain.
    expect(all(all(doc, 'testcase').find((t) => t.attrs.name === 'timeout')!, 'skipped')).toHaveLength(0);
  });
});

