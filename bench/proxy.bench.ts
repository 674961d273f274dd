/**
 * The fault proxy's cost, side by side in one run: direct, a plain socket.pipe proxy (the floor of
 * any Node proxy) and crumple's proxy with no toxics; then a 100 ms latency toxic's precision.
 * Upstream servers, proxies and the load run in three processes so none steals the other's loop;
 * PROXY_BENCH_PIN=1 pins the proxies to a core of their own (off by default: on 2 cores the
 * upstream and the load then share one, which caps the direct baseline). Every figure comes from
 * rounds in rotating order; proxy-vs-pipe ratios are taken per round and their median printed, with
 * the proxy process's CPU per MB / per request, which a busy machine disturbs far less than MB/s.
 * Bulk transfer uses 256 MiB per variant (not 1 GiB) to keep the file near a minute: a transfer
 * still lasts seconds, so start-up is well under 1 % of it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, connect, type Socket, type AddressInfo } from 'node:net';
import { createServer as createHttp } from 'node:http';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { Toxiproxy } from 'toxiproxy-node-client';
import { printFigure } from './figure.js';

const BULK_BYTES = 256 * 1024 * 1024;
const role = process.argv[2];
const only = process.env.PROXY_BENCH_ONLY; // 'http' | 'bulk' | 'rtt' | 'latency' while tuning

const listen = (s: { listen(port: number, host: string, cb: () => void): unknown; address(): unknown }) =>
  new Promise<number>((r) => s.listen(0, '127.0.0.1', () => r((s.address() as AddressInfo).port)));

if (role === 'upstream') {
  // Small HTTP answers, a bulk source, and an echo server.
  const http = createHttp((_req, res) => res.end('ok'));
  const block = Buffer.alloc(64 * 1024, 1);
  const bulk = createServer((s) => {
    s.on('error', () => {});
    let left = BULK_BYTES;
    const pump = () => {
      while (left > 0) {
        left -= block.length;
        if (!s.write(block)) return void s.once('drain', pump);
      }
      s.end();
    };
    pump();
  });
  const echo = createServer({ noDelay: true }, (s) => { s.on('error', () => {}); s.pipe(s); });
  const ports = { http: await listen(http), bulk: await listen(bulk), echo: await listen(echo) };
  process.send!(ports);
} else if (role === 'proxies') {
  const up = JSON.parse(process.argv[3]!) as Record<string, number>;
  const { startProxyServer } = await import('../src/proxy/server.js');
  const pipeProxy = async (port: number) => {
    const s = createServer({ noDelay: true }, (c) => {
      const u = connect({ port, host: '127.0.0.1', noDelay: true });
      c.on('error', () => u.destroy());
      u.on('error', () => c.destroy());
      c.pipe(u).pipe(c);
    });
    return listen(s);
  };
  /** The floor for a latency toxic: a pipe upstream, each downstream chunk written after setTimeout(100). */
  const delayProxy = async (port: number, ms: number) => {
    const s = createServer({ noDelay: true }, (c) => {
      const u = connect({ port, host: '127.0.0.1', noDelay: true });
      c.on('error', () => u.destroy());
      u.on('error', () => c.destroy());
      c.pipe(u);
      u.on('data', (d: Buffer) => setTimeout(() => c.write(d), ms));
      u.on('end', () => setTimeout(() => c.end(), ms));
    });
    return listen(s);
  };
  const api = await startProxyServer({ port: 0 });
  const tp = new Toxiproxy(api.url);
  const crumple = async (name: string, port: number) =>
    Number((await tp.createProxy({ name, upstream: `127.0.0.1:${port}`, listen: '127.0.0.1:0' } as never)).listen.split(':').pop());
  const ports = {
    pipe: { http: await pipeProxy(up.http!), bulk: await pipeProxy(up.bulk!), echo: await pipeProxy(up.echo!) },
    crumple: { http: await crumple('http', up.http!), bulk: await crumple('bulk', up.bulk!), echo: await crumple('echo', up.echo!) },
    latency: await crumple('slow', up.echo!),
    bareDelay: await delayProxy(up.echo!, 100),
  };
  await (await tp.get('slow')).addToxic({ type: 'latency', attributes: { latency: 100, jitter: 0 } } as never);
  // CPU time used so far (µs), for CPU per MB: far less sensitive to a busy machine than MB/s.
  process.on('message', () => { const u = process.cpuUsage(); process.send!({ cpu: u.user + u.system }); });
  process.send!(ports);
}

const hasTaskset = process.env.PROXY_BENCH_PIN === '1' && spawnSync('taskset', ['-c', '0', 'true']).status === 0;
/** The proxies get a core of their own; the upstream servers and the load share the other. */
const PIN = { proxies: '1', upstream: '0', load: '0' };

function child(args: string[], cpu: string): Promise<{ proc: ChildProcess; msg: any }> {
  const argv = [process.execPath, '--import', 'tsx', fileURLToPath(import.meta.url), ...args];
  const [cmd, ...rest] = hasTaskset ? ['taskset', '-c', cpu, ...argv] : argv;
  const proc = spawn(cmd!, rest, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    proc.once('message', (msg) => resolve({ proc, msg }));
    proc.once('exit', (c) => reject(new Error(`bench child ${args[0]} exited ${c}`)));
  });
}

async function reqPerSec(port: number, duration = 3): Promise<{ rps: number; total: number }> {
  const r = await autocannon({ url: `http://127.0.0.1:${port}/`, connections: 10, duration });
  return { rps: r.requests.average, total: r.requests.total };
}

async function bulkMBps(port: number): Promise<number> {
  const s = connect(port, '127.0.0.1');
  const t0 = performance.now();
  let got = 0;
  await new Promise<void>((resolve, reject) => {
    s.on('data', (d: Buffer) => (got += d.length));
    s.on('end', () => resolve());
    s.on('error', reject);
  });
  s.destroy();
  if (got !== BULK_BYTES) throw new Error(`bulk: got ${got} of ${BULK_BYTES} bytes`);
  return BULK_BYTES / 1e6 / ((performance.now() - t0) / 1000);
}

async function dial(port: number): Promise<Socket> {
  const s = connect({ port, host: '127.0.0.1', noDelay: true });
  await new Promise<void>((r, j) => { s.once('connect', r); s.once('error', j); });
  return s;
}

/** Round-trip times (ms) of `n` sequential 16-byte messages on one connection. */
async function roundTrips(s: Socket, n: number): Promise<number[]> {
  const msg = Buffer.alloc(16, 2);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await new Promise<void>((resolve) => {
      let got = 0;
      const on = (d: Buffer) => { got += d.length; if (got >= msg.length) { s.off('data', on); resolve(); } };
      s.on('data', on);
      s.write(msg);
    });
    out.push(performance.now() - t0);
  }
  return out;
}

const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!; };

const median = (xs: number[]) => pct(xs, 50);

/**
 * Runs each variant once per round, the order rotating each round, and returns every value; ratios
 * are taken per round (same moment, same machine load) and their median reported.
 */
async function rounds<K extends string>(n: number, variants: Record<K, () => Promise<number>>): Promise<Record<K, number[]>> {
  const keys = Object.keys(variants) as K[];
  const out = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < keys.length; i++) {
      const k = keys[(i + r) % keys.length]!;
      out[k].push(await variants[k]());
    }
  }
  return out;
}
const ratios = (a: number[], b: number[]) => a.map((x, i) => x / b[i]!);
const fmtList = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(' ');

async function main(): Promise<void> {
  const upstream = await child(['upstream'], PIN.upstream);
  const proxies = await child(['proxies', JSON.stringify(upstream.msg)], PIN.proxies);
  if (hasTaskset) spawnSync('taskset', ['-cp', PIN.load, String(process.pid)], { stdio: 'ignore' });
  console.log(hasTaskset ? `pinning (taskset): proxies on CPU ${PIN.proxies}, upstream servers and this load process on CPU ${PIN.upstream}` : 'taskset not available: unpinned');
  const up = upstream.msg as Record<string, number>;
  const px = proxies.msg as { pipe: Record<string, number>; crumple: Record<string, number>; latency: number; bareDelay: number };
  const proxyCpu = () => new Promise<number>((resolve) => { proxies.proc.once('message', (m: { cpu: number }) => resolve(m.cpu)); proxies.proc.send('cpu'); });
  try {
    if (!only || only === 'http') {
      // Small HTTP requests: rounds of all three, order rotating, ratios per round.
      await reqPerSec(up.http!, 1); // warm-up
      await reqPerSec(px.crumple.http!, 1);
      const cpuPerReq = { pipe: [] as number[], crumple: [] as number[] };
      const viaProxy = (k: 'pipe' | 'crumple') => async () => {
        const c0 = await proxyCpu();
        const { rps, total } = await reqPerSec(px[k].http!, 2);
        cpuPerReq[k].push(((await proxyCpu()) - c0) / total);
        return rps;
      };
      const r = await rounds(3, { direct: async () => (await reqPerSec(up.http!, 2)).rps, pipe: viaProxy('pipe'), crumple: viaProxy('crumple') });
      const cp = ratios(r.crumple, r.pipe);
      printFigure({ name: 'small HTTP: proxy process CPU per request, crumple (median of 3 rounds)', value: median(cpuPerReq.crumple), unit: 'µs', baseline: { name: 'pipe proxy', value: median(cpuPerReq.pipe) }, note: `per-round ratios ${fmtList(ratios(cpuPerReq.crumple, cpuPerReq.pipe))}` });
      printFigure({ name: 'small HTTP via pipe proxy (median of 3 rounds)', value: median(r.pipe), unit: 'req/s', baseline: { name: 'direct', value: median(r.direct) } });
      printFigure({ name: 'small HTTP via crumple proxy (median of 3 rounds)', value: median(r.crumple), unit: 'req/s', baseline: { name: 'pipe proxy', value: median(r.pipe) } });
      printFigure({ name: 'small HTTP crumple/pipe, median of per-round ratios', value: median(cp), unit: 'x', goal: '>= 0.9x pipe proxy', met: median(cp) >= 0.9, note: `rounds ${fmtList(cp)}; crumple/direct ${(median(r.crumple) / median(r.direct)).toFixed(2)}x` });
    }

    if (!only || only === 'bulk') {
      const cpuPerMB = { pipe: [] as number[], crumple: [] as number[] };
      const viaProxy = (k: 'pipe' | 'crumple') => async () => {
        const c0 = await proxyCpu();
        const v = await bulkMBps(px[k].bulk!);
        cpuPerMB[k].push(((await proxyCpu()) - c0) / (BULK_BYTES / 1e6));
        return v;
      };
      await bulkMBps(px.crumple.bulk!); // warm-up (JIT, socket buffers)
      const r = await rounds(3, { direct: () => bulkMBps(up.bulk!), pipe: viaProxy('pipe'), crumple: viaProxy('crumple') });
      const cp = ratios(r.crumple, r.pipe);
      const cpuRatio = ratios(cpuPerMB.crumple, cpuPerMB.pipe);
      printFigure({ name: 'bulk: proxy process CPU per MB, crumple (median of 3 rounds)', value: median(cpuPerMB.crumple), unit: 'µs/MB', baseline: { name: 'pipe proxy', value: median(cpuPerMB.pipe) }, note: `per-round ratios ${fmtList(cpuRatio)}` });
      printFigure({ name: 'bulk 256 MiB via pipe proxy (median of 3 rounds)', value: median(r.pipe), unit: 'MB/s', baseline: { name: 'direct', value: median(r.direct) } });
      printFigure({ name: 'bulk 256 MiB via crumple proxy (median of 3 rounds)', value: median(r.crumple), unit: 'MB/s', baseline: { name: 'pipe proxy', value: median(r.pipe) } });
      printFigure({ name: 'bulk crumple/pipe, median of per-round ratios', value: median(cp), unit: 'x', goal: '>= 0.9x pipe proxy', met: median(cp) >= 0.9, note: `rounds ${fmtList(cp)}; crumple/direct ${(median(r.crumple) / median(r.direct)).toFixed(2)}x` });
    }

    if (!only || only === 'rtt') {
      // Added latency at one connection: p50 of 3000 echo round trips, direct vs through each proxy.
      const p50 = async (port: number) => { const s = await dial(port); await roundTrips(s, 300); const xs = await roundTrips(s, 3000); s.destroy(); return pct(xs, 50); };
      const r = await rounds(3, { direct: () => p50(up.echo!), pipe: () => p50(px.pipe.echo!), crumple: () => p50(px.crumple.echo!) });
      const d50 = median(r.direct);
      const pipe50 = median(r.pipe);
      const c50 = median(r.crumple);
      printFigure({ name: 'added p50 latency, pipe proxy', value: pipe50 - d50, unit: 'ms', note: `p50 ${pipe50.toFixed(3)} vs direct ${d50.toFixed(3)} ms` });
      printFigure({ name: 'added p50 latency, crumple proxy', value: c50 - d50, unit: 'ms', goal: '< 0.1 ms', met: c50 - d50 < 0.1, note: `p50 ${c50.toFixed(3)} vs direct ${d50.toFixed(3)} ms` });
    }

    if (!only || only === 'latency') {
      // Latency 100 ms (downstream) at 50 connections, 10 round trips each: crumple's latency toxic vs a
      // bare setTimeout(100) delay proxy, rounds interleaved. The no-toxic crumple RTT at 50 connections,
      // measured in the same rounds, is what the delay adds to.
      const at50 = async (port: number) => {
        const conns = await Promise.all(Array.from({ length: 50 }, () => dial(port)));
        await Promise.all(conns.map((s) => roundTrips(s, 1)));
        const all = (await Promise.all(conns.map((s) => roundTrips(s, 10)))).flat();
        for (const s of conns) s.destroy();
        return all;
      };
      const base: number[] = [];
      const err = (xs: number[], b = 0) => pct(xs.map((x) => Math.abs(x - b - 100)), 99);
      const p99 = { bare: [] as number[], crumple: [] as number[], bareAdded: [] as number[], crumpleAdded: [] as number[] };
      const p50 = { bare: [] as number[], crumple: [] as number[] };
      await rounds(4, {
        none: async () => (base.push(median(await at50(px.crumple.echo!))), 0),
        bare: async () => { const xs = await at50(px.bareDelay); p99.bare.push(err(xs)); p99.bareAdded.push(err(xs, base.at(-1) ?? 0)); p50.bare.push(median(xs)); return 0; },
        crumple: async () => { const xs = await at50(px.latency); p99.crumple.push(err(xs)); p99.crumpleAdded.push(err(xs, base.at(-1) ?? 0)); p50.crumple.push(median(xs)); return 0; },
      });
      const c = median(p99.crumple), b = median(p99.bare), ca = median(p99.crumpleAdded), ba = median(p99.bareAdded);
      printFigure({ name: 'latency 100 ms at 50 connections, p99 |RTT - 100 ms| (median of 4 rounds), crumple latency toxic', value: c, unit: 'ms', baseline: { name: 'bare setTimeout delay proxy', value: b }, goal: '< 5 ms', met: c < 5, note: `per round crumple ${fmtList(p99.crumple)} vs bare ${fmtList(p99.bare)}; p50 RTT ${median(p50.crumple).toFixed(1)} vs ${median(p50.bare).toFixed(1)} ms` });
      printFigure({ name: 'latency 100 ms at 50 connections, p99 |RTT - no-toxic p50 RTT - 100 ms| (median of 4 rounds), crumple latency toxic', value: ca, unit: 'ms', baseline: { name: 'bare setTimeout delay proxy', value: ba }, goal: '< 5 ms', met: ca < 5, note: `per-round ratio median ${median(ratios(p99.crumpleAdded, p99.bareAdded)).toFixed(2)}x; no-toxic p50 RTT at 50 connections ${fmtList(base)} ms` });
    }
  } finally {
    upstream.proc.kill();
    proxies.proc.kill();
  }
}

if (role === undefined) await main();
