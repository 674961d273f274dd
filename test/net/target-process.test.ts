import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnTarget } from '../../src/target/process.js';
import { waitReady } from '../../src/target/ready.js';
import { freePort } from '../../src/target/free-port.js';
import { readRss, startSampler } from '../../src/target/sample.js';
import type { TimelineEvent } from '../../src/timeline/events.js';
import { CrumpleError } from '../../src/errors.js';
import { onCleanup } from '../helpers/listen.js';
import { alive } from '../helpers/proc.js';

const logDir = () => mkdtempSync(join(tmpdir(), 'crumple-target-'));

describe('target process', () => {
  it('starts the target, waits until it answers, samples its RSS and stops it as expected', async () => {
    const events: TimelineEvent[] = [];
    const port = await freePort();
    const dir = logDir();
    const proc = await spawnTarget({ command: 'node scenarios/targets/naive.js', env: { PORT: String(port) }, logDir: dir, sink: (e) => events.push(e) });
    onCleanup(() => proc.stop(500));
    await waitReady({ host: '127.0.0.1', port, probe: { http: '/health' }, withinMs: 10_000, proc, signal: new AbortController().signal });
    const rss = await readRss(proc.pid);
    expect(rss).toBeGreaterThan(5 * 1024 * 1024); // a node process is at least a few MB
    const stop = startSampler(proc.pid, (e) => events.push(e), 50);
    await new Promise((r) => setTimeout(r, 300));
    stop();
    expect(events.filter((e) => e.kind === 'target-sample').length).toBeGreaterThanOrEqual(2);
    await proc.stop();
    const exit = events.find((e) => e.kind === 'target-exit');
    expect(exit).toMatchObject({ kind: 'target-exit', expected: true });
    expect(readFileSync(join(dir, 'target.stdout.log'), 'utf8')).toMatch(/naive target on/);
  });

  it('a target that dies before it is ready gives TARGET_FAILED with its output, not a hang', async () => {
    const port = await freePort();
    const events: TimelineEvent[] = [];
    const proc = await spawnTarget({ command: `node -e "console.error('boom: missing config'); process.exit(3)"`, env: {}, logDir: logDir(), sink: (e) => events.push(e) });
    const err = await waitReady({ host: '127.0.0.1', port, probe: { tcp: true }, withinMs: 10_000, proc, signal: new AbortController().signal }).catch((e) => e);
    expect(err).toBeInstanceOf(CrumpleError);
    expect(err.message).toMatch(/exited before it was ready \(code 3/);
    expect(err.details.join('\n')).toMatch(/boom: missing config/);
    expect(events.find((e) => e.kind === 'target-exit')).toMatchObject({ code: 3, expected: false });
  });

  it('a target that never listens fails after the readiness bound, naming the probe', async () => {
    const port = await freePort();
    const proc = await spawnTarget({ command: 'sleep 30', env: {}, logDir: logDir(), sink: () => {} });
    onCleanup(() => proc.stop(200));
    const err = await waitReady({ host: '127.0.0.1', port, probe: { http: '/ready' }, withinMs: 700, proc, signal: new AbortController().signal }).catch((e) => e);
    expect(err.code).toBe('TARGET_FAILED');
    expect(err.message).toMatch(/not ready within 700 ms \(GET http:\/\/127\.0\.0\.1:\d+\/ready: ECONNREFUSED\)/);
  });

  it('stop kills the whole process group, including children the target started', async () => {
    const dir = logDir();
    const proc = await spawnTarget({ command: `sh -c 'sleep 60 & echo child $!; wait'`, env: {}, logDir: dir, sink: () => {} });
    let childPid = 0;
    for (let i = 0; i < 50 && !childPid; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const m = /child (\d+)/.exec(proc.tail());
      if (m) childPid = Number(m[1]);
    }
    expect(childPid).toBeGreaterThan(0);
    expect(alive(childPid)).toBe(true);
    await proc.stop(1000);
    await new Promise((r) => setTimeout(r, 100));
    expect(alive(childPid)).toBe(false);
  });

  it('a cwd that does not exist is TARGET_FAILED at once, naming it, not a readiness timeout', async () => {
    const err = await spawnTarget({ command: 'node -e 0', cwd: '/nonexistent/crumple-cwd', env: {}, logDir: logDir(), sink: () => {} }).catch((e) => e);
    expect(err).toBeInstanceOf(CrumpleError);
    expect(err.code).toBe('TARGET_FAILED');
    expect(err.message).toMatch(/cwd '\/nonexistent\/crumple-cwd' does not exist/);
  });

  it('a command the shell cannot find exits before it is ready with the shell\'s message', async () => {
    const port = await freePort();
    const proc = await spawnTarget({ command: 'crumple-no-such-command-xyz', env: {}, logDir: logDir(), sink: () => {} });
    const err = await waitReady({ host: '127.0.0.1', port, probe: { tcp: true }, withinMs: 10_000, proc, signal: new AbortController().signal }).catch((e) => e);
    expect(err.message).toMatch(/exited before it was ready \(code 127/);
    expect(err.details.join('\n')).toMatch(/not found/);
  });

  it('the target group dies with its owner even when the owner is SIGKILLed (the supervisor ends it)', async () => {
    // An owner process that starts a supervised target, prints the target's pid and its child's, then waits to be killed.
    const owner = spawn(process.execPath, ['--import', 'tsx', '-e', `
      const { spawnTarget } = await import(${JSON.stringify(new URL('../../src/target/process.ts', import.meta.url).pathname)});
      const p = await spawnTarget({ command: "sh -c 'sleep 60 & echo child $!; wait'", env: {}, logDir: ${JSON.stringify(logDir())}, sink: () => {}, graceMs: 500 });
      for (let i = 0; i < 100 && !/child \\d+/.test(p.tail()); i++) await new Promise((r) => setTimeout(r, 50));
      console.log('target ' + p.pid + ' ' + p.tail());
      setInterval(() => {}, 1000);
    `], { stdio: ['ignore', 'pipe', 'inherit'] });
    onCleanup(() => void owner.kill('SIGKILL'));
    let out = '';
    owner.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    for (let i = 0; i < 300 && !/target \d+ child \d+/.test(out); i++) await new Promise((r) => setTimeout(r, 50));
    const m = /target (\d+) child (\d+)/.exec(out);
    expect(m).not.toBeNull();
    const [target, child] = [Number(m![1]), Number(m![2])];
    onCleanup(() => { try { process.kill(-target, 'SIGKILL'); } catch { /* gone */ } });
    expect(alive(target) && alive(child)).toBe(true);
    owner.kill('SIGKILL');
    for (let i = 0; i < 200 && (alive(target) || alive(child)); i++) await new Promise((r) => setTimeout(r, 50));
    expect(alive(target)).toBe(false);
    expect(alive(child)).toBe(false);
  });
});
