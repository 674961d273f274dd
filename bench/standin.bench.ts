/**
 * Stand-in figures against bare node:http baselines measured in the same run:
 *  1. `ok` throughput vs a bare server answering the same small JSON body (autocannon, 50 connections);
 *  2. `slow` at 100 ms: p99 of |observed − requested| at 50 and 1,000 connections vs a bare setTimeout server;
 *  3. `hang` holding 10,000 connections: server RSS vs a bare never-answering server, and the control
 *     API's response time meanwhile.
 * Every figure comes from interleaved rounds in rotating order (bench/rounds.ts), ratios per round.
 * Each server runs in its own child process; with taskset, servers are pinned to CPU 0 and this
 * process (the load) to CPU 1. Usage: npm run bench -- standin
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { printFigure, roundFigure } from './figure.js';
import { median, percentile } from './dist.js';
import { rounds } from './rounds.js';
import { ROUNDS, pick } from './settings.js';
import { dist, ensureDist } from './build.js';

const BODY = JSON.stringify({ ok: true });

// ---------------- child: one server ----------------
// Servers run as plain `node -e` on the compiled dist/ (what `npm ci` builds through `prepare`):
// no tsx loader, no esbuild cache and no load-tool modules in the server process, so the RSS and
// the latency measured are the stand-in's, not the bench's. The bare baselines run the same way.
function serverSource(kind: string): string {
  const announce = 'process.stdout.write(JSON.stringify({ port, control, pid: process.pid }) + "\\n");';
  const body = `const body = Buffer.from(${JSON.stringify(BODY)});`;
  const answer = `res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }); res.end(body);`;
  const listen = (s: string, backlog = 511) => `await new Promise((r) => ${s}.listen({ port: 0, host: '127.0.0.1', backlog: ${backlog} }, r)); const port = ${s}.address().port; const control = '';`;
  if (kind === 'bare') return `import { createServer } from 'node:http'; ${body} const s = createServer((req, res) => { ${answer} }); ${listen('s')} ${announce}`;
  if (kind === 'bare-slow') return `import { createServer } from 'node:http'; ${body} const s = createServer((req, res) => setTimeout(() => { ${answer} }, 100)); ${listen('s')} ${announce}`;
  // The bare hang server reports its open connections every 100 ms, so both are measured once all are accepted.
  if (kind === 'bare-hang') return `import { createServer } from 'node:http'; const s = createServer(() => {}); s.requestTimeout = 0; let open = 0; s.on('connection', (c) => { open++; c.on('close', () => open--); }); ${listen('s', 4096)} ${announce} setInterval(() => process.stdout.write(JSON.stringify({ open }) + '\\n'), 100);`;
  const behaviour = kind.replace('+sink', '');
  const sink = kind.endsWith('+sink') || kind === 'hang';
  return `const { startStandIn } = await import(${JSON.stringify(dist('harness-servers/server.js'))});
    const { startControlApi } = await import(${JSON.stringify(dist('harness-servers/control.js'))});
    let events = 0;
    const s = await startStandIn({ name: 'bench', behaviour: ${JSON.stringify(behaviour)}, params: ${behaviour === 'slow' ? '{ delay: 100 }' : '{}'}${sink ? ', onEvent: () => void events++' : ''} });
    const c = await startControlApi([s], {});
    const port = s.port; const control = c.url; ${announce}`;
}

// ---------------- parent: load and figures ----------------
const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;

interface Server {
  port: number;
  control: string;
  pid: number;
  proc: ChildProcess;
  /** Connections the server has accepted and not closed: from its control API, or its own reports (bare-hang). */
  open(): Promise<number>;
}

async function startServer(kind: string): Promise<Server> {
  const args = ['--input-type=module', '-e', serverSource(kind)];
  const proc = hasTaskset ? spawn('taskset', ['-c', '0', process.execPath, ...args], { stdio: ['ignore', 'pipe', 'inherit'] }) : spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let reported = NaN;
  const line = await new Promise<string>((resolve, reject) => {
    let buf = '';
    let first = true;
    proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const l = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (first) {
          first = false;
          resolve(l);
        } else reported = (JSON.parse(l) as { open: number }).open;
      }
    });
    proc.once('exit', (code) => reject(new Error(`server ${kind} exited ${code}`)));
  });
  const info = JSON.parse(line) as { port: number; control: string; pid: number };
  const open = info.control
    ? async () => ((await (await fetch(`${info.control}/standins`)).json()) as { open: number }[])[0]?.open ?? NaN
    : async () => reported;
  return { ...info, proc, open };
}

function stop(p: ChildProcess): Promise<void> {
  return new Promise((r) => {
    p.once('exit', () => r());
    p.kill('SIGKILL');
  });
}

async function cannon(port: number, seconds: number): Promise<number> {
  const { default: autocannon } = await import('autocannon');
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
      let n = 0;
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
        if (++n > 1) errors.push(Math.abs(performance.now() - t0 - requested));
        buf = buf.subarray(total);
        send();
      });
      s.on('error', () => resolve());
      s.on('connect', send);
    });
  await Promise.all(Array.from({ length: conns }, one));
  return errors;
}

const p99 = (xs: number[]) => percentile(xs, 99);

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
  ensureDist();
  console.log('servers: plain node on the compiled dist/ (no tsx, no load tool loaded)');
  console.log(hasTaskset ? 'pinning: servers on CPU 0 (taskset -c 0), load generator on CPU 1 (taskset -cp 1)' : 'taskset not available: unpinned');

  const only = process.env.STANDIN_BENCH_ONLY; // 'ok' | 'slow' | 'hang' while tuning
  // 1. ok throughput
  const SECONDS = pick(2, 1);
  if (!only || only === 'ok') {
    // All three servers up at once (idle ones cost nothing), runs in rotating order, ratios per round.
    const kinds = ['bare', 'ok', 'ok+sink'] as const;
    const servers = await Promise.all(kinds.map((k) => startServer(k)));
    for (const s of servers) await cannon(s.port, 1); // warm-up
    const run = (i: number) => () => cannon(servers[i]!.port, SECONDS);
    const rps = await rounds(ROUNDS, { bare: run(0), ok: run(1), 'ok+sink': run(2) });
    await Promise.all(servers.map((s) => stop(s.proc)));
    for (const kind of ['ok', 'ok+sink'] as const) {
      printFigure(roundFigure({ name: `${kind} stand-in throughput (autocannon, 50 connections, ${SECONDS}s a round)`, unit: 'req/s', values: rps[kind], baseline: { name: 'bare node:http', values: rps.bare }, goal: kind === 'ok+sink' ? '>= 0.95x baseline (median of per-round ratios)' : undefined, met: kind === 'ok+sink' ? (_v, r) => r >= 0.95 : undefined, ...(kind === 'ok+sink' ? { note: 'with an onEvent sink attached, as in a run' } : {}) }));
    }
  }

  // 2. slow accuracy: bare and stand-in in rotating rounds, one server per run. Each connection's
  // first round trip is not counted: it measures the connect storm (1,000 sockets connecting at
  // once), not the delay.
  if (!only || only === 'slow')
    for (const conns of [50, 1000]) {
      const ms = pick(2000, 1000);
      const run = (kind: string) => async () => {
        const s = await startServer(kind);
        const v = p99(await latencyErrors(s.port, conns, ms, 100));
        await stop(s.proc);
        return v;
      };
      const p = await rounds(ROUNDS, { bare: run('bare-slow'), slow: run('slow') });
      const goal = conns === 50 ? 4 : 10;
      printFigure(roundFigure({ name: `slow 100 ms, p99 |observed - requested| at ${conns} connections (${ms / 1000}s a round)`, unit: 'ms', values: p.slow, baseline: { name: 'bare setTimeout server', values: p.bare }, goal: `< ${goal} ms`, met: (v) => v < goal }));
    }

  // 3. hang with 10,000 connections: bare and stand-in in rotating rounds, a fresh server each run.
  if (only && only !== 'hang') return;
  const N = pick(10_000, 2_000);
  const idle: Record<string, number[]> = { 'bare-hang': [], hang: [] };
  const perConnKb: Record<string, number[]> = { 'bare-hang': [], hang: [] };
  const controlMax: number[] = [];
  const controlMed: number[] = [];
  const holding = (kind: string) => async () => {
    const s = await startServer(kind);
    if (s.control) await (await fetch(`${s.control}/standins`)).text(); // warm the route once
    await new Promise((r) => setTimeout(r, 500));
    const before = rssMb(s.pid);
    const sockets = await hold(s.port, N);
    // Until the server has accepted every connection (a busy machine leaves some in the backlog), then settle.
    const until = performance.now() + 20_000;
    while ((await s.open()) < N && performance.now() < until) await new Promise((r) => setTimeout(r, 200));
    await new Promise((r) => setTimeout(r, 1000));
    const rss = rssMb(s.pid);
    idle[kind]!.push(before);
    perConnKb[kind]!.push(((rss - before) * 1024) / N);
    if (s.control) {
      const ms: number[] = [];
      for (let i = 0; i < 20; i++) {
        const t0 = performance.now();
        const r = await fetch(`${s.control}/standins`);
        await r.text();
        ms.push(performance.now() - t0);
      }
      controlMax.push(Math.max(...ms));
      controlMed.push(median(ms));
    }
    const open = await s.open();
    if (open !== N) console.log(`note: the ${kind} server reports ${open} open connections, not ${N}`);
    for (const x of sockets) x.destroy();
    await stop(s.proc);
    return rss;
  };
  const rss = await rounds(ROUNDS, { 'bare-hang': holding('bare-hang'), hang: holding('hang') });
  const bare = 'bare never-answering node:http';
  printFigure(roundFigure({ name: `hang holding ${N} connections: server RSS`, unit: 'MB', values: rss.hang, baseline: { name: bare, values: rss['bare-hang'] }, goal: '<= 1.05x bare', met: (_v, x) => x <= 1.05, note: 'log ring 10,000 connections' }));
  printFigure(roundFigure({ name: 'hang stand-in idle RSS (before the connections)', unit: 'MB', values: idle.hang!, baseline: { name: bare, values: idle['bare-hang']! }, note: 'the stand-in and its control API loaded' }));
  printFigure(roundFigure({ name: `hang: RSS per held connection (${N} connections)`, unit: 'KB', values: perConnKb.hang!, baseline: { name: bare, values: perConnKb['bare-hang']! } }));
  printFigure(roundFigure({ name: `control API GET /standins while holding ${N} connections (max of 20 a round)`, unit: 'ms', values: controlMax, goal: '< 50 ms', met: (v) => v < 50, note: `per-round median of the 20: ${median(controlMed).toFixed(2)} ms` }));
}

await parent();
