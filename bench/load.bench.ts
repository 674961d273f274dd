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
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { request } from 'node:http';
import { Worker } from 'node:worker_threads';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import { WebSocketServer } from 'ws';
import { printFigure } from './figure.js';
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
  const seconds = 4;
  const cannon = async () => {
    const r = await autocannon({ url, connections: 10, duration: seconds });
    return r.requests.total / seconds;
  };
  const crumple = async () => {
    const rec = new Recorder();
    const s = await startLoad('bench', { shape: 'steady', connections: 10, duration: `${seconds}s` }, { baseUrl: url, sink: rec.record, signal: never }).done;
    rec.timeline();
    return s.rps;
  };
  const crumpleAc = async () => {
    const rec = new Recorder();
    const s = await startLoad('bench', { shape: 'steady', engine: 'autocannon', connections: 10, duration: `${seconds}s` }, { baseUrl: url, sink: rec.record, signal: never }).done;
    rec.timeline();
    return s.rps;
  };
  await cannon(); // warm the server's JIT
  const a1 = await cannon();
  const c1 = await crumple();
  const e1 = await crumpleAc();
  const a2 = await cannon();
  const c2 = await crumple();
  const e2 = await crumpleAc();
  child.kill();
  const eng = Math.max(e1, e2);
  const value = Math.max(c1, c2);
  const base = Math.max(a1, a2);
  printFigure({ name: 'steady load throughput (10 connections, recorder on)', value, unit: 'req/s', baseline: { name: 'plain autocannon', value: base }, goal: '>= 0.85x', met: value >= 0.85 * base, note: `runs ${c1.toFixed(0)}/${c2.toFixed(0)} vs ${a1.toFixed(0)}/${a2.toFixed(0)}` });
  printFigure({ name: 'steady load throughput, engine: autocannon (10 connections, recorder on)', value: eng, unit: 'req/s', baseline: { name: 'plain autocannon', value: base }, goal: '>= 0.85x', met: eng >= 0.85 * base, note: `runs ${e1.toFixed(0)}/${e2.toFixed(0)} vs ${a1.toFixed(0)}/${a2.toFixed(0)}` });
}

async function resolution(): Promise<void> {
  const { url, child } = await childServer(550);
  const s = await startLoad('res', { shape: 'steady', connections: 1, count: 2000 }, { baseUrl: url, sink: () => {}, signal: never }).done;
  // Baseline: node:http keep-alive client, each request timed with hrtime.
  const { Agent } = await import('node:http');
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const lat: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const t = monotonicMs();
    await new Promise<void>((resolve, reject) => request(url, { agent }, (res) => { res.resume(); res.on('end', () => resolve()); }).on('error', reject).end());
    lat.push(monotonicMs() - t);
  }
  agent.destroy();
  lat.sort((a, b) => a - b);
  const raw = lat[Math.floor(lat.length / 2)]!;
  const ac = await autocannon({ url, connections: 1, amount: 2000 });
  const eng = await startLoad('res', { shape: 'steady', engine: 'autocannon', connections: 1, count: 2000 }, { baseUrl: url, sink: () => {}, signal: never }).done;
  child.kill();
  printFigure({ name: 'latency resolution: crumple p50', value: s.p50Ms, unit: 'ms', baseline: { name: 'node:http client timed with hrtime, p50', value: raw }, goal: 'reads sub-ms (not 0 or 1)', met: s.p50Ms > 0.05 && Math.abs(s.p50Ms - 1) > 0.02 && Math.abs(s.p50Ms / raw - 1) < 0.5, note: `autocannon's own p50 for the same server: ${ac.latency.p50} ms; crumple engine: autocannon p50 ${eng.p50Ms} ms` });
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
  const pulses = 5;
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
  // Baseline first (so neither gets a warmer server): a raw client in a worker thread doing the same (connect all, then one tight write loop).
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
  // Warm the server, then alternate the two clients so neither gets a warmer or quieter machine.
  await rawRun();
  spreads();
  const baseSpreads: number[] = [];
  const ourSpreads: number[] = [];
  const clientSide: number[] = [];
  for (let round = 0; round < 2; round++) {
    await rawRun();
    baseSpreads.push(...spreads().all);
    const r = await oursRun();
    ourSpreads.push(...spreads().all);
    clientSide.push(...r.pulses!.map((p) => p.releaseSpreadMs));
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? NaN;
  const ours = { median: med(ourSpreads) };
  const base = { median: med(baseSpreads) };
  const r = { releaseSpreadMs: { median: med(clientSide) } };
  for (const s of sockets) s.destroy();
  server.close();
  printFigure({ name: `dogpile release spread at the server (${n} pre-connected, median of pulses)`, value: ours.median, unit: 'ms', baseline: { name: 'raw single-thread client', value: base.median }, goal: '< 15 ms', met: ours.median < 15, note: `client-side spread median ${r.releaseSpreadMs!.median} ms; ${ourSpreads.length} pulses each, alternating` });
}

async function wsStorm(): Promise<void> {
  const clients = 2000;
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
  wss.close();
  const storm = s.storms?.[0];
  printFigure({ name: `ws-storm: ${clients} clients dropped at once, time until all reconnected`, value: storm?.allBackMs ?? NaN, unit: 'ms', baseline: { name: 'initial connect of all clients', value: initial }, note: `connect p50 ${s.p50Ms} ms, p99 ${s.p99Ms} ms; ${storm?.failures ?? 0} failed attempts` });
}

const only = process.env.LOAD_BENCH;
if (!only || only === 'throughput') await throughput();
if (!only || only === 'resolution') await resolution();
if (!only || only === 'dogpile') await dogpile();
if (!only || only === 'ws') await wsStorm();
process.exit(0);
