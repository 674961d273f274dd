/**
 * crumple stays bounded over a soak (npm run bench -- soak): an accelerated 2-hour soak — 7,200
 * seconds of events on a simulated clock, 360 cycles of three phases (1,080 phases), ~470 events a
 * second (two loads, a dependency's calls, target samples, lag) — goes through the real Recorder, then
 * the timeline snapshot, the phase windows and every check of a soak scenario, per cycle. crumple's own
 * RSS is sampled (after a forced GC) every simulated minute and fitted with the same Theil–Sen slope
 * the drift check uses. Figures: the slope after warm-up (the first 30 simulated minutes, in which the
 * raw-event cap fills) against the slope during warm-up (the baseline: what unbounded recording would
 * cost), and the cost of judging. Per-cycle checks need raw events: cycles after the raw-event cap
 * filled cannot be judged, and the second figure counts them.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { printFigure } from './figure.js';
import { Recorder, DEFAULT_RAW_CAP } from '../src/timeline/recorder.js';
import { theilSen, type Point } from '../src/checks/trend.js';
import { scenarioSchema } from '../src/scenario/schema.js';
import { scenarioToPlan } from '../src/scenario/plan.js';
import { phaseWindows } from '../src/run.js';
import type { CheckContext } from '../src/checks/check.js';

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

const rec = new Recorder({ startMs: 0 });
const sink = rec.record;
const rssSeries: Point[] = [];
const wall0 = performance.now();
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
    }
    const p = plan.phases[phase]!;
    sink({ kind: 'phase', t: t0, index: phase, name: p.name, edge: 'start' });
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
  if (s % 60 === 59) {
    gc();
    rssSeries.push({ x: (s + 1) / 3600, y: process.memoryUsage().rss });
  }
}
sink({ kind: 'phase', t: SECONDS * 1000, index: Math.min(phase, plan.phases.length) - 1, name: plan.phases[Math.min(phase, plan.phases.length) - 1]!.name, edge: 'end' });
const feedMs = performance.now() - wall0;

const j0 = performance.now();
const timeline = rec.timeline();
const ctx: CheckContext = { timeline, phases: phaseWindows(timeline, plan), dependencies: ['inventory'], loads: ['checkout', 'health'], clientTimeoutMs: plan.clientTimeoutMs };
const verdicts = plan.judge(ctx);
const judgeMs = performance.now() - j0;
gc();
const afterJudge = process.memoryUsage().rss;

// When the raw cap filled: the last raw (response or dependency) event kept.
let capAt = 0;
for (let i = timeline.events.length - 1; i >= 0; i--) {
  const k = timeline.events[i]!.kind;
  if (k === 'response' || k.startsWith('dep-')) {
    capAt = timeline.events[i]!.t;
    break;
  }
}
const at = (ms: number) => `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
const after = theilSen(rssSeries.filter((p) => p.x * 60 > WARMUP_MIN))!;
const before = theilSen(rssSeries.filter((p) => p.x * 60 <= WARMUP_MIN))!;
const mb = (b: number) => b / 1e6;
const raw = timeline.events.length;
printFigure({
  name: `crumple RSS slope after ${WARMUP_MIN} min warm-up (simulated 2 h soak, ${plan.phases.length} phases, ${SECONDS} per-second summaries)`,
  value: mb(after.slope),
  unit: 'MB/h',
  baseline: { name: `slope during warm-up (raw events filling the ${DEFAULT_RAW_CAP.toLocaleString('en')} cap)`, value: mb(before.slope) },
  goal: 'flat (< 1 MB/h)',
  met: mb(after.slope) < 1,
  note: `95% band ${mb(after.lo).toFixed(2)} … ${mb(after.hi).toFixed(2)} MB/h, ${((after.slope / 3600) / 1000).toFixed(1)} KB per simulated second: the per-second summaries and control events, kept whole by design; RSS ${mb(rssSeries[0]!.y).toFixed(0)} MB at 1 min, ${mb(rssSeries[rssSeries.length - 1]!.y).toFixed(0)} MB at 2 h`,
});
printFigure({
  name: 'judging the soak: snapshot + phase windows + every check per cycle',
  value: judgeMs,
  unit: 'ms',
  note: `${verdicts.length} verdicts: ${verdicts.filter((v) => v.ok).length} pass, ${verdicts.filter((v) => !v.ok && !v.summary.startsWith('cannot judge')).length} fail, ${verdicts.filter((v) => v.summary.startsWith('cannot judge')).length} cannot judge (cycles after the raw-event cap filled, at ${at(capAt)}); ${raw.toLocaleString('en')} events kept, ${Object.values(timeline.dropped).reduce((a, b) => a + (b ?? 0), 0).toLocaleString('en')} aggregated away; feeding took ${(feedMs / 1000).toFixed(1)} s; RSS after judging ${mb(afterJudge).toFixed(0)} MB`,
});
