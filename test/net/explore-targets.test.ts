// The example targets for `crumple explore`, each run as a real child process against real stand-ins:
// each buggy one hides a bug that only a combination (or fault + load) shows, while every single fault
// is handled; sturdy.js survives the combinations. Bounds are generous: the bug is configured far from them.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import type { StandIn } from '../../harness-servers/server.js';
import type { TimelineEvent } from '../../src/timeline/events.js';
import { freePort } from '../../src/target/free-port.js';
import { onCleanup } from '../helpers/listen.js';
import { get, standIn, type Got } from './standin-helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Target {
  url: string;
  child: ChildProcess;
  /** Resolves with the exit code (or signal) once the process is gone. */
  exited: Promise<number | string>;
  running(): boolean;
  output(): string;
}

const children = new Set<ChildProcess>();
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** Starts `node scenarios/targets/<file>` on a free port; resolves once it logged "listening on". */
async function target(file: string, env: Record<string, string>): Promise<Target> {
  const port = await freePort();
  const child = spawn(process.execPath, [`scenarios/targets/${file}`], { env: { ...process.env, ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | string>((r) => child.once('exit', (code, signal) => r(code ?? signal ?? 'unknown')));
  const running = () => child.exitCode === null && child.signalCode === null;
  onCleanup(async () => {
    if (running()) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(t);
    }
    children.delete(child);
  });
  const end = Date.now() + 10_000;
  while (!/listening on/.test(out)) {
    if (!running()) throw new Error(`${file} exited before listening:\n${out}`);
    if (Date.now() > end) throw new Error(`${file} did not start:\n${out}`);
    await sleep(20);
  }
  return { url: `http://127.0.0.1:${port}`, child, exited, running, output: () => out };
}

async function set(s: StandIn, behaviour: string, params?: unknown): Promise<void> {
  await s.setBehaviour(behaviour, params);
  await s.settled();
}

/** Resolves with the exit code, or 'running' if the process is still up after `ms`. */
const exitWithin = (t: Target, ms: number) => Promise.race([t.exited, sleep(ms).then(() => 'running' as const)]);

/** `rate` requests per second for `ms`, each with its own connection; resolves when all are answered. */
async function drive(url: string, path: string, rate: number, ms: number, timeoutMs = 8000): Promise<Got[]> {
  const all: Promise<Got>[] = [];
  const t0 = Date.now();
  for (let i = 0; Date.now() - t0 < ms; i++) {
    const due = t0 + (i * 1000) / rate;
    if (due > Date.now()) await sleep(due - Date.now());
    all.push(get(url, { path, timeoutMs }));
  }
  return Promise.all(all);
}

const concurrent = (url: string, path: string, n: number, timeoutMs = 15_000) => Promise.all(Array.from({ length: n }, () => get(url, { path, timeoutMs })));

/** Polls `path` until it answers 200 (and `ok(body)`), or fails after `ms`. Returns how long it took. */
async function until200(url: string, path: string, ms: number, ok: (body: string) => boolean = () => true): Promise<number> {
  const t0 = Date.now();
  let last: Got | undefined;
  while (Date.now() - t0 < ms) {
    last = await get(url, { path, timeoutMs: 3000 });
    if (last.status === 200 && ok(last.body.toString())) return Date.now() - t0;
    await sleep(100);
  }
  throw new Error(`no 200 on ${path} within ${ms} ms; last: ${last?.status ?? last?.error} ${last?.body.toString().slice(0, 200)}`);
}

describe('two-deps.js: crashes only on stock error status + price bad body', () => {
  const start = async () => {
    const stock = await standIn({ name: 'stock' });
    const price = await standIn({ name: 'price' });
    const t = await target('two-deps.js', { STOCK_URL: stock.s.url, PRICE_URL: price.s.url, TIMEOUT_MS: '500' });
    return { stock: stock.s, price: price.s, t };
  };

  it('stock status 500 together with price garbage makes the process exit', async () => {
    const { stock, price, t } = await start();
    expect((await get(t.url, { path: '/order', timeoutMs: 3000 })).status).toBe(200);
    await set(stock, 'status', { status: 500 });
    await set(price, 'garbage');
    await get(t.url, { path: '/order', timeoutMs: 3000 });
    expect(await exitWithin(t, 5000)).toBe(1);
    expect(t.output()).toMatch(/SyntaxError/);
  });

  it('stock status 429 together with price html makes the process exit too', async () => {
    const { stock, price, t } = await start();
    await set(stock, 'status', { status: 429, retryAfter: 1 });
    await set(price, 'html');
    await get(t.url, { path: '/order', timeoutMs: 3000 });
    expect(await exitWithin(t, 5000)).toBe(1);
  });

  it('every single fault on either dependency is answered in time, 200 degraded or 503, and the process stays up', async () => {
    const { stock, price, t } = await start();
    const cases: [StandIn, string, unknown, number][] = [
      [price, 'garbage', undefined, 503],
      [stock, 'status', { status: 500 }, 200],
      [price, 'malformed', undefined, 503],
      [price, 'status', { status: 500 }, 503],
      [stock, 'garbage', undefined, 200],
      [stock, 'hang', undefined, 200],
      [price, 'hang', undefined, 503],
      [stock, 'reset', undefined, 200],
      [price, 'refuse', undefined, 503],
      [stock, 'truncated', undefined, 200],
      [price, 'huge', undefined, 503],
      [stock, 'html', undefined, 200],
    ];
    for (const [dep, behaviour, params, status] of cases) {
      await set(stock, 'ok');
      await set(price, 'ok');
      await set(dep, behaviour, params);
      const g = await get(t.url, { path: '/order', timeoutMs: 3000 });
      const label = `${dep.name} ${behaviour}`;
      expect(g.status, label).toBe(status);
      if (status === 200) expect(JSON.parse(g.body.toString()), label).toMatchObject({ stock: null, degraded: true });
      expect(g.ms, label).toBeLessThan(1500);
      expect(t.running(), label).toBe(true);
    }
    // A combination that is not the trigger: stock fails another way, price still bad.
    await set(stock, 'reset');
    await set(price, 'garbage');
    expect((await get(t.url, { path: '/order', timeoutMs: 3000 })).status).toBe(503);
    expect(await exitWithin(t, 300)).toBe('running');
    expect((await get(t.url, { path: '/health', timeoutMs: 1000 })).status).toBe(200);
  });
});

describe('sticky-breaker.js: stuck open only when it opened on statuses and the probe hit a connection error', () => {
  const start = async () => {
    const inv = await standIn({ name: 'inventory' });
    const t = await target('sticky-breaker.js', { INVENTORY_URL: inv.s.url, TIMEOUT_MS: '500', BREAKER_FAILURES: '5', BREAKER_RESET_MS: '500' });
    expect((await get(t.url, { path: '/checkout', timeoutMs: 2000 })).status).toBe(200);
    return { inv: inv.s, events: inv.events, t };
  };
  /** Switches to the fault and sends checkouts one by one until the breaker answers 503. */
  const openOn = async (t: Target, inv: StandIn, behaviour: string, params?: unknown) => {
    await set(inv, behaviour, params);
    const seen: (number | string | undefined)[] = [];
    for (let i = 0; i < 12; i++) {
      const g = await get(t.url, { path: '/checkout', timeoutMs: 2000 });
      seen.push(g.status ?? g.error);
      if (g.status === 503) return;
    }
    throw new Error(`breaker never opened: ${seen.join(' ')}`);
  };

  it('status 500 until open, then reset across the probe, then ok: still 503 seconds later, no probe ever sent', async () => {
    const { inv, events, t } = await start();
    await openOn(t, inv, 'status', { status: 500 });
    await set(inv, 'reset');
    await sleep(800); // past BREAKER_RESET_MS: the next checkout is the probe
    expect((await get(t.url, { path: '/checkout', timeoutMs: 2000 })).status).toBe(502);
    await set(inv, 'ok');
    const from = events.length;
    const t0 = Date.now();
    const statuses: (number | undefined)[] = [];
    while (Date.now() - t0 < 3500) {
      statuses.push((await get(t.url, { path: '/checkout', timeoutMs: 2000 })).status);
      await sleep(150);
    }
    expect(statuses.length).toBeGreaterThan(5);
    expect(new Set(statuses)).toEqual(new Set([503]));
    expect(events.slice(from).filter((e: TimelineEvent) => e.kind === 'dep-request')).toHaveLength(0);
    expect((await get(t.url, { path: '/health', timeoutMs: 1000 })).status).toBe(200);
    expect(t.running()).toBe(true);
  });

  it('status 500 only, then ok: closes again and serves 200', async () => {
    const { inv, t } = await start();
    await openOn(t, inv, 'status', { status: 500 });
    await sleep(800);
    expect((await get(t.url, { path: '/checkout', timeoutMs: 2000 })).status).toBe(502); // probe into 500: re-opened normally
    await set(inv, 'ok');
    expect(await until200(t.url, '/checkout', 4000)).toBeLessThan(4000);
  });

  it('reset only, then ok: closes again and serves 200', async () => {
    const { inv, t } = await start();
    await openOn(t, inv, 'reset');
    await sleep(800);
    expect((await get(t.url, { path: '/checkout', timeoutMs: 2000 })).status).toBe(502);
    await set(inv, 'ok');
    expect(await until200(t.url, '/checkout', 4000)).toBeLessThan(4000);
  });

  it('reset until open, then status 500 across the probe, then ok: recovers (the other order is harmless)', async () => {
    const { inv, t } = await start();
    await openOn(t, inv, 'reset');
    await set(inv, 'status', { status: 500 });
    await sleep(800);
    expect((await get(t.url, { path: '/checkout', timeoutMs: 2000 })).status).toBe(502);
    await set(inv, 'ok');
    expect(await until200(t.url, '/checkout', 4000)).toBeLessThan(4000);
  });
});

describe('pool-limit.js: requests queue without bound only when the backend is slow AND load exceeds the pool', () => {
  const start = async () => {
    const backend = await standIn({ name: 'backend' });
    const t = await target('pool-limit.js', { BACKEND_URL: backend.s.url, POOL: '2', TIMEOUT_MS: '800' });
    return { backend: backend.s, t };
  };

  it('slow 300 ms with 40 concurrent requests: some wait more than 3 s (the queue has no deadline)', async () => {
    const { backend, t } = await start();
    await set(backend, 'slow', { delay: 300 });
    const got = await concurrent(t.url, '/search', 40);
    const ms = got.map((g) => g.ms);
    expect(Math.max(...ms)).toBeGreaterThan(3000); // 40 / 2 slots × 300 ms ≈ 6 s for the last
    expect(ms.filter((m) => m > 3000).length).toBeGreaterThanOrEqual(5);
    expect(got.every((g) => g.status === 200)).toBe(true); // every call succeeded: no timeout, no breaker
  });

  it('slow 300 ms at 2 concurrent: every request answered within 1.5 s', async () => {
    const { backend, t } = await start();
    await set(backend, 'slow', { delay: 300 });
    for (let round = 0; round < 3; round++) {
      const got = await concurrent(t.url, '/search', 2, 5000);
      for (const g of got) {
        expect(g.status).toBe(200);
        expect(g.ms).toBeLessThan(1500);
      }
    }
  });

  it('healthy backend at 40 concurrent: all 200, fast', async () => {
    const { t } = await start();
    const got = await concurrent(t.url, '/search', 40, 5000);
    expect(got.every((g) => g.status === 200)).toBe(true);
    expect(Math.max(...got.map((g) => g.ms))).toBeLessThan(2000);
  });

  it('hanging backend at 10 req/s: every request answered (504/503) within 2 s', async () => {
    const { backend, t } = await start();
    await set(backend, 'hang');
    const got = await drive(t.url, '/search', 10, 1500, 5000);
    for (const g of got) {
      expect([503, 504]).toContain(g.status);
      expect(g.ms).toBeLessThan(2000);
    }
    expect(got.some((g) => g.status === 503)).toBe(true); // the breaker opened
  });
});

describe('sturdy.js: survives combinations of faults on both dependencies', () => {
  const combos: { name: string; stock: [string, unknown?]; price: [string, unknown?]; rate: number }[] = [
    { name: 'stock hang + price garbage', stock: ['hang'], price: ['garbage'], rate: 50 },
    { name: 'stock reset + price status 500', stock: ['reset'], price: ['status', { status: 500 }], rate: 50 },
    { name: 'stock status 500 + price garbage (two-deps.js crash trigger)', stock: ['status', { status: 500 }], price: ['garbage'], rate: 50 },
    { name: 'both slow 700 ms (past the deadline)', stock: ['slow', { delay: 700 }], price: ['slow', { delay: 700 }], rate: 50 },
    { name: 'both hang at 200 req/s', stock: ['hang'], price: ['hang'], rate: 200 },
  ];
  for (const c of combos) {
    it(`${c.name}: alive, every request answered within the bound, ≤ 2 calls per dependency per request, recovers`, async () => {
      const stock = await standIn({ name: 'stock' });
      const price = await standIn({ name: 'price' });
      const t = await target('sturdy.js', { STOCK_URL: stock.s.url, PRICE_URL: price.s.url });
      expect((await get(t.url, { path: '/order', timeoutMs: 2000 })).status).toBe(200);
      await set(stock.s, ...c.stock);
      await set(price.s, ...c.price);
      const from = { stock: stock.events.length, price: price.events.length };
      const health = drive(t.url, '/health', 10, 1000, 3000);
      const got = await drive(t.url, '/order', c.rate, 1000, 5000);
      for (const g of got) {
        expect(g.error).toBeUndefined();
        expect([200, 503]).toContain(g.status);
        expect(g.ms).toBeLessThan(2000); // designed for ~1.2 s
      }
      for (const h of await health) {
        expect(h.status).toBe(200);
        expect(h.ms).toBeLessThan(500);
      }
      for (const dep of [stock, price]) {
        const evs = dep.events.slice(dep === stock ? from.stock : from.price);
        const opens = evs.filter((e) => e.kind === 'dep-open').length;
        const requests = evs.filter((e) => e.kind === 'dep-request').length;
        expect(Math.max(opens, requests)).toBeLessThanOrEqual(2 * got.length);
      }
      expect(t.running()).toBe(true);
      await set(stock.s, 'ok');
      await set(price.s, 'ok');
      const recovered = await until200(t.url, '/order', 5000, (b) => !b.includes('"degraded"'));
      expect(recovered).toBeLessThan(4000); // designed for ~1.5 s
      expect(t.running()).toBe(true);
    });
  }
});

describe('every explore target', () => {
  it('logs "listening on", keeps /health at 200 and exits 0 on SIGTERM', async () => {
    const dep = await standIn({ name: 'dep' });
    const urls = { STOCK_URL: dep.s.url, PRICE_URL: dep.s.url, INVENTORY_URL: dep.s.url, BACKEND_URL: dep.s.url };
    for (const file of ['two-deps.js', 'sticky-breaker.js', 'pool-limit.js', 'sturdy.js']) {
      const t = await target(file, urls);
      expect((await get(t.url, { path: '/health', timeoutMs: 1000 })).status, file).toBe(200);
      t.child.kill('SIGTERM');
      expect(await Promise.race([t.exited, sleep(3000).then(() => 'still running')]), file).toBe(0);
    }
  });
});
