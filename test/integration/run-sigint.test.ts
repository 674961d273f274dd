import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Toxiproxy } from 'toxiproxy-node-client';
import { onCleanup } from '../helpers/listen.js';
import { alive } from '../helpers/proc.js';
import { startProxyServer } from '../../src/proxy/server.js';


describe('crumple run interrupted by Ctrl-C (a real child process)', () => {
  it('rolls back: the external proxy is left clean, the target process group is stopped, exit 2, the partial report written', async () => {
    // An "external" Toxiproxy: crumple must leave it as it found it.
    const proxy = await startProxyServer();
    onCleanup(() => proxy.close());
    const client = new Toxiproxy(proxy.url);
    const dir = mkdtempSync(join(tmpdir(), 'crumple-sigint-'));
    const file = join(dir, 's.yaml');
    writeFileSync(
      file,
      `name: interrupted
target:
  command: node scenarios/targets/resilient.js
  env: { PORT: "\${target.port}", INVENTORY_URL: "\${deps.inventory.url}" }
  ready: { http: /health }
dependencies:
  inventory: {}
load:
  checkout: { shape: steady, path: /checkout, rate: 20/s }
phases:
  - { name: baseline, for: 1s }
  - { name: slow network, for: 60s, faults: [{ dependency: inventory, toxic: latency, latency: 300 }] }
expect:
  latency.baseline: { phase: baseline, p99: "< 2s" }
  latency.slow: { phase: slow network, p99: "< 2s" }
`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'run', file, '--reports', dir, '--run-id', 'r', '--toxiproxy', proxy.url], { stdio: ['ignore', 'pipe', 'pipe'] });
    onCleanup(() => void child.kill('SIGKILL'));
    let out = '';
    child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    // Interrupt in the middle of the faulty phase, with the toxic live.
    for (let i = 0; i < 300 && !/phase 2\/2 'slow network'/.test(out); i++) await new Promise((r) => setTimeout(r, 100));
    expect(out).toMatch(/phase 2\/2 'slow network'/);
    const pid = Number(/\(pid (\d+)\)/.exec(out)?.[1]);
    expect(alive(pid)).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    const during = await client.getAll();
    expect(Object.keys(during)).toEqual(['crumple-inventory']);
    expect((await client.get('crumple-inventory').then((p) => p.getToxic('latency_downstream'))).attributes).toMatchObject({ latency: 300 });
    const sentAt = Date.now();
    child.kill('SIGINT');
    const code = await exited;
    expect(code).toBe(2);
    expect(Date.now() - sentAt).toBeLessThan(20_000); // stops by itself, promptly; no hang
    expect(alive(pid)).toBe(false);
    expect(await client.getAll()).toEqual({}); // toxic removed and the proxy crumple created deleted
    expect(out).toMatch(/rolling back/);
    const result = JSON.parse(readFileSync(join(dir, 'r', 'report.json'), 'utf8'));
    expect(result.outcome).toBe('interrupted');
    // The finished phase is judged; the interrupted one is inconclusive and says why.
    const status = Object.fromEntries(result.verdicts.map((v: { key: string; status: string }) => [v.key, v.status]));
    expect(status).toEqual({ 'latency.baseline': 'pass', 'latency.slow': 'inconclusive' });
    expect(out).toMatch(/latency\.slow\s+INCONCLUSIVE/);
    expect(readdirSync(join(dir, 'r'))).toEqual(expect.arrayContaining(['junit.xml', 'report.html', 'report.md', 'target.stdout.log']));
  }, 60_000);
});
