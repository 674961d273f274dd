/**
 * Load benchmarks (npm run bench -- load). Each figure has a baseline measured in the same run:
 * 1. steady throughput: crumple (worker + recorder in the main thread) vs plain autocannon, both
 *    against the same bare node:http server in a child process; once with the raw engine (the
 *    default), once with engine: autocannon (autocannon's clients plus crumple's per-request events);
 * 2. latency resolution: crumple's p50 against a ~0.7 ms server vs a raw hrtime-timed client (and
 *    autocannon's whole-millisecond histogram for contrast);
 * 3. dogpile release spread measured at the server (1,000 pre-connected requests, median of pulses)
 *    vs a raw single-thread client doing the same writes;
 * 4. ws-storm: 2,000 clients dropped by an echo server; time until all are back vs the time the
 *    first connect of all 2,000 took.
 * Every figure comes from interleaved rounds in rotating order (bench/rounds.ts), ratios per round.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { request } from 'node:http';
import { Worker } from 'node:worker_threads';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import { WebSocketServer } from 'ws';
import { printFigure, roundFigure } from './figure.js';
import { median } from './dist.js';
import { rounds } from './rounds.js';
import { ROUNDS, pick } from './settings.js';
import { startLoad } from '../src/load/index.js';
import { Recorder } from '../src/timeline/recorder.js';
import { monotonicMs } from '../src/timeline/clock.js';
import type { TimelineEvent, WsEvent } from '../src/timeline/events.js';

const never = new AbortController().signal;

async function childServer(busyUs: number): Promise<{ url: string; child: ChildProcess }> {
  const code = `const http=require('http');const d=${busyUs};const s=http.createServer((q,r)=>{if(d){const e=process.hrtime.bigint()+BigInt(d*1000);while(process.hrtime.bigint()<e);}r.end('hello world')});s.keepAliveTimeout=60000;s.listen(0,'127.0.0.1',()=>console.log(s.address().port))`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => child.stdout!.once('data', (b: Buffer) => resolve(Number(b.toString().trim()))));
  return { url: `http://127.0.0.1:${port}`, child };
}

async function throughput(): Promise<void> {
  const { url, child } = await childServer(0);
  const seconds = pick(3, 1);
  const cannon = async () => {
    const r = await autocannon({ url, connections: 10, duration: seconds });
    return r.requests.total / seconds;
  };
  const crumple = (engine: 'raw' | 'autocannon') => async () => {
    const rec = new Recorder();
    const s = await startLoad('bench', { shape: 'steady', engine, connections: 10, duration: `${seconds}s` }, { baseUrl: url, sink: rec.record, signal: never }).done;
    rec.timeline();
    return s.rps;
  };
  await cannon(); // warm the server's JIT
  const r = await rounds(ROUNDS, { autocannon: cannon, raw: crumple('raw'), engine: crumple('autocannon') });
  child.kill();
  const base = { name: 'plain autocannon', values: r.autocannon };
  printFigure(roundFigure({ name: `steady load throughput, raw engine (10 connections, recorder on, ${seconds}s a round)`, unit: 'req/s', values: r.raw, baseline: base, goal: '>= 1.0x', met: (_v, x) => x >= 1.0 }));
  printFigure(roundFigure({ name: `steady load throughput, engine: autocannon (10 connections, recorder on, ${seconds}s a round)`, unit: 'req/s', values: r.engine, baseline: base, goal: '>= 1.0x', met: (_v, x) => x >= 1.0 }));
}

async function resolution(): Promise<void> {
  const { url, child } = await childServer(550);
  const count = pick(1000, 300);
  const { Agent } = await import('node:http');
  /** Baseline: a node:http keep-alive client, each request timed with hrtime; its p50. */
  const raw = async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const lat: number[] = [];
    for (let i = 0; i < count; i++) {
      const t = monotonicMs();
      await new Promise<void>((resolve, reject) => request(url, { agent }, (res) => { res.resume(); res.on('end', () => resolve()); }).on('error', reject).end());
      lat.push(monotonicMs() - t);
    }
    agent.destroy();
    return median(lat);
  };
  const ours = (engine: 'raw' | 'autocannon') => async () => (await startLoad('res', { shape: 'steady', engine, connections: 1, count }, { baseUrl: url, sink: () => {}, signal: never }).done).p50Ms;
  const ac = async () => (await autocannon({ url, connections: 1, amount: count })).latency.p50;
  const r = await rounds(ROUNDS, { hrtime: raw, crumple: ours('raw'), engine: ours('autocannon'), autocannon: ac });
  child.kill();
  const subMs = (v: number, x: number) => v > 0.05 && Math.abs(v - 1) > 0.02 && Math.abs(x - 1) < 0.5;
  printFigure(roundFigure({ name: `latency resolution: crumple p50 (raw engine, ~0.55 ms server, ${count} requests a round)`, unit: 'ms', values: r.crumple, baseline: { name: 'node:http client timed with hrtime, p50', values: r.hrtime }, goal: 'reads sub-ms (not 0 or 1)', met: subMs, note: `autocannon's own p50 for the same server: ${median(r.autocannon)} ms` }));
  printFigure(roundFigure({ name: 'latency resolution: crumple p50, engine: autocannon', unit: 'ms', values: r.engine, baseline: { name: 'node:http client timed with hrtime, p50', values: r.hrtime } }));
}

async function dogpile(): Promise<void> {
  const arrivals: number[] = [];
  const sockets = new Set<Socket>();
  // The server timestamps each arrival and answers after the poll phase (setImmediate), so the
  // answers' writes do not sit between two reads and inflate the spread it measures.
  const answer = Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
  let queue: Socket[] = [];
  const flush = () => {
    const q = queue;
    queue = [];
    for (const s of q) s.write(answer);
  };
  const server = createServer((sock) => {
    sockets.add(sock);
    sock.setNoDelay(true);
    sock.on('close', () => sockets.delete(sock));
    sock.on('data', () => {
      arrivals.push(monotonicMs());
      if (queue.push(sock) === 1) setImmediate(flush);
    });
  });
  await new Promise<void>((r) => server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, r));
  const port = (server.address() as AddressInfo).port;
  const n = 1000;
  const pulses = pick(3, 2);
  const spreads = () => {
    // Bursts are separated by ~1 s of silence.
    const a = arrivals.splice(0).sort((x, y) => x - y);
    const groups: number[][] = [];
    for (const t of a) {
      const g = groups[groups.length - 1];
      if (g && t - g[g.length - 1]! < 300) g.push(t);
      else groups.push([t]);
    }
    const s = groups.map((g) => g[g.length - 1]! - g[0]!).sort((x, y) => x - y);
    return { all: s, groups: groups.map((g) => g.length) };
  };
  // The baseline: a raw client in a worker thread doing the same (connect all, then one tight write loop).
  const raw = `const net=require('net');const {parentPort,workerData:{port,n,pulses}}=require('worker_threads');
const req=Buffer.from('GET / HTTP/1.1\\r\\nhost: 127.0.0.1\\r\\n\\r\\n');const socks=[];let c=0,k=0;
const fire=()=>{for(const s of socks)s.write(req);if(++k<pulses)setTimeout(fire,1000);else setTimeout(()=>{for(const s of socks)s.destroy();parentPort.postMessage('done')},1000)};
for(let i=0;i<n;i++){const s=net.connect(port,'127.0.0.1',()=>{if(++c===n)fire()});s.setNoDelay(true);s.on('data',()=>{});socks.push(s)}`;
  const rawRun = () =>
    new Promise<void>((resolve) => {
      const w = new Worker(raw, { eval: true, workerData: { port, n, pulses } });
      w.once('message', () => void w.terminate().then(() => resolve()));
    });
  const oursRun = () => startLoad('pile', { shape: 'dogpile', n, pulses, every: '1s' }, { baseUrl: `http://127.0.0.1:${port}`, sink: () => {}, signal: never }).done;
  // Warm the server, then rotating rounds of the two clients so neither gets a warmer or quieter machine.
  await rawRun();
  spreads();
  const clientSide: number[] = [];
  const r = await rounds(ROUNDS, {
    raw: async () => (await rawRun(), median(spreads().all)),
    crumple: async () => {
      const s = await oursRun();
      clientSide.push(...s.pulses!.map((p) => p.releaseSpreadMs));
      return median(spreads().all);
    },
  });
  for (const s of sockets) s.destroy();
  server.close();
  printFigure(roundFigure({ name: `dogpile release spread at the server (${n} pre-connected, median of ${pulses} pulses a round)`, unit: 'ms', values: r.crumple, baseline: { name: 'raw single-thread client', values: r.raw }, goal: '< 15 ms', met: (v) => v < 15, note: `client-side spread median ${median(clientSide)} ms` }));
}

/** One storm against a fresh echo server: all back after the drop, and the first connect of all. */
async function storm(clients: number): Promise<{ allBack: number; initial: number; p50: number; failures: number }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', backlog: 4096 });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const port = (wss.address() as AddressInfo).port;
  let accepted = 0;
  wss.on('connection', (ws) => {
    ws.on('message', (m) => ws.send(m));
    if (++accepted === clients) setTimeout(() => { for (const c of wss.clients) c.terminate(); }, 300);
  });
  const events: WsEvent[] = [];
  const sink = (e: TimelineEvent) => void (e.kind === 'ws' && events.push(e));
  const s = await startLoad('storm', { shape: 'ws-storm', clients, duration: '40s' }, { baseUrl: `http://127.0.0.1:${port}`, sink, signal: never }).done;
  const first = events.filter((e) => e.action === 'connect').slice(0, clients);
  const initial = Math.max(...first.map((e) => e.t + (e.latencyMs ?? 0))) - Math.min(...first.map((e) => e.t));
  await new Promise<void>((r) => wss.close(() => r()));
  const st = s.storms?.[0];
  return { allBack: st?.allBackMs ?? NaN, initial, p50: s.p50Ms, failures: st?.failures ?? 0 };
}

async function wsStorm(): Promise<void> {
  const clients = pick(2000, 500);
  // One contestant measured against itself: each round's drop → all back, over that round's first connect.
  const runs: Awaited<ReturnType<typeof storm>>[] = [];
  for (let i = 0; i < ROUNDS; i++) runs.push(await storm(clients));
  printFigure(roundFigure({ name: `ws-storm: ${clients} clients dropped at once, time until all reconnected`, unit: 'ms', values: runs.map((r) => r.allBack), baseline: { name: 'initial connect of all clients (same run)', values: runs.map((r) => r.initial) }, goal: '<= 1.2x', met: (_v, x) => x <= 1.2, note: `connect p50 ${median(runs.map((r) => r.p50))} ms; failed attempts per round ${runs.map((r) => r.failures).join(' ')}` }));
}

const only = process.env.LOAD_BENCH;
if (!only || only === 'throughput') await throughput();
if (!only || only === 'resolution') await resolution();
if (!only || only === 'dogpile') await dogpile();
if (!only || only === 'ws') await wsStorm();
process.exit(0);
