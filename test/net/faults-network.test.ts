import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Toxiproxy } from 'toxiproxy-node-client';
import { NetworkFaults } from '../../src/faults/network.js';
import { cli } from '../helpers/cli.js';
import { onCleanup, tcpServer } from '../helpers/listen.js';
import { proxyApi, echoProxy, dial, record, sleep } from './proxy-helpers.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

async function until<T>(f: () => Promise<T | undefined>, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(25);
  }
}

describe('NetworkFaults drives any Toxiproxy through the node client and rolls everything back', () => {
  it('rollback removes the toxics it added, re-enables what it disabled and deletes the proxies it created', async () => {
    const { url, tp } = await proxyApi();
    const up = await tcpServer(() => {});
    const { proxy: theirs } = await echoProxy(tp, 'theirs');
    await theirs.addToxic({ type: 'latency', name: 'keep-me', attributes: { latency: 5 } } as never);
    const f = new NetworkFaults(url);
    const { listen } = await f.ensureProxy('mine', `127.0.0.1:${up.port}`);
    expect(listen).toMatch(/^127\.0\.0\.1:[1-9]\d*$/);
    expect(await f.ensureProxy('mine', `127.0.0.1:${up.port}`)).toEqual({ listen }); // reused
    await expect(f.ensureProxy('mine', '127.0.0.1:1')).rejects.toThrow(/already exists .* with upstream/);
    expect(await f.addToxic('mine', { type: 'latency', attributes: { latency: 100 } })).toBe('latency_downstream');
    await f.addToxic('theirs', { type: 'timeout', name: 'mine-on-theirs', stream: 'upstream', toxicity: 0.5, attributes: { timeout: 10 } });
    await f.setEnabled('theirs', false);
    expect((await tp.get('theirs')).enabled).toBe(false);
    expect(await f.rollback()).toEqual([]);
    const all = await tp.getAll();
    expect(Object.keys(all)).toEqual(['theirs']);
    expect(all.theirs!.enabled).toBe(true);
    const names = (JSON.parse(await (await fetch(`${url}/proxies/theirs/toxics`)).text()) as { name: string }[]).map((t) => t.name);
    expect(names).toEqual(['keep-me']); // only what this instance added is removed
    expect(await f.rollback()).toEqual([]); // idempotent
  });

  it('clear(proxy) undoes only that proxy; removeToxic removes one toxic', async () => {
    const { url, tp } = await proxyApi();
    await echoProxy(tp, 'a');
    await echoProxy(tp, 'b');
    const f = new NetworkFaults(url);
    await f.addToxic('a', { type: 'latency', attributes: { latency: 1 } });
    await f.addToxic('b', { type: 'latency', attributes: { latency: 1 } });
    await f.addToxic('b', { type: 'slow_close', attributes: { delay: 1 } });
    await f.removeToxic('b', 'slow_close_downstream');
    await f.clear('a');
    expect((await fetch(`${url}/proxies/a/toxics`).then((r) => r.json())) as unknown[]).toEqual([]);
    expect(((await fetch(`${url}/proxies/b/toxics`).then((r) => r.json())) as { name: string }[]).map((t) => t.name)).toEqual(['latency_downstream']);
    expect(f.applied().toxics).toEqual([{ proxy: 'b', name: 'latency_downstream' }]);
  });

  it('refuses bad toxics before they reach the server, naming the field', async () => {
    const { url, tp } = await proxyApi();
    await echoProxy(tp, 'a');
    const f = new NetworkFaults(url);
    await expect(f.addToxic('a', { type: 'latncy' } as never)).rejects.toThrow(/unknown toxic 'latncy' \(did you mean 'latency'\?\)/);
    await expect(f.addToxic('a', { type: 'latency', attributes: { latncy: 5 } })).rejects.toThrow(/unknown latency attribute 'latncy'/);
    await expect(f.addToxic('a', { type: 'bandwidth', attributes: { rate: -1 } })).rejects.toThrow(/rate must be >= 0/);
    await expect(f.addToxic('a', { type: 'slicer', attributes: { average_size: 0 } })).rejects.toThrow(/average_size/);
    await expect(f.addToxic('a', { type: 'latency', toxicity: 2 })).rejects.toThrow(/toxicity/);
    await expect(f.addToxic('nope', { type: 'latency' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await f.addToxic('a', { type: 'latency' });
    await expect(f.addToxic('a', { type: 'latency' })).rejects.toThrow(/already exists/);
    expect((await tp.get('a')).name).toBe('a');
  });

  it('rollback against an unreachable server returns the errors instead of throwing', async () => {
    const { url, tp } = await proxyApi();
    await echoProxy(tp, 'a');
    const f = new NetworkFaults(url);
    await f.addToxic('a', { type: 'latency' });
    const dead = await tcpServer((s) => s.destroy());
    const g = new NetworkFaults(`http://127.0.0.1:${dead.port}`);
    await expect(g.addToxic('a', { type: 'latency' })).rejects.toThrow(/cannot reach Toxiproxy/);
    // Simulate a server that went away after faults were applied.
    (f as unknown as { client: Toxiproxy }).client = new Toxiproxy(`http://127.0.0.1:${dead.port}`);
    const errors = await f.rollback();
    expect(errors.length).toBe(1);
    expect(errors[0]).toMatch(/cannot reach Toxiproxy/);
  });
});

describe('crumple toxic: bounded game-day faults', () => {
  it('toxic add applies the toxic, keeps it for --for, then removes it', async () => {
    const { url, tp } = await proxyApi();
    await echoProxy(tp, 'db');
    const run = cli(['toxic', 'add', 'db', '--type', 'latency', '--attr', 'latency=800', '--attr', 'jitter=200', '--stream', 'upstream', '--toxicity', '0.5', '--for', '600ms', '--toxiproxy', url]);
    const seen = await until(async () => {
      const ts = (await fetch(`${url}/proxies/db/toxics`).then((r) => r.json())) as { name: string; attributes: unknown; toxicity: number }[];
      return ts.length ? ts : undefined;
    });
    expect(seen).toEqual([{ attributes: { latency: 800, jitter: 200 }, name: 'latency_upstream', type: 'latency', stream: 'upstream', toxicity: 0.5 }]);
    const r = await run;
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/applied toxic 'latency_upstream' on proxy 'db': latency latency=800 ms jitter=200 ms \(upstream, 50 %\)/);
    expect(r.stdout).toMatch(/removed toxic 'latency_upstream' from proxy 'db'/);
    expect(await fetch(`${url}/proxies/db/toxics`).then((x) => x.json())).toEqual([]);
  });

  it('toxic add --upstream creates the proxy and deletes it afterwards; an abort removes the fault early', async () => {
    const { url, tp } = await proxyApi();
    const up = await tcpServer(() => {});
    const ac = new AbortController();
    const run = cli(['toxic', 'add', 'new', '--upstream', `127.0.0.1:${up.port}`, '--type', 'timeout', '--for', '60s', '--toxiproxy', url], ac.signal);
    await until(async () => ((await tp.getAll()).new ? true : undefined));
    const t0 = Date.now();
    ac.abort();
    const r = await run;
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\(interrupted\)/);
    expect(await tp.getAll()).toEqual({});
  });

  it('toxic down refuses connections for --for, then re-enables the proxy', async () => {
    const { url, tp } = await proxyApi();
    const { port } = await echoProxy(tp, 'db');
    const run = cli(['toxic', 'down', 'db', '--for', '500ms', '--toxiproxy', url]);
    await until(async () => ((await tp.get('db')).enabled ? undefined : true));
    await expect(dial(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    const r = await run;
    expect(r.code).toBe(0);
    expect((await tp.get('db')).enabled).toBe(true);
    const s = await dial(port);
    record(s);
  });

  it('bad flags exit 2 with an error naming the flag', async () => {
    const { url, tp } = await proxyApi();
    await echoProxy(tp, 'db');
    const cases: [string[], RegExp][] = [
      [['--type', 'latency', '--attr', 'latency=abc'], /--attr 'latency=abc': expected name=integer/],
      [['--type', 'latency', '--attr', 'latncy=5'], /--attr: unknown latency attribute 'latncy'/],
      [['--type', 'down'], /--type: unknown toxic 'down'.*crumple toxic down/],
      [['--type', 'latency', '--for', '2h'], /--for: at most/],
      [['--type', 'latency', '--for', 'soon'], /--for: 'soon' is not a duration/],
      [['--type', 'latency', '--stream', 'sideways'], /--stream: must be upstream or downstream/],
      [['--type', 'latency', '--toxicity', '1.5'], /--toxicity: must be a number from 0 to 1/],
      [['--type', 'bandwidth', '--attr', 'rate=-1'], /rate must be >= 0/],
      [['--type', 'latency', '--toxiproxy', 'nope'], /--toxiproxy: 'nope' is not a URL/],
      [['--type', 'latency', '--upstream', '10.1.2.3:80'], /not on loopback; pass --allow-host/],
    ];
    for (const [flags, msg] of cases) {
      const r = await cli(['toxic', 'add', 'db', ...flags, '--toxiproxy', flags.includes('--toxiproxy') ? flags[flags.indexOf('--toxiproxy') + 1]! : url]);
      expect({ flags, code: r.code }).toEqual({ flags, code: 2 });
      expect(r.stderr).toMatch(msg);
      expect(r.stderr).not.toMatch(/    at /);
    }
    const missing = await cli(['toxic', 'add', 'nope', '--type', 'latency', '--toxiproxy', url]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/proxy 'nope'.*not found/);
    expect(await fetch(`${url}/proxies/db/toxics`).then((x) => x.json())).toEqual([]);
  });

  it('toxic list shows proxies and toxics; toxic reset clears the server; toxic types lists every type', async () => {
    const { url, tp } = await proxyApi();
    const { proxy } = await echoProxy(tp, 'db');
    await proxy.addToxic({ type: 'latency', attributes: { latency: 7 } } as never);
    const list = await cli(['toxic', 'list', '--toxiproxy', url]);
    expect(list.stdout).toMatch(/^db: 127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+\n  latency_downstream: latency downstream toxicity 1 latency=7 jitter=0\n$/);
    const reset = await cli(['toxic', 'reset', '--toxiproxy', url]);
    expect(reset.code).toBe(0);
    expect(await fetch(`${url}/proxies/db/toxics`).then((x) => x.json())).toEqual([]);
    const types = await cli(['toxic', 'types']);
    for (const t of ['latency', 'bandwidth', 'slow_close', 'timeout', 'reset_peer', 'slicer', 'limit_data']) expect(types.stdout).toMatch(new RegExp(`^${t} \\[[a-z-]+\\]: `, "m"));
    const unreachable = await cli(['toxic', 'list', '--toxiproxy', 'http://127.0.0.1:9']);
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).toMatch(/cannot reach Toxiproxy at http:\/\/127\.0\.0\.1:9/);
  });

  it('crumple proxy serves the API until aborted and refuses a non-loopback host without --allow-host', async () => {
    const refused = await cli(['proxy', '--host', '0.0.0.0', '--port', '0']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--host 0\.0\.0\.0 is not a loopback address.*--allow-host/);
    const ac = new AbortController();
    const run = cli(['proxy', '--port', '0'], ac.signal);
    await sleep(300);
    ac.abort();
    const r = await run;
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Toxiproxy API on http:\/\/127\.0\.0\.1:\d+/);
    expect(r.stdout).toMatch(/stopped/);
  });

  it('SIGINT during `crumple toxic add` (a real child process) removes the toxic and exits promptly', async () => {
    const { url, tp } = await proxyApi();
    await echoProxy(tp, 'db');
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'toxic', 'add', 'db', '--type', 'latency', '--attr', 'latency=1000', '--for', '60s', '--toxiproxy', url], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    onCleanup(() => void child.kill('SIGKILL'));
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    await until(async () => (out.includes('applied toxic') ? true : undefined), 20_000);
    expect(await fetch(`${url}/proxies/db/toxics`).then((x) => x.json())).toHaveLength(1);
    const t0 = Date.now();
    child.kill('SIGINT');
    const code = await exited;
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(code).toBe(0);
    expect(out).toMatch(/removed toxic 'latency_downstream' from proxy 'db'.*\(interrupted\)/);
    const proxy = await tp.get('db');
    await expect(proxy.getToxic('latency_downstream')).rejects.toThrow('status code 404');
  });
});
