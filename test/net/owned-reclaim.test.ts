import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetworkFaults } from '../../src/faults/network.js';
import { apiKey, ownedDir, type OwnedChange } from '../../src/faults/owned.js';
import { cli } from '../helpers/cli.js';
import { onCleanup, tcpServer } from '../helpers/listen.js';
import { proxyApi } from './proxy-helpers.js';

/** The server's proxies as raw JSON (with their toxics). */
async function proxies(url: string): Promise<Record<string, { upstream: string; enabled: boolean; toxics: { name: string }[] }>> {
  return (await (await fetch(`${url}/proxies`)).json()) as never;
}

/** A pid that existed and is gone now (a child that exited and was reaped). */
async function deadPid(): Promise<number> {
  const c = spawn('true');
  await new Promise((r) => c.on('exit', r));
  return c.pid!;
}

/** A pid that stays alive for the test. */
function livePid(): number {
  const c = spawn('sleep', ['60']);
  onCleanup(() => void c.kill('SIGKILL'));
  return c.pid!;
}

/** What a crumple killed by SIGKILL leaves: its owner file, with the changes it never undid. */
function ownerFile(pid: number, changes: OwnedChange[]): void {
  mkdirSync(ownedDir(), { recursive: true, mode: 0o700 });
  const file = join(ownedDir(), `${pid}.json`);
  writeFileSync(file, JSON.stringify({ pid, changes: changes.map((c) => ({ ...c, apiUrl: apiKey(c.apiUrl) })) }));
  onCleanup(() => rmSync(file, { force: true }));
}

describe('what a killed crumple left on a Toxiproxy is reclaimed, never someone else\'s', () => {
  it('a run finding its proxy left by a dead crumple (another upstream, a toxic on it) reclaims it with a note instead of failing', async () => {
    const { url, tp } = await proxyApi();
    const old = await tcpServer(() => {});
    const now = await tcpServer(() => {});
    const stale = await tp.createProxy({ name: 'crumple-inventory', listen: '127.0.0.1:0', upstream: `127.0.0.1:${old.port}` } as never);
    await stale.addToxic({ type: 'latency', name: 'latency_downstream', attributes: { latency: 300 } } as never);
    const pid = await deadPid();
    ownerFile(pid, [
      { apiUrl: url, kind: 'proxy', proxy: 'crumple-inventory', upstream: `127.0.0.1:${old.port}` },
      { apiUrl: url, kind: 'toxic', proxy: 'crumple-inventory', toxic: 'latency_downstream' },
    ]);
    const notes: string[] = [];
    const f = new NetworkFaults(url, { note: (l) => notes.push(l) });
    onCleanup(async () => void (await f.rollback()));
    await f.ensureProxy('crumple-inventory', `127.0.0.1:${now.port}`);
    expect(notes.join('\n')).toMatch(new RegExp(`reclaimed proxy 'crumple-inventory' at .* left by crumple pid ${pid} \\(no longer running\\)`));
    const p = (await proxies(url))['crumple-inventory']!;
    expect(p.upstream).toBe(`127.0.0.1:${now.port}`);
    expect(p.toxics).toEqual([]);
  });

  it('a proxy owned by a crumple still running is left alone, and the error says whose it is', async () => {
    const { url, tp } = await proxyApi();
    const up = await tcpServer(() => {});
    await tp.createProxy({ name: 'crumple-inventory', listen: '127.0.0.1:0', upstream: '127.0.0.1:1' } as never);
    const pid = livePid();
    ownerFile(pid, [{ apiUrl: url, kind: 'proxy', proxy: 'crumple-inventory', upstream: '127.0.0.1:1' }]);
    const f = new NetworkFaults(url);
    const err = await f.ensureProxy('crumple-inventory', `127.0.0.1:${up.port}`).catch((e) => e);
    expect(err.code).toBe('PROXY_FAILED');
    expect(err.message).toMatch(new RegExp(`belongs to crumple pid ${pid}, still running`));
    expect((await tp.get('crumple-inventory')).upstream).toBe('127.0.0.1:1');
  });

  it('a conflicting proxy no crumple here recorded is never touched; the error says how to recover', async () => {
    const { url, tp } = await proxyApi();
    const up = await tcpServer(() => {});
    await tp.createProxy({ name: 'crumple-inventory', listen: '127.0.0.1:0', upstream: '127.0.0.1:1' } as never);
    const err = await new NetworkFaults(url).ensureProxy('crumple-inventory', `127.0.0.1:${up.port}`).catch((e) => e);
    expect(err.message).toMatch(/already exists .* with upstream 127\.0\.0\.1:1, not .*; crumple on this machine did not create it: remove it on that server \(DELETE http:\/\/127\.0\.0\.1:\d+\/proxies\/crumple-inventory\)/);
    expect((await tp.get('crumple-inventory')).upstream).toBe('127.0.0.1:1');
  });

  it('toxic reset --mine undoes only what dead crumples left: their proxy, their toxic on a proxy of someone else, their down', async () => {
    const { url, tp } = await proxyApi();
    const up = await tcpServer(() => {});
    await tp.createProxy({ name: 'crumple-a', listen: '127.0.0.1:0', upstream: `127.0.0.1:${up.port}` } as never);
    const theirs = await tp.createProxy({ name: 'theirs', listen: '127.0.0.1:0', upstream: `127.0.0.1:${up.port}` } as never);
    await theirs.addToxic({ type: 'latency', name: 'mine', attributes: { latency: 1 } } as never);
    await theirs.addToxic({ type: 'latency', name: 'their-own', stream: 'upstream', attributes: { latency: 2 } } as never);
    const down = await tp.createProxy({ name: 'left-down', listen: '127.0.0.1:0', upstream: `127.0.0.1:${up.port}` } as never);
    await down.update({ enabled: false } as never);
    await tp.createProxy({ name: 'live-one', listen: '127.0.0.1:0', upstream: `127.0.0.1:${up.port}` } as never);
    ownerFile(await deadPid(), [
      { apiUrl: url, kind: 'proxy', proxy: 'crumple-a' },
      { apiUrl: url, kind: 'toxic', proxy: 'theirs', toxic: 'mine' },
      { apiUrl: url, kind: 'disabled', proxy: 'left-down' },
    ]);
    const live = livePid();
    ownerFile(live, [{ apiUrl: url, kind: 'proxy', proxy: 'live-one' }]);
    const r = await cli(['toxic', 'reset', '--mine', '--toxiproxy', url]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/reclaimed proxy 'crumple-a'/);
    expect(r.stdout).toMatch(/reclaimed toxic 'mine' on proxy 'theirs'/);
    expect(r.stdout).toMatch(/reclaimed proxy 'left-down' left down \(re-enabled\)/);
    expect(r.stdout).toMatch(new RegExp(`kept proxy 'live-one': crumple pid ${live} is still running`));
    const all = await proxies(url);
    expect(Object.keys(all).sort()).toEqual(['left-down', 'live-one', 'theirs']);
    expect(all['theirs']!.toxics.map((t) => t.name)).toEqual(['their-own']);
    expect(all['left-down']!.enabled).toBe(true);
    // Reclaimed once: a second reset finds nothing stale.
    expect((await cli(['toxic', 'reset', '--mine', '--toxiproxy', url])).stdout).toMatch(/nothing stale/);
  });
});

describe('the allow-host guard covers the Toxiproxy API', () => {
  it('a non-loopback --toxiproxy is refused before anything is sent, for every toxic command', async () => {
    for (const args of [['list'], ['reset'], ['reset', '--mine'], ['add', 'p', '--type', 'latency'], ['down', 'p']]) {
      const r = await cli(['toxic', ...args, '--toxiproxy', 'http://10.9.9.9:8474']);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/refusing to (reach Toxiproxy|use the Toxiproxy API) at 10\.9\.9\.9: not a loopback host/);
    }
  });

  it('crumple run refuses --toxiproxy ftp://… as a flag, and a non-loopback toxiproxy (flag or file) without --allow-host', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crumple-guard-'));
    onCleanup(() => rmSync(dir, { recursive: true, force: true }));
    const body = (tp: string) => `name: guard\n${tp}target: { url: "http://127.0.0.1:9" }\ndependencies: { inventory: {} }\nphases: [{ name: a, for: 1s }]\nexpect: { survives: true }\n`;
    writeFileSync(join(dir, 'flag.yaml'), body(''));
    writeFileSync(join(dir, 'file.yaml'), body('toxiproxy: http://10.9.9.9:8474\n'));
    const ftp = await cli(['run', join(dir, 'flag.yaml'), '--toxiproxy', 'ftp://127.0.0.1:8474', '--reports', dir]);
    expect(ftp.code).toBe(2);
    expect(ftp.stderr).toMatch(/^crumple: --toxiproxy: 'ftp:\/\/127\.0\.0\.1:8474' must be an http\(s\) URL/);
    for (const [file, extra] of [['flag.yaml', ['--toxiproxy', 'http://10.9.9.9:8474']], ['file.yaml', []]] as const) {
      const r = await cli(['run', join(dir, file), ...extra, '--reports', dir, '--quiet']);
      expect(r.code).toBe(2);
      expect(r.stdout + r.stderr).toMatch(/refusing to (reach Toxiproxy|use the Toxiproxy API) at 10\.9\.9\.9/);
    }
  });
});
