import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { FailureModeId } from '../../src/checks/check.js';
import { failureModeLine, failureModes, isThresholdKey, remedy, stabilityPatterns } from '../../src/report/failure-modes.js';
import { naiveRun } from '../helpers/run-result.js';

const ids = Object.keys(failureModes) as FailureModeId[];

describe('failure-mode catalogue', () => {
  it('gives every failure mode a name, a one-line description, known patterns and an aim even without numbers', () => {
    expect(ids.length).toBe(21); // main's 17, double-apply, lost-message, noisy-neighbour, dogpile
    for (const id of ids) {
      const m = failureModes[id];
      expect(m.name.length, id).toBeGreaterThan(3);
      expect(m.description, id).not.toMatch(/\n/);
      expect(m.patterns.length, id).toBeGreaterThan(0);
      for (const p of m.patterns) expect(stabilityPatterns[p], `${id}: ${p}`).toBeDefined();
      expect(m.aim({}).length, id).toBeGreaterThan(10);
      expect(m.aim({}), id).not.toMatch(/undefined|NaN|null/);
    }
  });

  it('phrases the value to aim for with the verdict\u2019s measured numbers', () => {
    expect(failureModes['integration-point-without-timeout'].aim({ boundMs: 1000, heldMs: 15_000 })).toBe(
      'a timeout on every call to the dependency, giving up within 1.00 s (this run: waited 15.0 s)',
    );
    expect(failureModes['retry-storm'].aim({ amplification: 4.5, amplificationBound: 1.5 })).toContain('≤ 1.5×');
    expect(failureModes['retry-storm'].aim({ amplification: 4.5, amplificationBound: 1.5 })).toContain('this run: 4.50×');
    expect(failureModes['memory-growth'].aim({ growthBytes: 180 * 2 ** 20, boundBytes: 32 * 2 ** 20 })).toBe(
      'RSS reaches a plateau, growth under 32.0 MiB (this run: grew 180.0 MiB)',
    );
    expect(failureModes['slo-breach'].aim({ p99Ms: 900, p99BoundMs: 250, errorRate: 0.2 })).toBe('stay within p99 bound 250 ms');
  });

  it('tells thresholds apart from measured numbers by key name', () => {
    for (const k of ['boundMs', 'p99BoundMs', 'withinMs', 'opensWithinMs', 'thresholdMs', 'limitBytes']) expect(isThresholdKey(k), k).toBe(true);
    for (const k of ['p99Ms', 'heldMs', 'openConnections', 'maxMs', 'amplification']) expect(isThresholdKey(k), k).toBe(false);
  });

  it('writes one line: name, trigger → spread → result, and the pattern to apply', () => {
    const v = naiveRun().verdicts[2]!;
    const line = failureModeLine(v);
    expect(line).toBe(
      'Cascading failure: inventory hung at 10.0 s → every checkout request still called inventory (100 calls/s, 2500 in all) → checkout failed for as long as inventory did; apply Circuit Breaker + Timeouts + Bulkheads: a circuit breaker that opens within 3.00 s, then lets through only occasional probes (this run: still 100 calls/s)',
    );
    expect(line).not.toMatch(/\n/);
  });

  it('falls back to the summary for a passing verdict and survives an id from a newer crumple', () => {
    const ok = naiveRun().verdicts[0]!;
    expect(failureModeLine(ok)).toBe(ok.summary);
    const future = { ...naiveRun().verdicts[1]!, failureMode: { id: 'quantum-entanglement' as FailureModeId, trigger: 'a', spread: 'b', result: 'c' } };
    expect(failureModeLine(future)).toBe('quantum-entanglement: a → b → c');
    expect(remedy(future.failureMode, {})).toEqual({ patterns: [], aim: '' });
  });
});

describe('aim phrasing against the timeout check\u2019s measured keys', () => {
  it('names the held calls when the target never gave up (no measured timeout)', () => {
    expect(failureModes['integration-point-without-timeout'].aim({ measuredTimeoutMs: null, giveUpP50Ms: null, withinMs: 1000, heldPastBound: 212 })).toBe(
      'a timeout on every call to the dependency, giving up within 1.00 s (this run: calls held past the bound 212)',
    );
  });

  it('lists only failure modes some check can emit (the README names no mode a run cannot show)', () => {
    const dir = new URL('../../src/checks/', import.meta.url);
    const source = readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'check.ts').map((f) => readFileSync(new URL(f, dir), 'utf8')).join('\n');
    for (const id of Object.keys(failureModes)) expect(source, id).toContain(`'${id}'`);
  });
});
