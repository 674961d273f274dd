import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { onCleanup } from '../helpers/listen.js';
import { alive } from '../helpers/proc.js';
import { cli } from '../helpers/cli.js';
import { startProxyServer } from '../../src/proxy/server.js';

/**
 * `crumple run` killed at random moments, as a child process against an external Toxiproxy it does
 * not own. SIGKILL: crumple runs no code, yet its target's process group must die (the supervisor)
 * and what it left on the Toxiproxy must be reclaimable (the next run, or `toxic reset --mine`).
 * SIGINT: it rolls back by itself and exits 2 with a report, from its first line of code on.
 */

/** Every process whose environment holds `needle` (the target's env carries the test's marker). */
function processesWith(needle: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/environ`, 'latin1').split('\0').includes(needle) && alive(Number(d))) out.push(Number(d));
    } catch {
      /* gone, or not ours */
    }
  }
  return out;
}

const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); resolve(false); });
    s.once('error', () => resolve(true));
  });

async function until(cond: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
}

function scenario(dir: string, marker: string): string {
  const file = join(dir, `${marker}.yaml`);
  writeFileSync(
    file,
    `name: killed
target:
  command: node scenarios/targets/resilient.js
  env: { PORT: "\${target.port}", INVENTORY_URL: "\${deps.inventory.url}", KILL_MARK: "${marker}" }
  ready: { http: /health }
  stop: { grace: 1s }
dependencies:
  inventory: {}
load:
  checkout: { shape: steady, path: /checkout, rate: 20/s }
phases:
  - { name: baseline, for: 1s }
  - { name: slow network, for: 60s, faults: [{ dependency: inventory, toxic: latency, latency: 300 }] }
expect:
  survives: true
`,
  );
  return file;
}

/** One child crumple run, killed with `signal` after `afterMs`; what it printed and how it ended. */
async function killedRun(dir: string, apiUrl: string, marker: string, signal: NodeJS.Signals, afterMs: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', 'run', scenario(dir, marker), '--reports', dir, '--run-id', marker, '--toxiproxy', apiUrl], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  onCleanup(() => void child.kill('SIGKILL'));
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<{ code: number | null; signal: string | null }>((r) => child.on('exit', (code, sig) => r({ code, signal: sig })));
  await new Promise((r) => setTimeout(r, afterMs));
  child.kill(signal);
  const how = await exited;
  const port = Number(/target ready after .* on http:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1] ?? 0);
  return { how, out, port, pid: child.pid! };
}

/** Nothing of that run is left: no target or supervisor process, the target's port closed. */
async function nothingRunning(marker: string, crumplePid: number, port: number): Promise<void> {
  // The supervisor allows the target its 1 s grace after SIGTERM, then SIGKILLs the group.
  const gone = await until(() => processesWith(`KILL_MARK=${marker}`).length === 0 && processesWith(`CRUMPLE_SUPERVISOR_OF=${crumplePid}`).length === 0, 15_000);
  expect(gone, `processes left: ${processesWith(`KILL_MARK=${marker}`)} ${processesWith(`CRUMPLE_SUPERVISOR_OF=${crumplePid}`)}`).toBe(true);
  if (port) expect(await refused(port)).toBe(true);
}

// Seeded: the same moments on every run of the suite; a failure names its moment.
// One moment drawn in each window: start-up, loading, stand-ins and proxy, target start, load and faults.
const within = (windows: [number, number][], seed: number) => windows.map(([min, max], i) => fc.sample(fc.integer({ min, max }), { numRuns: 1, seed: seed + i })[0]!);
const killMoments = within([[0, 300], [300, 1200], [1200, 2500], [2500, 5000]], 12);
const intMoments = within([[0, 50], [50, 100], [100, 600], [600, 2000], [2000, 5000]], 13);

describe('nothing survives a killed crumple run', () => {
  it(`SIGKILL at ${killMoments.join(', ')} ms: no process or port survives; the proxy and toxic it left are reclaimed by the next run or toxic reset --mine`, async () => {
    const proxy = await startProxyServer();
    onCleanup(() => proxy.close());
    const dir = mkdtempSync(join(tmpdir(), 'crumple-kill-'));
    onCleanup(() => rmSync(dir, { recursive: true, force: true }));
    for (const [i, ms] of killMoments.entries()) {
      const marker = `kill${i}x${ms}`;
      const { pid, port } = await killedRun(dir, proxy.url, marker, 'SIGKILL', ms);
      await nothingRunning(marker, pid, port);
      const left = Object.keys((await (await fetch(`${proxy.url}/proxies`)).json()) as object);
      if (i % 2 === 0) {
        const r = await cli(['toxic', 'reset', '--mine', '--toxiproxy', proxy.url]);
        expect(r.code).toBe(0);
        if (left.length) expect(r.stdout).toMatch(new RegExp(`reclaimed proxy 'crumple-inventory' .* left by crumple pid ${pid}`));
      } else {
        // The next run: its stand-in has another port, so the old proxy conflicts; it is reclaimed, not an error.
        const next = join(dir, 'next.yaml');
        writeFileSync(next, readFileSync(scenario(dir, `${marker}n`), 'utf8').replace('for: 60s', 'for: 1s'));
        const r = await cli(['run', next, '--reports', dir, '--run-id', `${marker}n`, '--toxiproxy', proxy.url]);
        expect(r.stdout + r.stderr).not.toMatch(/already exists/);
        expect(r.code).not.toBe(2);
        if (left.length) expect(r.stdout).toMatch(new RegExp(`reclaimed proxy 'crumple-inventory' .* left by crumple pid ${pid}`));
      }
      expect(await (await fetch(`${proxy.url}/proxies`)).json()).toEqual({});
    }
  }, 240_000);

  it(`SIGINT at ${intMoments.join(', ')} ms: exit 2 with a report, everything rolled back by the run itself`, async () => {
    const proxy = await startProxyServer();
    onCleanup(() => proxy.close());
    const dir = mkdtempSync(join(tmpdir(), 'crumple-int-'));
    onCleanup(() => rmSync(dir, { recursive: true, force: true }));
    let beforeAnyCode = 0;
    for (const [i, ms] of intMoments.entries()) {
      const marker = `int${i}x${ms}`;
      const { how, out, pid, port } = await killedRun(dir, proxy.url, marker, 'SIGINT', ms);
      await nothingRunning(marker, pid, port);
      expect(await (await fetch(`${proxy.url}/proxies`)).json()).toEqual({}); // no reclaiming needed
      if (how.signal === 'SIGINT') {
        // node had not run a line of crumple yet (its own start-up takes tens of ms): nothing was started.
        beforeAnyCode++;
        expect(out).toBe('');
        expect(existsSync(join(dir, marker))).toBe(false);
        continue;
      }
      expect(how.code, out).toBe(2);
      expect(out).toMatch(/rolling back/);
      const report = JSON.parse(readFileSync(join(dir, marker, 'report.json'), 'utf8'));
      expect(report.outcome).toBe('interrupted');
    }
    expect(beforeAnyCode).toBeLessThan(intMoments.length); // at least the later moments reached crumple's code
  }, 240_000);
});
