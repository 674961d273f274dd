/**
 * Memory (npm run bench -- memory): crumple's own RSS over a real run at sustained load, long enough
 * to pass every cap (the recorder's raw events, the open-histogram window, the stand-in's log).
 * The run is an ordinary `crumple run` in this process: the example resilient target, its inventory
 * dependency through the embedded fault proxy, a steady 300 req/s at /checkout. Printed: RSS and heap
 * every 15 s (heap after a full GC: what is retained), their slopes after warm-up (Theil–Sen, the drift
 * check's robust slope, with its 95% band, over the last 40 % of the run, when every cap has been
 * passed: at 300 req/s the raw-event budget fills in about 6.5 min), and the bounds README states
 * (bench/memory-bounds.ts); exit 1 when the peak RSS or the heap's slope passes its bound.
 * BENCH_MEMORY_MINUTES (default 12) sets the run's length; BENCH_MEMORY_RATE (default 300) the rate.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { printFigure } from './figure.js';
import { runPlan } from '../src/run.js';
import { parseScenarioText } from '../src/scenario/load.js';
import { scenarioToPlan } from '../src/scenario/plan.js';
import { DEFAULT_RAW_BUDGET_BYTES, DEFAULT_RAW_CAP, OPEN_SECONDS } from '../src/timeline/recorder.js';
import { theilSen } from '../src/checks/trend.js';
import { LOAD_HEAP_SLOPE_BOUND_MB_PER_MIN, RSS_BOUND_MB } from './memory-bounds.js';

const minutes = Number(process.env.BENCH_MEMORY_MINUTES ?? 12);
const rate = Number(process.env.BENCH_MEMORY_RATE ?? 300);
const MB = 1024 * 1024;
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const scenario = `name: memory bench
target:
  command: node scenarios/targets/resilient.js
  env: { PORT: "\${target.port}", INVENTORY_URL: "\${deps.inventory.url}" }
  ready: { http: /health }
dependencies:
  inventory: {}
load:
  checkout: { shape: steady, path: /checkout, rate: ${rate}/s, connections: 64 }
phases:
  - { name: sustained, for: ${Math.round(minutes * 60)}s }
expect:
  survives: true
`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'crumple-bench-memory-'));
  const samples: { min: number; rss: number; heap: number; committed: number }[] = [];
  const t0 = Date.now();
  const sample = () => {
    gc();
    const m = process.memoryUsage();
    // What V8 has committed beyond what it retains: new space grows by doubling (to 2 × 16 MB semi-spaces)
    // while a run's survival rate is high, which shows in RSS as growth though nothing is retained.
    const newSpace = (getHeapSpaceStatistics().find((x) => x.space_name === 'new_space')?.space_size ?? 0) / MB;
    const s = { min: (Date.now() - t0) / 60_000, rss: m.rss / MB, heap: m.heapUsed / MB, committed: m.heapTotal / MB };
    samples.push(s);
    console.log(`  ${s.min.toFixed(2).padStart(5)} min  rss ${s.rss.toFixed(1).padStart(6)} MB  heap ${s.heap.toFixed(1).padStart(6)} MB  committed ${s.committed.toFixed(1).padStart(5)} MB (new space ${newSpace.toFixed(0)})  external ${(m.external / MB).toFixed(1)} MB  arrayBuffers ${(m.arrayBuffers / MB).toFixed(1)} MB`);
  };
  console.log(`crumple run at ${rate} req/s for ${minutes} min (raw events up to ${DEFAULT_RAW_BUDGET_BYTES / MB} MiB or ${DEFAULT_RAW_CAP.toLocaleString('en-US')}, histograms open ${OPEN_SECONDS} s)`);
  sample();
  const timer = setInterval(sample, 15_000);
  let out;
  try {
    out = await runPlan(scenarioToPlan(parseScenarioText(scenario, 'memory.yaml')), { reportsDir: dir, runId: 'memory', writeFiles: false, progress: (l) => console.log(`  ${l}`) });
  } finally {
    clearInterval(timer);
  }
  sample();
  const load = out.result.loads[0];
  console.log(`  ${load?.requests.toLocaleString('en-US')} requests (${load?.rps.toFixed(0)}/s), ${out.timeline.events.length.toLocaleString('en-US')} raw events kept, ${Object.values(out.timeline.dropped).reduce((a, b) => a + (b ?? 0), 0).toLocaleString('en-US')} aggregated only`);
  const after = samples.filter((s) => s.min >= minutes * 0.6 && s.min <= minutes);
  const peak = Math.max(...samples.map((s) => s.rss));
  const rss = theilSen(after.map((s) => ({ x: s.min, y: s.rss })))!;
  const heap = theilSen(after.map((s) => ({ x: s.min, y: s.heap })))!;
  const committed = theilSen(after.map((s) => ({ x: s.min, y: s.committed })))!;
  const heapBound = LOAD_HEAP_SLOPE_BOUND_MB_PER_MIN;
  printFigure({
    name: 'crumple RSS slope after warm-up (last 40% of the run)',
    value: rss.slope,
    unit: 'MB/min',
    goal: '< 1 MB/min (flat)',
    met: Math.abs(rss.slope) < 1,
    note: `Theil–Sen over ${after.length} samples, 95% band ${rss.lo.toFixed(3)} … ${rss.hi.toFixed(3)} MB/min; V8's committed heap ${committed.slope.toFixed(3)} MB/min of it; ${process.env.MALLOC_ARENA_MAX ? `MALLOC_ARENA_MAX=${process.env.MALLOC_ARENA_MAX}` : 'glibc default arenas'}`,
  });
  printFigure({
    name: 'crumple retained heap slope after warm-up',
    value: heap.slope,
    unit: 'MB/min',
    goal: `< ${heapBound} MB/min (README's bound)`,
    met: heap.slope < heapBound,
    note: `95% band ${heap.lo.toFixed(3)} … ${heap.hi.toFixed(3)} MB/min`,
  });
  printFigure({ name: 'crumple peak RSS', value: peak, unit: 'MB', baseline: { name: 'at start', value: samples[0]!.rss }, goal: `< ${RSS_BOUND_MB} MB (README's bound)`, met: peak < RSS_BOUND_MB });
  const exit = peak >= RSS_BOUND_MB || heap.slope >= heapBound ? 1 : 0;
  rmSync(dir, { recursive: true, force: true });
  // The run's worker threads and sockets are closed; leave promptly like the CLI does.
  process.exitCode = exit;
  setTimeout(() => process.exit(exit), 200).unref();
}

await main();
