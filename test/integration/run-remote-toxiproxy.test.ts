import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onCleanup } from '../helpers/listen.js';
import { startProxyServer } from '../../src/proxy/server.js';
import { loadScenario } from '../../src/scenario/load.js';
import { scenarioToPlan } from '../../src/scenario/plan.js';
import { runPlan } from '../../src/run.js';
import { cli } from '../helpers/cli.js';

// 127.0.0.2 stands for the Toxiproxy host, 127.0.0.3 for the interface of crumple's machine that
// host reaches: both loopback, so the guard lets them through without --allow-host.
describe('a run against a remote Toxiproxy', () => {
  it('creates the proxy on the Toxiproxy host, tells the target its address, faults through it, and removes it on exit', async () => {
    const toxiproxy = await startProxyServer({ host: '127.0.0.2', port: 0 });
    onCleanup(() => toxiproxy.close());
    const dir = mkdtempSync(join(tmpdir(), 'crumple-remote-'));
    const file = join(dir, 'remote.yaml');
    writeFileSync(
      file,
      `name: remote toxiproxy
target:
  command: node scenarios/targets/resilient.js
  env: { PORT: "\${target.port}", INVENTORY_URL: "\${deps.inventory.url}", TIMEOUT_MS: "2000", RETRIES: "0" }
  ready: { http: /health, within: 10s }
toxiproxy: { url: "${toxiproxy.url}", listen: 127.0.0.2, upstream: 127.0.0.3 }
dependencies:
  inventory: { bind: 127.0.0.3 }
load:
  checkout: { shape: steady, path: /checkout, rate: 20/s, timeout: 5s }
phases:
  - { name: baseline, for: 1500ms }
  - { name: slow network, for: 2s, faults: [{ dependency: inventory, toxic: latency, latency: 400 }] }
expect:
  steady-state: { errors: "< 5%" }
  latency: { phase: slow network, p50: "< 5s" }
`,
    );
    const { scenario, file: path } = await loadScenario(file);
    // What the Toxiproxy host holds while the run is in its fault phase.
    let during: Promise<unknown> | undefined;
    const out = await runPlan(scenarioToPlan(scenario, path), {
      reportsDir: dir,
      progress: (line) => {
        if (line.includes("'slow network'")) during ??= fetch(`${toxiproxy.url}/proxies`).then((r) => r.json());
      },
    });
    expect(out.result.error, out.result.error).toBeUndefined();
    const proxies = (await during) as Record<string, { listen: string; upstream: string; toxics: { type: string }[] }>;
    const p = proxies['crumple-inventory']!;
    expect(p.listen).toMatch(/^127\.0\.0\.2:\d+$/);
    expect(p.upstream).toMatch(/^127\.0\.0\.3:\d+$/);
    // The target was told the proxy's address on the Toxiproxy host.
    expect(out.result.dependencies[0]!.url).toBe(`http://${p.listen}`);
    // Traffic really went target → 127.0.0.2 proxy → 127.0.0.3 stand-in, and the toxic slowed it.
    expect(out.timeline.events.some((e) => e.kind === 'dep-request')).toBe(true);
    const slow = out.result.verdicts.find((v) => v.key === 'latency')!;
    expect(slow.status, slow.summary).toBe('pass');
    expect(slow.measured.p50Ms as number).toBeGreaterThanOrEqual(400);
    expect(out.result.verdicts.find((v) => v.key === 'steady-state')!.status).toBe('pass');
    // Everything crumple created on the Toxiproxy host is gone again.
    expect(await (await fetch(`${toxiproxy.url}/proxies`)).json()).toEqual({});
  }, 60_000);

  it('refuses a stand-in bound off loopback unless the host is allowed, before anything starts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crumple-bind-'));
    const file = join(dir, 'bind.yaml');
    writeFileSync(
      file,
      `name: bind off loopback
target: { url: "http://127.0.0.1:9" }
dependencies:
  inventory: { via: direct, bind: 192.0.2.7 }
phases: [{ name: a, for: 1s }]
expect: { survives: true }
`,
    );
    const r = await cli(['run', file, '--reports', dir, '--quiet', '--json']);
    expect(r.code).toBe(2);
    const report = JSON.parse(r.stdout) as { error: string; phases: unknown[] };
    expect(report.error).toMatch(/refusing to bind stand-in 'inventory' on 192\.0\.2\.7.*--allow-host 192\.0\.2\.7/);
    expect(report.phases).toEqual([]);
    // --bind for every stand-in goes through the same guard.
    const r2 = await cli(['run', file.replace('bind.yaml', 'bind.yaml'), '--reports', dir, '--quiet', '--bind', '0.0.0.0', '--json']);
    expect(r2.code).toBe(2);
  }, 30_000);

  it('serve needs a token for a control API off loopback', async () => {
    const r = await cli(['serve', '--zoo', '--host', '0.0.0.0', '--allow-host']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--token: required when the control API binds a non-loopback address/);
  });
});
