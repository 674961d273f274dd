/**
 * Start-up (npm run bench -- startup): wall time from spawn to ready for
 *  - `crumple serve --zoo`: its "control API:" line (printed once every stand-in and the control API listen);
 *  - `crumple proxy --port 0`: its "Toxiproxy API on" line (printed once the API listens);
 *  - `crumple run scenarios/checkout.resilient.yaml`: its first "▶ phase 1/" line (stand-in, proxy link,
 *    target spawned and ready, load workers started: the first phase begins);
 * each against a bare `node -e "require('http').createServer().listen(0, () => console.log('ready'))"`
 * in the same round, rounds interleaved in rotating order. crumple runs as the compiled dist/
 * (`node dist/src/cli/bin.js`, what the installed bin runs, built by npm run build when stale);
 * `serve --zoo` also under tsx (`node --import tsx src/cli/bin.ts`, as the tests run it) to show what
 * compiling on the fly adds. Each process is stopped with SIGINT after its ready line (not timed).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { printFigure, roundFigure } from './figure.js';
import { rounds } from './rounds.js';
import { ROUNDS } from './settings.js';
import { ensureDist, root } from './build.js';

const READY_WITHIN_MS = 60_000;

/** Milliseconds from spawn until a line of its output matches `ready`; then SIGINT and wait for it to exit. */
function timeToReady(argv: string[], ready: RegExp): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(process.execPath, argv, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let at: number | undefined;
    const timer = setTimeout(() => { p.kill('SIGKILL'); reject(new Error(`${argv.join(' ')}: not ready within ${READY_WITHIN_MS} ms; output: ${out.slice(-500)}`)); }, READY_WITHIN_MS);
    const on = (d: Buffer) => {
      out += d.toString();
      if (at === undefined && ready.test(out)) {
        at = performance.now() - t0;
        clearTimeout(timer);
        p.kill('SIGINT');
        // A command that rolls back slowly must not spill into the next measurement.
        setTimeout(() => p.kill('SIGKILL'), 20_000).unref();
      }
    };
    p.stdout.on('data', on);
    p.stderr.on('data', on);
    p.once('exit', (code, sig) => {
      clearTimeout(timer);
      if (at === undefined) reject(new Error(`${argv.join(' ')}: exited ${code ?? sig} before ready; output: ${out.slice(-500)}`));
      else resolve(at);
    });
  });
}

ensureDist();
const built = [join(root, 'dist/src/cli/bin.js')];
const tsx = ['--import', 'tsx', join(root, 'src/cli/bin.ts')];
const reports = mkdtempSync(join(tmpdir(), 'crumple-bench-startup-'));
let runs = 0;
console.log('crumple as the compiled dist/ (node dist/src/cli/bin.js); serve --zoo also under tsx (node --import tsx src/cli/bin.ts)');
try {
  const r = await rounds(ROUNDS, {
    bare: () => timeToReady(['-e', "require('http').createServer().listen(0, () => console.log('ready'))"], /^ready$/m),
    serve: () => timeToReady([...built, 'serve', '--zoo'], /^control API: /m),
    serveTsx: () => timeToReady([...tsx, 'serve', '--zoo'], /^control API: /m),
    proxy: () => timeToReady([...built, 'proxy', '--port', '0'], /Toxiproxy API on /),
    run: () => timeToReady([...built, 'run', 'scenarios/checkout.resilient.yaml', '--reports', reports, '--run-id', `r${runs++}`], /▶ phase 1\//),
  });
  const bare = { name: 'bare node:http listen', values: r.bare };
  printFigure(roundFigure({ name: 'start-up: crumple serve --zoo to its "control API:" line', unit: 'ms', values: r.serve, baseline: bare }));
  printFigure(roundFigure({ name: 'start-up: crumple serve --zoo under tsx to its "control API:" line', unit: 'ms', values: r.serveTsx, baseline: bare, note: 'what the tests and npm run bench pay: tsx compiles on the fly' }));
  printFigure(roundFigure({ name: 'start-up: crumple proxy --port 0 to "Toxiproxy API on"', unit: 'ms', values: r.proxy, baseline: bare }));
  printFigure(roundFigure({ name: 'start-up: crumple run scenarios/checkout.resilient.yaml to "▶ phase 1/"', unit: 'ms', values: r.run, baseline: bare, note: 'stand-in, proxy link, target spawned and ready (GET /health), loads started' }));
} finally {
  rmSync(reports, { recursive: true, force: true });
}
