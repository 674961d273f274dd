/**
 * crumple stays bounded over a soak (npm run bench -- soak): an accelerated 2-hour soak — 7,200
 * seconds of events on a simulated clock, 360 cycles of three phases (1,080 phases), ~470 events a
 * second (two loads, a dependency's calls, target samples, lag) — goes through the real Recorder and
 * the path a run takes (src/cycle-judge.ts): at each phase end, every cycle whose responses are in is
 * judged and its raw events released; at the end, the whole-run checks and the last cycles. crumple's
 * own RSS and retained heap are sampled (after a forced GC) every simulated minute and fitted with the
 * Theil–Sen slope the drift check uses. Figures: the RSS and heap slopes after the warm-up (the first
 * 30 simulated minutes) with their 95% bands, the peak RSS against README's bound, and the verdicts
 * (none should be "cannot judge"), and the judging time per cycle at phase ends against judging the same soak,
 * recorded a second time without releases, once at the end. Exit 1 when the peak passes the bound or the heap slope its bound.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { printFigure } from './figure.js';
import { Recorder } from '../src/timeline/recorder.js';
import { theilSen, type Point } from '../src/checks/trend.js';
import { scenarioSchema } from '../src/scenario/schema.js';
import { scenarioToPlan } from '../src/scenario/plan.js';
import { phaseWindows } from '../src/run.js';
import { CyclesInFlight } from '../src/cycle-judge.js';
import type { CheckContext } from '../src/checks/check.js';
import type { Timeline } from '../src/timeline/timeline.js';
import { HEAP_SLOPE_BOUND_MB_PER_H, RSS_BOUND_MB } from './memory-bounds.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const HOURS = 2;
const SECONDS = HOURS * 3600;
const CYCLE = [
  { name: 'quiet', for: 14_000 },
  { name: 'hang', for: 3_000, faults: [{ dependency: 'inventory', behaviour: 'hang' }] },
  { name: 'after', for: 3_000 },
];
const WARMUP_MIN = 30;

const scenario = scenarioSchema.parse({
  name: 'bench soak',
  target: { command: 'node scenarios/targets/resilient.js', env: { PORT: '${target.port}', INVENTORY_URL: '${deps.inventory.url}' } },
  dependencies: { inventory: {} },
  load: { checkout: { shape: 'steady', path: '/checkout', rate: 150 }, health: { shape: 'steady', path: '/health', rate: 20 } },
  phases: CYCLE,
  repeat: { for: `${HOURS}h` },
  slo: { availability: '99%', load: 'health' },
  expect: {
    'steady-state': { phase: 'quiet', errors: '< 10%', load: 'checkout' },
    recovery: { within: '2s', load: 'checkout' },
    drift: { warmup: '10m', rss: '< 50MB/h', fds: '< 100/h', p99: '< 50%/h', connections: '< 100/h' },
  },
});
const plan = scenarioToPlan(scenario);

const context = (timeline: Timeline): CheckContext => ({ timeline, phases: phaseWindows(timeline, plan), dependencies: ['inventory'], loads: ['checkout', 'health'], clientTimeoutMs: plan.clientTimeoutMs });
const rssSeries: Point[] = [];
const heapSeries: Point[] = [];
const mb = (b: number) => b / 1e6;

/**
 * Feeds the simulated soak into `rec`; with `cycles`, judges and releases cycles at phase ends as
 * run.ts does and samples memory every simulated minute. Returns the ms spent judging at phase ends.
 */
/** Judging ms per cycle at each phase end that judged one, in order: flat when it follows the cycle, not the run's length. */
const perPoll: number[] = [];
function soak(rec: Recorder, cycles?: CyclesInFlight): number {
  const sink = rec.record;
  let judgeMs = 0;
  let phase = 0;
  let phaseEnd = 0;
  let conn = 0;
  let seq = 0;
  for (let s = 0; s < SECONDS; s++) {
    const t0 = s * 1000;
    if (t0 >= phaseEnd && phase < plan.phases.length) {
      if (phase > 0) {
        const prev = plan.phases[phase - 1]!;
        for (const f of prev.faults) if ('dependency' in f) sink({ kind: 'fault', t: t0, phase: prev.name, dependency: f.dependency, fault: 'hang', type: 'behaviour', action: 'cleared' });
        sink({ kind: 'phase', t: t0, index: phase - 1, name: prev.name, edge: 'end' });
        cycles?.phaseEnded(phase - 1, t0);
        const j = performance.now();
        const n = cycles?.poll(t0) ?? 0;
        const ms = performance.now() - j;
        judgeMs += ms;
        if (n) perPoll.push(ms / n);
      }
      const p = plan.phases[phase]!;
      sink({ kind: 'phase', t: t0, index: phase, name: p.name, edge: 'start' });
      cycles?.phaseStarted(phase, t0);
      for (const f of p.faults) if ('dependency' in f) sink({ kind: 'fault', t: t0, phase: p.name, dependency: f.dependency, fault: 'hang', type: 'behaviour', action: 'applied' });
      phaseEnd = t0 + p.durationMs;
      phase++;
    }
    const hanging = plan.phases[phase - 1]?.faults.length ? true : false;
    for (let i = 0; i < 150; i++) {
      const t = t0 + (i * 1000) / 150;
      const latencyMs = hanging ? 1000 : 5 + ((seq++ * 7919) % 100) / 10;
      sink({ kind: 'response', t, load: 'checkout', latencyMs, bytes: 40, ...(hanging ? { status: 503 } : { status: 200 }) });
      const c = ++conn;
      sink({ kind: 'dep-request', t: t + 0.2, dependency: 'inventory', conn: c, method: 'GET', path: '/items/1', behaviour: hanging ? 'hang' : 'ok', bytes: 0 });
      sink({ kind: 'dep-response', t: t + 3, dependency: 'inventory', conn: c, startedMs: t + 3, status: 200, bytes: 20 });
    }
    for (let i = 0; i < 20; i++) sink({ kind: 'response', t: t0 + i * 50, load: 'health', latencyMs: 1 + (i % 3) / 10, status: 200, bytes: 2 });
    for (const half of [0, 500]) {
      sink({ kind: 'target-sample', t: t0 + half, rssBytes: 80e6 + (s % 40) * 1e5, fds: 30, threads: 11 });
      sink({ kind: 'lag', t: t0 + half, p50Ms: 0.5, p99Ms: 2, maxMs: 4 });
    }
    if (cycles && s % 60 === 59) {
      gc();
      const m = process.memoryUsage();
      rssSeries.push({ x: (s + 1) / 3600, y: m.rss });
      heapSeries.push({ x: (s + 1) / 3600, y: m.heapUsed });
      if ((s + 1) % 600 === 0) console.log(`  ${String((s + 1) / 60).padStart(4)} min  rss ${mb(m.rss).toFixed(1).padStart(6)} MB  heap ${mb(m.heapUsed).toFixed(1).padStart(6)} MB  external ${mb(m.external).toFixed(1)} MB  arrayBuffers ${mb(m.arrayBuffers).toFixed(1)} MB  raw events held ${rec.rawCount.toLocaleString('en')}  seconds ${(rec.bytes.seconds / 1e3).toFixed(0)} KB`);
    }
  }
  sink({ kind: 'phase', t: SECONDS * 1000, index: Math.min(phase, plan.phases.length) - 1, name: plan.phases[Math.min(phase, plan.phases.length) - 1]!.name, edge: 'end' });
  return judgeMs;
}

const rec = new Recorder({ startMs: 0 });
const cycles = new CyclesInFlight(plan.soak!.judge(), rec, context, plan.clientTimeoutMs);
const wall0 = performance.now();
const judgeMs = soak(rec, cycles);
const feedMs = performance.now() - wall0 - judgeMs;

const j0 = performance.now();
const timeline = rec.timeline();
const verdicts = cycles.judge.verdicts(context(timeline));
const finalMs = performance.now() - j0;
gc();
const afterJudge = process.memoryUsage().rss;

const after = theilSen(rssSeries.filter((p) => p.x * 60 > WARMUP_MIN))!;
const heapAfter = theilSen(heapSeries.filter((p) => p.x * 60 > WARMUP_MIN))!;
const before = theilSen(rssSeries.filter((p) => p.x * 60 <= WARMUP_MIN))!;
const peak = Math.max(...rssSeries.map((p) => p.y), afterJudge);
const cannot = verdicts.filter((v) => v.status === 'inconclusive').length;
printFigure({
  name: `crumple RSS slope after ${WARMUP_MIN} min warm-up (simulated 2 h soak, ${plan.phases.length} phases, ${SECONDS} per-second summaries)`,
  value: mb(after.slope),
  unit: 'MB/h',
  baseline: { name: 'slope during warm-up', value: mb(before.slope) },
  goal: 'flat (< 1 MB/h)',
  met: mb(after.slope) < 1,
  note: `95% band ${mb(after.lo).toFixed(2)} … ${mb(after.hi).toFixed(2)} MB/h; RSS ${mb(rssSeries[0]!.y).toFixed(0)} MB at 1 min, ${mb(rssSeries[rssSeries.length - 1]!.y).toFixed(0)} MB at 2 h`,
});
printFigure({
  name: `crumple retained heap slope after ${WARMUP_MIN} min warm-up`,
  value: mb(heapAfter.slope),
  unit: 'MB/h',
  goal: `< ${HEAP_SLOPE_BOUND_MB_PER_H} MB/h (README's bound)`,
  met: mb(heapAfter.slope) < HEAP_SLOPE_BOUND_MB_PER_H,
  note: `95% band ${mb(heapAfter.lo).toFixed(2)} … ${mb(heapAfter.hi).toFixed(2)} MB/h; heap ${mb(heapSeries[0]!.y).toFixed(0)} MB at 1 min, ${mb(heapSeries[heapSeries.length - 1]!.y).toFixed(0)} MB at 2 h; per-second columns ${(rec.bytes.seconds / 1e6).toFixed(2)} MB`,
});
printFigure({ name: 'crumple peak RSS over the soak', value: mb(peak), unit: 'MB', goal: `< ${RSS_BOUND_MB} MB (README's bound)`, met: mb(peak) < RSS_BOUND_MB });
// The baseline, from the same run: the same soak recorded whole (no releases: raw events up to the
// recorder's cap, as before per-cycle judging) and every cycle judged at once at the end.
const whole = new Recorder({ startMs: 0 });
soak(whole);
const w0 = performance.now();
const wholeVerdicts = plan.soak!.judge().verdicts(context(whole.timeline()));
const wholeMs = performance.now() - w0;
const tenth = Math.max(1, Math.floor(perPoll.length / 10));
const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const perCycleChecks = verdicts.filter((v) => v.cycle !== undefined && v.cycle <= cycles.judged).length;
// Past the cap a cycle has no raw events and is judged "cannot judge" almost for free: the baseline
// divides by the cycles it could judge (an upper bound on its cost per cycle).
const judgeable = new Set(wholeVerdicts.filter((v) => v.cycle !== undefined && v.status !== 'inconclusive').map((v) => v.cycle)).size;
printFigure({
  name: 'judging the soak: cycles at phase ends, mean per cycle judged',
  value: judgeMs / cycles.judged,
  unit: 'ms',
  baseline: { name: 'per judgeable cycle, judging the whole (capped) timeline once at the end', value: wholeMs / Math.max(1, judgeable) },
  note: `${cycles.judged} cycles (${perCycleChecks} checks, ${(judgeMs / perCycleChecks).toFixed(1)} ms each) judged during the soak in ${(judgeMs / 1000).toFixed(1)} s (mean ${meanOf(perPoll.slice(0, tenth)).toFixed(1)} ms a cycle over the first ${tenth}, ${meanOf(perPoll.slice(-tenth)).toFixed(1)} ms over the last ${tenth}); whole-timeline judging of the same soak recorded without releases: ${(wholeMs / 1000).toFixed(1)} s for ${wholeVerdicts.length} verdicts, ${judgeable} cycles judgeable (${wholeVerdicts.filter((v) => v.status === 'inconclusive').length} cannot judge: raw events past the recorder's cap)`,
});
printFigure({
  name: 'judging the soak: cycles as they complete, then the whole-run checks and the last cycles',
  value: judgeMs + finalMs,
  unit: 'ms',
  note: `${verdicts.length} verdicts: ${verdicts.filter((v) => v.status === 'pass').length} pass, ${verdicts.filter((v) => v.status === 'fail').length} fail, ${cannot} cannot judge; ${cycles.judged} cycles judged during the soak (${(judgeMs / 1000).toFixed(1)} s), ${finalMs.toFixed(0)} ms at the end; ${timeline.events.length.toLocaleString('en')} events held at the end, ${Object.values(timeline.dropped).reduce((a, b) => a + (b ?? 0), 0).toLocaleString('en')} dropped; feeding took ${(feedMs / 1000).toFixed(1)} s; RSS after judging ${mb(afterJudge).toFixed(0)} MB`,
});
if (mb(peak) >= RSS_BOUND_MB || mb(heapAfter.slope) >= HEAP_SLOPE_BOUND_MB_PER_H) process.exitCode = 1;
