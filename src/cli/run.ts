import type { Register } from './register.js';
import { checkRunId, runFlags } from './run-options.js';
import { visible } from './io.js';
import { loadScenario } from '../scenario/load.js';
import { scenarioToPlan } from '../scenario/plan.js';
import { runPlan } from '../run.js';
import { exitCodeOf, renderTerminal } from '../report/index.js';
import { join } from 'node:path';
import { badInput } from '../errors.js';
import { toxiproxyUrl } from '../faults/network.js';

interface Opts {
  reports: string;
  runId?: string;
  toxiproxy?: string;
  allowHost: string[];
  json?: boolean;
  color?: boolean;
  quiet?: boolean;
  allowInconclusive?: boolean;
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
    .option('--json', 'print report.json on stdout (progress goes to stderr)')
    .option('--no-color', 'no colour in the verdict table')
    .option('--quiet', 'no progress lines, only the verdict table')
    .option('--allow-inconclusive', 'exit 0 when no check failed even if some were inconclusive (could not judge)')
    .action(async (file: string, opts: Opts) => {
      checkRunId(opts.runId);
      if (opts.toxiproxy !== undefined) toxiproxyUrl(opts.toxiproxy);
      const { scenario, file: path } = await loadScenario(file);
      // A run with nothing to judge would end "all checks passed" on any target, even one that is down.
      if (Object.keys(scenario.expect).length === 0) {
        throw badInput(`${path}: expect is empty: give at least one expectation (e.g. survives: true, errors: { rate: "< 1%" }); a run without checks proves nothing`);
      }
      const say = opts.json ? io.err : io.out;
      const out = await runPlan(scenarioToPlan(scenario, path), {
        reportsDir: opts.reports,
        ...(opts.runId ? { runId: opts.runId } : {}),
        ...(opts.toxiproxy ? { toxiproxy: opts.toxiproxy } : {}),
        allowHosts: opts.allowHost,
        signal: io.signal,
        allowInconclusive: opts.allowInconclusive === true,
        // Progress lines carry the target's own output (its last lines when it fails): made visible, never interpreted.
        ...(opts.quiet ? {} : { progress: (line: string) => say(`${visible(line)}\n`) }),
      });
      if (opts.json) io.out(`${JSON.stringify(out.result, null, 2)}\n`);
      else io.out(renderTerminal(out.result, { color: opts.color !== false && io.isTTY, htmlPath: join(out.dir, 'report.html') }) + '\n');
      exit.code = exitCodeOf(out.result);
    });
};
export default register;
