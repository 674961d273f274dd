import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scenarioSchema, type ScenarioInput } from '../../src/scenario/schema.js';
import { scenarioToPlan } from '../../src/scenario/plan.js';
import { runPlan, type RunOutput } from '../../src/run.js';
import type { Verdict } from '../../src/checks/check.js';

/** The aging example target (test/fixtures/targets/aging.js) with its knobs. */
export function agingTarget(env: Record<string, string | number>, deps: string[] = []): ScenarioInput['target'] {
  const refs = Object.fromEntries(deps.map((d) => [`${d.toUpperCase()}_URL`, `\${deps.${d}.url}`]));
  return {
    command: 'node --expose-gc test/fixtures/targets/aging.js',
    // A fixed mmap threshold: freed buffers go back to the OS at once, so a sawtooth shows in RSS.
    env: { PORT: '${target.port}', MALLOC_MMAP_THRESHOLD_: '65536', ...refs, ...Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)])) },
    ready: { http: '/health', within: '10s' },
  };
}

/** Runs a scenario given as an object (what a YAML file would say) for real. */
export async function runScenario(input: ScenarioInput): Promise<RunOutput & { verdict(key: string): Verdict }> {
  const scenario = scenarioSchema.parse(input);
  const out = await runPlan(scenarioToPlan(scenario), { reportsDir: mkdtempSync(join(tmpdir(), 'crumple-soak-')) });
  return {
    ...out,
    verdict(key: string) {
      const v = out.result.verdicts.find((x) => x.key === key);
      if (!v) throw new Error(`no verdict '${key}' (have: ${out.result.verdicts.map((x) => x.key).join(', ')}); error: ${out.result.error}`);
      return v;
    },
  };
}
