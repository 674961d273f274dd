/**
 * Stand-in figures against bare node:http baselines measured in the same run:
 *  1. `ok` throughput vs a bare server answering the same small JSON body (autocannon, 50 connections);
 *  2. `slow` at 100 ms: p99 of |observed − requested| at 50 and 1,000 connections vs a bare setTimeout server;
 *  3. `hang` holding 10,000 connections: server RSS vs a bare never-answering server, and the control
 *     API's response time meanwhile.
 * Each server runs in its own child process; with taskset, servers are pinned to CPU 0 and this
 * process (the load) to CPU 1. Usage: npm run bench -- standin
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { printFigure } from './figure.js';

const self = fileURLToPath(import.meta.url);
const BODY = JSON.stringify({ ok: true });

// ---------------- child: one server ----------------
async function child(kind: string): Promise<void> {
  let port = 0;
  let control = '';
  if (kind === 'bare') {
    const body = Buffer.from(BODY);
    const s = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
    });
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    port = (s.address() as { port: number }).port;
  } else if (kind === 'bare-slow') {
    const body = Buffer.from(BODY);
    const s = createServer((_req, res) =>
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
        res.end(body);
      }, 100),
    );
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    port = (s.address() as { port: number }).port;
  } else if (kind === 'bare-hang') {
    const s = createServer(() => {});
    s.requestTimeout = 0;
    await new Promise<void>((r) => s.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, r));
    port = (s.address() as { port: number }).port;
  } else {
    const { startStandIn } = await import('../harness-servers/server.js');
    const { startControlApi } = await import('../harness-servers/control.js');
    let events = 0;
    const sink = kind.endsWith('+sink') || kind === 'hang' ? () => void events++ : undefined;
    const behaviour = kind.replace('+sink', '');
    const s = await startStandIn({ name: 'bench', behaviour, params: behaviour === 'slow' ? { delay: 100 } : {}, ...(sink ? { onEvent: sink } : {}) });
    const c = await startControlApi([s], {});
    port = s.port;
    control = c.url;
  }
  process.stdout.write(JSON.stringify({ port, control, pid: process.pid }) + '\n');
}

// ---------------- parent: load and figures ----------------
const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;

async function startServer(kind: string): Promise<{ port: number; control: string; pid: number; proc: ChildProcess }> {
  const args = ['--import', 'tsx', self, 'serve', kind];
  const proc = hasTaskset ? spawn('taskset', ['-c', '0', process.execPath, ...args], { stdio: ['ignore', 'pipe', 'inherit'] }) : spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    let buf = '';
    proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve(buf.slice(0, nl));
    });
    proc.once('exit', (code) => reject(new Error(`server ${kind} exited ${code}`)));
  });
  const info = JSON.parse(line) as { port: number; control: string; pid: number };
  return { ...info, proc };
}

function stop(p: ChildProcess): Promise<void> {
  return new Promise((r) => {
    p.once('exit', () => r());
    p.kill('SIGKILL');
  });
}

async function cannon(port: number, seconds: number): Promise<number> {
  const r = await autocannon({ url: `http://127.0.0.1:${port}/`, connections: 50, duration: seconds, pipelining: 1 });
  return r.requests.average;
}

/** Minimal keep-alive HTTP client: `conns` sockets each sending one request at a time for `ms`. */
async function latencyErrors(port: number, conns: number, ms: number, requested: number): Promise<number[]> {
  const errors: number[] = [];
  const end = performance.now() + ms;
  const REQ = Buffer.from('GET / HTTP/1.1\r\nhost: bench\r\n\r\n');
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.setNoDelay(true);
      let buf: Buffer = Buffer.alloc(0);
      let t0 = 0;
      const send = () => {
        if (performance.now() > end) {
          s.destroy();
          resolve();
          return;
        }
        t0 = performance.now();
        s.write(REQ);
      };
      s.on('data', (d: Buffer) => {
        buf = buf.length ? Buffer.concat([buf, d]) : d;
        const he = buf.indexOf('\r\n\r\n');
        if (he < 0) return;
        const m = /content-length: (\d+)/i.exec(buf.subarray(0, he).toString('latin1'));
        const total = he + 4 + Number(m?.[1] ?? 0);
        if (buf.length < total) return;
        errors.push(Math.abs(performance.now() - t0 - requested));
        buf = buf.subarray(total);
        send();
      });
      s.on('error', () => resolve());
      s.on('connect', send);
    });
  await Promise.all(Array.from({ length: conns }, one));
  return errors;
}

const p99 = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.99))] ?? NaN;
};

const rssMb = (pid: number) => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
};

async function hold(port: number, n: number): Promise<Socket[]> {
  const sockets: Socket[] = [];
  const BATCH = 500;
  for (let i = 0; i < n; i += BATCH) {
    await Promise.all(
      Array.from({ length: Math.min(BATCH, n - i) }, () => new Promise<void>((resolve) => {
        const s = connect(port, '127.0.0.1', () => {
          s.write('GET /hang HTTP/1.1\r\nhost: bench\r\n\r\n');
          resolve();
        });
        s.on('error', () => resolve());
        sockets.push(s);
      })),
    );
  }
  return sockets;
}

async function parent(): Promise<void> {
  if (hasTaskset) spawnSync('taskset', ['-cp', '1', String(process.pid)], { stdio: 'ignore' });
  console.log(hasTaskset ? 'pinning: servers on CPU 0 (taskset -c 0), load generator on CPU 1 (taskset -cp 1)' : 'taskset not available: unpinned');

  // 1. ok throughput
  const SECONDS = 5;
  const bare = await startServer('bare');
  await cannon(bare.port, 1); // warm-up
  const bareRps = await cannon(bare.port, SECONDS);
  await stop(bare.proc);
  for (const kind of ['ok', 'ok+sink']) {
    const s = await startServer(kind);
    await cannon(s.port, 1);
    const rps = await cannon(s.port, SECONDS);
    await stop(s.proc);
    printFigure({ name: `${kind} stand-in throughput (autocannon, 50 connections, ${SECONDS}s)`, value: rps, unit: 'req/s', baseline: { name: 'bare node:http', value: bareRps }, goal: '>= 0.85x baseline', met: rps >= 0.85 * bareRps, ...(kind === 'ok+sink' ? { note: 'with an onEvent sink attached, as in a run' } : {}) });
  }

  // 2. slow accuracy
  for (const conns of [50, 1000]) {
    const b = await startServer('bare-slow');
    const be = p99(await latencyErrors(b.port, conns, 4000, 100));
    await stop(b.proc);
    const s = await startServer('slow');
    const se = p99(await latencyErrors(s.port, conns, 4000, 100));
    await stop(s.proc);
    const goal = conns === 50 ? 4 : 10;
    printFigure({ name: `slow 100 ms, p99 |observed - requested| at ${conns} connections`, value: se, unit: 'ms', baseline: { name: 'bare setTimeout server', value: be }, goal: `< ${goal} ms`, met: se < goal });
  }

  // 3. hang with 10,000 connections
  const N = 10_000;
  const results: Record<string, number> = {};
  let controlMs: number[] = [];
  for (const kind of ['bare-hang', 'hang']) {
    const s = await startServer(kind);
    if (s.control) await (await fetch(`${s.control}/standins`)).text(); // warm the route once
    await new Promise((r) => setTimeout(r, 500));
    results[`${kind}-idle`] = rssMb(s.pid);
    const sockets = await hold(s.port, N);
    await new Promise((r) => setTimeout(r, 1500));
    results[kind] = rssMb(s.pid);
    if (s.control) {
      controlMs = [];
      for (let i = 0; i < 20; i++) {
        const t0 = performance.now();
        const r = await fetch(`${s.control}/standins`);
        await r.text();
        controlMs.push(performance.now() - t0);
      }
      const list = (await (await fetch(`${s.control}/standins`)).json()) as { open: number }[];
      console.log(`hang stand-in reports ${list[0]?.open} open connections`);
    }
    for (const x of sockets) x.destroy();
    await stop(s.proc);
  }
  printFigure({ name: `hang holding ${N} connections: server RSS`, value: results.hang!, unit: 'MB', baseline: { name: 'bare never-answering node:http', value: results['bare-hang']! }, goal: '< 150 MB', met: results.hang! < 150, note: `idle before: ${results['hang-idle']!.toFixed(0)} MB vs bare ${results['bare-hang-idle']!.toFixed(0)} MB; per connection ${(((results.hang! - results['hang-idle']!) * 1024) / N).toFixed(2)} KB vs bare ${(((results['bare-hang']! - results['bare-hang-idle']!) * 1024) / N).toFixed(2)} KB; log ring 10,000 connections` });
  const worst = Math.max(...controlMs);
  printFigure({ name: `control API GET /standins while holding ${N} connections (max of 20)`, value: worst, unit: 'ms', goal: '< 50 ms', met: worst < 50, note: `median ${controlMs.sort((a, b) => a - b)[10]?.toFixed(2)} ms` });
}

if (process.argv[2] === 'serve') await child(process.argv[3] ?? 'ok');
else await parent();
