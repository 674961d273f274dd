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
import { printFigure, roundFigure } from './figure.js';
import { median, percentile as pct, ratios } from './dist.js';
import { rounds } from './rounds.js';
import { ROUNDS, pick } from './settings.js';

const BULK_BYTES = pick(256, 64) * 1024 * 1024;
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

const fmtList = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(' ');

async function main(): Promise<void> {
  const upstream = await child(['upstream'], PIN.upstream);
  const proxies = await child(['proxies', JSON.stringify(upstream.msg)], PIN.proxies);
  if (hasTaskset) spawnSync('taskset', ['-cp', PIN.load, String(process.pid)], { stdio: 'ignore' });
  console.log(hasTaskset ? `pinning (taskset): proxies on CPU ${PIN.proxies}, upstream servers and this load process on CPU ${PIN.upstream}` : 'unpinned (PROXY_BENCH_PIN=1 pins the proxies to a core of their own, where taskset exists)');
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
      const secs = pick(2, 1);
      const r = await rounds(ROUNDS, { direct: async () => (await reqPerSec(up.http!, secs)).rps, pipe: viaProxy('pipe'), crumple: viaProxy('crumple') });
      const name = `small HTTP req/s (autocannon, 10 connections, ${secs}s a round)`;
      printFigure(roundFigure({ name: `${name}: crumple proxy vs pipe proxy`, unit: 'req/s', values: r.crumple, baseline: { name: 'plain socket.pipe proxy', values: r.pipe }, goal: '>= 1.0x pipe proxy', met: (_v, x) => x >= 1.0 }));
      printFigure(roundFigure({ name: `${name}: crumple proxy vs direct`, unit: 'req/s', values: r.crumple, baseline: { name: 'direct', values: r.direct } }));
      printFigure(roundFigure({ name: `${name}: pipe proxy vs direct`, unit: 'req/s', values: r.pipe, baseline: { name: 'direct', values: r.direct } }));
      printFigure(roundFigure({ name: 'small HTTP: proxy process CPU per request, crumple', unit: 'µs', values: cpuPerReq.crumple, baseline: { name: 'pipe proxy', values: cpuPerReq.pipe } }));
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
      const r = await rounds(ROUNDS, { direct: () => bulkMBps(up.bulk!), pipe: viaProxy('pipe'), crumple: viaProxy('crumple') });
      const name = `bulk ${BULK_BYTES / 1024 / 1024} MiB a round`;
      printFigure(roundFigure({ name: `${name}: crumple proxy vs pipe proxy`, unit: 'MB/s', values: r.crumple, baseline: { name: 'plain socket.pipe proxy', values: r.pipe }, goal: '>= 1.0x pipe proxy', met: (_v, x) => x >= 1.0 }));
      printFigure(roundFigure({ name: `${name}: crumple proxy vs direct`, unit: 'MB/s', values: r.crumple, baseline: { name: 'direct', values: r.direct } }));
      printFigure(roundFigure({ name: `${name}: pipe proxy vs direct`, unit: 'MB/s', values: r.pipe, baseline: { name: 'direct', values: r.direct } }));
      printFigure(roundFigure({ name: 'bulk: proxy process CPU per MB, crumple', unit: 'µs/MB', values: cpuPerMB.crumple, baseline: { name: 'pipe proxy', values: cpuPerMB.pipe } }));
    }

    if (!only || only === 'rtt') {
      // Added latency at one connection: p50 of 3000 echo round trips, direct vs through each proxy.
      const p50 = async (port: number) => { const s = await dial(port); await roundTrips(s, 300); const xs = await roundTrips(s, 3000); s.destroy(); return pct(xs, 50); };
      const r = await rounds(ROUNDS, { direct: () => p50(up.echo!), pipe: () => p50(px.pipe.echo!), crumple: () => p50(px.crumple.echo!) });
      const added = (k: 'pipe' | 'crumple') => r[k].map((x, i) => x - r.direct[i]!);
      printFigure(roundFigure({ name: 'echo RTT p50 at 1 connection (3000 round trips a round): crumple proxy vs direct', unit: 'ms', values: r.crumple, baseline: { name: 'direct', values: r.direct } }));
      printFigure(roundFigure({ name: 'echo RTT p50 at 1 connection: crumple proxy vs pipe proxy', unit: 'ms', values: r.crumple, baseline: { name: 'plain socket.pipe proxy', values: r.pipe } }));
      printFigure(roundFigure({ name: 'added p50 latency at 1 connection (proxy p50 - direct p50, per round): crumple proxy', unit: 'ms', values: added('crumple'), baseline: { name: 'plain socket.pipe proxy', values: added('pipe') }, goal: '< 0.05 ms', met: (v) => v < 0.05 }));
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
      await rounds(ROUNDS, {
        none: async () => (base.push(median(await at50(px.crumple.echo!))), 0),
        bare: async () => { const xs = await at50(px.bareDelay); p99.bare.push(err(xs)); p99.bareAdded.push(err(xs, base.at(-1) ?? 0)); p50.bare.push(median(xs)); return 0; },
        crumple: async () => { const xs = await at50(px.latency); p99.crumple.push(err(xs)); p99.crumpleAdded.push(err(xs, base.at(-1) ?? 0)); p50.crumple.push(median(xs)); return 0; },
      });
      const bare = 'bare setTimeout delay proxy';
      printFigure(roundFigure({ name: 'latency toxic 100 ms at 50 connections, p99 |RTT - 100 ms|', unit: 'ms', values: p99.crumple, baseline: { name: bare, values: p99.bare }, goal: '< 5 ms', met: (v) => v < 5, note: `p50 RTT ${median(p50.crumple).toFixed(1)} vs ${median(p50.bare).toFixed(1)} ms` }));
      printFigure(roundFigure({ name: 'latency toxic 100 ms at 50 connections, p99 |RTT - no-toxic p50 RTT - 100 ms|', unit: 'ms', values: p99.crumpleAdded, baseline: { name: bare, values: p99.bareAdded }, goal: '< 5 ms', met: (v) => v < 5, note: `no-toxic p50 RTT at 50 connections per round ${fmtList(base)} ms` }));
    }
  } finally {
    upstream.proc.kill();
    proxies.proc.kill();
  }
}

if (role === undefined) await main();
