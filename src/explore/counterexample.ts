/**
 * The find as a regression test: an ordinary scenario file whose phases are the minimal schedule and
 * whose `expect` is the property that failed, so `crumple run counterexample.yaml` replays it and fails
 * the same check. Seed, path and the property go in a comment at its top.
 */
import { writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import type { ExploreOptions, ExploreOutcome } from './search.js';
import { propertyExpect } from './property.js';
import { trialScenario } from './schedule.js';

export function counterexampleText(o: Pick<ExploreOptions, 'scenario' | 'written' | 'file' | 'space'>, r: ExploreOutcome): string | undefined {
  const t = r.minimal ?? r.first;
  if (!t || !r.property) return undefined;
  const expect = propertyExpect(o.scenario, o.written, o.space, t.schedule);
  const only = { [r.property]: expect[r.property] ?? r.expectation };
  const written = trialScenario(o.written, o.file, o.space, t.schedule, only, `${o.scenario.name}: counterexample (${r.property})`);
  const rate = r.replays.n ? `${r.replays.reproduced} of ${r.replays.n} replays` : 'not replayed';
  const head = [
    `# Found by crumple explore${o.file ? ` ${o.file}` : ''}: ${r.status === 'found' ? 'a reproducible failure' : r.status === 'flaky' ? 'a FLAKY failure (reproduced in fewer than half of the replays)' : 'a failure (search interrupted before it was replayed)'}.`,
    `# property: ${r.property} — ${t.summary}`,
    `# schedule: ${t.text}`,
    `# reproduced: ${rate}; shrunk in ${Math.max(0, r.shrinkSteps.length - 1)} step(s) from: ${r.first?.text ?? t.text}`,
    `# replay the search: crumple explore ${o.file ?? 'FILE'} --seed ${r.seed}${r.path ? ` --path ${r.path}` : ''}`,
    `# replay this run:   crumple run <this file>   (run it from the folder the search was started in)`,
  ];
  return `${head.join('\n')}\n${stringify(written, { lineWidth: 0 })}`;
}

export async function writeCounterexample(file: string, o: Pick<ExploreOptions, 'scenario' | 'written' | 'file' | 'space'>, r: ExploreOutcome): Promise<boolean> {
  const text = counterexampleText(o, r);
  if (!text) return false;
  await writeFile(file, text);
  return true;
}
