// crumple explore against the example targets of scenarios/targets/: each hides a bug no single fault
// shows. The search must find it, shrink it to the faults that matter, and write a counterexample
// that `crumple run` replays failing the same check; on the correct target it must find nothing.
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cli } from '../helpers/cli.js';

const reports = () => mkdtempSync(join(tmpdir(), 'crumple-explore-'));

interface Outcome {
  status: string;
  property?: string;
  minimal?: { text: string; schedule: { tracks: { dependency: string; steps: { fault: Record<string, unknown> }[] }[] } };
  replays: { n: number; reproduced: number };
  trials: { stage: string }[];
}
const outcomeOf = (dir: string, id: string): Outcome => JSON.parse(readFileSync(join(dir, id, 'explore.json'), 'utf8')).outcome as Outcome;

describe('crumple explore', () => {
  it('finds the crash that needs an error status on stock and a non-JSON body on price in the same request, shrinks it, and the counterexample replays', async () => {
    const dir = reports();
    const r = await cli(['explore', 'scenarios/explore.two-deps.yaml', '--runs', '25', '--budget', '6m', '--seed', '7', '--replays', '2', '--reports', dir, '--run-id', 'two']);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 1, stderr: '' });
    const o = outcomeOf(dir, 'two');
    expect(o.status).toBe('found');
    expect(o.property).toBe('alive');
    // Shrunk to the two faults that matter: one track per dependency, one step each.
    const tracks = o.minimal!.schedule.tracks;
    expect(tracks.map((t) => t.dependency).sort()).toEqual(['price', 'stock']);
    const stock = tracks.find((t) => t.dependency === 'stock')!.steps.map((s) => s.fault.behaviour);
    expect(stock).toEqual(['status']);
    expect(o.replays.reproduced).toBeGreaterThanOrEqual(1);
    expect(r.stdout).toMatch(/FOUND a reproducible failure .*: alive fails under/);

    const cx = join(dir, 'two', 'counterexample.yaml');
    expect(existsSync(cx)).toBe(true);
    const text = readFileSync(cx, 'utf8');
    expect(text).toMatch(/^# Found by crumple explore/);
    expect(text).toMatch(/# replay the search: crumple explore scenarios\/explore.two-deps.yaml --seed 7/);
    expect(Object.keys((parse(text) as { expect: object }).expect)).toEqual(['alive']);
    const replay = await cli(['run', cx, '--reports', dir, '--run-id', 'replay']);
    expect(replay.code).toBe(1);
    expect(replay.stdout).toMatch(/alive/);
    const report = JSON.parse(readFileSync(join(dir, 'replay', 'report.json'), 'utf8')) as { verdicts: { key: string; ok: boolean }[] };
    expect(report.verdicts.find((v) => v.key === 'alive')?.ok).toBe(false);
    for (const f of ['explore.md', 'explore.html', 'junit.xml']) expect(existsSync(join(dir, 'two', f))).toBe(true);
    expect(readFileSync(join(dir, 'two', 'junit.xml'), 'utf8')).toMatch(/<failure message="FOUND/);
  }, 600_000);

  it('finds the breaker that never recovers after error statuses followed by resets at the probe, and shrinks it to that sequence', async () => {
    const dir = reports();
    const r = await cli(['explore', 'scenarios/explore.sticky-breaker.yaml', '--runs', '25', '--budget', '8m', '--seed', '5', '--replays', '2', '--reports', dir, '--run-id', 'sticky']);
    const o = outcomeOf(dir, 'sticky');
    expect({ code: r.code, status: o.status, property: o.property }).toEqual({ code: 1, status: 'found', property: 'recovery' });
    const [track] = o.minimal!.schedule.tracks;
    expect(o.minimal!.schedule.tracks).toHaveLength(1);
    // The order that matters: an error status, then a connection reset (nothing else left).
    expect(track!.steps.map((s) => s.fault.behaviour)).toEqual(['status', 'reset']);
  }, 600_000);

  it('finds the unbounded wait queue that needs a slow backend and a load above its pool size, varying the load', async () => {
    const dir = reports();
    const r = await cli(['explore', 'scenarios/explore.pool-limit.yaml', '--runs', '30', '--budget', '9m', '--seed', '5', '--replays', '2', '--reports', dir, '--run-id', 'pool']);
    const o = outcomeOf(dir, 'pool') as Outcome & { timeouts: Record<string, number>; minimal: { schedule: { loads: Record<string, { rate?: number } | null> } } };
    expect({ code: r.code, status: o.status, property: o.property }).toEqual({ code: 1, status: 'found', property: 'answered' });
    // The calibration measured the target's own call timeout (TIMEOUT_MS 800).
    expect(o.timeouts.backend).toBeGreaterThan(600);
    const [track] = o.minimal!.schedule.tracks;
    expect(['slow', undefined]).toContain(track!.steps[0]!.fault.behaviour); // slow, or the latency toxic
    // Above POOL / latency requests a second: the search kept a rate that fills the 4 slots.
    expect(o.minimal!.schedule.loads.search!.rate).toBeGreaterThan(8);
  }, 700_000);

  it('Ctrl-C stops the search at once, rolls back, and still writes its report', async () => {
    const dir = reports();
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), 15_000);
    const r = await cli(['explore', 'scenarios/explore.sturdy.yaml', '--runs', '50', '--budget', '5m', '--seed', '9', '--reports', dir, '--run-id', 'stop'], ac.signal);
    clearTimeout(timer);
    const o = outcomeOf(dir, 'stop');
    expect({ code: r.code, status: o.status }).toEqual({ code: 2, status: 'interrupted' });
    expect(o.trials.length).toBeLessThan(5);
    expect(existsSync(join(dir, 'stop', 'explore.html'))).toBe(true);
  }, 120_000);

  it('finds nothing on the sturdy target, which handles every fault and combination (no false finding)', async () => {
    const dir = reports();
    const r = await cli(['explore', 'scenarios/explore.sturdy.yaml', '--runs', '6', '--budget', '3m', '--seed', '3', '--reports', dir, '--run-id', 'sturdy']);
    const o = outcomeOf(dir, 'sturdy');
    expect({ code: r.code, status: o.status, property: o.property }).toEqual({ code: 0, status: 'none', property: undefined });
    expect(o.trials.filter((t) => t.stage === 'search').length).toBeGreaterThanOrEqual(3);
    expect(existsSync(join(dir, 'sturdy', 'counterexample.yaml'))).toBe(false);
    expect(r.stdout).toMatch(/nothing found within the budget/);
  }, 400_000);

  it('refuses bad input with one line naming the flag or field, and runs nothing', async () => {
    const dir = reports();
    for (const [args, msg] of [
      [['--runs', 'lots'], /--runs: expected a whole number/],
      [['--budget', 'soon'], /--budget: 'soon' is not a duration/],
      [['--budget', '99h'], /--budget: must be more than 0 and at most/],
      [['--path', 'a:b'], /--path: expected fast-check's path/],
      [['--trial', '1s'], /--trial: trial is 2 s to 2 min/],
    ] as [string[], RegExp][]) {
      const r = await cli(['explore', 'scenarios/explore.sturdy.yaml', ...args, '--reports', dir]);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toMatch(msg);
      expect(r.stderr).not.toMatch(/    at /);
    }
  });
});
