import type { Register } from './register.js';
import { visible } from './io.js';
import { badInput, isCrumpleError } from '../errors.js';
import { loadScenario } from '../scenario/load.js';
import { cycleCount, runDurationMs, type Scenario } from '../scenario/schema.js';
import { scenarioJsonSchema } from '../scenario/json-schema.js';
import { formatMs } from '../units.js';

interface FileResult {
  file: string;
  ok: boolean;
  name?: string;
  issues: string[];
}

/** `crumple validate FILE...`: checks scenario files without running them; exit 0 all valid, 2 otherwise. */
const register: Register = (program, io, exit) => {
  program
    .command('validate')
    .description('check scenario files without running them (every issue with file:line and field)')
    .argument('[files...]', 'scenario files (YAML or JSON)')
    .option('--json', 'print results as JSON')
    .option('--schema', 'print the JSON Schema of scenario files (for editors) and exit')
    .action(async (files: string[], opts: { json?: boolean; schema?: boolean }) => {
      if (opts.schema) {
        if (files.length) throw badInput(`--schema prints the JSON Schema and takes no files (got '${files[0]}'); validate files without --schema`);
        io.out(`${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`);
        return;
      }
      if (!files.length) {
        io.err('crumple validate: give one or more scenario files (or --schema)\n');
        exit.code = 2;
        return;
      }
      const results: FileResult[] = [];
      for (const file of files) {
        try {
          const { scenario } = await loadScenario(file);
          results.push({ file, ok: true, name: scenario.name, issues: [] });
          if (!opts.json) {
            const n = Object.keys(scenario.expect).length;
            io.out(visible(`ok    ${file}: '${scenario.name}' — ${scenario.phases.length} phase${scenario.phases.length === 1 ? '' : 's'}${cyclesText(scenario)}, ${formatMs(runDurationMs(scenario))}, ${n} expectation${n === 1 ? '' : 's'}`) + '\n');
          }
        } catch (e) {
          if (!isCrumpleError(e)) throw e;
          const issues = e.details.length ? [...e.details] : [e.message];
          results.push({ file, ok: false, issues });
          if (!opts.json) {
            io.err(`FAIL  ${visible(e.message)}\n`);
            for (const i of e.details) io.err(`  ${visible(i)}\n`);
          }
        }
      }
      if (opts.json) io.out(`${JSON.stringify(results, null, 2)}\n`);
      exit.code = results.every((r) => r.ok) ? 0 : 2;
    });
};
export default register;

/** " × 5 cycles" for a soak. */
function cyclesText(s: Scenario): string {
  const n = cycleCount(s.phases.reduce((t, p) => t + p.for, 0), s.repeat);
  return n > 1 ? ` × ${n} cycles` : '';
}
