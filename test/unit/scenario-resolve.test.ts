import { describe, expect, it } from 'vitest';
import { parseScenarioText } from '../../src/scenario/load.js';
import { resolveScenario } from '../../src/scenario/resolve.js';
import { STARTER } from '../../src/scenario/starter.js';

const addresses = { target: { port: 41000 }, deps: { inventory: { url: 'http://127.0.0.1:42000', host: '127.0.0.1', port: 42000 } } };

describe('resolveScenario', () => {
  it('fills the run\u2019s addresses into the target env and command', () => {
    const s = parseScenarioText(STARTER.replace('node scenarios/targets/resilient.js', () => 'node app.js --port ${target.port} --home $${HOME} --user ${env.CRUMPLE_TEST_USER}'), 's.yaml');
    const r = resolveScenario(s, addresses, { CRUMPLE_TEST_USER: 'ada' });
    if (r.target.url !== undefined) throw new Error('expected a command target');
    expect(r.target.env).toEqual({ PORT: '41000', INVENTORY_URL: 'http://127.0.0.1:42000' });
    expect(r.target.command).toBe('node app.js --port 41000 --home ${HOME} --user ada');
    if (s.target.url !== undefined) throw new Error('expected a command target');
    expect(s.target.env).toEqual({ PORT: '${target.port}', INVENTORY_URL: '${deps.inventory.url}' }); // not mutated
  });

  it('resolves a target url', () => {
    const s = parseScenarioText('name: u\ntarget: { url: "http://${deps.inventory.host}:${deps.inventory.port}/x" }\ndependencies: { inventory: {} }\nphases: [ { name: a, for: 1s } ]\n', 'u.yaml');
    expect(resolveScenario(s, addresses).target.url).toBe('http://127.0.0.1:42000/x');
  });

  it('names every reference it cannot resolve', () => {
    const s = parseScenarioText(STARTER.replace('"${target.port}"', '"${env.CRUMPLE_SURELY_UNSET}"'), 's.yaml');
    expect(() => resolveScenario(s, { target: { port: 1 }, deps: {} }, {})).toThrow(
      expect.objectContaining({
        code: 'SCENARIO_INVALID',
        details: ['target.env.PORT: ${env.CRUMPLE_SURELY_UNSET}: environment variable CRUMPLE_SURELY_UNSET is not set', "target.env.INVENTORY_URL: ${deps.inventory.url}: no address for dependency 'inventory' in this run"],
      }),
    );
  });
});
