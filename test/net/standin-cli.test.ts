import { describe, expect, it } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.js';
import { main } from '../../src/cli/main.js';
import { bufferIo } from '../../src/cli/io.js';
import { get, until } from './standin-helpers.js';
import { WebSocket } from 'ws';

/** Starts `crumple serve ...` in-process; returns its output so far and a stop function. */
async function serve(args: string[]) {
  const ac = new AbortController();
  const io = bufferIo(ac.signal);
  const done = main(['serve', ...args], io);
  const out = () => io.stdout.join('');
  const err = () => io.stderr.join('');
  await Promise.race([until(() => /control API|\}\n/.test(out() + err()) || io.stderr.length > 0, 20_000), done]);
  return {
    out,
    err,
    stop: async () => {
      ac.abort();
      return done;
    },
    done,
  };
}

describe('crumple serve and crumple standin', () => {
  it('serve --zoo --json prints one JSON object name → port, each port answers its behaviour, abort exits 0', async () => {
    const s = await serve(['--zoo', '--json']);
    const ports = JSON.parse(s.out()) as Record<string, number>;
    expect(Object.keys(ports)).toEqual(expect.arrayContaining(['ok', 'hang', 'sequence', 'echo', 'close-all']));
    expect(s.err()).toMatch(/control API: http:\/\/127\.0\.0\.1:\d+/);
    expect((await get(`http://127.0.0.1:${ports.ok}`)).status).toBe(200);
    expect((await get(`http://127.0.0.1:${ports.status}`)).status).toBe(503);
    expect((await get(`http://127.0.0.1:${ports.refuse}`)).error).toBe('ECONNREFUSED');
    expect(await s.stop()).toBe(0);
    expect((await get(`http://127.0.0.1:${ports.ok}`)).error).toBe('ECONNREFUSED');
  });

  it('serve --config starts named stand-ins; standin set/get/log/reset drive them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'crumple-serve-'));
    const file = join(dir, 'deps.yaml');
    await writeFile(
      file,
      [
        'standins:',
        '  inventory:',
        '    contract:',
        '      - request: { method: GET, path: /items/:id }',
        '        response: { json: { id: ":id" } }',
        '  feed: { protocol: ws }',
      ].join('\n'),
    );
    const s = await serve(['--config', file]);
    expect(s.out()).toMatch(/inventory\s+http\s+\d+/);
    const control = /control API: (\S+)/.exec(s.out())![1]!;
    const port = Number(/inventory\s+http\s+(\d+)/.exec(s.out())![1]);
    const inv = `http://127.0.0.1:${port}`;
    expect(JSON.parse((await get(inv, { path: '/items/9' })).body.toString())).toEqual({ id: '9' });

    const list = await cli(['standin', 'list', '--control', control]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/inventory\s+http/);

    // set holds the switch for --for, then restores the previous behaviour; here Ctrl-C ends it early.
    const ac = new AbortController();
    const setIo = bufferIo(ac.signal);
    const set = main(['standin', 'set', 'inventory', 'status', '--param', 'status=429', '--param', 'retryAfter=5', '--for', '10m', '--control', control], setIo);
    await until(() => setIo.stdout.join('').includes('now status'));
    expect(setIo.stdout.join('')).toMatch(/inventory: now status status=429 retryAfter=5; back to ok in 600\.0 s \(Ctrl-C restores it now\)/);
    const r = await get(inv);
    expect(r.status).toBe(429);
    expect(r.headers!['retry-after']).toBe('5');
    const log = await cli(['standin', 'log', 'inventory', '--control', control]);
    expect(log.code).toBe(0);
    expect(log.stdout).toMatch(/GET \/ → status 429/);
    ac.abort();
    expect(await set).toBe(0);
    expect(setIo.stdout.join('')).toMatch(/inventory: back to ok .* after .* \(interrupted\)/);
    expect((await get(inv)).status).toBe(404); // ok with a contract: / is not in it

    // Without Ctrl-C it expires by itself.
    const short = await cli(['standin', 'set', 'inventory', 'hang', '--for', '200ms', '--control', control]);
    expect(short.code).toBe(0);
    expect(short.stdout).toMatch(/inventory: back to ok .* after/);
    expect((await cli(['standin', 'get', 'inventory', '--control', control])).stdout).toMatch(/inventory \(.*\): ok/);
    expect((await cli(['standin', 'set', 'inventory', 'hang', '--for', '2h', '--control', control])).stderr).toMatch(/--for: at most 3600\.0 s/);

    const bad = await cli(['standin', 'set', 'inventory', 'slow', '--params', '{"delay":"later"}', '--control', control]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--param delay: .later. is not a duration/);

    const missing = await cli(['standin', 'get', 'nobody', '--control', control]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no stand-in named 'nobody'/);

    const reset = await cli(['standin', 'reset', 'inventory', '--control', control, '--json']);
    expect(JSON.parse(reset.stdout)).toMatchObject({ name: 'inventory', behaviour: 'ok' });
    const all = await cli(['standin', 'reset', '--all', '--control', control]);
    expect(all.code).toBe(0);
    expect(all.stdout).toBe('inventory: reset to ok, log cleared\nfeed: reset to echo, log cleared\n');
    expect((await cli(['standin', 'reset', '--control', control])).stderr).toMatch(/name a stand-in, or pass --all/);
    expect(await s.stop()).toBe(0);
  });

  it('the zoo\u2019s close-all stand-in sweeps every few seconds: a client that connects later is closed (1012)', async () => {
    const s = await serve(['--zoo', '--json']);
    const ports = JSON.parse(s.out()) as Record<string, number>;
    const ws = new WebSocket(`ws://127.0.0.1:${ports['close-all']}`);
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    ws.on('error', () => {});
    const code = await Promise.race([closed, new Promise<string>((r) => setTimeout(() => r('still open after 10 s'), 10_000))]);
    expect(code).toBe(1012);
    expect(await s.stop()).toBe(0);
  });

  it('serve refuses bad input with exit 2 and a one-line message', async () => {
    expect((await cli(['serve'])).stderr).toMatch(/exactly one of --zoo or --config/);
    expect((await cli(['serve', '--zoo', '--base-port', 'x'])).stderr).toMatch(/--base-port/);
    expect((await cli(['serve', '--zoo', '--host', '0.0.0.0'])).code).toBe(2);
    const dir = await mkdtemp(join(tmpdir(), 'crumple-serve-'));
    const file = join(dir, 'bad.yaml');
    await writeFile(file, 'standins:\n  a: { behaviour: slow, params: { delay: soon } }\n  b: { behaviour: nope }\n');
    const r = await cli(['serve', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/standins\.a\.params\.delay/);
    expect(r.stderr).toMatch(/standins\.b\.behaviour/);
    expect((await cli(['serve', '--config', join(dir, 'missing.yaml')])).stderr).toMatch(/config file '.*missing\.yaml' does not exist/);
  });

  it('standin refuses a non-loopback control URL and explains an unreachable one', async () => {
    const far = await cli(['standin', 'list', '--control', 'http://10.1.2.3:4000']);
    expect(far.code).toBe(2);
    expect(far.stderr).toMatch(/not a loopback address/);
    const none = await cli(['standin', 'list', '--control', 'http://127.0.0.1:1']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/cannot reach the control API/);
  });
});
