import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { cli } from '../helpers/cli.js';
import { bounded, expectOneLineRefusal } from './helpers.js';
import { scenarioCorpus } from './corpus.js';

/**
 * `crumple validate` over generated scenario files: valid ones mutated in their types, ranges,
 * references, YAML structure and tags, sizes and encodings. Every file gets exit 0, or exit 2 with
 * each issue on one line naming file:line and field (or the cause), never a stack, never a hang.
 */

const base = () => ({
  name: 'checkout survives',
  target: {
    command: 'node scenarios/targets/resilient.js',
    env: { PORT: '${target.port}', INVENTORY_URL: '${deps.inventory.url}', TIMEOUT_MS: 1000 },
    ready: { http: '/health', within: '10s' },
  },
  dependencies: { inventory: { via: 'proxy', behaviour: 'ok' }, feed: { protocol: 'ws' } },
  load: {
    checkout: { shape: 'steady', path: '/checkout', rate: '40/s', timeout: '5s' },
    burst: { shape: 'dogpile', n: 50, during: 'hangs' },
  },
  phases: [
    { name: 'baseline', for: '3s' },
    { name: 'hangs', for: '5s', faults: [{ dependency: 'inventory', behaviour: 'hang' }] },
    { name: 'slow', for: 2000, faults: [{ dependency: 'inventory', toxic: 'latency', latency: 300, jitter: 50 }] },
    { name: 'down', for: '1s', faults: [{ dependency: 'inventory', down: true }] },
  ],
  expect: {
    'steady-state': { phase: 'baseline', errors: '< 1%', p99: '< 300ms' },
    timeout: { dependency: 'inventory', within: '1200ms', phase: 'hangs' },
    'latency.checkout': { load: 'checkout', p99: '< 2s' },
    survives: true,
  },
});

/** Values of every type and of hostile shapes. */
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1e308, -1e-300, Number.MAX_SAFE_INTEGER, 2 ** 31, 65536, '', ' ', '0', '-5s', '99999h', '1e9ms', 'NaN', '∞', '< 0%', '<= 101%', '${', '${target.port', '${deps.nope.url}', '$${x}', '${env.}', '\u0000\u001b[2J', '\ud800', 'x'.repeat(300)),
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.double(),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 }), { maxKeys: 3 }),
);

type Path = (string | number)[];

/** Every path into an object (so a mutation can land anywhere). */
function paths(v: unknown, at: Path = []): Path[] {
  if (v === null || typeof v !== 'object') return [at];
  const keys = Array.isArray(v) ? v.map((_, i) => i) : Object.keys(v);
  return [at, ...keys.flatMap((k) => paths((v as Record<string | number, unknown>)[k], [...at, k]))];
}

function setAt(obj: unknown, path: Path, value: unknown, mode: 'set' | 'delete' | 'rename'): unknown {
  if (!path.length) return mode === 'set' ? value : obj;
  const [k, ...rest] = path;
  const o = obj as Record<string | number, unknown>;
  if (rest.length) {
    o[k!] = setAt(o[k!], rest, value, mode);
    return obj;
  }
  if (mode === 'delete') Array.isArray(o) ? o.splice(Number(k), 1) : delete o[k!];
  else if (mode === 'rename' && !Array.isArray(o)) {
    o[`${String(k)}${typeof value === 'string' ? value.slice(0, 3) : 'x'}`] = o[k!];
    delete o[k!];
  } else o[k!] = value;
  return obj;
}

/** A structural mutation of the scenario object. */
const objectMutation = fc.record({ pick: fc.nat(), value: anyValue, mode: fc.constantFrom('set', 'set', 'set', 'delete', 'rename') as fc.Arbitrary<'set' | 'delete' | 'rename'> });

/** Text-level mutations: YAML structure, tags, anchors, sizes, encodings. */
const textMutation = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom('? [a, b]\n: 1\n', '*a: 1\n', '[', ']', '{', '}', ': ', '- ', '\n  ', '\t', '&a ', '*a', '*nope', '!!js/function ', '!!binary ', '!foo ', '<<: *a\n', '? ', '|\n', '>-\n', '"', "'", '#', '%YAML 1.1\n', '---\n', '...\n', '\u0000', '\ufeff', '\r\n', '\u2028', '@', '`', '%') }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('nest' as const), depth: fc.integer({ min: 1, max: 3000 }), open: fc.constantFrom('[', '{', '- ', '  a:\n') }),
  fc.record({ kind: fc.constant('laughs' as const), levels: fc.integer({ min: 2, max: 12 }) }),
  fc.record({ kind: fc.constant('bytes' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('utf16' as const) }),
  fc.record({ kind: fc.constant('huge' as const), over: fc.boolean() }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

type TextMutation = typeof textMutation extends fc.Arbitrary<infer M> ? M : never;

function applyText(text: string, m: TextMutation): Buffer {
  switch (m.kind) {
    case 'insert': {
      const i = m.at % (text.length + 1);
      return Buffer.from(text.slice(0, i) + m.text + text.slice(i));
    }
    case 'delete': {
      const i = m.at % (text.length + 1);
      return Buffer.from(text.slice(0, i) + text.slice(i + m.len));
    }
    case 'nest':
      return Buffer.from(`${text}extra: ${m.open === '  a:\n' ? '\n' + Array.from({ length: m.depth }, (_, i) => `${' '.repeat(i + 1)}a:`).join('\n') + ' 1' : m.open.repeat(m.depth)}\n`);
    case 'laughs': {
      let out = `${text}l0: &l0 [x, x, x, x, x, x, x, x, x]\n`;
      for (let i = 1; i < m.levels; i++) out += `l${i}: &l${i} [${Array(9).fill(`*l${i - 1}`).join(', ')}]\n`;
      return Buffer.from(out);
    }
    case 'bytes': {
      const b = Buffer.from(text);
      const i = m.at % (b.length + 1);
      return Buffer.concat([b.subarray(0, i), Buffer.from(m.bytes), b.subarray(i)]);
    }
    case 'utf16':
      return Buffer.from(`\ufeff${text}`, 'utf16le');
    case 'huge':
      return Buffer.from(`${text}description: "${'x'.repeat(m.over ? 1_000_001 : 900_000)}"\n`);
    case 'truncate':
      return Buffer.from(text.slice(0, m.at % (text.length + 1)));
  }
}

const caseArb = fc.record({
  objectMutations: fc.array(objectMutation, { maxLength: 3 }),
  textMutations: fc.array(textMutation, { maxLength: 2 }),
  json: fc.boolean(),
});

describe('fuzz: crumple validate on generated scenario files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'crumple-fuzz-scn-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const check = async (file: string, what: string) => {
    const r = await bounded(what, cli(['validate', file]));
    expectOneLineRefusal(r, what);
    if (r.code === 2) {
      // Every issue line names the file (file: or file:line:col:), or the refusal names the file.
      const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
      for (const l of lines) expect(l, `${what}\n${r.stderr}`).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    }
    return r;
  };

  it('1,200 generated files: exit 0 or 2, each issue one line with file:line and field, no stack, no hang', async () => {
    // Nothing may reach the terminal behind crumple's back either (a library's process warning).
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    let n = 0;
    const codes = { 0: 0, 2: 0 } as Record<number, number>;
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        let obj: unknown = base();
        for (const m of c.objectMutations) {
          const all = paths(obj);
          obj = setAt(obj, all[m.pick % all.length]!, m.value, m.mode);
        }
        let text = c.json ? JSON.stringify(obj, null, 2) : stringify(obj, { aliasDuplicateObjects: false });
        let bytes: Buffer = Buffer.from(text);
        for (const m of c.textMutations) {
          bytes = applyText(text, m);
          text = bytes.toString('utf8');
        }
        const file = join(dir, `case-${n++}.${c.json ? 'json' : 'yaml'}`);
        writeFileSync(file, bytes);
        const r = await check(file, `case ${JSON.stringify(c).slice(0, 400)}`);
        codes[r.code] = (codes[r.code] ?? 0) + 1;
        rmSync(file);
      }),
      { numRuns: 1200, seed: 1212, endOnFailure: true, ...(process.env.FUZZ_PATH ? { path: process.env.FUZZ_PATH } : {}) },
    );
    process.off('warning', onWarning);
    expect(warnings).toEqual([]);
    // Both answers occur: the generator reaches valid files and invalid ones.
    expect(codes[0]).toBeGreaterThan(0);
    expect(codes[2]).toBeGreaterThan(0);
  }, 300_000);

  it('files that are not regular files are refused before reading, naming the kind', async () => {
    const link = join(dir, 'zero.yaml');
    symlinkSync('/dev/zero', link);
    mkdirSync(join(dir, 'adir.yaml'));
    const zero = await check(link, '/dev/zero');
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/is not a regular file \(it is a character device\)/);
    const d = await check(join(dir, 'adir.yaml'), 'a directory');
    expect(d.stderr).toMatch(/is not a regular file \(it is a directory\)/);
  });

  it.each(scenarioCorpus)('past find: $name', async ({ name, text, expect: want }) => {
    const file = join(dir, `${name.replace(/\W+/g, '-')}.yaml`);
    writeFileSync(file, typeof text === 'string' ? text : Buffer.from(text));
    const r = await check(file, name);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(want);
  });
});
