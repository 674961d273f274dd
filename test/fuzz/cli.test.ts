import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { cli } from '../helpers/cli.js';
import { startProxyServer, type ProxyServer } from '../../src/proxy/server.js';
import { bounded, expectOneLineRefusal } from './helpers.js';
import { cliCorpus } from './corpus.js';

/**
 * Generated argument vectors through the CLI in-process: a command, then flags known and mutated,
 * with values good and hostile. Every vector ends with exit 0, 1 or 2 in bounded time, a refusal says
 * one thing first, never a stack. Long commands (load, serve, proxy, toxic add) are interrupted after
 * a moment, as Ctrl-C would; nothing here reaches a port the test does not own (Toxiproxy is the
 * test's own server, stand-in control URLs refuse, loads go to a closed loopback port).
 */

let proxy: ProxyServer;
const dir = mkdtempSync(join(tmpdir(), 'crumple-fuzz-cli-'));
beforeAll(async () => {
  proxy = await startProxyServer({ host: '127.0.0.1', port: 0 });
  writeFileSync(join(dir, 'bad.yaml'), 'name: x\nphases: []\n');
  writeFileSync(join(dir, 'ok.yaml'), 'name: ok\ntarget: { url: "http://127.0.0.1:9" }\nphases: [{ name: a, for: 1s }]\nexpect: { survives: true }\n');
  process.env.TOXIPROXY_URL = proxy.url;
  process.env.CRUMPLE_CONTROL = 'http://127.0.0.1:9';
});
afterAll(async () => {
  await proxy.close();
  rmSync(dir, { recursive: true, force: true });
});

const hostile = fc.constantFrom('', ' ', '-', '--', '-1', '0', '1', '65536', '99999', '1e309', 'NaN', '-5s', '99999h', '1.5', '0.5', '2', '100/s', '-3/s', 'fast', '5 parsecs', '1%', '200%',
  'http://127.0.0.1:9/', 'http://10.9.9.9:8474', 'ftp://127.0.0.1:8474', 'http://[::1]:9/', 'http://user:pw@127.0.0.1:9/', 'file:///etc/passwd', '127.0.0.1:9', 'localhost:0',
  'latency', 'bandwidth', 'reset_peer', 'nope', 'latency=800', 'latency=-1', 'jitter=1.5', '=', 'a=b=c', 'k:v', ':', 'GET', 'G E T', 'upstream', 'downstream', 'sideways',
  '\u0000', '\u001b[2J', '\ud800', 'é', 'x'.repeat(5000), '../../etc', '/dev/zero', 'missing.yaml', '%s%n', '${target.port', 'SIGKILL');
const value = fc.oneof(hostile, fc.string({ maxLength: 12 }), fc.integer().map(String));

const flags = ['--rate', '--duration', '--connections', '--count', '--engine', '--shape', '--from', '--to', '--steps', '--step-for', '--limit-p99', '--limit-errors', '--method', '--header', '--body', '--timeout', '--allow-host',
  '--json', '-n', '--pulses', '--every', '--jitter', '--find-limit', '--type', '--attr', '--stream', '--toxicity', '--name', '--for', '--upstream', '--listen', '--toxiproxy', '--mine', '--schema', '--force', '--reports', '--run-id',
  '--quiet', '--no-color', '--port', '--host', '--control', '--token', '--param', '--params', '--limit', '--all', '--out', '--compare', '--markdown', '--help', '--version', '-V', '--bogus', '---', '-x'];

/** Commands and their positional arguments, with what would be wrong for them. */
const command = fc.oneof(
  fc.constantFrom(['validate'], ['load'], ['dogpile'], ['toxic', 'add'], ['toxic', 'down'], ['toxic', 'list'], ['toxic', 'types'], ['toxic', 'reset'], ['standin', 'list'], ['standin', 'set'], ['standin', 'get'], ['standin', 'log'],
    ['report'], ['run'], ['init'], ['proxy', '--port', '0'], ['contract', 'verify'], ['serv'], [], ['help']),
  fc.string({ maxLength: 8 }).map((s) => [s]),
);

const positional = () => fc.oneof(hostile, fc.constantFrom(join(dir, 'bad.yaml'), join(dir, 'ok.yaml'), join(dir, 'new-starter.yaml'), 'test/fixtures/reports/naive', 'test/fixtures/reports/not-json', 'crumple-fuzz-p', 'http://127.0.0.1:9/x'));

let seq = 0;
const argv = fc
  .tuple(command, fc.array(positional(), { maxLength: 2 }), fc.array(fc.tuple(fc.constantFrom(...flags), fc.option(value, { nil: undefined })), { maxLength: 4 }), fc.boolean())
  .map(([cmd, pos, fl, shuffle]) => {
    // `init` writes only inside the test's folder.
    const out = cmd[0] === 'init' ? ['init', join(dir, `starter-${seq++}.yaml`)] : [...cmd, ...pos];
    for (const [f, v] of fl) {
      out.push(f);
      // Whatever writes files writes them inside the test's folder.
      if (f === '--out' || f === '--reports') out.push(join(dir, 'out'));
      else if (v !== undefined) out.push(v);
    }
    // Never pointed at a Toxiproxy other than the test's own or an unreachable one.
    const fixed = out.map((a, i) => (out[i - 1] === '--toxiproxy' && /^https?:\/\/(127\.|localhost|\[::1\])/.test(a) ? proxy.url : a));
    // A run that gets going writes its report inside the test's folder too.
    if (cmd[0] === 'run') fixed.push('--reports', join(dir, 'out'));
    return shuffle && fixed.length > 2 && cmd[0] !== 'init' && cmd[0] !== 'proxy' ? [fixed[0]!, ...fixed.slice(1).reverse()] : fixed;
  })
  // `proxy` binds only port 0 (a fixed port could be someone else's); serve and explore are not fuzzed here.
  .filter((a) => a.every((x, i) => a[i - 1] !== '--port' || x === '0') && (a[0] !== 'proxy' || a[2] === '0') && a[0] !== 'serve' && a[0] !== 'explore');

describe('fuzz: CLI argument vectors, in-process', () => {
  it('1,000 vectors: exit 0, 1 or 2 in bounded time, one line first when refused, never a stack', async () => {
    const codes: Record<number, number> = {};
    await fc.assert(
      fc.asyncProperty(argv, async (args) => {
        const ac = new AbortController();
        // As a Ctrl-C would: anything still running after a moment is stopped and must then return.
        const t = setTimeout(() => ac.abort(new Error('SIGINT')), 150);
        try {
          const r = await bounded(`crumple ${JSON.stringify(args).slice(0, 300)}`, cli(args, ac.signal));
          expectOneLineRefusal(r, `crumple ${JSON.stringify(args).slice(0, 300)}\n${r.stderr.slice(0, 500)}`);
          codes[r.code] = (codes[r.code] ?? 0) + 1;
        } finally {
          clearTimeout(t);
        }
      }),
      { numRuns: 1000, seed: 1213, endOnFailure: true, ...(process.env.FUZZ_PATH ? { path: process.env.FUZZ_PATH } : {}) },
    );
    expect(codes[2]).toBeGreaterThan(0);
    // The test's Toxiproxy still answers, and holds nothing the vectors added (every fault is rolled back).
    const left = (await (await fetch(`${proxy.url}/proxies`)).json()) as Record<string, { toxics: unknown[]; enabled: boolean }>;
    for (const p of Object.values(left)) {
      expect(p.toxics).toEqual([]);
      expect(p.enabled).toBe(true);
    }
  }, 600_000);

  it.each(cliCorpus)('past find: $name', async ({ args, expect: want }) => {
    const r = await bounded(args.join(' '), cli(args));
    expect(r.code).toBe(2);
    expectOneLineRefusal(r, args.join(' '));
    expect(r.stderr).toMatch(want);
  });
});
