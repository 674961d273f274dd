import { mkdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Register } from './register.js';
import { checkRunId, runFlags, type RunFlags } from './run-options.js';
import { loadScenario } from '../scenario/load.js';
import { exploreSchema } from '../explore/space.js';
import { explore, type ExploreState, type TrialRecord } from '../explore/search.js';
import { writeCounterexample } from '../explore/counterexample.js';
import { headline, writeExploreReports, type ExploreReport } from '../explore/report.js';
import { badInput } from '../errors.js';
import { formatMs, parseDuration } from '../units.js';
import { printable } from '../report/text.js';

interface Opts extends RunFlags {
  runs: string;
  budget: string;
  seed?: string;
  path?: string;
  trial?: string;
  replays: string;
  json?: boolean;
}

/** Hard caps: a search always ends by itself. */
const MAX_RUNS = 1000;
const MAX_BUDGET_MS = 8 * 3_600_000;
const MAX_REPLAYS = 20;

function intFlag(flag: string, v: string, min: number, max: number): number {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || n < min || n > max) throw badInput(`${flag}: expected a whole number from ${min} to ${max}, got '${v}'`);
  return n;
}
function durationFlag(flag: string, v: string, max: number): number {
  const ms = parseDuration(v);
  if (typeof ms === 'string') throw badInput(`${flag}: ${ms}`);
  if (ms <= 0 || ms > max) throw badInput(`${flag}: must be more than 0 and at most ${formatMs(max)}, got '${v}'`);
  return ms;
}

/**
 * `crumple explore FILE`: searches the scenario's `explore:` space for a fault schedule that breaks
 * the target, shrinks it and writes counterexample.yaml. Exit 0 nothing found (or only a flaky
 * find), 1 a reproducible failure, 2 bad input, a harness failure or an interruption.
 */
const register: Register = (program, io, exit) => {
  runFlags(program
    .command('explore')
    .description('property-based search for the fault schedule that breaks the target, shrunk to a scenario that replays it')
    .argument('<file>', 'scenario file with an explore: section (defaults apply without one)')
    .option('--runs <n>', 'schedules to try before giving up (shrinking comes on top)', '30')
    .option('--budget <duration>', 'total time for search, shrinking and replays', '10m')
    .option('--seed <n>', 'fast-check seed (default: random; printed, so a search replays)')
    .option('--path <path>', "fast-check path of a previous find: replays that case and shrinks from there")
    .option('--trial <duration>', "one trial's length (overrides explore.trial)")
    .option('--replays <n>', 'times the minimal schedule is re-run to measure its reproduction rate', '3'), 'name of the report folder')
    .option('--json', 'stream progress as JSON lines on stdout')
    .action(async (file: string, opts: Opts) => {
      const runs = intFlag('--runs', opts.runs, 1, MAX_RUNS);
      const budgetMs = durationFlag('--budget', opts.budget, MAX_BUDGET_MS);
      const replays = intFlag('--replays', opts.replays, 0, MAX_REPLAYS);
      const seed = opts.seed !== undefined ? intFlag('--seed', opts.seed, 0, 2 ** 31 - 1) : Math.floor(Math.random() * 2 ** 31);
      if (opts.path !== undefined && !/^\d+(:\d+)*$/.test(opts.path)) throw badInput(`--path: expected fast-check's path (digits separated by ':'), got '${opts.path}'`);
      checkRunId(opts.runId);
      const { scenario, written, file: path } = await loadScenario(file);
      const spaceWritten = { ...((written.explore ?? {}) as Record<string, unknown>), ...(opts.trial ? { trial: opts.trial } : {}) };
      const parsed = exploreSchema.safeParse(spaceWritten);
      if (!parsed.success) {
        const i = parsed.error.issues[0]!;
        const field = i.path.join('.');
        throw badInput(field === 'trial' && opts.trial ? `--trial: ${i.message}` : `${path}: explore.${field}: ${i.message}`);
      }
      const space = parsed.data;
      const runId = opts.runId ?? `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-explore-${Math.random().toString(36).slice(2, 6)}`;
      const dir = join(opts.reports, runId);
      await mkdir(dir, { recursive: true });
      const startedAt = new Date().toISOString();
      const line = (t: TrialRecord, s: ExploreState) => {
        if (opts.json) return io.out(`${JSON.stringify({ type: 'trial', ...t, schedule: undefined, failures: s.failures, shrinkSteps: s.shrinkSteps, property: s.property ?? null, timeLeftMs: Math.max(0, s.budgetMs - (Date.now() - s.startedMs)) })}\n`);
        const left = formatMs(Math.max(0, s.budgetMs - (Date.now() - s.startedMs)));
        const where = t.stage === 'search' ? `trial ${t.n - 1} of ≤ ${s.runs}` : t.stage === 'shrink' ? `shrink step ${s.shrinkSteps} (trial ${t.n})` : `${t.stage} (trial ${t.n})`;
        const other = s.property && t.stage !== 'search' && t.outcome === 'fail' && !t.failed.includes(s.property);
        io.out(`${where} · ${other ? `FAIL (another property: ${t.failed.join(', ')})` : t.outcome.toUpperCase()} · ${printable(t.text)}\n    ${printable(t.summary)} · failures ${s.failures} · ${left} left\n`);
      };
      if (!opts.json) io.out(`exploring ${path} (seed ${seed}${opts.path ? `, path ${opts.path}` : ''}; ≤ ${runs} runs, budget ${formatMs(budgetMs)}, trial ${formatMs(space.trial)}); reports in ${dir}\n`);
      const outcome = await explore({
        scenario, written, file: path, space, runs, budgetMs, replays, seed, dir, signal: io.signal,
        ...(opts.path ? { path: opts.path } : {}),
        ...(opts.allowHost.length ? { allowHosts: opts.allowHost } : {}),
        ...(opts.toxiproxy ? { toxiproxy: opts.toxiproxy } : {}),
        onTrial: line,
      });
      const cx = join(dir, 'counterexample.yaml');
      const wrote = await writeCounterexample(cx, { scenario, written, file: path, space }, outcome);
      const report: ExploreReport = { schema: 1, scenario: { name: scenario.name, file: path }, startedAt, budgetMs, runs, outcome, ...(wrote ? { counterexample: relative(process.cwd(), cx) || cx } : {}) };
      const files = await writeExploreReports(dir, report);
      if (opts.json) io.out(`${JSON.stringify({ type: 'done', status: outcome.status, headline: headline(report), counterexample: report.counterexample ?? null, files })}\n`);
      else {
        io.out(`\n${headline(report)}\n`);
        if (outcome.minimal && outcome.property) {
          io.out(`  minimal schedule: ${printable(outcome.minimal.text)}\n  ${printable(outcome.minimal.summary)}\n`);
          const fm = outcome.verdict?.failureMode;
          if (fm) io.out(`  ${fm.id}: ${printable(fm.trigger)} → ${printable(fm.spread)} → ${printable(fm.result)}\n`);
          io.out(`  shrunk in ${Math.max(0, outcome.shrinkSteps.length - 1)} step(s); replay: crumple run ${report.counterexample}\n`);
        }
        if (outcome.overhead.ratio !== null) io.out(`  trials: ${outcome.trials.length}, each ${formatMs(outcome.overhead.meanWallMs)} for ${formatMs(outcome.overhead.meanPhaseMs)} of phases (overhead ${Math.round(outcome.overhead.ratio * 100)} %)\n`);
        io.out(`  replay the search: crumple explore ${path} --seed ${outcome.seed}${outcome.path ? ` --path ${outcome.path}` : ''}\n  reports: ${files.map((f) => relative(process.cwd(), f)).join(', ')}\n`);
      }
      exit.code = outcome.status === 'found' ? 1 : outcome.status === 'none' || outcome.status === 'flaky' ? 0 : 2;
    });
};
export default register;
