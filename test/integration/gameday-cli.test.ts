import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, existsSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.js';
import { onCleanup } from '../helpers/listen.js';
import { alive } from '../helpers/proc.js';

/** Polls until `fn` returns a value (not undefined), or fails saying what it waited for. */
async function until<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const SCENARIO = `name: steps game day
target:
  command: node scenarios/targets/two-deps.js
  env: { PORT: "\${target.port}", STOCK_URL: "\${deps.stock.url}", PRICE_URL: "\${deps.price.url}", TIMEOUT_MS: 300 }
  ready: { http: /health }
dependencies:
  stock:
    contract: [{ request: { method: GET, path: /items/:id }, response: { status: 200, json: { id: 1, stock: 3 } } }]
  price:
    contract: [{ request: { method: GET, path: /prices/:id }, response: { status: 200, json: { id: 1, price: 2 } } }]
load:
  order: { shape: steady, path: /order, rate: 20/s, timeout: 2s }
steps:
  - { name: stock a little slow, for: 2s, faults: [{ dependency: stock, toxic: latency, latency: 20 }] }
  - { name: price failing, for: 1m, faults: [{ dependency: price, behaviour: status, params: { status: 500 } }] }
expect:
  steady-state: { load: order, errors: "< 5%" }
`;

describe('crumple gameday driven from a second terminal (in-process, stdout not a terminal)', () => {
  it('fault and note commands reach it through the control file; faults expire, SIGUSR1 clears them, the steps runbook stops at the step that breaks the steady state', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crumple-gameday-cli-'));
    const file = join(dir, 'gd.yaml');
    writeFileSync(file, SCENARIO);
    const controlFile = join(dir, 'run', 'gameday.json');
    process.env.CRUMPLE_GAMEDAY = controlFile;
    onCleanup(() => void delete process.env.CRUMPLE_GAMEDAY);
    const stop = new AbortController();
    const day = cli(['gameday', file, '--reports', dir, '--run-id', 'gd', '--max', '5m'], stop.signal);
    onCleanup(async () => {
      stop.abort(new Error('test cleanup'));
      await day;
    });

    const control = await until('the control file', () => (existsSync(controlFile) ? (JSON.parse(readFileSync(controlFile, 'utf8')) as { url: string; token: string; pid: number }) : undefined));
    expect(statSync(controlFile).mode & 0o777).toBe(0o600);
    expect(new URL(control.url).hostname).toBe('127.0.0.1');

    // The control API: a bearer token, one route table, errors as one line of JSON naming the field.
    const api = (path: string, init: RequestInit = {}, token = control.token) => fetch(new URL(path, control.url), { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });
    expect((await api('/faults', {}, 'wrong')).status).toBe(401);
    expect((await fetch(new URL('/faults', control.url))).status).toBe(401);
    expect((await api('/nope')).status).toBe(404);
    expect((await api('/kill')).status).toBe(405);
    expect((await api('/faults', { method: 'POST', body: 'x'.repeat(70_000) })).status).toBe(413);
    const bad = await api('/faults', { method: 'POST', body: JSON.stringify({ dependency: 'stock', behaviour: 'status', params: { status: 'abc' } }) });
    expect(bad.status).toBe(400);
    const badText = await bad.text();
    expect(badText.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(badText).error).toMatch(/^params\.status: /);

    // The fault commands: validated by the one fault schema, the flag named.
    let r = await cli(['fault', 'inject', 'stok', 'hang']);
    expect([r.code, r.stderr]).toEqual([2, "crumple: dependency: unknown dependency 'stok' (did you mean 'stock'?)\n"]);
    r = await cli(['fault', 'inject', 'stock', '--toxic', 'latncy']);
    expect([r.code, r.stderr]).toEqual([2, "crumple: --toxic: unknown toxic 'latncy' (did you mean 'latency'?)\n"]);
    r = await cli(['fault', 'inject', 'stock', 'hang', '--for', '2h']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^crumple: --for: .*at most 1 h/);
    r = await cli(['fault', 'inject', 'stock', 'status', '--param', 'status=abc']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^crumple: --param: status: /);

    // A fault with --for expires by itself, and the journal says the timer did it.
    r = await cli(['fault', 'inject', 'stock', 'hang', '--for', '1s']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^injected #1 stock → hang for 1\.00 s/);
    await until('#1 to expire', async () => ((await cli(['fault', 'list'])).stdout.includes('no active faults') ? true : undefined));

    // SIGUSR1 is the kill switch too.
    r = await cli(['fault', 'inject', 'price', 'slow', '--param', 'delay=50', '--for', '1m']);
    expect(r.code, r.stderr).toBe(0);
    expect((await cli(['fault', 'list'])).stdout).toMatch(/#2 price → slow delay=50 ms\s+by \S+@\S+/);
    process.kill(process.pid, 'SIGUSR1');
    await until('SIGUSR1 to clear #2', async () => ((await cli(['fault', 'list'])).stdout.includes('no active faults') ? true : undefined));
    r = await cli(['note', 'price', 'slow', 'was', 'harmless']);
    expect(r.stdout).toMatch(/^noted \(by \S+\): price slow was harmless/);

    // The blast radius: step 1 holds, step 2 breaks the steady state: everything rolled back, the game day ends saying which.
    const next = await api('/steps/next', { method: 'POST', body: JSON.stringify({ by: 'test' }) });
    expect(await next.json()).toEqual({ step: "step 1/2 'stock a little slow'" });
    const out = await day;
    expect(out.code, out.stderr).toBe(1);
    expect(out.stdout).toMatch(/stopped: stopped at step 2\/2 'price failing': steady state breached \(order errors \d+(\.\d+)?% \(< 5%\)\)/);
    expect(out.stdout).toMatch(/steps\s+FAIL\s+stopped at step 2\/2 'price failing'/);
    expect(existsSync(controlFile)).toBe(false);

    const result = JSON.parse(readFileSync(join(dir, 'gd', 'report.json'), 'utf8'));
    const journal = result.journal as { action: string; by: string; text: string; recovery?: string }[];
    const line = (action: string, re: RegExp) => journal.find((j) => j.action === action && re.test(j.text));
    expect(line('expire', /#1 stock → hang/)?.by).toBe('timer');
    expect(line('kill', /kill switch/)?.by).toBe('SIGUSR1');
    expect(line('note', /price slow was harmless/)?.by).toMatch(/@/);
    expect(line('step', /step 1\/2/)?.by).toBe('test');
    expect(line('step', /step 2\/2/)?.by).toBe('timer');
    expect(line('halt', /stopped at step 2\/2/)?.by).toBe('steady-state');
    expect(journal.filter((j) => j.action === 'clear' || j.action === 'expire').every((j) => typeof j.recovery === 'string')).toBe(true);
    const pid = Number(/pid (\d+)/.exec(out.stdout + out.stderr)?.[1] ?? NaN);
    if (Number.isFinite(pid)) expect(alive(pid)).toBe(false);
  }, 150_000);
});
