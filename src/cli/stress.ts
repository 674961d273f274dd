import type { Register } from './register.js';
import { checkRunId, runFlags } from './run-options.js';
import { runAndReport, type RunOpts } from './run.js';
import { loadScenario, scenarioIssues, formatPath } from '../scenario/load.js';
import { stressScenario, type StressOptions } from '../scenario/stress.js';
import { loadScenarioContracts } from '../contract/file.js';
import { toxiproxyUrl } from '../faults/network.js';
import { parseDuration } from '../units.js';
import { badInput } from '../errors.js';
import type { Scenario } from '../scenario/schema.js';

type Opts = RunOpts & StressOptions;

/** Flag of each ramp field a stress run writes: an issue there is the flag's. */
const FLAG_OF: Record<string, string> = { from: '--from', to: '--to', steps: '--steps', stepFor: '--step-for', p99: '--p99', errors: '--errors' };
/** Expectations dropped one by one at most this often (a scenario has at most a few dozen). */
const MAX_DROPS = 100;

/**
 * The stressed scenario validated by the one schema. An expectation that no longer fits (it names a
 * phase a stress run does not have) is dropped with a note rather than failing the run; an issue in
 * what the flags wrote names the flag.
 */
function validStressed(written: Record<string, unknown>, load: string, notes: string[]): Scenario {
  const expect = { ...(written.expect as Record<string, unknown>) };
  for (let i = 0; i <= MAX_DROPS; i++) {
    const { scenario, issues } = scenarioIssues({ ...written, expect });
    if (scenario) return scenario;
    const first = issues[0]!;
    const [top, name, field] = first.path;
    if (top === 'load' && name === load) {
      const flag = FLAG_OF[String(field)] ?? FLAG_OF[String(first.path[3])];
      throw badInput(`${flag ?? `load.${load}`}: ${first.message}`);
    }
    if (top === 'expect' && typeof name === 'string' && name !== 'capacity' && name in expect) {
      delete expect[name];
      notes.push(`not judging '${name}' in a stress run: ${first.message}`);
      continue;
    }
    if (top === 'expect' && name === 'capacity') throw badInput(`--capacity: ${first.message}`);
    throw badInput(`stress form of the scenario: ${formatPath(first.path)}: ${first.message}`);
  }
  throw badInput('stress form of the scenario: too many expectations do not fit a stress run');
}

/**
 * `crumple stress FILE`: the scenario's load ramped until p99 or errors cross their limits; prints the
 * capacity (last good step, first bad, what gave way first). `--capacity ">= 300/s"` makes it a gate:
 * exit 1 below it, like any failed check.
 */
const register: Register = (program, io, exit) => {
  runFlags(
    program
      .command('stress')
      .description("ramp the scenario's load until p99 or errors cross their limits: the capacity, what gave way first, and a gate (--capacity)")
      .argument('<file>', 'scenario file (YAML or JSON)'),
  )
    .option('--load <name>', 'the load to ramp (default: the only ramp, or the only load)')
    .option('--from <rate>', "first step's rate (default: a steady load's rate)")
    .option('--to <rate>', "last step's rate (default: ten times a steady load's rate)")
    .option('--steps <n>', 'steps from --from to --to, both included (default 5)')
    .option('--step-for <duration>', 'how long each step holds its rate (default 5s)')
    .option('--p99 <duration>', 'a step whose p99 is past this is past capacity')
    .option('--errors <share>', 'a step with more errors than this (e.g. 5%) is past capacity (the default limit)')
    .option('--capacity <bound>', 'gate: e.g. ">= 300/s"; exit 1 below it')
    .option('--bind <address>', 'address the stand-ins bind (default 127.0.0.1; off loopback only with --allow-host)')
    .option('--json', 'print report.json on stdout (progress goes to stderr)')
    .option('--no-color', 'no colour in the verdict table')
    .option('--quiet', 'no progress lines, only the verdict table')
    .option('--allow-inconclusive', 'exit 0 when no check failed even if some were inconclusive (e.g. the ramp never reached the bound)')
    .action(async (file: string, opts: Opts) => {
      checkRunId(opts.runId);
      if (opts.toxiproxy !== undefined) toxiproxyUrl(opts.toxiproxy);
      if (opts.steps !== undefined && !/^\d+$/.test(opts.steps)) throw badInput(`--steps: '${opts.steps}' is not a whole number`);
      const loaded = await loadScenario(file);
      const stressed = stressScenario(loaded.written, opts, parseDuration);
      const scenario = await loadScenarioContracts(validStressed(stressed.written, stressed.load, stressed.notes), loaded.file);
      const say = opts.json ? io.err : io.out;
      if (!opts.quiet) for (const n of stressed.notes) say(`stress: ${n}\n`);
      exit.code = await runAndReport(scenario, loaded.file, opts, io);
    });
};
export default register;
