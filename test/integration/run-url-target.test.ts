import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onCleanup } from '../helpers/listen.js';
import { freePort } from '../../src/target/free-port.js';
import { runScenarioFile } from './scenario-helpers.js';

describe('a target that is already running (target.url)', () => {
  it('reaches it through a dependency on a fixed port, and measures its timeout', async () => {
    const inventoryPort = await freePort();
    const targetPort = await freePort();
    // The user's service, started before crumple, configured with the address crumple will serve.
    const svc = spawn(process.execPath, ['scenarios/targets/resilient.js'], {
      env: { ...process.env, PORT: String(targetPort), INVENTORY_URL: `http://127.0.0.1:${inventoryPort}`, TIMEOUT_MS: '700' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    onCleanup(() => void svc.kill('SIGKILL'));
    await new Promise((r) => svc.stdout!.once('data', r));
    const dir = mkdtempSync(join(tmpdir(), 'crumple-url-'));
    const file = join(dir, 'url.yaml');
    writeFileSync(
      file,
      `name: running service
target: { url: "http://127.0.0.1:${targetPort}" }
dependencies:
  inventory: { via: proxy, port: ${inventoryPort} }
load:
  checkout: { shape: steady, path: /checkout, rate: 20/s, timeout: 3s }
phases:
  - { name: baseline, for: 1500ms }
  - { name: hang, for: 2500ms, faults: [{ dependency: inventory, behaviour: hang }] }
expect:
  steady-state: { errors: "< 5%" }
  timeout: { dependency: inventory, within: 1s }
`,
    );
    const run = await runScenarioFile(file);
    expect(run.result.error, run.result.error).toBeUndefined();
    expect(run.result.dependencies[0]!.url).toBe(`http://127.0.0.1:${inventoryPort}`);
    const v = run.verdict('timeout');
    expect(v.ok, v.summary).toBe(true);
    expect(Math.abs((v.measured.measuredTimeoutMs as number) - 700)).toBeLessThan(105); // within 15 %
    expect(run.verdict('steady-state').ok).toBe(true);
  }, 60_000);
});
