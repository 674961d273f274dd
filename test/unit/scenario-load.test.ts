import { describe, expect, it } from 'vitest';
import { parseScenarioText, validateScenario } from '../../src/scenario/load.js';
import { isCrumpleError, type CrumpleError } from '../../src/errors.js';
import { STARTER } from '../../src/scenario/starter.js';
import { clientTimeoutMs } from '../../src/scenario/schema.js';

function issues(text: string, file = 'x.yaml'): string[] {
  try {
    parseScenarioText(text, file);
  } catch (e) {
    if (!isCrumpleError(e)) throw e;
    expect(e.code).toBe('SCENARIO_INVALID');
    expect(e.exitCode).toBe(2);
    return [...(e as CrumpleError).details];
  }
  throw new Error('expected the scenario to be invalid');
}

const MINI = `name: mini
target: { url: http://127.0.0.1:3000 }
dependencies:
  inventory: {}
load:
  checkout: { shape: steady, path: /checkout, rate: 10/s }
phases:
  - { name: baseline, for: 2s }
  - name: hang
    for: 2s
    faults: [ { dependency: inventory, behaviour: hang } ]
expect:
  latency.checkout: { load: checkout, p99: "< 100ms" }
`;

describe('scenario loading', () => {
  it('a load may be bound to consecutive phases with during; unknown or gapped phases are named', () => {
    const withDuring = (during: string) => MINI.replace('rate: 10/s }', `rate: 10/s, during: ${during} }`).replace('expect:', '  - { name: after, for: 1s }\nexpect:');
    expect(parseScenarioText(withDuring('hang'), 'x.yaml').load.checkout!.during).toBe('hang');
    expect(parseScenarioText(withDuring('[hang, after]'), 'x.yaml').load.checkout!.during).toEqual(['hang', 'after']);
    expect(issues(withDuring('hnag')).join('\n')).toMatch(/load\.checkout\.during: unknown phase 'hnag' \(did you mean 'hang'\?\)/);
    expect(issues(withDuring('[baseline, after]')).join('\n')).toMatch(/load\.checkout\.during: the phases must be consecutive/);
  });

  it('parses a minimal scenario with defaults filled in', () => {
    const s = parseScenarioText(MINI, 'mini.yaml');
    expect(s.dependencies.inventory).toEqual({ protocol: 'http', via: 'proxy', behaviour: 'ok', replicas: 1 });
    expect(s.phases.map((p) => p.for)).toEqual([2000, 2000]);
    expect(s.load.checkout?.timeout).toBe(10_000);
    expect(clientTimeoutMs(s)).toBe(10_000);
    expect(Object.keys(s.expect)).toEqual(['latency.checkout']);
  });

  it('names file, line, column and field path for an unknown behaviour, with did-you-mean', () => {
    const got = issues(MINI.replace('behaviour: hang', 'behaviour: hnag'));
    expect(got).toEqual([`x.yaml:11:40: phases[1].faults[0].behaviour: unknown behaviour 'hnag' (did you mean 'hang'?)`]);
  });

  it('reports every issue at once, each on its own line', () => {
    const bad = STARTER.replace('shape: steady, path: /checkout', 'shape: stedy, path: /checkout')
      .replace('within: 1s, phase', 'within: soon, phase')
      .replace('latency: 800', 'latncy: 800')
      .replace('survives: true', 'survive: true');
    const got = issues(bad, 'starter.yaml');
    expect(got).toHaveLength(4);
    expect(got.join('\n')).toMatch(/starter\.yaml:\d+:\d+: load\.checkout\.shape: unknown load shape 'stedy' \(did you mean 'steady'\?\)/);
    expect(got.join('\n')).toMatch(/expect\.timeout\.within: 'soon' is not a duration/);
    expect(got.join('\n')).toMatch(/phases\[2\]\.faults\[0\]\.latncy: unknown latency attribute 'latncy' \(did you mean 'latency'\?\)/);
    expect(got.join('\n')).toMatch(/expect\.survive: unknown check 'survive' \(did you mean 'survives'\?\)/);
  });

  it('points at the line of the offending field', () => {
    const lines = STARTER.split('\n');
    const line = lines.findIndex((l) => l.includes('opens-within')) + 1;
    const got = issues(STARTER.replace('opens-within: 5s', 'opens-within: 5s, rest: 1s'));
    expect(got[0]).toMatch(new RegExp(`^x\\.yaml:${line}:\\d+: expect\\.breaker\\.rest: unknown field 'rest' \\(did you mean 'reset'\\?\\)`));
  });

  it('checks cross-references: dependencies, phases and loads named in faults and expectations', () => {
    const got = issues(
      MINI.replace('dependency: inventory, behaviour', 'dependency: inventroy, behaviour').replace('load: checkout, p99', 'load: chekout, phase: hang2, p99'),
    );
    expect(got.join('\n')).toMatch(/phases\[1\]\.faults\[0\]\.dependency: unknown dependency 'inventroy' \(did you mean 'inventory'\?\)/);
    expect(got.join('\n')).toMatch(/expect\["latency\.checkout"\]\.load: unknown load 'chekout' \(did you mean 'checkout'\?\)/);
    expect(got.join('\n')).toMatch(/expect\["latency\.checkout"\]\.phase: unknown phase 'hang2' \(did you mean 'hang'\?\)/);
  });

  it('refuses network faults on a dependency reached directly, and WS behaviours on HTTP stand-ins', () => {
    const direct = MINI.replace('inventory: {}', 'inventory: { via: direct }').replace('behaviour: hang', 'toxic: latency, latency: 100');
    expect(issues(direct).join('\n')).toMatch(/reached directly \(via: direct\)/);
    expect(issues(MINI.replace('behaviour: hang', 'behaviour: no-pong')).join('\n')).toMatch(/'no-pong' is not a HTTP behaviour/);
  });

  it('validates behaviour params and toxic attributes with their own schemas', () => {
    const got = issues(MINI.replace('behaviour: hang', 'behaviour: slow, params: { delay: forever }'));
    expect(got.join('\n')).toMatch(/phases\[1\]\.faults\[0\]\.params\.delay: 'forever' is not a duration/);
    const toxic = parseScenarioText(MINI.replace('behaviour: hang', 'toxic: latency, latency: 800ms, jitter: 50, stream: upstream'), 'x.yaml');
    expect(toxic.phases[1]?.faults[0]).toEqual({ dependency: 'inventory', toxic: { type: 'latency', attributes: { latency: 800, jitter: 50 }, stream: 'upstream' } });
  });

  it('checks ${...} references in the target against the declared dependencies', () => {
    const s = MINI.replace('target: { url: http://127.0.0.1:3000 }', 'target: { command: node app.js, env: { A: "${deps.inventroy.url}", B: "${target.prt}" } }');
    const got = issues(s).join('\n');
    expect(got).toMatch(/target\.env\.A: \$\{deps\.inventroy\.url\}: unknown dependency 'inventroy' \(did you mean 'inventory'\?\)/);
    expect(got).toMatch(/target\.env\.B: \$\{target\.prt\}: unknown field 'prt' \(did you mean 'port'\?\)/);
  });

  it('caps a run\u2019s total duration', () => {
    expect(issues(MINI.replace('for: 2s }', 'for: 3h }')).join('\n')).toMatch(/capped at 7200 s/);
  });

  it('requires either target.command or target.url', () => {
    expect(issues(MINI.replace('target: { url: http://127.0.0.1:3000 }', 'target: {}')).join('\n')).toMatch(/give either target\.command/);
  });

  it('reports YAML syntax errors with their line', () => {
    const got = issues('name: x\nphases: [\n  { name: a, for: 1s\n');
    expect(got[0]).toMatch(/^x\.yaml:\d+:\d+: /);
  });

  it('reads JSON as well as YAML', () => {
    const obj = { name: 'j', target: { url: 'http://127.0.0.1:1' }, phases: [{ name: 'a', for: '1s' }] };
    expect(parseScenarioText(JSON.stringify(obj, null, 2), 'j.json').phases[0]?.for).toBe(1000);
    expect(validateScenario(obj).name).toBe('j');
    expect(() => validateScenario({ ...obj, phases: [] }, 'j.json')).toThrow(/invalid scenario \(1 issue\)/);
  });

  it('says an empty file is empty', () => {
    expect(issues('')[0]).toMatch(/empty.*crumple init/);
  });
});
