import { describe, expect, it } from 'vitest';
import { parseScenarioText } from '../../src/scenario/load.js';
import { clientTimeoutMs } from '../../src/scenario/schema.js';
import { scenarioToPlan } from '../../src/scenario/plan.js';
import { loadTimeouts } from '../../src/load/index.js';
import { runCheck } from '../../src/checks/index.js';
import type { CheckContext } from '../../src/checks/check.js';
import { timeline, type TimelineBuilder } from '../helpers/timeline.js';

/**
 * A load's `timeout` written as a duration string ("5s") is the patience every check uses for that
 * load: the numbers in the stories and the timeout check's notion of "crumple's client gave up".
 * The scenario sets 5 s on checkout and nothing on health (which then gets clientTimeout, 10 s).
 */
const SCENARIO = `name: load timeouts
target: { url: http://127.0.0.1:3000 }
dependencies:
  inventory: {}
load:
  checkout: { shape: steady, path: /checkout, rate: 10/s, timeout: 5s }
  health: { shape: steady, path: /health, rate: 10/s }
phases:
  - { name: baseline, for: 5s }
  - name: hangs
    for: 10s
    faults: [ { dependency: inventory, behaviour: hang } ]
  - name: garbage
    for: 10s
    faults: [ { dependency: inventory, behaviour: garbage } ]
expect:
  timeout: { dependency: inventory, within: 1s, phase: hangs }
  shedding: { load: checkout, rejects-within: 100ms, phase: hangs }
  fail-fast: { load: checkout, phase: hangs }
  survives: true
`;

const scenario = parseScenarioText(SCENARIO, 'timeouts.yaml');
const plan = scenarioToPlan(scenario);

/** The builder's synthetic timeline with the run's own view of its loads' timeouts. */
function ctx(b: TimelineBuilder): CheckContext {
  return { ...b.context(), clientTimeoutMs: plan.clientTimeoutMs, loadTimeoutsMs: loadTimeouts(plan.loads) };
}

/** baseline fine; checkout requests in the faulty phases wait for crumple's 5 s client timeout. */
function run(): TimelineBuilder {
  const b = timeline()
    .phase('baseline', 0, 5000)
    .phase('hangs', 5000, 15000, [['inventory', 'hang']])
    .phase('garbage', 15000, 25000, [['inventory', 'garbage']])
    .responses('checkout', { from: 0, to: 5000, every: 100, latency: 5 })
    .responses('health', { from: 0, to: 25000, every: 100, latency: 2 })
    .calls('inventory', { from: 0, to: 5000, every: 100, answerAfter: 2 });
  // A proxy-like target: its call to inventory ends only when crumple's client leaves (at 5 s).
  for (let t = 5000; t < 15000; t += 100) b.response('checkout', t, 5000, 'timeout').call('inventory', t + 1, { closeAfter: 5000 });
  for (let t = 15000; t < 25000; t += 100) b.response('checkout', t, 5000, 'timeout');
  return b.end(30000);
}

// Of each faulty phase's 100 client requests, the 9 sent in its last second and answered after it
// count for neither phase (the phase-edge rule in query.ts): the stories count 91.
const verdict = (key: string) => runCheck(ctx(run()), key, scenario.expect[key]);

describe('a load\u2019s own timeout string is what the checks use', () => {
  it('the scenario reads "timeout: 5s" as 5000 ms, per load and as the run\u2019s client timeout', () => {
    expect(loadTimeouts(plan.loads)).toEqual({ checkout: 5000, health: 10_000 });
    const only5s = parseScenarioText(SCENARIO.replace('  health: { shape: steady, path: /health, rate: 10/s }\n', ''), 'x.yaml');
    expect(clientTimeoutMs(only5s)).toBe(5000);
  });

  it('timeout: closes at the load\u2019s 5 s are crumple\u2019s client leaving, and the story says 5.00 s', () => {
    const v = verdict('timeout');
    expect(v.ok).toBe(false);
    expect(v.measured.abandonedCalls).toBe(0);
    expect(v.measured.heldUntilClientGaveUp).toBe(100);
    expect(v.summary).toMatch(/never gave up on inventory: 100 call\(s\) held past 1\.00 s \(until crumple\u2019s client gave up after 5\.00 s\)/);
    expect(v.failureMode?.result).toMatch(/91 gave up after 5\.00 s$/);
  });

  it('timeout: a close at 5 s with no recorded client give-up still counts as crumple\u2019s (the load\u2019s patience, not 10 s)', () => {
    const b = timeline()
      .phase('baseline', 0, 5000)
      .phase('hangs', 5000, 15000, [['inventory', 'hang']])
      .responses('checkout', { from: 0, to: 5000, every: 100, latency: 5 });
    for (let t = 5000; t < 15000; t += 500) b.call('inventory', t, { closeAfter: 5010 });
    const v = runCheck(ctx(b.end(20000)), 'timeout', scenario.expect.timeout);
    expect(v.measured.abandonedCalls).toBe(0);
    expect(v.measured.heldUntilClientGaveUp).toBe(20);
  });

  it('shedding: "timed out after 5.00 s"', () => {
    const v = verdict('shedding');
    expect(v.ok).toBe(false);
    expect(v.failureMode?.result).toMatch(/91 requests timed out after 5\.00 s/);
    expect(JSON.stringify(v)).not.toMatch(/10\.0 s/);
  });

  it('fail-fast: "gave up after 5.00 s"', () => {
    const v = verdict('fail-fast');
    expect(v.ok).toBe(false);
    expect(v.failureMode?.result).toMatch(/91 gave up after 5\.00 s/);
    expect(JSON.stringify(v)).not.toMatch(/10\.0 s/);
  });

  it('survives: "waited 5.00 s"', () => {
    const v = verdict('survives');
    expect(v.ok).toBe(false);
    expect(v.failureMode?.result).toMatch(/91 waited 5\.00 s/);
  });
});
