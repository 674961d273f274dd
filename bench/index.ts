/**
 * npm run bench: runs bench/*.bench.ts, each in its own process, one after another, so one
 * benchmark's sockets and heap never disturb the next. See USAGE in args.ts; by default every
 * benchmark but the long ones (memory, soak, explore: run when named or with --all), 5 rounds each.
 * Each bench process is told the rounds and --quick through BENCH_ROUNDS / BENCH_QUICK, and appends
 * its figures to the BENCH_FIGURES file, from which --json is written.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { BenchArgError, LONG, parseBenchArgs, selected } from './args.js';
import { compareTable, parseBenchRun, type BenchRun } from './compare.js';
import type { FigureRecord } from './figure.js';
import { DEFAULT_ROUNDS, QUICK_ROUNDS } from './settings.js';

const here = dirname(fileURLToPath(import.meta.url));
const known = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''))
  .sort();

function fail(message: string): never {
  console.error(`bench: ${message}`);
  process.exit(2);
}

let args;
try {
  args = parseBenchArgs(process.argv.slice(2), known);
} catch (e) {
  if (e instanceof BenchArgError) fail(e.message);
  throw e;
}

if (args.compare) {
  const read = (f: string) => {
    if (!existsSync(f)) fail(`--compare: ${f}: no such file`);
    try {
      return parseBenchRun(readFileSync(f, 'utf8'), f);
    } catch (e) {
      fail(`--compare: ${(e as Error).message}`);
    }
  };
  const [a, b] = args.compare;
  console.log(compareTable(read(a), read(b)));
  process.exit(0);
}

const rounds = args.rounds ?? (args.quick ? QUICK_ROUNDS : DEFAULT_ROUNDS);
const benches = selected(args, known);
const skipped = LONG.filter((l) => known.includes(l) && !benches.includes(l));
const la = () => loadavg().map((x) => Number(x.toFixed(2)));
const start = la();
console.log(`bench: ${benches.join(', ')}; ${rounds} rounds${args.quick ? ', --quick (shorter runs: a smoke, not figures to quote)' : ''}; ${cpus().length} CPUs, load average ${start.join(' ')}, node ${process.version}`);
if (skipped.length) console.log(`bench: not running ${skipped.join(', ')} (long: name them, e.g. npm run bench -- ${skipped[0]}, or pass --all)`);

const dir = mkdtempSync(join(tmpdir(), 'crumple-bench-'));
const figuresFile = join(dir, 'figures.jsonl');
writeFileSync(figuresFile, '');
let failed = 0;
const t0 = Date.now();
for (const b of benches) {
  console.log(`\n## ${b}  (load average ${la().join(' ')})`);
  const started = Date.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, `${b}.bench.ts`)], {
    stdio: 'inherit',
    env: { ...process.env, BENCH_ROUNDS: String(rounds), BENCH_QUICK: args.quick ? '1' : '', BENCH_FIGURES: figuresFile },
  });
  console.log(`## ${b}: ${r.status === 0 ? 'done' : `FAILED (exit ${r.status ?? r.signal})`} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (r.status !== 0) failed++;
}
const end = la();
console.log(`\nbench: ${benches.length} benchmarks in ${((Date.now() - t0) / 60_000).toFixed(1)} min; load average ${end.join(' ')}`);

if (args.json) {
  const figures = readFileSync(figuresFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as FigureRecord);
  const run: BenchRun = { date: new Date(t0).toISOString(), loadavg: { start, end }, cpus: cpus().length, node: process.version, rounds, quick: args.quick, benches, figures };
  writeFileSync(args.json, JSON.stringify(run, null, 2) + '\n');
  console.log(`bench: ${figures.length} figures written to ${args.json}`);
}
rmSync(dir, { recursive: true, force: true });
process.exitCode = failed ? 1 : 0;
