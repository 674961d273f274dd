import type { Register } from './register.js';
import { checkRunId, runFlags } from './run-options.js';
import { visible, type Io } from './io.js';
import { loadScenario } from '../scenario/load.js';
import { scenarioToPlan } from '../scenario/plan.js';
import { runPlan } from '../run.js';
import { makeRunId } from '../rig.js';
import { exitCodeOf, renderTerminal } from '../report/index.js';
import { join } from 'node:path';
import { badInput } from '../errors.js';
import { artilleryLoads, ENGINE_START_MS, ENGINE_FINISH_MS } from '../export/engine.js';
import { parseDuration } from '../units.js';
import { MAX_RUN_MS } from '../scenario/defaults.js';
import type { Scenario } from '../scenario/schema.js';
import { toxiproxyUrl } from '../faults/network.js';

/** `run`'s flags (stress takes the same but --soak and --engine). */
export interface RunOpts {
  reports: string;
  runId?: string;
  toxiproxy?: string;
  bind?: string;
  allowHost: string[];
  json?: boolean;
  color?: boolean;
  quiet?: boolean;
  allowInconclusive?: boolean;
  engine?: string;
  engineCommand?: string;
  engineStartWithin?: string;
  soak?: string;
}

/**
 * `crumple run FILE`: one run of a scenario; exit 0 all checks pass, 1 a check failed or could not
 * judge (inconclusive; 0 for that with --allow-inconclusive), 2 bad input or harness failure.
 */
const register: Register = (program, io, exit) => {
  runFlags(
    program
      .command('run')
      .description('run a scenario: stand-ins, fault proxy, target, load, phases, then verdicts and reports')
      .argument('<file>', 'scenario file (YAML or JSON)'),
  )
    .option('--bind <address>', 'address the stand-ins bind unless a dependency says bind: (default 127.0.0.1; off loopback only with --allow-host)')
    .option('--json', 'print report.json on stdout (progress goes to stderr)')
    .option('--no-color', 'no colour in the verdict table')
    .option('--quiet', 'no progress lines, only the verdict table')
    .option('--engine <name>', 'send the arrival-rate loads with this engine (artillery) and judge its results')
    .option('--engine-command <cmd>', 'how to run the engine, with {script} and {output} (e.g. "npx artillery run-fargate --count 10 --output {output} {script}")')
    .option('--engine-start-within <duration>', 'how long the engine may take to start sending (default 2m)')
    .option('--allow-inconclusive', 'exit 0 when no check failed even if some were inconclusive (could not judge)')
    .option('--soak <duration>', 'repeat the phases as cycles for this long (a soak, e.g. 2h): the same as repeat: { for: ... }')
    .action(async (file: string, opts: RunOpts) => {
      checkRunId(opts.runId);
      if (opts.toxiproxy !== undefined) toxiproxyUrl(opts.toxiproxy);
      const loaded = await loadScenario(file);
      const scenario = opts.soak === undefined ? loaded.scenario : soaked(loaded.scenario, opts.soak);
      exit.code = await runAndReport(scenario, loaded.file, opts, io);
    });
};

/** Runs a valid scenario with `run`'s flags, prints its verdicts and returns the exit code (shared by run and stress). */
export async function runAndReport(scenario: Scenario, path: string, opts: RunOpts, io: Io): Promise<number> {
  // A run with nothing to judge would end "all checks passed" on any target, even one that is down.
  if (Object.keys(scenario.expect).length === 0) {
    throw badInput(`${path}: expect is empty: give at least one expectation (e.g. survives: true, errors: { rate: "< 1%" }); a run without checks proves nothing`);
  }
  const say = opts.json ? io.err : io.out;
  if (opts.engine !== undefined && opts.engine !== 'artillery') throw badInput(`--engine: '${opts.engine}' is not supported (known: artillery)`);
  if (opts.engine === undefined && (opts.engineCommand || opts.engineStartWithin)) throw badInput('--engine-command and --engine-start-within need --engine artillery');
  const startWithin = opts.engineStartWithin === undefined ? ENGINE_START_MS : parseDuration(opts.engineStartWithin);
  if (typeof startWithin === 'string') throw badInput(`--engine-start-within: ${startWithin}`);
  const runId = opts.runId ?? makeRunId(scenario.name);
  const engine = opts.engine
    ? {
        loads: {
          start: artilleryLoads({ scenario, dir: join(opts.reports, runId), startWithinMs: startWithin, finishWithinMs: ENGINE_FINISH_MS, ...(opts.engineCommand ? { command: opts.engineCommand } : {}), ...(opts.quiet ? {} : { progress: (line: string) => say(`${line}\n`) }) }),
          startWithinMs: startWithin + 5_000,
          stopWithinMs: ENGINE_FINISH_MS + 10_000,
        },
      }
    : {};
  const out = await runPlan(scenarioToPlan(scenario, path), {
    reportsDir: opts.reports,
    runId,
    ...engine,
    ...(opts.toxiproxy ? { toxiproxy: opts.toxiproxy } : {}),
    ...(opts.bind ? { bind: opts.bind } : {}),
    allowHosts: opts.allowHost,
    signal: io.signal,
    allowInconclusive: opts.allowInconclusive === true,
    // Progress lines carry the target's own output (its last lines when it fails): made visible, never interpreted.
    ...(opts.quiet ? {} : { progress: (line: string) => say(`${visible(line)}\n`) }),
  });
  if (opts.json) io.out(`${JSON.stringify(out.result, null, 2)}\n`);
  else io.out(renderTerminal(out.result, { color: opts.color !== false && io.isTTY, htmlPath: join(out.dir, 'report.html') }) + '\n');
  return exitCodeOf(out.result);
}

/** The scenario with its phases repeated for `--soak`; past the 2 h cap is bad input. */
function soaked(scenario: Scenario, text: string): Scenario {
  const ms = parseDuration(text);
  if (typeof ms === 'string' || ms <= 0) throw badInput(`--soak: ${typeof ms === 'string' ? ms : 'give a duration above 0'}`);
  if (ms > MAX_RUN_MS) throw badInput(`--soak: ${text} is past the 2 h cap of a run`);
  return { ...scenario, repeat: { for: ms } };
}
export default register;
