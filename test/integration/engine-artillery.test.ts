import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { httpServer, onCleanup } from '../helpers/listen.js';
import { cli } from '../helpers/cli.js';
import { loadScenario } from '../../src/scenario/load.js';
import { scenarioToPlan } from '../../src/scenario/plan.js';
import { runPlan, type RunOutput } from '../../src/run.js';
import { artilleryLoads } from '../../src/export/engine.js';
import { ingestArtillery, readArtilleryReport } from '../../src/export/ingest.js';
import type { ResponseEvent } from '../../src/timeline/events.js';
import { stats } from '../../src/checks/query.js';

const artilleryBin = resolve(createRequire(import.meta.url).resolve('artillery/package.json'), '..', 'bin', 'run');

/** Runs Artillery (the devDependency) to its end; its process group is killed if the test ends first. */
function artillery(args: string[], cwd: string): Promise<{ code: number | null; out: string }> {
  const c = spawn(process.execPath, [artilleryBin, ...args], { cwd, detached: true, env: { ...process.env, ARTILLERY_DISABLE_TELEMETRY: 'true' } });
  onCleanup(() => void (c.exitCode === null && c.pid && process.kill(-c.pid, 'SIGKILL')));
  let out = '';
  c.stdout.on('data', (d: Buffer) => (out += d));
  c.stderr.on('data', (d: Buffer) => (out += d));
  return new Promise((r) => c.once('exit', (code) => r({ code, out })));
}

describe('load on Artillery', () => {
  it('the exported script, run by Artillery, sends the load; its thresholds judge; its report reads back to what the target saw', async () => {
    const seen: Record<string, number> = {};
    let n = 0;
    const target = await httpServer((req, res) => {
      n += 1;
      const status = n % 5 === 0 ? 503 : 200;
      seen[status] = (seen[status] ?? 0) + 1;
      res.writeHead(status, { 'content-type': 'text/plain' }).end('ok');
    });
    const dir = mkdtempSync(join(tmpdir(), 'crumple-art-'));
    const file = join(dir, 's.yaml');
    writeFileSync(
      file,
      `name: exported
target: { url: "${target.url}" }
load:
  checkout: { shape: steady, path: /checkout, rate: 20/s, timeout: 2s }
phases: [{ name: all, for: 3s }]
expect:
  latency: { p99: "< 1500ms" }
  latency.impossible: { p50: "< 0.001ms" }
`,
    );
    const ex = await cli(['export', 'artillery', file, '--out', dir]);
    expect(ex.code, ex.stderr).toBe(0);
    expect(ex.stdout).toMatch(/threshold latency: crumple\.latency\.p99 < 1500/);
    const r = await artillery(['run', '--output', 'out.json', 'checkout.artillery.yml'], dir);
    // One bound holds, the other cannot: Artillery's ensure says so and fails the run.
    expect(r.out).toMatch(/ok: crumple\.latency\.p99 < 1500/);
    expect(r.out).toMatch(/fail: crumple\.latency\.p50 < 0\.001/);
    expect(r.code).not.toBe(0);
    const report = await readArtilleryReport(join(dir, 'out.json'));
    const events: ResponseEvent[] = [];
    const got = ingestArtillery(report, { load: 'checkout', sink: (e) => void (e.kind === 'response' && events.push(e)), toMonotonic: (ms) => ms });
    // 20/s for 3 s, every request read back with the status the target gave it.
    expect(got.events).toBe(n);
    expect(n).toBe(60);
    expect(got.summary.status).toEqual({ '200': seen[200], '503': seen[503] });
    expect(report.aggregate.counters['crumple.requests']).toBe(n);
    expect(report.aggregate.counters['crumple.errors.status']).toBe(seen[503]);
  }, 120_000);

  it("Artillery's load and crumple's own, same scenario and target: same counts and status mix, close p99, the same verdicts", async () => {
    const { scenario, file } = await loadScenario('scenarios/scale.artillery.yaml');
    const reportsDir = mkdtempSync(join(tmpdir(), 'crumple-cmp-'));
    const own = await runPlan(scenarioToPlan(scenario, file), { reportsDir, runId: 'own', writeFiles: false });
    const dir = join(reportsDir, 'engine');
    const eng = await runPlan(scenarioToPlan(scenario, file), {
      reportsDir,
      runId: 'engine',
      writeFiles: false,
      loads: { start: artilleryLoads({ scenario, dir }), startWithinMs: 125_000, stopWithinMs: 70_000 },
    });
    expect(eng.result.error, eng.result.error).toBeUndefined();
    const fig = (o: RunOutput) => {
      const rs = o.timeline.events.filter((e): e is ResponseEvent => e.kind === 'response' && e.load === 'checkout');
      const status: Record<string, number> = {};
      for (const e of rs) status[e.status ?? e.error!] = (status[e.status ?? e.error!] ?? 0) + 1;
      return { requests: rs.length, ok: rs.filter((e) => e.status !== undefined && e.status < 400).length, status, p99Ms: Math.round(stats(rs.map((e) => e.latencyMs)).p99) };
    };
    const a = fig(own);
    const b = fig(eng);
    console.log(`crumple's own load: ${JSON.stringify(a)}\nartillery:          ${JSON.stringify(b)}`);
    writeFileSync(join(reportsDir, 'comparison.json'), JSON.stringify({ own: a, artillery: b }));
    // 50/s over 12 s of phases for both; Artillery's script is the export of this very load.
    expect(b.requests).toBeGreaterThan(500);
    expect(Math.abs(a.requests - b.requests) / a.requests).toBeLessThan(0.15);
    expect(Math.abs(a.ok / a.requests - b.ok / b.requests)).toBeLessThan(0.15);
    expect(b.p99Ms).toBeLessThan(1500);
    // The same checks judge the engine's results: the same verdicts, and the same outcome for those
    // that judge counts and statuses. Latency bounds (steady-state p99, recovery's p99) depend on how
    // busy the machine was during each of the two runs, so only their presence is compared.
    const speed = new Set(['steady-state', 'latency', 'recovery']);
    const outcome = (o: RunOutput) => o.result.verdicts.map((v) => `${v.key}: ${speed.has(v.check) ? 'judged' : v.status}`).sort();
    expect(outcome(eng)).toEqual(outcome(own));
    expect(eng.result.loads.find((l) => l.name === 'checkout')!.requests).toBe(b.requests);
    expect(readFileSync(join(dir, 'engine', 'checkout.artillery.yml'), 'utf8')).toMatch(/arrivalRate: 50/);
  }, 240_000);
});
