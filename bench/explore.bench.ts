/**
 * crumple explore's speed: (1) a trial's fixed cost — stand-ins, proxy links, target start,
 * readiness, teardown — measured as wall time against the trial's own phase time (the baseline, same
 * run), for 4-second trials of the sturdy target; (2) the time to find and shrink the planted
 * two-fault bug of scenarios/targets/two-deps.js. Goals from issue 11: overhead ≤ 25 % of a 4 s trial
 * (≥ 10 trials a minute on 2 cores), the planted bug found and shrunk in under 5 minutes.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScenario } from '../src/scenario/load.js';
import { exploreSchema } from '../src/explore/space.js';
import { explore } from '../src/explore/search.js';
import { printFigure } from './figure.js';

async function search(file: string, extra: Record<string, unknown>, runs: number, seed: number, budgetMs: number, replays: number) {
  const { scenario, written, file: path } = await loadScenario(file);
  const space = exploreSchema.parse({ ...((written.explore ?? {}) as object), ...extra });
  const dir = mkdtempSync(join(tmpdir(), 'crumple-explore-bench-'));
  return explore({ scenario, written, file: path, space, runs, budgetMs, replays, seed, dir });
}

// 1. Trial overhead on 4-second trials of a target that never fails (every trial runs to the end);
// the recovery window stays longer than the target's 1 s breaker reset, or recovery would fail by design.
const t = await search('scenarios/explore.sturdy.yaml', { trial: '4s', baseline: '1s', recovery: '2500ms', 'step-duration': { min: '500ms', max: '500ms' } }, 6, 11, 5 * 60_000, 0);
if (t.status !== 'none') console.log(`note: the sturdy target search ended '${t.status}' (${t.minimal?.summary ?? t.error ?? ''}): the overhead figure includes its shrink trials`);
const perMinute = 60_000 / t.overhead.meanWallMs;
printFigure({ name: 'explore trial wall time (4 s trials)', value: t.overhead.meanWallMs, unit: 'ms', baseline: { name: "the trial's own phases", value: t.overhead.meanPhaseMs }, goal: '<= 1.25x', met: t.overhead.meanWallMs <= 1.25 * t.overhead.meanPhaseMs, note: `${t.overhead.trials} trials, ${perMinute.toFixed(1)} trials/min` });

// 2. The planted two-fault bug: found, shrunk and replayed.
const started = Date.now();
const b = await search('scenarios/explore.two-deps.yaml', {}, 40, 7, 10 * 60_000, 2);
const ms = Date.now() - started;
printFigure({ name: 'two-fault bug found and shrunk', value: ms / 1000, unit: 's', goal: '< 300 s', met: b.status === 'found' && ms < 300_000, note: `${b.status}; ${b.trials.length} trials; ${Math.max(0, b.shrinkSteps.length - 1)} shrink steps; minimal: ${b.minimal?.text ?? '—'}` });
