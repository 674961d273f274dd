import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { exportArtillery } from '../../src/export/artillery.js';
import { ingestArtillery, latencies } from '../../src/export/ingest.js';
import { parseScenarioText } from '../../src/scenario/load.js';
import { quantile } from '../../src/checks/query.js';
import type { TimelineEvent } from '../../src/timeline/events.js';
import { cli } from '../helpers/cli.js';

const scenario = (load: string, expect = 'survives: true') =>
  parseScenarioText(
    `name: s
target: { url: "http://127.0.0.1:3000" }
load:
${load}
phases:
  - { name: baseline, for: 2s }
  - { name: fault, for: 3s }
expect:
  ${expect}
`,
    's.yaml',
  );

describe('crumple export artillery', () => {
  it('a steady load becomes one arrival-rate phase over the run, with its request, timeout and concurrency', () => {
    const ex = exportArtillery(scenario('  checkout: { shape: steady, path: /checkout, method: POST, rate: 40/s, timeout: 2s, body: { sku: x }, headers: { x-t: a } }'));
    const doc = parse(ex.scripts[0]!.text);
    expect(doc.config.target).toBe('http://127.0.0.1:3000');
    expect(doc.config.http.timeout).toBe(2);
    expect(doc.config.phases).toEqual([{ name: 'checkout', duration: 5, arrivalRate: 40, maxVusers: 256 }]);
    expect(doc.scenarios[0].flow).toEqual([{ post: { url: '/checkout', headers: { 'x-t': 'a' }, json: { sku: 'x' } } }]);
    expect(doc.scenarios[0].onError).toEqual(['crumpleError']);
    expect(doc.config.processor).toBe('./crumple-artillery.cjs');
    expect(ex.processor.text).toMatch(/module\.exports/);
  });

  it('a ramp becomes its steps; a load with `during` waits for its phase', () => {
    const doc = parse(exportArtillery(scenario('  up: { shape: ramp, from: 10/s, to: 30/s, steps: 3, stepFor: 1s, during: fault }')).scripts[0]!.text);
    expect(doc.config.phases.map((p: { arrivalRate?: number; pause?: number }) => p.arrivalRate ?? `pause ${p.pause}`)).toEqual(['pause 2', 10, 20, 30]);
  });

  it('whole-run latency and error bounds become thresholds; phase-scoped ones stay with crumple', () => {
    const ex = exportArtillery(
      scenario('  checkout: { shape: steady, path: /c, rate: 10/s }', `latency: { p99: "< 250ms", max: "<= 2s" }
  errors: { rate: "< 1%", class: [timeout, reset] }
  steady-state: { errors: "< 1%" }
  latency.fault: { phase: fault, p99: "< 1s" }`),
    );
    const doc = parse(ex.scripts[0]!.text);
    expect(doc.config.plugins.ensure.thresholds).toEqual([{ 'crumple.latency.p99': 250 }]);
    expect(doc.config.plugins.ensure.conditions).toEqual([
      { expression: 'crumple.latency.max <= 2000', strict: true },
      { expression: '(crumple.errors.timeout + crumple.errors.reset) / crumple.requests < 0.01', strict: true },
    ]);
    expect(ex.scripts[0]!.judgedByCrumple.join('; ')).toMatch(/steady-state.*latency\.fault \(phase 'fault'\)/);
  });

  it('loads with no arrival rate are skipped with the reason; bad input names the flag', async () => {
    const ex = exportArtillery(scenario(`  a: { shape: steady, path: /a, rate: 5/s }
  b: { shape: steady, path: /b, connections: 2 }
  c: { shape: dogpile, path: /c, n: 10 }
  d: { shape: steady, path: /d, rate: 5/s, clients: { count: 3 } }`));
    expect(ex.scripts.map((s) => s.load)).toEqual(['a']);
    expect(ex.skipped.map((s) => s.load)).toEqual(['b', 'c', 'd']);
    expect(ex.skipped[2]!.why).toMatch(/client identities/);
    expect(() => exportArtillery(scenario('  b: { shape: steady, path: /b }'))).toThrow(/nothing to export: load b: a closed-loop/);
    expect((await cli(['export', 'k6', 'scenarios/scale.artillery.yaml'])).stderr).toMatch(/^crumple: engine: 'k6' is not supported \(known: artillery\)\n$/);
    expect((await cli(['export', 'artillery', 'scenarios/scale.artillery.yaml'])).stderr).toMatch(/--target: the scenario starts its target/);
    const r = await cli(['export', 'artillery', 'scenarios/scale.artillery.yaml', '--target', 'http://127.0.0.1:1', '--load', 'nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--load: no load 'nope'/);
  });
});

describe('ingesting an Artillery report', () => {
  const summary = (count: number, min: number, p50: number, p99: number, max: number) => ({ count, min, max, mean: p50, p50, median: p50, p75: p50, p90: p50, p95: p99, p99, p999: max });
  const report = {
    aggregate: {
      counters: { 'http.requests': 105 },
      summaries: {
        'crumple.1800000000.200': summary(100, 2, 5, 40, 90),
        'crumple.1800000001.503': summary(3, 1, 1.5, 2, 2),
        // They started late in their second (after a phase edge, say): they stay there.
        'crumple.1800000001.503.at': summary(3, 700, 750, 800, 800),
        'crumple.1800000001.ETIMEDOUT': summary(2, 1000, 1000, 1000, 1001),
        'http.response_time': summary(105, 1, 5, 40, 1001),
      },
    },
  };

  it('gives one response event per request, at its second, with its status or error class', () => {
    const events: TimelineEvent[] = [];
    const r = ingestArtillery(report, { load: 'checkout', sink: (e) => events.push(e), toMonotonic: (ms) => ms - 1_799_999_999_000 });
    expect(r.events).toBe(105);
    const rs = events.filter((e) => e.kind === 'response');
    expect(rs.filter((e) => e.status === 200)).toHaveLength(100);
    expect(rs.filter((e) => e.status === 503)).toHaveLength(3);
    expect(rs.filter((e) => e.error === 'timeout')).toHaveLength(2);
    expect(rs.filter((e) => e.status === 200).every((e) => e.t >= 1000 && e.t < 2000)).toBe(true);
    expect(rs.filter((e) => e.status !== 200).every((e) => e.t >= 2000 && e.t < 3000)).toBe(true);
    expect(rs.filter((e) => e.status === 503).map((e) => e.t)).toEqual([2700, 2750, 2800]);
    expect(r.summary).toMatchObject({ load: 'checkout', requests: 105, ok: 100, status: { '200': 100, '503': 3 }, errors: { timeout: 2 } });
  });

  it("reproduces the second's quantiles (nearest rank, as the checks read them)", () => {
    const l = latencies(summary(100, 2, 5, 40, 90)).sort((a, b) => a - b);
    expect(l[0]).toBe(2);
    expect(l[99]).toBe(90);
    expect(quantile(l, 0.5)).toBeCloseTo(5, 0);
    expect(Math.abs(quantile(l, 0.99) - 40)).toBeLessThanOrEqual(0.6 * (90 - 40));
  });

  it('refuses a report without crumple metrics, saying why', () => {
    expect(() => ingestArtillery({ aggregate: { counters: { 'http.requests': 5 }, summaries: {} } }, { load: 'x', sink: () => {}, toMonotonic: (m) => m, source: 'r.json' })).toThrow(/r\.json: no crumple\.\* metrics \(though 5 requests were sent\)/);
  });
});
