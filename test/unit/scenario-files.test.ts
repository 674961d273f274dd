import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadScenario } from '../../src/scenario/load.js';

const files = readdirSync('scenarios').filter((f) => /\.(ya?ml|json)$/.test(f));

describe('the example scenarios in scenarios/', () => {
  it('there are examples for both targets and for the CI stress and longevity stages', () => {
    expect(files).toEqual(expect.arrayContaining(['checkout.naive.yaml', 'checkout.resilient.yaml', 'stress.resilient.yaml', 'soak.resilient.yaml']));
  });
  for (const f of files) {
    it(`${f} validates and is explained at its top`, async () => {
      const { scenario } = await loadScenario(join('scenarios', f));
      expect(scenario.phases.length).toBeGreaterThan(0);
      expect(Object.keys(scenario.expect).length).toBeGreaterThan(0);
      expect(readFileSync(join('scenarios', f), 'utf8').split('\n').slice(0, 3).every((l) => l.startsWith('#'))).toBe(true);
    });
  }
});
