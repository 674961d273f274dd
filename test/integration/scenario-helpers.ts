import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScenario } from '../../src/scenario/load.js';
import { scenarioToPlan } from '../../src/scenario/plan.js';
import { runPlan, type RunOutput } from '../../src/run.js';
import type { Verdict } from '../../src/checks/check.js';

/** Runs a scenario file of scenarios/ for real: stand-ins, proxy, target process, load, checks. */
export async function runScenarioFile(file: string): Promise<RunOutput & { verdict(check: string): Verdict }> {
  const { scenario, file: path } = await loadScenario(file);
  const out = await runPlan(scenarioToPlan(scenario, path), { reportsDir: mkdtempSync(join(tmpdir(), 'crumple-scenario-')) });
  return {
    ...out,
    verdict(check: string) {
      const v = out.result.verdicts.find((x) => x.key === check);
      if (!v) throw new Error(`no verdict '${check}' (have: ${out.result.verdicts.map((x) => x.key).join(', ')}); error: ${out.result.error}`);
      return v;
    },
  };
}

/** Within ±15 % of the configured value (the bar for "crumple reports its numbers"). */
export const within15 = (measured: unknown, configured: number): boolean =>
  typeof measured === 'number' && Math.abs(measured - configured) <= 0.15 * configured;
